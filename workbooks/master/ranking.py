"""The 排名 sheet of a many-subject assessment's master: one row per subject, in rank order, with its
total, base and bonus, every section's score, how many items could be scored, whether it was late;
and a chart of the totals. Values, not formulas: each is the subject's own headless score (the
scores per item and subject, as formulas, are the next step: docs/design-notes.md)."""

from __future__ import annotations

import xlsxwriter
from xlsxwriter.utility import quote_sheetname, xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from udfs.numbers import number_text

from .reports import table
from .style import Styles
from .subjects import SubjectScore

RANKING = "排名"
FIRST = 3  # the first subject's row (0-based): title, hint, header above


def write_ranking(wb: xlsxwriter.Workbook, ws: Worksheet, scores: list[SubjectScore], st: Styles) -> None:
    rubric = scores[0].state.project.rubric if scores else None
    sections = rubric.sections if rubric else []
    head = ["名次", "考核对象", "简称", "总分", "基础分", "附加分"]
    head += [f"{s.number or s.id}、{s.title}（{number_text(s.max or 0)}分）" for s in sections]
    head += ["已计分/指标数", "逾期", "说明"]
    ordered = sorted(scores, key=lambda s: (s.rank is None, s.rank or 0))
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
