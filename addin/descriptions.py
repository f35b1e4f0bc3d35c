"""The function wizard's Chinese descriptions as data: a very hidden sheet of the add-in workbook.

The VBA project's codepage (1252) cannot hold Chinese, and building the text in VBA from runs of
ChrW() codes looks like string obfuscation to scanners (olevba flags it). So the descriptions live
in worksheet cells, where Unicode is native, and `vba/XinyongDescribe.bas` reads them at open and
makes the Application.MacroOptions calls xlwings' "Import Functions" would make.
"""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

from openpyxl.utils import get_column_letter

from .wrappers import UDF_MODULE, macro_options

SHEET_NAME = "xinyong.functions"  # ASCII: the VBA that reads it must name it
CODE_NAME = "Sheet3"  # the template's only sheet is Sheet2
HEADER = ("函数", "类别", "说明", "参数个数", "参数说明（每列一个参数）")
DESCRIBE_SUB = "XinyongDescribe"
VBA_FILE = Path(__file__).parent / "vba" / f"{DESCRIBE_SUB}.bas"

Row = list[str | int]


def description_rows(module_name: str = UDF_MODULE) -> list[Row]:
    """One row per UDF in name order: name, category, description, argument count, argument descriptions."""
    return [
        [o["name"], o["Category"], o["Description"], len(o["Args"]), *o["Args"]] for o in macro_options(module_name)
    ]


def _cell(ref: str, value: str | int) -> str:
    if isinstance(value, int):
        return f'<c r="{ref}"><v>{value}</v></c>'
    space = ' xml:space="preserve"' if value != value.strip() else ""
    return f'<c r="{ref}" t="inlineStr"><is><t{space}>{escape(value)}</t></is></c>'


def sheet_xml(rows: list[Row]) -> bytes:
    """The worksheet part: the header, then `rows` from row 2 (inline strings, no shared-string table)."""
    table: list[Row] = [list(HEADER), *rows]
    width = max(len(r) for r in table)
    body = "".join(
        f'<row r="{r}">' + "".join(_cell(f"{get_column_letter(c)}{r}", v) for c, v in enumerate(row, 1)) + "</row>"
        for r, row in enumerate(table, 1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f'<sheetPr codeName="{CODE_NAME}"/><dimension ref="A1:{get_column_letter(width)}{len(table)}"/>'
        '<sheetViews><sheetView workbookViewId="0"/></sheetViews><sheetFormatPr defaultRowHeight="15"/>'
        f"<sheetData>{body}</sheetData></worksheet>"
    ).encode()


def describe_vba() -> str:
    """The VBA Sub that reads the sheet (ASCII, names the sheet it reads)."""
    text = VBA_FILE.read_text(encoding="ascii")
    if f'Worksheets("{SHEET_NAME}")' not in text or f"Sub {DESCRIBE_SUB}()" not in text:
        raise ValueError(f"{VBA_FILE.name} 没有读取工作表 {SHEET_NAME}")
    return text
