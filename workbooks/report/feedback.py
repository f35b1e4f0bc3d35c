"""Feedback to each subject of a many-subject assessment (`xinyong report DIR --feedback`): one
workbook per subject in 反馈/, named by its short name, for the office to send back.

Each says the subject's total and its rank of N; every section's score against the section's maximum
and against the average of all subjects with a score; every item with the points lost and why (the
提分空间 plan, or why it could not be scored); its 提分空间, ranked; and the discretionary items whose
考核分 differs from its 自评分 (and those still scored from the 自评分). Values, protected, printable
on A4. Written through a temporary name and renamed, so a file being replaced is never half-written.
"""

from __future__ import annotations

import os
from pathlib import Path

import xlsxwriter

from udfs.evaluate import CompiledRubric
from udfs.recovery import UNSCORED, grouped

from ..master import paper
from ..master.recalc import convert_many, find_soffice
from ..master.style import Styles, fit_row, header, put
from ..master.subjects import SubjectScore
from ..project import Project, safe_name
from .text import points

FOLDER = "反馈"
SHEET = "考核结果"
WIDTHS = [8, 34, 6, 8, 8, 48]  # portrait A4 at 80% or more (workbooks.master.paper)
PROVISIONAL = "（暂按自评分，待评审录入考核分）"


def feedback_name(s: SubjectScore) -> str:
    safe = safe_name(s.short)
    return f"{safe}-考核结果反馈.xlsx"


def write_feedback(project: Project, scores: list[SubjectScore]) -> list[Path]:
    """Every subject's feedback workbook; the paths written, in the project's order of subjects."""
    folder = project.root / FOLDER
    folder.mkdir(exist_ok=True)
    scored = [s for s in scores if s.total is not None]
    averages: dict[str, float] = {}
    for s in scored:
        for row in s.state.result.section_scores():
            averages[str(row["id"])] = averages.get(str(row["id"]), 0.0) + float(row["score"]) / len(scored)  # type: ignore[arg-type]
    needs = {item: formula.needs for item, formula in CompiledRubric(project.rubric).items.items()}
    out = []
    for s in scores:
        target = folder / feedback_name(s)
        tmp = folder / f".{target.name}.{os.getpid()}.tmp"
        _write_one(tmp, s, scores, averages, needs, project)
        os.replace(tmp, target)
        out.append(target)
    return out


def feedback_pdfs(paths: list[Path]) -> list[Path | None] | None:
    """A PDF beside each workbook, as offices send them (one LibreOffice run for all); None when
    LibreOffice is not installed, a None in the list where one could not be converted."""
    if not paths or find_soffice() is None:
        return None
    converted = convert_many(paths, paths[0].parent, to="pdf")
    return [converted.get(p.resolve()) for p in paths]


def _row(ws, row: int, values: list[object], st: Styles, widths: list[float] | None = None) -> None:  # noqa: ANN001
    """One row of a table: numbers from the third column on are points (2 decimals); text wraps to its width."""
    for c, value in enumerate(values):
        put(ws, row, c, value, st.num() if c >= 2 and not isinstance(value, str) else st.text)
    if widths:
        fit_row(ws, row, dict(enumerate(values)), widths)


def heading(ws, row: int, text: str, st: Styles) -> None:  # noqa: ANN001
    """A heading over a table, across the page (a single narrow cell cut it off)."""
    ws.merge_range(row, 0, row, len(WIDTHS) - 1, text, st.bold)


def section_of(project: Project) -> dict[str, str]:
    """item id -> its section's number (一, 二, …) as the document numbers them: what a county reads."""
    return {i.id: sec.number or sec.title for sec in project.rubric.sections for i in sec.items}


def _write_assessed(
    ws, row: int, s: SubjectScore, st: Styles, widths: list[float], needs: dict[str, frozenset[str]]  # noqa: ANN001
) -> None:
    """The discretionary items whose 考核分 differs from the subject's 自评分, and those still
    scored from the 自评分 (no 考核分 yet)."""
    differ, pending = [], []
    numbers = section_of(s.state.project)
    for a in s.state.inputs:
        if a.spec.type != "discretionary" or a.reported is None:
            continue
        if a.manual is None:
            pending.append(a.spec.label)
        elif a.manual.value != a.reported:
            own, assessed = float(a.reported), float(a.manual.value)  # type: ignore[arg-type]
            where = next((numbers[item] for item, used in needs.items() if a.spec.id in used), "")
            differ.append([where, a.spec.label, a.spec.max, own, assessed, f"考核分比自评分{'低' if assessed < own else '高'} {points(abs(assessed - own))} 分"])
    heading(ws, row, "酌情计分：考核分与自评分不同的项目", st)
    header(ws, row + 1, ["部分", "酌情计分项", "满分", "自评分", "考核分", "说明"], st)
    row += 2
    for values in differ:
        _row(ws, row, values, st, widths)
        row += 1
    if not differ:
        put(ws, row, 0, "无（考核分均与自评分相同，或尚未评定）", st.text)
        row += 1
    if pending:
        text = f"尚未评定考核分、暂按自评分计分的 {len(pending)} 项：" + "；".join(pending)
        put(ws, row, 0, "说明", st.bold)
        ws.merge_range(row, 1, row, len(widths) - 1, text, st.text)
        fit_row(ws, row, {1: text}, [widths[0], sum(widths[1:])])


def _write_one(
    path: Path,
    s: SubjectScore,
    scores: list[SubjectScore],
    averages: dict[str, float],
    needs: dict[str, frozenset[str]],  # item -> the inputs its formula uses
    project: Project,
) -> None:
    rubric, result = project.rubric, s.state.result
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_numbers": False})
    wb.set_properties({"title": f"{rubric.title}：{s.subject}考核结果", "author": "xinyong"})
    st = Styles(wb)
    ws = wb.add_worksheet(SHEET)
    ws.set_portrait()
    widths = WIDTHS
    for col, width in enumerate(widths):
        ws.set_column(col, col, width)
    provisional = s.provisional_inputs
    draft = "（暂定）" if provisional or s.unscored else ""
    paper.hint(ws, 0, f"{rubric.title}：{s.subject}考核结果{draft}", st.title_small)
    paper.hint(ws, 1, f"{project.settings.name}；发文单位：{project.settings.issuer}", st.note)
    ranked = sum(1 for other in scores if other.rank is not None)
    unranked = f"；另有 {len(scores) - ranked} 个没有可计分的数据，未排名" if len(scores) > ranked else ""
    place = (
        f"第 {s.rank} 名（{ranked} 个排名对象中{unranked}）" if s.rank is not None
        else f"未排名（没有可计分的数据；{ranked} 个对象已排名）"
    )  # fmt: skip
    total = UNSCORED if s.total is None else f"{points(s.total)} / {points(rubric.grand_max)}"
    put(ws, 3, 0, "总分", st.bold)
    put(ws, 3, 1, total, st.big if s.total is not None else st.text)
    put(ws, 4, 0, "名次", st.bold)
    ws.merge_range(4, 1, 4, len(widths) - 1, place, st.text)
    marks = s.marks()
    if marks:  # the rule and the reasons as 排名 states them
        put(ws, 5, 0, "名次说明", st.bold)
        ws.merge_range(5, 1, 5, len(widths) - 1, marks, st.text)
        fit_row(ws, 5, {1: marks}, [widths[0], sum(widths[1:])])
    row = 7
    heading(ws, row, "各部分得分", st)
    header(ws, row + 1, ["部分", "名称", "满分", "本对象", "平均分", "与平均分相比"], st)
    row += 2
    for sec in result.section_scores():
        mine, avg = float(sec["score"]), averages.get(str(sec["id"]))  # type: ignore[arg-type]
        diff = None if avg is None or s.total is None else mine - avg
        _row(ws, row, [sec["number"] or sec["id"], sec["title"], sec["max"], mine if s.total is not None else None, avg, diff], st)
        row += 1
    recoveries = {r.item: r for r in s.state.recoveries}
    numbers = section_of(project)
    row += 1
    heading(ws, row, "逐项得分（失分及原因）", st)
    header(ws, row + 1, ["部分", "指标", "满分", "得分", "失分", "原因与挽回办法"], st)
    row += 2
    for item in result.items:
        rec = recoveries.get(item.id)
        if item.score is None:
            why = rec.unscored if rec and rec.unscored else UNSCORED
        elif rec is None:
            why = "满分"
        else:
            why = "\n".join(step.text for step in rec.steps) or rec.note
        if needs.get(item.id, frozenset()) & provisional:
            why += PROVISIONAL
        _row(ws, row, [numbers.get(item.id, ""), item.title, item.max, item.score, item.lost, why], st, widths)
        row += 1
    plans, _, _ = grouped(s.state.recoveries)
    row += 1
    heading(ws, row, "提分空间（按可挽回分值排序）", st)
    header(ws, row + 1, ["排名", "指标", "满分", "得分", "可挽回", "怎样挽回"], st)
    row += 2
    for k, rec in enumerate(plans, 1):
        how = "\n".join(step.text for step in rec.steps) or rec.note
        _row(ws, row, [k, rec.title, rec.max, rec.score, rec.gain, how], st, widths)
        row += 1
    if not plans:
        put(ws, row, 0, "暂无可通过调整数据挽回的分值", st.text)
        row += 1
    _write_assessed(ws, row + 1, s, st, widths, needs)
    paper.lay_out(ws, 0, (0, 1), portrait=True)
    ws.protect()
    wb.close()
