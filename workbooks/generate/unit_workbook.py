"""One unit's workbook: cover, task sheet, input sheet and hidden identity, for a person who has
never seen the tool. Only the yellow cells (inputs, status, notes) can be edited; every input cell
enforces its type and range with a Chinese message and carries a defined name equal to its id.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
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
from .cells import Formats, print_setup, row_height, row_height_cache_clear, validation
from .identity import IDENTITY_SHEET, Identity, Layout, norm_ref
from .subject_rows import SUBJECT_INPUTS, write_subject_rows

COVER, TASKS, INPUTS = "封面", "任务清单", "数据填报"
STATUS_CHOICES = ["未开始", "推进中", "已完成"]
TASK_HEAD = ["序号", "指标编号", "所属部分", "指标（任务）", "本单位角色", "任务内容", "评分标准", "佐证材料", "资料盒编号", "完成时限", "完成状态", "进展说明"]  # fmt: skip
TASK_WIDTH = [5, 14, 16, 24, 10, 46, 46, 28, 8, 14, 10, 30]
INPUT_HEAD = ["序号", "数据项编号", "数据项", "计量单位", "允许范围", "填报值", "填写说明", "用于指标"]
INPUT_WIDTH = [5, 22, 44, 9, 16, 16, 40, 22]
VALUE_COL = INPUT_HEAD.index("填报值")
STATUS_COL, NOTE_COL = TASK_HEAD.index("完成状态"), TASK_HEAD.index("进展说明")
ID_COL = len(TASK_HEAD)  # hidden: the item id of each row, for reading the file back
FIRST_ROW = 2  # row 0: title, row 1: headers


@dataclass
class Task:
    item: Item
    roles: list[str]  # keys of ROLES


@dataclass
class UnitPackage:
    unit: Unit
    tasks: list[Task]
    inputs: list[InputSpec]
    # a third party in a many-subject project: inputs it reports for each of `subjects` (full name, label)
    per_subject: list[InputSpec] = field(default_factory=list)
    subjects: list[tuple[str, str]] = field(default_factory=list)

    @property
    def asked(self) -> list[str]:
        """Every input id the workbook asks for, its own and per subject."""
        return [s.id for s in self.inputs] + [s.id for s in self.per_subject]


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
    assessment: bool = False  # a many-subject assessment: a subject's discretionary figure is its 自评分
    # a new progress round: each unit's last reported (status, note) per task, written into its sheet
    carried: dict[str, dict[str, tuple[str, str]]] = field(default_factory=dict)
    portal_address: str = ""  # the office's portal (settings.portal_address): each unit's link on its cover


def _task_text(item: Item) -> str:
    """The task as the document words it, with its 工作方法 and quantitative targets verbatim."""
    parts = [item.tasks or item.standard]
    if item.method:
        parts.append(f"工作方法：{item.method}")
    if item.targets:
        parts.append("量化目标：" + "；".join(item.targets))
    return "\n".join(p for p in parts if p)


def _deadline_text(item: Item, ctx: Context) -> str:
    if not item.deadline:  # the return deadline is when progress is reported, not when the work is due
        return "未规定"
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
    fmt = Formats(wb)
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
    rows = bool(package.per_subject and package.subjects)
    sheets = [COVER, TASKS] + ([INPUTS] if package.inputs else []) + ([SUBJECT_INPUTS] if rows else [])
    layout = Layout(rubric.id, rubric.version, unit.name, sheets + [IDENTITY_SHEET])
    cover = wb.add_worksheet(COVER)
    tasks = wb.add_worksheet(TASKS)
    inputs = wb.add_worksheet(INPUTS) if package.inputs else None
    per_subject = wb.add_worksheet(SUBJECT_INPUTS) if rows else None
    ident = wb.add_worksheet(IDENTITY_SHEET)
    _write_tasks(tasks, package, ctx, fmt, layout)
    if inputs is not None:
        _write_inputs(wb, inputs, package, ctx, fmt, layout)
    subjects = ""
    if per_subject is not None:
        specs, who = package.per_subject, package.subjects
        subjects = write_subject_rows(wb, per_subject, unit.label, specs, who, fmt, ctx.password, layout)
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
        subjects=subjects,
    )
    for row, (key, value) in enumerate(identity.rows()):
        ident.write_string(row, 0, key)
        ident.write_string(row, 1, value)
    ident.protect(ctx.password)
    ident.very_hidden()
    for key, value in identity.rows():
        if key != "subjects":  # a document property holds 255 characters; the rows stay on the identity sheet
            wb.set_custom_property(f"xinyong_{key}", value)
    cover.activate()
    wb.close()
    if not wb.locked:  # an XlsxWriter that no longer assembles the workbook part this way
        raise RuntimeError("XlsxWriter did not write <workbookPr>: the structure lock is missing")
    return identity, buffer.getvalue()


def _write_tasks(ws, package: UnitPackage, ctx: Context, fmt: Formats, layout: Layout) -> None:  # noqa: ANN001
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
        status, note = ctx.carried.get(package.unit.name, {}).get(item.id, (STATUS_CHOICES[0], ""))
        ws.write_string(row, STATUS_COL, status if status in STATUS_CHOICES else STATUS_CHOICES[0], fmt.edit)
        if note:
            ws.write_string(row, NOTE_COL, note, fmt.edit)
        else:
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
    print_setup(ws, FIRST_ROW + len(package.tasks) - 1, len(TASK_HEAD) - 1)


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
    row_height_cache_clear()
    _words.cache_clear()


def _write_inputs(wb, ws, package: UnitPackage, ctx: Context, fmt: Formats, layout: Layout) -> None:  # noqa: ANN001
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
        if spec.type == "discretionary" and ctx.assessment:
            note = f"自评分（可不填）：按评分标准给本单位打分，附佐证材料；考核分由考核人员评定。{spec.note}".strip()
        tail = [note, "、".join(used_by.get(spec.id, []))]
        for col, value in enumerate(tail, start=VALUE_COL + 1):
            if periods > 1:
                ws.merge_range(row, col, row + periods - 1, col, value, fmt.text)
            else:
                ws.write_string(row, col, value, fmt.text)
        if periods == 1:
            ws.set_row(row, row_height(cells + tail, INPUT_WIDTH[: len(cells)] + INPUT_WIDTH[VALUE_COL + 1 :]))
        ws.data_validation(row, VALUE_COL, row + periods - 1, VALUE_COL, validation(spec, range_text))
        first = xl_rowcol_to_cell(row, VALUE_COL, row_abs=True, col_abs=True)
        last = xl_rowcol_to_cell(row + periods - 1, VALUE_COL, row_abs=True, col_abs=True)
        ref = f"'{INPUTS}'!{first}" + (f":{last}" if periods > 1 else "")
        wb.define_name(spec.id, "=" + ref)
        layout.inputs[spec.id] = norm_ref(ref)
        row += periods
    ws.freeze_panes(FIRST_ROW, 3)
    ws.protect(ctx.password, {"format_columns": True, "format_rows": True})
    print_setup(ws, row - 1, len(INPUT_HEAD) - 1)


def _write_cover(ws, package: UnitPackage, ctx: Context, fmt: Formats) -> None:  # noqa: ANN001
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
            + (f"，需填报数据 {len(package.inputs)} 项" if package.inputs else "")
            + (
                f"，为 {len(package.subjects)} 个考核对象分别填报数据 {len(package.per_subject)} 项（“{SUBJECT_INPUTS}”表）"
                if package.per_subject
                else ""
            )
            + ("" if package.inputs or package.per_subject else "，无需填报数据"),
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
            + (
                f"{4 if package.inputs else 3}. “{SUBJECT_INPUTS}”表：每个考核对象一行，把该对象的数据填在对应数据项一栏；填法同上。\n"
                if package.per_subject
                else ""
            )
            + "请勿增删、改名或移动工作表，否则汇总时无法识别。",
        ),
        ("交回方式", ctx.return_how),
    ]
    if ctx.portal_address and ctx.key:
        from ..portal.links import link, unit_token

        address = link(ctx.portal_address, unit_token(ctx.key, unit.name))
        rows.append(("网页报送", f"{address}\n用浏览器打开此链接，可以下载本表、上传填好的表并立即看到检查结果。链接为本单位专用，请勿转发。"))
    for k, (label, value) in enumerate(rows, start=3):
        ws.write_string(k, 0, label, fmt.label)
        ws.write_string(k, 1, value, fmt.text)
        ws.set_row(k, row_height([label, value], [18, 80]))
    ws.protect(ctx.password)
    ws.set_paper(9)
    ws.fit_to_pages(1, 1)
