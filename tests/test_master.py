"""The master scoring workbook against the project's headless scores.

Projects are run for real: unit workbooks generated, filled with generated input sets as units
would, returned, consolidated; the master written (its cells compute with built-in functions only).
Its score cells are then evaluated three ways that owe nothing to our writer's cached values:
`formulas`, LibreOffice recalculating, and python-calamine reading the cached values without any
recalculation. All must equal headless scoring of the very
input set the units were given.
"""

from __future__ import annotations

import os
import random
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import formulas
import pytest
from python_calamine import CalamineWorkbook

from udfs.evaluate import CompiledRubric, Result, evaluate
from udfs.sampling import sample_inputs
from workbooks.generate.fill import fill_returns
from workbooks.generate.run import generate
from workbooks.intake.consolidate import consolidate
from workbooks.ledger import LEDGER_FILE, Ledger
from workbooks.master import layout as L
from workbooks.master.live import Where
from workbooks.master.recalc import find_soffice, recalculated_values
from workbooks.master.run import build
from workbooks.master.state import MasterState, gather
from workbooks.project import Project, init_project

BEFORE_DEADLINE = datetime(2019, 3, 20, 9, 0).timestamp()


@dataclass
class Run:
    project: Project
    values: dict[str, object]
    expected: Result  # headless scoring of the input set the units were given
    state: MasterState
    master: tuple[Path, Where]


def run_project(base: Path, rubric: str, seed: int) -> Run:
    project = init_project(base / f"{rubric}-{seed}", rubric, today=date(2019, 3, 1))
    generate(project)
    values = sample_inputs(project.rubric, random.Random(seed))
    for path in fill_returns(project, values).values():
        os.utime(path, (BEFORE_DEADLINE, BEFORE_DEADLINE))
    consolidate(project, now=datetime(2019, 3, 25, 10, 0))
    compiled = CompiledRubric(project.rubric)
    ledger = Ledger(project.root / LEDGER_FILE)
    try:
        # a counties project scores each county on its own figures: every county was given the same set,
        # so any county's state (written as a one-subject master) must score as the set
        subject = project.subjects[0] if project.subjects else None
        state = gather(
            project, ledger, compiled, today=date(2019, 3, 25), now=datetime(2019, 3, 25, 10, 0), subject=subject
        )
    finally:
        ledger.close()
    path = base / f"{rubric}-{seed}.xlsx"
    return Run(project, values, evaluate(compiled, values), state, (path, build(state, path, compiled)))


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> list[Run]:
    base = tmp_path_factory.mktemp("master")
    cases = [("national-2019", 3), ("national-2019", 11), ("wangyi-district", 5), ("zhengzhou-2019-counties", 7)]
    return [run_project(base, rubric, seed) for rubric, seed in cases]


def split(ref: str) -> tuple[str, str]:
    sheet, cell = ref.split("!")
    return sheet.strip("'"), cell.replace("$", "")


def same(headless: float | None, cell: object, tol: float = 1e-9) -> bool:
    if headless is None:
        return not isinstance(cell, int | float) or isinstance(cell, bool)
    return isinstance(cell, int | float) and not isinstance(cell, bool) and abs(float(cell) - headless) < tol


def assert_master_equals(run: Run, where: Where, get) -> None:  # noqa: ANN001 - (sheet, cell) -> value
    wrong = [
        (i.id, i.score, get(*split(where.items[i.id])))
        for i in run.expected.items
        if not same(i.score, get(*split(where.items[i.id])))
    ]
    assert not wrong, wrong
    assert same(run.expected.total, get(*split(where.total)), 1e-6)  # headless totals are rounded to 6 places
    status = {True: L.MET, False: L.UNMET, None: L.UNKNOWN}
    checks = [(c.id, status[c.met], get(*split(where.checks[c.id]))) for c in run.expected.checks]
    assert [c for c in checks if c[1] != c[2]] == []


def test_consolidated_values_score_as_the_input_set(runs: list[Run]) -> None:
    for run in runs:
        got = run.state.result
        assert got.total == run.expected.total
        assert [(i.id, i.score) for i in got.items] == [(i.id, i.score) for i in run.expected.items]
        assert not run.state.conflicts
        assert run.expected.complete or any(i.score is None for i in run.expected.items)


def formulas_getter(path: Path):  # noqa: ANN201
    solution = formulas.ExcelModel().loads(str(path)).finish().calculate()
    values = {k.upper(): v for k, v in solution.items()}

    def get(sheet: str, cell: str) -> object:
        v = values.get(f"'[{path.name}]{sheet}'!{cell}".upper())
        return None if v is None else v.value[0, 0]

    return get


def calamine_getter(path: Path):  # noqa: ANN201
    book = CalamineWorkbook.from_path(str(path))
    sheets: dict[str, list[list[object]]] = {}

    def get(sheet: str, cell: str) -> object:
        if sheet not in sheets:
            sheets[sheet] = book.get_sheet_by_name(sheet).to_python()
        col, row = re.match(r"([A-Z]+)(\d+)", cell).groups()
        return sheets[sheet][int(row) - 1][ord(col) - ord("A")]

    return get


def libreoffice_getter(path: Path):  # noqa: ANN201
    values = recalculated_values(path)
    return lambda sheet, cell: values[sheet].get(cell)


def test_formulas_package_computes_the_master(runs: list[Run]) -> None:
    for run in runs:
        path, where = run.master
        assert_master_equals(run, where, formulas_getter(path))


def test_cached_values_read_without_recalculation(runs: list[Run]) -> None:
    """What a reader that never recalculates shows (a phone preview, pandas): cached values written from the
    consolidated state's own result, so this checks intake and where each value lands, not the formulas
    (those are checked by recalculation, by `formulas` and by LibreOffice, in the tests around it)."""
    for run in runs:
        path, where = run.master
        assert_master_equals(run, where, calamine_getter(path))


@pytest.mark.oracle
@pytest.mark.skipif(find_soffice() is None, reason="LibreOffice not installed")
def test_libreoffice_recalculates_the_master(runs: list[Run]) -> None:
    for run in runs:
        path, where = run.master
        assert_master_equals(run, where, libreoffice_getter(path))


def test_score_cells_compute_natively_beside_the_rubric_formulas(runs: list[Run]) -> None:
    """The readable XY_ formula is text beside each score; the score cell itself calls no XY_ function, so
    Excel without the add-in, WPS and LibreOffice compute it."""
    run = runs[0]
    path, where = run.master
    with zipfile.ZipFile(path) as z:
        workbook = z.read("xl/workbook.xml").decode()
    for spec in run.project.rubric.inputs.values():
        assert f'name="{spec.id}"' in workbook
    book = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(L.SCORES).to_python()
    formulas_text = {row[L.S_ID]: row[L.S_FORMULA] for row in book if isinstance(row[L.S_ID], str)}
    for item in run.project.rubric.scored_items:
        assert formulas_text[item.id] == item.formula
    sheet_xml = _sheet_xml(path, L.SCORES)
    formulas_xml = re.findall(r"<f>(.*?)</f>", sheet_xml)
    assert formulas_xml and not [f for f in formulas_xml if "XY_" in f]
    assert any("npl_rate" in f for f in formulas_xml)


def _sheet_xml(path: Path, sheet: str) -> str:
    with zipfile.ZipFile(path) as z:
        names = re.findall(r'<sheet name="([^"]+)" sheetId="\d+" r:id="rId(\d+)"', z.read("xl/workbook.xml").decode())
        index = dict(names)[sheet]
        return z.read(f"xl/worksheets/sheet{index}.xml").decode()


def test_overview_shows_total_veto_completeness_and_units(runs: list[Run]) -> None:
    run = runs[0]
    rows = CalamineWorkbook.from_path(str(run.master[0])).get_sheet_by_name(L.OVERVIEW).to_python()
    labels = {row[0]: row[1] for row in rows if row and isinstance(row[0], str)}
    assert labels["总分"] == pytest.approx(run.expected.total)
    veto = {True: "被一票否决", False: "未触发一票否决", None: "无法判断（数据不全）"}[run.expected.vetoed]
    assert labels["一票否决"] == veto
    assert labels["单位报送"] == f"{len(run.state.units)} / {len(run.state.units)} 个单位"
    assert labels["逾期单位"] == "0 个"
    have = sum(1 for v in run.values.values() if v is not None)
    assert labels["数据完整度"] == f"{have} / {len(run.project.rubric.inputs)} 个数据项"
