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
    # what a reader needs first on one page: place, name, total and why the place is provisional; the
    # section scores follow (the next page across on paper, with the names repeated)
    head = ["名次", "考核对象", "简称", "总分", "名次说明", "已计分/指标数", "逾期", "基础分", "附加分"]
    head += [f"{s.number or s.id}、{s.title}（{number_text(s.max or 0)}分）" for s in sections]
    ordered = by_rank(scores)
    rows = []
    for s in ordered:
        result = s.state.result
        late = any(u.late for u in s.state.units)
        scored = len(result.items) - s.unscored
        rows.append(
            [None, s.subject, s.short, None, s.marks(), f"{scored}/{len(result.items)}", "是" if late else "否", None, None]
            + [None] * len(sections)
        )  # fmt: skip
    numbers = {c: st.num() for c in (3, *range(7, 9 + len(sections)))}
    widths = [5, 24, 12, 8, 36, 8, 5, 8, 8] + [11] * len(sections)
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
        cells = [(3, w.total, s.total), (7, w.base, result.base_score), (8, w.bonus, result.bonus_score)]
        cells += [(9 + j, w.sections.get(sec.id, ""), by_section.get(sec.id)) for j, sec in enumerate(sections)]
        for col, source, value in cells:
            if source:
                ws.write_formula(r, col, f"={source}", st.num(), value if shown else L.NOT_SCORED)
        total = xl_rowcol_to_cell(r, 3)
        ws.write_formula(r, 0, f'=IF(ISNUMBER({total}),RANK({total},{totals}),"—")', st.text, s.rank or "—")
    _chart(wb, ws, ordered, last, st)


CHART_BARS = 25  # bars a chart holds and still prints whole on one A4 page with every name legible


def _chart(wb: xlsxwriter.Workbook, ws: Worksheet, ordered: list[SubjectScore], last: int, st: Styles) -> None:
    """Totals as horizontal bars, highest at the top (the rows' order), each chart of at most CHART_BARS
    subjects on a page of its own, all on one scale (0 to the rubric's maximum), names and values legible."""
    ranked = sum(1 for s in ordered if s.total is not None)
    if not ranked:
        return
    sheet = quote_sheetname(RANKING)
    top = ordered[0].state.project.rubric.grand_max
    charts = [(a, min(a + CHART_BARS, ranked)) for a in range(0, ranked, CHART_BARS)]
    anchor, breaks = last + 2, []
    for a, b in charts:
        first, end = FIRST + a, FIRST + b - 1
        chart = wb.add_chart({"type": "bar"})
        chart.add_series({
            "name": "总分",
            "categories": f"={sheet}!{xl_rowcol_to_cell(first, 2, True, True)}:{xl_rowcol_to_cell(end, 2, True, True)}",
            "values": f"={sheet}!{xl_rowcol_to_cell(first, 3, True, True)}:{xl_rowcol_to_cell(end, 3, True, True)}",
            "data_labels": {"value": True, "num_format": "0.00", "font": {"size": 10}},
            "gap": 40,
        })  # fmt: skip
        # fonts of 10 points print at 8 (the sheet prints at 80% or more); 22 pixels a bar show every name (LibreOffice skips every other at 20)
        part = f"，第 {a + 1}–{b} 名" if len(charts) > 1 else ""
        chart.set_title({"name": f"总分（按名次{part}，上次重新计分时）", "name_font": {"name": "宋体", "size": 12}})
        chart.set_legend({"none": True})
        chart.set_y_axis({"reverse": True, "num_font": {"size": 10}, "interval_unit": 1})  # categories, first on top
        chart.set_x_axis({"num_font": {"size": 10}, "min": 0, "max": top})
        height = 70 + 22 * (b - a)
        chart.set_size({"width": 720, "height": height})
        breaks.append(anchor - 1)  # on paper each chart starts a page of its own
        ws.insert_chart(anchor, 1, chart)
        anchor += -(-height // 20) + 2  # rows of the default 20 pixels the chart covers, and a gap
    ws.set_h_pagebreaks(breaks)


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
