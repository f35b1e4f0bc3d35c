"""Typing input values the way people write them, before any formula sees them.

Accepted: numbers, `85%`, `８５％`, `1,234`, `1.2万`, `是/否/√/×`, blanks (missing). Anything that
cannot be read unambiguously is refused with a reason, never guessed (docs/design.md): a formula
would otherwise compare text with numbers and the engines would disagree.
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


class ValueProblem(ValueError):
    """Why a value cannot be used; `code` is the finding code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def parse_number(value: object, *, percent_allowed: bool = True) -> float:
    """A finite number from a cell or a JSON value; raises ValueProblem for anything ambiguous, and
    for anything that is not a finite number however it is written (1e309, a 400-digit number,
    1e305万, NaN): infinity would pass every range check and break every later step."""
    if isinstance(value, bool):
        raise ValueProblem("input-wrong-type", f"应为数值，收到“{'是' if value else '否'}”")
    if isinstance(value, int | float):
        try:
            x = float(value)
        except OverflowError:  # an int too large for a float
            x = math.inf
        return _finite(x, value)
    if not isinstance(value, str):
        raise ValueProblem("input-wrong-type", f"应为数值，收到“{value}”")
    text = unicodedata.normalize("NFKC", value).strip().replace(" ", "")
    scale = 1.0
    if text.endswith("%"):
        if not percent_allowed:
            raise ValueProblem("input-wrong-type", f"此项不是比例，不能填百分数“{value}”")
        text, scale = text[:-1], 0.01
    elif text.endswith("万"):
        text, scale = text[:-1], 10_000.0
    elif text.endswith("亿"):
        text, scale = text[:-1], 100_000_000.0
    if "," in text and re.fullmatch(r"[+-]?[\d,]+(\.\d+)?", text):
        if not re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?", text):
            raise ValueProblem("input-wrong-type", f"千分位逗号位置不对，无法确定数值：“{value}”")
        text = text.replace(",", "")
    if not _NUMBER.match(text):
        raise ValueProblem("input-wrong-type", f"应为数值，收到文本“{value}”")
    try:  # "2.8%" is 0.028, not 0.027999999999999997
        x = float(Decimal(text) * Decimal(str(scale)))
    except ArithmeticError:  # beyond even Decimal's exponent range
        x = math.inf
    return _finite(x, value)


def _finite(x: float, value: object) -> float:
    if not math.isfinite(x):
        shown = value if isinstance(value, str) else "非数值" if math.isnan(x) else "无穷大"
        raise ValueProblem("input-not-finite", f"“{str(shown)[:40]}”不是有限的数值（太大或无法计算）")
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
    raise ValueProblem("input-wrong-type", f"应为“是”或“否”，收到“{value}”")


def type_value(spec: InputSpec, value: object) -> object:
    """The typed value for an input, or ValueProblem (wrong type / out of range)."""
    if spec.type == "bool":
        return parse_bool(value)
    if spec.type == "list":
        return _type_list(spec, value)
    x = parse_number(value, percent_allowed=spec.type == "ratio")
    if spec.type == "count" and not math.isclose(x, round(x), abs_tol=1e-9):
        raise ValueProblem("input-wrong-type", f"应为整数，收到{number_text(x)}")
    _check_range(spec, x)
    return float(round(x)) if spec.type == "count" else x


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
