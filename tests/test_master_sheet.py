"""The master's worksheets skip XlsxWriter's scan for Excel 365 function names when it could change
nothing: the formula text they write is exactly what XlsxWriter's own method writes, for every formula
of a real master and for formulas that do name such functions."""

from __future__ import annotations

import html
import re
import zipfile
from pathlib import Path

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from workbooks.master.run import write_master
from workbooks.master.style import MasterSheet
from workbooks.project import Project


def test_every_master_formula_is_written_as_xlsxwriter_writes_it(consolidated_national: Project, tmp_path: Path) -> None:
    outcome = write_master(consolidated_national)
    with zipfile.ZipFile(outcome.path) as z:
        texts = [
            f for n in z.namelist() if n.startswith("xl/worksheets/sheet")
            for f in map(html.unescape, re.findall(r"<f>(.*?)</f>", z.read(n).decode()))
        ]  # fmt: skip
    assert len(texts) > 150
    wb = xlsxwriter.Workbook(str(tmp_path / "x.xlsx"))
    ours, theirs = wb.add_worksheet("a", worksheet_class=MasterSheet), wb.add_worksheet("b")
    extra = ["=SORT(A1:A3)", "{=SUM(A1:A2)}", "=_xlfn.XLOOKUP(1,A1:A2,B1:B2)", "=FILTER(A1:A3,A1:A3>0)", "=IF(A1,1,0)"]
    for formula in [f"={t}" for t in texts] + extra:
        assert ours._prepare_formula(formula) == Worksheet._prepare_formula(theirs, formula), formula
        assert ours._prepare_formula(formula, True) == Worksheet._prepare_formula(theirs, formula, True), formula
    wb.close()
