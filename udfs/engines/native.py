"""Formula text out of a parsed formula: as written (XY_ functions, for Excel with the add-in) or
expanded into built-in Excel functions only (for WPS, LibreOffice, Excel without the add-in).

Names can be substituted on the way out: parameters are inlined as literals (a native expansion
must know a step mode when it is written) and, for the LibreOffice oracle, inputs can become cell
references.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..formula.parser import Binary, Bool, Call, Name, Node, Num, Str, Unary, parse
from ..vocabulary import REGISTRY

_PREC = {"=": 1, "<>": 1, "<": 1, ">": 1, "<=": 1, ">=": 1, "&": 2, "+": 3, "-": 3, "*": 4, "/": 4, "^": 5}


def literal(value: object) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return _number(float(value))
    text = str(value).replace('"', '""')
    return f'"{text}"'


def _number(x: float) -> str:
    if x == int(x) and abs(x) < 1e15:
        return str(int(x))
    return repr(x).upper()


def emit(node: Node, names: Mapping[str, str] | None = None, native: bool = False) -> str:
    """Formula text (without '=') for `node`; `names` maps a name to the text that replaces it."""
    names = names or {}

    def go(n: Node, parent_prec: int = 0, right_side: bool = False) -> str:
        if isinstance(n, Num):
            text = _number(n.value)
            return text
        if isinstance(n, Str):
            return literal(n.value)
        if isinstance(n, Bool):
            return "TRUE" if n.value else "FALSE"
        if isinstance(n, Name):
            return names.get(n.id, n.id)
        if isinstance(n, Unary):
            if n.op == "%":
                return f"{go(n.operand, 7)}%"
            return f"{n.op}{go(n.operand, 6)}"
        if isinstance(n, Binary):
            prec = _PREC[n.op]
            text = f"{go(n.left, prec)}{n.op}{go(n.right, prec, True)}"
            if prec < parent_prec or (prec == parent_prec and right_side):
                return f"({text})"
            return text
        assert isinstance(n, Call)
        args = [go(a) for a in n.args]
        if native and n.name in REGISTRY:
            return f"({REGISTRY[n.name].native(*args)})"
        return f"{n.name}({','.join(args)})"

    return go(node)


def native_formula(text: str, names: Mapping[str, str] | None = None) -> str:
    """'=' + the native expansion of a rubric formula."""
    return "=" + emit(parse(text), names, native=True)


def udf_formula(text: str, names: Mapping[str, str] | None = None) -> str:
    """'=' + the formula as written, normalised (for workbooks opened with the add-in)."""
    return "=" + emit(parse(text), names, native=False)
