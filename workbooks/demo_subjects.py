"""`xinyong demo DIR --rubric zhengzhou-2019-counties` (or -units): an assessment of every county (or
every city unit), each scored on its own figures and ranked, as a credit office would live it.

Every subject gets its workbook and returns it with figures of its own (drawn around the rubric's
example, so the counties differ but stay plausible); one returns after the deadline, one sends a
corrected file, one never returns, and one types a figure in 万 where the rubric counts units (a
plausible-range warning, the only implausible figure of the demo; no figures contradict each
other). Consolidation writes the master, whose first sheet is the ranking;
then the office's assessors enter their 考核分 for the discretionary items of every subject but one
in the master (as in Excel: typed into the yellow cells, the file saved) and rescore; the summary
prints the ranking's top and bottom. Dates are fixed, so every run tells the same story.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from udfs.rubric import Rubric
from udfs.rubric.loader import builtin_dir
from udfs.sampling import vary, within_constraints

from .generate.fill import fill_returns, outgoing_files
from .generate.run import generate
from .intake.consolidate import Summary, consolidate
from .master import layout as L
from .master.run import MasterOutcome, write_master
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
    unassessed: str  # a subject whose discretionary items still score from its 自评分
    mistyped: tuple[str, str] | None  # (subject, input) of the figure typed in 万: an implausible figure


def enter_in_master(project: Project, entries: dict[tuple[str, str], object]) -> None:
    """Type values into a many-subject master's 人工录入 cells, as the office does in Excel:
    entries (subject, input id) -> value (first period of a list input)."""
    import openpyxl

    path = project.root / L.MASTER_FILE
    wb = openpyxl.load_workbook(path)
    ws = wb[L.DATA]
    short = {project.registry.units[s].short or s: s for s in project.subjects}
    columns = {short[c.value]: c.column for c in ws[L.MX_SUBJECT_ROW + 1] if c.value in short}
    rows: dict[str, int] = {}
    for (cell,) in ws.iter_rows(min_row=L.MX_FIRST + 1, max_col=1):
        rows.setdefault(str(cell.value), cell.row)
    for (subject, input_id), value in entries.items():
        ws.cell(rows[input_id], columns[subject] + 1).value = value  # type: ignore[arg-type]
    wb.save(path)


def _assessed(reported: object, top: float, rng: random.Random) -> float:
    """An assessor's 考核分: the 自评分 or up to one point below it, in half points."""
    own = float(reported) if isinstance(reported, int | float) else top
    return max(0.0, min(top, own - rng.choice((0.0, 0.0, 0.5, 1.0))))


def _figures(rubric: Rubric, example: dict[str, object], rng: random.Random) -> dict[str, object]:
    """A subject's own figures: each near the example's, inside its plausible range, no part above its whole."""
    figures = {i: vary(spec, example[i], rng) for i, spec in rubric.inputs.items() if i in example}
    return within_constraints(rubric, figures, rng)


def _typed_in_wan(rubric: Rubric) -> str | None:
    """An input whose true figure is in the thousands or more, which a clerk might type in 万."""
    return next((i for i, spec in rubric.inputs.items() if (spec.plausible_min or 0) >= 1000), None)


def run_subjects_demo(root: Path, rubric: str) -> SubjectsDemo:
    example = json.loads((builtin_dir() / rubric / "example.json").read_text(encoding="utf-8"))["inputs"]
    rng = random.Random(SEED)
    project = init_project(root, rubric, today=TODAY)
    project.settings.contact, project.settings.phone = "王科长", "0371-0000000"
    write_settings(root, project.settings)
    generate(project)
    subjects = project.subjects
    missing, late, resubmitted = subjects[-1], subjects[1], subjects[2]
    wan = _typed_in_wan(project.rubric)
    mistyped = (subjects[4], wan) if wan else None
    files = outgoing_files(project)
    own: dict[str, dict[str, object]] = {}  # each subject's figures as finally reported
    for subject in subjects:
        if subject == missing:
            continue
        figures = own[subject] = _figures(project.rubric, example, rng)
        if mistyped and subject == mistyped[0]:
            figures[mistyped[1]] = float(round(float(figures[mistyped[1]]) / 10000))  # type: ignore[arg-type]
        when = LATE_FILE if subject == late else ON_TIME
        fill_returns(project, figures, units=[subject], received=when)
        if subject == resubmitted:  # a week later, a corrected file under another name
            source, _ = files[subject]
            first = project.inbox / source.name
            first.rename(first.with_name(f"初报-{source.name}"))
            own[subject] = _figures(project.rubric, example, rng)
            fill_returns(project, own[subject], units=[subject], received=RESUBMITTED)
    summary = consolidate(project, now=MASTER_AT)
    if summary.master is None:
        raise RuntimeError("consolidation wrote no master")
    unassessed = subjects[3]
    discretionary = [spec for spec in project.rubric.inputs.values() if spec.type == "discretionary"]
    entries = {
        (subject, spec.id): _assessed(figures.get(spec.id), float(spec.max or 0), rng)
        for subject, figures in own.items()
        if subject != unassessed
        for spec in discretionary
    }
    enter_in_master(project, entries)
    master = write_master(project, now=MASTER_AT)
    return SubjectsDemo(project, summary, master, late, resubmitted, missing, unassessed, mistyped)


def subjects_summary_text(demo: SubjectsDemo, shown: int = 3) -> str:
    """The ranking's top and bottom, who was late, resubmitted or missing, and where the files are."""
    from .master.subjects import by_rank
    from .report.subjects import ranking_line, scores_of

    p = demo.project
    scores = scores_of(p, today=MASTER_AT.date(), now=MASTER_AT)
    ranked = [s for s in by_rank(scores) if s.rank is not None]
    label = p.registry.label_of
    lines = [
        f"演示项目：{p.root}（{p.rubric.title}，逐一考核 {len(p.subjects)} 个对象）",
        f"收回文件 {len(demo.summary.outcomes)} 个；逾期：{'、'.join(u.label for u in demo.master.state.units if u.late)}；"
        f"重新报送：{label(demo.resubmitted)}；未报送：{label(demo.missing)}",
        f"酌情计分项：评审已在评分总表录入考核分；{label(demo.unassessed)} 尚未录入，暂按其自评分计分",
        *_mistyped_line(demo),
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


def _mistyped_line(demo: SubjectsDemo) -> list[str]:
    if demo.mistyped is None:
        return []
    subject, input_id = demo.mistyped
    spec = demo.project.rubric.inputs[input_id]
    label = demo.project.registry.label_of(subject)
    return [f"数据超出通常范围：{label} 的“{spec.label}”按万{spec.unit}填写，已提示核实（评分总表“问题清单”）"]

