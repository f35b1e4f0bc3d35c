"""The office closes a stray file's findings in the master itself: a note in 问题清单's yellow 已处理
column, read back at the next rescore like a manual entry, recorded in the ledger with who and when;
a note on a row that is not a received file's problem is reported, not guessed."""

from __future__ import annotations

import sqlite3
from datetime import datetime

import openpyxl

from tests.test_inbox_realities import arrive
from tests.test_master_manual import edit, score
from workbooks.intake.consolidate import consolidate
from workbooks.ledger import LEDGER_FILE
from workbooks.master import layout as L
from workbooks.project import Project


def finding_rows(project: Project) -> tuple[dict[str, int], list[tuple[int, str, str]]]:
    """The header's columns, and (row, code, file) of every finding listed."""
    ws = openpyxl.load_workbook(project.root / L.MASTER_FILE)[L.FINDINGS]
    head = {str(c.value): c.column for c in ws[L.F_FIRST] if c.value}
    rows = [
        (r, str(ws.cell(r, head["代码"]).value), str(ws.cell(r, head[L.F_FILE_HEAD]).value or ""))
        for r in range(L.F_FIRST + 1, ws.max_row + 1)
    ]
    return head, rows


def test_a_note_in_the_dismiss_column_closes_that_files_findings(consolidated_national: Project) -> None:
    p = consolidated_national
    stray = p.inbox / "会议通知.docx"
    stray.write_bytes(b"PK\x03\x04 not a workbook")
    arrive(stray, 10)
    consolidate(p, now=datetime(2019, 3, 22, 9, 0))
    head, rows = finding_rows(p)
    mine = next(r for r, _, name in rows if name == stray.name)
    other = next(r for r, code, name in rows if not name and code != "inbox-clutter")  # a problem of no file
    column = openpyxl.utils.get_column_letter(head[L.F_DISMISS_HEAD])
    ws = openpyxl.load_workbook(p.root / L.MASTER_FILE)[L.FINDINGS]
    assert ws[f"{column}{mine}"].fill.fgColor.rgb.endswith("FFF2CC")  # yellow: this row can be marked
    assert not ws[f"{column}{other}"].fill.fgColor.rgb.endswith("FFF2CC")

    edit(p, {f"{L.FINDINGS}!{column}{mine}": "不是报送文件，已告知", f"{L.FINDINGS}!{column}{other}": "已处理"})
    code, output = score(p)
    assert "master-dismissal" in output and "master-dismissal-invalid" in output, output
    _, rows = finding_rows(p)
    assert stray.name not in {name for _, _, name in rows}
    with sqlite3.connect(p.root / LEDGER_FILE) as db:
        ((name, note, by),) = db.execute(
            "SELECT f.original_name, d.note, d.dismissed_by FROM dismissals d JOIN files f ON f.seq = d.file_seq"
        ).fetchall()
    assert (name, note) == (stray.name, "不是报送文件，已告知") and by
    code, output = score(p)  # the rewritten master holds no mark: nothing recorded twice
    with sqlite3.connect(p.root / LEDGER_FILE) as db:
        assert db.execute("SELECT COUNT(*) FROM dismissals").fetchone()[0] == 1


def test_what_the_inbox_holds_is_in_the_master_whichever_command_writes_it(consolidated_national: Project) -> None:
    """Clutter and a link in 回收/ are listed by the master written by `score` as by `consolidate`."""
    p = consolidated_national
    (p.inbox / "Thumbs.db").write_bytes(b"\0" * 64)
    link = p.inbox / "链接.xlsx"
    try:
        link.symlink_to(p.root / "项目设置.yaml")
    except OSError:  # no right to make links here (Windows without developer mode): the clutter alone
        link = None
    consolidate(p, now=datetime(2019, 3, 22, 9, 0))

    def listed() -> list[str]:
        return [code for _, code, _ in finding_rows(p)[1]]

    after_consolidate = listed()
    assert after_consolidate.count("inbox-clutter") == 1
    assert after_consolidate.count("file-not-regular") == (1 if link else 0)
    (p.inbox / "desktop.ini").write_bytes(b"\0" * 16)  # the inbox changed: score rewrites the master
    score(p)
    after_score = listed()
    assert after_score.count("inbox-clutter") == 1 and after_score.count("file-not-regular") == (1 if link else 0)
    rows = finding_rows(p)[1]
    ws = openpyxl.load_workbook(p.root / L.MASTER_FILE)[L.FINDINGS]
    message = next(ws.cell(r, 3).value for r, code, _ in rows if code == "inbox-clutter")
    assert "2 个系统或临时文件" in message
