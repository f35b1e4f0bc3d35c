"""Reading a hand-edited master back before it is rewritten, so nothing typed into it is lost.

The master this tool wrote last is known by its hash (ledger table `masters`). A file on disk with
another hash was edited by someone: it is archived under its own hash first, then read like any
returned file (pre-scan, limited child, no formula ever evaluated). What the office typed into
the yellow 人工录入 column becomes a manual entry in the ledger; a cleared cell withdraws one; a
formula cell overwritten by hand is reported, not taken (its value stays in the archived copy).
"""

from __future__ import annotations

import json
from datetime import datetime

from udfs.findings import Findings, Severity
from udfs.numbers import value_text
from udfs.values import ValueProblem, is_blank, type_value

from ..intake.archive import archive_copy, file_digest
from ..intake.reader import Cell, ReadFailure, read_isolated
from ..ledger import Ledger
from ..project import Project
from . import layout as L

TOLERATED = frozenset({"file-external-link"})  # Excel stores add-in UDF calls as links to the add-in file


def _col(index: int) -> str:
    return chr(ord("A") + index)


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
        parsed = read_isolated(path, sheets=(L.DATA, L.SCORES), tolerate=TOLERATED)
    except ReadFailure as failure:
        findings.add("master-unreadable", f"评分总表无法读回（{failure}），已另存为 {archived}", Severity.WARNING, **where)
        return findings
    data = parsed.cells.get(L.DATA, {})
    rows = _input_rows(project, data)
    round_name = project.settings.round
    reported, _ = ledger.settled(round_name, with_manual=False)
    current = ledger.manual(round_name)
    records: list[tuple[str, object, str, str, str]] = []
    for input_id, input_rows in rows.items():
        spec = project.rubric.inputs[input_id]
        for r in input_rows:
            _check_formula(data, f"{_col(L.D_ADOPTED)}{r}", L.DATA, findings)
        cells = [data.get(f"{_col(L.D_MANUAL)}{r}") for r in input_rows]
        first = f"{_col(L.D_MANUAL)}{input_rows[0]}"
        raws = [None if c is None or is_blank(c.value) else c.value for c in cells]
        if all(v is None for v in raws):
            if input_id in current:
                records.append((input_id, None, "", L.DATA, first))
                findings.add("manual-entry-cleared", f"“{spec.label}”的人工录入已清空，恢复采用单位报送值", Severity.INFO, sheet=L.DATA, cell=first, input=input_id)  # fmt: skip
            continue
        try:
            if spec.type == "list":
                base = reported.get(input_id)
                base = base if isinstance(base, list) else []
                mixed = [v if v is not None else (base[k] if k < len(base) else None) for k, v in enumerate(raws)]
                while mixed and mixed[-1] is None:
                    mixed.pop()
                value = type_value(spec, mixed)
            else:
                value = type_value(spec, raws[0])
        except ValueProblem as problem:
            shown = "、".join(value_text(v) for v in raws if v is not None)
            findings.add(
                "manual-entry-invalid",
                f"人工录入的“{spec.label}”：“{shown}”未采用：{problem}",
                sheet=L.DATA, cell=first, input=input_id, expected=spec.range_text() or spec.type,
            )  # fmt: skip
            continue
        old = current.get(input_id)
        if old is not None and json.dumps(old.value, sort_keys=True) == json.dumps(value, sort_keys=True):
            continue
        raw = "；".join("" if v is None else str(v) for v in raws)
        records.append((input_id, value, raw, L.DATA, first))
        typed = "；".join("" if v is None else value_text(v) for v in raws)
        findings.add("manual-entry", f"已读取人工录入：“{spec.label}”= {typed}", Severity.INFO, sheet=L.DATA, cell=first, input=input_id)  # fmt: skip
    scores = parsed.cells.get(L.SCORES, {})
    items = {i.id for i in project.rubric.scored_items}
    for coord, cell in scores.items():
        if coord.startswith(_col(L.S_ID)) and isinstance(cell.value, str) and cell.value in items:
            _check_formula(scores, f"{_col(L.S_SCORE)}{coord[1:]}", L.SCORES, findings, item=cell.value)
    if records:
        ledger.add_manual(round_name, records, sha, now.isoformat(timespec="seconds"))
    return findings


def _input_rows(project: Project, data: dict[str, Cell]) -> dict[str, list[int]]:
    """input id -> its rows on the 数据 sheet, found by the ids in column A (rows may have moved)."""
    rows: dict[str, list[int]] = {}
    id_col = _col(L.D_ID)
    for coord, cell in data.items():
        if coord.startswith(id_col) and coord[1:].isdigit() and isinstance(cell.value, str):
            if cell.value in project.rubric.inputs and int(coord[1:]) > L.DATA_FIRST:
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
