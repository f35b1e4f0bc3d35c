"""A self-check workbook for the add-in: every XY_ function called with the documents' worked examples.

An office opens it in Excel with the add-in loaded; each row must show TRUE, and the total cell says
whether all do. The expected values are stated by hand (tests/test_rules_worked_examples.py), not
computed, so the sheet checks the installed add-in against the documents. The cached values are the
adapters' own results, so the file shows the right values before Excel recalculates.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell

from udfs import excel
from udfs.engines.native import literal
from udfs.vocabulary.examples import CASES, Case, Cells, Raw

SHEET = "自检"
FIRST_ROW = 5  # 0-based row of the first check (Excel row 6)
DATA_COL = 8  # column I: the cells that range arguments refer to
HEADERS = ("序号", "函数", "依据（指标细则的计分规则）", "公式", "计算结果", "期望值", "是否一致")
NOTE = (
    "说明：每行以指标细则的已知数值调用一个 XY_ 函数，“是否一致”全部为 TRUE 说明本机加载项计算正确。"
    "输入错误的一行：Excel 中应显示“#输入错误: ……”文字；不带加载项的计算引擎以 #VALUE! 表示，同样视为一致。"
)


def _python(value: object) -> object:
    """The argument as the add-in receives it (xlwings' default: a row range is a flat list)."""
    if isinstance(value, Cells):
        return list(value.values) if len(value.values) > 1 else value.values[0]
    return value.value if isinstance(value, Raw) else value


def _check(case: Case, result: object, r: str, e: str) -> tuple[str, bool]:
    """The check formula for a row and the value it has when `result` is what the add-in returns."""
    if case.expected == "#N/A":
        return f"=ISNA({r})", result == "#N/A"
    if isinstance(case.expected, str):
        return f"=IF(ISERROR({r}),ERROR.TYPE({r})=3,{r}={e})", result == case.expected
    ok = isinstance(result, float | int) and not isinstance(result, bool) and abs(result - case.expected) < 1e-9
    return f"=IFERROR(ABS({r}-{e})<1E-9,FALSE)", ok


def write_self_check(path: Path) -> int:
    """Write the self-check workbook to `path` (the same bytes every time); returns the number of checks."""
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False})
    wb.set_properties({"title": "信用评估加载项自检", "created": datetime(2000, 1, 1)})
    try:
        ws = wb.add_worksheet(SHEET)
        bold = wb.add_format({"bold": True})
        head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        wrap = wb.add_format({"text_wrap": True, "valign": "top"})
        ws.set_column(0, 0, 6)
        ws.set_column(1, 1, 32)
        ws.set_column(2, 3, 40)
        ws.set_column(4, 6, 14)
        ws.write_string(0, 0, "信用评估加载项（XY_ 函数）自检表", bold)
        ws.merge_range(1, 0, 1, 6, NOTE, wrap)
        ws.set_row(1, 48)
        for col, text in enumerate(HEADERS):
            ws.write_string(FIRST_ROW - 1, col, text, head)
        ws.write_string(FIRST_ROW - 1, DATA_COL, "区域参数（公式引用的单元格）", head)
        results = [_write_case(ws, FIRST_ROW + i, i + 1, case) for i, case in enumerate(CASES)]
        checks = f"G{FIRST_ROW + 1}:G{FIRST_ROW + len(CASES)}"
        ws.write_string(2, 0, "全部通过", bold)
        ws.write_formula(2, 1, f"=COUNTIF({checks},TRUE)={len(CASES)}", bold, all(results))
        ws.write_string(3, 0, "通过项数", bold)
        ws.write_formula(3, 1, f"=COUNTIF({checks},TRUE)", bold, sum(results))
        ws.freeze_panes(FIRST_ROW, 0)
    finally:
        wb.close()
    return len(CASES)


def _write_case(ws: xlsxwriter.worksheet.Worksheet, row: int, number: int, case: Case) -> bool:
    col = DATA_COL
    texts = []
    for arg in case.args:
        if isinstance(arg, Cells):
            first = col
            for value in arg.values:
                if value is None:  # looks blank; xlwings hands "" and empty cells to Python alike, as None
                    ws.write_formula(row, col, '=""', None, "")
                else:
                    ws.write(row, col, value)
                col += 1
            start, end = xl_rowcol_to_cell(row, first), xl_rowcol_to_cell(row, col - 1)
            texts.append(start if start == end else f"{start}:{end}")
        else:
            texts.append(arg.text if isinstance(arg, Raw) else literal(arg))
    formula = f"={case.name}({','.join(texts)})"
    result = excel.shown(excel.ADAPTERS[case.name](*(_python(a) for a in case.args)))
    r, e = f"E{row + 1}", f"F{row + 1}"
    check, ok = _check(case, result, r, e)
    ws.write_number(row, 0, number)
    ws.write_string(row, 1, case.name)
    ws.write_string(row, 2, case.basis)
    ws.write_string(row, 3, formula)
    ws.write_formula(row, 4, formula, None, result)
    if isinstance(case.expected, str):
        ws.write_string(row, 5, case.expected)
    else:
        ws.write_number(row, 5, case.expected)
    ws.write_formula(row, 6, check, None, ok)
    return ok
