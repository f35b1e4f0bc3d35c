"""`xinyong demo`: the whole job on a built-in rubric that assesses one subject, as a credit office
would live it (the many-subject rubrics have their own story in demo_subjects).

The default, national-2019 with the Yichang registry: every unit workbook generated; the units fill
them the way people do (percentages typed as "85%", counts with thousands separators, task
statuses and progress notes); some units are late, one types figures the tool cannot read, one
sends a corrected file a week later, two units disagree on a figure, one fills a workbook from an
earlier template; then consolidation, the master and the reports. Another rubric gets the same
story with its own units, chosen by rule (`story_for`); a task list (no figures) keeps the late and
missing returns and the outdated template. Dates are fixed (the rubric's year: deadline 31 March,
the master written on 5 April) so every run tells the same story.
"""

from __future__ import annotations

import dataclasses
import json
import os
import random
from collections import Counter
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
DEADLINE = date(2019, 3, 31)  # the story's dates below are told against it
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


@dataclass(frozen=True)
class Story:
    """Who does what in a demo project, by the labels the registry shows."""

    not_returned: tuple[str, ...]
    returns_late: str
    mistypes: tuple[str, dict[str, object]] | None  # a unit types what cannot be read as a figure
    resubmits: tuple[str, dict[str, object], dict[str, object]] | None  # first file, corrected file
    conflict: tuple[str, dict[str, object]] | None  # a second provider reports another figure
    outdated: str | None  # fills the workbook of an earlier version of the rubric


NATIONAL = Story(NOT_RETURNED, RETURNS_LATE, MISTYPES, RESUBMITS, CONFLICT, OUTDATED)


@dataclass
class Demo:
    project: Project
    summary: Summary
    master: MasterOutcome
    story: Story = NATIONAL


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


def story_for(project: Project, example: dict[str, object]) -> Story:
    """The national story's roles given to a rubric's own units by rule: in the registry's order, the
    last two units never return, the one before returns late; the first unit asked for a count
    writes it as words, the next asked for a number corrects it a week later, a second provider of a
    figure reports another value, and the next unit left fills an outdated template."""
    asked = {p.unit.name: [i.id for i in p.inputs] for p in packages(project)[0]}
    units = [u for u in project.registry.units if u in asked]
    label = project.registry.label_of
    roles: dict[str, str] = {}

    def take(role: str, fits) -> str | None:  # noqa: ANN001 - a predicate on (unit, its inputs)
        found = next((u for u in units if u not in roles.values() and fits(u, asked[u])), None)
        if found is not None:
            roles[role] = found
        return found

    spare, units = units[-3:], units[:-3]
    numbers = {i for i, v in example.items() if isinstance(v, int | float) and not isinstance(v, bool)}
    mistyper = take(
        "mistypes", lambda _u, ins: any(project.rubric.inputs[i].type == "count" and i in numbers for i in ins)
    )
    resubmitter = take("resubmits", lambda _u, ins: any(i in numbers for i in ins))
    shared = {i for u in asked for i in asked[u] if sum(i in asked[v] for v in asked) > 1 and i in numbers}
    conflicter = take("conflict", lambda u, ins: any(i in shared for i in ins) and u != units[0])
    outdated = take("outdated", lambda _u, _ins: True)

    def first(unit: str, wanted: set[str]) -> str:
        return next(i for i in asked[unit] if i in wanted)

    mistypes = resubmits = conflict = None
    if mistyper:
        count = first(mistyper, {i for i in numbers if project.rubric.inputs[i].type == "count"})
        mistypes = (label(mistyper), {count: f"约{example[count]}"})
    if resubmitter:
        figure = first(resubmitter, numbers)
        value = float(example[figure])  # type: ignore[arg-type]
        resubmits = (label(resubmitter), {figure: value / 2}, {figure: value})
    if conflicter:
        figure = first(conflicter, shared)
        conflict = (label(conflicter), {figure: float(example[figure]) * 1.1})  # type: ignore[arg-type]
    return Story(
        tuple(label(u) for u in spare[1:]), label(spare[0]), mistypes, resubmits, conflict, outdated and label(outdated)
    )


def run_demo(root: Path, rubric: str = RUBRIC) -> Demo:
    example_file = builtin_dir() / rubric / "example.json"
    example = json.loads(example_file.read_text(encoding="utf-8"))["inputs"] if example_file.exists() else {}
    rng = random.Random(2019)
    project = init_project(root, rubric, today=TODAY.replace(year=_year(rubric)))
    project.settings.contact, project.settings.phone = "张科长", "0717-0000000"
    write_settings(root, project.settings)
    generate(project)
    story = NATIONAL if rubric == RUBRIC else story_for(project, example)
    shift = date.fromisoformat(project.settings.deadline) - DEADLINE  # the story told against this project's deadline

    def at(when: datetime) -> datetime:
        return when + shift

    by_label = {u.label: name for name, u in project.registry.units.items()}
    roles = [story.mistypes, story.resubmits, story.conflict]
    named = [
        *story.not_returned,
        story.returns_late,
        *(r[0] for r in roles if r),
        *([story.outdated] if story.outdated else []),
    ]
    special = {by_label[x] for x in named}
    typed = _as_people_type(example, project, rng)
    regular = [u for u in outgoing_files(project) if u not in special]
    fill_returns(project, typed, units=regular, tasks=_tasks(rng), received=at(ON_TIME))
    fill_returns(project, typed, units=[by_label[story.returns_late]], tasks=_tasks(rng), received=at(LATE_FILE))
    files = outgoing_files(project)

    def returned(label: str, name: str, changes: dict[str, object], when: datetime) -> None:
        source, asked = files[by_label[label]]
        fill_workbook(source, project.inbox / name, {**{i: typed[i] for i in asked if i in typed}, **changes}, tasks=_tasks(rng))  # fmt: skip
        _stamp(project.inbox / name, at(when))

    if story.mistypes:
        returned(story.mistypes[0], f"{story.mistypes[0]}-任务分解表（已填）.xlsx", story.mistypes[1], ON_TIME)
    if story.resubmits:
        returned(story.resubmits[0], f"{story.resubmits[0]}.xlsx", story.resubmits[1], ON_TIME)
        returned(story.resubmits[0], f"{story.resubmits[0]}-更正版.xlsx", story.resubmits[2], RESUBMITTED)
    if story.conflict:
        returned(story.conflict[0], f"{story.conflict[0]}报送.xlsx", story.conflict[1], ON_TIME)
    if story.outdated:
        outdated = project.inbox / f"{story.outdated}.xlsx"
        _outdated_workbook(project, by_label[story.outdated], outdated, typed)
        _stamp(outdated, at(ON_TIME))
    summary = consolidate(project, now=at(MASTER_AT))  # ends by writing the master and the reminders
    if summary.master is None:  # only a dry run has no master
        raise RuntimeError("consolidation wrote no master")
    return Demo(project, summary, summary.master, story)


def _year(rubric: str) -> int:
    from udfs.rubric import load

    loaded, _ = load(rubric)
    return loaded.year if loaded and loaded.year else TODAY.year


def summary_text(demo: Demo) -> str:
    """What a newcomer should see first: the score, the veto, where points are, who is late, where the files are."""

    state, p = demo.master.state, demo.project
    outcomes = demo.summary.outcomes
    accepted = sum(1 for o in outcomes if o.status == "accepted")
    lines = [
        f"演示项目：{p.root}（{p.rubric.title}，单位名录：{p.registry.title or p.registry.id}）",
        f"下发任务分解表 {len(list(p.outbox.glob('*-任务分解表.xlsx')))} 份；收回文件 {len(outcomes)} 个，采用 {accepted} 个",
        "",
    ]
    lines += _score_lines(demo) if p.rubric.scored else _task_lines(demo)
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


def _score_lines(demo: Demo) -> list[str]:
    from .report import text as report

    state, rubric = demo.master.state, demo.project.rubric
    r = state.result
    lines = [
        f"总分 {report.points(r.total)} / {report.points(rubric.grand_max)}（基本分 {report.points(r.base_score)}，附加分 {report.points(r.bonus_score)}）；{report.veto_line(r.vetoed)}"
    ]
    unmet = [c.title for c in r.checks if c.kind == "veto" and c.met is False]
    if unmet:
        lines.append(f"  未达标的基础性指标：{'；'.join(unmet)}")
    lines += ["", "提分空间（前 3 项）："]
    for k, rec in enumerate(grouped(state.recoveries)[0][:3], 1):  # ranked plans only, never an unscored item
        how = rec.steps[0].text if rec.steps else rec.note
        lines.append(f"  {k}. {rec.title}：可挽回 {report.points(rec.gain)} 分。{how}")
    return lines


def _task_lines(demo: Demo) -> list[str]:
    """A task list has no score: what the units said of their tasks, and the tasks past their date."""
    units = demo.master.state.units
    statuses = sum((u.statuses for u in units), Counter())
    said = "、".join(f"{k} {n}" for k, n in statuses.most_common())
    overdue = sum(len(u.overdue) for u in units)
    return [
        f"任务清单（无分值）：{len(demo.project.rubric.items)} 项工作，分解为各单位任务 {sum(u.tasks for u in units)} 项",
        f"各单位填报的任务状态：{said or '暂无'}；超过完成时限未完成的任务 {overdue} 项（见评分总表“任务进度”）",
    ]
