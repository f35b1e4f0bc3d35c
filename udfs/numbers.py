"""Numbers as a person writes them: one rounding rule for every message and every UDF result.

Scores and figures are binary floats, so 0.3*3 is 0.8999999999999999 and 2-0.2*0.8 is
1.8399999999999999. Shown that way a figure looks wrong to office staff (and to Excel users).
The rule: at most SIGNIFICANT (10) significant digits, half away from zero, trailing zeros dropped,
never an exponent; a number with more digits before the point than that keeps all of them and
loses only its fraction (a sum of money is never shown as 1.2e+10 or with its last yuan zeroed).

Why 10: binary noise lives in the 16th-17th significant digit (a little earlier after subtracting
near-equal figures, such as 1-0.992), and no figure of an assessment (a rate, a count, an amount in
yuan, a score to 0.01 point) carries more than 10 significant digits after its whole-number part.
Headless scoring does not use this module: it compares with tolerances and keeps full precision.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .rubric.model import InputSpec

SIGNIFICANT = 10


def _decimal(x: float, digits: int) -> Decimal:
    """x as a decimal with at most `digits` significant digits, whole-number digits always kept."""
    d = Decimal(repr(float(x)))  # the shortest text that reads back as x: what Python would print
    places = max(digits - 1 - d.adjusted(), 0)
    with localcontext() as ctx:
        ctx.prec = max(d.adjusted() + 1, 1) + places + 2  # room for the rounded result, never a limit
        return d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def rounded(x: float, digits: int = SIGNIFICANT) -> float:
    """x without binary noise (see the module docstring); ints, booleans and non-finite values unchanged."""
    if isinstance(x, bool | int) or not math.isfinite(x):
        return x
    return float(_decimal(x, digits)) if x else 0.0  # -0.0 too


def number_text(x: float, digits: int = SIGNIFICANT) -> str:
    """A number for a message: 0.9 (not 0.8999999999999999), 0.0000001 (not 1e-07), 123456789.5."""
    if isinstance(x, bool):
        return "是" if x else "否"
    if isinstance(x, int):
        return str(x)
    x = float(x)
    if math.isnan(x):
        return "非数值"
    if math.isinf(x):
        return "无穷大" if x > 0 else "负无穷大"
    text = format(_decimal(x, digits), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def value_text(value: object) -> str:
    """Any input value for a message: numbers by `number_text`, 是/否, lists joined with 、."""
    if value is None:
        return "（空）"
    if isinstance(value, bool | int | float):
        return number_text(value)
    if isinstance(value, list | tuple):
        return "、".join(value_text(v) for v in value)
    return str(value)


def points(x: float) -> str:
    """Points as office staff read them, everywhere (a gain in 提分空间, a score, a total): two
    decimals, no trailing zeros; four only where two would show a nonzero gain as 0."""
    places = 2 if abs(x) >= 0.005 or x == 0 else 4
    text = f"{x:.{places}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def input_value(spec: InputSpec | None, x: object) -> str:
    """A value of an input as the office would write it, the one way every message shows one: a
    ratio as a percentage, a count with thousands separated, 是/否 (without the unit for numbers);
    `value_text` for a figure whose input the rubric does not have (None)."""
    if spec is None:
        return value_text(x)
    if x is None:
        return "（未填报）"
    if isinstance(x, bool):
        return "是" if x else "否"
    if isinstance(x, list):
        return "、".join(number_text(float(v)) for v in x)
    if not isinstance(x, int | float):
        return str(x)
    if spec.type == "ratio":
        return f"{percent(x)}%"
    if spec.type == "count":
        return f"{x:,.0f}"
    if spec.type in ("amount", "number"):
        return f"{x:,.2f}"
    return points(float(x))


def percent(x: float) -> str:
    """A fraction in percent with 2 decimals; more (up to 6) only for tiny values 2 would distort by >5%."""
    places, pct = 2, abs(x) * 100
    while places < 6 and abs(round(pct, places) - pct) > 0.05 * pct:
        places += 1
    return f"{x * 100:.{places}f}"
