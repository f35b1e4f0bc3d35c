"""A parser for the Excel formula language the rubrics are written in.

Rubric formulas are ordinary Excel formulas over defined names (`=XY_NPL_SCORE(npl_rate)`), so one
text serves the master workbook, the headless evaluator and the native expansion. The grammar is
the part of Excel's that rubrics need: numbers, text, TRUE/FALSE, names, function calls, the
arithmetic, comparison and concatenation operators, unary minus and percent, with Excel's
precedence (unary minus binds tighter than ^, so -2^2 is 4).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


class FormulaSyntaxError(ValueError):
    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.position = position


@dataclass(frozen=True)
class Num:
    value: float


@dataclass(frozen=True)
class Str:
    value: str


@dataclass(frozen=True)
class Bool:
    value: bool


@dataclass(frozen=True)
class Name:
    id: str


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True)
class Unary:
    op: str  # "-", "+", "%"
    operand: Node


@dataclass(frozen=True)
class Binary:
    op: str
    left: Node
    right: Node


Node = Num | Str | Bool | Name | Call | Unary | Binary

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<str>"(?:[^"]|"")*")
  | (?P<func>[A-Za-z_][A-Za-z0-9_.]*(?=\s*\())
  | (?P<name>[A-Za-z_\u4e00-\u9fff][A-Za-z0-9_.\u4e00-\u9fff]*)
  | (?P<op><>|<=|>=|[-+*/^&=<>%(),])
    """,
    re.VERBOSE,
)

_BINARY_PRECEDENCE = {
    "=": 1, "<>": 1, "<": 1, ">": 1, "<=": 1, ">=": 1,
    "&": 2,
    "+": 3, "-": 3,
    "*": 4, "/": 4,
    "^": 5,
}  # fmt: skip
_UNARY_PRECEDENCE = 6  # binds tighter than ^ in Excel


@dataclass(frozen=True)
class _Tok:
    kind: str
    text: str
    pos: int


def tokenize(text: str) -> list[_Tok]:
    tokens: list[_Tok] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise FormulaSyntaxError(f"无法识别的字符“{text[pos]}”（第{pos + 1}个字符）", pos)
        kind = m.lastgroup or ""
        if kind != "ws":
            tokens.append(_Tok(kind, m.group(), pos))
        pos = m.end()
    tokens.append(_Tok("end", "", len(text)))
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.i = 0

    def peek(self) -> _Tok:
        return self.tokens[self.i]

    def take(self) -> _Tok:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def expect(self, text: str) -> None:
        tok = self.take()
        if tok.text != text:
            found = tok.text or "公式结尾"
            raise FormulaSyntaxError(f"此处应为“{text}”，实际为“{found}”（第{tok.pos + 1}个字符）", tok.pos)

    def expression(self, min_prec: int = 1) -> Node:
        """Precedence climbing; every Excel binary operator is left-associative."""
        left = self.prefix()
        while True:
            tok = self.peek()
            if tok.kind == "op" and tok.text == "%":
                self.take()
                left = Unary("%", left)
                continue
            prec = _BINARY_PRECEDENCE.get(tok.text) if tok.kind == "op" else None
            if prec is None or prec < min_prec:
                return left
            self.take()
            left = Binary(tok.text, left, self.expression(prec + 1))

    def prefix(self) -> Node:
        tok = self.take()
        if tok.kind == "num":
            return Num(float(tok.text))
        if tok.kind == "str":
            return Str(tok.text[1:-1].replace('""', '"'))
        if tok.kind == "op" and tok.text in "+-":
            return Unary(tok.text, self.expression(_UNARY_PRECEDENCE))
        if tok.kind == "op" and tok.text == "(":
            inner = self.expression()
            self.expect(")")
            return inner
        if tok.kind == "func":
            return self.call(tok.text.upper())
        if tok.kind == "name":
            upper = tok.text.upper()
            if upper in ("TRUE", "FALSE"):
                return Bool(upper == "TRUE")
            return Name(tok.text)
        found = tok.text or "公式结尾"
        raise FormulaSyntaxError(f"此处应为数值、名称或函数，实际为“{found}”（第{tok.pos + 1}个字符）", tok.pos)

    def call(self, name: str) -> Call:
        self.expect("(")
        args: list[Node] = []
        if self.peek().text == ")":
            self.take()
            return Call(name, ())
        while True:
            args.append(self.expression())
            tok = self.take()
            if tok.text == ")":
                return Call(name, tuple(args))
            if tok.text != ",":
                found = tok.text or "公式结尾"
                raise FormulaSyntaxError(
                    f"函数 {name} 的参数之间应为“,”，实际为“{found}”（第{tok.pos + 1}个字符）", tok.pos
                )


def parse(text: str) -> Node:
    """Parse a formula (with or without the leading '=')."""
    body = text.strip()
    if body.startswith("="):
        body = body[1:]
    if not body:
        raise FormulaSyntaxError("公式为空", 0)
    parser = _Parser(body)
    node = parser.expression()
    tok = parser.peek()
    if tok.kind != "end":
        raise FormulaSyntaxError(f"公式在“{tok.text}”处多出内容（第{tok.pos + 1}个字符）", tok.pos)
    return node


def walk(node: Node):
    """Every node of the tree, parents first."""
    yield node
    if isinstance(node, Call):
        for arg in node.args:
            yield from walk(arg)
    elif isinstance(node, Unary):
        yield from walk(node.operand)
    elif isinstance(node, Binary):
        yield from walk(node.left)
        yield from walk(node.right)


def names(node: Node) -> set[str]:
    return {n.id for n in walk(node) if isinstance(n, Name)}


def functions(node: Node) -> set[str]:
    return {n.name for n in walk(node) if isinstance(n, Call)}
