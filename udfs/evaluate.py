"""Headless scoring: a rubric evaluated against one input set.

Every formula is compiled once (`CompiledRubric`) and reused for any number of input sets. Inputs
are typed and range-checked first; an item whose inputs are missing or invalid is not scored (and
says why) rather than scored as 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .engines.python import Compiled, compile_node
from .findings import Findings, Severity
from .formula import names, parse
from .numbers import input_value, number_text
from .rubric.model import OP_SIGNS, Check, Condition, Rubric
from .values import ValueProblem, implausible, is_blank, type_value
from .vocabulary import XYInputError, collect_notices
from .vocabulary.core import close, ge, gt, le, lt

NOTICE_SEVERITY = {"vacuous-ratio": Severity.WARNING, "too-few-periods": Severity.WARNING}
_COMPARE = {">=": ge, ">": gt, "<=": le, "<": lt, "=": close}


@dataclass
class _Formula:
    text: str
    run: Compiled
    needs: frozenset[str]  # input ids (parameters excluded)


class CompiledRubric:
    """A rubric with every formula parsed and compiled; build once, score many input sets."""

    def __init__(self, rubric: Rubric) -> None:
        self.rubric = rubric
        self.params = {pid: p.value for pid, p in rubric.parameters.items()}
        self.items = {item.id: self._compile(item.formula or "") for item in rubric.scored_items}
        self.constraints = [(c, self._compile(c.rule)) for c in rubric.constraints]
        self.conditions = {
            check.id: [(cond, self._compile(cond.value)) for cond in check.conditions] for check in rubric.checks
        }

    def _compile(self, text: str) -> _Formula:
        tree = parse(text)
        return _Formula(text, compile_node(tree), frozenset(names(tree) - set(self.params)))


@dataclass
class ItemScore:
    id: str
    section: str
    group: str | None
    title: str
    max: float
    score: float | None

    @property
    def lost(self) -> float | None:
        return None if self.score is None else self.max - self.score


@dataclass
class CheckResult:
    id: str
    kind: str
    title: str
    met: bool | None
    detail: str
    conditions: list[dict[str, object]] = field(default_factory=list)


@dataclass
class Result:
    rubric: Rubric
    items: list[ItemScore]
    checks: list[CheckResult]
    findings: Findings
    values: dict[str, object]

    def section_scores(self) -> list[dict[str, object]]:
        rows = []
        for section in self.rubric.sections:
            scores = [i.score for i in self.items if i.section == section.id]
            rows.append(
                {
                    "id": section.id,
                    "number": section.number,
                    "title": section.title,
                    "score": _r(sum(s for s in scores if s is not None)),
                    "max": section.max,
                    "bonus": section.bonus,
                    "complete": all(s is not None for s in scores),
                }
            )
        return rows

    @property
    def base_score(self) -> float:
        bonus = {s.id for s in self.rubric.sections if s.bonus}
        return _r(sum(i.score or 0.0 for i in self.items if i.section not in bonus))

    @property
    def bonus_score(self) -> float:
        bonus = {s.id for s in self.rubric.sections if s.bonus}
        return _r(sum(i.score or 0.0 for i in self.items if i.section in bonus))

    @property
    def total(self) -> float:
        return _r(self.base_score + self.bonus_score)

    @property
    def complete(self) -> bool:
        return all(i.score is not None for i in self.items)

    def _any_unmet(self, kind: str) -> bool | None:
        checks = [c for c in self.checks if c.kind == kind]
        if any(c.met is False for c in checks):
            return True
        return None if any(c.met is None for c in checks) else False

    @property
    def vetoed(self) -> bool | None:
        """Any unmet basic indicator vetoes, whatever the score; unknown while any cannot be judged."""
        return self._any_unmet("veto")

    @property
    def certified(self) -> bool | None:
        """Every certification condition met; None when a rubric has none or one cannot be judged."""
        if not any(c.kind == "certification" for c in self.checks):
            return None
        unmet = self._any_unmet("certification")
        return None if unmet is None else not unmet

    def to_dict(self) -> dict[str, object]:
        r = self.rubric
        return {
            "rubric": r.id,
            "rubric_version": r.version,
            "total": self.total,
            "max_total": r.grand_max,
            "base_score": self.base_score,
            "base_max": r.max_total,
            "bonus_score": self.bonus_score,
            "bonus_max": r.bonus_max,
            "complete": self.complete,
            "vetoed": self.vetoed,
            "sections": self.section_scores(),
            "items": [
                {
                    "id": i.id,
                    "section": i.section,
                    "group": i.group,
                    "title": i.title,
                    "score": None if i.score is None else _r(i.score),
                    "max": i.max,
                    "lost": None if i.lost is None else _r(i.lost),
                }
                for i in self.items
            ],
            "vetoes": [_check_dict(c) for c in self.checks if c.kind == "veto"],
            "targets": [_check_dict(c) for c in self.checks if c.kind == "target"],
            "certified": self.certified,
            "certification": [_check_dict(c) for c in self.checks if c.kind == "certification"],
            "findings": [f.to_dict() for f in self.findings],
        }


def _check_dict(c: CheckResult) -> dict[str, object]:
    conditions = [{**row, "value": _plain(row["value"])} for row in c.conditions]
    return {"id": c.id, "title": c.title, "met": c.met, "detail": c.detail, "conditions": conditions}


def _r(x: float) -> float:
    return round(x, 6) + 0.0  # six places hides binary noise (0.8999999999 -> 0.9); never shown rounder


def type_inputs(rubric: Rubric, raw: Mapping[str, object], findings: Findings) -> dict[str, object]:
    """Typed values for every input given; problems become findings naming the input."""
    values: dict[str, object] = {}
    for key in raw:
        if key not in rubric.inputs and key not in rubric.parameters:
            findings.add(
                "input-unknown", f"输入文件中的“{key}”不是本指标体系的数据项，已忽略", Severity.WARNING, input=key
            )
    for spec in rubric.inputs.values():
        value = raw.get(spec.id)
        if is_blank(value) or (isinstance(value, list | tuple) and not value):
            findings.add("input-missing", f"缺少数据项“{spec.label}”（{spec.id}）", input=spec.id)
            continue
        try:
            values[spec.id] = type_value(spec, value)
            if why := implausible(spec, values[spec.id]):
                shown = input_value(spec, values[spec.id])
                message = f"数据项“{spec.label}”（{spec.id}）为 {shown}{spec.unit if spec.type != 'ratio' else ''}，{why}"
                findings.add("input-implausible", message, Severity.WARNING, input=spec.id, expected=spec.plausible_text())
        except ValueProblem as problem:
            findings.add(
                problem.code,
                f"数据项“{spec.label}”（{spec.id}）：{problem}",
                input=spec.id,
                expected=spec.range_text() or spec.type,
            )
    return values


def evaluate(compiled: CompiledRubric, raw: Mapping[str, object]) -> Result:
    rubric = compiled.rubric
    findings = Findings()
    values = type_inputs(rubric, raw, findings)
    contradicted: set[str] = set()
    for constraint, formula in compiled.constraints:  # each judged on the figures as reported, as the master's cells do
        if formula.needs <= values.keys():
            ok, _ = _run(formula, values, compiled.params, findings)
            if ok is False:
                findings.add(
                    "input-constraint", f"数据前后矛盾：{constraint.message}", input=", ".join(sorted(formula.needs))
                )
                contradicted |= formula.needs
    for key in contradicted:
        values.pop(key, None)
    env = {**compiled.params, **values}
    items = []
    for item in rubric.scored_items:
        formula = compiled.items[item.id]
        top = item.max or 0.0
        missing = sorted(formula.needs - values.keys())
        score: float | None = None
        if missing:
            findings.add(
                "item-not-scored", f"指标“{item.title}”缺少或无效的数据项：{', '.join(missing)}，暂不计分", item=item.id
            )
        else:
            value, problem = _run(formula, env, compiled.params, findings, item=item.id)
            if problem:
                findings.add("item-error", f"指标“{item.title}”无法计分：{problem}", item=item.id)
            elif isinstance(value, bool) or not isinstance(value, int | float):
                findings.add("item-error", f"指标“{item.title}”的公式结果不是数值：{value}", item=item.id)
            elif (score := item_score(value, top)) is None:
                findings.add("item-score-out-of-range", f"指标“{item.title}”得分{number_text(value)}超出0–{number_text(top)}", item=item.id)
        items.append(ItemScore(item.id, item.section, item.group, item.title, top, score))
    checks = [_check(check, compiled, env, values, findings) for check in rubric.checks]
    for c in checks:  # a verdict the office must act on is a finding, so it reaches the exit code and 问题清单
        if c.met is False and c.kind == "veto":
            findings.add("veto-triggered", f"基础性指标“{c.title}”未达到，一票否决：{c.detail}", Severity.ERROR, item=c.id)
        elif c.met is False and c.kind == "certification":
            findings.add("certification-not-met", f"认定条件“{c.title}”未达到：{c.detail}", Severity.WARNING, item=c.id)
    return Result(rubric, items, checks, findings, values)


def _run(
    formula: _Formula,
    env: Mapping[str, object],
    params: Mapping[str, object],
    findings: Findings,
    item: str | None = None,
):
    with collect_notices() as notices:
        try:
            value = formula.run(env)
            problem = None
        except XYInputError as exc:
            value, problem = None, str(exc)
    for n in notices:
        findings.add(n.code, n.message, NOTICE_SEVERITY.get(n.code, Severity.INFO), item=item)
    return value, problem


def _check(check: Check, compiled: CompiledRubric, env: dict, values: dict, findings: Findings) -> CheckResult:
    rows: list[dict[str, object]] = []
    states: list[bool | None] = []
    for cond, formula in compiled.conditions[check.id]:
        missing = sorted(formula.needs - values.keys())
        value, problem = (
            (None, f"缺少数据项 {', '.join(missing)}")
            if missing
            else _run(formula, env, compiled.params, findings, item=check.id)
        )
        met = None if problem else condition_met(cond, value)
        if problem:
            findings.add(
                "check-not-evaluated",
                f"{_kind(check)}“{check.title}”无法判断：{problem}",
                Severity.WARNING,
                item=check.id,
            )
        states.append(met)
        rows.append(
            {
                "label": cond.label,
                "value": value,
                "op": cond.op,
                "threshold": cond.threshold,
                "met": met,
                "detail": _detail(cond, value, met, problem),
            }
        )
    met = False if False in states else (None if None in states else True)
    detail = "；".join(str(r["detail"]) for r in rows)
    return CheckResult(check.id, check.kind, check.title, met, detail, rows)


def item_score(value: object, top: float) -> float | None:
    """The score a formula's value gives an item worth `top`: within the scoring tolerance of 0..top
    it counts (clamped), anything else is not a score. Shared with 提分空间 so both judge alike."""
    if isinstance(value, bool) or not isinstance(value, int | float) or lt(float(value), 0.0) or gt(float(value), top):
        return None
    return min(top, max(0.0, float(value)))


def condition_met(cond: Condition, value: object) -> bool | None:
    """A hard-indicator condition judged on its value (None: cannot be judged), with the scoring tolerance."""
    if cond.op is None:
        return bool(value) if isinstance(value, bool | int | float) else None
    if isinstance(value, bool) or not isinstance(value, int | float) or cond.threshold is None:
        return None
    return _COMPARE[cond.op](float(value), cond.threshold)


def _show(value: object, unit: str) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float):
        return f"{number_text(value * 100, 4)}%" if unit == "%" else f"{number_text(value, 6)}{unit}"
    return str(value)


def _detail(cond: Condition, value: object, met: bool | None, problem: str | None) -> str:
    if problem:
        return f"{cond.label}：无法判断（{problem}）"
    status = {True: "达到", False: "未达到", None: "无法判断"}[met]
    if cond.op is None:
        return f"{cond.label}：{_show(value, '')}（{status}）"
    return f"{cond.label}：当前{_show(value, cond.unit)}，要求{OP_SIGNS[cond.op]}{_show(cond.threshold, cond.unit)}（{status}）"


def _plain(value: object) -> object:
    return round(value, 9) if isinstance(value, float) else value


def _kind(check: Check) -> str:
    return {"veto": "基础性指标", "target": "引导性指标", "certification": "认定条件"}[check.kind]
