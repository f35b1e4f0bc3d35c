"""zhengzhou-2019: the step rules at their thresholds, the checker reporting exactly the documents'
own contradictions (each once), and the totals a full-marks set can really reach."""

from __future__ import annotations

import json

import pytest

from udfs.evaluate import CompiledRubric, evaluate
from udfs.rubric import check, load, resolve
from workbooks.project import with_parameters


def rubric(rid: str):  # noqa: ANN201
    loaded, _ = load(rid)
    full = json.loads((resolve(rid).with_suffix("") / "full-marks.json").read_text(encoding="utf-8"))["inputs"]
    return loaded, CompiledRubric(loaded), full


def item_score(result, item_id: str) -> float | None:  # noqa: ANN001
    return next(i.score for i in result.items if i.id == item_id)


def test_checker_reports_the_documents_own_defects_once() -> None:
    units, _ = load("zhengzhou-2019-units")
    counties, _ = load("zhengzhou-2019-counties")
    assert sorted((f.code, f.item) for f in check(units) if f.code != "reading-not-in-text") == [
        ("item-max-unreachable", "s06_commitment"),  # “得6分” for four coverages of at most 100% each
        ("item-max-unreachable", "s06_credit_reports"),  # “得6分” for ×5
        ("section-sum-mismatch", "s08"),  # headed 8, items 2 + 5
    ]
    assert sorted((f.code, f.item) for f in check(counties) if f.code != "reading-not-in-text") == [
        ("item-max-unreachable", "s09_xinyipi"),  # ratio ×2 with “最高得3分”
        ("stated-max-mismatch", "s01"),  # headed 6, content line 8
        ("stated-max-mismatch", "s11"),  # headed 8, content line 4
    ]


def test_every_reading_the_text_does_not_decide_is_listed_for_review() -> None:
    """`rubric check` lists, as info, each parameter and each reading taken where the text leaves the
    score open or contradicts itself: among them the four that move the most points, 0/0 (both_zero_ratio),
    the amount in 元 (s07_xinyidai), whole tens (s10_jr_cases) and coverage above 100% (coverage_rule)."""
    listed = {
        rid: sorted(f.item or f.input for f in check(load(rid)[0]) if f.code == "reading-not-in-text")
        for rid in ("zhengzhou-2019-units", "zhengzhou-2019-counties")
    }
    assert listed == {
        "zhengzhou-2019-units": [
            "both_zero_ratio", "coverage_rule", "s06_commitment", "s06_credit_reports", "s07_blacklist_trained", "s08", "zu_steps_rule",
        ],
        "zhengzhou-2019-counties": [
            "both_zero_ratio", "s01", "s07_xinyidai", "s09_xinyipi", "s10_jr_cases", "s11", "zc_execution_full_rate", "zc_jr_cases_rule",
        ],
    }  # fmt: skip
    for rid in ("zhengzhou-2019-units", "zhengzhou-2019-counties"):  # each names the other reading
        for f in check(load(rid)[0]):
            if f.code == "reading-not-in-text" and f.item not in ("s01", "s08", "s11", "s09_xinyipi", "s06_credit_reports"):
                assert "可选" in f.message or "另一读法" in f.message or "若按" in f.message, f.message


@pytest.mark.parametrize(("rid", "expected"), [("zhengzhou-2019-units", 106), ("zhengzhou-2019-counties", 109)])
def test_full_marks_reach_what_the_formulas_allow(rid: str, expected: float) -> None:
    _, compiled, full = rubric(rid)
    result = evaluate(compiled, full)
    assert result.total == pytest.approx(expected)
    assert all(f.severity.value == "info" for f in result.findings)


# 金融案件执结率，最高得2分（没有计分规则：参数 zc_execution_full_rate，默认国家细则的80%规则按2分放大）
@pytest.mark.parametrize(
    ("closed", "full_rate", "expected"),
    [(0, 0.8, 0.0), (40, 0.8, 1.0), (79, 0.8, 1.975), (80, 0.8, 2.0), (100, 0.8, 2.0),
     (0, 1, 0.0), (40, 1, 0.8), (80, 1, 1.6), (100, 1, 2.0)],
)  # fmt: skip
def test_counties_execution_rate_with_either_reading(closed: int, full_rate: float, expected: float) -> None:
    loaded, _, full = rubric("zhengzhou-2019-counties")
    chosen = with_parameters(loaded, {"zc_execution_full_rate": full_rate})  # as 项目设置.yaml's parameters say
    cases = {"zc_fin_cases_closed": closed, "zc_fin_cases_pending_prev": 50, "zc_fin_cases_received": 50}
    result = evaluate(CompiledRubric(chosen), {**full, **cases})
    assert item_score(result, "s07_execution") == pytest.approx(expected)


# 信用承诺：四项覆盖率相加，得6分（郑州细则没有国家细则“最高得4分”的封顶）；覆盖率是否各以100%为限是参数
@pytest.mark.parametrize(
    ("active", "rule", "expected"),
    [(2000, "capped", 3.5), (4600, "capped", 4.0), (15000, "capped", 4.0),  # (active+600)/5200 = 0.5, 1, 3 -> at most 1
     (2000, "uncapped", 3.5), (4600, "uncapped", 4.0), (9800, "uncapped", 5.0), (15000, "uncapped", 6.0), (30000, "uncapped", 6.0)],
)  # fmt: skip
def test_units_commitment_sums_its_coverages_under_either_reading(active: int, rule: str, expected: float) -> None:
    loaded, _, full = rubric("zhengzhou-2019-units")
    assert loaded.parameters["coverage_rule"].value == "capped"  # the default: a coverage is at most 100%
    result = evaluate(CompiledRubric(with_parameters(loaded, {"coverage_rule": rule})), {**full, "zu_commit_active": active})
    assert item_score(result, "s06_commitment") == pytest.approx(expected)


# 本单位产生的黑名单主体参加信用修复专题培训或接受约谈的比例达到10%的，得1分，以此为基数每增加10%得1分，最高不超过4分
@pytest.mark.parametrize(
    ("trained", "expected"), [(0, 0.0), (9, 0.0), (10, 1.0), (19, 1.0), (20, 2.0), (30, 3.0), (40, 4.0), (100, 4.0)]
)
def test_units_training_steps(trained: int, expected: float) -> None:
    _, compiled, full = rubric("zhengzhou-2019-units")
    result = evaluate(compiled, {**full, "zu_blacklist_trained": trained, "zu_blacklist_own": 100})
    assert item_score(result, "s07_blacklist_trained") == pytest.approx(expected)


# the other reading of “每增加10%得1分” (zu_steps_rule: proportional), at the same thresholds
@pytest.mark.parametrize(
    ("trained", "expected"), [(0, 0.0), (9, 0.0), (10, 1.0), (19, 1.9), (25, 2.5), (40, 4.0), (100, 4.0)]
)
def test_units_training_proportional(trained: int, expected: float) -> None:
    loaded, _, full = rubric("zhengzhou-2019-units")
    compiled = CompiledRubric(with_parameters(loaded, {"zu_steps_rule": "proportional"}))
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


# the other reading of “每10个得0.1分” (zc_jr_cases_rule: per_case): 0.01 a case
@pytest.mark.parametrize(("cases", "expected"), [(0, 0.0), (9, 0.09), (235, 2.35), (599, 5.99), (600, 6.0), (900, 6.0)])
def test_counties_cases_per_case(cases: int, expected: float) -> None:
    loaded, _, full = rubric("zhengzhou-2019-counties")
    compiled = CompiledRubric(with_parameters(loaded, {"zc_jr_cases_rule": "per_case"}))
    result = evaluate(compiled, {**full, "zc_jr_cases": cases})
    assert item_score(result, "s10_jr_cases") == pytest.approx(expected)


# 有联合奖惩案例并上报的，每个得0.1分，最高不超过4分
@pytest.mark.parametrize(("cases", "expected"), [(0, 0.0), (1, 0.1), (25, 2.5), (40, 4.0), (55, 4.0)])
def test_units_cases_per_item(cases: int, expected: float) -> None:
    _, compiled, full = rubric("zhengzhou-2019-units")
    result = evaluate(compiled, {**full, "zu_jr_cases": cases})
    assert item_score(result, "s07_jr_cases") == pytest.approx(expected)
