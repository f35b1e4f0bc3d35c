"""Formats and the one safe way to put a value in a master cell.

Text from returned files (file names, notes, findings quoting what a unit typed) always goes in with
`write_string`: a note starting with '=' stays text and is never evaluated (docs/design.md).
"""

from __future__ import annotations

import re
from typing import Any

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

FONT = "宋体"
NUM_FORMATS = {"ratio": "0.00%", "count": "#,##0", "amount": "#,##0.00", "number": "#,##0.####", "score": "0.00"}


class Styles:
    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        base = {"font_name": FONT, "font_size": 10, "text_wrap": True, "valign": "top", "border": 1}
        self.base = base
        self.wb = wb
        self.title = wb.add_format({"font_name": FONT, "font_size": 16, "bold": True})
        self.title_small = wb.add_format({"font_name": FONT, "font_size": 12, "bold": True})
        self.hint = wb.add_format({"font_name": FONT, "font_size": 10, "italic": True, "font_color": "#595959"})
        self.note = wb.add_format({"font_name": FONT, "font_size": 10, "italic": True, "font_color": "#595959",
                                   "text_wrap": True, "valign": "top"})  # fmt: skip
        self.head = wb.add_format({**base, "bold": True, "bg_color": "#DDEBF7", "align": "center", "valign": "vcenter"})
        self.text = wb.add_format(base)
        self.bold = wb.add_format({**base, "bold": True})
        self.section = wb.add_format({**base, "bold": True, "bg_color": "#F2F2F2"})
        self.big = wb.add_format({**base, "bold": True, "font_size": 14, "num_format": "0.00"})
        self.bad = wb.add_format({**base, "bold": True, "font_color": "#C00000"})
        self.good = wb.add_format({**base, "bold": True, "font_color": "#00703C"})
        self._cache: dict[tuple[str, bool, bool], Any] = {}

    def num(self, kind: str = "score", edit: bool = False, bold: bool = False) -> Any:
        """A number format by input type; `edit`: the yellow, unlocked cells people may type into."""
        key = (kind, edit, bold)
        if key not in self._cache:
            props = {**self.base, "num_format": NUM_FORMATS.get(kind, "General")}
            if edit:
                props.update(locked=False, bg_color="#FFF2CC")
            if bold:
                props.update(bold=True, bg_color="#F2F2F2")
            self._cache[key] = self.wb.add_format(props)
        return self._cache[key]


def put(ws: Worksheet, row: int, col: int, value: object, fmt: Any = None) -> None:
    if value is None or (isinstance(value, str) and value == ""):
        ws.write_blank(row, col, None, fmt)
    elif isinstance(value, bool):
        ws.write_boolean(row, col, value, fmt)
    elif isinstance(value, int | float):
        ws.write_number(row, col, float(value), fmt)
    else:
        ws.write_string(row, col, str(value), fmt)


def header(ws: Worksheet, row: int, names: list[str], styles: Styles, widths: list[float] | None = None) -> None:
    for col, name in enumerate(names):
        ws.write_string(row, col, name, styles.head)
    for col, width in enumerate(widths or []):
        ws.set_column(col, col, width)


def shown(value: object, kind: str = "number", unit: str = "") -> str:
    """A value as office staff read it: 85.00%, 1,234 人, 是/否."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(shown(v, kind) for v in value)
    if isinstance(value, int | float):
        if kind == "ratio" or unit == "%":
            return f"{value * 100:.2f}%"
        text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.4f}".rstrip("0").rstrip(".")
        return f"{text}{' ' + unit if unit else ''}"
    return str(value)


def text_lines(text: str, width: float) -> int:
    """Lines a wrapped 10-point cell needs: a Chinese character is about 1.9 width units (10 points of a CJK
    font over Calibri's 7-pixel digit: measured in LibreOffice's PDF), others about one."""
    total = 0
    for line in str(text).split("\n"):
        units = sum(1.9 if ord(ch) > 0x2E80 else 1.05 for ch in line)
        total += max(1, -(-int(units) // max(1, int(width - 2))))  # a cell's padding and uneven breaks
    return total


LINE = 15.0  # points a wrapped line of 10-point text takes (a CJK font's line is taller than Calibri's 13.5)


def fit_row(ws: Worksheet, row: int, cells: dict[int, object], widths: list[float], line: float = LINE) -> None:
    """Set a row's height so every wrapped text cell in it shows in full (Excel does not on its own
    for files it did not lay out, and LibreOffice prints what the height allows)."""
    lines = max((text_lines(str(v), widths[c]) for c, v in cells.items() if isinstance(v, str) and v and c < len(widths)), default=1)
    if lines > 1:
        ws.set_row(row, line * lines + 2)


# XlsxWriter scans every formula with some thirty regular expressions for Excel 365 function names to
# prefix (_xlfn.); the master writes thousands of formulas that use none of them (Excel 2010's built-ins).
# One search over the same names decides whether the scan can change anything; if it can, or if
# XlsxWriter is asked to expand future functions, its own method runs (tests/test_master_sheet.py holds
# the two to the same text). A 100-subject master has about 9,000 formulas: this is most of its writing time.
_PREFIXED = re.compile(
    r"(?:ANCHORARRAY|BYCOL|BYROW|CHOOSECOLS|CHOOSEROWS|DROP|EXPAND|FILTER|HSTACK|LAMBDA|MAKEARRAY|MAP|"
    r"RANDARRAY|REDUCE|SCAN|INGLE|SEQUENCE|SORT|SORTBY|SWITCH|TAKE|TEXTSPLIT|TOCOL|TOROW|UNIQUE|VSTACK|"
    r"WRAPCOLS|WRAPROWS|XLOOKUP)\("
)


class MasterSheet(Worksheet):
    def _prepare_formula(self, formula: str, expand_future_functions: bool = False) -> str:
        if expand_future_functions or self.use_future_functions or "_xlfn." in formula or _PREFIXED.search(formula):
            return super()._prepare_formula(formula, expand_future_functions)
        if formula.startswith("{"):
            formula = formula[1:]
        if formula.startswith("="):
            formula = formula[1:]
        if formula.endswith("}"):
            formula = formula[:-1]
        return formula
