"""One unit's workbook: cover, task sheet, input sheet and hidden identity, for a person who has
never seen the tool. Only the yellow cells (inputs, status, notes) can be edited; every input cell
enforces its type and range with a Chinese message and carries a defined name equal to its id.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell

from udfs import __version__
from udfs.rubric import InputSpec, Item, Rubric
from udfs.rubric.deadlines import normalise_deadline
from udfs.rubric.model import TYPE_LABELS

from ..plan.registry import Unit
from ..plan.responsibility import ROLES
from .identity import IDENTITY_SHEET, Identity, Layout, norm_ref

COVER, TASKS, INPUTS = "封面", "任务清单", "数据填报"
STATUS_CHOICES = ["未开始", "推进中", "已完成"]
YES_NO = ["是", "否"]
FONT = "宋体"
TASK_HEAD = ["序号", "指标编号", "所属部分", "指标（任务）", "本单位角色", "任务内容", "评分标准", "佐证材料", "资料盒编号", "完成时限", "完成状态", "进展说明"]  # fmt: skip
TASK_WIDTH = [5, 14, 16, 24, 10, 46, 46, 28, 8, 14, 10, 30]
INPUT_HEAD = ["序号", "数据项编号", "数据项", "计量单位", "允许范围", "填报值", "填写说明", "用于指标"]
INPUT_WIDTH = [5, 22, 44, 9, 16, 16, 40, 22]
VALUE_COL = INPUT_HEAD.index("填报值")
STATUS_COL, NOTE_COL = TASK_HEAD.index("完成状态"), TASK_HEAD.index("进展说明")
ID_COL = len(TASK_HEAD)  # hidden: the item id of each row, for reading the file back
FIRST_ROW = 2  # row 0: title, row 1: headers


LINE_HEIGHT = 13.5  # points per line of 10-point 宋体
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


@dataclass
class Task:
    item: Item
    roles: list[str]  # keys of ROLES


@dataclass
class UnitPackage:
    unit: Unit
    tasks: list[Task]
    inputs: list[InputSpec]


@dataclass
class Context:
    rubric: Rubric
    project_id: str
    round: str
    year: int
    deadline: str
    issuer: str
    contact: str
    phone: str
    email: str
    return_how: str
    password: str
    created: datetime
    key: bytes | None = None  # the project's signing key (workbooks.project.signing_key)


class _Formats:
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


def _validation(spec: InputSpec, range_text: str) -> dict[str, object]:
    """Excel data validation with a Chinese input message and error message for one input;
    `range_text`: `spec.range_text()`, formatted once per input by the caller."""
    shown = range_text or "不限"
    prompt = f"{spec.label}"[:200]
    options: dict[str, object] = {
        "input_title": "请填写"[:32],
        "input_message": f"{prompt}\n单位：{spec.unit or '—'}；范围：{shown}"[:255],
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


def _task_text(item: Item) -> str:
    return item.tasks or item.standard


def _deadline_text(item: Item, ctx: Context) -> str:
    if not item.deadline:
        return ctx.deadline
    d = normalise_deadline(item.deadline, ctx.year)
    return item.deadline if d.kind != "date" else f"{item.deadline}（{d.label()}）"


class _LockedWorkbook(xlsxwriter.Workbook):
    """A workbook whose structure is locked: sheets cannot be renamed, moved or deleted.

    XlsxWriter has no switch for <workbookProtection lockStructure="1"/>; it is written where the
    schema puts it, right after <workbookPr/>, while the workbook part is assembled, so the zip is
    written once (rewriting it afterwards inflated and deflated every part a second time)."""

    locked = False

    def _write_workbook_pr(self) -> None:
        super()._write_workbook_pr()
        self._xml_empty_tag("workbookProtection", [("lockStructure", 1)])
        self.locked = True


def write_unit_workbook(package: UnitPackage, ctx: Context, path: Path | None) -> Identity:
    """Write the workbook (or only build it, when `path` is None); returns its identity."""
    identity, data = build_unit_workbook(package, ctx)
    if path is not None:
        path.write_bytes(data)
    return identity


def build_unit_workbook(package: UnitPackage, ctx: Context) -> tuple[Identity, bytes]:
    """The workbook's identity and its bytes, built in memory."""
    buffer = io.BytesIO()
    wb = _LockedWorkbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    )
    fmt = _Formats(wb)
    unit, rubric = package.unit, ctx.rubric
    wb.set_properties(
        {
            "title": f"{rubric.title} 任务分解表（{unit.label}）",
            "subject": ctx.round,
            "author": ctx.issuer,
            "company": ctx.issuer,
            "comments": "由 xinyong 生成；请只在黄色单元格中填写。",
            "created": ctx.created,
        }
    )
    layout = Layout(
        rubric.id, rubric.version, unit.name, [COVER, TASKS] + ([INPUTS] if package.inputs else []) + [IDENTITY_SHEET]
    )
    cover = wb.add_worksheet(COVER)
    tasks = wb.add_worksheet(TASKS)
    inputs = wb.add_worksheet(INPUTS) if package.inputs else None
    ident = wb.add_worksheet(IDENTITY_SHEET)
    _write_tasks(tasks, package, ctx, fmt, layout)
    if inputs is not None:
        _write_inputs(wb, inputs, package, ctx, fmt, layout)
    _write_cover(cover, package, ctx, fmt)
    identity = Identity(
        ctx.project_id,
        ctx.round,
        unit.name,
        unit.label,
        rubric.id,
        rubric.version,
        layout.signature(ctx.key),
        generator=f"xinyong {__version__}",
    )
    for row, (key, value) in enumerate(identity.rows()):
        ident.write_string(row, 0, key)
        ident.write_string(row, 1, value)
    ident.protect(ctx.password)
    ident.very_hidden()
    for key, value in identity.rows():
        wb.set_custom_property(f"xinyong_{key}", value)
    cover.activate()
    wb.close()
    if not wb.locked:  # an XlsxWriter that no longer assembles the workbook part this way
        raise RuntimeError("XlsxWriter did not write <workbookPr>: the structure lock is missing")
    return identity, buffer.getvalue()


def _print_setup(ws, last_row: int, last_col: int) -> None:  # noqa: ANN001
    ws.set_paper(9)
    ws.set_landscape()
    ws.repeat_rows(0, 1)
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.set_footer("&C第 &P 页，共 &N 页")
    ws.print_area(0, 0, max(last_row, 1), last_col)


def _write_tasks(ws, package: UnitPackage, ctx: Context, fmt: _Formats, layout: Layout) -> None:  # noqa: ANN001
    sections = {s.id: s for s in ctx.rubric.sections}
    ws.write_string(0, 0, f"{package.unit.label}：任务清单（共 {len(package.tasks)} 项）", fmt.title)
    ws.write_row(1, 0, TASK_HEAD, fmt.head)
    for col, width in enumerate(TASK_WIDTH):
        ws.set_column(col, col, width)
    ws.set_column(ID_COL, ID_COL, None, None, {"hidden": True})
    ws.write_string(1, ID_COL, "item_id")
    for k, task in enumerate(package.tasks):
        row = FIRST_ROW + k
        item = task.item
        section = sections[item.section]
        values = [
            str(k + 1),
            item.number or item.id,
            f"{section.number}、{section.title}" if section.number else section.title,
            item.title,
            "、".join(ROLES[r] for r in task.roles),
            _task_text(item),
            item.standard if item.tasks else "",
            item.evidence,
            item.evidence_box,
            _deadline_text(item, ctx),
        ]
        for col, value in enumerate(values):
            ws.write_string(row, col, value, fmt.text)
        ws.set_row(row, row_height(values, TASK_WIDTH))
        ws.write_string(row, STATUS_COL, STATUS_CHOICES[0], fmt.edit)
        ws.write_blank(row, NOTE_COL, None, fmt.edit)
        ws.write_string(row, ID_COL, item.id)
        layout.tasks[item.id] = norm_ref(f"{TASKS}!{xl_rowcol_to_cell(row, STATUS_COL, row_abs=True, col_abs=True)}")
    if package.tasks:
        last = FIRST_ROW + len(package.tasks) - 1
        ws.data_validation(
            FIRST_ROW, STATUS_COL, last, STATUS_COL,
            {"validate": "list", "source": STATUS_CHOICES, "input_title": "完成状态", "input_message": "请选择：未开始、推进中或已完成",
             "error_title": "填写有误", "error_message": "请从下拉列表中选择“未开始”“推进中”或“已完成”。"},
        )  # fmt: skip
    ws.freeze_panes(FIRST_ROW, 4)
    ws.protect(ctx.password, {"format_columns": True, "format_rows": True})
    _print_setup(ws, FIRST_ROW + len(package.tasks) - 1, len(TASK_HEAD) - 1)


_WORD = re.compile(r"\w+")


@lru_cache(maxsize=1024)
def _words(formula: str) -> frozenset[str]:
    """The whole words of a formula, once per formula rather than one regex per input and task."""
    return frozenset(_WORD.findall(formula))


def _used_by(package: UnitPackage) -> dict[str, list[str]]:
    """Input id -> the numbers of this unit's tasks whose formula names it as a whole word."""
    ids = {spec.id for spec in package.inputs}
    # an id that is one word is named exactly when it is one of the formula's words; any other
    # (the rubric checker reports it) is looked for as `\b<id>\b`, as a person would read it
    odd = [i for i in ids if not _WORD.fullmatch(i)]
    used_by: dict[str, list[str]] = {}
    for task in package.tasks:
        formula = task.item.formula
        if not formula:
            continue
        named = ids & _words(formula)
        named.update(i for i in odd if re.search(rf"\b{re.escape(i)}\b", formula))
        for spec_id in named:
            used_by.setdefault(spec_id, []).append(task.item.number or task.item.id)
    return used_by


def clear_caches() -> None:
    """Forget measured texts and formula words: benchmarks time a cold run, as a new process has."""
    _lines.cache_clear()
    _words.cache_clear()


def _write_inputs(wb, ws, package: UnitPackage, ctx: Context, fmt: _Formats, layout: Layout) -> None:  # noqa: ANN001
    used_by = _used_by(package)
    ws.write_string(0, 0, f"{package.unit.label}：数据填报（共 {len(package.inputs)} 项，只填黄色单元格）", fmt.title)
    ws.write_row(1, 0, INPUT_HEAD, fmt.head)
    for col, width in enumerate(INPUT_WIDTH):
        ws.set_column(col, col, width)
    row = FIRST_ROW
    for k, spec in enumerate(package.inputs):
        periods = spec.length if spec.type == "list" and spec.length else 1
        label = spec.label if periods == 1 else f"{spec.label}（按时间先后，每行一期，最多{periods}期）"
        range_text = spec.range_text()
        cells = [str(k + 1), spec.id, label, spec.unit, range_text or "不限"]
        for col, value in enumerate(cells):
            if periods > 1:
                ws.merge_range(row, col, row + periods - 1, col, value, fmt.text)
            else:
                ws.write_string(row, col, value, fmt.text)
        value_fmt = fmt.value.get(spec.type, fmt.edit)
        for p in range(periods):
            ws.write_blank(row + p, VALUE_COL, None, value_fmt)
        note = f"{TYPE_LABELS[spec.type]}。{spec.note}".strip()
        tail = [note, "、".join(used_by.get(spec.id, []))]
        for col, value in enumerate(tail, start=VALUE_COL + 1):
            if periods > 1:
                ws.merge_range(row, col, row + periods - 1, col, value, fmt.text)
            else:
                ws.write_string(row, col, value, fmt.text)
        if periods == 1:
            ws.set_row(row, row_height(cells + tail, INPUT_WIDTH[: len(cells)] + INPUT_WIDTH[VALUE_COL + 1 :]))
        ws.data_validation(row, VALUE_COL, row + periods - 1, VALUE_COL, _validation(spec, range_text))
        first = xl_rowcol_to_cell(row, VALUE_COL, row_abs=True, col_abs=True)
        last = xl_rowcol_to_cell(row + periods - 1, VALUE_COL, row_abs=True, col_abs=True)
        ref = f"'{INPUTS}'!{first}" + (f":{last}" if periods > 1 else "")
        wb.define_name(spec.id, "=" + ref)
        layout.inputs[spec.id] = norm_ref(ref)
        row += periods
    ws.freeze_panes(FIRST_ROW, 3)
    ws.protect(ctx.password, {"format_columns": True, "format_rows": True})
    _print_setup(ws, row - 1, len(INPUT_HEAD) - 1)


def _write_cover(ws, package: UnitPackage, ctx: Context, fmt: _Formats) -> None:  # noqa: ANN001
    unit, rubric = package.unit, ctx.rubric
    ws.set_column(0, 0, 18)
    ws.set_column(1, 1, 80)
    ws.write_string(0, 0, f"{rubric.title}", fmt.title)
    ws.write_string(1, 0, "任务分解表", fmt.title)
    contact = "，".join(p for p in (ctx.contact, ctx.phone, ctx.email) if p) or "（见项目设置）"
    rows = [
        ("致", f"{unit.name}（{unit.label}）"),
        ("发文单位", ctx.issuer),
        ("指标体系", f"{rubric.title}（版本 {rubric.version}）"),
        ("评估轮次", ctx.round),
        ("回收截止日期", ctx.deadline),
        ("联系人", contact),
        (
            "本表内容",
            f"任务 {len(package.tasks)} 项"
            + (f"，需填报数据 {len(package.inputs)} 项" if package.inputs else "，无需填报数据"),
        ),
        (
            "填写说明",
            "1. 只能在黄色单元格中填写，其他内容已锁定。\n"
            "2. “任务清单”表：在“完成状态”中选择未开始、推进中或已完成，在“进展说明”中简要写明进展和佐证材料。\n"
            + (
                "3. “数据填报”表：每个数据项填在“填报值”一栏；比例直接填 85% 或 0.85；是/否从下拉列表选择；不要写“约”“左右”等文字，不要带单位。\n"
                if package.inputs
                else ""
            )
            + "请勿增删、改名或移动工作表，否则汇总时无法识别。",
        ),
        ("交回方式", ctx.return_how),
    ]
    for k, (label, value) in enumerate(rows, start=3):
        ws.write_string(k, 0, label, fmt.label)
        ws.write_string(k, 1, value, fmt.text)
        ws.set_row(k, row_height([label, value], [18, 80]))
    ws.protect(ctx.password)
    ws.set_paper(9)
    ws.fit_to_pages(1, 1)
