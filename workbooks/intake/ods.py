"""What python-calamine does not give of an OpenDocument spreadsheet (.ods, as WPS and LibreOffice
write it), read from its `content.xml` in one streaming pass: sheet names in order (hidden ones too),
the workbook-level named ranges (`table:named-range`, addresses like `$数据填报.$F$7`) spelled as
.xlsx spells them, the structure lock, links to other files, error cells (calamine reads them as
blanks), and the area calamine will hold for each sheet, told before it holds it.

The pass is expat's, fed chunk by chunk from intake.prescan.part_chunks (inflation caps, DOCTYPE and
ENTITY refused), with the parser itself refusing any DTD as intake.reader does. Element names are
matched as written (`table:table`), as calamine matches them, so both see the same sheets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from xml.parsers import expat

from . import ole
from .biff import UNREAD, column_letters, quote_sheet
from .prescan import Problem, Refused

MAX_NAMES = 10_000
MAX_REPEAT = 1_048_576  # rows (and, far more than enough, columns) one element may repeat
# one part of an address: optional $, a sheet name (quoted with '' inside, or plain), '.', a cell or a row or a column
_PART = re.compile(r"\$?(?:'((?:[^']|'')*)'|([^'.:]*))\.(\$?[A-Za-z]{0,3}\$?[0-9]{0,7})")
_CELL = re.compile(r"(\$?)([A-Za-z]{0,3})(\$?)([0-9]{0,7})")
EXTERNAL = {"table:dde-links", "table:table-source", "table:dde-source", "office:dde-source"}
CELLS = {"table:table-cell", "table:covered-table-cell"}


def ods_ref(address: str) -> str:
    """A cell-range address as .xlsx spells the reference: `$数据填报.$F$7` -> `数据填报!$F$7` (quoted
    where a reference must be), `$'a b'.$D$4:.$D$9` -> `'a b'!$D$4:$D$9`; UNREAD if it is not one."""
    first = _PART.match(address)
    if first is None:
        return UNREAD
    sheet, cells, pos = _sheet(first), [_cell(first.group(3))], first.end()
    if address[pos : pos + 1] == ":":
        second = _PART.match(address, pos + 1)
        if second is None or second.end() != len(address):
            return UNREAD
        other = _sheet(second) or sheet
        if other != sheet:
            sheet = f"{sheet}:{other}"
        cells.append(_cell(second.group(3)))
    elif pos != len(address):
        return UNREAD
    where = [c for c in cells if c is not None]
    if not sheet or len(where) != len(cells):
        return UNREAD
    return f"{quote_sheet(sheet)}!{':'.join(where)}"


def _sheet(m: re.Match[str]) -> str:
    return m.group(1).replace("''", "'") if m.group(1) is not None else m.group(2)


def _cell(text: str) -> str | None:
    m = _CELL.fullmatch(text)
    if m is None or not (m.group(2) or m.group(4)):
        return None
    return f"{m.group(1)}{m.group(2).upper()}{m.group(3)}{m.group(4)}"


def damaged(why: str) -> Refused:
    return ole.damaged(why, "表格内容有误")


def _count(value: str | None) -> int:
    if value is None:
        return 1
    if not value.isdigit() or not 1 <= int(value) <= MAX_REPEAT:
        raise damaged(f"重复次数“{value[:20]}”无效")
    return int(value)


@dataclass
class Content:
    sheets: list[str] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)
    structure_locked: bool = False
    external: bool = False
    area: int = 0  # over all sheets: what calamine allocates, counted from A1
    errors: dict[str, list[tuple[int, int, int, int, str]]] = field(default_factory=dict)  # rows, columns, text


class ContentScan:
    """`feed(chunk)` content.xml's chunks, then `close()`: the Content. `max_area`: the cap on the
    summed areas, checked as each cell is seen, so a repeat count cannot make anything large."""

    def __init__(self, max_area: int) -> None:
        self.result, self.max_area = Content(), max_area
        self.parser = expat.ParserCreate()
        self.parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        self.parser.StartDoctypeDeclHandler = self.parser.EntityDeclHandler = _refuse_dtd
        self.parser.StartElementHandler, self.parser.EndElementHandler = self._start, self._end
        self.parser.CharacterDataHandler = self._text
        self.depth, self.book_depth, self.names_depth = 0, -1, -1
        self.table: str | None = None
        self.row = self.rows = self.col = self.cols = 0
        self.maxrow = self.maxcol = -1  # of the current table's cells with content
        self.cell: dict[str, str] | None = None  # the open cell's attributes
        self.content, self.error = False, ""

    def feed(self, chunk: bytes) -> None:
        try:
            self.parser.Parse(chunk, False)
        except expat.ExpatError as exc:
            raise damaged(f"content.xml 不是完整的 XML（第 {exc.lineno} 行）") from None

    def close(self) -> Content:
        try:
            self.parser.Parse(b"", True)
        except expat.ExpatError as exc:
            raise damaged(f"content.xml 不是完整的 XML（第 {exc.lineno} 行）") from None
        return self.result

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        self.depth += 1
        result = self.result
        if name == "office:spreadsheet":
            self.book_depth = self.depth
            result.structure_locked = attrs.get("table:structure-protected") == "true"
        elif name in EXTERNAL:
            result.external = True
        elif name == "table:table":
            if self.table is not None:
                raise damaged("表格中嵌套了表格")
            self.table, self.row, self.maxrow, self.maxcol = attrs.get("table:name", ""), 0, -1, -1
            result.sheets.append(self.table)
        elif name == "table:table-row" and self.table is not None:
            self.rows, self.col = _count(attrs.get("table:number-rows-repeated")), 0
        elif name in CELLS and self.table is not None:
            self.cols = _count(attrs.get("table:number-columns-repeated"))
            self.cell, self.content, self.error = attrs, "office:value-type" in attrs, ""
        elif name == "text:p" and self.cell is not None:
            self.content = True
        elif name == "table:named-expressions" and self.depth == self.book_depth + 1:
            self.names_depth = self.depth
        elif name in ("table:named-range", "table:named-expression") and self.depth == self.names_depth + 1:
            if len(result.names) >= MAX_NAMES:
                raise Refused([Problem("file-too-large", f"文件包含超过 {MAX_NAMES} 个名称，未读取")])
            address = attrs.get("table:cell-range-address")
            result.names[attrs.get("table:name", "")] = UNREAD if address is None else ods_ref(address)

    def _text(self, data: str) -> None:
        if self.cell is not None and len(self.error) < 32:
            self.error += data[:32]

    def _end(self, name: str) -> None:
        if name in CELLS and self.cell is not None:
            self._cell_done()
        elif name == "table:table-row" and self.table is not None:
            self.row += self.rows
        elif name == "table:table" and self.table is not None:
            self.result.area += self._area()
            self.table = None
        elif name == "table:named-expressions" and self.depth == self.names_depth:
            self.names_depth = -1
        self.depth -= 1

    def _area(self) -> int:
        return (self.maxrow + 1) * (self.maxcol + 1) if self.maxrow >= 0 else 0

    def _cell_done(self) -> None:
        assert self.table is not None
        if self.content:
            last_row, last_col = self.row + self.rows - 1, self.col + self.cols - 1
            self.maxrow, self.maxcol = max(self.maxrow, last_row), max(self.maxcol, last_col)
            if self.result.area + self._area() > self.max_area:
                where = f"{column_letters(last_col)}{last_row + 1}"
                message = (
                    f"工作表“{self.table[:40]}”的数据区域过大（到 {where}），不是下发的任务分解表或被改动过，未读取"
                )
                raise Refused([Problem("file-too-large", message)])
            if self.cell is not None and self.cell.get("calcext:value-type") == "error":
                text = self.error.strip()[:16] or "#N/A"
                self.result.errors.setdefault(self.table, []).append((self.row, last_row, self.col, last_col, text))
        self.col += self.cols
        self.cell = None


def _refuse_dtd(*_args: object) -> None:
    raise Refused([Problem("file-unsafe-xml", "文件含有不安全的 XML 声明（DTD/实体），未读取")])


class ManifestScan:
    """META-INF/manifest.xml: does any entry carry `manifest:encryption-data` (a password)?"""

    def __init__(self) -> None:
        self.encrypted = False
        self.parser = expat.ParserCreate()
        self.parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        self.parser.StartDoctypeDeclHandler = self.parser.EntityDeclHandler = _refuse_dtd
        self.parser.StartElementHandler = self._start

    def _start(self, name: str, _attrs: dict[str, str]) -> None:
        if name == "manifest:encryption-data":
            self.encrypted = True

    def feed(self, chunk: bytes, final: bool = False) -> None:
        try:
            self.parser.Parse(chunk, final)
        except expat.ExpatError:
            raise damaged("META-INF/manifest.xml 不是完整的 XML") from None
