"""The workbook globals of a BIFF8 `Workbook` stream (an .xls as Excel 97–2003, WPS and LibreOffice
write it), and what python-calamine would hold for each sheet, told before it holds it.

python-calamine reads the cells, but its Python binding gives no defined names, and a unit
workbook's identity signature covers every name and its reference; so the globals are read here:
sheet names in order (hidden ones too), the workbook-level NAME records with their one-token
reference formulas resolved through EXTERNSHEET, FILEPASS (encrypted), PROTECT (structure lock),
macro sheets and links to other files. calamine also reserves each sheet's whole used area (and
what a DIMENSIONS record claims) and turns error cells into blanks, so the sheet substreams are
walked too: their areas are summed for the caller's cap and their error cells kept. Every length
is checked against the stream; a malformed record is a `file-damaged` finding.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field

from . import ole
from .prescan import Problem, Refused

BOF, EOF, CONTINUE = 0x0809, 0x000A, 0x003C
BOUNDSHEET, EXTERNSHEET, SUPBOOK, NAME, FILEPASS, PROTECT = 0x0085, 0x0017, 0x01AE, 0x0018, 0x002F, 0x0012
MAX_NAMES = 10_000  # workbook-level names; a unit workbook has one per input
MAX_SHEETS = 1_000
BUILTIN = [  # a built-in name's one-character code -> its name, stored as `_xlnm.` + name (extract skips them)
    "Consolidate_Area", "Auto_Open", "Auto_Close", "Extract", "Database", "Criteria", "Print_Area",
    "Print_Titles", "Recorder", "Data_Form", "Auto_Activate", "Auto_Deactivate", "Sheet_Title", "_FilterDatabase",
]  # fmt: skip
ERRORS = {0x00: "#NULL!", 0x07: "#DIV/0!", 0x0F: "#VALUE!", 0x17: "#REF!", 0x1D: "#NAME?", 0x24: "#NUM!", 0x2A: "#N/A"}
UNREAD = "#REF!"  # a name whose formula is not one reference to this workbook: never a template's
# cell records whose first four bytes are (row, column), and whose value python-calamine keeps
_CELLS = {0x0203, 0x0204, 0x00D6, 0x0205, 0x027E, 0x00FD}
MULRK, FORMULA, STRING, DIMENSIONS = 0x00BD, 0x0006, 0x0207, 0x0200
_PLAIN_SHEET = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")


def damaged(why: str) -> Refused:
    return ole.damaged(why, "工作簿数据有误")


def too_old() -> Refused:
    message = "这是 Excel 95 或更早版本的 .xls 文件，工具无法读取；请另存为 .xlsx 后重新报送"
    return Refused([Problem("file-not-xlsx", message)])


def encrypted() -> Refused:
    return Refused(
        [Problem("file-not-xlsx", "这是加密的 Excel 文件（设了打开密码）；请去掉密码并另存为 .xlsx 后重新报送")]
    )


@dataclass
class Sheet:
    name: str
    offset: int  # of its BOF in the stream
    kind: int  # 0 worksheet, 1 macro sheet, 2 chart, 6 VBA module


@dataclass
class Globals:
    sheets: list[Sheet] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # workbook-level name -> reference, as in .xlsx
    structure_locked: bool = False
    external: bool = False  # a SUPBOOK naming another file (or DDE/OLE source)


def records(stream: bytes, pos: int, merge: frozenset[int] = frozenset()) -> Iterator[tuple[int, bytes]]:
    """(type, body) from `pos` to the end of the stream; the CONTINUE records after a record whose type
    is in `merge` are appended to its body. A record running past the stream is damage."""
    end = len(stream)
    while pos + 4 <= end:
        kind, length = struct.unpack_from("<HH", stream, pos)
        pos += 4
        if pos + length > end:
            raise damaged("记录超出数据流")
        parts = [stream[pos : pos + length]]
        pos += length
        while kind in merge and pos + 4 <= end and struct.unpack_from("<H", stream, pos)[0] == CONTINUE:
            (length,) = struct.unpack_from("<H", stream, pos + 2)
            if pos + 4 + length > end:
                raise damaged("记录超出数据流")
            parts.append(stream[pos + 4 : pos + 4 + length])
            pos += 4 + length
        yield kind, b"".join(parts)
    if pos != end and any(stream[pos:]):
        raise damaged("数据流末尾不完整")


def _text(body: bytes, pos: int, count: int) -> tuple[str, int]:
    """`count` characters from `pos`: a flags byte (bit 0: UTF-16LE, else one byte a character)."""
    if pos >= len(body):
        raise damaged("名称长度有误")
    wide = body[pos] & 1
    pos += 1
    size = count * (2 if wide else 1)
    if pos + size > len(body):
        raise damaged("名称长度有误")
    raw = body[pos : pos + size]
    return (raw.decode("utf-16-le", "replace") if wide else raw.decode("latin-1")), pos + size


def read_globals(stream: bytes) -> Globals:
    """The globals substream, from the stream's first BOF to its EOF."""
    if len(stream) < 8:
        raise damaged("工作簿数据流为空")
    kind, _ = struct.unpack_from("<HH", stream, 0)
    version, dt = struct.unpack_from("<HH", stream, 4)
    if kind in (0x0009, 0x0209, 0x0409) or (kind == BOF and version != 0x0600):
        raise too_old()
    if kind != BOF or dt != 0x0005:
        raise damaged("工作簿数据流开头无效")
    result = Globals()
    xtis: list[tuple[int, int, int]] = []
    books: list[str] = []  # per SUPBOOK: "self", "addin" or "external"
    pending: list[bytes] = []
    for kind, body in records(stream, 0, frozenset({NAME, EXTERNSHEET})):
        if kind == EOF:
            break
        if kind == FILEPASS:
            raise encrypted()
        if kind == BOUNDSHEET:
            result.sheets.append(_boundsheet(body))
            if len(result.sheets) > MAX_SHEETS:
                raise Refused([Problem("file-too-large", f"文件包含超过 {MAX_SHEETS} 个工作表，未读取")])
        elif kind == EXTERNSHEET:
            xtis = _externsheet(body)
        elif kind == SUPBOOK:
            books.append(_supbook(body))
        elif kind == NAME:
            pending.append(body)
            if len(pending) > MAX_NAMES:
                raise Refused([Problem("file-too-large", f"文件包含超过 {MAX_NAMES} 个名称，未读取")])
        elif kind == PROTECT and len(body) >= 2:
            result.structure_locked = struct.unpack_from("<H", body)[0] != 0
    result.external = "external" in books
    names = [s.name for s in result.sheets]
    for body in pending:
        parsed = _name(body, names, xtis, books)
        if parsed is not None:
            result.names[parsed[0]] = parsed[1]
    return result


def _boundsheet(body: bytes) -> Sheet:
    if len(body) < 8:
        raise damaged("工作表记录过短")
    offset, _, kind, count = struct.unpack_from("<IBBB", body)
    name, _ = _text(body, 7, count)
    return Sheet(name, offset, kind)


def _externsheet(body: bytes) -> list[tuple[int, int, int]]:
    if len(body) < 2:
        raise damaged("引用表记录过短")
    (count,) = struct.unpack_from("<H", body)
    if len(body) < 2 + 6 * count:
        raise damaged("引用表记录过短")
    return [struct.unpack_from("<HHH", body, 2 + 6 * k) for k in range(count)]


def _supbook(body: bytes) -> str:
    if len(body) < 4:
        raise damaged("外部引用记录过短")
    marker = struct.unpack_from("<H", body, 2)[0]
    return {0x0401: "self", 0x3A01: "addin"}.get(marker, "external")


def _name(body: bytes, sheets: list[str], xtis: list[tuple[int, int, int]], books: list[str]) -> tuple[str, str] | None:
    """A workbook-level NAME record's (name, reference); None for a sheet-level one (as .xlsx
    reading leaves out names with a localSheetId)."""
    if len(body) < 15:
        raise damaged("名称记录过短")
    flags, _, count, size, _, itab = struct.unpack_from("<HBBHHH", body)
    text, pos = _text(body, 14, count)
    if pos + size > len(body):
        raise damaged("名称的公式超出记录")
    if itab != 0:
        return None
    if flags & 0x20:  # built-in: one character, its code
        code = ord(text[0]) if text else -1
        text = "_xlnm." + (BUILTIN[code] if 0 <= code < len(BUILTIN) else f"Builtin{code}")
    return text, formula_ref(body[pos : pos + size], sheets, xtis, books)


def formula_ref(rgce: bytes, sheets: list[str], xtis: list[tuple[int, int, int]], books: list[str]) -> str:
    """A name's formula as the reference .xlsx spells it (`'数据填报'!$F$7`, `'S'!$D$4:$D$9`), when it
    is one ptgRef3d or ptgArea3d token into this workbook; UNREAD for anything else."""
    if len(rgce) == 7 and rgce[0] in (0x3A, 0x5A, 0x7A):
        ixti, row, col = struct.unpack_from("<HHH", rgce, 1)
        where = _cell(row, col)
    elif len(rgce) == 11 and rgce[0] in (0x3B, 0x5B, 0x7B):
        ixti, row1, row2, col1, col2 = struct.unpack_from("<HHHHH", rgce, 1)
        if row1 == 0 and row2 == 0xFFFF:  # whole columns
            where = f"{_col(col1)}:{_col(col2)}"
        elif col1 & 0x3FFF == 0 and col2 & 0x3FFF == 0xFF:  # whole rows
            where = f"{_row(row1, col1)}:{_row(row2, col2)}"
        else:
            where = f"{_cell(row1, col1)}:{_cell(row2, col2)}"
    else:
        return UNREAD
    sheet = _sheet(ixti, sheets, xtis, books)
    return UNREAD if sheet is None else f"{quote_sheet(sheet)}!{where}"


def _sheet(ixti: int, sheets: list[str], xtis: list[tuple[int, int, int]], books: list[str]) -> str | None:
    if ixti >= len(xtis):
        return None
    book, first, last = xtis[ixti]
    if (books and (book >= len(books) or books[book] != "self")) or first >= len(sheets) or last >= len(sheets):
        return None
    return sheets[first] if first == last else f"{sheets[first]}:{sheets[last]}"


def quote_sheet(name: str) -> str:
    """A sheet name as a reference writes it: quoted unless plain (quotes doubled inside)."""
    return name if _PLAIN_SHEET.fullmatch(name) else "'" + name.replace("'", "''") + "'"


def column_letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _col(col: int) -> str:
    return ("" if col & 0x4000 else "$") + column_letters(col & 0x3FFF)


def _row(row: int, col: int) -> str:
    return ("" if col & 0x8000 else "$") + str(row + 1)


def _cell(row: int, col: int) -> str:
    return _col(col) + _row(row, col)


@dataclass
class SheetScan:
    area: int = 0  # cells python-calamine allocates for the sheet
    errors: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, col) -> "#DIV/0!"


class _Box:
    def __init__(self) -> None:
        self.rows: list[int] = []
        self.cols: list[int] = []

    def add(self, row: int, col: int) -> None:
        if not self.rows:
            self.rows, self.cols = [row, row], [col, col]
        else:
            self.rows = [min(self.rows[0], row), max(self.rows[1], row)]
            self.cols = [min(self.cols[0], col), max(self.cols[1], col)]

    def area(self) -> int:
        return (self.rows[1] - self.rows[0] + 1) * (self.cols[1] - self.cols[0] + 1) if self.rows else 0


def scan_sheet(stream: bytes, offset: int) -> tuple[SheetScan, int]:
    """A sheet substream from its BOF to its EOF (embedded substreams skipped, as calamine does):
    the area calamine allocates for it (values, formulas, DIMENSIONS' claim) and its error cells;
    and the bytes walked, so overlapping sheets cannot make the walk quadratic."""
    if offset + 8 > len(stream) or struct.unpack_from("<H", stream, offset)[0] != BOF:
        raise damaged("工作表位置无效")
    scan, values, formulas = SheetScan(), _Box(), _Box()
    depth, walked, claimed, last_formula = -1, 0, 0, (0, 0)
    for kind, body in records(stream, offset):
        walked += 4 + len(body)
        if kind == BOF:
            depth += 1
        elif kind == EOF:
            if depth == 0:
                break
            depth -= 1
        if depth != 0 or kind in (BOF, EOF):
            continue
        if kind in _CELLS or kind == FORMULA or kind == MULRK:
            if len(body) < 6:
                raise damaged("单元格记录过短")
            row, col = struct.unpack_from("<HH", body)
        if kind in _CELLS:
            values.add(row, col)
            if kind == 0x0205 and len(body) >= 8 and body[7] == 1:
                scan.errors[(row, col)] = ERRORS.get(body[6], "#N/A")
        elif kind == MULRK:
            (last,) = struct.unpack_from("<H", body, len(body) - 2)
            if last < col or len(body) != 6 + 6 * (last - col + 1):
                raise damaged("单元格记录长度有误")
            values.add(row, col)
            values.add(row, last)
        elif kind == FORMULA:
            if len(body) < 20:
                raise damaged("公式记录过短")
            last_formula = (row, col)
            formulas.add(row, col)
            values.add(row, col)  # a cached value, or the STRING record after it
            if body[12:14] == b"\xff\xff" and body[6] == 2:
                scan.errors[(row, col)] = ERRORS.get(body[8], "#N/A")
        elif kind == STRING:
            values.add(*last_formula)
        elif kind == DIMENSIONS:
            claimed += _claimed(body)
    scan.area = values.area() + formulas.area() + claimed
    return scan, walked


def _claimed(body: bytes) -> int:
    """The cells a DIMENSIONS record makes calamine reserve."""
    if len(body) == 14:
        first, last, col1, col2 = struct.unpack_from("<IIHH", body)
    elif len(body) == 10:
        first, last, col1, col2 = struct.unpack_from("<HHHH", body)
    else:
        raise damaged("工作表尺寸记录长度有误")
    if col1 > 0xFF or col2 < col1:
        col1 = 0
    if last < 1 or col2 < 1:
        return 0
    if last < first:
        raise damaged("工作表尺寸记录无效")
    return (last - first + 1) * (col2 - col1 + 1)
