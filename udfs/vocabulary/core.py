"""The machinery every XY_ function shares: registration, argument checks, tolerant comparison.

A scoring function is a plain Python function plus metadata (Excel name, Chinese description,
arguments with units, the document rule it implements) and a *native expansion*: a function that
turns the Excel texts of its arguments into an equivalent formula made of built-in Excel functions
only, for workbooks opened where the add-in is absent (WPS, LibreOffice, Excel on macOS).
"""

from __future__ import annotations

import contextvars
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ..numbers import number_text
from .bounds import Bounds

REL_TOL = 1e-12  # Excel and LibreOffice compare at about 15 significant digits
ABS_TOL = 1e-12


class XYInputError(ValueError):
    """An argument a scoring rule cannot accept; its message reaches the cell or the finding."""


@dataclass(frozen=True)
class Notice:
    """Something worth telling the office that does not stop the score (e.g. a vacuous ratio)."""

    code: str
    message: str


_notices: contextvars.ContextVar[list[Notice] | None] = contextvars.ContextVar("xy_notices", default=None)


def notice(code: str, message: str) -> None:
    sink = _notices.get()
    if sink is not None and Notice(code, message) not in sink:
        sink.append(Notice(code, message))


class collect_notices:
    """Context manager that gathers the notices raised by the functions called inside it."""

    def __enter__(self) -> list[Notice]:
        self._list: list[Notice] = []
        self._token = _notices.set(self._list)
        return self._list

    def __exit__(self, *exc: object) -> None:
        _notices.reset(self._token)


# ---- tolerant comparison: the same boundaries in every engine -----------------------------------


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=ABS_TOL)


def lt(a: float, b: float) -> bool:
    return a < b and not close(a, b)


def le(a: float, b: float) -> bool:
    return a < b or close(a, b)


def gt(a: float, b: float) -> bool:
    return a > b and not close(a, b)


def ge(a: float, b: float) -> bool:
    return a > b or close(a, b)


# ---- argument coercion -----------------------------------------------------------------------------


def number(value: object, what: str, minimum: float | None = None, maximum: float | None = None) -> float:
    """A numeric argument; blanks and text are input errors, never a silent 0."""
    if isinstance(value, bool):
        value = float(value)
    if value is None or value == "":
        raise XYInputError(f"缺少{what}")
    if isinstance(value, str):
        raise XYInputError(f"{what}应为数值，收到文本“{value}”")
    try:
        result = float(value)  # numpy scalars and ints
    except (TypeError, ValueError):
        raise XYInputError(f"{what}应为数值") from None
    if math.isnan(result) or math.isinf(result):
        raise XYInputError(f"{what}不是有效数值")
    if minimum is not None and lt(result, minimum):
        raise XYInputError(f"{what}不能小于{_fmt(minimum)}，收到{_fmt(result)}")
    if maximum is not None and gt(result, maximum):
        raise XYInputError(f"{what}不能大于{_fmt(maximum)}，收到{_fmt(result)}")
    return result


def flag(value: object, what: str) -> bool:
    """A yes/no argument: TRUE/FALSE or 1/0 (inputs are typed before formulas see them)."""
    if isinstance(value, bool):
        return value
    if value is None or value == "":
        raise XYInputError(f"缺少{what}（是/否）")
    if isinstance(value, int | float) and float(value) in (0.0, 1.0):
        return bool(value)
    raise XYInputError(f"{what}应为“是”或“否”，收到“{value}”")


def flatten(values: Iterable[object]) -> list[object]:
    """Excel ranges arrive as nested sequences; scoring sees a flat list."""
    out: list[object] = []
    for value in values:
        if isinstance(value, list | tuple) or _is_array(value):
            out.extend(flatten(list(value)))  # type: ignore[arg-type]
        else:
            out.append(value)
    return out


def _is_array(value: object) -> bool:
    return hasattr(value, "tolist") and hasattr(value, "ndim") and getattr(value, "ndim", 0) > 0


def _fmt(x: float) -> str:
    return number_text(x)


# ---- registry ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Arg:
    name: str
    description: str
    unit: str = ""
    optional: bool = False
    variadic: bool = False


@dataclass(frozen=True)
class XYFunction:
    name: str
    func: Callable[..., object]
    native: Callable[..., str]
    summary: str
    args: tuple[Arg, ...]
    source: str
    returns: str = "分"
    kind: str = "named"  # named (a rule of the documents) | generic (building block)
    examples: tuple[tuple[tuple[object, ...], object], ...] = field(default=())
    bounds: tuple[Bounds, ...] = ()  # where the document's rule changes course (probed by the tests)
    # a building block's bounds on its first argument, given its other arguments as numbers (a rubric's
    # XY_STEPS(cases, 10, 0.1, 10, 0.1, 6) is probed at 10, 20, …)
    bounds_for: Callable[..., tuple[float, ...]] | None = None

    @property
    def description(self) -> str:
        return (self.func.__doc__ or "").strip()

    def arity(self) -> tuple[int, int | None]:
        required = sum(1 for a in self.args if not a.optional and not a.variadic)
        if any(a.variadic for a in self.args):
            return max(required, 1), None
        return required, len(self.args)


REGISTRY: dict[str, XYFunction] = {}


def xy_function(
    name: str,
    *,
    native: Callable[..., str],
    summary: str,
    args: list[Arg],
    source: str,
    returns: str = "分",
    kind: str = "named",
    bounds: Bounds | tuple[Bounds, ...] = (),
    bounds_for: Callable[..., tuple[float, ...]] | None = None,
) -> Callable[[Callable[..., object]], Callable[..., object]]:
    """Register a scoring function under its Excel name."""

    def register(func: Callable[..., object]) -> Callable[..., object]:
        if name in REGISTRY:
            raise RuntimeError(f"duplicate XY function {name}")
        if not name.startswith("XY_"):
            raise RuntimeError(f"XY function names start with XY_: {name}")
        REGISTRY[name] = XYFunction(
            name=name,
            func=func,
            native=native,
            summary=summary,
            args=tuple(args),
            source=source,
            returns=returns,
            kind=kind,
            bounds=(bounds,) if isinstance(bounds, Bounds) else tuple(bounds),
            bounds_for=bounds_for,
        )
        return func

    return register


# ---- native-expansion helpers ------------------------------------------------------------------------


def par(text: str) -> str:
    """Parenthesise an argument text unless it is atomic, so operator precedence survives."""
    t = text.strip()
    if _atomic(t):
        return t
    return f"({t})"


def _atomic(t: str) -> bool:
    if t.replace("_", "").replace(".", "").isalnum():
        return True
    if t.startswith("(") and t.endswith(")") and _balanced_inner(t):
        return True
    # a function call NAME(...) whose parentheses close at the end
    head, sep, _ = t.partition("(")
    return (
        bool(sep)
        and head.replace("_", "").replace(".", "").isalnum()
        and t.endswith(")")
        and (_balanced_inner("(" + t[len(head) + 1 :]))
    )


def _balanced_inner(t: str) -> bool:
    """True when the first '(' closes at the very end of t (ignoring quoted text)."""
    depth = 0
    quoted = False
    for i, ch in enumerate(t):
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch == "(":
            depth += 1
        elif not quoted and ch == ")":
            depth -= 1
            if depth == 0 and i != len(t) - 1:
                return False
    return depth == 0
