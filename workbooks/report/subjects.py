"""The scores of a many-subject assessment: each subject scored on its own figures, then ranked.

Ranking: subjects whose every item could be scored come first, by total, highest first; subjects
with items not yet scored (figures missing) follow, also by total, and are marked; ties share a rank
and the next rank skips (1, 2, 2, 4). A subject with nothing scored has no rank.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from udfs.evaluate import CompiledRubric
from udfs.findings import Findings

from ..ledger import LEDGER_FILE, Ledger
from ..master.live import Where
from ..master.run import MasterOutcome
from ..master.state import MasterState, gather
from ..project import Project
from . import text


@dataclass
class SubjectScore:
    subject: str
    short: str
    state: MasterState
    rank: int | None = None

    @property
    def total(self) -> float | None:
        return self.state.result.total if any(i.score is not None for i in self.state.result.items) else None

    @property
    def complete(self) -> bool:
        return self.state.result.complete


def rank(scores: list[SubjectScore]) -> None:
    """Set each subject's rank in place (see the module's docstring)."""
    ranked = [s for s in scores if s.total is not None]
    ranked.sort(key=lambda s: (not s.complete, -float(s.total or 0.0)))
    previous: tuple[bool, float] | None = None
    for place, s in enumerate(ranked, 1):
        key = (s.complete, round(float(s.total or 0.0), 6))
        s.rank = place if key != previous else ranked[place - 2].rank
        previous = key


def subject_scores(project: Project, today: date | None = None, now: datetime | None = None) -> list[SubjectScore]:
    """Every subject's state from the ledger, in the project's order, ranked."""
    compiled = CompiledRubric(project.rubric)
    ledger = Ledger(project.root / LEDGER_FILE)
    try:
        scores = [
            SubjectScore(s, project.registry.units[s].short or s, gather(project, ledger, compiled, today, now, subject=s))
            for s in project.subjects
        ]
    finally:
        ledger.close()
    rank(scores)
    return scores


def subject_dict(s: SubjectScore, mode: str) -> dict[str, object]:
    """One subject, with the fields a one-subject project's `score --json` has."""
    outcome = MasterOutcome(None, s.state, Where(), mode, Findings())
    detail = text.master_dict(outcome)
    head = {
        "subject": s.subject,
        "short": s.short,
        "rank": s.rank,
        "total": s.total,
        "complete": s.complete,
        "sections": s.state.result.section_scores(),
    }
    return {**head, **{k: v for k, v in detail.items() if k not in head}}


def ranking_text(scores: list[SubjectScore]) -> str:
    """The ranking as the command line shows it."""
    maximum = text.points(scores[0].state.project.rubric.grand_max) if scores else ""
    lines = [f"考核对象 {len(scores)} 个（按名次）："]
    for s in sorted(scores, key=lambda x: (x.rank is None, x.rank or 0)):
        place = f"第{s.rank}名" if s.rank is not None else "未排名"
        total = "未计分（缺数据）" if s.total is None else f"{text.points(s.total)} / {maximum}"
        unscored = sum(1 for i in s.state.result.items if i.score is None)
        mark = f"（{unscored} 项未计分，缺数据）" if s.total is not None and unscored else ""
        lines.append(f"  {place}  {s.short}  {total}{mark}")
    return "\n".join(lines)
