"""The report sheets of a many-subject assessment's master. 排名: one row per subject, in rank order,
with its rank, total, base and bonus and every section's score (formulas over 评分表), how many items
could be scored, whether it was late, why its rank is provisional; and a chart of the totals. 提分空间:
each subject's items with the most points to win back."""

from __future__ import annotations

import xlsxwriter
from xlsxwriter.utility import quote_sheetname, xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from udfs.numbers import number_text
from udfs.recovery import grouped

from . import layout as L
from .matrix import MatrixWhere
from .reports import table
from .style import Styles, fit_row
from .subjects import RANKING_RULE, SubjectScore, by_rank

RANKING = "排名"
FIRST = 3  # the first subject's row (0-based): title, hint, header above


def write_ranking(
    wb: xlsxwriter.Workbook, ws: Worksheet, scores: list[SubjectScore], where: MatrixWhere, st: Styles
) -> None:
    """Rows in rank order at this writing; 名次, totals and section scores are formulas over 评分表, so a
    考核分 typed into 数据 moves them when the workbook recalculates (the rows keep their order until the
    master is rewritten, and the sheet says so)."""
    rubric = scores[0].state.project.rubric if scores else None
    sections = rubric.sections if rubric else []
    head = ["名次", "考核对象", "简称", "总分", "基础分", "附加分"]
    head += [f"{s.number or s.id}、{s.title}（{number_text(s.max or 0)}分）" for s in sections]
    head += ["已计分/指标数", "逾期", "名次说明"]
    ordered = by_rank(scores)
    rows = []
    for s in ordered:
        result = s.state.result
        late = any(u.late for u in s.state.units)
        scored = len(result.items) - s.unscored
        rows.append(
            [None, s.subject, s.short, None, None, None] + [None] * len(sections)
            + [f"{scored}/{len(result.items)}", "是" if late else "否", s.marks()]
        )  # fmt: skip
    numbers = {c: st.num() for c in range(3, 6 + len(sections))}
    widths = [6, 26, 12, 8, 8, 8] + [11] * len(sections) + [9, 5, 40]
    maximum = number_text(rubric.grand_max) if rubric else ""
    last = table(
        ws, f"排名：{len(scores)} 个考核对象（满分 {maximum}）",
        f"每个对象只用它自己报送的数据计分。{RANKING_RULE}名次和分数随“评分表”重算；行的先后是上次重新计分时的名次，"
        "录入考核分后请点“重新计分”（或运行 xinyong score）更新行序和说明。",
        head, widths, rows, st, numbers,
    )  # fmt: skip
    fit_row(ws, 2, dict(enumerate(head)), widths)  # the section names wrap in the header
    totals = f"{xl_rowcol_to_cell(FIRST, 3, True, True)}:{xl_rowcol_to_cell(FIRST + max(len(ordered), 1) - 1, 3, True, True)}"
    for r, s in enumerate(ordered, FIRST):
        w = where.subjects[s.subject]
        result = s.state.result
        shown = s.total is not None
        by_section = {str(row["id"]): row["score"] for row in result.section_scores()}
        cells = [(3, w.total, s.total), (4, w.base, result.base_score), (5, w.bonus, result.bonus_score)]
        cells += [(6 + j, w.sections.get(sec.id, ""), by_section.get(sec.id)) for j, sec in enumerate(sections)]
        for col, source, value in cells:
            if source:
                ws.write_formula(r, col, f"={source}", st.num(), value if shown else L.NOT_SCORED)
        total = xl_rowcol_to_cell(r, 3)
        ws.write_formula(r, 0, f'=IF(ISNUMBER({total}),RANK({total},{totals}),"—")', st.text, s.rank or "—")
    _chart(wb, ws, ordered, last, st)


def _chart(wb: xlsxwriter.Workbook, ws: Worksheet, ordered: list[SubjectScore], last: int, st: Styles) -> None:
    """Totals as horizontal bars, highest at the top (the rows' order), one bar a subject with its name
    and value legible however many subjects there are."""
    ranked = sum(1 for s in ordered if s.total is not None)
    if not ranked:
        return
    sheet = quote_sheetname(RANKING)
    end = FIRST + ranked - 1
    chart = wb.add_chart({"type": "bar"})
    chart.add_series({
        "name": "总分",
        "categories": f"={sheet}!{xl_rowcol_to_cell(FIRST, 2, True, True)}:{xl_rowcol_to_cell(end, 2, True, True)}",
        "values": f"={sheet}!{xl_rowcol_to_cell(FIRST, 3, True, True)}:{xl_rowcol_to_cell(end, 3, True, True)}",
        "data_labels": {"value": True, "num_format": "0.00", "font": {"size": 8}},
        "gap": 40,
    })  # fmt: skip
    chart.set_title({"name": "总分（按名次，上次重新计分时）", "name_font": {"name": "宋体", "size": 11}})
    chart.set_legend({"none": True})
    chart.set_y_axis({"reverse": True, "num_font": {"size": 8}})  # categories: first row at the top
    chart.set_x_axis({"num_font": {"size": 8}, "min": 0})
    chart.set_size({"width": 720, "height": 60 + 18 * ranked})
    ws.insert_chart(last + 2, 1, chart)


TOP = 3  # items per subject on 提分空间


def write_subject_recovery(ws: Worksheet, scores: list[SubjectScore], st: Styles, top: int = TOP) -> None:
    """Each subject's `top` items by points to win back, subjects in rank order."""
    rows = []
    for s in by_rank(scores):
        ranked, _, unscored = grouped(s.state.recoveries)
        place = s.rank if s.rank is not None else "—"
        for k, rec in enumerate(ranked[:top], 1):
            how = "\n".join(step.text for step in rec.steps) or rec.note
            rows.append([place, s.short, k, rec.item, rec.title, rec.max, rec.score, rec.lost, rec.gain, how])
        if unscored:
            rows.append([place, s.short, "—", "", f"另有 {len(unscored)} 项未计分（缺数据或数据有误）", None, None, None, None, "补齐数据后才能计分"])
        if not ranked and not unscored:
            rows.append([place, s.short, "—", "", "没有可通过调整数据挽回的分值", None, None, None, None, ""])
    table(
        ws, f"提分空间：各考核对象可挽回分值最多的 {top} 项",
        "按名次排列；“怎样挽回”是只改动所列数据项、其他数据不变时的最小改动。每个对象的完整清单见其考核结果反馈表（xinyong report 项目文件夹 --feedback）。",
        ["名次", "考核对象", "序", "指标编号", "指标", "满分", "得分", "失分", "可挽回", "怎样挽回"],
        [6, 14, 5, 14, 32, 7, 7, 7, 8, 60], rows, st, {c: st.num() for c in (5, 6, 7, 8)},
    )  # fmt: skip
