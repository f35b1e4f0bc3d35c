"""Every rule probed at each side of each of its bounds and strictly inside each interval, through
three evaluators: the Python rule, the `formulas` package computing the rule's native expansion (the
formula a workbook without the add-in computes), and LibreOffice recalculating that expansion.

The probe points come from the bounds each rule declares (udfs/vocabulary/bounds.py) and, for the
rubrics, from every comparison their item formulas and hard-indicator conditions write with a literal
threshold; a new rule or rubric is probed as soon as it is added. Random input sets land strictly
between a bound and its neighbour less than 1% of the time, which is why a bound moved in one
evaluator alone (5% to 6%) went unnoticed before these tests.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pytest
import xlsxwriter

from tests import oracle_workbook
from tests.conftest import builtin_inputs
from udfs.engines.formulas_engine import FormulasFormula
from udfs.engines.native import literal, native_formula
from udfs.evaluate import CompiledRubric, Result, evaluate
from udfs.formula.parser import Binary, Call, Name, Node, Num, Unary, parse
from udfs.rubric import list_builtin, load
from udfs.vocabulary import REGISTRY, XYInputError, collect_notices
from udfs.vocabulary.bounds import Bounds
from workbooks.master import layout as L
from workbooks.master.recalc import CellError, find_soffice, read_values, recalculate

ERROR = "error"  # a rule refusing its arguments; every evaluator must refuse them too

# Named rules of the documents without a bound of their own, and why.
UNBOUNDED = {
    "XY_EXECUTION_RATE": "a ratio the scoring rule XY_EXECUTION_SCORE bounds",
    "XY_FUNDRAISING_GROWTH": "a growth rate the scoring rule XY_FUNDRAISING_SCORE bounds",
    "XY_DOMAIN_SCORE": "four yes/no answers, each worth its points",
    "XY_MONITOR_SCORE": "average × 0.01 reaches its 1 point only at a perfect 100, the most a monitoring period scores",
}


@dataclass(frozen=True)
class Probe:
    name: str
    bounds: Bounds
    q: float

    @property
    def args(self) -> tuple[object, ...]:
        return self.bounds.call(self.q)

    def text(self) -> str:
        return call_text(self.name, self.args)

    def __str__(self) -> str:
        return f"{self.name} {self.bounds.quantity} = {self.q:g} ({self.bounds.side(self.q)})"


PROBES = [Probe(name, b, q) for name, f in sorted(REGISTRY.items()) for b in f.bounds for q in b.points()]

# Strictly between the documents' thresholds and just past them, worked by hand from the text (000 七、八、九;
# the quoted clause is each rule's `source`). Every evaluator must give these, not merely agree.
DOCUMENT_CASES: list[tuple[str, tuple[object, ...], float]] = [
    # ＜2%得2分；2%≤r＜5%，得分=2/3*(5-r*100)；≥5%得0分
    ("XY_NPL_SCORE", (0.019,), 2.0), ("XY_NPL_SCORE", (0.02,), 2.0), ("XY_NPL_SCORE", (0.021,), 2 / 3 * 2.9),
    ("XY_NPL_SCORE", (0.049,), 2 / 3 * 0.1), ("XY_NPL_SCORE", (0.05,), 0.0), ("XY_NPL_SCORE", (0.051,), 0.0),
    ("XY_NPL_SCORE", (0.055,), 0.0),
    # ≥80%得1分；0%＜r＜80%，得分=1/80*(r*100-0)
    ("XY_EXECUTION_SCORE", (0.01,), 1 / 80), ("XY_EXECUTION_SCORE", (0.79,), 79 / 80), ("XY_EXECUTION_SCORE", (0.81,), 1.0),
    # ≥70%得1分；0%＜r＜70%，得分=1/70*(r*100-0)
    ("XY_RECOVERY_SCORE", (0.69,), 69 / 70), ("XY_RECOVERY_SCORE", (0.71,), 1.0),
    # 增长率＜0%得1分；0%≤g＜50%，得分=1/50*(50-g*100)；≥50%得0分
    ("XY_FUNDRAISING_SCORE", (99, 100), 1.0), ("XY_FUNDRAISING_SCORE", (101, 100), 49 / 50),
    ("XY_FUNDRAISING_SCORE", (149, 100), 1 / 50), ("XY_FUNDRAISING_SCORE", (151, 100), 0.0),
    # 100%得1分，每降低1%减0.2分
    ("XY_CODE_CONVERSION_SCORE", (0.96,), 0.2), ("XY_CODE_CONVERSION_SCORE", (0.94,), 0.0),
    # 重错码率为0得1分，每增加0.01%减0.1分
    ("XY_CODE_ERROR_SCORE", (0.0009,), 0.1), ("XY_CODE_ERROR_SCORE", (0.0011,), 0.0),
    # 100%上报计2分，公示率每降低1%减0.2分
    ("XY_REPORTING_SCORE", (0.91,), 0.2), ("XY_REPORTING_SCORE", (0.89,), 0.0),
    # 超过50%得1.5分，在此基础上每多10%加0.5分，最高4分
    ("XY_PERSONAL_SCORE_COVERAGE", (500, 1000), 0.0), ("XY_PERSONAL_SCORE_COVERAGE", (510, 1000), 1.55),
    ("XY_PERSONAL_SCORE_COVERAGE", (990, 1000), 3.95),
    # 0.5m，最高2分；100n，最高2分；放款金额/市场主体数*0.002%，最高2分
    ("XY_ITEMS_PER_ENTITY_SCORE", (3900, 1000), 1.95), ("XY_ITEMS_PER_ENTITY_SCORE", (4100, 1000), 2.0),
    ("XY_DAILY_CLICKS_SCORE", (19_000, 1_000_000), 1.9), ("XY_DAILY_CLICKS_SCORE", (21_000, 1_000_000), 2.0),
    ("XY_XINYIDAI_SCORE", (99_000_000, 1000), 1.98), ("XY_XINYIDAI_SCORE", (101_000_000, 1000), 2.0),
    # 达到10%得1分，以此为基数每增加10%得1分（郑州市直单位，最高4分）
    ("XY_STEPS", (0.099, 0.1, 1, 0.1, 1, 4), 0.0), ("XY_STEPS", (0.1, 0.1, 1, 0.1, 1, 4), 1.0),
    ("XY_STEPS", (0.199, 0.1, 1, 0.1, 1, 4), 1.0), ("XY_STEPS", (0.3, 0.1, 1, 0.1, 1, 4), 3.0),
    ("XY_STEPS", (0.45, 0.1, 1, 0.1, 1, 4), 4.0),
]  # fmt: skip


def call_text(name: str, args: tuple[object, ...]) -> str:
    return f"={name}({','.join(literal(a) for a in args)})"


def python_value(name: str, args: tuple[object, ...]) -> object:
    with collect_notices():
        try:
            return float(REGISTRY[name].func(*args))  # type: ignore[arg-type]
        except XYInputError:
            return ERROR


def as_value(cell: object) -> object:
    """A cell's value from either calculator: a number, or ERROR for any Excel error value."""
    if isinstance(cell, CellError) or type(cell).__name__ in {"XlError", "XlErrorVal"}:
        return ERROR
    if isinstance(cell, bool) or not isinstance(cell, int | float):
        return cell
    return float(cell)


def agree(expected: object, got: object) -> bool:
    if expected == ERROR or got == ERROR:
        return expected == got
    return isinstance(got, float) and math.isclose(got, float(expected), abs_tol=1e-9)  # type: ignore[arg-type]


# ---- the declarations ---------------------------------------------------------------------------------


def test_every_named_rule_declares_its_bounds_or_says_why_not() -> None:
    named = {n for n, f in REGISTRY.items() if f.kind == "named"}
    assert sorted(n for n in named if not REGISTRY[n].bounds and n not in UNBOUNDED) == []
    assert sorted(n for n in UNBOUNDED if REGISTRY[n].bounds or n not in named) == []


def test_the_probe_points_of_the_npl_rule() -> None:
    """The document's bounds 2% and 5%: 1.9%, 2.0%, 2.1%, 4.9%, 5.0%, 5.1%, 5.5%, and inside each interval."""
    (bounds,) = REGISTRY["XY_NPL_SCORE"].bounds
    assert bounds.points() == [0.015, 0.019, 0.02, 0.021, 0.035, 0.049, 0.05, 0.051, 0.055]


@pytest.mark.parametrize("name", sorted(n for n, f in REGISTRY.items() if f.bounds))
def test_probes_lie_on_each_side_of_every_bound_and_inside_every_interval(name: str) -> None:
    for bounds in REGISTRY[name].bounds:
        points, at, d = bounds.points(), sorted(bounds.at), bounds.step()
        for b in at:
            assert b in points
            assert any(b - d - 1e-9 <= p < b for p in points), (name, "below", b)
            assert any(b < p <= b + d + 1e-9 for p in points), (name, "above", b)
        for lo, hi in zip([-math.inf, *at], [*at, math.inf], strict=True):
            inside = [p for p in points if lo < p < hi]
            assert inside, (name, lo, hi)


@pytest.mark.parametrize("name", sorted(n for n, f in REGISTRY.items() if f.bounds))
def test_every_declared_bound_is_where_the_rule_changes_course(name: str) -> None:
    """A bound declared where nothing happens would probe nothing: at each one the Python rule refuses
    one side, jumps, or changes slope."""
    for bounds in REGISTRY[name].bounds:
        d = bounds.step()
        for b in bounds.at:
            below, at, above = (python_value(name, bounds.call(q)) for q in (b - d, b, b + d))
            if ERROR in (below, at, above):
                continue
            jump_or_kink = not math.isclose(at - below, above - at, abs_tol=1e-9)  # type: ignore[operator]
            assert jump_or_kink, (name, bounds.quantity, b, below, at, above)


# ---- the three evaluators at the probe points ---------------------------------------------------------


def test_formulas_package_computes_each_native_expansion_as_the_rule() -> None:
    """`formulas` evaluating the native expansion, not the XY_ text: the expansion is checked on its own
    against the rule, also where LibreOffice is absent (the Windows workflow)."""
    wrong = []
    for probe in PROBES:
        expected = python_value(probe.name, probe.args)
        got = as_value(FormulasFormula(native_formula(probe.text()))({}))
        if not agree(expected, got):
            wrong.append((str(probe), expected, got))
    assert wrong == []
    assert len(PROBES) > 200


@pytest.mark.parametrize(("name", "args", "expected"), DOCUMENT_CASES)
def test_the_documents_cases_between_thresholds(name: str, args: tuple[object, ...], expected: float) -> None:
    """The Python rule and its native expansion (computed by `formulas`) give the hand-worked value."""
    assert python_value(name, args) == pytest.approx(expected, abs=1e-9)
    assert as_value(FormulasFormula(native_formula(call_text(name, args)))({})) == pytest.approx(expected, abs=1e-9)


@pytest.mark.oracle
def test_libreoffice_computes_each_native_expansion_as_the_rule(tmp_path: Path) -> None:
    if find_soffice() is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    src = tmp_path / "bounds.xlsx"
    wb = xlsxwriter.Workbook(str(src))
    ws = wb.add_worksheet("B")
    cases = [(str(p), p.text(), python_value(p.name, p.args)) for p in PROBES]
    cases += [(f"{name}{args} (document)", call_text(name, args), expected) for name, args, expected in DOCUMENT_CASES]
    for row, (_, text, _) in enumerate(cases):
        ws.write_formula(row, 0, native_formula(text), None, -999)  # a wrong cached value
    wb.close()
    values = read_values(recalculate(src, tmp_path / "out"))["B"]
    wrong = []
    for row, (label, _, expected) in enumerate(cases):
        got = as_value(values.get(f"A{row + 1}"))
        if not agree(expected, got):
            wrong.append((label, expected, got))
    assert wrong == []


# ---- the rubrics' own thresholds ----------------------------------------------------------------------

SCORED = [ref for ref in list_builtin() if load(ref)[0].scored]
COMPARE = {"<", "<=", ">", ">="}


def _thresholds(node: Node, params: dict[str, float]) -> list[tuple[str, float]]:
    """(input, threshold) for every `input op number` (either way round) in a formula, and for every
    scoring function called on an input with numbers (or parameters) after it: the bounds the function
    declares for those numbers (XY_PER_ITEM(domains, 0.5, 6): 0 and 12), or its own fixed bounds when
    the input is its only argument (XY_NPL_SCORE(npl_rate): 2% and 5%)."""
    out: list[tuple[str, float]] = []
    if isinstance(node, Binary):
        if node.op in COMPARE:
            for a, b in ((node.left, node.right), (node.right, node.left)):
                if isinstance(a, Name) and isinstance(b, Num):
                    out.append((a.id, b.value))
                elif isinstance(a, Name) and isinstance(b, Name) and b.id in params:
                    out.append((a.id, params[b.id]))
        out += _thresholds(node.left, params) + _thresholds(node.right, params)
    if isinstance(node, Call) and node.name in REGISTRY and node.args and isinstance(node.args[0], Name):
        f, first, rest = REGISTRY[node.name], node.args[0].id, node.args[1:]
        numbers = [a.value if isinstance(a, Num) else params.get(a.id) if isinstance(a, Name) else None for a in rest]
        if f.bounds_for is not None and all(isinstance(n, float) for n in numbers):
            out += [(first, float(b)) for b in f.bounds_for(*numbers)]
        elif not rest:
            out += [(first, float(b)) for bounds in f.bounds if bounds.call(0.5) == (0.5,) for b in bounds.at]
    for child in getattr(node, "args", ()) or ():
        out += _thresholds(child, params)
    if isinstance(node, Unary):
        out += _thresholds(node.operand, params)
    return out


def rubric_thresholds(rubric_id: str) -> list[tuple[str, float]]:
    """Every input a rubric compares with a threshold: in item formulas and in hard-indicator conditions."""
    rubric, _ = load(rubric_id)
    params = {pid: float(p.value) for pid, p in rubric.parameters.items() if isinstance(p.value, int | float)}
    found: set[tuple[str, float]] = set()
    for item in rubric.scored_items:
        found |= {(i, t) for i, t in _thresholds(parse(item.formula), params) if i in rubric.inputs}
    for check in rubric.checks:
        for cond in check.conditions:
            node = parse(cond.value)
            if cond.op in COMPARE and isinstance(node, Name) and node.id in rubric.inputs and cond.threshold is not None:
                found.add((node.id, float(cond.threshold)))
            found |= {(i, t) for i, t in _thresholds(node, params) if i in rubric.inputs}
    return sorted(found)


def probe_sets(rubric_id: str) -> list[tuple[str, dict[str, object]]]:
    """The full-marks set with one compared input moved to each probe point of its threshold."""
    rubric, _ = load(rubric_id)
    full = builtin_inputs(rubric_id, "full-marks")
    out = []
    for input_id, t in rubric_thresholds(rubric_id):
        whole = rubric.inputs[input_id].type == "count"
        bounds = Bounds(input_id, (t,), lambda q: (q,), near=1 if whole else None, integer=whole)
        for q in bounds.points():
            spec = rubric.inputs[input_id]
            if (spec.min is not None and q < spec.min) or (spec.max is not None and q > spec.max):
                continue  # a figure intake refuses never reaches a formula
            out.append((f"{input_id}={q:g} ({bounds.side(q)})", {**full, input_id: q}))
    return out


def test_every_scored_rubric_has_thresholds_probed() -> None:
    counts = {r: len(rubric_thresholds(r)) for r in SCORED}
    assert counts["national-2019"] >= 5 and counts["wangyi-district"] >= 10, counts


def _statuses(result: Result) -> dict[str, str]:
    status = {True: L.MET, False: L.UNMET, None: L.UNKNOWN}
    return {f"{c.id}:{j}": status[row["met"]] for c in result.checks for j, row in enumerate(c.conditions)}


@pytest.mark.parametrize("rubric_id", SCORED)
def test_formulas_package_scores_the_native_items_as_python_at_every_threshold(rubric_id: str) -> None:
    rubric, _ = load(rubric_id)
    compiled = CompiledRubric(rubric)
    inline = {pid: literal(p.value) for pid, p in rubric.parameters.items()}
    lists = {i for i, spec in rubric.inputs.items() if spec.type == "list"}  # ranges: the LibreOffice test's
    natives = {
        item.id: FormulasFormula(native_formula(item.formula, inline))
        for item in rubric.scored_items
        if not compiled.items[item.id].needs & lists
    }
    wrong = []
    for label, values in probe_sets(rubric_id):
        result = evaluate(compiled, values)
        for score in result.items:
            if score.score is None or score.id not in natives:
                continue
            got = as_value(natives[score.id](result.values))
            if not agree(score.score, got):
                wrong.append((label, score.id, score.score, got))
    assert wrong == []


@pytest.mark.oracle
@pytest.mark.parametrize("rubric_id", SCORED)
def test_libreoffice_scores_and_judges_as_python_at_every_threshold(rubric_id: str, tmp_path: Path) -> None:
    """Item scores and the master's own status formula of every hard-indicator condition."""
    if find_soffice() is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    rubric, _ = load(rubric_id)
    sets = probe_sets(rubric_id)
    results, computed = oracle_workbook.recalculated(rubric, [values for _, values in sets], tmp_path)
    wrong = []
    for k, ((label, _), result) in enumerate(zip(sets, results, strict=True)):
        for score in result.items:
            if score.score is not None:
                got = as_value(computed(k, score.id))
                if not agree(score.score, got):
                    wrong.append((label, score.id, score.score, got))
        for key, expected in _statuses(result).items():
            got = computed(k, f"{key}:status")
            if got != expected:
                wrong.append((label, key, expected, got))
    assert wrong == []
