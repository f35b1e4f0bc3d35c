"""Returns that WPS or LibreOffice re-saved in another format: an .xls (BIFF8 in an OLE compound
file), an .ods (OpenDocument spreadsheet), or a WPS .et that is really one of these. They are told
by their content, never their name, and read into the same `Parsed` the .xlsx would give: sheet
names in order, workbook-level defined names with their references, the cells of the wanted sheets
(values only: no formula text), so extraction, identity and layout signature work unchanged.

python-calamine reads the cells; its Python binding gives no defined names, so those come from our
own readers (intake.ole and intake.biff for .xls, intake.ods for .ods), which also walk the file
first, under the same caps as an .xlsx, so calamine is never handed anything larger or stranger
than what they checked: for an .xls, a fresh compound file holding only the checked stream.

A re-saved file without a unit workbook's identity (the hidden sheet deleted, or a spreadsheet of
the unit's own) is refused with the format named and the way back: the distributed .xlsx.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import zipfile
from typing import TYPE_CHECKING, Any

from ..generate.identity import IDENTITY_SHEET
from . import biff
from .ods import ContentScan, ManifestScan
from .ole import STORAGE, STREAM, Compound, damaged, single_stream
from .prescan import MAX_PART_BYTES, Problem, Refused, directory_problems, part_chunks

if TYPE_CHECKING:
    from .reader import Cell, Parsed

SPREADSHEET = "application/vnd.oasis.opendocument.spreadsheet"
MAX_AREA = 2_000_000  # cells calamine may hold over all sheets, from A1; a unit workbook: a few thousand
EPOCH = dt.datetime(1899, 12, 30)  # Excel's day 0 (1900 date system)
ENCRYPTED_STREAMS = {"EncryptionInfo", "EncryptedPackage", "\x06DataSpaces"}
LABELS = {"xls": "Excel 97-2003 工作簿（.xls）", "ods": "OpenDocument 表格（.ods）"}


def label(kind: str, suffix: str) -> str:
    """What to call the file in a finding: its format, and a WPS .et's name too."""
    if suffix.lower() == ".et":
        return f"WPS 表格文件（.et，实为 .{kind} 格式）"
    return LABELS[kind]


def opendocument(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> str | None:
    """The `mimetype` member's text, when the zip has one (an OpenDocument file); its first bytes only."""
    info = next((i for i in infos if i.filename == "mimetype"), None)
    if info is None or info.file_size > 200:
        return None
    try:
        with archive.open(info) as fh:
            return fh.read(200).decode("ascii", "replace").strip()
    except Exception:  # noqa: BLE001 - an unreadable mimetype: not told by it (the zip checks say what is wrong)
        return None


# ---------------------------------------------------------------- .xls


def read_xls(source: str | bytes, suffix: str, sheets: tuple[str, ...], max_cells: int) -> Parsed:
    """An OLE container: an encrypted .xlsx or .xls is refused as such, an .xls read."""
    from .reader import Parsed

    size = len(source) if isinstance(source, bytes) else os.path.getsize(source)
    if size > MAX_PART_BYTES:
        message = f"文件有 {size // 1048576} MB，超过 {MAX_PART_BYTES // 1048576} MB 上限，未读取"
        raise Refused([Problem("file-too-large", message)])
    if not isinstance(source, bytes):
        with open(source, "rb") as fh:
            source = fh.read(MAX_PART_BYTES + 1)
    compound = Compound(source)
    top = compound.top_level()
    if ENCRYPTED_STREAMS & top.keys():
        raise biff.encrypted()
    workbook = top.get("Workbook")
    if workbook is None or workbook.kind != STREAM:
        if "Book" in top:
            raise biff.too_old()
        message = "这是 Office 复合文档，但其中没有 Excel 工作簿（可能是 Word 等其他文件）；请使用下发的任务分解表（.xlsx）填报"
        raise Refused([Problem("file-not-xlsx", message)])
    if any(name in top for name in ("_VBA_PROJECT_CUR", "VBA", "Macros")):
        raise Refused([Problem("file-macro", "文件包含宏（VBA），出于安全考虑未读取")])
    if any(name.startswith("MBD") and entry.kind == STORAGE for name, entry in top.items()):
        raise Refused([Problem("file-active-content", "文件包含嵌入对象，出于安全考虑未读取")])
    stream = compound.read(workbook)
    found = biff.read_globals(stream)
    if any(sheet.kind in (1, 6) for sheet in found.sheets):
        raise Refused([Problem("file-macro", "文件包含宏表（Excel 4.0 宏或 VBA 模块），出于安全考虑未读取")])
    if found.external:
        raise Refused(
            [Problem("file-external-link", "文件包含外部链接（指向其他文件，可能是 DDE），出于安全考虑未读取")]
        )
    errors: dict[str, list[tuple[int, int, int, int, str]]] = {}
    area = walked = 0
    for sheet in found.sheets:
        scan, length = biff.scan_sheet(stream, sheet.offset)
        area, walked = area + scan.area, walked + length
        if walked > len(stream):
            raise biff.damaged("工作表数据相互重叠")
        _check_area(area, sheet.name)
        errors[sheet.name] = [(r, r, c, c, text) for (r, c), text in scan.errors.items()]
    result = Parsed([s.name for s in found.sheets], found.names, found.structure_locked)
    result.cells = _cells(single_stream("Workbook", stream), result.sheets, sheets, errors, max_cells)
    _identified(result, sheets, label("xls", suffix))
    return result


def _check_area(area: int, sheet: str) -> None:
    if area > MAX_AREA:
        message = f"工作表“{sheet[:40]}”等的数据区域过大（共 {area} 个单元格），不是下发的任务分解表或被改动过，未读取"
        raise Refused([Problem("file-too-large", message)])


# ---------------------------------------------------------------- .ods


def read_ods(
    archive: zipfile.ZipFile, suffix: str, sheets: tuple[str, ...], tolerate: frozenset[str], max_cells: int
) -> Parsed:
    """An OpenDocument spreadsheet: the zip checked as an .xlsx is, every part inflated under the
    caps, content.xml scanned; then the cells read by calamine from a fresh zip holding only the
    content.xml scanned (so what it reads is what was checked, inflated once)."""
    from .reader import Parsed

    infos = archive.infolist()
    problems = [p for p in directory_problems(infos, "ods") if p.code not in tolerate]
    if problems:
        raise Refused(problems)
    by_name = {i.filename: i for i in infos}
    total = [0]
    if "META-INF/manifest.xml" not in by_name:
        raise damaged("缺少 META-INF/manifest.xml", "表格内容有误")
    manifest = ManifestScan()
    for chunk in part_chunks(archive, by_name["META-INF/manifest.xml"], total):
        manifest.feed(chunk)
    manifest.feed(b"", True)
    if manifest.encrypted:
        message = "这是加密的 OpenDocument 表格（设了打开密码）；请去掉密码并另存为 .xlsx 后重新报送"
        raise Refused([Problem("file-not-xlsx", message)])
    scan, kept = ContentScan(MAX_AREA), []
    for chunk in part_chunks(archive, by_name["content.xml"], total):
        scan.feed(chunk)
        kept.append(chunk)
    content = scan.close()
    for info in infos:  # every other part checked all the same, as for an .xlsx
        if info.filename not in ("content.xml", "META-INF/manifest.xml"):
            for _ in part_chunks(archive, info, total):
                pass
    if content.external:
        raise Refused(
            [Problem("file-external-link", "文件包含外部链接（DDE 或链接到其他文件的工作表），出于安全考虑未读取")]
        )
    result = Parsed(content.sheets, content.names, content.structure_locked)
    result.cells = _cells(_fresh_ods(b"".join(kept)), result.sheets, sheets, content.errors, max_cells)
    _identified(result, sheets, label("ods", suffix))
    return result


def _fresh_ods(content: bytes) -> bytes:
    """An OpenDocument spreadsheet holding only `content` (stored), as calamine wants one."""
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{SPREADSHEET}"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as fresh:
        fresh.writestr("mimetype", SPREADSHEET)
        fresh.writestr("META-INF/manifest.xml", manifest)
        fresh.writestr("content.xml", content)
    return out.getvalue()


# ---------------------------------------------------------------- cells, by python-calamine


def _cells(
    data: bytes,
    names: list[str],
    wanted: tuple[str, ...],
    errors: dict[str, list[tuple[int, int, int, int, str]]],
    max_cells: int,
) -> dict[str, dict[str, Cell]]:
    """The wanted sheets' cells with content, as intake.reader.Cell, error cells (blanks to calamine)
    put back from our own scan; at most `max_cells` of them."""
    from python_calamine import CalamineWorkbook

    from .reader import TooLarge

    budget = [max_cells]
    out: dict[str, dict[str, Cell]] = {}
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        present = set(book.sheet_names)
        for name in wanted:
            if name in names and name in present and name not in out:
                out[name] = _sheet_cells(book.get_sheet_by_name(name), errors.get(name, []), budget)
    except (Refused, TooLarge, MemoryError):
        raise
    except Exception as exc:  # noqa: BLE001 - whatever calamine makes of a file our checks passed: damaged
        raise damaged(f"单元格数据无法解析（{type(exc).__name__}）", "表格内容有误") from None
    except BaseException as exc:  # a Rust panic reaches Python as PanicException, a BaseException
        if type(exc).__name__ != "PanicException":
            raise
        raise damaged("单元格数据无法解析", "表格内容有误") from None
    return out


def _sheet_cells(sheet: Any, errors: list[tuple[int, int, int, int, str]], budget: list[int]) -> dict[str, Cell]:  # noqa: ANN401 - a CalamineSheet
    from .reader import MAX_CELLS, Cell, TooLarge

    cells: dict[str, Cell] = {}

    def put(row: int, col: int, cell: Cell) -> None:
        coord = f"{biff.column_letters(col)}{row + 1}"
        if coord not in cells:
            budget[0] -= 1
            if budget[0] < 0:
                raise TooLarge(f"工作表中有内容的单元格超过 {MAX_CELLS} 个（不是下发的任务分解表或被改动过），未读取")
        cells[coord] = cell

    start = sheet.start
    if start is not None:
        for i, row in enumerate(sheet.to_python(skip_empty_area=True)):
            for j, value in enumerate(row):
                if value != "" and value is not None:
                    put(start[0] + i, start[1] + j, cell_of(value))
    for row1, row2, col1, col2, text in errors:
        for row in range(row1, row2 + 1):
            for col in range(col1, col2 + 1):
                put(row, col, Cell(text, "e"))
    return cells


def cell_of(value: object) -> Cell:
    """A calamine value as the .xlsx reading gives it: numbers as float, dates and times as Excel
    serial numbers (what the cell holds; the template's inputs are never dates), text, booleans."""
    from .reader import Cell

    if isinstance(value, bool):
        return Cell(value, "b")
    if isinstance(value, int | float):
        return Cell(float(value), "n")
    if isinstance(value, dt.datetime):
        return Cell((value - EPOCH).total_seconds() / 86400, "n")
    if isinstance(value, dt.date):
        return Cell(float((value - EPOCH.date()).days), "n")
    if isinstance(value, dt.time):
        return Cell((value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6) / 86400, "n")
    if isinstance(value, dt.timedelta):
        return Cell(value.total_seconds() / 86400, "n")
    return Cell(str(value), "s")


def _identified(parsed: Parsed, sheets: tuple[str, ...], what: str) -> None:
    """Refused, naming the format, when a re-saved file carries no unit workbook identity."""
    from .extract import identity_of

    if IDENTITY_SHEET not in sheets:
        return
    try:
        identity = identity_of(parsed)
    except (TypeError, ValueError):  # keys there but not all of them: an identity as good as none
        identity = None
    if identity is None:
        message = (
            f"这是 {what}，其中没有下发表的识别标识（不是下发的任务分解表，或另存时丢失了隐藏的识别信息），未读取；"
            "请使用下发的任务分解表（.xlsx）填报，在 WPS 或 LibreOffice 中“另存为”Excel 工作簿（.xlsx）后重新报送"
        )
        raise Refused([Problem("file-not-xlsx", message)])
