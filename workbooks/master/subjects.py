"""The subjects of a many-subject assessment, each scored on its own figures, then ranked.

Ranking (RANKING_RULE, printed on 排名 and in the README): every subject with a total is ranked by its
current total, highest first, so a printed order never puts a higher total below a lower one; ties
share a rank and the next rank skips (1, 2, 2, 4). A rank is 暂定 while the subject's discretionary
items still score from its own 自评分, and 待补 while items are unscored, each with its reason (figures
missing, figures that contradict each other, figures the rule refuses). A subject with nothing scored
has no total and no rank.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from udfs.evaluate import CompiledRubric

from ..intake.inbox import present_names
from ..ledger import Ledger
from ..project import Project
from .progress import unit_progress
from .state import MasterState, gather, provisional_scores

RANKING_RULE = (
    "名次按当前总分从高到低排列，总分相同名次相同（如 1、2、2、4）。"
    "还有酌情计分项按自评分计（评审尚未录入考核分）的，名次标“暂定”；还有指标未计分的，标“待补”并写明原因"
    "（缺数据、数据前后矛盾或数据不符合计分规则），补齐后总分和名次可能变化；没有任何可计分数据的对象不排名、不显示总分。"
)
# why an item is not scored, in the words 排名, the feedback and the command line use
MISSING, CONTRADICTORY, REFUSED = "缺数据", "数据前后矛盾", "数据不符合计分规则"


@dataclass
class SubjectScore:
    subject: str
    short: str
    state: MasterState
    rank: int | None = None
    pending: Counter[str] = field(default_factory=Counter)  # reason -> items not scored for it

    @property
    def provisional_inputs(self) -> set[str]:
        """The discretionary figures still the subject's own 自评分 (no 考核分 entered yet)."""
        return {f.input for f in provisional_scores(self.state.inputs) if f.input}

    @property
    def provisional(self) -> int:
        return len(self.provisional_inputs)

    def marks(self) -> str:
        """暂定 / 待补 with their reasons, as every document shows them ('' for a final rank)."""
        if self.total is None:
            return "没有可计分的数据，不排名"
        parts = []
        if self.unscored:
            reasons = "、".join(f"{why} {n} 项" for why, n in self.pending.most_common())
            parts.append(f"待补：{self.unscored} 项未计分（{reasons}）")
        if self.provisional:
            parts.append(f"暂定：{self.provisional} 项酌情计分按自评分计")
        return "；".join(parts)

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
    ranked = sorted((s for s in scores if s.total is not None), key=lambda s: -float(s.total or 0.0))
    previous: float | None = None
    for place, s in enumerate(ranked, 1):
        key = round(float(s.total or 0.0), 6)
        s.rank = place if key != previous else ranked[place - 2].rank
        previous = key


def pending(state: MasterState, compiled: CompiledRubric) -> Counter[str]:
    """Why each unscored item is unscored: a rule that refused the figures, figures a consistency rule
    found contradictory (headless scoring then drops them), or figures not there."""
    result = state.result
    refused = {f.item for f in result.findings if f.code in ("item-error", "item-score-out-of-range")}
    contradicted = {i for f in result.findings if f.code == "input-constraint" for i in (f.input or "").split(", ")}
    reasons: Counter[str] = Counter()
    for item in result.items:
        if item.score is not None:
            continue
        if item.id in refused:
            reasons[REFUSED] += 1
        elif compiled.items[item.id].needs & contradicted:
            reasons[CONTRADICTORY] += 1
        else:
            reasons[MISSING] += 1
    return reasons


def by_rank(scores: list[SubjectScore]) -> list[SubjectScore]:
    """In rank order, subjects without a rank last (in the project's order)."""
    return sorted(scores, key=lambda s: (s.rank is None, s.rank or 0))


def subject_scores(
    project: Project,
    ledger: Ledger,
    compiled: CompiledRubric | None = None,
    today: date | None = None,
    now: datetime | None = None,
    present: frozenset[str] | None = None,
) -> list[SubjectScore]:
    """Every subject's state from the ledger, in the project's order, ranked (`present`: the names
    in the inbox, when the caller has them)."""
    compiled = compiled or CompiledRubric(project.rubric)
    now = now or datetime.now()
    progress = unit_progress(project, ledger, today or now.date())  # once: the same for every subject
    present = present_names(project.inbox) if present is None else present
    scores = []
    for s in project.subjects:
        state = gather(project, ledger, compiled, today, now, subject=s, progress=progress, present=present)
        scores.append(SubjectScore(s, project.registry.units[s].short or s, state, pending=pending(state, compiled)))
    rank(scores)
    return scores
