"""The live sheets of a many-subject assessment's master: 数据 with a block of columns per subject
(reported value or 自评分, the office's manual entry or 考核分, the adopted value) and 评分表 with a
score column per subject, every score cell the rubric's own formula with its inputs bound to that
subject's adopted cells.

So an analyst can read any subject's score in Excel, change one of its figures and recalculate, as
in a one-subject master; the parameters are shared (one cell each, a defined name as there). Every
formula cell carries the value headless scoring computed for that subject.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from udfs.evaluate import CompiledRubric

from . import layout as L
from . import paper
from .cells import Formulas
from .live import Where, constraint_ok, input_head, input_values, periods, ref, write_parameters
from .style import Styles, fit_row, header, put
from .subjects import SubjectScore


@dataclass
class MatrixWhere:
    """Cells of the matrix sheets, per subject: what the overview of one subject would point at."""

    subjects: dict[str, Where] = field(default_factory=dict)  # subject -> its score cells on 评分表


def _data_column(k: int, offset: int) -> int:
    return len(L.MX_DATA_FIXED) + L.MX_BLOCK * k + offset


def _subject_heads(ws: Worksheet, scores: list[SubjectScore], first_col: int, width: int, st: Styles) -> None:
    """The subjects' short names over their blocks (row MX_SUBJECT_ROW): the read-back finds a
    subject's columns by this name, whatever moved."""
    for k, s in enumerate(scores):
        col = first_col + width * k
        if width > 1:
            ws.merge_range(L.MX_SUBJECT_ROW, col, L.MX_SUBJECT_ROW, col + width - 1, s.short, st.head)
        else:
            ws.write_string(L.MX_SUBJECT_ROW, col, s.short, st.head)


def write_data_matrix(
    wb: xlsxwriter.Workbook, ws: Worksheet, scores: list[SubjectScore], compiled: CompiledRubric, st: Styles
) -> list[Formulas]:
    """数据 for every subject; returns each subject's formula builder, its inputs bound to its cells."""
    rubric = compiled.rubric
    ws.write_string(0, 0, "数据（各考核对象报送值、人工录入值和计分采用值）", st.title)
    widths = [20, 36, 8, 7, 12, 6]
    header(ws, L.MX_HEAD_ROW, L.MX_DATA_FIXED, st, widths)
    for c in range(len(L.MX_DATA_FIXED)):
        ws.write_string(L.MX_SUBJECT_ROW, c, "", st.head)
    ws.write_string(L.MX_SUBJECT_ROW, 0, L.MX_SUBJECTS_LABEL, st.head)
    _subject_heads(ws, scores, len(L.MX_DATA_FIXED), L.MX_BLOCK, st)
    for k in range(len(scores)):
        for offset, name in enumerate(L.MX_DATA_BLOCK):
            col = _data_column(k, offset)
            ws.write_string(L.MX_HEAD_ROW, col, name, st.head)
            ws.set_column(col, col, 10)
    paper.hint(
        ws, 1,
        "每个考核对象三栏：报送值（酌情计分项为对象的自评分）、黄色“人工录入”（更正值；酌情计分项填评审的考核分，"
        "优先于报送值）、采用值。填写后保存，点“重新计分”或运行 xinyong score 项目文件夹；清空即撤销。",
        st.note,
    )  # fmt: skip
    by_subject = [{a.spec.id: a for a in s.state.inputs} for s in scores]
    bindings: list[dict[str, str]] = [{} for _ in scores]
    row = L.MX_FIRST
    for spec in rubric.inputs.values():
        blocks = [periods(adopted[spec.id]) for adopted in by_subject]
        n = max((len(rep) for rep, _ in blocks), default=1)
        for r in range(row, row + n):
            k_period = r - row
            input_head(ws, r, spec, k_period, st)
            for k, (reported, manual) in enumerate(blocks):
                rep = reported[k_period] if k_period < len(reported) else None
                man = manual[k_period] if k_period < len(manual) else None
                cols = (_data_column(k, 0), _data_column(k, 1), _data_column(k, 2))
                input_values(ws, r, cols, spec, rep, man, st)
            if k_period == 0:
                fit_row(ws, r, {1: spec.label}, widths)
        for k in range(len(scores)):
            target = ref(L.DATA, row, _data_column(k, 2))
            if spec.type == "list":
                target += ":" + xl_rowcol_to_cell(row + n - 1, _data_column(k, 2), row_abs=True, col_abs=True)
            bindings[k][spec.id] = target
        row += n
    title = "参数（计分口径，所有考核对象相同，见指标体系文件）"
    row = write_parameters(wb, ws, row + 1, rubric, st, title, (0, 1, 2, 3), head=True)
    if rubric.constraints:
        ws.write_string(row, 0, "数据一致性检查（不成立时，该对象的相关指标不计分）", st.bold)
        row += 1
    formulas = [
        Formulas(
            compiled,
            {c.id: ref(L.DATA, row + j, _data_column(k, 2)) for j, (c, _) in enumerate(compiled.constraints)},
            bindings[k],
        )
        for k in range(len(scores))
    ]  # fmt: skip
    for c, formula in compiled.constraints:
        put(ws, row, 0, c.id, st.text)
        put(ws, row, 1, c.message, st.text)
        put(ws, row, 4, c.rule, st.text)
        for k, s in enumerate(scores):
            ws.write_formula(
                row, _data_column(k, 2), formulas[k].constraint(c.id), st.text, constraint_ok(s.state, formula.needs)
            )
        row += 1
    ws.freeze_panes(L.MX_FIRST, 2)
    ws.protect("", {"format_columns": True, "format_rows": True, "autofilter": True})
    return formulas


SCORE_WIDTH, FORMULA_WIDTH = 9, 44  # 评分表: a subject's score column; the rubric's formula after them


def _unless(guard: str, expr: str, s: SubjectScore, cached: object) -> tuple[str, object]:
    """A subtotal or total that shows 未计分, not 0, for a subject with nothing scored (as 排名 and JSON)."""
    return f'=IF({guard},"{L.NOT_SCORED}",{expr})', (L.NOT_SCORED if s.total is None else cached)


def write_scores_matrix(ws: Worksheet, scores: list[SubjectScore], formulas: list[Formulas], st: Styles) -> MatrixWhere:
    """评分表: items down, subjects across; a subtotal row per section, then 基本分, 附加分, 总分."""
    rubric = formulas[0].rubric if formulas else None
    where = MatrixWhere({s.subject: Where() for s in scores})
    if rubric is None:
        return where
    ws.write_string(0, 0, f"{rubric.title}：各考核对象逐项评分", st.title)
    fixed = len(L.MX_SCORE_FIXED)
    formula_col = fixed + len(scores)
    widths = [14, 6, 34, 6]
    header(ws, L.MX_HEAD_ROW, L.MX_SCORE_FIXED, st, widths)
    columns = [*widths, *[SCORE_WIDTH] * len(scores), FORMULA_WIDTH]  # every column's width, for fit_row
    for c in [*range(fixed), formula_col]:
        ws.write_string(L.MX_SUBJECT_ROW, c, "", st.head)
    ws.write_string(L.MX_SUBJECT_ROW, 0, L.MX_SUBJECTS_LABEL, st.head)
    _subject_heads(ws, scores, fixed, 1, st)
    for k in range(len(scores)):
        ws.write_string(L.MX_HEAD_ROW, fixed + k, "得分", st.head)
        ws.set_column(fixed + k, fixed + k, SCORE_WIDTH)
    ws.write_string(L.MX_HEAD_ROW, formula_col, L.MX_FORMULA_HEAD, st.head)
    ws.set_column(formula_col, formula_col, FORMULA_WIDTH)
    paper.hint(
        ws, 1,
        "每个对象一栏，得分按指标体系的计分公式（最后一栏）用 Excel 自带函数计算，引用“数据”表中该对象的采用值；"
        "数据缺失或前后矛盾的指标显示“未计分”。",
        st.note,
    )  # fmt: skip
    results = [{i.id: i for i in s.state.result.items} for s in scores]
    row = L.MX_FIRST
    subtotal_rows: dict[str, int] = {}
    spans: list[tuple[int, int]] = []  # each section's item rows
    for section in rubric.sections:
        items = [i for i in section.items if i.scored]
        if not items:
            continue
        head_row = subtotal_rows[section.id] = row
        put(ws, row, 0, section.id, st.section)
        put(ws, row, 1, section.number or section.title, st.section)
        put(ws, row, 2, f"{section.heading}（小计）", st.section)
        put(ws, row, 3, section.max, st.num(bold=True))
        put(ws, row, formula_col, "", st.section)
        row += 1
        for item in items:
            put(ws, row, 0, item.id, st.text)
            put(ws, row, 1, section.number or section.title, st.text)
            put(ws, row, 2, item.title, st.text)
            put(ws, row, 3, item.max, st.num())
            put(ws, row, formula_col, item.formula, st.text)
            fit_row(ws, row, {2: item.title, formula_col: item.formula}, columns)
            for k, s in enumerate(scores):
                score = results[k][item.id].score
                ws.write_formula(row, fixed + k, formulas[k].item(item.id), st.num(), L.NOT_SCORED if score is None else score)
                where.subjects[s.subject].items[item.id] = ref(L.SCORES, row, fixed + k)
            row += 1
        spans.append((head_row + 1, row - 1))
    bonus = {s.id for s in rubric.sections if s.bonus}
    parts = [
        ("基本分", [sid for sid in subtotal_rows if sid not in bonus], rubric.max_total, "base"),
        ("附加分", [sid for sid in subtotal_rows if sid in bonus], rubric.bonus_max, "bonus"),
    ]
    parts = [p for p in parts if p[1]]
    count_row = row + 1 + len(parts) + 1  # under 总分: how many items each subject has scored
    put(ws, count_row, 2, "已计分指标数", st.text)
    put(ws, count_row, 3, len(rubric.scored_items), st.num("count"))
    guards = []
    for k, s in enumerate(scores):
        col = fixed + k
        ranges = ",".join(f"{xl_rowcol_to_cell(a, col)}:{xl_rowcol_to_cell(b, col)}" for a, b in spans)
        scored = sum(1 for i in s.state.result.items if i.score is not None)
        ws.write_formula(count_row, col, f"=COUNT({ranges})", st.num("count"), scored)
        guards.append(f"{xl_rowcol_to_cell(count_row, col)}=0")  # nothing scored: no subtotal, no total
    sections = {sec.id: sec for sec in rubric.sections}
    for section_id, head_row in subtotal_rows.items():
        items = [i for i in sections[section_id].items if i.scored]
        for k, s in enumerate(scores):
            col = fixed + k
            total = sum(results[k][i.id].score or 0.0 for i in items)
            span = f"{xl_rowcol_to_cell(head_row + 1, col)}:{xl_rowcol_to_cell(head_row + len(items), col)}"
            formula, cached = _unless(guards[k], f"SUM({span})", s, round(total, 6))
            ws.write_formula(head_row, col, formula, st.num(bold=True), cached)
            where.subjects[s.subject].sections[section_id] = ref(L.SCORES, head_row, col)
    row += 1
    for label, ids, top, attr in parts:
        put(ws, row, 2, label, st.section)
        put(ws, row, 3, top, st.num(bold=True))
        for k, s in enumerate(scores):
            col = fixed + k
            cells = ",".join(xl_rowcol_to_cell(subtotal_rows[i], col) for i in ids)
            formula, cached = _unless(guards[k], f"SUM({cells})", s, getattr(s.state.result, f"{attr}_score"))
            ws.write_formula(row, col, formula, st.num(bold=True), cached)
            setattr(where.subjects[s.subject], attr, ref(L.SCORES, row, col))
        row += 1
    put(ws, row, 2, "总分", st.section)
    put(ws, row, 3, rubric.grand_max, st.num(bold=True))
    for k, s in enumerate(scores):
        col = fixed + k
        w = where.subjects[s.subject]
        cells = ",".join(c.split("!")[1] for c in (w.base, w.bonus) if c)
        formula, cached = _unless(guards[k], f"SUM({cells})", s, s.state.result.total)
        ws.write_formula(row, col, formula, st.num(bold=True), cached)
        w.total = ref(L.SCORES, row, col)
    row = count_row
    ws.freeze_panes(L.MX_FIRST, 3)
    last_col = xl_col_to_name(formula_col)
    ws.autofilter(f"A{L.MX_HEAD_ROW + 1}:{last_col}{row + 1}")
    ws.protect("", {"format_columns": True, "format_rows": True, "autofilter": True, "sort": True})
    return where

