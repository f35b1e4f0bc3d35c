"""Properties every scoring rule must keep for any valid input: scores stay within [0, max], and
rules that reward more of a good thing (or punish more of a bad one) are monotone."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from udfs.vocabulary import REGISTRY

rates = st.floats(min_value=0, max_value=1, allow_nan=False)
counts = st.integers(min_value=0, max_value=10**7)
positive = st.integers(min_value=1, max_value=10**7)
modes = st.sampled_from(["linear", "floor", "ceil"])


def f(name: str):
    return REGISTRY[name].func


def within(value: float, top: float) -> bool:
    return -1e-12 <= value <= top + 1e-12


@given(rates, rates)
def test_npl_bounded_and_non_increasing(a: float, b: float) -> None:
    lo, hi = sorted((a, b))
    score = f("XY_NPL_SCORE")
    assert within(score(lo), 2) and within(score(hi), 2)
    assert score(hi) <= score(lo) + 1e-12


@given(st.sampled_from(["XY_EXECUTION_SCORE", "XY_RECOVERY_SCORE"]), rates, rates)
def test_court_rates_bounded_and_non_decreasing(name: str, a: float, b: float) -> None:
    lo, hi = sorted((a, b))
    assert within(f(name)(lo), 1) and f(name)(lo) <= f(name)(hi) + 1e-12


@given(positive, counts, counts)
def test_fundraising_non_increasing_in_current(previous: int, a: int, b: int) -> None:
    lo, hi = sorted((a, b))
    score = f("XY_FUNDRAISING_SCORE")
    assert within(score(lo, previous), 1) and score(hi, previous) <= score(lo, previous) + 1e-12


@given(rates, rates, modes)
def test_conversion_and_reporting_non_decreasing(a: float, b: float, mode: str) -> None:
    lo, hi = sorted((a, b))
    for name, top in (("XY_CODE_CONVERSION_SCORE", 1), ("XY_REPORTING_SCORE", 2)):
        assert within(f(name)(lo, mode), top) and f(name)(lo, mode) <= f(name)(hi, mode) + 1e-12


@given(rates, rates, modes)
def test_code_error_non_increasing(a: float, b: float, mode: str) -> None:
    lo, hi = sorted((a, b))
    score = f("XY_CODE_ERROR_SCORE")
    assert within(score(hi, mode), 1) and score(hi, mode) <= score(lo, mode) + 1e-12


@given(positive, rates, rates, st.sampled_from([(3, 1), (4, 0.5)]))
def test_not_connected_non_decreasing(total: int, a: float, b: float, rule: tuple[float, float]) -> None:
    lo, hi = sorted((int(a * total), int(b * total)))
    score = f("XY_NOT_CONNECTED_SCORE")
    full, per = rule
    assert within(score(total, lo, full, per), full)
    assert score(total, lo, full, per) <= score(total, hi, full, per)


@given(
    st.sampled_from(
        [
            ("XY_ITEMS_PER_ENTITY_SCORE", 2),
            ("XY_DAILY_CLICKS_SCORE", 2),
            ("XY_PERSONAL_SCORE_COVERAGE", 4),
            ("XY_XINYIPI_SCORE", 2),
            ("XY_XINYIDAI_SCORE", 2),
        ]
    ),
    positive,
    rates,
    rates,
)
def test_ratio_rules_bounded_and_non_decreasing(rule: tuple[str, float], den: int, a: float, b: float) -> None:
    name, top = rule
    scale = 200_000 if name == "XY_XINYIDAI_SCORE" else (4 if name == "XY_ITEMS_PER_ENTITY_SCORE" else 1)
    lo, hi = sorted((a * den * scale, b * den * scale))
    assert within(f(name)(lo, den), top) and within(f(name)(hi, den), top)
    assert f(name)(lo, den) <= f(name)(hi, den) + 1e-12


@given(st.lists(counts, min_size=8, max_size=8), st.integers(min_value=0, max_value=19), st.integers(0, 7))
def test_commitment_bounded_and_non_decreasing(values: list[int], substitute: int, which: int) -> None:
    active, selfreg, entities, rongque, items, repair, blacklist, _ = values
    entities, items, blacklist = entities + 1, items + 1, blacklist + 1
    rongque, repair = min(rongque, items), min(repair, blacklist)
    args = [active, selfreg, entities, substitute, rongque, items, repair, blacklist]
    score = f("XY_COMMITMENT_SCORE")
    base = score(*args)
    assert within(base, 4)
    more = list(args)
    numerators = [0, 1, 3, 4, 6]
    k = numerators[which % len(numerators)]
    more[k] = min(more[k] + 1, 19) if k == 3 else more[k] + 1
    if k == 4:
        more[4] = min(more[4], items)
    if k == 6:
        more[6] = min(more[6], blacklist)
    assert score(*more) >= base - 1e-12


@given(st.integers(0, 5), st.integers(0, 5), st.integers(0, 4), st.integers(0, 4))
def test_judicial_rules_bounded_and_monotone(pa: int, pg: int, ia: int, ig: int) -> None:
    persons, inst = f("XY_JUDICIAL_PERSONS_SCORE"), f("XY_JUDICIAL_INSTITUTIONS_SCORE")
    assert within(persons(pa, pg), 1.8) and within(inst(ia, ig), 1.2)
    if pa < 5:
        assert persons(pa + 1, pg) > persons(pa, pg)
    if ig < 4:
        assert inst(ia, ig + 1) > inst(ia, ig)


@given(st.lists(st.booleans(), min_size=4, max_size=4))
def test_domain_score_bounded(flags: list[bool]) -> None:
    value = f("XY_DOMAIN_SCORE")(*flags)
    assert within(value, 0.6)
    assert abs(value - (0.1 * flags[0] + 0.1 * flags[1] + 0.2 * flags[2] + 0.2 * flags[3])) < 1e-12


@given(st.lists(st.floats(min_value=0, max_value=100, allow_nan=False), min_size=1, max_size=10))
def test_monitor_score_bounded(scores: list[float]) -> None:
    assert within(f("XY_MONITOR_SCORE")(scores), 1)
