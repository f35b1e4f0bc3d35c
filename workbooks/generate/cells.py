"""The cells of a unit workbook that people fill: formats, row heights, print setup, and the data
validation that makes each input cell refuse what its type and range refuse, with a Chinese message.
Shared by the input sheet and a third party's rows per subject."""

from __future__ import annotations

from functools import lru_cache

import xlsxwriter

from udfs.rubric import InputSpec

FONT = "宋体"
YES_NO = ["是", "否"]
LINE_HEIGHT = 15.0  # points per line of 10-point 宋体 in Excel (13.5), with room for the CJK fonts LibreOffice and WPS substitute (about 14.5)
MAX_ROW_HEIGHT = 409.0  # Excel's limit


def _text_width(text: str) -> float:
    """Width in Excel column units: a CJK character takes about two, a Latin one about one."""
    return sum(2.0 if ord(ch) > 0x2E80 else 1.1 for ch in text)


@lru_cache(maxsize=8192)
def _lines(text: str, usable: int) -> int:
    """Wrapped lines of one cell's text. Cached: the same task and input texts recur in many units'
    workbooks, and measuring each character again for every unit was `generate`'s largest own cost."""
    return sum(max(1, -(-int(_text_width(part)) // usable)) for part in text.split("\n"))


def row_height(values: list[str], widths: list[float]) -> float:
    """Rows of wrapped text must be tall enough to show it: nothing sizes them on opening."""
    lines = 1
    for value, width in zip(values, widths, strict=False):
        lines = max(lines, _lines(str(value), int(max(width - 1.0, 1.0))))
    return min(MAX_ROW_HEIGHT, lines * LINE_HEIGHT + 4)


class Formats:
    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        base = {"font_name": FONT, "font_size": 10, "text_wrap": True, "valign": "top", "border": 1}
        self.title = wb.add_format({"font_name": FONT, "font_size": 16, "bold": True})
        self.head = wb.add_format({**base, "bold": True, "bg_color": "#DDEBF7", "align": "center", "valign": "vcenter"})
        self.text = wb.add_format(base)
        self.label = wb.add_format({**base, "bold": True, "bg_color": "#F2F2F2"})
        self.plain = wb.add_format({"font_name": FONT, "font_size": 11, "text_wrap": True, "valign": "top"})
        edit = {**base, "locked": False, "bg_color": "#FFF2CC"}
        self.edit = wb.add_format(edit)
        self.value = {
            "ratio": wb.add_format({**edit, "num_format": "0.00%"}),
            "count": wb.add_format({**edit, "num_format": "#,##0"}),
            "amount": wb.add_format({**edit, "num_format": "#,##0.00"}),
        }


def validation(spec: InputSpec, range_text: str) -> dict[str, object]:
    """Excel data validation with a Chinese input message and error message for one input;
    `range_text`: `spec.range_text()`, formatted once per input by the caller."""
    shown = range_text or "不限"
    prompt = f"{spec.label}"[:200]
    options: dict[str, object] = {
        "input_title": "请填写"[:32],
        "input_message": f"{prompt}\n单位：{spec.unit or '—'}；范围：{shown}{_usual(spec)}"[:255],
        "error_title": "填写有误"[:32],
        "error_type": "stop",
    }
    if spec.type == "bool":
        return {**options, "validate": "list", "source": YES_NO, "error_message": "请从下拉列表中选择“是”或“否”。"}
    lo = spec.min if spec.min is not None else (0.0 if spec.type != "number" else -1e15)
    kind = "integer" if spec.type == "count" else "decimal"
    if spec.type == "ratio":
        message = f"请填写{range_text or '0%–100%'}之间的百分比，例如 85% 或 0.85，不要写“约”“左右”等文字。"
    elif spec.type == "count":
        message = f"请填写整数（{shown}），不要带单位或文字。"
    else:
        message = f"请填写数值（{shown}），不要带单位或文字。"
    if spec.max is not None:
        return {
            **options,
            "validate": kind,
            "criteria": "between",
            "minimum": lo,
            "maximum": spec.max,
            "error_message": message[:255],
        }
    return {**options, "validate": kind, "criteria": ">=", "value": lo, "error_message": message[:255]}


def _usual(spec: InputSpec) -> str:
    """The plausible range, where the rubric gives one: a figure outside it is taken but queried."""
    usual = spec.plausible_text()
    return f"\n通常：{usual}（超出时请核实，如是否按万、亿填写）" if usual else ""


def print_setup(ws, last_row: int, last_col: int) -> None:  # noqa: ANN001
    ws.set_paper(9)
    ws.set_landscape()
    ws.repeat_rows(0, 1)
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.set_footer("&C第 &P 页，共 &N 页")
    ws.print_area(0, 0, max(last_row, 1), last_col)




def row_height_cache_clear() -> None:
    """Forget measured texts (benchmarks time a cold run)."""
    _lines.cache_clear()
