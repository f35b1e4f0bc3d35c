"""Every typed value is finite and plausible by construction: the one typing function returns a finite
value or a ValueProblem for anything a person can type or a file can carry, and never raises
anything else (an OverflowError here once ended every consolidation of a file holding "1e309")."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from udfs.evaluate import CompiledRubric, evaluate
from udfs.recovery import recover
from udfs.rubric import load
from udfs.rubric.model import InputSpec
from udfs.values import SANE_BOUND, ValueProblem, type_value

SPECS = [
    InputSpec("c", "数量", "count", "人", min=0),
    InputSpec("a", "金额", "amount", "元", min=0),
    InputSpec("n", "数值", "number"),
    InputSpec("r", "比例", "ratio", min=0, max=1),
    InputSpec("d", "酌情分", "discretionary", "分", min=0, max=2),
    InputSpec("l", "各期", "list", "分", min=0, max=100, length=6),
    InputSpec("b", "是否", "bool"),
]
HUGE = ["1e309", "-1e309", "1" + "0" * 400, "1e305万", "１e309", "1e308亿", "9" * 40 + "%", "1e999999999", "-1e400"]
TEXT_PARTS = st.sampled_from(
    list("0123456789.,+-eE%万亿 ") + ["１", "９", "．", "％", "，", "e309", "e-400", "1e308", "inf", "nan", "∞", "约"]
)
typed_text = st.lists(TEXT_PARTS, max_size=12).map("".join)


def assert_finite(value: object) -> None:
    if isinstance(value, bool):
        return
    values = value if isinstance(value, list) else [value]
    assert all(isinstance(v, float) and math.isfinite(v) and abs(v) <= SANE_BOUND for v in values), value


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.type)
@pytest.mark.parametrize("text", HUGE)
def test_text_that_overflows_is_refused_with_a_finding(spec: InputSpec, text: str) -> None:
    if spec.type == "bool":
        with pytest.raises(ValueProblem):
            type_value(spec, text)
        return
    with pytest.raises(ValueProblem) as problem:
        type_value(spec, text)
    assert problem.value.code in ("input-not-finite", "input-out-of-range", "input-wrong-type")
    if spec.type in ("count", "amount", "number") and "%" not in text:
        assert problem.value.code == "input-not-finite" or "可信范围" in str(problem.value), str(problem.value)


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan, 10**400, -(10**400)])
def test_non_finite_numbers_from_json_are_refused(value: float) -> None:
    for spec in SPECS[:5]:
        with pytest.raises(ValueProblem) as problem:
            type_value(spec, value)
        assert problem.value.code in ("input-not-finite", "input-out-of-range"), (spec.type, problem.value)


def test_huge_finite_figures_without_a_maximum_are_out_of_range() -> None:
    """1e308 is finite but no count or amount of an assessment; above SANE_BOUND it is out of range."""
    for spec in SPECS[:3]:
        assert type_value(spec, SANE_BOUND) == SANE_BOUND
        for text in ("1e308", "1e16", "100000000亿", 1e300):
            with pytest.raises(ValueProblem) as problem:
                type_value(spec, text)
            assert problem.value.code == "input-out-of-range", (spec.type, text)
    assert type_value(SPECS[1], "1.2万") == 12_000 and type_value(SPECS[0], "1,234") == 1234


@given(
    spec=st.sampled_from(SPECS),
    value=st.one_of(
        typed_text,  # as a person types into a cell
        st.floats(allow_nan=True, allow_infinity=True),  # a cell's number, or JSON (which may say NaN)
        st.integers(min_value=-(10**500), max_value=10**500),
        st.booleans(),
        st.lists(st.one_of(st.floats(), typed_text), max_size=8),  # the periods of a list input
    ),
)
def test_any_typed_text_cell_or_json_value_gives_a_finite_value_or_a_finding(spec: InputSpec, value: object) -> None:
    try:
        typed = type_value(spec, value)
    except ValueProblem as problem:
        assert problem.code.startswith("input-")
    else:
        assert_finite(typed)


@pytest.mark.parametrize(
    "rubric_id", ["national-2019", "wangyi-district", "zhengzhou-2019-counties", "zhengzhou-2019-units"]
)
@pytest.mark.parametrize("where", ["top", "bottom", "mixed"])
def test_scoring_and_recovery_survive_every_input_at_its_bound(rubric_id: str, where: str) -> None:
    """The master stage never fails on an adopted value: with every figure at the edge typing allows
    (SANE_BOUND where an input has no maximum, 0, the declared bounds), scoring and 提分空间 finish
    and every number they produce is finite."""
    rubric, _ = load(rubric_id)
    rng = random.Random(f"{rubric_id}/{where}")
    values: dict[str, object] = {}
    for spec in rubric.inputs.values():
        top = spec.max if spec.max is not None else SANE_BOUND
        bottom = spec.min if spec.min is not None else -SANE_BOUND if spec.type == "number" else 0.0
        pick = {"top": top, "bottom": bottom}.get(where) if where != "mixed" else rng.choice([top, bottom])
        if spec.type == "bool":
            values[spec.id] = where != "bottom"
        elif spec.type == "list":
            values[spec.id] = [type_value(spec, pick)[0]] * (spec.length or 1)
        else:
            values[spec.id] = type_value(spec, pick)
    compiled = CompiledRubric(rubric)
    result = evaluate(compiled, values)
    assert math.isfinite(result.total)
    recoveries, risks = recover(compiled, result.values)
    for r in recoveries:
        assert all(math.isfinite(x) for x in (r.gain, r.lost or 0.0, r.score or 0.0)), r
        for step in r.steps:
            assert all(math.isfinite(float(x)) for x in (step.gain,) if x is not None), step
    assert all(r.margin is None or math.isfinite(r.margin) for r in risks)
