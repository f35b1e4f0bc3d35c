"""A third party's sheet in a many-subject assessment: the figures it reports for every subject (the
credit office's count of each county's 双公示 records, the 人民银行 branch's figure for each...), a
row per subject and a column per input.

Each cell is validated as the input's own cell is, and named `<input id>__s<k>`; the identity
states which subject row key k is, inside the signed layout, so a row can only land on the subject
it was written for: renaming a row's subject in the sheet changes nothing, and forging the list
breaks the signature.
"""

from __future__ import annotations

import json

import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from udfs.rubric import InputSpec

from .cells import Formats, print_setup, row_height, validation
from .identity import SUBJECT_MARK, Layout, norm_ref

SUBJECT_INPUTS = "分对象填报"
FIXED = ["序号", "考核对象"]
FIXED_WIDTH = [5, 26]
VALUE_WIDTH = 16
FIRST = 2  # row 0: title, row 1: one header per input


def cell_name(input_id: str, key: str) -> str:
    return f"{input_id}{SUBJECT_MARK}{key}"


def split_name(name: str) -> tuple[str, str] | None:
    """(input id, subject row key) of a subject cell's name; None for any other name."""
    input_id, mark, key = name.rpartition(SUBJECT_MARK)
    return (input_id, key) if mark and input_id and key.isdigit() else None


def write_subject_rows(
    wb: xlsxwriter.Workbook,
    ws: Worksheet,
    label: str,
    specs: list[InputSpec],
    subjects: list[tuple[str, str]],
    fmt: Formats,
    password: str,
    layout: Layout,
) -> str:
    """The sheet for `specs` × `subjects` ((full name, label) each); fills layout.inputs and
    layout.subjects and returns the JSON the identity carries for them."""
    ws.write_string(
        0, 0, f"{label}：分对象填报（{len(subjects)} 个考核对象 × {len(specs)} 个数据项，每个对象一行，只填黄色单元格）", fmt.title
    )
    heads = [f"{spec.label}（{spec.unit}）" if spec.unit else spec.label for spec in specs]
    ws.write_row(1, 0, FIXED + heads, fmt.head)
    widths = FIXED_WIDTH + [VALUE_WIDTH] * len(specs)
    for col, width in enumerate(widths):
        ws.set_column(col, col, width)
    ws.set_row(1, row_height(FIXED + heads, widths))
    for k, (_, shown) in enumerate(subjects):
        row = FIRST + k
        ws.write_string(row, 0, str(k + 1), fmt.text)
        ws.write_string(row, 1, shown, fmt.text)
    last = FIRST + max(len(subjects), 1) - 1
    for j, spec in enumerate(specs):
        col = len(FIXED) + j
        value_fmt = fmt.value.get(spec.type, fmt.edit)
        for k in range(len(subjects)):
            ws.write_blank(FIRST + k, col, None, value_fmt)
            ref = f"'{SUBJECT_INPUTS}'!{xl_rowcol_to_cell(FIRST + k, col, row_abs=True, col_abs=True)}"
            name = cell_name(spec.id, str(k + 1))
            wb.define_name(name, "=" + ref)
            layout.inputs[name] = norm_ref(ref)
        if subjects:
            ws.data_validation(FIRST, col, last, col, validation(spec, spec.range_text()))
    layout.subjects = {str(k + 1): full for k, (full, _) in enumerate(subjects)}
    row = last + 2
    ws.write_string(row, 0, "数据项说明", fmt.label)
    ws.write_string(row, 1, "", fmt.label)
    right = max(len(FIXED) + len(specs) - 1, 1)
    for j, spec in enumerate(specs):
        r = row + 1 + j
        text = f"{spec.id}：{spec.label}；范围 {spec.range_text() or '不限'}。{spec.note}".strip()
        ws.write_string(r, 0, str(j + 1), fmt.text)
        if right > 1:
            ws.merge_range(r, 1, r, right, text, fmt.text)
        else:
            ws.write_string(r, 1, text, fmt.text)
        ws.set_row(r, row_height([text], [sum(widths[1 : right + 1])]))
    ws.freeze_panes(FIRST, len(FIXED))
    ws.protect(password, {"format_columns": True, "format_rows": True})
    print_setup(ws, row + len(specs), len(FIXED) + len(specs) - 1)
    return json.dumps(layout.subjects, ensure_ascii=False, sort_keys=True)
