"""A task list followed month after month (yichang-2020, March to May 2020), as an office runs it:
each round has its own return deadline, suggested from the document's "每月23日前"; a new round is one
command that keeps the last round whole and carries every unit's statuses forward; a task is overdue
only against its own time limit (here only the monthly obligations of points 13, 14 and 28); the
master shows each round's late units and publishes them, round by round."""

from __future__ import annotations

import os
import shutil
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from python_calamine import CalamineWorkbook

from workbooks.cli import main
from workbooks.generate.fill import fill_returns, outgoing_files
from workbooks.generate.next_round import SENT_FOLDER, start_round
from workbooks.generate.run import generate, packages
from workbooks.intake.consolidate import consolidate
from workbooks.ledger import LEDGER_FILE, Ledger
from workbooks.master import layout as L
from workbooks.master.rounds import PUBLICATION_FOLDER
from workbooks.master.run import write_master
from workbooks.plan.rounds import next_round_name, recurring_due_day
from workbooks.project import Project, init_project, open_project, write_settings

MONTHLY = {"t13", "t14", "t28"}  # 每月23日前 / 每月23日: due again every month


def march(_n: int, item: str) -> tuple[str, str]:
    return "推进中", f"3月：{item}正在推进"


def april(n: int, item: str) -> tuple[str, str]:
    return ("已完成", "本月已报送") if item in MONTHLY or n % 2 else ("推进中", "")


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Project, list[str]]:
    """March: 50 units on time (20th), 8 late (26th), the rest (1 of 59) never. Then April begins."""
    root = tmp_path_factory.mktemp("rounds") / "宜昌要点"
    p = init_project(root, "yichang-2020", today=date(2020, 3, 1))
    p.settings.contact, p.settings.phone = "张三", "0717-1234567"
    write_settings(root, p.settings)
    p, _ = open_project(root)
    generate(p)
    units = list(outgoing_files(p))
    fill_returns(p, {}, units=units[:50], tasks=march, received=datetime(2020, 3, 20, 10))
    fill_returns(p, {}, units=units[50:58], tasks=march, received=datetime(2020, 3, 26, 10))
    consolidate(p, now=datetime(2020, 3, 27, 9))
    return p, units


def test_the_first_round_is_this_months_due_on_the_documents_day(project) -> None:  # noqa: ANN001
    p, _ = project
    assert (p.settings.round, p.settings.deadline) == ("2020年3月", "2020-03-23")
    assert {i.id for i in p.rubric.items if recurring_due_day(i) == 23} == MONTHLY
    assert next_round_name("2020年12月") == "2021年1月" and next_round_name("第2轮") == "第3轮"


def test_march_late_units_and_only_monthly_obligations_overdue(project) -> None:  # noqa: ANN001
    p, units = project
    state = write_master(p, today=date(2020, 3, 27), now=datetime(2020, 3, 27, 9)).state
    late = {u.unit for u in state.units if u.late}
    assert late == set(units[50:])  # 8 late files, one never returned
    overdue = {t.item.id for u in state.units for t in u.overdue}
    assert overdue and overdue <= MONTHLY  # year-long work points have no time limit: never overdue
    on_time = [u for u in state.units if u.unit in units[:50]]
    assert any(not u.overdue for u in on_time)  # units without monthly obligations
    for u in on_time:  # reminded only of this month's obligations, never of year-long work in progress
        assert bool(u.reminder) == bool(u.overdue), u.label


def test_a_new_round_keeps_the_last_one_and_carries_statuses(project) -> None:  # noqa: ANN001
    p, units = project
    started = start_round(p, now=datetime(2020, 4, 1, 9))
    assert (started.previous, started.name, started.deadline) == ("2020年3月", "2020年4月", "2020-04-23")
    assert "每月23日前" in started.why and "13" in started.why
    archived = p.root / started.archived_to
    assert archived == p.archive / SENT_FOLDER / "2020年3月" and len(list(archived.glob("*-任务分解表.xlsx"))) == len(units)
    p, _ = open_project(p.root)
    assert (p.settings.round, p.settings.deadline) == ("2020年4月", "2020-04-23")
    ledger = Ledger(p.root / LEDGER_FILE)
    try:
        assert ledger.round_deadlines() == {"2020年3月": "2020-03-23", "2020年4月": "2020-04-23"}
    finally:
        ledger.close()
    sent = outgoing_files(p)
    tasks = openpyxl.load_workbook(sent[units[0]][0])["任务清单"]
    rows = {tasks.cell(r, 2).value: (tasks.cell(r, 11).value, tasks.cell(r, 12).value) for r in range(3, tasks.max_row + 1)}
    number = {i.number: i.id for i in p.rubric.items}
    for shown, (status, note) in rows.items():
        item = number.get(str(shown))
        if item in MONTHLY:
            assert (status, note) == ("未开始", None), item  # a new month's obligation
        elif item:
            assert (status, note) == ("推进中", f"3月：{item}正在推进"), item
    silent = openpyxl.load_workbook(sent[units[-1]][0])["任务清单"]  # never returned in March
    assert {silent.cell(r, 11).value for r in range(3, silent.max_row + 1)} == {"未开始"}


def test_april_judged_on_aprils_deadline_and_march_stays_as_it_was(project) -> None:  # noqa: ANN001
    p, units = project
    p, _ = open_project(p.root)
    fill_returns(p, {}, units=units[:40], tasks=april, received=datetime(2020, 4, 20, 10))
    fill_returns(p, {}, units=units[40:45], tasks=april, received=datetime(2020, 4, 25, 10))
    consolidate(p, now=datetime(2020, 4, 26, 9))
    state = write_master(p, today=date(2020, 4, 26), now=datetime(2020, 4, 26, 9)).state
    assert {u.unit for u in state.units if u.late} == set(units[40:])
    march_round, april_round = state.rounds
    assert [march_round.standing(u) for u in (units[0], units[55], units[-1])] == ["按时报送", "逾期报送", "未报送"]
    assert [april_round.standing(u) for u in (units[0], units[42], units[50])] == ["按时报送", "逾期报送", "未报送"]
    text = (p.root / PUBLICATION_FOLDER / "2020年3月.txt").read_text(encoding="utf-8")
    labels = {k: p.registry.label_of(k) for k in units}
    assert f"按时报送 50 个，逾期报送 8 个，未报送 {len(units) - 58} 个" in text
    assert all(labels[u] in text.split("逾期报送的单位：")[1].split("。")[0] for u in units[50:58])
    book = CalamineWorkbook.from_path(str(p.root / L.MASTER_FILE))
    assert book.sheet_names[:4] == [L.TASKS, L.TASK_MATRIX, L.ROUND_STATES, L.PUBLICATION]
    history = book.get_sheet_by_name(L.ROUND_STATES).to_python()
    assert history[2][4:] == ["2020年3月", "2020年4月"]
    rows = [r for r in history[3:] if r and r[0]]
    assert len(rows) == sum(len(k.tasks) for k in packages(p)[0])
    first = p.registry.label_of(units[0])
    mine = {str(r[1]): r[4:] for r in rows if r[0] == first}
    number = {i.id: i.number for i in p.rubric.items}
    assert mine and all(march_april[0] == "推进中" for march_april in mine.values())  # March as it was
    assert {number[i]: ["推进中", s] for i, s in state.rounds[-1].states[units[0]].items()} == mine  # April as now
    never = p.registry.label_of(units[-1])
    assert {tuple(r[4:]) for r in rows if r[0] == never} == {("未报送", "未报送")}
    matrix = book.get_sheet_by_name(L.TASK_MATRIX).to_python()
    labels = matrix[2][3:]
    by_label = {p.registry.label_of(u): u for u in units}
    assert sorted(labels) == sorted(by_label)
    first = matrix[3]  # the first work point: each unit's April status where it is the unit's task
    april_states = state.rounds[-1].states
    for label, cell in zip(labels, first[3:], strict=True):
        unit = by_label[label]
        mine = any(t.item.id == p.rubric.items[0].id for k in packages(p)[0] if k.unit.name == unit for t in k.tasks)
        assert cell == (april_states.get(unit, {}).get(p.rubric.items[0].id, "未填报") if mine else ""), label
    published = book.get_sheet_by_name(L.PUBLICATION).to_python()
    assert published[3][1:] == [f"按时 50，逾期 8，未报送 {len(units) - 58}", f"按时 40，逾期 5，未报送 {len(units) - 45}"]
    table = book.get_sheet_by_name(L.TASKS).to_python()
    rows = [r for r in table[3:] if r and r[0]]
    assert [str(r[0]) for r in rows] == [i.number for i in p.rubric.items]  # numbered as the document numbers
    for r, item in zip(rows, p.rubric.items, strict=True):
        assert sum(r[8:12]) == r[7]  # every unit of the task in one of the four columns
        assert r[3:7] == [item.method, item.deadline or "未规定", item.evidence_box, item.evidence]  # the document's words
    progress = book.get_sheet_by_name(L.PROGRESS).to_python()
    head = next(k for k, r in enumerate(progress) if r[:4] == ["单位", "序号", "指标（任务）", "本单位角色"])
    notes = [r for r in progress[head + 1 :] if r and r[0]]
    assert notes and {str(r[1]) for r in notes} <= {i.number for i in p.rubric.items} and all(r[3] for r in notes)


def test_a_blank_form_of_a_later_round_sent_by_mistake_changes_no_status(project) -> None:  # noqa: ANN001
    """April's form goes out with March's statuses carried: sent back unfilled by a unit that has
    already reported April, it says nothing new and is not adopted (nor are April's statuses reset)."""
    p, units = project
    p, _ = open_project(p.root)
    ledger = Ledger(p.root / LEDGER_FILE)
    try:
        before = {(u, i): s for u, i, s, _ in ledger.task_states("2020年4月") if u == units[0]}
    finally:
        ledger.close()
    assert "已完成" in before.values()  # April's own progress, not March's
    blank = Path(shutil.copy(outgoing_files(p)[units[0]][0], p.inbox / "四月表-又发一次.xlsx"))
    stamp = datetime(2020, 4, 27, 9).timestamp()
    os.utime(blank, (stamp, stamp))
    summary = consolidate(p, now=datetime(2020, 4, 27, 10))
    got = next(o for o in summary.outcomes if o.name == blank.name)
    assert got.status == "rejected" and [f.code for f in got.findings] == ["return-empty"]
    ledger = Ledger(p.root / LEDGER_FILE)
    try:
        assert {(u, i): s for u, i, s, _ in ledger.task_states("2020年4月") if u == units[0]} == before
    finally:
        ledger.close()
    blank.unlink()


def test_a_march_form_sent_in_april_is_refused_with_what_to_do(project) -> None:  # noqa: ANN001
    p, _ = project
    p, _ = open_project(p.root)
    march_form = next((p.archive / SENT_FOLDER / "2020年3月").glob("*-任务分解表.xlsx"))
    shutil.copyfile(march_form, p.inbox / "三月的表.xlsx")
    summary = consolidate(p, now=datetime(2020, 4, 27, 9))
    (refused,) = [f for f in summary.findings if f.code == "file-other-round"]
    assert "“2020年3月”" in refused.message and "本轮下发的表" in refused.message and refused.file == "三月的表.xlsx"


def test_the_workbook_carries_the_documents_words(project) -> None:  # noqa: ANN001
    """工作方法 and quantitative targets verbatim in the task's text; a blank time limit stays 未规定."""
    p, units = project
    p, _ = open_project(p.root)
    targeted = next(i for i in p.rubric.items if i.targets)
    for source, _ in outgoing_files(p).values():
        sheet = openpyxl.load_workbook(source)["任务清单"]
        for r in range(3, sheet.max_row + 1):
            if str(sheet.cell(r, 2).value) == targeted.number:
                assert "量化目标：" + "；".join(targeted.targets) in sheet.cell(r, 6).value
                assert sheet.cell(r, 10).value == "未规定"
                return
    raise AssertionError("no unit has the task with targets")


def test_the_round_commands(project, tmp_path: Path) -> None:  # noqa: ANN001
    p, _ = project
    runner = CliRunner()
    again = runner.invoke(main, ["round", "new", str(p.root), "2020年4月"])
    assert again.exit_code == 2 and "已经有了" in again.output
    bad = runner.invoke(main, ["round", "new", str(p.root), "--deadline", "5月23日"])
    assert bad.exit_code == 2 and "2020-04-23 这样的日期" in bad.output
    done = runner.invoke(main, ["round", "new", str(p.root), "--deadline", "2020-05-25"])
    assert done.exit_code in (0, 1), done.output
    assert "已开始新轮次：2020年5月（上一轮：2020年4月）" in done.output and "2020-05-25（按指定日期）" in done.output
    assert done.exit_code == 1 and "settings-before-document" in done.output  # the document is dated 2020-06-30
    listed = runner.invoke(main, ["round", "list", str(p.root)]).output.splitlines()
    assert listed == [
        "2020年3月  回收截止 2020-03-23  收到文件 58 个",
        "2020年4月  回收截止 2020-04-23  收到文件 45 个",
        "2020年5月（当前）  回收截止 2020-05-25  收到文件 0 个",
    ]

