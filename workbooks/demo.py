"""`xinyong demo`: the whole job on the built-in default, as a credit office would live it.

A national-2019 project with the Yichang registry: every unit workbook generated; the units fill
them the way people do (percentages typed as "85%", counts with thousands separators, task
statuses and progress notes); some units are late, one types figures the tool cannot read, one
sends a corrected file a week later, two units disagree on a figure, one fills a workbook from an
earlier template; then consolidation, the master and the reports. Dates are fixed (the 2019 round,
deadline 31 March, the master written on 5 April) so every run tells the same story.
"""

from __future__ import annotations

import dataclasses
import json
import os
import random
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from udfs.recovery import grouped
from udfs.rubric.loader import builtin_dir

from .generate.fill import fill_returns, fill_workbook, outgoing_files
from .generate.run import context, generate, packages
from .generate.unit_workbook import write_unit_workbook
from .intake.consolidate import Summary, consolidate
from .master.run import REMINDER_FOLDER, MasterOutcome
from .project import Project, init_project, write_settings

RUBRIC = "national-2019"
TODAY = date(2019, 3, 1)  # the project is set up; the return deadline is 30 days later
ON_TIME = datetime(2019, 3, 25, 10, 0)
LATE_FILE = datetime(2019, 4, 3, 16, 0)
RESUBMITTED = datetime(2019, 4, 2, 9, 30)
MASTER_AT = datetime(2019, 4, 5, 9, 0)
NOT_RETURNED = ("市司法局", "市民政局", "五峰县")
RETURNS_LATE = "市教育局"
MISTYPES = ("市人社局", {"cs_total": "约1.4万人"})  # read as nothing rather than guessed
RESUBMITS = ("市信用办", {"d_s01_implementation": 3.0}, {"d_s01_implementation": 3.5})  # first, corrected
CONFLICT = ("市地方金融局", {"npl_rate": "3.1%"})  # the central bank branch reports 2.8%
OUTDATED = "市税务局"
NOTES = ("已按要求报送佐证材料", "材料正在整理，月底前补齐", "已与市信用办对接", "")


@dataclass
class Demo:
    project: Project
    summary: Summary
    master: MasterOutcome


def _as_people_type(values: dict[str, object], project: Project, rng: random.Random) -> dict[str, object]:
    """Some figures as people write them: 85%, 13,650 (intake reads them back to the same numbers)."""
    out: dict[str, object] = {}
    for key, value in values.items():
        spec = project.rubric.inputs.get(key)
        if spec and isinstance(value, int | float) and not isinstance(value, bool) and rng.random() < 0.5:
            if spec.type == "ratio":
                value = f"{value * 100:.10g}%"
            elif spec.type == "count" and value >= 1000:
                value = f"{int(value):,}"
        out[key] = value
    return out


def _tasks(rng: random.Random):  # noqa: ANN202 - fill.TaskFill
    def task(_n: int, _item: str) -> tuple[str, str]:
        r = rng.random()
        status = "已完成" if r < 0.7 else "推进中" if r < 0.92 else "未开始"
        return status, rng.choice(NOTES)

    return task


def _outdated_workbook(project: Project, unit: str, target: Path, values: dict[str, object]) -> None:
    """The unit fills the workbook it got from an earlier version of the rubric (before a correction)."""
    package = next(p for p in packages(project)[0] if p.unit.name == unit)
    old = dataclasses.replace(context(project), rubric=dataclasses.replace(project.rubric, version="0.9.0"))
    source = target.with_name(".旧版模板.xlsx")
    write_unit_workbook(package, old, source)
    fill_workbook(source, target, {i.id: values[i.id] for i in package.inputs if i.id in values})
    source.unlink()


def _stamp(path: Path, when: datetime) -> None:
    os.utime(path, (when.timestamp(), when.timestamp()))


def run_demo(root: Path) -> Demo:
    example = json.loads((builtin_dir() / RUBRIC / "example.json").read_text(encoding="utf-8"))["inputs"]
    rng = random.Random(2019)
    project = init_project(root, RUBRIC, today=TODAY)
    project.settings.contact, project.settings.phone = "张科长", "0717-0000000"
    write_settings(root, project.settings)
    generate(project)
    by_label = {u.label: name for name, u in project.registry.units.items()}
    special = {by_label[x] for x in (*NOT_RETURNED, RETURNS_LATE, MISTYPES[0], RESUBMITS[0], CONFLICT[0], OUTDATED)}
    typed = _as_people_type(example, project, rng)
    regular = [u for u in outgoing_files(project) if u not in special]
    fill_returns(project, typed, units=regular, tasks=_tasks(rng), received=ON_TIME)
    fill_returns(project, typed, units=[by_label[RETURNS_LATE]], tasks=_tasks(rng), received=LATE_FILE)
    files = outgoing_files(project)

    def returned(label: str, name: str, changes: dict[str, object], when: datetime) -> None:
        source, asked = files[by_label[label]]
        fill_workbook(source, project.inbox / name, {**{i: typed[i] for i in asked if i in typed}, **changes}, tasks=_tasks(rng))  # fmt: skip
        _stamp(project.inbox / name, when)

    returned(MISTYPES[0], "人社局-信用任务分解表（已填）.xlsx", MISTYPES[1], ON_TIME)
    returned(RESUBMITS[0], "信用办.xlsx", RESUBMITS[1], ON_TIME)
    returned(RESUBMITS[0], "信用办-更正版.xlsx", RESUBMITS[2], RESUBMITTED)
    returned(CONFLICT[0], "金融局报送.xlsx", CONFLICT[1], ON_TIME)
    _outdated_workbook(project, by_label[OUTDATED], project.inbox / "税务局.xlsx", typed)
    _stamp(project.inbox / "税务局.xlsx", ON_TIME)
    summary = consolidate(project, now=MASTER_AT)  # ends by writing the master and the reminders
    if summary.master is None:  # only a dry run has no master
        raise RuntimeError("consolidation wrote no master")
    return Demo(project, summary, summary.master)


def summary_text(demo: Demo) -> str:
    """What a newcomer should see first: the score, the veto, where points are, who is late, where the files are."""
    from .report import text as report

    state, p = demo.master.state, demo.project
    r = state.result
    veto = report.veto_line(r.vetoed)
    outcomes = demo.summary.outcomes
    accepted = sum(1 for o in outcomes if o.status == "accepted")
    lines = [
        f"演示项目：{p.root}（{p.rubric.title}，单位名录：{p.registry.title or p.registry.id}）",
        f"下发任务分解表 {len(list(p.outbox.glob('*-任务分解表.xlsx')))} 份；收回文件 {len(outcomes)} 个，采用 {accepted} 个",
        "",
        f"总分 {report.points(r.total)} / {report.points(p.rubric.grand_max)}（基本分 {report.points(r.base_score)}，附加分 {report.points(r.bonus_score)}）；{veto}",
    ]
    unmet = [c.title for c in r.checks if c.kind == "veto" and c.met is False]
    if unmet:
        lines.append(f"  未达标的基础性指标：{'；'.join(unmet)}")
    lines += ["", "提分空间（前 3 项）："]
    for k, rec in enumerate(grouped(state.recoveries)[0][:3], 1):  # ranked plans only, never an unscored item
        how = rec.steps[0].text if rec.steps else rec.note
        lines.append(f"  {k}. {rec.title}：可挽回 {report.points(rec.gain)} 分。{how}")
    late = [f"{u.label}（{u.status}）" for u in state.units if u.late]
    lines += ["", f"逾期单位 {len(late)} 个：{'、'.join(late)}"]
    problems = [f for f in state.findings if f.severity.value == "error"]
    lines.append(f"待处理问题 {len(problems)} 个（冲突、填错的数据、缺数据而未计分的指标等），见评分总表“问题清单”")
    lines += [
        "",
        f"评分总表：{demo.master.path}",
        f"下发文件：{p.outbox}",
        f"回收文件：{p.inbox}",
        f"催报通知：{p.root / REMINDER_FOLDER}",
    ]
    return "\n".join(lines)
