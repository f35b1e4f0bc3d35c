"""总览: what the office director reads first. Total and section scores are formulas over the
scoring sheet (they follow any recalculation); counts of units, inputs and findings are facts of
the moment the master was written."""

from __future__ import annotations

import xlsxwriter
from xlsxwriter.utility import quote_sheetname, xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from udfs.recovery import UNSCORED, grouped
from workbooks.report.text import points, unscored_counts

from . import layout as L
from . import paper
from .cells import verdict
from .live import Where
from .state import MasterState
from .style import Styles, fit_row, put

TOP = 5


VERDICTS = {  # (some condition unmet, some cannot be judged, all met)
    "veto": ("被一票否决", "无法判断（数据不全）", "未触发一票否决"),
    "certification": ("不符合", "无法判断（数据不全）", "全部符合"),
}


WIDTHS = [26, 22, 12, 12, 64]


def write_overview(
    wb: xlsxwriter.Workbook, ws: Worksheet, state: MasterState, st: Styles, where: Where
) -> None:
    p, result = state.project, state.result
    rubric = p.rubric
    widths = WIDTHS
    for col, width in enumerate(widths):
        ws.set_column(col, col, width)
    ws.write_string(0, 0, f"{rubric.title}：评分总表", st.title)
    stamp = f"{p.settings.name}；轮次：{p.settings.round}；生成时间：{state.written_at:%Y-%m-%d %H:%M}"
    paper.hint(ws, 1, stamp, st.note)
    paper.hint(ws, 2, L.COMPUTED_EVERYWHERE, st.note)
    row = 4
    put(ws, row, 0, "总分", st.bold)
    ws.write_formula(row, 1, f"={where.total}", st.big, result.total)
    put(ws, row, 2, f"满分 {points(rubric.grand_max)}", st.text)
    row += 1
    if rubric.bonus_max:
        put(ws, row, 0, "基本分", st.bold)
        ws.write_formula(row, 1, f"={where.base}", st.num(bold=True), result.base_score)
        put(ws, row, 2, f"满分 {points(rubric.max_total)}", st.text)
        row += 1
        put(ws, row, 0, "附加分", st.bold)
        ws.write_formula(row, 1, f"={where.bonus}", st.num(bold=True), result.bonus_score)
        put(ws, row, 2, f"最多 {points(rubric.bonus_max)}", st.text)
        row += 1
    vetoed = result.vetoed
    all_met = {"veto": None if vetoed is None else not vetoed, "certification": result.certified}
    for kind, label in (("veto", "一票否决"), ("certification", "认定条件")):
        if kind not in where.kinds:
            continue
        first, last = where.kinds[kind]
        texts, met = VERDICTS[kind], all_met[kind]
        cached = texts[1] if met is None else texts[2] if met else texts[0]
        style = st.bad if met is not True and kind == "veto" else st.good
        put(ws, row, 0, label, st.bold)
        ws.write_formula(row, 1, verdict(f"{first}:{last}", texts), style, cached)
        unmet = [c.title for c in result.checks if c.kind == kind and c.met is False]
        note = ("未达标：" + "；".join(unmet)) if unmet else ""
        put(ws, row, 4, note, st.text)
        fit_row(ws, row, {4: note}, widths)
        row += 1
    if "target" in where.kinds:
        first, last = where.kinds["target"]
        n = sum(1 for c in rubric.checks if c.kind == "target")
        met = sum(1 for c in result.checks if c.kind == "target" and c.met)
        put(ws, row, 0, "引导性指标达标", st.bold)
        ws.write_formula(row, 1, f'=COUNTIF({first}:{last},"{L.MET}")&" / {n}"', st.text, f"{met} / {n}")
        row += 1
    scored = sum(1 for i in result.items if i.score is not None)
    have = sum(1 for a in state.inputs if a.value is not None)
    returned = sum(1 for u in state.units if u.files)
    late = [u.label for u in state.units if u.late]
    errors = sum(1 for f in state.findings if f.severity.value == "error")
    facts = [
        ("指标计分", f"已计分 {scored} / {len(result.items)} 项", ""),
        ("数据完整度", f"{have} / {len(state.inputs)} 个数据项", f"冲突 {len(state.conflicts)} 个" if state.conflicts else ""),
        ("单位报送", f"{returned} / {len(state.units)} 个单位", f"截止日期 {p.settings.deadline}"),
        ("逾期单位", f"{len(late)} 个", "、".join(late[:12]) + (" 等" if len(late) > 12 else "")),
        ("待处理问题", f"{errors} 个错误", f"共 {len(state.findings)} 条，见“{L.FINDINGS}”"),
    ]
    for label, value, note in facts:
        put(ws, row, 0, label, st.bold)
        put(ws, row, 1, value, st.text)
        put(ws, row, 4, note, st.text)
        fit_row(ws, row, {4: note}, widths)
        row += 1
    row += 1
    ws.write_string(row, 0, "各部分得分", st.title_small)
    row += 1
    for col, name in enumerate(["部分", "得分", "满分", "得分率"]):
        ws.write_string(row, col, name, st.head)
    first_row = row + 1
    sections = {s["id"]: s for s in result.section_scores()}
    for section in rubric.sections:
        if section.id not in where.sections:
            continue
        row += 1
        s = sections[section.id]
        put(ws, row, 0, section.heading, st.text)
        ws.write_formula(row, 1, f"={where.sections[section.id]}", st.num(), s["score"])
        put(ws, row, 2, section.max, st.num())
        b, c = xl_rowcol_to_cell(row, 1), xl_rowcol_to_cell(row, 2)
        rate = float(s["score"]) / section.max if section.max else 0.0  # type: ignore[arg-type]
        ws.write_formula(row, 3, f"=IF({c}>0,{b}/{c},0)", st.num("ratio"), rate)
    last_row = row
    row += 2
    ws.write_string(row, 0, f"提分空间（前 {TOP} 项，详见“{L.RECOVERY}”表）", st.title_small)
    ranked, _, unscored = grouped(state.recoveries)
    lines: list[dict[int, str]] = []
    for k, rec in enumerate(ranked[:TOP], 1):
        how = rec.steps[0].text if rec.steps else rec.note
        lines.append({0: f"{k}. {rec.title}", 1: f"失 {points(rec.lost)} 分，可挽回 {points(rec.gain)} 分", 4: how})
    if state.recoveries and not ranked:
        lines.append({0: "暂无可通过调整数据挽回的分值"})
    if unscored:
        names = "、".join(r.title for r in unscored[:TOP]) + (" 等" if len(unscored) > TOP else "")
        lines.append({0: f"{UNSCORED}的指标 {len(unscored)} 项", 1: unscored_counts(unscored), 4: f"补齐数据后才能计算可挽回分值：{names}"})
    for texts in lines:
        row += 1
        for col, text in texts.items():
            put(ws, row, col, text, st.text)
        fit_row(ws, row, texts, widths)
    _section_chart(wb, ws, first_row, last_row, row_anchor=row + 2)
    ws.activate()


def _section_chart(wb: xlsxwriter.Workbook, ws: Worksheet, first: int, last: int, row_anchor: int) -> None:
    sheet = quote_sheetname(L.OVERVIEW)
    chart = wb.add_chart({"type": "bar"})
    for col, name, color in ((2, "满分", "#BFBFBF"), (1, "得分", "#2F5597")):
        chart.add_series(
            {
                "name": name,
                "categories": f"={sheet}!{xl_rowcol_to_cell(first, 0, True, True)}:{xl_rowcol_to_cell(last, 0, True, True)}",
                "values": f"={sheet}!{xl_rowcol_to_cell(first, col, True, True)}:{xl_rowcol_to_cell(last, col, True, True)}",
                "fill": {"color": color},
                "data_labels": {"value": col == 1, "num_format": "0.##"},
                "overlap": 100,
                "gap": 60,
            }
        )
    chart.set_title({"name": "各部分得分与满分", "name_font": {"name": "宋体", "size": 12}})
    chart.set_y_axis({"reverse": True, "num_font": {"name": "宋体", "size": 9}})
    chart.set_x_axis({"num_font": {"name": "宋体", "size": 9}})
    chart.set_legend({"position": "bottom", "font": {"name": "宋体"}})
    chart.set_size({"width": 820, "height": max(300, 26 * (last - first + 1) + 90)})
    ws.insert_chart(row_anchor, 0, chart)
    # LibreOffice prints the used columns only and cuts a chart at their edge: the chart's width is in use
    ws.write_blank(row_anchor, len(WIDTHS) - 1, None, wb.add_format({}))
