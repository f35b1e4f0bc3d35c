"""Reading a returned workbook's few parts that matter, in a guarded worker process, in the same
pass as its pre-scan.

Only what the consolidator needs is parsed, straight from the zip with expat, the standard
library's streaming parser, set to refuse any DTD or entity declaration: the workbook part (sheet
names, defined names), shared strings, and the identity, task and input sheets. Formulas are never
evaluated here: a formula cell yields its formula text and its cached value, if any. The parse runs
in a reading worker (intake.pool, intake.worker) under memory and time guards, so a file that slips
past the pre-scan can only fail itself, never the batch.

Why expat and one pass: every part is inflated once, each chunk checked (intake.prescan.part_chunks)
and then handed to the parser, so a file costs one inflation and one parse. The limits hold on
their own: parts are inflated only up to the caps, only cells with content are kept and their
number is capped, and the result handed back is capped in size, so what the consolidating process
receives stays small whatever the file.
"""

from __future__ import annotations

import posixpath
import xml.etree.ElementTree as ET  # noqa: N817 - only ever fed pre-scanned, DTD-free parts
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any
from xml.parsers import expat

from . import resaved
from .prescan import OLE_MAGIC, Problem, Refused, directory_problems, open_zip, part_chunks, peek

NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
C, V, F, T, R, IS, SI = (NS + tag for tag in ("c", "v", "f", "t", "r", "is", "si"))
WANTED_SHEETS = ("任务清单", "数据填报", "分对象填报", "xinyong_id")  # the last but one: a third party's rows per subject
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
    cells: dict[str, Mapping[str, Cell]] = field(default_factory=dict)  # sheet -> coordinate -> cell


class ReadFailure(Exception):
    """Why a file could not be read; `detail`: a traceback for the log (file-internal-error only);
    `problems`: every problem of a file the pre-scan refused (the first gives `code`)."""

    def __init__(self, code: str, message: str, detail: str = "", problems: tuple[Problem, ...] = ()) -> None:
        super().__init__(message)
        self.code = code
        self.detail = detail
        self.problems = problems

    @classmethod
    def refused(cls, problems: list[Problem]) -> ReadFailure:
        return cls(problems[0].code, "；".join(p.message for p in problems), problems=tuple(problems))


class InternalError(Exception):
    """In the child: the tool's own code failed on this file (not the file's fault as far as we know);
    carries the exception type and the traceback out of the child."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(kind)
        self.kind, self.detail = kind, detail


class TooLarge(Exception):
    """In the child: a part, the cells kept or the result exceed their cap."""


class _RootReached(Exception):
    pass


def _refuse_dtd(*_args: object) -> None:
    raise Refused([Problem("file-unsafe-xml", "文件含有不安全的 XML 声明（DTD/实体），未读取")])


def _root_reached(*_args: object) -> None:
    raise _RootReached


class _Prolog:
    """The parser's own refusal of a DTD, before the tree builder sees a byte past it: a DOCTYPE (and
    with it any entity declaration) can only stand before the root element, so an expat parser that
    refuses one and stops at the root element has seen every place a DTD could be."""

    def __init__(self) -> None:
        self.parser = expat.ParserCreate()
        self.parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        self.parser.StartDoctypeDeclHandler = _refuse_dtd
        self.parser.EntityDeclHandler = _refuse_dtd
        self.parser.StartElementHandler = _root_reached
        self.done = False

    def feed(self, chunk: bytes) -> None:
        if self.done:
            return
        try:
            self.parser.Parse(chunk, False)
        except _RootReached:
            self.done = True
        except expat.ExpatError:
            self.done = True  # not well-formed: the tree builder says so with the same parser's words


def _tree(archive, info, total: list[int]) -> ET.Element:  # noqa: ANN001
    """A part's element tree, each chunk pre-scanned, then checked for a DTD by the prolog parser,
    then built by ElementTree's C builder (no Python call per element: the bulk of a file's time)."""
    prolog, builder = _Prolog(), ET.XMLParser()
    for chunk in part_chunks(archive, info, total):
        prolog.feed(chunk)
        builder.feed(chunk)
    return builder.close()


def _rels(root: ET.Element) -> dict[str, str]:
    targets = {}
    for rel in root.iter(PKG_REL + "Relationship"):
        target = rel.get("Target", "")
        # relative to xl/ (Excel, XlsxWriter) or absolute from the package root (openpyxl)
        path = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
        targets[rel.get("Id", "")] = posixpath.normpath(path)
    return targets


def _book(root: ET.Element, rels: dict[str, str], result: Parsed) -> dict[str, str]:
    """Sheet names, global defined names and the structure lock into `result`; sheet name -> part."""
    paths = {}
    for el in root.iter():
        if el.tag == NS + "sheet":
            name = el.get("name", "")
            result.sheets.append(name)
            paths[name] = rels.get(el.get(REL_NS + "id", ""), "")
        elif el.tag == NS + "definedName" and el.get("localSheetId") is None:
            result.defined[el.get("name", "")] = (el.text or "").strip()
        elif el.tag == NS + "workbookProtection":
            result.structure_locked = el.get("lockStructure") in ("1", "true")
    return paths


def _runs(el: ET.Element) -> str:
    """A string item's text (<si>, <is>): its own <t> and its runs' <t>, phonetic runs (rPh) left out
    as Excel shows them."""
    parts = []
    for child in el:
        if child.tag == T:
            parts.append(child.text or "")
        elif child.tag == R:
            t = child.find(T)
            if t is not None:
                parts.append(t.text or "")
    return "".join(parts)


def _decode(el: ET.Element, shared: list[str]) -> Cell:
    kind = el.get("t", "n")
    v, f = el.find(V), el.find(F)
    raw = None if v is None else v.text
    formula = None if f is None else (f.text or "")
    if kind == "s" and raw is not None:
        index = int(raw)
        return Cell(shared[index] if 0 <= index < len(shared) else "", "s", formula)
    if kind == "inlineStr":
        inline = el.find(IS)
        return Cell("" if inline is None else _runs(inline), "s", formula)
    if kind == "str":
        return Cell(raw, "s" if raw is not None else "", formula)
    if kind == "b":
        return Cell(raw == "1", "b", formula) if raw is not None else Cell(None, "", formula)
    if kind == "e":
        return Cell(raw, "e", formula)
    if raw is not None:
        return Cell(float(raw), "n", formula)
    return Cell(None, "", formula)


def _has_content(el: ET.Element) -> bool:
    """What `_decode` would give a value or a formula, told without decoding."""
    if el.get("t") == "inlineStr" or el.find(F) is not None:
        return True
    v = el.find(V)
    return v is not None and v.text is not None


class SheetCells(Mapping[str, Cell]):
    """A sheet's cells with content (a value or a formula; a blank cell reads the same as an absent
    one), each decoded from its element when first looked up: most of a task sheet is task text the
    consolidator never reads. Pickles as a plain dict."""

    def __init__(self, root: ET.Element, shared: list[str], budget: list[int]) -> None:
        self._shared = shared
        self._elements: dict[str, ET.Element] = {}
        self._decoded: dict[str, Cell] = {}
        for el in root.iter(C):
            if not _has_content(el):
                continue
            ref = el.get("r", "")
            if ref not in self._elements:
                budget[0] -= 1
                if budget[0] < 0:
                    raise TooLarge(f"工作表中有内容的单元格超过 {MAX_CELLS} 个（不是下发的任务分解表或被改动过），未读取")
            self._elements[ref] = el

    def __getitem__(self, ref: str) -> Cell:
        cell = self._decoded.get(ref)
        if cell is None:
            cell = self._decoded[ref] = _decode(self._elements[ref], self._shared)
        return cell

    def __iter__(self) -> Iterator[str]:
        return iter(self._elements)

    def __len__(self) -> int:
        return len(self._elements)

    def __reduce__(self) -> tuple[type, tuple[dict[str, Cell]]]:
        return dict, (dict(self.items()),)


RELS, BOOK, STRINGS = "xl/_rels/workbook.xml.rels", "xl/workbook.xml", "xl/sharedStrings.xml"


def parse_workbook(
    source: str | bytes, sheets: tuple[str, ...] = WANTED_SHEETS, tolerate: frozenset[str] = frozenset()
) -> Parsed:
    """The pre-scan and the parse in one pass (runs in a reading worker). `source`: the file's path
    or its bytes. The directory is checked first (intake.prescan.directory_problems); then each part
    is inflated once, chunk by chunk, and every chunk passes the pre-scan's checks
    (intake.prescan.part_chunks) before a parser sees it. Parts nobody parses are inflated and
    checked all the same, after the parse: a damaged picture or style part is a damaged file, which
    the office should not keep as a unit's evidence. Refused with the pre-scan's problems (those in
    `tolerate` aside) when the file must not be read.

    What the file is, its content says, never its name: an OLE container (an .xls, or an encrypted
    .xlsx that is refused) and an OpenDocument spreadsheet are read by intake.resaved into the same
    Parsed; anything else that is a zip is read as an .xlsx."""
    head, suffix = peek(source)
    if head.startswith(OLE_MAGIC):
        return resaved.read_xls(source, suffix, sheets, MAX_CELLS)
    result = Parsed()
    with open_zip(source) as archive:
        infos = archive.infolist()
        kind = resaved.opendocument(archive, infos)
        if kind == resaved.SPREADSHEET:
            return resaved.read_ods(archive, suffix, sheets, tolerate, MAX_CELLS)
        if kind is not None and kind.startswith("application/vnd.oasis.opendocument"):
            message = f"这是 OpenDocument 文档（{kind[35:][:40]}），不是表格；请使用下发的任务分解表（.xlsx）填报"
            raise Refused([Problem("file-not-xlsx", message)])
        problems = [p for p in directory_problems(infos) if p.code not in tolerate]
        if problems:
            raise Refused(problems)
        by_name = {i.filename: i for i in infos}
        parsed = {RELS, BOOK, STRINGS}
        total = [0]
        rels = _rels(_tree(archive, by_name[RELS], total)) if RELS in by_name else {}
        paths = _book(_tree(archive, by_name[BOOK], total), rels, result)
        shared: list[str] = []
        if STRINGS in by_name:
            shared = [_runs(si) for si in _tree(archive, by_name[STRINGS], total).iter(SI)]
        budget = [MAX_CELLS]
        for sheet in sheets:
            part = paths.get(sheet)
            if part and part in by_name and sheet not in result.cells:
                result.cells[sheet] = SheetCells(_tree(archive, by_name[part], total), shared, budget)
                parsed.add(part)
        for info in infos:
            if info.filename not in parsed:
                for _ in part_chunks(archive, info, total):
                    pass
    return result


def read_isolated(
    path: Path,
    timeout: float = TIME_LIMIT,
    sheets: tuple[str, ...] = WANTED_SHEETS,
    tolerate: frozenset[str] = frozenset(),
) -> Parsed:
    """Pre-scan and parse in a guarded worker process (intake.pool); ReadFailure on anything but
    success (the pre-scan's problems joined in its message). `sheets`: the sheets whose cells are read
    (a unit workbook's by default; the master's for read-back)."""
    from .pool import ReaderPool

    with ReaderPool(workers=1, timeout=timeout) as pool:
        return pool.run(partial(parse_workbook, str(path), sheets, tolerate))
