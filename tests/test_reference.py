"""The function reference and the findings catalogue are generated from the code: the committed
files must be what the generator writes today, and must cover every function and every code."""

from __future__ import annotations

import re
from pathlib import Path

from udfs.finding_codes import CATALOGUE
from udfs.reference import findings_catalogue, function_reference
from udfs.vocabulary import REGISTRY, XYInputError
from udfs.vocabulary.examples import CASES, Cells, Raw

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_committed_reference_is_what_the_code_generates() -> None:
    assert (DOCS / "functions.md").read_text(encoding="utf-8") == function_reference(), "run: python -m udfs.reference"
    assert (DOCS / "findings.md").read_text(encoding="utf-8") == findings_catalogue(), "run: python -m udfs.reference"


def test_every_function_and_every_code_is_documented() -> None:
    functions = set(re.findall(r"^### `(XY_[A-Z_]+)\(", function_reference(), re.M))
    assert functions == set(REGISTRY)
    codes = set(re.findall(r"^\| `([a-z0-9-]+)` \|", findings_catalogue(), re.M))
    assert codes == set(CATALOGUE)


def test_every_function_has_a_worked_example_that_its_own_code_reproduces() -> None:
    assert {c.name for c in CASES} == set(REGISTRY)
    for case in CASES:
        if any(isinstance(a, Raw) for a in case.args):
            continue  # an Excel error value passed through: the add-in's business, tested there
        args = [list(a.values) if isinstance(a, Cells) and len(a.values) > 1 else a.values[0] if isinstance(a, Cells) else a for a in case.args]  # fmt: skip
        try:
            got: object = REGISTRY[case.name].func(*args)
        except XYInputError as exc:
            got = f"#输入错误: {exc}"
        if isinstance(case.expected, str):
            assert got == case.expected, case
        else:
            assert isinstance(got, float | int) and abs(got - case.expected) < 1e-9, (case, got)
