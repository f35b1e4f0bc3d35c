"""zhengzhou-2019: the step rules at their thresholds, the checker reporting exactly the documents'
own contradictions (each once), and the totals a full-marks set can really reach."""

from __future__ import annotations

import json

import pytest

from udfs.evaluate import CompiledRubric, evaluate
from udfs.rubric import check, load, resolve


def rubric(rid: str):  # noqa: ANN201
    loaded, _ = load(rid)
    full = json.loads((resolve(rid).with_suffix("") / "full-marks.json").read_text(encoding="utf-8"))["inputs"]
    return loaded, CompiledRubric(loaded), full


def item_score(result, item_id: str) -> float | None:  # noqa: ANN001
    return next(i.score for i in result.items if i.id == item_id)


def test_checker_reports_the_documents_own_defects_once() -> None:
    units, _ = load("zhengzhou-2019-units")
    counties, _ = load("zhengzhou-2019-counties")
    assert sorted((f.code, f.item) for f in check(units)) == [
        ("item-max-unreachable", "s06_commitment"),  # “得6分” for a formula that reaches 4
        ("item-max-unreachable", "s06_credit_reports"),  # “得6分” for ×5
        ("section-sum-mismatch", "s08"),  # headed 8, items 2 + 5
    ]
    assert sorted((f.code, f.item) for f in check(counties)) == [
        ("item-max-unreachable", "s09_xinyipi"),  # ratio ×2 with “最高得3分”
        ("stated-max-mismatch", "s01"),  # headed 6, content line 8
        ("stated-max-mismatch", "s11"),  # headed 8, content line 4
    ]


@pytest.mark.parametrize(("rid", "expected"), [("zhengzhou-2019-units", 106), ("zhengzhou-2019-counties", 109)])
def test_full_marks_reach_what_the_formulas_allow(rid: str, expected: float) -> None:
    _, compiled, full = rubric(rid)
    result = evaluate(compiled, full)
    assert result.total == pytest.approx(expected)
    assert all(f.severity.value == "info" for f in result.findings)


# 本单位产生的黑名单主体参加信用修复专题培训或接受约谈的比例达到10%的，得1分，以此为基数每增加10%得1分，最高不超过4分
@pytest.mark.parametrize(
    ("trained", "expected"), [(0, 0.0), (9, 0.0), (10, 1.0), (19, 1.0), (20, 2.0), (30, 3.0), (40, 4.0), (100, 4.0)]
)
def test_units_training_steps(trained: int, expected: float) -> None:
    _, compiled, full = rubric("zhengzhou-2019-units")
    result = evaluate(compiled, {**full, "zu_blacklist_trained": trained, "zu_blacklist_own": 100})
    assert item_score(result, "s07_blacklist_trained") == pytest.approx(expected)


# 有联合奖惩案例的，每10个得0.1分，最高不超过6分
@pytest.mark.parametrize(
    ("cases", "expected"), [(0, 0.0), (9, 0.0), (10, 0.1), (19, 0.1), (25, 0.2), (600, 6.0), (900, 6.0)]
)
def test_counties_cases_steps(cases: int, expected: float) -> None:
    _, compiled, full = rubric("zhengzhou-2019-counties")
    result = evaluate(compiled, {**full, "zc_jr_cases": cases})
    assert item_score(result, "s10_jr_cases") == pytest.approx(expected)


# 有联合奖惩案例并上报的，每个得0.1分，最高不超过4分
@pytest.mark.parametrize(("cases", "expected"), [(0, 0.0), (1, 0.1), (25, 2.5), (40, 4.0), (55, 4.0)])
def test_units_cases_per_item(cases: int, expected: float) -> None:
    _, compiled, full = rubric("zhengzhou-2019-units")
    result = evaluate(compiled, {**full, "zu_jr_cases": cases})
    assert item_score(result, "s07_jr_cases") == pytest.approx(expected)
