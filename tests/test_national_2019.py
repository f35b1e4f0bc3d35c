"""national-2019 encoded completely: structure as the documents give it, and item scores, vetoes and
targets at the documents' own boundaries, starting from the full-marks input set and changing one
figure at a time (so each expected total is 110 minus the points the document says are lost)."""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from udfs.evaluate import CompiledRubric, Result, evaluate
from udfs.rubric import load, resolve
from udfs.sampling import sample_inputs

RUBRIC, _ = load("national-2019")
COMPILED = CompiledRubric(RUBRIC)
FULL = json.loads((resolve("national-2019").with_suffix("") / "full-marks.json").read_text(encoding="utf-8"))["inputs"]


def score(**changes: object) -> Result:
    return evaluate(COMPILED, {**FULL, **changes})


def item(result: Result, item_id: str) -> float | None:
    return next(i.score for i in result.items if i.id == item_id)


def check(result: Result, check_id: str) -> bool | None:
    return next(c.met for c in result.checks if c.id == check_id)


def test_structure_matches_the_documents() -> None:
    regular = [s for s in RUBRIC.sections if not s.bonus]
    assert [s.number for s in regular] == ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一"]
    assert [s.max for s in regular] == [4, 4, 6, 6, 6, 6, 10, 17, 14, 22, 5]
    assert [s.max for s in RUBRIC.sections if s.bonus] == [10]
    assert RUBRIC.grand_max == 110
    # 七 has three groups (4 + 3 + 3); 八 two (2 + 15); 十一 two (2 + 3)
    groups = {s.id: [g.max for g in s.groups] for s in RUBRIC.sections}
    assert groups["s07"] == [4, 3, 3] and groups["s08"] == [2, 15] and groups["s11"] == [2, 3]
    # ten domains each in 商务诚信 and 社会诚信, 0.6 points each
    for sid in ("s04", "s05"):
        section = next(s for s in RUBRIC.sections if s.id == sid)
        assert len(section.items) == 10 and all(i.max == pytest.approx(0.6) for i in section.items)
    # 政策环境: three checks with 3, 3 and 4 sub-conditions (the extraction's numbering is broken)
    policy = {i.id: i.formula.count(",") + 1 for i in RUBRIC.items if i.group == "s07_policy"}
    assert sorted(policy.values()) == [3, 3, 4]
    vetoes = [c for c in RUBRIC.checks if c.kind == "veto"]
    targets = [c for c in RUBRIC.checks if c.kind == "target"]
    assert [c.number for c in vetoes] == [str(n) for n in range(1, 11)]
    assert [c.number for c in targets] == [str(n) for n in range(11, 21)]
    for it in RUBRIC.items:
        assert it.standard, it.id
    for spec in RUBRIC.inputs.values():
        assert spec.providers and spec.label, spec.id


def test_full_marks() -> None:
    result = score()
    assert result.total == pytest.approx(110)
    assert result.vetoed is False
    assert all(c.met for c in result.checks)
    assert [f.code for f in result.findings] == []


@pytest.mark.parametrize(
    ("changes", "item_id", "expected"),
    [
        ({"npl_rate": 0.035}, "s07_npl", 1.0),
        ({"npl_rate": 0.05}, "s07_npl", 0.0),
        ({"fin_major_risk": True}, "s07_major_risk", 0.0),
        ({"fin_cases_closed": 40, "fin_cases_pending_prev": 50, "fin_cases_received": 50}, "s07_execution", 0.5),
        ({"fin_recovered_amount": 35, "fin_judged_amount": 100}, "s07_recovery", 0.5),
        ({"fundraising_cases": 5, "fundraising_cases_prev": 4}, "s07_fundraising", 0.5),
        ({"pi_loan_quota": True}, "s07_no_intervention", 0.0),
        ({"rd_risk_unhandled": True}, "s07_risk_duty", 0.0),
        ({"code_conversion_rate": 0.995}, "s08_code_conversion", 0.9),
        ({"code_error_rate": 0.0001}, "s08_code_error", 0.9),
        ({"halls_total": 12, "halls_connected": 11}, "s08_halls", 2.0),
        ({"halls_docked": False}, "s08_halls", 0.0),
        ({"linked_units_total": 60, "linked_units_connected": 57}, "s08_linked_units", 2.5),
        ({"lp_report_rate": 0.95}, "s08_reporting", 1.0),
        ({"gov_events_total": 3, "gov_events_rectified": 1, "gov_events_new": 1}, "s03_gov_events", 0.5),
        ({"monitor_scores": [80, 82, 84, 86, 88, 90]}, "s03_monitor_score", 0.85),
        ({"gov_key_domains": 12, "gov_other_domains": 5}, "s02_governance", 1.5),
        ({"wlx_city_relay": False, "wlx_education": False, "wlx_baicheng": True}, "s02_wanlixing", 2.0),
        ({"wlx_city_relay": False, "wlx_education": False, "wlx_baicheng": False}, "s02_wanlixing", 0.0),
        ({"jp_forensic_graded": False}, "s06_persons", 1.35),
        ({"jd_admin": False}, "s06_disclosure", 0.75),
        ({"xinyi_domains": 7}, "s09_services", 2.1),
        ({"td_units": False}, "s11_task_division", 0.7),
        ({"biz_tax_list": False, "biz_tax_graded": False}, "s04_tax", 0.2),
        ({"d_bonus": 6.5}, "bonus_innovation", 6.5),
    ],
)
def test_items_at_document_boundaries(changes: dict[str, object], item_id: str, expected: float) -> None:
    result = score(**changes)
    assert item(result, item_id) == pytest.approx(expected, abs=1e-9)
    full_item = next(i.max for i in result.items if i.id == item_id)
    assert result.total == pytest.approx(110 - (full_item - expected), abs=1e-9)


def test_personal_scores_at_exactly_half_earn_nothing() -> None:
    population = FULL["registered_population"]
    assert item(score(residents_with_score=population // 2), "s09_personal_score") == 0.0
    assert item(score(residents_with_score=int(population * 0.6)), "s09_personal_score") == pytest.approx(2.0)


@pytest.mark.parametrize(
    ("changes", "check_id", "met"),
    [
        ({"code_conversion_rate": 0.9999}, "basic_01", False),
        ({"code_error_rate": 0.0001}, "basic_02", False),  # 低于万分之一: strictly below
        ({"code_error_rate": 0.00009}, "basic_02", True),
        ({"gov_events_total": 4, "gov_events_rectified": 3}, "basic_03", False),
        ({"gov_events_total": 0, "gov_events_rectified": 0, "gov_events_new": 0}, "basic_03", True),
        ({"halls_total": 12, "halls_connected": 11}, "basic_04", False),
        ({"lp_report_rate": 0.999}, "basic_05", False),
        ({"credit_reports_submitted": 800, "blacklist_poor_total": 1000}, "basic_06", True),
        ({"credit_reports_submitted": 799, "blacklist_poor_total": 1000}, "basic_06", False),
        (
            {"blacklist_exited": 30, "blacklist_operating": 100, "repair_trained": 50, "commit_repair": 100},
            "basic_07",
            True,
        ),
        (
            {"blacklist_exited": 29, "blacklist_operating": 100, "repair_trained": 50, "commit_repair": 100},
            "basic_07",
            False,
        ),
        (
            {"repair_trained": 50, "blacklist_operating": 100, "blacklist_exited": 30, "commit_repair": 100},
            "basic_08",
            True,
        ),
        (
            {"repair_trained": 49, "blacklist_operating": 100, "blacklist_exited": 30, "commit_repair": 100},
            "basic_08",
            False,
        ),
        ({"commit_substitute_items": 18}, "basic_09", False),
        ({"monitor_extended": False}, "basic_10", False),
        ({"monitor_is_capital": False, "monitor_rank": 100}, "basic_10", True),
        ({"monitor_is_capital": False, "monitor_rank": 101}, "basic_10", False),
        ({"monitor_is_capital": True, "monitor_rank": 150, "monitor_interviewed": False}, "basic_10", True),
        ({"monitor_is_capital": True, "monitor_rank": 5, "monitor_interviewed": True}, "basic_10", False),
        ({"jr_domains": 39}, "guide_11", False),
        ({"jr_embedded_domains": 10}, "guide_16", True),
        ({"jr_embedded_domains": 9}, "guide_16", False),
        ({"xinyi_domains": 9}, "guide_18", False),
        ({"gov_key_domains": 19}, "guide_20", False),
    ],
)
def test_hard_indicators_at_their_thresholds(changes: dict[str, object], check_id: str, met: bool) -> None:
    result = score(**changes)
    assert check(result, check_id) is met
    if check_id.startswith("basic"):
        assert result.vetoed is (not met)


def test_seventy_percent_personal_scores_is_not_above_seventy() -> None:
    population = FULL["registered_population"]
    assert check(score(residents_with_score=int(population * 0.7)), "guide_17") is False  # 超过70%
    assert check(score(residents_with_score=int(population * 0.7) + 1), "guide_17") is True


def test_veto_whatever_the_score() -> None:
    result = score(code_conversion_rate=0.999)
    assert result.total > 109.9
    assert result.vetoed is True


def test_vacuous_ratio_is_reported() -> None:
    result = score(gov_events_total=0, gov_events_rectified=0, gov_events_new=0)
    assert check(result, "basic_03") is True
    assert "vacuous-ratio" in result.findings.codes()


def test_fewer_than_six_monitoring_periods_is_reported() -> None:
    result = score(monitor_scores=[90, 92])
    assert item(result, "s03_monitor_score") == pytest.approx(0.91)
    assert "too-few-periods" in result.findings.codes()


def test_unknown_veto_state_when_data_missing() -> None:
    values = dict(FULL)
    del values["lp_report_rate"]
    result = evaluate(COMPILED, values)
    assert check(result, "basic_05") is None
    assert result.vetoed is None
    assert {"input-missing", "item-not-scored", "check-not-evaluated"} <= set(result.findings.codes())


def test_percent_text_and_yes_no_words_are_typed() -> None:
    result = score(npl_rate="3.5%", halls_docked="是", code_conversion_rate="９９．５％")
    assert item(result, "s07_npl") == pytest.approx(1.0)
    assert item(result, "s08_halls") == pytest.approx(3.0)
    assert item(result, "s08_code_conversion") == pytest.approx(0.9)


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=2**32))
def test_generated_sets_stay_within_maxima(seed: int) -> None:
    values = sample_inputs(RUBRIC, random.Random(seed))
    result = evaluate(COMPILED, values)
    for it in result.items:
        if it.score is not None:
            assert -1e-12 <= it.score <= it.max + 1e-12, it.id
    for section in result.section_scores():
        assert section["score"] <= section["max"] + 1e-9
    assert 0 <= result.total <= RUBRIC.grand_max + 1e-9
