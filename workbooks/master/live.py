"""The master's live sheets: 数据 (inputs as defined names, manual entries), 评分表 (item scores as
the rubric's formulas), 硬指标 (veto, target and certification conditions) and 总览.

Every formula cell carries the value headless scoring computed, so the file shows the right
numbers wherever it is opened, recalculated or not. Inputs are workbook-level defined names equal
to the input ids, so the formula text in a score cell is the rubric's own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import xlsxwriter
from xlsxwriter.utility import quote_sheetname, xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from udfs.evaluate import CompiledRubric
from udfs.rubric import InputSpec, Rubric
from udfs.rubric.model import CHECK_KIND_LABELS, OP_SIGNS, TYPE_LABELS

from . import layout as L
from . import paper
from .cells import Formulas, check_status, status
from .state import Adopted, MasterState
from .style import Styles, fit_row, header, put, shown


def ref(sheet: str, row: int, col: int) -> str:
    return f"{quote_sheetname(sheet)}!{xl_rowcol_to_cell(row, col, row_abs=True, col_abs=True)}"


@dataclass
class Where:
    """Cells of the live sheets, for the overview and for tests that read a master back."""

    items: dict[str, str] = field(default_factory=dict)  # item id -> 评分表 score cell
    sections: dict[str, str] = field(default_factory=dict)  # section id -> subtotal cell
    conditions: dict[str, str] = field(default_factory=dict)  # "check:k" -> value cell
    checks: dict[str, str] = field(default_factory=dict)  # check id -> status cell
    kinds: dict[str, tuple[str, str]] = field(default_factory=dict)  # check kind -> status range
    total: str = ""
    base: str = ""
    bonus: str = ""


def _cached(value: object) -> object:
    return "" if value is None else value


def periods(adopted: Adopted) -> tuple[list[object], list[object]]:
    """Reported and manual values row by row on the 数据 sheet, padded to one length: one row per
    input, a list input one row per period (its declared length, or more if more were given)."""
    def rows(value: object) -> list[object]:
        return value if isinstance(value, list) else [value]

    reported = rows(adopted.reported)
    manual = rows(adopted.manual.value if adopted.manual else None)
    n = max(adopted.spec.length or 1, len(reported), len(manual)) if adopted.spec.type == "list" else 1
    return [*reported, *[None] * n][:n], [*manual, *[None] * n][:n]


def input_head(ws: Worksheet, r: int, spec: InputSpec, period: int, st: Styles) -> None:
    """An input's row head on 数据, the same in both masters: id, label, type, unit, range, period."""
    put(ws, r, L.D_ID, spec.id, st.text)
    put(ws, r, L.D_LABEL, spec.label, st.text)
    put(ws, r, L.D_TYPE, TYPE_LABELS[spec.type], st.text)
    put(ws, r, L.D_UNIT, spec.unit, st.text)
    put(ws, r, L.D_RANGE, spec.range_text(), st.text)
    put(ws, r, L.D_PERIOD, f"第{period + 1}期" if spec.type == "list" else "", st.text)


def input_values(
    ws: Worksheet, r: int, cols: tuple[int, int, int], spec: InputSpec, rep: object, man: object, st: Styles
) -> None:
    """The reported value, the yellow manual entry and the adopted value (the entry when there is one)
    in `cols` of row `r`; the adopted cell is a formula carrying its value."""
    kind = spec.type if spec.type in ("ratio", "count", "amount") else "number"
    g, m, a = cols
    put(ws, r, g, rep, st.num(kind))
    put(ws, r, m, man, st.num(kind, edit=True))
    gc, mc = xl_rowcol_to_cell(r, g), xl_rowcol_to_cell(r, m)
    chosen = man if man is not None else rep
    ws.write_formula(r, a, f'=IF(ISBLANK({mc}),IF(ISBLANK({gc}),"",{gc}),{mc})', st.num(kind), _cached(chosen))


def write_data(wb: xlsxwriter.Workbook, ws: Worksheet, state: MasterState, f: Formulas, st: Styles) -> None:
    rubric = state.project.rubric
    ws.write_string(0, 0, "数据（各单位报送值、人工录入值和计分采用值）", st.title)
    widths = [16, 28, 6, 6, 11, 5, 12, 34, 11, 11, 28]
    header(ws, 2, L.DATA_HEAD, st, widths)
    paper.hint(
        ws, 1,
        "黄色“人工录入”栏：填写评审酌情分或经核实的更正值（优先于单位报送值），保存后点“重新计分”或运行 xinyong score 项目文件夹；清空即撤销。",
        st.note,
    )  # fmt: skip
    row = L.DATA_FIRST
    for adopted in state.inputs:
        spec = adopted.spec
        reported, manual = periods(adopted)
        n = len(reported)
        first = row
        for k in range(n):
            r = row + k
            input_head(ws, r, spec, k, st)
            put(ws, r, L.D_SOURCE, adopted.source if k == 0 else "", st.text)
            input_values(ws, r, (L.D_REPORTED, L.D_MANUAL, L.D_ADOPTED), spec, reported[k], manual[k], st)
            put(ws, r, L.D_NOTE, spec.note if k == 0 else "", st.text)
            if k == 0:
                fit_row(ws, r, {L.D_LABEL: spec.label, L.D_SOURCE: adopted.source, L.D_NOTE: spec.note}, widths)
        row += n
        target = ref(L.DATA, first, L.D_ADOPTED)
        if n > 1:
            target += ":" + xl_rowcol_to_cell(row - 1, L.D_ADOPTED, row_abs=True, col_abs=True)
        wb.define_name(spec.id, f"={target}")
    row = write_parameters(wb, ws, row + 1, rubric, st, "参数（计分口径，见指标体系文件）")
    if rubric.constraints:
        ws.write_string(row, 0, "数据一致性检查（不成立时，相关指标不计分）", st.bold)
        row += 1
        for c, formula in f.compiled.constraints:
            put(ws, row, L.D_ID, c.id, st.text)
            put(ws, row, L.D_LABEL, c.message, st.text)
            put(ws, row, L.D_RANGE, c.rule, st.text)
            ws.write_formula(row, L.D_ADOPTED, f.constraint(c.id), st.text, constraint_ok(state, formula.needs))
            row += 1
    ws.freeze_panes(L.DATA_FIRST, 2)
    ws.protect("", {"format_columns": True, "format_rows": True, "autofilter": True})


def write_parameters(
    wb: xlsxwriter.Workbook,
    ws: Worksheet,
    row: int,
    rubric: Rubric,
    st: Styles,
    title: str,
    columns: tuple[int, int, int, int] = (L.D_ID, L.D_LABEL, L.D_ADOPTED, L.D_NOTE),
    head: bool = False,
) -> int:
    """The rubric's parameters on 数据 from `row` (id, label, value, decision in `columns`), each value
    cell a defined name the formulas use; returns the row after the block (the same row when none)."""
    if not rubric.parameters:
        return row
    ws.write_string(row, 0, title, st.bold)
    row += 1
    if head:
        for col, text in zip(columns, ["参数编号", "参数", "取值", "说明"], strict=True):
            ws.write_string(row, col, text, st.head)
        row += 1
    for p in rubric.parameters.values():
        for col, value in zip(columns, (p.id, p.label, p.value, p.decision), strict=True):
            put(ws, row, col, value, st.text)
        wb.define_name(p.id, f"={ref(L.DATA, row, columns[2])}")
        row += 1
    return row + 1


def constraint_ok(state: MasterState, needs: frozenset[str]) -> bool:
    """The cached value of a consistency rule's cell (over the inputs `needs`): headless scoring's
    verdict on the same data."""
    violated = {f.input for f in state.result.findings if f.code == "input-constraint"}
    return ", ".join(sorted(needs)) not in violated


def constraint_cells(state: MasterState, compiled: CompiledRubric) -> dict[str, str]:
    """Where `write_data` puts each consistency rule (it must know before any formula is built)."""
    rows = sum(len(periods(a)[0]) for a in state.inputs)
    row = L.DATA_FIRST + rows + 1
    if compiled.rubric.parameters:
        row += 2 + len(compiled.rubric.parameters)
    row += 1
    return {c.id: ref(L.DATA, row + k, L.D_ADOPTED) for k, (c, _) in enumerate(compiled.constraints)}


def write_scores(ws: Worksheet, state: MasterState, f: Formulas, st: Styles, where: Where) -> None:
    result, rubric = state.result, state.project.rubric
    scores = {i.id: i for i in result.items}
    notes: dict[str, list[str]] = {}
    for finding in result.findings:
        if finding.item:
            notes.setdefault(finding.item, []).append(finding.message)
    by_input = {a.spec.id: a for a in state.inputs}
    ws.write_string(0, 0, f"{rubric.title}：逐项评分", st.title)
    widths = [13, 5, 11, 26, 6, 26, 40, 8, 8, 26]
    header(ws, 2, L.SCORE_HEAD, st, widths)
    paper.hint(ws, 1, "“计分公式”是指标体系的写法（引用“数据”表中的数据项名称），“得分”用 Excel 自带函数按同一规则计算；数据缺失或前后矛盾的指标显示“未计分”。", st.note)
    row = L.SCORE_FIRST
    subtotal_rows: dict[str, int] = {}
    for section in rubric.sections:
        items = [i for i in section.items if i.scored]
        if not items:
            continue
        head_row = row
        subtotal_rows[section.id] = head_row
        put(ws, row, L.S_ID, section.id, st.section)
        put(ws, row, L.S_SECTION, section.heading, st.section)
        for col in (L.S_GROUP, L.S_TITLE, L.S_FORMULA, L.S_INPUTS, L.S_NOTE):
            put(ws, row, col, "小计" if col == L.S_TITLE else "", st.section)
        put(ws, row, L.S_MAX, section.max, st.num(bold=True))
        row += 1
        groups = {g.id: g.title for g in section.groups}
        for item in items:
            s = scores[item.id]
            put(ws, row, L.S_ID, item.id, st.text)
            put(ws, row, L.S_SECTION, section.number or section.title, st.text)
            put(ws, row, L.S_GROUP, groups.get(item.group or "", ""), st.text)
            put(ws, row, L.S_TITLE, item.title, st.text)
            put(ws, row, L.S_MAX, item.max, st.num())
            put(ws, row, L.S_FORMULA, item.formula, st.text)
            lines = []
            for input_id in sorted(f.compiled.items[item.id].needs):
                a = by_input[input_id]
                lines.append(f"{a.spec.label}（{input_id}）= {shown(a.value, a.spec.type, a.spec.unit)}（{a.origin}）")
            put(ws, row, L.S_INPUTS, "\n".join(lines), st.text)
            ws.write_formula(row, L.S_SCORE, f.item(item.id), st.num(), L.NOT_SCORED if s.score is None else s.score)
            score_cell = xl_rowcol_to_cell(row, L.S_SCORE)
            max_cell = xl_rowcol_to_cell(row, L.S_MAX)
            ws.write_formula(
                row, L.S_LOST, f'=IF(ISNUMBER({score_cell}),{max_cell}-{score_cell},"")', st.num(), _cached(s.lost)
            )
            note = "\n".join(dict.fromkeys(notes.get(item.id, [])))
            put(ws, row, L.S_NOTE, note, st.text)
            texts = {L.S_TITLE: item.title, L.S_FORMULA: item.formula, L.S_INPUTS: "\n".join(lines), L.S_NOTE: note}
            fit_row(ws, row, texts, widths)
            where.items[item.id] = ref(L.SCORES, row, L.S_SCORE)
            row += 1
        first = xl_rowcol_to_cell(head_row + 1, L.S_SCORE)
        last = xl_rowcol_to_cell(row - 1, L.S_SCORE)
        section_score = sum(scores[i.id].score or 0.0 for i in items)
        ws.write_formula(head_row, L.S_SCORE, f"=SUM({first}:{last})", st.num(bold=True), round(section_score, 6))
        m, sc = xl_rowcol_to_cell(head_row, L.S_MAX), xl_rowcol_to_cell(head_row, L.S_SCORE)
        ws.write_formula(head_row, L.S_LOST, f"={m}-{sc}", st.num(bold=True), round((section.max or 0) - section_score, 6))
        where.sections[section.id] = ref(L.SCORES, head_row, L.S_SCORE)
    row += 1
    bonus = {s.id for s in rubric.sections if s.bonus}
    totals = [
        ("基本分", [sid for sid in subtotal_rows if sid not in bonus], rubric.max_total, result.base_score, "base"),
        ("附加分", [sid for sid in subtotal_rows if sid in bonus], rubric.bonus_max, result.bonus_score, "bonus"),
    ]
    for label, ids, top, value, attr in totals:
        if not ids:
            continue
        cells = ",".join(xl_rowcol_to_cell(subtotal_rows[i], L.S_SCORE) for i in ids)
        put(ws, row, L.S_TITLE, label, st.section)
        put(ws, row, L.S_MAX, top, st.num(bold=True))
        ws.write_formula(row, L.S_SCORE, f"=SUM({cells})", st.num(bold=True), value)
        setattr(where, attr, ref(L.SCORES, row, L.S_SCORE))
        row += 1
    put(ws, row, L.S_TITLE, "总分", st.section)
    put(ws, row, L.S_MAX, rubric.grand_max, st.num(bold=True))
    parts = ",".join(c.split("!")[1] for c in (where.base, where.bonus) if c)
    ws.write_formula(row, L.S_SCORE, f"=SUM({parts})", st.num(bold=True), result.total)
    where.total = ref(L.SCORES, row, L.S_SCORE)
    ws.freeze_panes(L.SCORE_FIRST, 4)
    ws.autofilter(2, 0, row, len(L.SCORE_HEAD) - 1)
    ws.protect("", {"format_columns": True, "format_rows": True, "autofilter": True, "sort": True})


CHECK_HINTS = {  # what the rubric's hard indicators decide, said once over the table
    frozenset({"veto"}): "任何一项基础性指标未达标即一票否决，与总分无关。",
    frozenset({"certification"}): "认定条件须全部符合才能认定，与总分无关。",
    frozenset({"veto", "certification"}): "任何一项基础性指标未达标即一票否决；认定条件须全部符合才能认定。两者都与总分无关。",
    frozenset(): "引导性指标只统计达标数，不影响总分。",
}
CHECK_HEAD = ["类别", "序号", "指标", "条件", "当前值", "要求", "阈值", "条件状态", "指标状态", "风险提示"]


def write_checks(ws: Worksheet, state: MasterState, f: Formulas, st: Styles, where: Where) -> None:
    kinds = {c.kind for c in state.project.rubric.checks}
    named = "、".join(CHECK_KIND_LABELS[k] for k in ("veto", "target", "certification") if k in kinds)
    ws.write_string(0, 0, f"硬指标：{named or '本指标体系没有硬指标'}", st.title)
    widths = [16, 5, 30, 26, 12, 6, 12, 10, 10, 38]
    header(ws, 2, CHECK_HEAD, st, widths)
    paper.hint(ws, 1, CHECK_HINTS.get(frozenset(kinds) & {"veto", "certification"}, ""), st.note)
    results = {c.id: c for c in state.result.checks}
    risks = {(r.check, r.label): r for r in state.risks}
    row = 3
    for kind in ("veto", "target", "certification"):
        checks = [c for c in state.project.rubric.checks if c.kind == kind]
        if not checks:
            continue
        kind_first = row
        for check in checks:
            first = row
            rows = results[check.id].conditions
            for k, cond in enumerate(check.conditions):
                fmt = st.num("ratio" if cond.unit == "%" else "number")
                put(ws, row, 0, CHECK_KIND_LABELS[kind], st.text)
                put(ws, row, 1, check.number, st.text)
                put(ws, row, 2, check.title, st.text)
                put(ws, row, 3, cond.label, st.text)
                value = rows[k]["value"]
                cached = value if isinstance(value, bool | int | float) and rows[k]["met"] is not None else ""
                ws.write_formula(row, 4, f.condition(check.id, k), fmt, cached)
                put(ws, row, 5, OP_SIGNS.get(cond.op or "", "为真"), st.text)
                put(ws, row, 6, cond.threshold, fmt)
                met = rows[k]["met"]
                text = L.STATUS_TEXT[met]
                v, t = xl_rowcol_to_cell(row, 4), xl_rowcol_to_cell(row, 6)
                ws.write_formula(row, 7, status(cond, v, t), st.text, text)
                risk = risks.get((check.id, cond.label))
                put(ws, row, 9, risk.text if risk else "", st.text)
                fit_row(ws, row, {2: check.title, 3: cond.label, 9: risk.text if risk else ""}, widths)
                where.conditions[f"{check.id}:{k}"] = ref(L.CHECKS, row, 4)
                row += 1
            check_met = results[check.id].met
            ws.write_formula(
                first, 8,
                check_status(xl_rowcol_to_cell(first, 7, row_abs=True), xl_rowcol_to_cell(row - 1, 7, row_abs=True)),
                st.bold, L.STATUS_TEXT[check_met],
            )  # fmt: skip
            where.checks[check.id] = ref(L.CHECKS, first, 8)
        where.kinds[kind] = (ref(L.CHECKS, kind_first, 8), xl_rowcol_to_cell(row - 1, 8, row_abs=True, col_abs=True))
    ws.freeze_panes(3, 3)
    ws.protect("", {"format_columns": True, "format_rows": True})
