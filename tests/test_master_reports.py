"""The reports in the master: late units and the reminders to send them, the trend over rounds,
提分空间 kept as promised when its changes are typed into the master, and text from returned files
that stays text. Plus the commands operators run."""

from __future__ import annotations

import json
import os
import re
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from python_calamine import CalamineWorkbook

from tests.test_master_manual import EXAMPLE, edit, manual_cell
from udfs.evaluate import CompiledRubric, evaluate
from workbooks.cli import main
from workbooks.generate.fill import fill_returns, fill_workbook, outgoing_files
from workbooks.generate.run import generate
from workbooks.intake.consolidate import consolidate
from workbooks.master import layout as L
from workbooks.master.run import REMINDER_FOLDER, write_master
from workbooks.project import SETTINGS_FILE, Project, init_project, open_project

HR, JUSTICE, PBOC, CREDIT = "市人社局", "市司法局", "人行宜昌中心支行", "市信用办"


def stamp(paths: list[Path], when: datetime) -> None:
    for path in paths:
        os.utime(path, (when.timestamp(), when.timestamp()))


def unit_named(project: Project, label: str) -> str:
    return next(name for name, u in project.registry.units.items() if u.label == label)


def done(_n: int, _item: str) -> tuple[str, str]:
    return "已完成", ""


@pytest.fixture
def late_project(generated_national: Project) -> Project:
    """Everyone on time with every task done, except: HR and Justice never return, PBOC returns half
    of its figures, the credit office returns everything after the deadline."""
    p = generated_national  # deadline 2019-03-31
    skip = {unit_named(p, label) for label in (HR, JUSTICE, PBOC, CREDIT)}
    on_time = [u for u in outgoing_files(p) if u not in skip]
    stamp(list(fill_returns(p, EXAMPLE, units=on_time, tasks=done).values()), datetime(2019, 3, 25))
    pboc_source, pboc_inputs = outgoing_files(p)[unit_named(p, PBOC)]
    half = {i: EXAMPLE[i] for i in pboc_inputs[: len(pboc_inputs) // 2]}
    fill_workbook(pboc_source, p.inbox / "人行.xlsx", half, tasks=done)
    stamp([p.inbox / "人行.xlsx"], datetime(2019, 3, 28))
    late = fill_returns(p, EXAMPLE, units=[unit_named(p, CREDIT)], tasks=done)
    stamp(list(late.values()), datetime(2019, 4, 3))
    consolidate(p, now=datetime(2019, 4, 10, 9, 0))
    return p


def test_late_units_are_named_with_what_is_missing(late_project: Project) -> None:
    p = late_project
    state = write_master(p, today=date(2019, 4, 10), now=datetime(2019, 4, 10, 9, 0)).state
    units = {u.label: u for u in state.units}
    assert units[HR].status == "逾期未报送" and units[HR].late
    assert units[JUSTICE].late and units[JUSTICE].files == 0
    pboc = units[PBOC]
    assert pboc.late and pboc.status == f"逾期未报齐（缺 {len(pboc.missing)} 项）" and pboc.missing
    assert units[CREDIT].status == "逾期报送" and units[CREDIT].late and not units[CREDIT].reminder
    on_time = [u for u in state.units if u.label not in (HR, JUSTICE, PBOC, CREDIT)]
    assert on_time and all(u.status == "已报齐" and not u.late and not u.reminder for u in on_time)
    for label in (HR, PBOC):
        text = units[label].reminder
        assert text.startswith(f"{label}：") and "2019年3月31日前" in text
        for input_id in units[label].missing:
            assert p.rubric.inputs[input_id].label in text
        assert not units[label].overdue  # the national tasks have no 完成时限 of their own: never overdue
    assert "尚未收到贵单位的报送文件" in units[HR].reminder
    notices = p.root / REMINDER_FOLDER / "2019-04-10"
    assert (notices / f"{HR}.txt").read_text(encoding="utf-8").strip() == units[HR].reminder.strip()
    assert sorted(f.stem for f in notices.glob("*.txt")) == sorted(u.label for u in state.units if u.reminder)
    rows = CalamineWorkbook.from_path(str(p.root / L.MASTER_FILE)).get_sheet_by_name(L.REMINDERS).to_python()
    sheet = {row[0]: row[5] for row in rows[3:] if row and row[0]}
    assert sorted(sheet) == sorted(u.label for u in state.units if u.reminder)
    for u in state.units:  # whole, or its beginning with where the whole notice is (one row holds ~26 lines)
        if u.reminder and sheet[u.label] != u.reminder:
            *shown, pointer = sheet[u.label].split("\n")
            assert u.reminder.startswith("\n".join(shown)) and f"催报通知/2019-04-10/{u.label}.txt" in pointer
    late_codes = [f for f in state.findings if f.code == "unit-late"]
    assert len(late_codes) == sum(1 for u in state.units if u.late)


def test_before_the_deadline_nobody_is_late(late_project: Project) -> None:
    state = write_master(late_project, today=date(2019, 3, 26), now=datetime(2019, 3, 26, 9, 0)).state
    units = {u.label: u for u in state.units}
    assert units[HR].status == "未报送" and not units[HR].late and units[HR].reminder
    assert not units[HR].overdue


def test_rounds_trend(consolidated_national: Project) -> None:
    p = consolidated_national
    text = (p.root / SETTINGS_FILE).read_text(encoding="utf-8").replace("round: 2019年度", "round: 2019年第二轮")
    (p.root / SETTINGS_FILE).write_text(text.replace("carry_over: false", "carry_over: true"), encoding="utf-8")
    second, _ = open_project(p.root)
    generate(second, force=True)
    better = {**EXAMPLE, "npl_rate": 0.01, "cs_archived": EXAMPLE["cs_total"]}
    pboc = unit_named(second, PBOC)
    hr_credit = [unit_named(second, "市信用办"), pboc]
    fill_returns(second, better, units=hr_credit)  # the rest carries over from round one
    summary = consolidate(second, now=datetime(2019, 6, 20, 9, 0))
    assert summary.master is not None
    trend = summary.master.state.trend
    compiled = CompiledRubric(second.rubric)
    assert [t.round for t in trend] == ["2019年度", "2019年第二轮"]
    assert trend[0].total == evaluate(compiled, EXAMPLE).total
    assert trend[1].total == evaluate(compiled, better).total > trend[0].total
    rows = CalamineWorkbook.from_path(str(p.root / L.MASTER_FILE)).get_sheet_by_name(L.TREND).to_python()
    assert [r[0] for r in rows[3:5]] == ["2019年度", "2019年第二轮"] and rows[4][1] == pytest.approx(trend[1].total)
    with zipfile.ZipFile(p.root / L.MASTER_FILE) as z:
        assert len([n for n in z.namelist() if n.startswith("xl/charts/chart")]) == 3  # sections, total, sections trend


def test_what_the_recovery_sheet_promises_typing_into_the_master_delivers(consolidated_national: Project) -> None:
    p = consolidated_national
    base = write_master(p, now=datetime(2019, 3, 20, 9, 0))
    assert base is not None
    plans = [r for r in base.state.recoveries if r.steps and all(not isinstance(s.after, list) for s in r.steps)]
    assert len(plans) >= 5
    before = base.state.result.total
    for rec in plans[:5]:
        edit(p, {f"{L.DATA}!{manual_cell(p, s.input)}": s.after for s in rec.steps})
        after = write_master(p).state.result.total
        assert after - before == pytest.approx(rec.gain, abs=1e-6), rec.title
        edit(p, {f"{L.DATA}!{manual_cell(p, s.input)}": None for s in rec.steps})
        assert write_master(p).state.result.total == pytest.approx(before)


def test_text_from_returned_files_is_written_as_text(generated_national: Project) -> None:
    p = generated_national
    source, asked = outgoing_files(p)[unit_named(p, HR)]
    notes = ['=HYPERLINK("http://example.invalid","点我")', "+1+1", "@SUM(1)", "＝1+1"]
    fill_workbook(source, p.inbox / "=cmd|' -C calc'!A0.xlsx", {i: EXAMPLE[i] for i in asked},
                  tasks=lambda n, item: ("推进中", notes[(n - 1) % len(notes)]))  # fmt: skip
    outcome = consolidate(p, now=datetime(2019, 3, 20, 9, 0)).master
    assert outcome is not None and outcome.path is not None
    with zipfile.ZipFile(outcome.path) as z:
        names = dict(re.findall(r'<sheet name="([^"]+)" sheetId="\d+" r:id="rId(\d+)"', z.read("xl/workbook.xml").decode()))
        for sheet in (L.PROGRESS, L.SUBMISSIONS, L.FINDINGS):
            assert "<f>" not in z.read(f"xl/worksheets/sheet{names[sheet]}.xml").decode(), sheet
    book = CalamineWorkbook.from_path(str(outcome.path))
    progress = [c for row in book.get_sheet_by_name(L.PROGRESS).to_python() for c in row]
    for note in notes:
        assert note in progress
    submissions = [c for row in book.get_sheet_by_name(L.SUBMISSIONS).to_python() for c in row]
    assert "=cmd|' -C calc'!A0.xlsx" in submissions


def test_cli_master_report_and_score(consolidated_national: Project, tmp_path: Path) -> None:
    p = consolidated_national
    runner = CliRunner()
    native = runner.invoke(main, ["master", str(p.root), "--json"])
    data = json.loads(native.output)
    assert data["formulas"] == "native" and data["score"]["total"] == evaluate(CompiledRubric(p.rubric), EXAMPLE).total
    assert native.exit_code == 1  # the example leaves findings (vetoes unmet, …)
    sheet = openpyxl.load_workbook(p.root / L.MASTER_FILE)[L.SCORES]
    assert not any("XY_" in str(c.value) for row in sheet.iter_rows(min_col=L.S_SCORE + 1, max_col=L.S_SCORE + 1) for c in row)
    retired = runner.invoke(main, ["master", str(p.root), "--formulas", "udf", "--json"])  # old scripts still run
    assert json.loads(retired.stdout)["formulas"] == "native" and "不再需要 --formulas" in retired.stderr
    report = runner.invoke(main, ["report", str(p.root), "--top", "3", "--reminders"])
    assert "提分空间" in report.output and "可挽回" in report.output and report.exit_code == 1
    first = data["recoveries"][0]
    assert first["title"] in report.output and first["steps"][0]["text"] in report.output
    (tmp_path / "不是项目").mkdir()
    missing = runner.invoke(main, ["master", str(tmp_path / "不是项目")])
    assert missing.exit_code == 2 and "错误" in missing.output


def test_task_list_project_gets_progress_and_reminders_without_scores(tmp_path: Path) -> None:
    p = init_project(tmp_path / "要点", "yichang-2020", today=date(2020, 3, 1))
    generate(p)
    runner = CliRunner()
    result = runner.invoke(main, ["score", str(p.root)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "任务清单，没有分值" in result.output
    assert "不计算提分空间" in runner.invoke(main, ["report", str(p.root)]).output
    sheets = CalamineWorkbook.from_path(str(p.root / L.MASTER_FILE)).sheet_names
    assert sheets == [L.TASKS, L.TASK_MATRIX, L.ROUND_STATES, L.PUBLICATION, L.REMINDERS, L.PROGRESS, L.SUBMISSIONS, L.FINDINGS, L.DATA]
