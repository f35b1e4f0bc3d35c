"""Rubric authoring in Excel: a rubric as a readable 指标体系 workbook, and back.

One sheet per kind of record (部分, 分组, 指标, 数据项, 参数, 硬指标, 硬指标条件, 约束, plus 说明 for
the rubric's own fields), one row per record, one column per field, headers in Chinese. Lists are
written one entry per line (or 、-separated for short names), formulas as text. Import reads the
sheets back into the structure of a rubric file and through the ordinary loader, so a workbook
is checked exactly like a YAML file; export then import gives the same rubric.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ..findings import Findings
from .loader import from_data
from .model import LEVER_LABELS, Rubric
from .serialize import rubric_dict

LIST_SEP = "、"
LINES = "\n"

# sheet -> [(header, key, how)]; how: text | number | bool | names (、-list) | lines (one per line) | stated
# | lever (自动/增加/减少/不可调整)
SHEETS: dict[str, list[tuple[str, str, str]]] = {
    "部分": [
        ("编号", "id", "text"), ("序号", "number", "text"), ("名称", "title", "text"), ("分值", "max", "number"),
        ("附加分", "bonus", "bool"), ("权重", "weight", "text"), ("另处所写分值", "stated", "stated"),
        ("采用的读法", "reading", "text"), ("评估内容", "content", "text"), ("要点", "summary", "text"),
        ("责任单位", "units", "text"), ("说明", "note", "text"),
    ],
    "分组": [
        ("所属部分", "section", "text"), ("编号", "id", "text"), ("名称", "title", "text"), ("分值", "max", "number"),
        ("权重", "weight", "text"), ("另处所写分值", "stated", "stated"), ("采用的读法", "reading", "text"),
        ("评估内容", "content", "text"), ("要点", "summary", "text"),
    ],
    "指标": [
        ("所属部分", "section", "text"), ("所属分组", "group", "text"), ("编号", "id", "text"), ("序号", "number", "text"),
        ("指标名称", "indicator", "text"), ("标题", "title", "text"), ("分值", "max", "number"),
        ("计分公式", "formula", "text"), ("评分标准", "standard", "text"), ("评分细则", "details", "text"),
        ("任务分解", "tasks", "text"), ("牵头单位", "lead_units", "text"), ("责任单位", "units", "text"),
        ("佐证材料", "evidence", "text"), ("工作方法", "method", "text"), ("资料盒编号", "evidence_box", "text"),
        ("工作进度要求", "deadline", "text"), ("报送频次", "cadence", "text"), ("量化目标", "targets", "lines"),
        ("口径说明", "decision", "text"), ("采用的读法", "reading", "text"),
    ],
    "数据项": [
        ("编号", "id", "text"), ("名称", "label", "text"), ("类型", "type", "text"), ("单位", "unit", "text"),
        ("下限", "min", "number"), ("上限", "max", "number"), ("期数", "length", "number"),
        ("调整方向", "lever", "lever"), ("提供单位", "providers", "names"), ("说明", "note", "text"),
        ("合理下限", "plausible_min", "number"), ("合理上限", "plausible_max", "number"),
        ("合理范围依据", "plausible_note", "text"),
    ],
    "参数": [
        ("编号", "id", "text"), ("名称", "label", "text"), ("取值", "value", "value"), ("可选值", "choices", "values"),
        ("口径说明", "decision", "text"),
    ],
    "硬指标": [
        ("编号", "id", "text"), ("类别", "kind", "text"), ("序号", "number", "text"), ("名称", "title", "text"),
        ("相关指标", "items", "names"), ("口径说明", "decision", "text"),
    ],
    "硬指标条件": [
        ("所属硬指标", "check", "text"), ("条件", "label", "text"), ("计算公式", "value", "text"), ("比较", "op", "text"),
        ("阈值", "threshold", "number"), ("单位", "unit", "text"),
    ],
    "约束": [("编号", "id", "text"), ("规则", "rule", "text"), ("提示", "message", "text")],
}  # fmt: skip
FORMULA_KEYS = ("formula", "value", "rule")
# added later: workbooks exported before them still import
OPTIONAL_COLUMNS = {
    ("数据项", "lever"),
    ("数据项", "plausible_min"),
    ("数据项", "plausible_max"),
    ("数据项", "plausible_note"),
}
LEVER_WORDS = {label: key for key, label in LEVER_LABELS.items()}
ABOUT_SHEET = "说明"
ABOUT_FIELDS = [
    ("编号", "id", "text"), ("名称", "title", "text"), ("版本", "version", "text"), ("类型", "kind", "text"),
    ("单位名录", "registry", "text"), ("年度", "year", "number"), ("考核对象", "assessed", "text"),
    ("发文单位", "issuer", "text"), ("发文日期", "issued", "text"), ("主送", "addressees", "text"),
    ("依据文件", "sources", "lines"), ("总分（不含附加分）", "max_total", "number"),
]  # fmt: skip


def _flatten(rubric: Rubric) -> dict[str, list[dict[str, Any]]]:
    data = rubric_dict(rubric)
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in SHEETS}
    for section in data["sections"]:
        rows["部分"].append(section)
        for group in section.get("groups", []):
            rows["分组"].append({**group, "section": section["id"]})
            rows["指标"] += [{**i, "section": section["id"], "group": group["id"]} for i in group["items"]]
        rows["指标"] += [{**i, "section": section["id"]} for i in section.get("items", [])]
    rows["数据项"] = [{**i, "lever": i.get("lever", "auto")} for i in data.get("inputs", [])]  # 自动 shown
    rows["参数"] = data.get("parameters", [])
    for check in data.get("checks", []):
        rows["硬指标"].append(check)
        rows["硬指标条件"] += [{**c, "check": check["id"]} for c in check["conditions"]]
    rows["约束"] = data.get("constraints", [])
    return rows


def _cell(value: Any, how: str) -> Any:
    if value is None or value == "" or value == []:
        return None
    if how == "bool":
        return "是" if value else "否"
    if how in ("names", "values"):
        return LIST_SEP.join(str(v) for v in value)
    if how == "lines":
        return LINES.join(str(v) for v in value)
    if how == "stated":
        return LINES.join(f"{s['where']}：{s['max']:g}" for s in value)
    if how == "lever":
        return LEVER_LABELS.get(value, value)
    return value


def export_xlsx(rubric: Rubric, out: Path) -> None:
    import xlsxwriter  # here: the registry reader imports this module for split_names alone

    wb = xlsxwriter.Workbook(
        str(out), {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    )
    wb.set_properties({"title": rubric.title, "comments": f"rubric={rubric.id};version={rubric.version}"})
    font = {"font_name": "宋体", "font_size": 10, "valign": "top", "text_wrap": True, "border": 1}
    head = wb.add_format({**font, "bold": True, "bg_color": "#DDEBF7"})
    body = wb.add_format(font)
    as_text = wb.add_format({**font, "num_format": "@"})  # typing "=…" here stays text in Excel and WPS
    about = wb.add_worksheet(ABOUT_SHEET)
    about.write_row(0, 0, ["字段", "内容"], head)
    data = rubric_dict(rubric)
    for row, (label, key, how) in enumerate(ABOUT_FIELDS, start=1):
        about.write_string(row, 0, label, body)
        _write(about, row, 1, _cell(data.get(key), how), body)
    about.set_column(0, 0, 20)
    about.set_column(1, 1, 90)
    for sheet, rows in _flatten(rubric).items():
        ws = wb.add_worksheet(sheet)
        columns = SHEETS[sheet]
        ws.write_row(0, 0, [h for h, _, _ in columns], head)
        for r, record in enumerate(rows, start=1):
            for c, (_, key, how) in enumerate(columns):
                _write(ws, r, c, _cell(record.get(key), how), as_text if key in FORMULA_KEYS else body)
        for c, (_, key, how) in enumerate(columns):
            if how == "lever":  # a drop-down, so staff pick one of the four words
                ws.data_validation(1, c, len(rows) + 200, c, {"validate": "list", "source": list(LEVER_WORDS)})
            wide = key in (
                "standard",
                "details",
                "tasks",
                "formula",
                "content",
                "units",
                "method",
                "label",
                "value",
                "rule",
            )
            ws.set_column(c, c, 40 if wide else 14)
        ws.freeze_panes(1, 0)
    wb.close()


def _write(ws: Any, row: int, col: int, value: Any, fmt: Any) -> None:
    if value is None:
        ws.write_blank(row, col, None, fmt)
    elif isinstance(value, bool):
        ws.write_string(row, col, "是" if value else "否", fmt)
    elif isinstance(value, int | float):
        ws.write_number(row, col, value, fmt)
    else:
        ws.write_string(row, col, str(value), fmt)  # never a formula, even when it starts with "="


# ---- import ------------------------------------------------------------------------------------------


def _value(raw: Any, how: str) -> Any:
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        return None
    if how == "bool":
        return str(raw).strip() in ("是", "TRUE", "True", "1", "√")
    if how == "names":
        return split_names(str(raw))
    if how == "values":
        return [_number_or_text(w.strip()) for w in str(raw).split(LIST_SEP) if w.strip()]
    if how == "lines":
        return [w.strip() for w in str(raw).split(LINES) if w.strip()]
    if how == "stated":
        out = []
        for line in str(raw).split(LINES):
            where, _, points = line.replace(":", "：").rpartition("：")
            if where:
                out.append({"where": where.strip(), "max": _number_or_text(points.strip())})
        return out
    if how == "value":
        return _number_or_text(raw)
    if how == "lever":  # unknown words go through as written; the loader reports them
        return LEVER_WORDS.get(str(raw).strip(), str(raw).strip())
    if how == "text" and isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return raw


def split_names(text: str, separators: str = LIST_SEP) -> list[str]:
    """Split on a separator outside brackets: "各县（市、区）牵头部门" is one name, not two."""
    out, depth, current = [], 0, []
    for ch in text:
        depth += ch in "（(【["
        depth -= ch in "）)】]"
        if ch in separators and depth <= 0:
            out.append("".join(current))
            current = []
        else:
            current.append(ch)
    out.append("".join(current))
    return [w.strip() for w in out if w.strip()]


def _number_or_text(raw: Any) -> Any:
    if isinstance(raw, int | float):
        return raw
    text = str(raw)
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    if re.fullmatch(r"[+-]?(\d+\.\d*|\.\d+)([eE][+-]?\d+)?", text):
        return float(text)
    return text


def _records(wb: Any, sheet: str, findings: Findings, file: str) -> list[dict[str, Any]]:
    if sheet not in wb.sheetnames:
        return []
    columns = SHEETS[sheet]
    rows = wb[sheet].iter_rows(values_only=True)
    header = [str(h).strip() if h is not None else "" for h in next(rows, ())]
    index = {h: k for k, h in enumerate(header)}
    missing = [h for h, key, _ in columns if h not in index and (sheet, key) not in OPTIONAL_COLUMNS]
    if missing:
        findings.add("rubric-field-missing", f"工作表“{sheet}”缺少列：{'、'.join(missing)}", file=file, sheet=sheet)
    out = []
    for row in rows:
        if not row or all(v is None or str(v).strip() == "" for v in row):
            continue
        record = {}
        for h, key, how in columns:
            if h in index and index[h] < len(row):
                value = _value(row[index[h]], how)
                if value is not None:
                    record[key] = value
        out.append(record)
    return out


def import_xlsx(path: Path) -> tuple[Rubric | None, Findings]:
    """Read a 指标体系 workbook into a Rubric; problems are findings with sheet and row."""
    from openpyxl import load_workbook

    findings = Findings()
    try:
        # data_only=False: a formula typed into the 计分公式 column (Excel makes it a formula cell)
        # comes back as its text, which is what the rubric needs; nothing is evaluated.
        wb = load_workbook(path, read_only=True, data_only=False, keep_links=False)
    except Exception as exc:  # damaged or not an xlsx: openpyxl raises many kinds
        findings.add("rubric-unreadable", f"无法打开指标体系工作簿：{type(exc).__name__}", file=path.name)
        return None, findings
    try:
        if not {"指标", "数据项"} <= set(wb.sheetnames):  # some other workbook (a 填报表, a unit's return)
            message = (
                "不是指标体系工作簿（没有“指标”“数据项”两张表）；请在 xinyong rubric export 导出的工作簿上修改后再读回"
            )
            findings.add("rubric-unreadable", message, file=path.name)
            return None, findings
        data: dict[str, Any] = {}
        if ABOUT_SHEET in wb.sheetnames:
            about = {
                str(r[0]).strip(): r[1] for r in wb[ABOUT_SHEET].iter_rows(min_row=2, values_only=True) if r and r[0]
            }
            for label, key, how in ABOUT_FIELDS:
                value = _value(about.get(label), how)
                if value is not None:
                    data[key] = value
        tables = {sheet: _records(wb, sheet, findings, path.name) for sheet in SHEETS}
    finally:
        wb.close()
    data["parameters"] = tables["参数"]
    data["inputs"] = tables["数据项"]
    data["constraints"] = tables["约束"]
    conditions: dict[str, list[dict[str, Any]]] = {}
    for cond in tables["硬指标条件"]:
        conditions.setdefault(cond.pop("check", ""), []).append(cond)
    data["checks"] = [{**c, "conditions": conditions.get(c.get("id", ""), [])} for c in tables["硬指标"]]
    groups: dict[str, list[dict[str, Any]]] = {}
    for group in tables["分组"]:
        groups.setdefault(group.pop("section", ""), []).append({**group, "items": []})
    by_group = {g["id"]: g for gs in groups.values() for g in gs if "id" in g}
    sections = []
    for section in tables["部分"]:
        own = groups.get(section.get("id", ""), [])
        sections.append({**section, "groups": own} if own else {**section, "items": []})
    by_section = {s.get("id"): s for s in sections}
    for item in tables["指标"]:
        section_id, group_id = item.pop("section", None), item.pop("group", None)
        parent = by_group.get(group_id) if group_id else by_section.get(section_id)
        if parent is None or "items" not in parent:
            findings.add(
                "rubric-field-invalid",
                f"指标“{item.get('id', '?')}”的所属部分或分组不存在",
                file=path.name,
                sheet="指标",
            )
            continue
        parent["items"].append(item)
    data["sections"] = sections
    return from_data(data, path.name, findings), findings
