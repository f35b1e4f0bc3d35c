"""The `formulas` package as a second, independent evaluator of the same formula text.

The XY_ functions are registered with `formulas` so it evaluates rubric formulas exactly as Excel
would with the add-in. `formulas` turns an unknown function into #NAME? silently (docs/design.md), so
`compile_formula` refuses formulas that name a function it does not know.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import formulas
import numpy as np
import schedula as sh
from formulas.errors import RangeValueError
from formulas.functions import Error
from formulas.ranges import Ranges

from ..formula.parser import functions, parse
from ..vocabulary import REGISTRY, XYInputError

_registered = False


def _plain(value: object) -> object:
    """formulas hands scalars as numpy values, ranges as 2-D arrays (in a workbook, as `Ranges` of
    cells); XY_ functions want Python."""
    if isinstance(value, Ranges):
        value = value.value
    if value is sh.EMPTY:  # a truly empty cell
        return None
    if isinstance(value, np.ndarray):
        if value.ndim == 0 or value.size == 1:
            return _plain(value.reshape(-1)[0])
        return [_plain(v) for v in value.reshape(-1)]
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, str) and value == "":
        return None
    if type(value).__name__ == "XlError":
        raise _PassError(value)
    return value


class _PassError(Exception):
    def __init__(self, error: object) -> None:
        self.error = error


def _adapter(func: Callable[..., object]) -> Callable[..., object]:
    def call(*args: object) -> object:
        try:
            return func(*(_plain(a) for a in args))
        except _PassError as passed:
            return passed.error
        except RangeValueError:  # a cell not computed yet: formulas retries later (as its own wrappers do)
            return sh.bypass(sh.NONE)
        except XYInputError:
            return Error.errors["#VALUE!"]

    call.__name__ = func.__name__
    return call


def register() -> None:
    """Make every XY_ function callable from formulas (once per process)."""
    global _registered
    if _registered:
        return
    table = formulas.get_functions()
    for name, fn in REGISTRY.items():
        table[name] = _adapter(fn.func)
    _registered = True


class FormulasFormula:
    """One rubric formula compiled by `formulas`; call it with a mapping of names to values."""

    def __init__(self, text: str) -> None:
        register()
        known = formulas.get_functions()
        unknown = sorted(f for f in functions(parse(text)) if f not in known)
        if unknown:
            raise KeyError(", ".join(unknown))
        source = text if text.strip().startswith("=") else "=" + text
        self._func = formulas.Parser().ast(source)[1].compile()
        self.inputs = list(self._func.inputs)  # upper-cased and alphabetical, not in formula order

    def __call__(self, env: Mapping[str, object]) -> object:
        upper = {k.upper(): v for k, v in env.items()}
        args = [_as_formulas_value(upper[name]) for name in self.inputs]
        return _plain_result(self._func(*args))


def _as_formulas_value(value: object) -> object:
    if isinstance(value, list | tuple):
        return np.array([list(value)], dtype=object)
    return value


def _plain_result(value: object) -> object:
    try:
        return _plain(value)
    except _PassError as passed:
        return passed.error
