"""The default master computes the same numbers wherever it is opened.

Excel and WPS recalculate a workbook on open (the master asks for it), and so does LibreOffice when told
to. None of them may need the add-in: LibreOffice with recalculation forced knows no XY_ function, as
Excel without the add-in does not, so every formula cell of the master it recalculates must come back
equal to the value the master carries. Checked on the master `consolidate` writes by default, for every
built-in rubric: the one-subject ones and the many-subject ones (16 counties, 44 city units).
"""

from __future__ import annotations

import random
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from udfs.rubric import list_builtin, load
from udfs.sampling import sample_inputs
from workbooks.generate.fill import fill_returns
from workbooks.generate.run import generate
from workbooks.intake.consolidate import consolidate
from workbooks.master.recalc import CellError, find_soffice, read_values, recalculate
from workbooks.project import init_project

pytestmark = pytest.mark.oracle

RECEIVED = datetime(2019, 3, 20, 9, 0)


def _same(cached: object, recalculated: object) -> bool:
    if isinstance(cached, bool) or isinstance(recalculated, bool):
        cached, recalculated = (float(v) if isinstance(v, bool) else v for v in (cached, recalculated))
    if isinstance(cached, int | float) and isinstance(recalculated, int | float):
        return abs(float(cached) - float(recalculated)) <= 1e-6 * max(1.0, abs(float(cached)))
    if cached in (None, "") and recalculated in (None, ""):
        return True
    return cached == recalculated and not isinstance(recalculated, CellError)


def formula_cells(path: Path) -> dict[str, dict[str, object]]:
    """sheet -> cell -> the value the master carries, for every formula cell."""
    formulas = openpyxl.load_workbook(path)
    cached = openpyxl.load_workbook(path, data_only=True)
    out: dict[str, dict[str, object]] = {}
    for ws in formulas.worksheets:
        out[ws.title] = {
            c.coordinate: cached[ws.title][c.coordinate].value
            for row in ws.iter_rows()
            for c in row
            if isinstance(c.value, str) and c.value.startswith("=")
        }
    return out


@pytest.mark.parametrize("rubric_id", list_builtin())
def test_libreoffice_recalculates_the_default_master_to_what_it_carries(rubric_id: str, tmp_path: Path) -> None:
    if find_soffice() is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    project = init_project(tmp_path / "项目", rubric_id, today=date(2019, 3, 1))
    generate(project)
    rubric = load(rubric_id)[0]
    values = sample_inputs(rubric, random.Random(f"everywhere-{rubric_id}")) if rubric.inputs else {}
    fill_returns(project, values, received=RECEIVED)
    summary = consolidate(project, now=datetime(2019, 3, 25, 10, 0))
    assert summary.master is not None and summary.master.path is not None
    master = summary.master.path
    carried = formula_cells(master)
    assert sum(len(cells) for cells in carried.values()) > 20 or not rubric.scored
    recalculated = read_values(recalculate(master, tmp_path / "lo"))
    wrong = [
        (sheet, ref, value, recalculated[sheet].get(ref))
        for sheet, cells in carried.items()
        for ref, value in cells.items()
        if not _same(value, recalculated[sheet].get(ref))
    ]
    assert wrong[:20] == [] and len(wrong) == 0
