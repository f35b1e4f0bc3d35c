"""`xinyong demo DIR --rubric zhengzhou-2019-counties` (or -units): an assessment of every county (or
every city unit), each scored on its own figures and ranked, as a credit office would live it.

Every subject gets its workbook and returns it with figures of its own (drawn around the rubric's
example, so the counties differ but stay plausible); one returns after the deadline, one sends a
corrected file, one never returns. Consolidation writes the master, whose first sheet is the ranking;
the summary prints its top and bottom. Dates are fixed, so every run tells the same story.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from udfs.rubric import Rubric
from udfs.rubric.loader import builtin_dir
from udfs.sampling import sample_value

from .generate.fill import fill_returns, outgoing_files
from .generate.run import generate
from .intake.consolidate import Summary, consolidate
from .master.run import MasterOutcome
from .project import Project, init_project, write_settings

TODAY = date(2019, 3, 1)
ON_TIME = datetime(2019, 3, 25, 10, 0)
LATE_FILE = datetime(2019, 4, 3, 16, 0)
RESUBMITTED = datetime(2019, 4, 2, 9, 30)
MASTER_AT = datetime(2019, 4, 5, 9, 0)
SEED = 2019


@dataclass
class SubjectsDemo:
    project: Project
    summary: Summary
    master: MasterOutcome
    late: str
    resubmitted: str
    missing: str


def _figures(rubric: Rubric, example: dict[str, object], rng: random.Random) -> dict[str, object]:
    """A subject's own figures: mostly the example's, a share drawn anew within each input's range."""
    return {i: (sample_value(spec, rng) if rng.random() < 0.4 or i not in example else example[i]) for i, spec in rubric.inputs.items()}  # fmt: skip


def run_subjects_demo(root: Path, rubric: str) -> SubjectsDemo:
    example = json.loads((builtin_dir() / rubric / "example.json").read_text(encoding="utf-8"))["inputs"]
    rng = random.Random(SEED)
    project = init_project(root, rubric, today=TODAY)
    project.settings.contact, project.settings.phone = "王科长", "0371-0000000"
    write_settings(root, project.settings)
    generate(project)
    subjects = project.subjects
    missing, late, resubmitted = subjects[-1], subjects[1], subjects[2]
    files = outgoing_files(project)
    for subject in subjects:
        if subject == missing:
            continue
        figures = _figures(project.rubric, example, rng)
        when = LATE_FILE if subject == late else ON_TIME
        fill_returns(project, figures, units=[subject], received=when)
        if subject == resubmitted:  # a week later, a corrected file under another name
            source, _ = files[subject]
            first = project.inbox / source.name
            first.rename(first.with_name(f"初报-{source.name}"))
            fill_returns(project, _figures(project.rubric, example, rng), units=[subject], received=RESUBMITTED)
    summary = consolidate(project, now=MASTER_AT)
    if summary.master is None:
        raise RuntimeError("consolidation wrote no master")
    return SubjectsDemo(project, summary, summary.master, late, resubmitted, missing)


def subjects_summary_text(demo: SubjectsDemo, shown: int = 3) -> str:
    """The ranking's top and bottom, who was late, resubmitted or missing, and where the files are."""
    from .report.subjects import ranking_line, scores_of

    p = demo.project
    scores = scores_of(p, today=MASTER_AT.date(), now=MASTER_AT)
    ranked = sorted((s for s in scores if s.rank is not None), key=lambda s: s.rank or 0)
    label = p.registry.label_of
    lines = [
        f"演示项目：{p.root}（{p.rubric.title}，逐一考核 {len(p.subjects)} 个对象）",
        f"收回文件 {len(demo.summary.outcomes)} 个；逾期：{label(demo.late)}；重新报送：{label(demo.resubmitted)}；未报送：{label(demo.missing)}",
        "",
        f"排名前 {shown} 名：",
        *[ranking_line(s) for s in ranked[:shown]],
        f"排名后 {shown} 名：",
        *[ranking_line(s) for s in ranked[-shown:]],
        "",
        f"评分总表（第一张表为“排名”）：{demo.master.path}",
        f"每个对象的完整得分：xinyong score {p.root} --subject 简称",
    ]
    return "\n".join(lines)
