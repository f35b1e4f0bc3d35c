"""Reading a returned workbook's few parts that matter, in a guarded worker process.

Only what the consolidator needs is parsed, straight from the zip with a DTD-refusing streaming
XML parser: the workbook part (sheet names, defined names), shared strings, and the identity,
task and input sheets. Formulas are never evaluated here: a formula cell yields its formula text
and its cached value, if any. The parse runs in a reading worker (intake.pool, intake.worker) under
memory and time guards, so a file that slips past the pre-scan can only fail itself, never the batch.

The limits hold on their own, without the pre-scan: each part is inflated only up to the pre-scan's
per-part cap, only cells with content are kept and their number is capped, and the result handed
back is capped in size, so what the consolidating process receives stays small whatever the file.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from defusedxml.ElementTree import iterparse

from .prescan import MAX_PART_BYTES

NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
WANTED_SHEETS = ("任务清单", "数据填报", "xinyong_id")
TIME_LIMIT = 30.0  # seconds one file may take
MAX_CELLS = 100_000  # cells with content over the sheets read; a unit workbook has a few thousand


@dataclass
class Cell:
    value: Any  # str, float, bool, or None; error values as "#DIV/0!" with kind "e"
    kind: str  # "s" text, "n" number, "b" boolean, "e" error, "" blank
    formula: str | None = None


@dataclass
class Parsed:
    sheets: list[str] = field(default_factory=list)
    defined: dict[str, str] = field(default_factory=dict)
    structure_locked: bool = False
    cells: dict[str, dict[str, Cell]] = field(default_factory=dict)  # sheet -> coordinate -> cell


class ReadFailure(Exception):
    """Why a file could not be read; `detail`: a traceback for the log (file-internal-error only)."""

    def __init__(self, code: str, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.detail = detail


class InternalError(Exception):
    """In the child: the tool's own code failed on this file (not the file's fault as far as we know);
    carries the exception type and the traceback out of the child."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(kind)
        self.kind, self.detail = kind, detail


class TooLarge(Exception):
    """In the child: a part, the cells kept or the result exceed their cap."""


class _Capped:
    """A part's stream that refuses to inflate more than the per-part cap."""

    def __init__(self, fh, name: str) -> None:  # noqa: ANN001
        self.fh, self.name, self.seen = fh, name, 0

    def read(self, size: int = -1) -> bytes:
        data = self.fh.read(65536 if size is None or size < 0 else min(size, 65536))
        self.seen += len(data)
        if self.seen > MAX_PART_BYTES:
            raise TooLarge(f"部件 {self.name} 解压后超过 {MAX_PART_BYTES // 1048576} MB（疑似压缩炸弹），未读取")
        return data


def _iter(archive, name: str):  # noqa: ANN001, ANN202
    with archive.open(name) as fh:
        yield from iterparse(
            _Capped(fh, name), events=("end",), forbid_dtd=True, forbid_entities=True, forbid_external=True
        )


def _text(elem) -> str:  # noqa: ANN001
    return "".join(t.text or "" for t in elem.iter(f"{NS}t"))


def parse_workbook(path: str, sheets: tuple[str, ...] = WANTED_SHEETS) -> Parsed:
    """The parse itself (runs in the child)."""
    import zipfile

    result = Parsed()
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        rels: dict[str, str] = {}
        if "xl/_rels/workbook.xml.rels" in names:
            for _, el in _iter(archive, "xl/_rels/workbook.xml.rels"):
                if el.tag == f"{PKG_REL}Relationship":
                    target = el.get("Target", "")
                    # relative to xl/ (Excel, XlsxWriter) or absolute from the package root (openpyxl)
                    path = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
                    rels[el.get("Id", "")] = posixpath.normpath(path)
        sheet_paths: dict[str, str] = {}
        for _, el in _iter(archive, "xl/workbook.xml"):
            if el.tag == f"{NS}sheet":
                name = el.get("name", "")
                result.sheets.append(name)
                sheet_paths[name] = rels.get(el.get(f"{REL_NS}id", ""), "")
            elif el.tag == f"{NS}definedName" and el.get("localSheetId") is None:
                result.defined[el.get("name", "")] = (el.text or "").strip()
            elif el.tag == f"{NS}workbookProtection":
                result.structure_locked = el.get("lockStructure") in ("1", "true")
        shared: list[str] = []
        if "xl/sharedStrings.xml" in names:
            for _, el in _iter(archive, "xl/sharedStrings.xml"):
                if el.tag == f"{NS}si":
                    shared.append(_text(el))
                    el.clear()
        budget = [MAX_CELLS]
        for sheet in sheets:
            part = sheet_paths.get(sheet)
            if part and part in names:
                result.cells[sheet] = _cells(archive, part, shared, budget)
    return result


def _cells(archive, part: str, shared: list[str], budget: list[int]) -> dict[str, Cell]:  # noqa: ANN001
    """The cells with content (a value or a formula): a blank cell reads the same as an absent one."""
    cells: dict[str, Cell] = {}
    for _, el in _iter(archive, part):
        if el.tag == f"{NS}row":
            el.clear()  # its cells are read: let them go
            continue
        if el.tag != f"{NS}c":
            continue
        ref, kind = el.get("r", ""), el.get("t", "n")
        f = el.find(f"{NS}f")
        v = el.find(f"{NS}v")
        raw = v.text if v is not None else None
        formula = (f.text or "") if f is not None else None
        if kind == "s" and raw is not None:
            index = int(raw)
            cell = Cell(shared[index] if 0 <= index < len(shared) else "", "s", formula)
        elif kind == "inlineStr":
            cell = Cell(_text(el), "s", formula)
        elif kind == "str":
            cell = Cell(raw, "s" if raw is not None else "", formula)
        elif kind == "b":
            cell = Cell(raw == "1", "b", formula) if raw is not None else Cell(None, "", formula)
        elif kind == "e":
            cell = Cell(raw, "e", formula)
        elif raw is not None:
            cell = Cell(float(raw), "n", formula)
        else:
            cell = Cell(None, "", formula)
        el.clear()
        if cell.value is None and cell.formula is None:
            continue
        if ref not in cells:
            budget[0] -= 1
            if budget[0] < 0:
                raise TooLarge(f"工作表中有内容的单元格超过 {MAX_CELLS} 个（不是下发的任务分解表或被改动过），未读取")
        cells[ref] = cell
    return cells


def read_isolated(path: Path, timeout: float = TIME_LIMIT, sheets: tuple[str, ...] = WANTED_SHEETS) -> Parsed:
    """Parse in a guarded worker process (intake.pool); ReadFailure on anything but success.
    `sheets`: the sheets whose cells are read (a unit workbook's by default; the master's for read-back)."""
    from .pool import ReaderPool

    with ReaderPool(workers=1, timeout=timeout) as pool:
        return pool.run(partial(parse_workbook, str(path), sheets))
