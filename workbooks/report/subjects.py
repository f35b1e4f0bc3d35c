"""A many-subject assessment's scores for the command line and scripts: the ranking as text, one
subject as the document a one-subject project's `score --json` gives (master.subjects scores them)."""

from __future__ import annotations

from datetime import date, datetime

from udfs.findings import Findings
from udfs.recovery import UNSCORED, grouped

from ..ledger import LEDGER_FILE, Ledger
from ..master.live import Where
from ..master.ranking import TOP
from ..master.run import MasterOutcome
from ..master.subjects import SubjectScore, by_rank, subject_scores
from ..project import Project
from . import text


def scores_of(project: Project, today: date | None = None, now: datetime | None = None) -> list[SubjectScore]:
    """Every subject's score from the project's ledger, ranked."""
    ledger = Ledger(project.root / LEDGER_FILE)
    try:
        return subject_scores(project, ledger, today=today, now=now)
    finally:
        ledger.close()


def subject_dict(s: SubjectScore) -> dict[str, object]:
    """One subject, with the fields a one-subject project's `score --json` has."""
    outcome = MasterOutcome(None, s.state, Where(), Findings())
    detail = text.master_dict(outcome)
    head = {
        "subject": s.subject,
        "short": s.short,
        "rank": s.rank,
        "total": s.total,
        "complete": s.complete,
        "sections": s.state.result.section_scores(),
        "provisional": s.provisional,  # discretionary items still scored from the 自评分 (the rank is 暂定)
        "pending": dict(s.pending),  # reason -> items not scored (the rank is 待补)
    }
    if s.total is None and isinstance(detail.get("score"), dict):  # no total anywhere, not 0
        detail["score"] = {**detail["score"], "total": None, "base_score": None, "bonus_score": None}  # type: ignore[dict-item]
    return {**head, **{k: v for k, v in detail.items() if k not in head}}


def ranking_line(s: SubjectScore) -> str:
    """One subject's place, short name and total, as the command line and the demo show it."""
    place = f"第{s.rank}名" if s.rank is not None else "未排名"
    maximum = text.points(s.state.project.rubric.grand_max)
    total = "无总分" if s.total is None else f"{text.points(s.total)} / {maximum}"
    mark = f"（{s.marks()}）" if s.marks() else ""
    return f"  {place}  {s.short}  {total}{mark}"


def ranking_text(scores: list[SubjectScore]) -> str:
    """The ranking as the command line shows it."""
    ordered = by_rank(scores)
    return "\n".join([f"考核对象 {len(scores)} 个（按名次）：", *map(ranking_line, ordered)])


def recovery_lines(scores: list[SubjectScore], top: int = TOP) -> str:
    """提分空间 of a many-subject assessment, as the command line and the ribbon show it: each subject
    in rank order with its `top` items by points to win back (`--subject` shows one subject whole)."""
    lines = [f"提分空间（各考核对象可挽回分值最多的 {top} 项，按名次；xinyong report 项目 --subject 简称 查看一个对象的全部）："]
    for s in by_rank(scores):
        lines.append(ranking_line(s))
        ranked, _, unscored = grouped(s.state.recoveries)
        for k, rec in enumerate(ranked[:top], 1):
            how = rec.steps[0].text if rec.steps else rec.note
            lines.append(f"       {k}. {rec.title}：可挽回 {text.points(rec.gain)} 分（{how}）")
        if unscored:
            lines.append(f"       另有 {len(unscored)} 项{UNSCORED}，补齐数据后才能计分")
    return "\n".join(lines)
