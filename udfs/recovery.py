"""提分空间: for every item below its maximum, the points lost and the input changes that would win
them back; for every veto, target and certification condition, how close it is to failing.

A credit office asks “where are our points, and who must do what to get them”. Each proposal is
found by searching one input at a time (udfs.recovery_search) and is then scored again with the
whole rubric, so the gain promised is exactly what `evaluate` gives for the displayed numbers,
shared inputs included. Inputs marked `lever: fixed` (totals, populations, previous periods) and
the whole side of a `part<=whole` constraint are never proposed.

Missing inputs are not guessed: an item that cannot be scored is listed with gain 0 and a note
naming the figures to report first (a gain computed from an invented value would be a promise
the data cannot back). Only `Recovery.ranked` plans (scored, gain > 0) are ranked and shown as
可挽回 points; the views list the others after them, unscored items labelled 未计分.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from . import recovery_text as say
from .evaluate import CompiledRubric, Result, _Formula, condition_met, evaluate, item_score
from .recovery_search import TOL, Move, Objective, Space
from .rubric.model import KIND_LABELS, OP_SIGNS, Condition, Item
from .values import is_blank
from .vocabulary import XYInputError, collect_notices

MAX_STEPS = 10
TINY = 1e-9  # scale of a threshold of 0 when judging “close to the threshold”
DISCRETIONARY_NOTE = "酌情计分项，由评审根据工作材料给分"
UNSCORED = "未计分"  # an item without a score: what it could win back is not known yet
AT_BEST_NOTE = "该项得分已是当前数据下可达到的最高分"


@dataclass
class Step:
    """One input change; `after` is exactly the value shown, `gain` the rise of Result.total."""

    input: str
    label: str
    before: object
    after: object
    gain: float
    text: str
    units: list[str] = field(default_factory=list)


@dataclass
class Recovery:
    """One item below its maximum: what is lost, and the plan (possibly empty) to win it back."""

    item: str
    section: str
    title: str
    max: float
    score: float | None
    lost: float
    gain: float
    steps: list[Step]
    units: list[str]
    note: str
    unscored: str = ""  # why the item has no score (缺数据 / 数据有误); "" for a scored item

    @property
    def ranked(self) -> bool:
        """Scored and winning points back: the only plans ranked and counted as 可挽回 points."""
        return self.score is not None and self.gain > 0

    @property
    def status(self) -> str:
        """“未计分，缺数据” for an item without a score, "" otherwise."""
        return f"{UNSCORED}，{self.unscored}" if self.score is None else ""


@dataclass
class CheckRisk:
    """One check condition: its value, how far from the threshold, and a change meeting it if unmet."""

    check: str
    kind: str
    title: str
    label: str
    value: object
    op: str | None
    threshold: float | None
    unit: str
    met: bool | None
    margin: float | None
    at_risk: bool
    steps: list[Step]
    text: str


def recover(
    compiled: CompiledRubric, values: Mapping[str, object], risk_margin: float = 0.05
) -> tuple[list[Recovery], list[CheckRisk]]:
    """Recoveries sorted by gain (then smallest first change, then rubric order), unscored items last,
    and every check condition."""
    planner = _Planner(compiled, values)
    recoveries = [planner.item(item) for item in compiled.rubric.scored_items]
    ranked = [
        (-r.gain, r.score is None, planner.first_rel.get(r.item, math.inf), n, r)
        for n, r in enumerate(recoveries)
        if r is not None
    ]
    ranked.sort(key=lambda row: row[:4])
    return [row[4] for row in ranked], planner.risks(risk_margin)


def grouped(recoveries: list[Recovery]) -> tuple[list[Recovery], list[Recovery], list[Recovery]]:
    """(ranked, lost but not won back by data, unscored), each in the given order: the three lists every
    view of 提分空间 shows, so an item that cannot be scored is never ranked or shown as 可挽回 0 分."""
    ranked = [r for r in recoveries if r.ranked]
    unscored = [r for r in recoveries if r.score is None]
    return ranked, [r for r in recoveries if not r.ranked and r.score is not None], unscored


class _Planner:
    def __init__(self, compiled: CompiledRubric, values: Mapping[str, object]) -> None:
        self.compiled = compiled
        self.raw = dict(values)
        self.base = evaluate(compiled, self.raw)
        self.typed = dict(self.base.values)  # valid, typed inputs: what the rubric actually scores
        self.space = Space(compiled)
        self.inputs = compiled.rubric.inputs
        self.first_rel: dict[str, float] = {}  # item -> relative size of its first change, for ranking
        self.cache: dict[tuple, Result] = {}

    def total(self, changes: Mapping[str, object]) -> float:
        return self.run(changes).total

    def run(self, changes: Mapping[str, object]) -> Result:
        """The whole rubric scored with the changes; cached, a plan asks for the same set twice."""
        key = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in changes.items()))
        if key not in self.cache:
            self.cache[key] = evaluate(self.compiled, {**self.raw, **changes}) if changes else self.base
        return self.cache[key]

    # ---- items ------------------------------------------------------------------------------------

    def item(self, item: Item) -> Recovery | None:
        scored = next(s for s in self.base.items if s.id == item.id)
        top = scored.max
        if scored.score is not None and scored.score >= top - TOL:
            return None
        formula = self.compiled.items[item.id]
        needs = [k for k in self.inputs if k in formula.needs]
        discretionary = bool(needs) and all(self.inputs[k].type == "discretionary" for k in needs)
        lost = round(top - (scored.score or 0.0), 6)
        head = dict(item=item.id, section=item.section, title=item.title, max=top, score=scored.score, lost=lost)
        if scored.score is None:
            why = "缺数据" if any(k not in self.typed and _blank(self.raw.get(k)) for k in needs) else "数据有误"
            return Recovery(
                **head, gain=0.0, steps=[], units=self._providers(needs), note=self._unscored(needs), unscored=why
            )
        steps, changes = self._plan(item.id, top)
        gain = round(self.total(changes) - self.base.total, 6) if steps else 0.0
        units = _union(u for s in steps for u in s.units) if steps else self._providers(needs)
        reached = self._score(item.id, top)({**self.typed, **changes})
        if discretionary:
            note = DISCRETIONARY_NOTE
        elif not steps:
            note = AT_BEST_NOTE
        elif reached is not None and reached < top - TOL:
            note = (
                f"按上述调整后该项可得 {say.points(reached)} 分，其余 {say.points(top - reached)} 分"
                "受不可调整的数据（总量、基数等）或取值范围所限，无法通过数据挽回"
            )
        else:
            note = ""
        return Recovery(**head, gain=gain, steps=steps, units=units, note=note)

    def _unscored(self, needs: list[str]) -> str:
        """Why an item has no score: figures not reported, or reported but refused (range, contradiction)."""
        named = lambda keys: "、".join(f"“{self.inputs[k].label}”（{k}）" for k in keys)  # noqa: E731
        missing = [k for k in needs if k not in self.typed and _blank(self.raw.get(k))]
        invalid = [k for k in needs if k not in self.typed and k not in missing]
        parts = [f"缺少数据项 {named(missing)}，补报后才能计分"] if missing else []
        parts += [f"数据项 {named(invalid)} 无效（超出允许范围或与其他数据矛盾），更正后才能计分"] if invalid else []
        return "；".join(parts) or "按当前数据该项无法计分（见检查结果中的问题），更正数据后才能计分"

    def _plan(self, item_id: str, top: float) -> tuple[list[Step], dict[str, object]]:
        """Greedy: move the input that raises the item most (smallest change on ties), repeat."""
        objective = self._score(item_id, top)
        needs = self.compiled.items[item_id].needs
        changes: dict[str, object] = {}
        steps: list[Step] = []
        total = self.base.total
        for _ in range(MAX_STEPS):
            current = {**self.typed, **changes}
            now = objective(current)
            if now is None or now >= top - TOL:
                break
            moves = [
                m for k in self.space.levers(needs, current) if (m := self.space.best_move(current, k, objective, top))
            ]
            moves.sort(key=lambda m: (-m.value, m.rel))
            gains = (m for m in moves if round(self.total({**changes, m.input: m.after}) - total, 6) > 0)
            chosen = next(gains, None)  # a rise of the item that the whole rubric confirms
            levers = self.space.levers(needs, current)
            group = [chosen] if chosen else self.space.joint(current, levers, objective, top)
            totals = self._totals(changes, group)
            if not group or round(totals[-1] - total, 6) <= 0:
                break
            if not steps:
                self.first_rel[item_id] = group[0].rel
            for move, new_total in zip(group, totals, strict=True):
                spec = self.inputs[move.input]
                gain = round(new_total - total, 6)
                before = current[move.input]
                text = say.item_step(spec, before, move.after, gain, together=len(group) > 1)
                steps.append(Step(move.input, spec.label, before, move.after, gain, text, list(spec.providers)))
                changes[move.input] = move.after
                total = new_total
        return steps, changes

    def _totals(self, changes: Mapping[str, object], group: list[Move]) -> list[float]:
        """Result.total after each move of a group, applied one after the other on top of `changes`."""
        out, acc = [], dict(changes)
        for move in group:
            acc[move.input] = move.after
            out.append(self.total(acc))
        return out

    def _score(self, item_id: str, top: float) -> Objective:
        formula, params = self.compiled.items[item_id], self.compiled.params

        def score(values: Mapping[str, object]) -> float | None:
            value = _quietly(formula, params, values)
            return None if value is _REFUSED else item_score(value, top)

        return score

    def _providers(self, needs: list[str]) -> list[str]:
        return _union(p for k in needs for p in self.inputs[k].providers)

    # ---- checks -----------------------------------------------------------------------------------

    def risks(self, risk_margin: float) -> list[CheckRisk]:
        out = []
        for ci, (check, result) in enumerate(zip(self.compiled.rubric.checks, self.base.checks, strict=True)):
            pairs = zip(self.compiled.conditions[check.id], result.conditions, strict=True)
            for k, ((cond, formula), row) in enumerate(pairs):
                value, met = row["value"], row["met"]
                margin = _margin(cond, value) if met is not None else None
                if met is None:
                    at_risk = True  # a veto that cannot be judged is not known to be safe
                elif cond.op is None or cond.op == "=" or margin is None:
                    at_risk = not met
                else:
                    at_risk = not met or abs(margin) <= risk_margin * max(abs(cond.threshold or 0.0), TINY)
                steps = self._meet(cond, formula, (ci, k)) if met is False else []
                label = KIND_LABELS.get(check.kind, check.kind)
                head = f"{label}{check.number}“{check.title}”·{cond.label}"
                out.append(
                    CheckRisk(
                        check.id, check.kind, check.title, cond.label, value, cond.op, cond.threshold, cond.unit,
                        met, margin, at_risk, steps, _risk_text(head, cond, value, met, margin, at_risk, steps, row),
                    )
                )  # fmt: skip
        return out

    def _meet(self, cond: Condition, formula: _Formula, at: tuple[int, int]) -> list[Step]:
        """The smallest single-input change that meets the condition, confirmed by a full evaluation."""
        objective = _condition_objective(self.compiled, cond, formula)
        levers = self.space.levers(formula.needs, self.typed)
        moves = [m for k in levers if (m := self.space.best_move(self.typed, k, objective, 1.0))]
        for move in sorted((m for m in moves if m.value >= 1.0 - TOL), key=lambda m: m.rel):
            result = self.run({move.input: move.after})
            if result.checks[at[0]].conditions[at[1]]["met"] is True:
                spec = self.inputs[move.input]
                gain = round(result.total - self.base.total, 6)
                before = self.typed[move.input]
                text = say.check_step(spec, before, move.after, gain)
                return [Step(move.input, spec.label, before, move.after, gain, text, list(spec.providers))]
        return []


_REFUSED = object()


def _quietly(formula: _Formula, params: Mapping[str, object], values: Mapping[str, object]) -> object:
    """The formula's value for a candidate set, notices discarded; _REFUSED when an input is
    missing or the formula refuses the values (a candidate that does not score, not an error)."""
    if not formula.needs <= values.keys():
        return _REFUSED
    with collect_notices():
        try:
            return formula.run({**params, **values})
        except (XYInputError, ArithmeticError, TypeError, ValueError):
            return _REFUSED


def _condition_objective(compiled: CompiledRubric, cond: Condition, formula: _Formula) -> Objective:
    params = compiled.params

    def met(values: Mapping[str, object]) -> float | None:
        value = _quietly(formula, params, values)
        state = None if value is _REFUSED else condition_met(cond, value)
        return None if state is None else float(state)

    return met


def _margin(cond: Condition, value: object) -> float | None:
    """Signed distance to the threshold, positive on the safe side; 0 or below for `=` conditions."""
    if cond.op is None or cond.threshold is None or isinstance(value, bool) or not isinstance(value, int | float):
        return None
    x, t = float(value), cond.threshold
    if cond.op in (">=", ">"):
        return round(x - t, 12)
    if cond.op in ("<=", "<"):
        return round(t - x, 12)
    return -round(abs(x - t), 12)


def _risk_text(
    head: str,
    cond: Condition,
    value: object,
    met: bool | None,
    margin: float | None,
    at_risk: bool,
    steps: list[Step],
    row: Mapping[str, object],
) -> str:
    if met is None:
        return f"{head}：{row.get('detail', '无法判断')}，无法判断是否达到要求，请先补齐数据"
    if cond.op is None or cond.threshold is None or margin is None:
        now = f"当前为“{'是' if value else '否'}”" if isinstance(value, bool | int | float) else "当前无法取值"
        state = "已达到要求" if met else "未达到要求"
    else:
        shown = say.in_unit(float(value), cond.unit)  # type: ignore[arg-type]
        now = f"当前 {shown}，要求 {OP_SIGNS[cond.op]} {say.in_unit(cond.threshold, cond.unit)}"
        if not met:
            state = f"未达到要求，差 {say.distance(margin, cond.unit)}" if margin < 0 else "未达到要求"
        elif at_risk:
            state = f"刚好达到要求，余量仅 {say.distance(margin, cond.unit)}，数据稍有变化就可能不达标"
        else:
            state = f"已达到要求，余量 {say.distance(margin, cond.unit)}"
    text = f"{head}：{now}，{state}"
    if met is False:
        text += f"；{steps[0].text}" if steps else "；仅调整一项可调整的数据无法达到要求"
    return text


def _blank(value: object) -> bool:
    return is_blank(value) or (isinstance(value, list | tuple) and not value)


def _union(names: object) -> list[str]:
    out: list[str] = []
    for name in names:  # type: ignore[attr-defined]
        if name not in out:
            out.append(name)
    return out
