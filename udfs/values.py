"""Typing input values the way people write them, before any formula sees them.

Accepted: numbers, `85%`, `８５％`, `1,234`, `1.2万`, `360亿`, `是/否/√/×`, blanks (missing); and a count or
an amount written with its unit:

- a count with a measure word that fits what the input counts (COUNT_FAMILIES): `720件`, `1个`,
  `352,000家`, `3.5万户`, `１２０人`; a word of another family (`3万人` for households) or money
  (`5000元`) is refused;
- an amount with 元, 万元 or 亿元, converted exactly to the input's own unit (元 unless the rubric says
  万元 or 亿元): `24.8亿元` is 2,480,000,000 for a 元 input, `1.2万元` is 1.2 for a 万元 input; a measure
  word (`5件`) is refused. A bare figure (`360亿`, `1.2万`) stays in the input's unit: 万 and 亿 only
  multiply.

`reading_note` says how a figure written with a unit was read, for provenance. Anything that cannot
be read unambiguously is refused with a reason, never guessed (docs/design.md): an approximate figure
(`约720件`, `720余件`), an unknown word, a unit of something else. A formula would otherwise compare text
with numbers and the engines would disagree.
"""

from __future__ import annotations

import math
import re
import unicodedata
from decimal import Decimal

from .numbers import number_text
from .rubric.model import InputSpec

TRUE_WORDS = {"是", "√", "✓", "✔", "有", "yes", "y", "true", "1", "对"}
FALSE_WORDS = {"否", "×", "✗", "✘", "无", "no", "n", "false", "0", "不是"}
SANE_BOUND = 1e15  # no figure of an assessment is larger: 10^15 yuan is about ten times China's yearly GDP
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_TAIL = re.compile(r"[^\d.,]*\Z")  # what follows a figure's last digit: %, 万, 亿, a unit word
SCALES = {"": Decimal(1), "%": Decimal("0.01"), "万": Decimal(10_000), "亿": Decimal(100_000_000)}
UNIT_TYPES = ("count", "amount")  # the input types whose figures may carry a unit word

# Measure words a count may be written with, by what they count. A word fits an input when it is in a
# family with the input's unit: the families are what a person writes for the same kind of thing, so
# `720起` for cases counted in 件 is the same figure, while `3万人` for market entities counted in 户 is
# another figure (persons, not entities) and is refused. Persons are never mixed with the rest: the
# built-in rubrics count 公务员/人口 in 人 and 市场主体 in 户 or 个, and confusing the two is the
# mistake worth catching. 个 is the generic word: typed, it fits every count (`120个` for persons is
# still 120); as a unit it is in both families of non-persons (the built-in inputs in 个 count both
# 市场主体/部门, written 家 or 户, and 领域/承诺/事项). An input with no unit accepts every word;
# a unit outside the table accepts itself and 个. 人次, 万人次 etc. are not counts of persons: refused.
COUNT_FAMILIES = {
    "persons": frozenset("人名位"),
    "entities": frozenset("户家个"),  # households, enterprises, market entities, institutions
    "things": frozenset("个件项条次批份起宗例场"),  # items, cases, matters, records, occurrences, batches
}
GENERIC_COUNT_WORD = "个"
COUNT_WORDS = frozenset().union(*COUNT_FAMILIES.values())
YUAN = "元"
YUAN_PER_UNIT = {"元": Decimal(1), "万元": Decimal(10_000), "亿元": Decimal(100_000_000)}  # amount units
# Never guessed: a figure with one of these is refused as approximate (a clearer reason than "text").
APPROXIMATE = ("约", "余", "多", "近", "逾", "左右", "以上", "以下", "上下", "大概", "~")


class ValueProblem(ValueError):
    """Why a value cannot be used; `code` is the finding code. The message quotes what was typed
    (a scoring function's cell shows nothing else); `reason` says why without quoting it, for a
    message that has quoted it already (“数据项”填写为“约720件”：约数无法计分)."""

    def __init__(self, code: str, message: str, reason: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason or message


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def parse_number(value: object, *, percent_allowed: bool = True) -> float:
    """A finite number from a cell or a JSON value; raises ValueProblem for anything ambiguous, and
    for anything that is not a finite number however it is written (1e309, a 400-digit number,
    1e305万, NaN): infinity would pass every range check and break every later step.

    Units are not read here (`5件` is refused): only an input knows which unit fits it (type_value)."""
    return _read(value, None, percent_allowed=percent_allowed)[0]


def parse_measured(value: object, unit: str, *, percent_allowed: bool) -> float:
    """A figure measured in `unit` outside any input (a scoring function's argument, `=XY_…("720件")`):
    read as an input in that unit reads it, a count's measure word or 元 (万元, 亿元) converted alike."""
    kind = "amount" if unit in YUAN_PER_UNIT else "count" if unit not in ("", "%", "分") else ""
    return _read(value, InputSpec("", "", kind, unit) if kind else None, percent_allowed=percent_allowed)[0]


def _read(value: object, spec: InputSpec | None, *, percent_allowed: bool) -> tuple[float, str]:
    """The one reader of a typed figure: (the number in the input's unit, the unit word read or "").

    Units are read only for a count or an amount (`spec`); everything else reads `%`, 万 and 亿 only."""
    if isinstance(value, bool):
        raise ValueProblem("input-wrong-type", f"应为数值，收到“{'是' if value else '否'}”", "应为数值")
    if isinstance(value, int | float):
        try:
            x = float(value)
        except OverflowError:  # an int too large for a float
            x = math.inf
        return _finite(x, value), ""
    if not isinstance(value, str):
        raise ValueProblem("input-wrong-type", f"应为数值，收到“{value}”", "应为数值")
    text = unicodedata.normalize("NFKC", value).strip().replace(" ", "")
    suffix = _TAIL.search(text).group()  # type: ignore[union-attr]  # matches every text, if only ""
    number = text[: len(text) - len(suffix)]
    read = _suffix(suffix, _unit_words(spec))
    if read is None:
        raise _not_a_number(value, text)
    scale, word = read
    if scale == "%" and not percent_allowed:
        raise ValueProblem("input-wrong-type", f"此项不是比例，不能填百分数“{value}”", "此项不是比例，不能填百分数")
    if "," in number and re.fullmatch(r"[+-]?[\d,]+(\.\d+)?", number):
        if not re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?", number):
            raise ValueProblem("input-wrong-type", f"千分位逗号位置不对，无法确定数值：“{value}”", "千分位逗号位置不对，无法确定数值")
        number = number.replace(",", "")
    if not _NUMBER.match(number):
        raise _not_a_number(value, text)
    per_word = _per_word(spec, word) if word and spec is not None else Decimal(1)
    try:  # "2.8%" is 0.028, not 0.027999999999999997; "24.8亿元" is 2480000000 exactly
        x = float(Decimal(number) * SCALES[scale] * per_word)
    except ArithmeticError:  # beyond even Decimal's exponent range
        x = math.inf
    return _finite(x, value), word


def _unit_words(spec: InputSpec | None) -> frozenset[str]:
    """The unit words recognised after a figure typed for `spec`: none but for a count or an amount;
    for those every count word and 元 (to refuse the ones that do not fit with a reason), and the
    input's own unit."""
    if spec is None or spec.type not in UNIT_TYPES:
        return frozenset()
    return COUNT_WORDS | {YUAN} | ({spec.unit} if spec.unit else set())


def _suffix(suffix: str, words: frozenset[str]) -> tuple[str, str] | None:
    """(scale, unit word) of what follows the digits ("%", "万", "万户", "亿元", ""), or None when it
    is not one of them (text, an approximation such as "余件", an unknown word)."""
    if suffix == "%":
        return "%", ""
    for scale in ("", "万", "亿"):
        if suffix.startswith(scale):
            word = suffix[len(scale) :]
            if word == "" or word in words:
                return scale, word
    return None


def _per_word(spec: InputSpec, word: str) -> Decimal:
    """What one `word` is in the input's own unit; ValueProblem when the word does not fit the input."""
    if spec.type == "count":
        if word == YUAN:
            raise ValueProblem("input-wrong-type", "此项是个数，不能填金额")
        if not count_word_fits(spec.unit, word):
            raise ValueProblem("input-wrong-type", f"此项以“{spec.unit}”计，不能填“{word}”")
        return Decimal(1)
    if word == spec.unit:  # an amount in its own unit ("5千元" for a 千元 input)
        return Decimal(1)
    if word != YUAN:
        raise ValueProblem("input-wrong-type", f"此项是金额，不能填“{word}”")
    unit = spec.unit or YUAN  # docs/rubric-format.md: an amount is in 元 unless stated
    if unit not in YUAN_PER_UNIT:
        raise ValueProblem("input-wrong-type", f"此项以“{spec.unit}”计，无法由“元”换算，请按“{spec.unit}”填写")
    return Decimal(1) / YUAN_PER_UNIT[unit]  # exact: a power of ten


def count_word_fits(unit: str, word: str) -> bool:
    """Whether a count typed with measure word `word` fits an input counted in `unit` (COUNT_FAMILIES)."""
    if not unit or word == unit or word == GENERIC_COUNT_WORD:
        return True
    return any(unit in family and word in family for family in COUNT_FAMILIES.values())


def _not_a_number(value: str, text: str) -> ValueProblem:
    if any(marker in text for marker in APPROXIMATE):
        return ValueProblem("input-wrong-type", f"约数无法计分，请填写确切数值：“{value}”", "约数无法计分，请填写确切数值")
    return ValueProblem("input-wrong-type", f"应为数值，收到文本“{value}”", "应为数值，不能是文字")


def _finite(x: float, value: object) -> float:
    if not math.isfinite(x):
        shown = value if isinstance(value, str) else "非数值" if math.isnan(x) else "无穷大"
        raise ValueProblem("input-not-finite", f"“{str(shown)[:40]}”不是有限的数值（太大或无法计算）", "不是有限的数值（太大或无法计算）")
    return x


def parse_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):  # no float(): a 400-digit int overflows it
        return bool(value)
    if isinstance(value, str):
        word = unicodedata.normalize("NFKC", value).strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    raise ValueProblem("input-wrong-type", f"应为“是”或“否”，收到“{value}”", "应为“是”或“否”")


def type_value(spec: InputSpec, value: object) -> object:
    """The typed value for an input, or ValueProblem (wrong type / out of range)."""
    return _type(spec, value)[0]


def reading_note(spec: InputSpec, raw: object) -> str:
    """How a figure written with a unit was read, for provenance: "按“24.8亿元”读作 2,480,000,000 元",
    "按“720件”读作 720"; "" for a figure read without a unit word (`720`, `1.2万`) and for one that is
    refused (its finding says why). Pure: types `raw` again and returns text."""
    if spec.type not in UNIT_TYPES or not isinstance(raw, str):
        return ""
    try:
        x, word = _type(spec, raw)
    except ValueProblem:
        return ""
    if not word:
        return ""
    unit = f" {spec.unit or YUAN}" if spec.type == "amount" else ""
    return f"按“{raw.strip()}”读作 {_grouped(x)}{unit}"


def _grouped(x: float) -> str:
    """2,480,000,000 or 1,234.5: a figure as a note shows it (number_text, thousands grouped)."""
    text = number_text(x)
    sign, text = ("-", text[1:]) if text.startswith("-") else ("", text)
    whole, dot, fraction = text.partition(".")
    return f"{sign}{int(whole):,}{dot}{fraction}"


def _type(spec: InputSpec, value: object) -> tuple[object, str]:
    """The one typing function: (typed value, unit word read or "")."""
    if spec.type == "bool":
        return parse_bool(value), ""
    if spec.type == "list":
        return _type_list(spec, value), ""
    x, word = _read(value, spec, percent_allowed=spec.type == "ratio")
    if spec.type == "count" and not math.isclose(x, round(x), abs_tol=1e-9):
        raise ValueProblem("input-wrong-type", f"应为整数，收到{number_text(x)}")
    _check_range(spec, x)
    return (float(round(x)) if spec.type == "count" else x), word


def _type_list(spec: InputSpec, value: object) -> list[float]:
    if isinstance(value, str):
        parts = [p for p in re.split(r"[,，;；、\s]+", value.strip()) if p]
    elif isinstance(value, list | tuple):
        parts = [p for p in value if not is_blank(p)]
    else:
        parts = [value]
    numbers = [parse_number(p, percent_allowed=False) for p in parts]
    if not numbers:
        raise ValueProblem("input-missing", "没有填写任何一期")
    if spec.length is not None and len(numbers) > spec.length:
        raise ValueProblem("input-wrong-type", f"最多填写{spec.length}期，收到{len(numbers)}期")
    for x in numbers:
        _check_range(spec, x)
    return numbers


def _check_range(spec: InputSpec, x: float) -> None:
    """The input's declared range, and beyond it a sane bound for every figure (SANE_BOUND): no count,
    amount in yuan or rate of an assessment comes near it, and a figure past it is a typing accident
    (or a crafted file) that would otherwise reach every sum and every later step."""
    tol = 1e-12 * max(1.0, abs(x))
    shown = f"{number_text(x * 100)}%" if spec.type == "ratio" else number_text(x)
    if spec.min is not None and x < spec.min - tol or spec.max is not None and x > spec.max + tol:
        raise ValueProblem("input-out-of-range", f"{shown} 超出允许范围（{spec.range_text()}）")
    if abs(x) > SANE_BOUND:
        raise ValueProblem("input-out-of-range", f"{shown} 超出可信范围（绝对值不超过 {number_text(SANE_BOUND)}）")


def implausible(spec: InputSpec, value: object) -> str:
    """Why a typed figure lies outside what a true one can be (the rubric's plausible range), or "";
    the caller names the figure as it was typed.

    Only a warning: the figure is used as reported and the office decides; a part above its whole is a
    constraint of the rubric instead (the two figures cannot both be true)."""
    if spec.plausible_min is None and spec.plausible_max is None:
        return ""
    numbers = value if isinstance(value, list) else [value]
    for x in numbers:
        if isinstance(x, bool) or not isinstance(x, int | float):
            continue
        low = spec.plausible_min is not None and x < spec.plausible_min
        high = spec.plausible_max is not None and x > spec.plausible_max
        if low or high:
            unit = spec.unit if spec.type != "ratio" else ""
            why = f"；{spec.plausible_note}" if spec.plausible_note else ""
            return f"{'低于' if low else '高于'}通常范围（{spec.plausible_text()}{unit}{why}），仍按所填数值计分，请核实"
    return ""
