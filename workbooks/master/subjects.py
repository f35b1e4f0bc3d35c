"""The subjects of a many-subject assessment, each scored on its own figures, then ranked.

Ranking: subjects whose every item could be scored come first, by total, highest first; subjects
with items not yet scored (figures missing) follow, also by total, and are marked; ties share a rank
and the next rank skips (1, 2, 2, 4). A subject with nothing scored has no rank.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from udfs.evaluate import CompiledRubric

from ..ledger import Ledger
from ..project import Project
from .progress import unit_progress
from .state import MasterState, gather


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

    @property
    def unscored(self) -> int:
        return sum(1 for i in self.state.result.items if i.score is None)


def rank(scores: list[SubjectScore]) -> None:
    """Set each subject's rank in place (see the module's docstring)."""
    ranked = [s for s in scores if s.total is not None]
    ranked.sort(key=lambda s: (not s.complete, -float(s.total or 0.0)))
    previous: tuple[bool, float] | None = None
    for place, s in enumerate(ranked, 1):
        key = (s.complete, round(float(s.total or 0.0), 6))
        s.rank = place if key != previous else ranked[place - 2].rank
        previous = key


def by_rank(scores: list[SubjectScore]) -> list[SubjectScore]:
    """In rank order, subjects without a rank last (in the project's order)."""
    return sorted(scores, key=lambda s: (s.rank is None, s.rank or 0))


def subject_scores(
    project: Project,
    ledger: Ledger,
    compiled: CompiledRubric | None = None,
    today: date | None = None,
    now: datetime | None = None,
) -> list[SubjectScore]:
    """Every subject's state from the ledger, in the project's order, ranked."""
    compiled = compiled or CompiledRubric(project.rubric)
    now = now or datetime.now()
    progress = unit_progress(project, ledger, today or now.date())  # once: the same for every subject
    scores = [
        SubjectScore(
            s,
            project.registry.units[s].short or s,
            gather(project, ledger, compiled, today, now, subject=s, progress=progress),
        )
        for s in project.subjects
    ]
    rank(scores)
    return scores
