"""The project's own evaluator: a rubric formula compiled once into a Python closure.

`formulas` takes milliseconds per formula and cannot be pickled (docs/design.md); scoring many input
sets (what-if analysis) needs microseconds. Semantics follow Excel where rubrics can meet them:
booleans count as 1/0 in arithmetic, comparisons tolerate the last binary digits (as Excel and
LibreOffice do), text in arithmetic is an input error rather than a silent 0.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

from ..formula.parser import Binary, Bool, Call, Name, Node, Num, Str, Unary
from ..vocabulary import REGISTRY, XYInputError
from ..vocabulary.core import close, flatten, number

Env = Mapping[str, object]
Compiled = Callable[[Env], object]


class UnknownFunction(KeyError):
    pass


def _num(value: object) -> float:
    return number(value, "运算数")


def _truth(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    raise XYInputError(f"条件应为“是/否”或数值，收到“{value}”")


def _cmp(op: str, a: object, b: object) -> bool:
    if isinstance(a, str) or isinstance(b, str):
        if not (isinstance(a, str) and isinstance(b, str)):
            raise XYInputError("文本不能与数值比较")
        x, y = a.lower(), b.lower()
        eq, less = x == y, x < y
    else:
        x, y = _num(a), _num(b)
        eq = close(x, y)
        less = x < y and not eq
    return {
        "=": eq, "<>": not eq, "<": less, ">": not less and not eq, "<=": less or eq, ">=": not less,
    }[op]  # fmt: skip


def _arith(op: str, a: object, b: object) -> float:
    x, y = _num(a), _num(b)
    if op == "+":
        return x + y
    if op == "-":
        return x - y
    if op == "*":
        return x * y
    if op == "/":
        if y == 0:
            raise XYInputError("除数为0")
        return x / y
    result = x**y
    if isinstance(result, complex) or math.isinf(result):
        raise XYInputError("乘方结果无效")
    return float(result)


def _numbers(args: tuple[object, ...]) -> list[float]:
    return [_num(v) for v in flatten(args) if v not in (None, "")]


def _round(value: object, digits: object = 0) -> float:
    x, d = _num(value), int(_num(digits))
    scaled = abs(x) * 10**d
    rounded = math.floor(scaled + 0.5 + 1e-9 * max(1.0, scaled))  # Excel rounds half away from zero
    return math.copysign(rounded / 10**d, x)


def _average(*args: object) -> float:
    values = _numbers(args)
    if not values:
        raise XYInputError("AVERAGE 没有可计算的数值")
    return sum(values) / len(values)


BUILTINS: dict[str, Callable[..., object]] = {
    "MIN": lambda *a: min(_numbers(a) or [0.0]),
    "MAX": lambda *a: max(_numbers(a) or [0.0]),
    "SUM": lambda *a: float(sum(_numbers(a))),
    "AVERAGE": _average,
    "ABS": lambda x: abs(_num(x)),
    "ROUND": _round,
    "INT": lambda x: float(math.floor(_num(x))),
    "AND": lambda *a: all(_truth(v) for v in flatten(a)),
    "OR": lambda *a: any(_truth(v) for v in flatten(a)),
    "NOT": lambda x: not _truth(x),
}
LAZY = {"IF"}
SUPPORTED = set(BUILTINS) | LAZY


def compile_node(node: Node) -> Compiled:
    """Compile a parsed formula; unknown functions fail here, at compile time, not per input set."""
    if isinstance(node, Num | Str | Bool):
        value = node.value
        return lambda env: value
    if isinstance(node, Name):
        key = node.id
        return lambda env: env[key]
    if isinstance(node, Unary):
        inner = compile_node(node.operand)
        if node.op == "-":
            return lambda env: -_num(inner(env))
        if node.op == "%":
            return lambda env: _num(inner(env)) / 100.0
        return lambda env: _num(inner(env))
    if isinstance(node, Binary):
        left, right, op = compile_node(node.left), compile_node(node.right), node.op
        if op in ("=", "<>", "<", ">", "<=", ">="):
            return lambda env: _cmp(op, left(env), right(env))
        if op == "&":
            return lambda env: f"{left(env)}{right(env)}"
        return lambda env: _arith(op, left(env), right(env))
    assert isinstance(node, Call)
    args = [compile_node(a) for a in node.args]
    if node.name == "IF":
        if not 2 <= len(args) <= 3:
            raise XYInputError("IF 需要2或3个参数")
        cond, then = args[0], args[1]
        other = args[2] if len(args) == 3 else (lambda env: False)
        return lambda env: then(env) if _truth(cond(env)) else other(env)
    func = BUILTINS.get(node.name)
    if func is None and node.name in REGISTRY:
        func = REGISTRY[node.name].func
    if func is None:
        raise UnknownFunction(node.name)
    return lambda env: func(*(a(env) for a in args))
