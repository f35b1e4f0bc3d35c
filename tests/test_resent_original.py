"""A unit that sends its original again after a correction undoes the correction: the ledger records
the re-arrival in the order of adoption, the original's figures become current again, and the same
inbox read again changes nothing. Against a real national-2019 project whose units returned the
built-in example figures."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from python_calamine import CalamineWorkbook

from tests.test_consolidate_e2e import fill_openpyxl, outgoing
from tests.test_inbox_realities import HR, LATER, adopted, arrive, outcome, state_of
from workbooks.intake.consolidate import consolidate
from workbooks.ledger import LEDGER_FILE, Ledger
from workbooks.master.layout import MASTER_FILE
from workbooks.project import Project


def returned(project: Project, label: str) -> tuple[str, Path]:
    """The unit (as the ledger names it) and its return as the first consolidation read it."""
    path = next(p for p in project.inbox.iterdir() if p.name.startswith(label + "-"))
    with sqlite3.connect(project.root / LEDGER_FILE) as db:
        unit = db.execute("SELECT unit FROM files WHERE original_name = ?", (path.name,)).fetchone()[0]
    return unit, path


def readoptions(project: Project) -> int:
    with sqlite3.connect(project.root / LEDGER_FILE) as db:
        return db.execute("SELECT COUNT(*) FROM readoptions").fetchone()[0]


def test_the_original_sent_again_after_a_correction_is_current_again(consolidated_national: Project) -> None:
    p = consolidated_national
    unit, original = returned(p, HR)
    first = adopted(p, "cs_total")
    fixed = p.inbox / "人社局-更正.xlsx"
    fill_openpyxl(outgoing(p, HR), fixed, {"cs_total": 13_800})
    arrive(fixed, 10)
    consolidate(p, now=LATER)  # the original, met again in 回收 (modified later than the correction), is no re-sending
    assert adopted(p, "cs_total") == 13_800

    again = arrive(Path(shutil.copy(original, p.inbox / "人社局-原表（再发）.xlsx")), 11)
    summary = consolidate(p, now=LATER)
    got = outcome(summary, again.name)
    assert got.status == "accepted" and got.superseded
    codes = [f.code for f in got.findings]
    assert codes[0] == "return-resent" and original.name in got.findings[0].message
    changed = [f for f in got.findings if f.code == "resubmission-changed" and f.input == "cs_total"]
    assert len(changed) == 1 and "13,800" in changed[0].message
    assert adopted(p, "cs_total") == first
    progress = next(u for u in state_of(p).units if u.unit == unit)
    assert progress.last_file == again.name

    # the same inbox read again: every file is a duplicate, nothing moves
    rerun = consolidate(p, now=LATER)
    assert {o.status for o in rerun.outcomes if o.name in (original.name, fixed.name, again.name)} == {"duplicate"}
    assert readoptions(p) == 1 and adopted(p, "cs_total") == first

    # the master's record lists the re-arrival in its place, after the correction
    rows = CalamineWorkbook.from_path(str(p.root / MASTER_FILE)).get_sheet_by_name("提交记录").to_python()
    names = [r[2] for r in rows]
    assert names.index(again.name) > names.index(fixed.name)
    assert any(str(r[4]).startswith("再次报送") for r in rows if r[2] == again.name)

    # a correction received after the re-arrival wins again: one order for files and re-arrivals
    later = p.inbox / "人社局-再更正.xlsx"
    fill_openpyxl(outgoing(p, HR), later, {"cs_total": 13_900})
    arrive(later, 12)
    consolidate(p, now=LATER)
    assert adopted(p, "cs_total") == 13_900


def test_a_copy_older_than_the_correction_stays_a_duplicate(consolidated_national: Project) -> None:
    """A second copy of the original saved before the correction arrived (or an old ledger meeting
    duplicates it never recorded) is no re-sending: the correction stands."""
    p = consolidated_national
    unit, original = returned(p, HR)
    copy = arrive(Path(shutil.copy(original, p.inbox / "人社局(1).xlsx")), 9)
    fixed = p.inbox / "人社局-更正.xlsx"
    fill_openpyxl(outgoing(p, HR), fixed, {"cs_total": 13_800})
    arrive(fixed, 10)
    summary = consolidate(p, now=LATER)
    assert outcome(summary, copy.name).status == "duplicate"
    assert adopted(p, "cs_total") == 13_800 and readoptions(p) == 0


def test_a_resolution_made_before_the_re_sending_is_reopened_by_it(consolidated_national: Project) -> None:
    """The office's decision holds until a file received after it reports the input: a re-arrival is
    received after it, though its file's seq is older."""
    p = consolidated_national
    unit, original = returned(p, HR)
    fixed = p.inbox / "人社局-更正.xlsx"
    fill_openpyxl(outgoing(p, HR), fixed, {"cs_total": 13_800})
    arrive(fixed, 10)
    consolidate(p, now=LATER)
    ledger = Ledger(p.root / LEDGER_FILE)
    try:
        ledger.resolve(p.settings.round, "cs_total", 13_000, None, "核实后定为13000", LATER.isoformat())
    finally:
        ledger.close()
    assert adopted(p, "cs_total") == 13_000
    arrive(Path(shutil.copy(original, p.inbox / "人社局-原表（再发）.xlsx")), 11)
    consolidate(p, now=LATER)
    assert adopted(p, "cs_total") not in (13_000, 13_800)
