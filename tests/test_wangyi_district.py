"""wangyi-district: the weighted tree earns 100 on full marks, and the provincial certification
fails when any one of its conditions fails (at the document's own bounds)."""

from __future__ import annotations

import json

import pytest

from udfs.evaluate import CompiledRubric, evaluate
from udfs.rubric import load, resolve

RUBRIC, _ = load("wangyi-district")
COMPILED = CompiledRubric(RUBRIC)
FULL = json.loads((resolve("wangyi-district").with_suffix("") / "full-marks.json").read_text(encoding="utf-8"))[
    "inputs"
]


def test_weighted_tree() -> None:
    assert [(s.weight, s.max) for s in RUBRIC.sections] == [("40%", 40), ("30%", 30), ("30%", 30)]
    assert [g.max for g in RUBRIC.sections[0].groups] == [5, 10, 10, 6, 5, 4]
    assert [g.max for g in RUBRIC.sections[1].groups] == [12, 8, 4, 6]
    assert [g.max for g in RUBRIC.sections[2].groups] == [15, 15]
    for item in RUBRIC.items:
        assert item.evidence_box in ("1", "2", "3"), item.id


def test_full_marks_is_100_and_certified() -> None:
    result = evaluate(COMPILED, FULL)
    assert result.total == pytest.approx(100)
    assert result.certified is True
    assert result.findings.codes() == []


@pytest.mark.parametrize(
    ("changes", "check_id"),
    [
        ({"essentials_met": False}, "cert_1"),
        ({"third_party_score": 84.9}, "cert_2"),
        ({"major_dishonesty_event": True}, "cert_3"),
        ({"judgment_debtor_legal_share": 0.0001}, "cert_4"),  # 低于万分之一: exactly 1/10000 fails
        ({"judgment_debtor_natural_share": 0.00012}, "cert_4"),
        ({"judgment_debtor_gov": 1}, "cert_4"),
        ({"dishonesty_rectify_rate": 0.79}, "cert_5"),
        ({"gov_dishonesty_rectify_rate": 0.89}, "cert_5"),
        ({"npl_rate": 0.0184}, "cert_6"),  # equal to the national average is not below it
    ],
)
def test_certification_fails_when_any_condition_fails(changes: dict[str, object], check_id: str) -> None:
    result = evaluate(COMPILED, {**FULL, **changes})
    states = {c.id: c.met for c in result.checks}
    assert states[check_id] is False
    assert [k for k, met in states.items() if met is False] == [check_id]
    assert result.certified is False


@pytest.mark.parametrize(
    ("changes", "check_id"), [({"third_party_score": 85}, "cert_2"), ({"dishonesty_rectify_rate": 0.8}, "cert_5")]
)
def test_certification_bounds_included(changes: dict[str, object], check_id: str) -> None:
    result = evaluate(COMPILED, {**FULL, **changes})
    assert next(c.met for c in result.checks if c.id == check_id) is True
