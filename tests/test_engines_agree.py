"""One formula text, three evaluators: the project's compiler, the `formulas` package with the XY_
functions registered, and LibreOffice recalculating the native expansions. They must give the same
score for every item and the same value for every hard-indicator condition on generated input sets.
"""

from __future__ import annotations

import math
import random
from pathlib import Path

import pytest

from tests import oracle_workbook
from udfs.engines.formulas_engine import FormulasFormula
from udfs.evaluate import CompiledRubric, evaluate
from udfs.rubric import list_builtin, load
from udfs.sampling import sample_inputs
from workbooks.master.recalc import CellError, find_soffice

N_SETS = 24
SCORED = [ref for ref in list_builtin() if load(ref)[0].scored]
TOL = 1e-9


def _sets(rubric_id: str) -> list[dict[str, object]]:
    rubric, _ = load(rubric_id)
    rng = random.Random(f"agree-{rubric_id}")
    return [sample_inputs(rubric, rng) for _ in range(N_SETS)]


def _is_error(value: object) -> bool:
    return isinstance(value, CellError) or type(value).__name__ == "XlError"


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float) and not (isinstance(value, float) and math.isnan(value)):
        return float(value)
    return None


@pytest.mark.parametrize("rubric_id", SCORED)
def test_python_and_formulas_package_agree(rubric_id: str) -> None:
    """Partly an adapter check: `formulas` computes the rubric's own operators and built-in functions (IF,
    MIN, +, comparisons) but calls the same Python for each XY_ function; the XY_ rules are checked against
    the documents and their native expansions elsewhere (test_rule_bounds.py)."""
    rubric, _ = load(rubric_id)
    compiled = CompiledRubric(rubric)
    by_formulas = {item.id: FormulasFormula(item.formula) for item in rubric.scored_items}
    compared = 0
    for values in _sets(rubric_id):
        result = evaluate(compiled, values)
        env = {**compiled.params, **result.values}
        errors = {f.item for f in result.findings if f.code == "item-error"}
        for score in result.items:
            if score.id in errors:  # the rule refused its arguments: formulas must give an error too
                assert _is_error(by_formulas[score.id](env)), score.id
            if score.score is None:
                continue
            other = by_formulas[score.id](env)
            assert _number(other) is not None, (score.id, other)
            assert _number(other) == pytest.approx(score.score, abs=TOL), (score.id, values)
            compared += 1
    assert compared > N_SETS * len(rubric.scored_items) * 0.8


@pytest.mark.oracle
@pytest.mark.parametrize("rubric_id", SCORED)
def test_libreoffice_native_expansion_agrees(rubric_id: str, tmp_path: Path) -> None:
    if find_soffice() is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    rubric, _ = load(rubric_id)
    sets = _sets(rubric_id)
    results, computed = oracle_workbook.recalculated(rubric, sets, tmp_path)
    compared = 0
    for k, result in enumerate(results):
        for score in result.items:
            cell = computed(k, score.id)
            if score.score is None:
                continue
            assert not _is_error(cell) and _number(cell) is not None, (score.id, cell, sets[k])
            assert _number(cell) == pytest.approx(score.score, abs=1e-9), (score.id, sets[k])
            compared += 1
        for check in result.checks:
            for j, row in enumerate(check.conditions):
                cell = computed(k, f"{check.id}:{j}")
                if row["value"] is None:
                    continue
                assert _number(cell) == pytest.approx(_number(row["value"]), rel=1e-12, abs=1e-12), (check.id, j)
    assert compared > N_SETS * len(rubric.scored_items) * 0.8
