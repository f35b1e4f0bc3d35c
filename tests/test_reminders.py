"""Reminders go only to who owes something, and say exactly what: figures still missing, tasks whose
own 完成时限 has passed and are not done (a task the document gives no date, or 全年工作, is never
overdue), or, after the return deadline, the return itself. The count printed is the number of notices
written; a re-run on the same day replaces that day's notices; a many-subject project names each
subject that owes something."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.test_exit_codes import full_marks
from udfs.rubric.deadlines import normalise_deadline
from workbooks.cli import main
from workbooks.demo_subjects import run_subjects_demo
from workbooks.generate.fill import fill_returns
from workbooks.generate.run import generate, packages
from workbooks.intake.consolidate import consolidate
from workbooks.master.layout import REMINDER_FOLDER
from workbooks.master.run import write_master
from workbooks.project import Project, init_project

RUBRIC = "wangyi-district"  # dated tasks (4月底前, 11月前 …) and year-long ones (全年工作)
CENTRE = "区联合征信中心"
DUE = date(2020, 4, 30)  # its s1_org: 4月底前


def dated(project: Project, label: str, kind: str) -> list[str]:
    """The unit's tasks whose 完成时限 reads as `kind` (date, ongoing)."""
    package = next(k for k in packages(project)[0] if k.unit.label == label)
    return [t.item.id for t in package.tasks if normalise_deadline(t.item.deadline, project.settings.year).kind == kind]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """Every unit returns every figure on 3 March; every task done, except that the centre's first dated
    task (4月底前) and one of its 全年工作 tasks are still 推进中."""
    p = init_project(tmp_path_factory.mktemp("remind") / "项目", RUBRIC, today=date(2020, 3, 1))
    generate(p)
    assert p.settings.deadline == "2020-03-31"
    first = dated(p, CENTRE, "date")[0]
    ongoing = dated(p, CENTRE, "ongoing")[0]
    assert normalise_deadline(p.rubric.item(first).deadline, 2020).date == DUE

    def tasks(_n: int, item: str) -> tuple[str, str]:
        return ("推进中", "正在推进") if item in (first, ongoing) else ("已完成", "")

    fill_returns(p, full_marks(RUBRIC), tasks=tasks, received=datetime(2020, 3, 3, 9, 0))
    consolidate(p, now=datetime(2020, 3, 3, 10, 0))
    return p


def notices(p: Project, day: date) -> list[str]:
    folder = p.root / REMINDER_FOLDER / day.isoformat()
    return sorted(f.stem for f in folder.glob("*.txt")) if folder.is_dir() else []


def report_prints_what_it_saves(p: Project) -> list[str]:
    """`report --reminders` as an operator runs it (today's date): the count it prints is the number
    of notices it saves, and every saved notice is printed whole. Returns the units it names."""
    root = p.root / REMINDER_FOLDER
    before = {f.name for f in root.iterdir()} if root.is_dir() else set()
    printed = CliRunner().invoke(main, ["report", str(p.root), "--reminders"]).output
    saved = [f for day in root.iterdir() if day.name not in before for f in day.glob("*.txt")]
    assert f"需催报的单位 {len(saved)} 个" in printed
    for notice in saved:
        assert notice.read_text(encoding="utf-8").strip() in printed
    return sorted(f.stem for f in saved)


def test_on_its_own_deadline_day_nobody_owes_anything(project: Project) -> None:
    state = write_master(project, today=DUE, now=datetime(2020, 4, 30, 18, 0)).state
    assert [u.label for u in state.units if u.reminder or u.overdue] == []
    assert not (project.root / REMINDER_FOLDER / DUE.isoformat()).exists()  # no empty folder either


def test_from_the_next_day_only_the_unit_with_an_undone_dated_task_is_reminded(project: Project) -> None:
    today = date(2020, 5, 1)
    state = write_master(project, today=today, now=datetime(2020, 5, 1, 9, 0)).state
    owing = {u.label: u for u in state.units if u.reminder}
    assert list(owing) == [CENTRE]
    centre = owing[CENTRE]
    assert [(t.item.id, t.due) for t in centre.overdue] == [(dated(project, CENTRE, "date")[0], DUE)]
    assert "完成时限 2020-04-30" in centre.reminder and "当前状态：推进中" in centre.reminder
    assert "尚缺数据项" not in centre.reminder  # all its figures are in
    assert notices(project, today) == [CENTRE]
    assert report_prints_what_it_saves(project) == [CENTRE]


def test_a_rerun_the_same_day_replaces_that_days_notices(project: Project, tmp_path: Path) -> None:
    earlier, today = date(2020, 5, 1), date(2020, 5, 2)
    write_master(project, today=earlier, now=datetime(2020, 5, 1, 9, 0))
    write_master(project, today=today, now=datetime(2020, 5, 2, 9, 0))
    assert notices(project, today) == [CENTRE]
    kept = project.root / REMINDER_FOLDER / today.isoformat() / "办公室备注.md"
    kept.write_text("已电话通知", encoding="utf-8")

    def done(_n: int, _item: str) -> tuple[str, str]:
        return "已完成", ""

    centre = next(k.unit.name for k in packages(project)[0] if k.unit.label == CENTRE)
    fill_returns(project, full_marks(RUBRIC), units=[centre], tasks=done, received=datetime(2020, 5, 2, 11, 0))
    consolidate(project, now=datetime(2020, 5, 2, 11, 5))
    state = write_master(project, today=today, now=datetime(2020, 5, 2, 11, 10)).state
    assert [u.label for u in state.units if u.reminder] == []
    assert notices(project, today) == [] and kept.read_text(encoding="utf-8") == "已电话通知"
    assert notices(project, earlier) == [CENTRE]  # an earlier day's notices stay as sent


def test_a_many_subject_project_reminds_each_subject_that_owes_something(tmp_path: Path) -> None:
    demo = run_subjects_demo(tmp_path / "考核", "zhengzhou-2019-counties")
    p = demo.project
    state = demo.master.state
    owing = [u for u in state.units if u.reminder]
    assert owing and len(owing) < len(state.units)
    assert all(u.missing or u.overdue or u.status == "逾期未报送" for u in owing)
    complete = [u for u in state.units if not u.missing and not u.overdue and u.files]
    assert complete and not any(u.reminder for u in complete)
    assert all(u.overdue == [] for u in state.units)  # the rubric dates no task
    assert notices(p, state.today) == sorted(u.label for u in owing)
    assert report_prints_what_it_saves(p) == sorted(u.label for u in owing)
