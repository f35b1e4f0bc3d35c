"""The inbox as offices really have it: a wrong attachment, a correction that leaves cells empty,
figures typed with their units, system clutter, stray files whose findings must end, compressed
archives, a unit's own spreadsheet saved as .ods, file names that are not UTF-8, and the tool's own
failure; each against a real national-2019 project whose units returned the built-in example figures."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import sys
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from python_calamine import CalamineWorkbook

from tests.conftest import builtin_inputs, national_example
from tests.test_consolidate_e2e import fill_openpyxl, outgoing
from tests.test_resaved_returns import ods_bytes
from udfs.evaluate import CompiledRubric
from workbooks.cli import guarded, main
from workbooks.console import LOG_FILE
from workbooks.generate.fill import fill_returns
from workbooks.intake.consolidate import Summary, consolidate
from workbooks.ledger import LEDGER_FILE, Ledger
from workbooks.master.layout import MASTER_FILE
from workbooks.master.state import MasterState, gather
from workbooks.project import Project

PBOC, HR, DATA, FINANCE = "人行宜昌中心支行", "市人社局", "市政数局", "市地方金融局"
LATER = datetime(2019, 3, 22, 9, 0)


def arrive(path: Path, hour: int) -> Path:
    """A file put in 回收 after the first consolidation (intake orders files by their time)."""
    t = datetime(2019, 3, 21, hour, 0).timestamp()
    os.utime(path, (t, t))
    return path


def state_of(project: Project) -> MasterState:
    ledger = Ledger(project.root / LEDGER_FILE)
    try:
        return gather(project, ledger, CompiledRubric(project.rubric), today=date(2019, 3, 22))
    finally:
        ledger.close()


def adopted(project: Project, input_id: str) -> object:
    return next(a.value for a in state_of(project).inputs if a.spec.id == input_id)


def outcome(summary: Summary, name: str):  # noqa: ANN201 - intake.batch.FileOutcome
    return next(o for o in summary.outcomes if o.name == name)


def test_a_blank_form_sent_by_mistake_wipes_nothing(consolidated_national: Project) -> None:
    """The 下发 form copied into 回收 (or mailed back by mistake): not a resubmission, a finding."""
    p = consolidated_national
    before = {i: adopted(p, i) for i in ("npl_rate", "fin_cases_closed")}
    blank = arrive(Path(shutil.copy(outgoing(p, PBOC), p.inbox / "人行-回复.xlsx")), 10)
    summary = consolidate(p, now=LATER)
    got = outcome(summary, blank.name)
    assert got.status == "rejected" and [f.code for f in got.findings] == ["return-empty"]
    assert {i: adopted(p, i) for i in before} == before
    assert not any(PBOC in f.message for f in summary.findings if f.code == "unit-data-missing")


def test_a_correction_with_empty_cells_changes_only_what_it_reports(consolidated_national: Project) -> None:
    """An empty cell in a later return is “not reported in this file”: the earlier figure stays."""
    p = consolidated_national
    kept = adopted(p, "rongque_depts")
    fixed = p.inbox / "政数局-更正.xlsx"
    fill_openpyxl(outgoing(p, DATA), fixed, {"approval_items_total": 440})
    arrive(fixed, 11)
    summary = consolidate(p, now=LATER)
    got = outcome(summary, fixed.name)
    assert got.status == "accepted" and got.superseded
    codes = [f.code for f in got.findings]
    assert "resubmission-changed" in codes and "resubmission-kept" in codes
    kept_line = next(f for f in got.findings if f.code == "resubmission-kept")
    assert "沿用此前报送的数值" in kept_line.message and kept_line.severity.value == "info"
    assert adopted(p, "approval_items_total") == 440
    assert adopted(p, "rongque_depts") == kept


def test_figures_typed_with_their_units_are_read_exactly_and_say_how(consolidated_national: Project) -> None:
    p = consolidated_national
    names = ("人社局.xlsx", "人行.xlsx", "金融局.xlsx", "人社局-又一份.xlsx")
    typed, money, plain, wrong = (p.inbox / n for n in names)
    fill_openpyxl(outgoing(p, HR), typed, {"cs_total": "13,700人"})
    # both providers of the recovered amount: one in 亿元, one in 元; the same figure, so no conflict
    fill_openpyxl(outgoing(p, PBOC), money, {"fin_recovered_amount": "18.7亿元"})
    fill_openpyxl(outgoing(p, FINANCE), plain, {"fin_recovered_amount": 1_870_000_000})
    fill_openpyxl(outgoing(p, HR), wrong, {"cs_total": "1.37万户"})
    for hour, path in enumerate((typed, money, plain, wrong), 12):
        arrive(path, hour)
    summary = consolidate(p, now=LATER)
    assert adopted(p, "fin_recovered_amount") == 1_870_000_000
    notes = [f for f in outcome(summary, typed.name).findings if f.code == "input-unit-read"]
    assert len(notes) == 1 and "13,700人" in notes[0].message and notes[0].cell
    refused = [f for f in outcome(summary, wrong.name).findings if f.code == "input-wrong-type"]
    assert refused and "“人”" in refused[0].message and "“户”" in refused[0].message
    assert adopted(p, "cs_total") == 13_700  # the refused figure did not replace it


def test_clutter_is_counted_once_and_a_complete_project_with_clutter_exits_0(generated_national: Project) -> None:
    p = generated_national
    fill_returns(p, builtin_inputs("national-2019", "full-marks"), received=datetime(2019, 3, 20, 9, 0))
    for name in ("Thumbs.db", "desktop.ini", "下载.crdownload", "报表.tmp", ".~lock.人社局.xlsx#", "~$人社局.xlsx"):
        (p.inbox / name).write_bytes(b"\0" * 64)
    (p.inbox / "__MACOSX").mkdir()
    (p.inbox / "__MACOSX" / "人社局.xlsx").write_bytes(b"\0" * 64)
    done = CliRunner().invoke(main, ["consolidate", str(p.root), "--json"])
    assert done.exit_code == 0, done.output
    out = json.loads(done.stdout)
    clutter = [f for f in out["findings"] if f["code"] == "inbox-clutter"]
    assert len(clutter) == 1 and "7 个系统或临时文件" in clutter[0]["message"]
    assert not any(o["file"].endswith((".db", ".ini", ".tmp")) for o in out["files"])
    plain = CliRunner().invoke(main, ["consolidate", str(p.root)])  # listed once, and kept in the master's list
    assert plain.exit_code == 0 and plain.output.count("inbox-clutter") == 1, plain.output
    rows = CalamineWorkbook.from_path(str(p.root / MASTER_FILE)).get_sheet_by_name("问题清单").to_python()
    assert [r[1] for r in rows].count("inbox-clutter") == 1


def test_a_stray_files_finding_ends_when_it_leaves_or_is_dismissed(consolidated_national: Project) -> None:
    p = consolidated_national
    rar = p.inbox / "全部回执.rar"
    rar.write_bytes(b"Rar!\x1a\x07\x00" + b"\0" * 100)
    arrive(rar, 10)
    ods = p.inbox / "人行.ods"  # an OpenDocument spreadsheet of the unit's own: no identity
    ods.write_bytes(ods_bytes({"Sheet1": [["不良贷款率", 0.02]]}))
    arrive(ods, 11)
    summary = consolidate(p, now=LATER)
    assert [f.code for f in outcome(summary, rar.name).findings] == ["file-archive"]
    assert "解压" in outcome(summary, rar.name).findings[0].message
    told = outcome(summary, ods.name).findings
    assert [f.code for f in told] == ["file-not-xlsx"] and "（.ods）" in told[0].message and "另存为" in told[0].message

    def open_files() -> set[str]:
        return {f.file for f in state_of(p).findings if f.file}

    assert {rar.name, ods.name} <= open_files()
    ods.unlink()  # the office removed it from 回收
    assert ods.name not in open_files() and rar.name in open_files()
    done = CliRunner().invoke(main, ["dismiss", str(p.root), rar.name, "--note", "已解压放入"])
    assert done.exit_code == 0, done.output
    assert rar.name not in open_files()
    db = sqlite3.connect(p.root / LEDGER_FILE)
    (note, by, at), = db.execute("SELECT note, dismissed_by, dismissed_at FROM dismissals").fetchall()
    db.close()
    assert note == "已解压放入" and by and at
    unknown = CliRunner().invoke(main, ["dismiss", str(p.root), "没有这个文件.xlsx"])
    assert unknown.exit_code == 2 and "台账中没有" in unknown.output


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="the file system there refuses names that are not UTF-8")
def test_a_file_name_that_is_not_utf8_is_recorded_readably_and_stops_nothing(consolidated_national: Project) -> None:
    """GBK bytes, as a zip made on Chinese Windows leaves them when unpacked on Linux or a NAS."""
    p = consolidated_national
    gbk = os.fsdecode(os.fsencode(str(p.inbox)) + b"/" + "政数局更正".encode("gbk") + b".xlsx")
    fill_openpyxl(outgoing(p, DATA), Path(gbk), {"approval_items_total": 441})
    arrive(Path(gbk), 10)
    other = p.inbox / "人社局.xlsx"
    fill_openpyxl(outgoing(p, HR), other, {"cs_total": 13_800})
    arrive(other, 11)
    done = CliRunner().invoke(main, ["consolidate", str(p.root), "--json"])
    assert done.exit_code in (0, 1), done.output
    shown = "政数局更正".encode("gbk").decode("utf-8", "backslashreplace") + ".xlsx"
    names = {o["file"]: o["status"] for o in json.loads(done.stdout)["files"]}
    assert names[shown] == "accepted" and names[other.name] == "accepted"
    db = sqlite3.connect(p.root / LEDGER_FILE)
    recorded = {row[0] for row in db.execute("SELECT original_name FROM files")}
    db.close()
    assert shown in recorded and other.name in recorded
    assert adopted(p, "approval_items_total") == 441 and adopted(p, "cs_total") == 13_800


def test_the_tools_own_failure_exits_2_with_one_chinese_line(
    consolidated_national: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*_args: object, **_kw: object) -> None:
        raise RuntimeError("磁盘已满")

    monkeypatch.setattr("workbooks.intake.consolidate.consolidate", broken)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as stopped:
        guarded(main, ["consolidate", str(consolidated_national.root)])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "错误：工具内部出错（RuntimeError: 磁盘已满）" in err and "Traceback" not in err
    assert "RuntimeError" in (tmp_path / LOG_FILE).read_text(encoding="utf-8")


def test_the_example_figures_are_what_the_fixture_returned(consolidated_national: Project) -> None:
    """The tests above compare against the example: it must be what the master adopted."""
    assert adopted(consolidated_national, "cs_total") == national_example()["cs_total"]


def test_a_zip_of_returns_is_opened_and_each_workbook_consolidated(consolidated_national: Project, tmp_path: Path) -> None:
    p = consolidated_national
    made = tmp_path / "单位发来"
    made.mkdir()
    fill_openpyxl(outgoing(p, DATA), made / "政数局.xlsx", {"approval_items_total": 442})
    fill_openpyxl(outgoing(p, HR), made / "人社局.xlsx", {"cs_total": 13_900})
    bundle = p.inbox / "两个单位.zip"
    with zipfile.ZipFile(bundle, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(made / "政数局.xlsx", "回执/政数局.xlsx")
        zf.write(made / "人社局.xlsx", "人社局.xlsx")
        zf.writestr("__MACOSX/._人社局.xlsx", b"\0" * 32)
        zf.writestr("里面的.zip", b"PK\x05\x06" + b"\0" * 18)
        zf.writestr("说明.csv", "单位,数据\n".encode())
    arrive(bundle, 10)
    for empty in ("空的.zip", "又一个空的.zip"):  # two archives that give nothing: each says so, neither stops the run
        with zipfile.ZipFile(p.inbox / empty, "w") as zf:
            zf.writestr("__MACOSX/._a.xlsx", b"\0")
        arrive(p.inbox / empty, 9)
    hostile = p.inbox / "坏.zip"
    with zipfile.ZipFile(hostile, "w") as zf:
        zf.writestr("../../逃出去.xlsx", b"x")
    arrive(hostile, 11)
    summary = consolidate(p, now=LATER)
    assert outcome(summary, "两个单位.zip!回执/政数局.xlsx").status == "accepted"
    assert outcome(summary, "两个单位.zip!人社局.xlsx").status == "accepted"
    assert adopted(p, "approval_items_total") == 442 and adopted(p, "cs_total") == 13_900
    archive_findings = [f for o in summary.outcomes for f in o.findings if f.code == "file-archive"]
    assert {f.file for f in archive_findings} == {"两个单位.zip!里面的.zip", "坏.zip", "空的.zip", "又一个空的.zip"}
    assert "不安全的文件名" in next(f.message for f in archive_findings if f.file == "坏.zip")
    assert not (p.root / "逃出去.xlsx").exists() and not (p.root.parent / "逃出去.xlsx").exists()
    # a rejected member's finding stays open while its archive is in the inbox (the member is not itself there)
    assert "两个单位.zip!说明.csv" in {f.file for f in state_of(p).findings}
    again = consolidate(p, now=LATER)  # the same inbox: the members are known by their hashes
    assert {o.status for o in again.outcomes if "!" in o.name and o.name.endswith(".xlsx")} == {"duplicate"}


def test_a_member_named_in_gbk_by_chinese_windows_reads_as_chinese() -> None:
    from workbooks.intake.zipped import member_name

    info = zipfile.ZipInfo("x")
    info.filename, info.flag_bits = "政数局回执.xlsx".encode("gbk").decode("cp437"), 0
    assert member_name(info) == "政数局回执.xlsx"
    info.filename = b"\xff\xfe\xfd.xlsx".decode("cp437")  # valid in neither: escaped, not guessed
    assert member_name(info) == "\\xff\\xfe\\xfd.xlsx"
