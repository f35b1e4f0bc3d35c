"""The report sheets of a many-subject assessment's master. 排名: one row per subject, in rank order,
with its total, base and bonus, every section's score, how many items could be scored, whether it
was late; and a chart of the totals. 提分空间: each subject's items with the most points to win back.
Values: each subject's own headless score (the same scores as formulas are on 评分表, master.matrix)."""

from __future__ import annotations

import xlsxwriter
from xlsxwriter.utility import quote_sheetname, xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from udfs.numbers import number_text
from udfs.recovery import grouped

from .reports import table
from .style import Styles, fit_row
from .subjects import SubjectScore, by_rank

RANKING = "排名"
FIRST = 3  # the first subject's row (0-based): title, hint, header above


def write_ranking(wb: xlsxwriter.Workbook, ws: Worksheet, scores: list[SubjectScore], st: Styles) -> None:
    rubric = scores[0].state.project.rubric if scores else None
    sections = rubric.sections if rubric else []
    head = ["名次", "考核对象", "简称", "总分", "基础分", "附加分"]
    head += [f"{s.number or s.id}、{s.title}（{number_text(s.max or 0)}分）" for s in sections]
    head += ["已计分/指标数", "逾期", "说明"]
    ordered = by_rank(scores)
    rows = []
    for s in ordered:
        result = s.state.result
        by_section = {str(row["id"]): row["score"] for row in result.section_scores()}
        late = any(u.late for u in s.state.units)
        note = "" if s.total is None or s.complete else f"{s.unscored} 项因缺数据未计分，排在数据齐全的对象之后"
        if s.total is None:
            note = "尚无可计分的数据，不排名"
        scored = len(result.items) - s.unscored
        rows.append(
            [s.rank if s.rank is not None else "—", s.subject, s.short, s.total,
             result.base_score if s.total is not None else None, result.bonus_score if s.total is not None else None]
            + [by_section.get(sec.id) if s.total is not None else None for sec in sections]
            + [f"{scored}/{len(result.items)}", "是" if late else "否", note]
        )  # fmt: skip
    numbers = {c: st.num() for c in range(3, 6 + len(sections))}
    widths = [6, 26, 14, 8, 8, 8] + [12] * len(sections) + [10, 6, 36]
    maximum = number_text(rubric.grand_max) if rubric else ""
    last = table(
        ws, f"排名：{len(scores)} 个考核对象（满分 {maximum}）",
        "每个对象只用它自己报送的数据计分。名次：数据齐全的对象在前，按总分从高到低，并列同名次（如 1、2、2、4）；"
        "有指标因缺数据未计分的对象排在其后并注明；尚无数据的不排名。",
        head, widths, rows, st, numbers,
    )  # fmt: skip
    fit_row(ws, 2, dict(enumerate(head)), widths)  # the section names wrap in the header
    ranked = sum(1 for s in scores if s.total is not None)
    if ranked:
        sheet = quote_sheetname(RANKING)
        end = FIRST + ranked - 1
        chart = wb.add_chart({"type": "column"})
        chart.add_series({
            "name": "总分",
            "categories": f"={sheet}!{xl_rowcol_to_cell(FIRST, 2, True, True)}:{xl_rowcol_to_cell(end, 2, True, True)}",
            "values": f"={sheet}!{xl_rowcol_to_cell(FIRST, 3, True, True)}:{xl_rowcol_to_cell(end, 3, True, True)}",
            "data_labels": {"value": True},
        })  # fmt: skip
        chart.set_title({"name": "总分（按名次）", "name_font": {"name": "宋体", "size": 12}})
        chart.set_legend({"none": True})
        chart.set_size({"width": 960, "height": 360})
        ws.insert_chart(last + 2, 0, chart)


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
