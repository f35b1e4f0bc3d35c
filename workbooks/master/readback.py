"""Reading a hand-edited master back before it is rewritten, so nothing typed into it is lost.

The master this tool wrote last is known by its hash (ledger table `masters`). A file on disk with
another hash was edited by someone: it is archived under its own hash first, then read like any
returned file (pre-scan, limited child, no formula ever evaluated). What the office typed into
the yellow 人工录入 column becomes a manual entry in the ledger; a cleared cell withdraws one; a
formula cell overwritten by hand is reported, not taken (its value stays in the archived copy).
"""

from __future__ import annotations

import json
import re
from datetime import datetime

from xlsxwriter.utility import xl_cell_to_rowcol, xl_col_to_name

from udfs.findings import Findings, Severity
from udfs.numbers import value_text
from udfs.rubric.model import InputSpec
from udfs.values import ValueProblem, is_blank, type_value

from ..intake.archive import archive_copy, file_digest
from ..intake.reader import Cell, ReadFailure, read_isolated
from ..ledger import Ledger, Manual, user_name
from ..project import Project
from . import layout as L

_REF = re.compile(r"([A-Z]{1,3})([0-9]+)")
TOLERATED = frozenset({"file-external-link"})  # Excel stores add-in UDF calls as links to the add-in file


def _col(index: int) -> str:
    return xl_col_to_name(index)


def read_back(project: Project, ledger: Ledger, now: datetime) -> Findings:
    """Record the manual entries of an edited master; findings say what was taken and what was not."""
    findings = Findings()
    path = project.root / L.MASTER_FILE
    if not path.exists():
        return findings
    sha = file_digest(path)
    if sha == ledger.last_master():
        return findings
    archived = archive_copy(project, path, sha, L.MASTER_ARCHIVE)
    where = {"file": L.MASTER_FILE}
    try:
        parsed = read_isolated(path, sheets=(L.DATA, L.SCORES, L.FINDINGS), tolerate=TOLERATED)
    except ReadFailure as failure:
        findings.add("master-unreadable", f"评分总表无法读回（{failure}），已另存为 {archived}", Severity.WARNING, **where)
        return findings
    data = parsed.cells.get(L.DATA, {})
    round_name = project.settings.round
    records: list[tuple[str, object, str, str, str, str | None]] = []
    rows = _input_rows(project, data, L.MX_FIRST if project.subjects else L.DATA_FIRST)
    for subject, manual_col, adopted_col in _blocks(project, data, findings):
        prefix = f"{project.registry.units[subject].short or subject}：" if subject else ""
        reported, _ = ledger.settled(round_name, with_manual=False, subject=subject)
        current = ledger.manual(round_name, subject)
        for input_id, input_rows in rows.items():
            for r in input_rows:
                _check_formula(data, f"{adopted_col}{r}", L.DATA, findings)
            cells = [data.get(f"{manual_col}{r}") for r in input_rows]
            entry = _entry(project.rubric.inputs[input_id], cells, reported.get(input_id), current.get(input_id))
            if entry is None:
                continue
            code, value, raw, message = entry
            cell = f"{manual_col}{input_rows[0]}"
            if code == "manual-entry-invalid":
                spec = project.rubric.inputs[input_id]
                expected = spec.range_text() or spec.type
                findings.add(code, prefix + message, sheet=L.DATA, cell=cell, input=input_id, expected=expected, subject=subject)
                continue
            records.append((input_id, value, raw, L.DATA, cell, subject))
            findings.add(code, prefix + message, Severity.INFO, sheet=L.DATA, cell=cell, input=input_id, subject=subject)
    scores = parsed.cells.get(L.SCORES, {})
    items = {i.id for i in project.rubric.scored_items}
    if project.subjects:
        score_cols = [_col(c) for _, c in _subject_columns(project, scores, L.SCORES, findings)]
    else:
        score_cols = [_col(L.S_SCORE)]
    for coord, cell in scores.items():
        if coord.startswith(_col(L.S_ID)) and coord[1:].isdigit() and isinstance(cell.value, str) and cell.value in items:
            for col in score_cols:
                _check_formula(scores, f"{col}{coord[1:]}", L.SCORES, findings, item=cell.value)
    if records:
        ledger.add_manual(round_name, records, sha, now.isoformat(timespec="seconds"))
    _dismissals(parsed.cells.get(L.FINDINGS, {}), ledger, findings, now)
    return findings


def _dismissals(cells: dict[str, Cell], ledger: Ledger, findings: Findings, now: datetime) -> None:
    """A file's findings the office marked dealt with in 问题清单's 已处理 column: the file dismissed
    (as `xinyong dismiss` does, who and when in the ledger); a mark on a row naming no received file
    is reported, not guessed."""
    places = {ref: (m.group(1), int(m.group(2))) for ref in cells if (m := _REF.fullmatch(ref))}
    head = {str(cells[ref].value): col for ref, (col, row) in places.items() if row == L.F_FIRST}
    file_col, mark_col = head.get(L.F_FILE_HEAD), head.get(L.F_DISMISS_HEAD)
    marked = sorted(row for col, row in places.values() if col == mark_col and row > L.F_FIRST)
    done = ledger.dismissed()
    for row in marked:
        cell = cells[f"{mark_col}{row}"]
        if is_blank(cell.value):
            continue
        note, where = value_text(cell.value), {"sheet": L.FINDINGS, "cell": f"{mark_col}{row}"}
        name = cells.get(f"{file_col}{row}")
        files = ledger.named(str(name.value)) if name is not None and not is_blank(name.value) else []
        if not files:
            message = f"问题清单第 {row} 行写了“已处理”（{note}），但这一行不是某个已收到文件的问题，未记录"
            findings.add("master-dismissal-invalid", message, Severity.WARNING, **where)
            continue
        seq = int(files[-1]["seq"])  # type: ignore[arg-type]
        if seq in done:
            continue
        who = user_name()
        ledger.dismiss(seq, note, who, now.isoformat(timespec="seconds"))
        done.add(seq)
        message = f"已按问题清单第 {row} 行标记为已处理：{files[-1]['original_name']}（{note}，{who}）"
        findings.add("master-dismissal", message, Severity.INFO, **where)


def _entry(
    spec: InputSpec, cells: list[Cell | None], reported: object, old: Manual | None
) -> tuple[str, object, str, str] | None:
    """What one input's manual cells say, as (finding code, value, raw text, message): an entry to
    record (manual-entry, manual-entry-cleared) or one refused (manual-entry-invalid); None when
    nothing changed since the last entry."""
    raws = [None if c is None or is_blank(c.value) else c.value for c in cells]
    if all(v is None for v in raws):
        if old is None:
            return None
        return "manual-entry-cleared", None, "", f"“{spec.label}”的人工录入已清空，恢复采用单位报送值"
    try:
        if spec.type == "list":
            base = reported if isinstance(reported, list) else []
            mixed = [v if v is not None else (base[k] if k < len(base) else None) for k, v in enumerate(raws)]
            while mixed and mixed[-1] is None:
                mixed.pop()
            value = type_value(spec, mixed)
        else:
            value = type_value(spec, raws[0])
    except ValueProblem as problem:
        shown = "、".join(value_text(v) for v in raws if v is not None)
        return "manual-entry-invalid", None, "", f"人工录入的“{spec.label}”：“{shown}”未采用：{problem.reason}"
    if old is not None and json.dumps(old.value, sort_keys=True) == json.dumps(value, sort_keys=True):
        return None
    raw = "；".join("" if v is None else str(v) for v in raws)
    typed = "；".join("" if v is None else value_text(v) for v in raws)
    return "manual-entry", value, raw, f"已读取人工录入：“{spec.label}”= {typed}"


def _blocks(project: Project, data: dict[str, Cell], findings: Findings) -> list[tuple[str | None, str, str]]:
    """(subject, manual column, adopted column) of each block of 数据: one for a one-subject master;
    for a many-subject master, each subject's block found by the name over it."""
    if not project.subjects:
        return [(None, _col(L.D_MANUAL), _col(L.D_ADOPTED))]
    return [(s, _col(c + 1), _col(c + 2)) for s, c in _subject_columns(project, data, L.DATA, findings)]


def _subject_columns(project: Project, cells: dict[str, Cell], sheet: str, findings: Findings) -> list[tuple[str, int]]:
    """(subject, first column) for every name in a many-subject master's subject row (a name that
    is no longer one of the project's subjects is reported and its cells left alone, not guessed)."""
    by_name = {}
    for s in project.subjects:
        unit = project.registry.units[s]
        for name in (s, unit.short, *unit.aliases):
            if name:
                by_name[name] = s
    out = []
    for coord, cell in cells.items():
        text = cell.value.strip() if isinstance(cell.value, str) else ""
        if not text or text == L.MX_SUBJECTS_LABEL:
            continue
        row, col = xl_cell_to_rowcol(coord)
        if row != L.MX_SUBJECT_ROW:
            continue
        subject = by_name.get(text)
        if subject is None:
            findings.add(
                "master-subject-unknown",
                f"评分总表“{sheet}”表 {coord} 的“{text}”不是本项目的考核对象，该栏未读取（其中的人工录入未采用）",
                Severity.WARNING, file=L.MASTER_FILE, sheet=sheet, cell=coord,
            )  # fmt: skip
            continue
        out.append((subject, col))
    return sorted(out, key=lambda x: x[1])


def _input_rows(project: Project, data: dict[str, Cell], first: int) -> dict[str, list[int]]:
    """input id -> its rows on the 数据 sheet, found by the ids in column A (rows may have moved)."""
    rows: dict[str, list[int]] = {}
    id_col = _col(L.D_ID)
    for coord, cell in data.items():
        if coord.startswith(id_col) and coord[1:].isdigit() and isinstance(cell.value, str):
            if cell.value in project.rubric.inputs and int(coord[1:]) > first:
                rows.setdefault(cell.value, []).append(int(coord[1:]))
    return {k: sorted(v) for k, v in rows.items()}


def _check_formula(cells: dict[str, Cell], coord: str, sheet: str, findings: Findings, item: str | None = None) -> None:
    cell = cells.get(coord)
    if cell is not None and cell.formula is None and not is_blank(cell.value):
        findings.add(
            "master-formula-overwritten",
            f"{sheet}!{coord} 原是公式，被改成了“{value_text(cell.value)}”，未采用（改动值请填在“数据”表的“人工录入”栏）",
            Severity.WARNING,
            file=L.MASTER_FILE, sheet=sheet, cell=coord, item=item,
        )  # fmt: skip
