"""Figures typed with their units: a count with its measure word (`720件`, `3.5万户`), an amount with 元,
万元 or 亿元 (`24.8亿元`), read by the one typing function (udfs.values) when the word fits what the input
counts, converted exactly to the input's own unit, and refused with a reason otherwise; `reading_note`
says how such a figure was read. The expectations below are written out here (not taken from the module's
table), so a change of the table is a change of these tests."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from udfs.rubric.model import InputSpec
from udfs.values import ValueProblem, parse_number, reading_note, type_value


def count(unit: str) -> InputSpec:
    return InputSpec(f"c_{unit or 'none'}", "数量", "count", unit, min=0)


def amount(unit: str) -> InputSpec:
    return InputSpec(f"a_{unit or 'none'}", "金额", "amount", unit, min=0)


# What each count input accepts, written out: persons, entities (户/家) and things never mix, but 个 is
# accepted everywhere, an input in 个 accepts entities and things, and an input without a unit anything.
PERSONS, ENTITIES, THINGS = set("人名位"), set("户家"), set("个件项条次批份起宗例场")
ALL_WORDS = PERSONS | ENTITIES | THINGS
ACCEPTS = {
    "": ALL_WORDS,
    "个": ENTITIES | THINGS,
    "户": ENTITIES | {"个"},
    "人": PERSONS | {"个"},
    "名": PERSONS | {"个"},
    "件": THINGS,
    "项": THINGS,
    "条": THINGS,
    "次": THINGS,
    "批": THINGS,
}
YUAN_IN = {"元": 1, "": 1, "万元": 10_000, "亿元": 100_000_000}  # an amount with no unit is in 元
SCALE = {"": 1, "万": 10_000, "亿": 100_000_000}


def refused(spec: InputSpec, text: str) -> str:
    with pytest.raises(ValueProblem) as problem:
        type_value(spec, text)
    assert problem.value.code == "input-wrong-type", (text, problem.value.code, str(problem.value))
    return str(problem.value)


# -- counts --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("unit", "text", "expected"),
    [
        ("件", "720件", 720.0),
        ("件", "720 件", 720.0),
        ("件", "720起", 720.0),  # cases written 起
        ("个", "1个", 1.0),
        ("个", "352,000家", 352_000.0),  # market entities counted in 个, written in 家
        ("个", "12次", 12.0),
        ("户", "352,000家", 352_000.0),
        ("户", "3.5万户", 35_000.0),
        ("户", "１２０户", 120.0),  # full-width digits
        ("户", "352,000个", 352_000.0),  # 个 is the generic word
        ("人", "１２０人", 120.0),
        ("人", "120名", 120.0),
        ("人", "120位", 120.0),
        ("人", "120个", 120.0),
        ("人", "1.2万人", 12_000.0),
        ("项", "19项", 19.0),
        ("条", "35万条", 350_000.0),
        ("次", "6次", 6.0),
        ("批", "2批", 2.0),
        ("名", "3名", 3.0),
        ("", "12人", 12.0),  # no unit given: any measure word
        ("", "12户", 12.0),
        ("", "12次", 12.0),
        ("件", "720", 720.0),  # a bare figure as before
        ("件", "1.2万", 12_000.0),
        ("座", "3座", 3.0),  # a unit outside the table accepts itself (and 个)
        ("座", "3个", 3.0),
    ],
)
def test_a_count_with_a_fitting_measure_word_is_read(unit: str, text: str, expected: float) -> None:
    typed = type_value(count(unit), text)
    assert typed == expected and isinstance(typed, float), (unit, text, typed)


@pytest.mark.parametrize(
    ("unit", "text", "reason"),
    [
        ("户", "3万人", "此项以“户”计，不能填“人”"),
        ("户", "12件", "此项以“户”计，不能填“件”"),
        ("人", "3户", "此项以“人”计，不能填“户”"),
        ("人", "3家", "此项以“人”计，不能填“家”"),
        ("人", "720件", "此项以“人”计，不能填“件”"),
        ("件", "720人", "此项以“件”计，不能填“人”"),
        ("件", "720户", "此项以“件”计，不能填“户”"),
        ("个", "12人", "此项以“个”计，不能填“人”"),
        ("次", "3名", "此项以“次”计，不能填“名”"),
        ("座", "3件", "此项以“座”计，不能填“件”"),
        ("件", "5000元", "此项是个数，不能填金额"),
        ("件", "24.8亿元", "此项是个数，不能填金额"),
        ("户", "1.2万元", "此项是个数，不能填金额"),
        ("", "12元", "此项是个数，不能填金额"),
        ("件", "约720件", "约数"),
        ("件", "720余件", "约数"),
        ("件", "720多件", "约数"),
        ("件", "近720件", "约数"),
        ("件", "720件左右", "约数"),
        ("件", "720件以上", "约数"),
        ("人", "120人次", "应为数值，收到文本“120人次”"),  # person-times are not persons
        ("件", "720只", "应为数值，收到文本“720只”"),  # a word not known
        ("件", "件", "应为数值，收到文本“件”"),
        ("件", "七百二十件", "应为数值，收到文本“七百二十件”"),
        ("件", "1.5件", "应为整数，收到1.5"),
        ("件", "12%件", "应为数值，收到文本“12%件”"),
        ("件", "12%", "此项不是比例，不能填百分数“12%”"),
        ("户", "35,20家", "千分位逗号位置不对"),
        ("件", "720件件", "应为数值，收到文本“720件件”"),
        ("户", "3万万户", "应为数值，收到文本“3万万户”"),
    ],
)
def test_a_count_with_a_word_that_does_not_fit_is_refused_with_the_reason(unit: str, text: str, reason: str) -> None:
    assert reason in refused(count(unit), text)


def test_a_count_out_of_range_is_out_of_range_whatever_its_unit() -> None:
    spec = InputSpec("halls", "大厅数", "count", "个", min=0, max=20)
    with pytest.raises(ValueProblem) as problem:
        type_value(spec, "21个")
    assert problem.value.code == "input-out-of-range"
    assert type_value(spec, "20个") == 20.0


# -- amounts -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("unit", "text", "expected"),
    [
        ("元", "24.8亿元", 2_480_000_000.0),
        ("元", "31亿元", 3_100_000_000.0),
        ("元", "310,000万元", 3_100_000_000.0),
        ("元", "5000元", 5000.0),
        ("元", "1.2万元", 12_000.0),
        ("元", "0.15万元", 1500.0),  # exact: not 1499.9999999999998
        ("元", "360亿", 36_000_000_000.0),  # no 元: as before
        ("元", "1.2万", 12_000.0),
        ("元", "5000", 5000.0),
        ("", "24.8亿元", 2_480_000_000.0),  # an amount is in 元 unless stated
        ("万元", "1.2万元", 1.2),
        ("万元", "5000元", 0.5),
        ("万元", "24.8亿元", 248_000.0),
        ("万元", "1.2", 1.2),
        ("万元", "1.2万", 12_000.0),  # a bare figure stays in the input's unit: 万 only multiplies
        ("亿元", "24.8亿元", 24.8),
        ("亿元", "310,000万元", 31.0),
        ("亿元", "1元", 1e-8),
        ("亿元", "0.3亿元", 0.3),
        ("千元", "5千元", 5.0),  # an amount in its own unit, even one the table does not convert
    ],
)
def test_an_amount_with_its_currency_word_is_converted_exactly(unit: str, text: str, expected: float) -> None:
    typed = type_value(amount(unit), text)
    assert typed == expected and isinstance(typed, float), (unit, text, typed)


@pytest.mark.parametrize(
    ("unit", "text", "reason"),
    [
        ("元", "5件", "此项是金额，不能填“件”"),
        ("元", "3万人", "此项是金额，不能填“人”"),
        ("元", "12户", "此项是金额，不能填“户”"),
        ("万元", "5个", "此项是金额，不能填“个”"),
        ("千元", "5000元", "此项以“千元”计，无法由“元”换算"),
        ("元", "约24.8亿元", "约数"),
        ("元", "24.8亿余元", "约数"),
        ("元", "5千元", "应为数值，收到文本“5千元”"),  # 千 is not a scale read
        ("元", "5美元", "应为数值，收到文本“5美元”"),
        ("元", "5元元", "应为数值，收到文本“5元元”"),
        ("元", "12%", "此项不是比例，不能填百分数“12%”"),
        ("元", "1,23亿元", "千分位逗号位置不对"),
    ],
)
def test_an_amount_with_a_word_that_is_not_money_is_refused_with_the_reason(unit: str, text: str, reason: str) -> None:
    assert reason in refused(amount(unit), text)


def test_an_amount_written_in_units_is_checked_against_the_sane_bound_after_conversion() -> None:
    with pytest.raises(ValueProblem) as problem:
        type_value(amount("元"), "100,000亿亿元")
    assert problem.value.code == "input-wrong-type"  # 亿亿 is not a scale
    with pytest.raises(ValueProblem) as problem:
        type_value(amount("元"), "100,000,000亿元")  # 10^16 yuan
    assert problem.value.code == "input-out-of-range"
    assert type_value(amount("亿元"), "100,000,000亿元") == 100_000_000.0  # the same figure in 亿元 is in bound
    with pytest.raises(ValueProblem) as problem:
        type_value(amount("元"), "1e309元")
    assert problem.value.code == "input-not-finite"


# -- other types: unchanged ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spec",
    [
        InputSpec("r", "比例", "ratio", "%", min=0, max=1),
        InputSpec("n", "数值", "number", "人"),
        InputSpec("d", "酌情分", "discretionary", "分", min=0, max=2),
    ],
    ids=lambda s: s.type,
)
@pytest.mark.parametrize("text", ["5件", "3人", "5000元", "1.2万元", "3分"])
def test_units_are_not_read_for_ratios_numbers_and_scores(spec: InputSpec, text: str) -> None:
    assert "应为数值，收到文本" in refused(spec, text)
    assert reading_note(spec, text) == ""


def test_lists_bools_and_the_plain_parser_do_not_read_units() -> None:
    periods = InputSpec("l", "各期", "list", "分", min=0, max=100, length=6)
    assert "应为数值，收到文本“90分”" in refused(periods, "80,90分")
    assert type_value(periods, "80，90") == [80.0, 90.0]
    flag = InputSpec("b", "是否", "bool")
    assert type_value(flag, "是") is True
    assert "应为“是”或“否”" in refused(flag, "1件")
    assert parse_number("1.2万") == 12_000 and parse_number("85%") == 0.85
    for text in ("720件", "24.8亿元"):
        with pytest.raises(ValueProblem, match="应为数值，收到文本"):
            parse_number(text)


# -- reading_note --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "raw", "note"),
    [
        (amount("元"), "24.8亿元", "按“24.8亿元”读作 2,480,000,000 元"),
        (amount("元"), " 310,000万元 ", "按“310,000万元”读作 3,100,000,000 元"),
        (amount("元"), "5000元", "按“5000元”读作 5,000 元"),
        (amount(""), "1.2万元", "按“1.2万元”读作 12,000 元"),
        (amount("万元"), "1.2万元", "按“1.2万元”读作 1.2 万元"),
        (amount("万元"), "12,345,678.9元", "按“12,345,678.9元”读作 1,234.56789 万元"),
        (amount("亿元"), "1元", "按“1元”读作 0.00000001 亿元"),
        (count("件"), "720件", "按“720件”读作 720"),
        (count("户"), "3.5万户", "按“3.5万户”读作 35,000"),
        (count("个"), "352,000家", "按“352,000家”读作 352,000"),
    ],
)
def test_reading_note_says_how_a_figure_with_a_unit_was_read(spec: InputSpec, raw: str, note: str) -> None:
    assert reading_note(spec, raw) == note


@pytest.mark.parametrize(
    ("spec", "raw"),
    [
        (amount("元"), "360亿"),  # no unit word: read as before, nothing to say
        (amount("元"), "5000"),
        (amount("元"), 5000.0),
        (count("件"), "720"),
        (count("件"), "1.2万"),
        (count("件"), 720),
        (count("户"), "3万人"),  # refused: the finding says why
        (count("件"), "约720件"),
        (amount("元"), "5件"),
        (InputSpec("r", "比例", "ratio", "%"), "85%"),
        (InputSpec("b", "是否", "bool"), "是"),
    ],
)
def test_reading_note_is_empty_without_a_unit_word_or_when_refused(spec: InputSpec, raw: object) -> None:
    assert reading_note(spec, raw) == ""


# -- properties ----------------------------------------------------------------------------------------

COUNT_UNITS = sorted(ACCEPTS)
AMOUNT_UNITS = sorted(YUAN_IN)


@given(
    n=st.integers(min_value=0, max_value=10**6),
    unit=st.sampled_from(COUNT_UNITS),
    scale=st.sampled_from(sorted(SCALE)),
    word=st.sampled_from(sorted(ALL_WORDS | {"元", ""})),
)
def test_any_count_with_a_fitting_word_is_n_times_its_scale_and_any_other_is_refused(
    n: int, unit: str, scale: str, word: str
) -> None:
    spec, text = count(unit), f"{n:,}{scale}{word}"
    if word == "" or word in ACCEPTS[unit]:
        assert type_value(spec, text) == float(n * SCALE[scale]), text
        assert reading_note(spec, text) == (f"按“{text}”读作 {n * SCALE[scale]:,}" if word else "")
    else:
        reason = refused(spec, text)
        assert reason == ("此项是个数，不能填金额" if word == "元" else f"此项以“{unit}”计，不能填“{word}”"), text


@given(
    n=st.integers(min_value=0, max_value=10**6),
    unit=st.sampled_from(AMOUNT_UNITS),
    scale=st.sampled_from(sorted(SCALE)),
    word=st.sampled_from(["元", "", "件", "个", "人", "户", "次"]),
    fraction=st.sampled_from(["", ".5", ".25", ".8"]),
)
def test_any_amount_in_yuan_is_converted_exactly_and_a_measure_word_is_refused(
    n: int, unit: str, scale: str, word: str, fraction: str
) -> None:
    spec, text = amount(unit), f"{n:,}{fraction}{scale}{word}"
    written = (n + Fraction(fraction or "0")) * SCALE[scale]
    if word == "元":
        assert type_value(spec, text) == float(written / YUAN_IN[unit]), text
        assert reading_note(spec, text).startswith(f"按“{text}”读作 ")
        assert reading_note(spec, text).endswith(f" {unit or '元'}")
    elif word == "":
        assert type_value(spec, text) == float(written), text  # a bare figure: in the input's unit
        assert reading_note(spec, text) == ""
    else:
        assert refused(spec, text) == f"此项是金额，不能填“{word}”", text


@given(
    n=st.integers(min_value=1, max_value=10**6),
    marker=st.sampled_from(["约{}件", "{}余件", "{}多件", "近{}件", "{}件左右", "逾{}件", "约{}亿元", "{}余万元"]),
    spec=st.sampled_from([count("件"), count(""), amount("元"), amount("万元")]),
)
def test_an_approximate_figure_is_never_guessed(n: int, marker: str, spec: InputSpec) -> None:
    assert "约数" in refused(spec, marker.format(f"{n:,}"))
    assert reading_note(spec, marker.format(f"{n:,}")) == ""
