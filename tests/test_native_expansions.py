"""Every XY_ function's native expansion, recalculated by LibreOffice, gives what the Python function
gives: the same number at the documents' boundaries, and an error value where the function refuses
its arguments. One workbook, one LibreOffice run."""

from __future__ import annotations

from pathlib import Path

import pytest
import xlsxwriter

from udfs.engines.formulas_engine import FormulasFormula
from udfs.engines.native import literal, native_formula
from udfs.vocabulary import REGISTRY, XYInputError, collect_notices
from workbooks.master.recalc import CellError, find_soffice, read_values, recalculate

LIST_NAME = "periods_{row}"  # list arguments: a defined name over a row range B:G

CASES: list[tuple[str, tuple[object, ...]]] = [
    ("XY_RATIO", (3, 4)), ("XY_RATIO", (0, 0)), ("XY_RATIO", (2, 0)), ("XY_RATIO", (-1, 2)),
    ("XY_RATIO", (0, 0, "zero")), ("XY_RATIO", (0, 0, "full")), ("XY_RATIO", (3, 4, "zero")), ("XY_RATIO_SCORE", (0, 0, 2, 2, "zero")),
    ("XY_RATIO_SCORE", (30, 100, 5, 3)), ("XY_RATIO_SCORE", (90, 100, 5, 3)), ("XY_RATIO_SCORE", (0, 0, 2, 2)),
    ("XY_CAP", (2.5, 2)), ("XY_CAP", (-0.5, 2)), ("XY_CAP", (1.25, 2)),
    ("XY_LINEAR", (0.4, 0, 0, 0.8, 1)), ("XY_LINEAR", (0.9, 0, 0, 0.8, 1)), ("XY_LINEAR", (-1, 0, 0, 0.8, 1)),
    ("XY_LINEAR", (1, 1, 0, 1, 1)),
    ("XY_PER_ITEM", (7, 0.3, 6)), ("XY_PER_ITEM", (25, 0.3, 6)), ("XY_PER_ITEM", (-1, 0.3, 6)),
    ("XY_DEDUCT", (3, 0.5, 2)), ("XY_DEDUCT", (0.005, 0.2, 1, 0.01, "linear")), ("XY_DEDUCT", (0.005, 0.2, 1, 0.01, "floor")),
    ("XY_DEDUCT", (0.005, 0.2, 1, 0.01, "ceil")), ("XY_DEDUCT", (-1, 0.5, 2)),
    ("XY_STEPS", (0.099, 0.1, 1, 0.1, 1, 5)), ("XY_STEPS", (0.3, 0.1, 1, 0.1, 1, 5)), ("XY_STEPS", (0.95, 0.1, 1, 0.1, 1, 5)),
    ("XY_STEPS", (35, 10, 0.1, 10, 0.1, 1)),
    ("XY_ANY", (False, True, False)), ("XY_ANY", (False, False)), ("XY_ALL", (True, True)), ("XY_ALL", (True, False)),
    ("XY_NONE", (False, False, False)), ("XY_NONE", (False, True)), ("XY_COUNT_YES", (True, False, True, True)),
    ("XY_DISCRETIONARY", (3.5, 4)), ("XY_DISCRETIONARY", (4.5, 4)),
    ("XY_AVG_LAST", ([80, 82, 84, 86, 88, 90], 6)), ("XY_AVG_LAST", ([70, 80, 90], 6)), ("XY_AVG_LAST", ([70, 80, 90], 2)),
    ("XY_NPL_SCORE", (0.0199,)), ("XY_NPL_SCORE", (0.02,)), ("XY_NPL_SCORE", (0.035,)), ("XY_NPL_SCORE", (0.0499,)),
    ("XY_NPL_SCORE", (0.05,)), ("XY_NPL_SCORE", (1.2,)),
    ("XY_EXECUTION_RATE", (80, 40, 60)), ("XY_EXECUTION_RATE", (0, 0, 0)), ("XY_EXECUTION_RATE", (0, 0, 0, "zero")),
    ("XY_EXECUTION_SCORE", (0,)), ("XY_EXECUTION_SCORE", (0.4,)), ("XY_EXECUTION_SCORE", (0.8,)), ("XY_EXECUTION_SCORE", (0.95,)),
    ("XY_RECOVERY_SCORE", (0,)), ("XY_RECOVERY_SCORE", (0.35,)), ("XY_RECOVERY_SCORE", (0.7,)),
    ("XY_FUNDRAISING_GROWTH", (12, 10)), ("XY_FUNDRAISING_GROWTH", (0, 0)), ("XY_FUNDRAISING_GROWTH", (3, 0)),
    ("XY_FUNDRAISING_SCORE", (9, 10)), ("XY_FUNDRAISING_SCORE", (10, 10)), ("XY_FUNDRAISING_SCORE", (5, 4)),
    ("XY_FUNDRAISING_SCORE", (15, 10)), ("XY_FUNDRAISING_SCORE", (0, 0)), ("XY_FUNDRAISING_SCORE", (3, 0)),
    ("XY_CODE_CONVERSION_SCORE", (1,)), ("XY_CODE_CONVERSION_SCORE", (0.995,)), ("XY_CODE_CONVERSION_SCORE", (0.95,)),
    ("XY_CODE_CONVERSION_SCORE", (0.995, "floor")), ("XY_CODE_CONVERSION_SCORE", (0.99, "ceil")),
    ("XY_CODE_CONVERSION_SCORE", (0.995, "ceil")), ("XY_CODE_CONVERSION_SCORE", (1.01,)),
    ("XY_CODE_ERROR_SCORE", (0,)), ("XY_CODE_ERROR_SCORE", (0.0001,)), ("XY_CODE_ERROR_SCORE", (0.00015, "floor")),
    ("XY_CODE_ERROR_SCORE", (0.001,)),
    ("XY_NOT_CONNECTED_SCORE", (12, 12, 3, 1)), ("XY_NOT_CONNECTED_SCORE", (12, 10, 3, 1)), ("XY_NOT_CONNECTED_SCORE", (60, 57, 4, 0.5)),
    ("XY_NOT_CONNECTED_SCORE", (10, 11, 3, 1)),
    ("XY_REPORTING_SCORE", (1,)), ("XY_REPORTING_SCORE", (0.995,)), ("XY_REPORTING_SCORE", (0.9,)),
    ("XY_ITEMS_PER_ENTITY_SCORE", (300000, 200000)), ("XY_ITEMS_PER_ENTITY_SCORE", (900000, 200000)),
    ("XY_ITEMS_PER_ENTITY_SCORE", (5, 0)),
    ("XY_DAILY_CLICKS_SCORE", (40000, 4000000)), ("XY_DAILY_CLICKS_SCORE", (90000, 4000000)),
    ("XY_PERSONAL_SCORE_COVERAGE", (2000000, 4000000)), ("XY_PERSONAL_SCORE_COVERAGE", (2400000, 4000000)),
    ("XY_PERSONAL_SCORE_COVERAGE", (4000000, 4000000)),
    ("XY_XINYIPI_SCORE", (15, 30)), ("XY_XINYIPI_SCORE", (0, 0)), ("XY_XINYIPI_SCORE", (0, 0, "zero")),
    ("XY_XINYIDAI_SCORE", (5e10, 1000000)), ("XY_XINYIDAI_SCORE", (3e11, 1000000)),
    ("XY_COMMITMENT_SCORE", (6000, 3000, 10000, 19, 200, 200, 50, 100)),
    ("XY_COMMITMENT_SCORE", (15000, 0, 10000, 19, 200, 200, 100, 100)),
    ("XY_COMMITMENT_SCORE", (5000, 0, 10000, 0, 0, 200, 0, 0)),
    ("XY_COMMITMENT_SCORE", (5000, 0, 10000, 0, 0, 200, 0, 0, 4, "capped", "zero")),
    ("XY_COMMITMENT_SCORE", (30000, 0, 10000, 19, 200, 200, 100, 100, 6, "capped")),
    ("XY_COMMITMENT_SCORE", (30000, 0, 10000, 19, 200, 200, 100, 100, 6, "uncapped")),
    ("XY_DOMAIN_SCORE", (True, False, True, False)), ("XY_DOMAIN_SCORE", (True, True, True, True)),
    ("XY_JUDICIAL_PERSONS_SCORE", (5, 4)), ("XY_JUDICIAL_PERSONS_SCORE", (5, 5)), ("XY_JUDICIAL_PERSONS_SCORE", (6, 0)),
    ("XY_JUDICIAL_INSTITUTIONS_SCORE", (4, 2)), ("XY_JUDICIAL_INSTITUTIONS_SCORE", (5, 0)),
    ("XY_MONITOR_SCORE", ([80, 82, 84, 86, 88, 90],)), ("XY_MONITOR_SCORE", ([90, 92],)),
]  # fmt: skip


def python_value(name: str, args: tuple[object, ...]) -> object:
    with collect_notices():
        try:
            return REGISTRY[name].func(*args)
        except XYInputError:
            return XYInputError


def test_every_function_has_cases() -> None:
    assert {name for name, _ in CASES} == set(REGISTRY)


def _formula(name: str, args: tuple[object, ...], row: int, native: bool) -> str:
    texts = [LIST_NAME.format(row=row + 1) if isinstance(a, list) else literal(a) for a in args]
    text = f"={name}({','.join(texts)})"
    return native_formula(text) if native else text


@pytest.mark.oracle
def test_libreoffice_agrees_with_python(tmp_path: Path) -> None:
    if find_soffice() is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    src = tmp_path / "natives.xlsx"
    wb = xlsxwriter.Workbook(str(src))
    ws = wb.add_worksheet("F")
    for row, (name, args) in enumerate(CASES):
        for a in args:
            if isinstance(a, list):
                for col, v in enumerate(a):
                    ws.write_number(row, 1 + col, v)
                wb.define_name(LIST_NAME.format(row=row + 1), f"=F!$B${row + 1}:$G${row + 1}")
        ws.write_formula(row, 0, _formula(name, args, row, native=True), None, -999)
    wb.close()
    values = read_values(recalculate(src, tmp_path / "out"))["F"]
    for row, (name, args) in enumerate(CASES):
        expected = python_value(name, args)
        got = values.get(f"A{row + 1}")
        if expected is XYInputError:
            assert isinstance(got, CellError), (name, args, got)
        else:
            assert not isinstance(got, CellError), (name, args, got)
            assert float(got) == pytest.approx(float(expected), abs=1e-9), (name, args)


def test_formulas_package_calls_each_rule_faithfully() -> None:
    """An adapter check, not a check of the rules: `formulas` evaluating the XY_ text calls the very
    Python function it is compared with, so this proves only that registration passes arguments and
    errors through (one test over every case; the rules themselves are checked against the documents in
    test_rules_worked_examples.py and test_rule_bounds.py, and their native expansions above)."""
    wrong = []
    cases = [c for c in CASES if not any(isinstance(a, list) for a in c[1])]
    for name, args in cases:
        got = FormulasFormula(_formula(name, args, 0, native=False))({})
        expected = python_value(name, args)
        if expected is XYInputError:
            ok = type(got).__name__ == "XlError"
        else:
            ok = not isinstance(got, str) and float(got) == pytest.approx(float(expected), abs=1e-12)
        if not ok:
            wrong.append((name, args, expected, got))
    assert wrong == [] and len(cases) > 90
