"""The master's report sheets: 提分空间, 催报, 单位进度, 轮次趋势, 提交记录, 问题清单.

Plain tables of facts at the time of writing (no formulas), each with a filter on its header row
so office staff can sort and pick. Anything that came from a returned file goes in as text.
"""

from __future__ import annotations

import xlsxwriter
from xlsxwriter.utility import quote_sheetname, xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from udfs.recovery import UNSCORED, grouped
from udfs.rubric.model import KIND_LABELS, OP_SIGNS
from workbooks.plan.responsibility import ROLES
from workbooks.report.text import SEVERITY_LABEL

from ..project import safe_name
from . import layout as L
from . import paper
from .progress import DONE, NOT_REPORTED
from .state import MasterState
from .style import Styles, fit_row, header, put, shown, text_lines

TEMPLATE_LABEL = {
    "current": "当前模板", "outdated": "旧版模板", "tampered": "结构被改动", "foreign": "其他项目或轮次",
    "none": "不是任务分解表", "unreadable": "无法读取",
}  # fmt: skip
STATUS_LABEL = {"accepted": "已采用", "rejected": "未采用"}


def table(ws: Worksheet, title: str, hint: str, head: list[str], widths: list[float], rows: list[list[object]], st: Styles, fmts: dict[int, object] | None = None) -> int:  # fmt: skip
    ws.write_string(0, 0, title, st.title)
    header(ws, 2, head, st, widths)
    fit_row(ws, 2, dict(enumerate(head)), widths)  # a heading that wraps shows whole
    paper.hint(ws, 1, hint, st.note)
    for r, values in enumerate(rows, 3):
        for c, value in enumerate(values):
            put(ws, r, c, value, (fmts or {}).get(c, st.text))
        fit_row(ws, r, dict(enumerate(values)), widths)
    last = 2 + max(len(rows), 1)
    ws.autofilter(2, 0, last, len(head) - 1)
    ws.freeze_panes(3, 0)
    return last


def write_recovery(ws: Worksheet, state: MasterState, st: Styles) -> None:
    """Ranked plans numbered by gain; then, unnumbered, lost points no data change wins back (排名 —)
    and items not scored yet (排名 未计分, no 得分/失分/可挽回: those are not known)."""
    ranked, fixed, unscored = grouped(state.recoveries)
    rows = []
    for k, rec in enumerate(ranked, 1):
        how = "\n".join(step.text for step in rec.steps) or rec.note
        rows.append([k, rec.item, rec.title, rec.max, rec.score, rec.lost, rec.gain, how, "、".join(rec.units), rec.note if rec.steps else ""])
    for rec in fixed:
        rows.append(["—", rec.item, rec.title, rec.max, rec.score, rec.lost, 0.0, rec.note, "、".join(rec.units), "无法通过调整数据挽回"])
    for rec in unscored:
        rows.append([UNSCORED, rec.item, rec.title, rec.max, UNSCORED, None, None, rec.note, "、".join(rec.units), rec.status])
    last = table(
        ws, "提分空间：失分项及挽回办法",
        "按可挽回分值排序；“怎样挽回”是只改动所列数据项、其他数据不变时的最小改动，按所列数值改动可得所列分值。"
        f"无法通过调整数据挽回的失分项（排名“—”）和{UNSCORED}的指标（缺数据或数据有误）列在最后，不参与排名。",
        ["排名", "指标编号", "指标", "满分", "得分", "失分", "可挽回", "怎样挽回", "责任单位", "说明"],
        [6, 14, 32, 7, 7, 7, 8, 60, 24, 30], rows, st, {3: st.num(), 4: st.num(), 5: st.num(), 6: st.num()},
    )  # fmt: skip
    row = last + 2
    ws.write_string(row, 0, "硬指标风险（未达标或接近阈值）", st.bold)
    row += 1
    header(ws, row, ["类别", "指标", "条件", "当前值", "要求", "余量", "状态", "建议"], st)
    for risk in (r for r in state.risks if r.at_risk):
        row += 1
        kind = KIND_LABELS[risk.kind]
        op = OP_SIGNS.get(risk.op or "", "")
        values = [
            kind, risk.title, risk.label, shown(risk.value, unit=risk.unit),
            f"{op}{shown(risk.threshold, unit=risk.unit)}" if risk.threshold is not None else "为真",
            "" if risk.margin is None else shown(risk.margin, unit=risk.unit),
            L.STATUS_TEXT[risk.met], risk.text,
        ]  # fmt: skip
        for c, value in enumerate(values):
            put(ws, row, c, value, st.text)


REMINDER_FOLDER = L.REMINDER_FOLDER
NOTICE_WIDTH = 84
NOTICE_LINES = 26  # a row of 26 lines is about 360 points: under Excel's row limit (409) and one printed page


def write_reminders(ws: Worksheet, state: MasterState, st: Styles) -> None:
    folder = f"{REMINDER_FOLDER}/{state.today.isoformat()}"
    rows = [
        [u.label, u.status, len(u.missing), len(u.overdue), u.last_at, shortened(u.reminder, f"{folder}/{notice_file(u.label)}")]
        for u in state.units
        if u.reminder
    ]
    table(
        ws, f"催报：尚缺材料或逾期的单位（截至 {state.today.isoformat()}）",
        f"“通知文字”可直接复制到催报通知或短信中；同样的文字也保存在项目文件夹的“{folder}”中，每个单位一个文件"
        "（较长的通知在这里只列前面部分，完整文字见该文件）。",
        ["单位", "状态", "缺数据项", "逾期任务", "最后报送时间", "通知文字"], [16, 14, 8, 8, 16, NOTICE_WIDTH], rows, st,
    )  # fmt: skip


def notice_file(label: str) -> str:
    """The file a unit's notice is saved in (a name every file system takes)."""
    return safe_name(label) + ".txt"


def shortened(notice: str, file: str) -> str:
    """A notice cut to what one row holds on screen and on paper, saying where the whole text is."""
    lines = notice.split("\n")
    used = 0
    for k, line in enumerate(lines):
        used += text_lines(line, NOTICE_WIDTH)
        if used > NOTICE_LINES - 2:
            return "\n".join([*lines[:k], f"……（以下还有 {len(lines) - k} 行，完整通知见项目文件夹中的“{file}”）"])
    return notice


def write_progress(ws: Worksheet, state: MasterState, st: Styles) -> None:
    rows = [
        [
            u.label, u.tasks, u.statuses.get(DONE, 0), u.statuses.get("推进中", 0), u.statuses.get("未开始", 0),
            u.statuses.get(NOT_REPORTED, 0), len(u.expected), len(u.received), len(u.missing), u.files, u.last_file,
            u.last_at, u.status, "是" if u.late else "否", u.findings,
        ]
        for u in state.units
    ]  # fmt: skip
    last = table(
        ws, f"单位进度（回收截止日期 {state.project.settings.deadline}）",
        "任务状态取自各单位交回的“任务清单”；“未填报”表示尚无报送或报送文件中未选择状态。",
        ["单位", "任务数", "已完成", "推进中", "未开始", "未填报", "应报数据项", "已收到", "缺", "报送次数", "最后文件", "最后报送时间", "状态", "逾期", "问题数"],
        [22, 7, 7, 7, 7, 7, 9, 7, 6, 8, 30, 18, 18, 6, 7], rows, st,
    )  # fmt: skip
    row = last + 2
    ws.write_string(row, 0, "各单位填写的任务进展说明（原文照录）", st.bold)
    header(ws, row + 1, ["单位", "序号", "指标（任务）", "本单位角色", "完成状态", "进展说明"], st)
    items = {i.id: i for i in state.project.rubric.items}
    row += 1
    for u in state.units:
        for item_id, status, note in u.notes:
            row += 1
            item = items.get(item_id)
            role = "、".join(ROLES[r] for r in u.roles.get(item_id, []))
            number = (item.number or item.id) if item else item_id
            for c, value in enumerate([u.label, number, item.title if item else "", role, status, note]):
                put(ws, row, c, value, st.text)


def write_trend(wb: xlsxwriter.Workbook, ws: Worksheet, state: MasterState, st: Styles) -> None:
    rubric = state.project.rubric
    sections = rubric.sections
    head = ["轮次", "总分", "一票否决", "完整"] + [s.heading for s in sections]
    rows = [
        [t.round, t.total, {True: "是", False: "否", None: "无法判断"}[t.vetoed], "是" if t.complete else "否", *t.sections]
        for t in state.trend
    ]
    fmts = {c: st.num() for c in [1, *range(4, len(head))]}
    last = table(ws, "轮次趋势：总分和各部分得分", "每轮按当时的报送值计分（含当轮的人工录入）。", head, [16, 9, 9, 6] + [12] * len(sections), rows, st, fmts)
    sheet = quote_sheetname(L.TREND)
    chart = wb.add_chart({"type": "line"})
    cats = f"={sheet}!{xl_rowcol_to_cell(3, 0, True, True)}:{xl_rowcol_to_cell(last, 0, True, True)}"
    chart.add_series({"name": "总分", "categories": cats, "values": f"={sheet}!{xl_rowcol_to_cell(3, 1, True, True)}:{xl_rowcol_to_cell(last, 1, True, True)}", "marker": {"type": "circle"}, "data_labels": {"value": True}})  # fmt: skip
    chart.set_title({"name": "总分趋势", "name_font": {"name": "宋体", "size": 12}})
    chart.set_legend({"none": True})
    ws.insert_chart(last + 2, 0, chart)
    sec = wb.add_chart({"type": "line"})
    for c in range(4, len(head)):
        sec.add_series({"name": [L.TREND, 2, c], "categories": cats, "values": f"={sheet}!{xl_rowcol_to_cell(3, c, True, True)}:{xl_rowcol_to_cell(last, c, True, True)}", "marker": {"type": "circle"}})  # fmt: skip
    sec.set_title({"name": "各部分得分趋势", "name_font": {"name": "宋体", "size": 12}})
    sec.set_legend({"position": "right", "font": {"name": "宋体", "size": 10}})  # 8 points or more on paper
    sec.set_size({"width": 760, "height": 340})
    ws.insert_chart(last + 2, 6, sec)


def _status_label(f: dict[str, object]) -> str:
    if f.get("resent_of") is not None:
        return f"再次报送（同第{f['resent_of']}号）"
    return STATUS_LABEL.get(str(f["status"]), str(f["status"]))


def write_submissions(ws: Worksheet, state: MasterState, st: Styles) -> None:
    registry = state.project.registry
    rows = [
        [
            f["position"], f["arrived_at"], f["arrived_as"], registry.label_of(f["unit"]),  # type: ignore[arg-type]
            _status_label(f), TEMPLATE_LABEL.get(str(f["template"]), str(f["template"])),
            f["round"] or "", f["processed_at"], f["archived_as"] or "", str(f["hash"])[:12],
        ]
        for f in state.files
    ]  # fmt: skip
    table(
        ws, "提交记录（台账）",
        "每个收到的文件一行，按收到顺序；同一单位后交的文件替代先交的，先交的仍保留在台账和归档中。单位再次报送此前交过的文件时另起一行（“再次报送”），那份文件的内容重新成为现行报送。",
        ["序号", "收到时间", "文件名", "单位", "处理结果", "模板", "轮次", "处理时间", "归档副本", "内容指纹"],
        [6, 16, 32, 18, 9, 14, 12, 16, 34, 12], rows, st,
    )  # fmt: skip


def write_findings(ws: Worksheet, state: MasterState, st: Styles) -> None:
    order = {"error": 0, "warning": 1, "info": 2}
    findings = sorted(state.findings, key=lambda f: order[f.severity.value])
    rows = [
        [SEVERITY_LABEL[f.severity], f.code, f.message, f.file or "", f.sheet or "", f.cell or "", f.item or "", f.input or ""]
        for f in findings
    ]
    head = ["严重程度", "代码", "说明", L.F_FILE_HEAD, "工作表", "单元格", "指标", "数据项", L.F_DISMISS_HEAD]
    widths = [8, 20, 54, 26, 10, 8, 14, 16, 12]
    rows = [[*row, ""] for row in rows]
    if state.project.subjects:  # a many-subject assessment: whose problem it is, to filter on
        label = state.project.registry.label_of
        rows = [[row[0], label(f.subject) if f.subject else "", *row[1:]] for row, f in zip(rows, findings, strict=True)]
        head.insert(1, "考核对象")
        widths.insert(1, 12)
    table(
        ws, "问题清单（尚未解决的问题）",
        "错误：结果缺失或有误，需要处理；警告：结果成立，但需要人看一下；提示：供参考。"
        "文件的问题已处理（如发错的附件）：在黄色“已处理”栏写明情况，保存后点“重新计分”。",
        head, widths, rows, st,
    )  # fmt: skip
    received = {str(f["original_name"]) for f in state.files}  # a file in the ledger: its findings can be closed
    mark = st.num("text", edit=True)
    for r, f in enumerate(findings, L.F_FIRST):
        if f.file in received:
            ws.write_blank(r, len(head) - 1, None, mark)
