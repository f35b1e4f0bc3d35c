"""Input sets on disk: a blank template a person can fill (.json or .xlsx) and reading it back.

The .xlsx template is deliberately simple (one row per figure, the value in column H, list inputs
across H onwards); the per-unit workbooks with locking and identity are the generator's job.
Values are read as typed by the person; typing and validation happen in `udfs.evaluate`.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import xlsxwriter

from udfs.rubric import Rubric
from udfs.rubric.model import TYPE_LABELS

SHEET = "数据填报"
HEADERS = ["编号", "数据项", "类型", "单位", "允许范围", "提供单位", "说明", "填报值"]
VALUE_COL = HEADERS.index("填报值")


class InputFileError(Exception):
    """The file cannot be read at all (exit code 2); problems with single values are findings."""


def write_template(rubric: Rubric, out: Path) -> None:
    if out.suffix.lower() == ".json":
        _write_json(rubric, out)
    elif out.suffix.lower() == ".xlsx":
        _write_xlsx(rubric, out)
    else:
        raise InputFileError(f"模板文件须以 .json 或 .xlsx 结尾：{out.name}")


def _write_json(rubric: Rubric, out: Path) -> None:
    data = {
        "rubric": rubric.id,
        "rubric_version": rubric.version,
        "inputs": {spec.id: [] if spec.type == "list" else None for spec in rubric.inputs.values()},
        "说明": {
            spec.id: f"{spec.label}｜{TYPE_LABELS[spec.type]}｜{spec.unit}｜{spec.range_text()}｜{'、'.join(spec.providers)}"
            for spec in rubric.inputs.values()
        },
    }
    out.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _write_xlsx(rubric: Rubric, out: Path) -> None:
    wb = xlsxwriter.Workbook(str(out), {"strings_to_formulas": False, "strings_to_urls": False})
    wb.set_properties(
        {"title": f"{rubric.title} 数据填报模板", "comments": f"rubric={rubric.id};version={rubric.version}"}
    )
    font = {"font_name": "宋体", "font_size": 11, "valign": "top", "text_wrap": True}
    head = wb.add_format({**font, "bold": True, "bg_color": "#DDEBF7", "border": 1})
    text = wb.add_format({**font, "border": 1})
    value = wb.add_format({**font, "border": 1, "bg_color": "#FFF2CC", "locked": False})
    percent = wb.add_format({**font, "border": 1, "bg_color": "#FFF2CC", "num_format": "0.00%", "locked": False})
    ws = wb.add_worksheet(SHEET)
    ws.write_row(0, 0, HEADERS, head)
    widths = [26, 40, 10, 8, 16, 30, 40, 14]
    for col, width in enumerate(widths):
        ws.set_column(col, col, width)
    for row, spec in enumerate(rubric.inputs.values(), start=1):
        ws.write_row(
            row,
            0,
            [
                spec.id,
                spec.label,
                TYPE_LABELS[spec.type],
                spec.unit,
                spec.range_text(),
                "、".join(spec.providers),
                spec.note,
            ],
            text,
        )
        cells = spec.length if spec.type == "list" and spec.length else 1
        for k in range(cells):
            ws.write_blank(row, VALUE_COL + k, None, percent if spec.type == "ratio" else value)
        if spec.type == "bool":
            ws.data_validation(
                row,
                VALUE_COL,
                row,
                VALUE_COL,
                {"validate": "list", "source": ["是", "否"], "error_message": "请选择“是”或“否”"},
            )
    ws.freeze_panes(1, 2)
    ws.set_landscape()
    ws.set_paper(9)
    ws.repeat_rows(0)
    wb.close()


def read_inputs(path: Path) -> tuple[str | None, dict[str, object]]:
    """(rubric id named in the file or None, raw values by input id)."""
    if not path.exists():
        raise InputFileError(f"找不到输入文件：{path}")
    suffix = path.suffix.lower()
    if suffix == ".json":
        return _read_json(path)
    if suffix == ".xlsx":
        return _read_xlsx(path)
    raise InputFileError(f"输入文件须为 .json 或 .xlsx：{path.name}")


def _read_json(path: Path) -> tuple[str | None, dict[str, object]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputFileError(f"输入文件不是有效的 JSON：{path.name}（{exc}）") from None
    if not isinstance(data, dict):
        raise InputFileError(f"输入文件顶层应为键值表：{path.name}")
    inputs = data.get("inputs", data)
    if not isinstance(inputs, dict):
        raise InputFileError(f"输入文件的 inputs 应为键值表：{path.name}")
    rubric = data.get("rubric") if isinstance(data.get("rubric"), str) else None
    return rubric, {k: v for k, v in inputs.items() if k not in ("rubric", "rubric_version", "说明")}


def _read_xlsx(path: Path) -> tuple[str | None, dict[str, object]]:
    from openpyxl import load_workbook  # defusedxml is installed, so openpyxl parses safely

    if not zipfile.is_zipfile(path):
        raise InputFileError(f"不是有效的 .xlsx 文件：{path.name}")
    try:
        wb = load_workbook(path, read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # openpyxl raises many kinds for damaged files
        raise InputFileError(f"无法打开 .xlsx 文件：{path.name}（{type(exc).__name__}）") from None
    try:
        if SHEET not in wb.sheetnames:
            raise InputFileError(f"{path.name} 中没有“{SHEET}”工作表")
        rows = wb[SHEET].iter_rows(values_only=True)
        header = next(rows, ())
        if list(header[: len(HEADERS)]) != HEADERS:
            raise InputFileError(f"{path.name} 的“{SHEET}”表头与模板不一致")
        values: dict[str, object] = {}
        for row in rows:
            if not row or not row[0]:
                continue
            cells = list(row[VALUE_COL:])
            while cells and cells[-1] in (None, ""):
                cells.pop()
            values[str(row[0]).strip()] = cells if len(cells) > 1 else (cells[0] if cells else None)
        comments = wb.properties.description or ""
    finally:
        wb.close()
    rubric = None
    for part in comments.split(";"):
        if part.startswith("rubric="):
            rubric = part.removeprefix("rubric=")
    return rubric, values
