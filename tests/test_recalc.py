"""Oracle tests: LibreOffice must really recalculate, and evaluate the functions our workbooks use.

Every formula goes into one workbook with deliberately WRONG cached values, so soffice runs once for
the module; a cell that still shows its cached value means LibreOffice skipped recalculation.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from workbooks.master.recalc import CellError, RecalcError, find_soffice, recalculate, recalculated_values

pytestmark = [
    pytest.mark.oracle,
    pytest.mark.skipif(
        find_soffice() is None,
        reason="LibreOffice not on PATH (soffice/libreoffice); install libreoffice-calc to run oracle tests",
    ),
]

WRONG = -999  # cached value XlsxWriter stores for every formula; never a correct answer below
ZH_SHEET = "评分总表"

# (sheet, cell, formula, expected)
CASES: list[tuple[str, str, str, object]] = [
    # (a) plain recalculation
    ("Sheet1", "E1", "=B2+C2", 1.0),
    ("Sheet1", "E2", "=1/3", 1 / 3),
    # (b) defined names: workbook scope, sheet-local scope, local overriding global, qualified local
    ("Sheet1", "F1", "=npl_rate*2", 0.5),
    ("Sheet1", "F2", "=local_rate+1", 1.75),
    ("Sheet2", "F1", "=npl_rate*2", 1.0),  # Sheet2!npl_rate (0.5) shadows the global one
    ("Sheet2", "F2", "=Sheet1!local_rate", 0.75),
    ("Sheet1", "F3", "=AVERAGE(INDEX(scores,2):INDEX(scores,4))", 3),
    # (c) functions we rely on
    ("Sheet1", "G1", "=IF(B2>0.1,10,20)", 10),
    ("Sheet1", "G2", "=AND(B2>0,C2>0)", True),
    ("Sheet1", "G3", "=OR(B2>1,C2>1)", False),
    ("Sheet1", "G4", "=NOT(B2>1)", True),
    ("Sheet1", "G5", "=MIN(A10:E10)+MAX(A11:A15)", 51),
    ("Sheet1", "G6", "=SUM(A10:E10)", 15),
    ("Sheet1", "G7", "=AVERAGE(A11:A15)", 30),
    ("Sheet1", "G8", "=AVERAGE(INDEX(A10:E10,2):INDEX(A10:E10,4))", 3),  # row range
    ("Sheet1", "G9", "=AVERAGE(INDEX(A11:A15,1):INDEX(A11:A15,3))", 20),  # column range
    ("Sheet1", "G10", "=SUM(INDEX($A$10:$E$10,1,2):INDEX($A$10:$E$10,1,5))", 14),
    ("Sheet1", "G11", "=COUNT(A10:E10,A2)", 5),  # text cell A2 not counted
    ("Sheet1", "G12", "=ROUND(2.345,2)", 2.35),
    ("Sheet1", "G13", "=ROUND(-2.5,0)", -3),  # half away from zero, as in Excel
    ("Sheet1", "G14", "=INT(-2.5)", -3),
    ("Sheet1", "G15", "=ROUNDUP(2.001,1)", 2.1),
    ("Sheet1", "G16", "=ROUNDUP(-2.001,1)", -2.1),
    ("Sheet1", "H3", "=H1+H1", 2),  # TRUE+TRUE via cells
    ("Sheet1", "H4", "=TRUE+TRUE", 2),
    ("Sheet1", "H5", "=H2*5+1", 1),
    ("Sheet1", "H6", '=IF(H1,"yes","no")', "yes"),
    ("Sheet1", "H7", '=IF(H2,"yes","no")', "no"),
    ("Sheet1", "H8", "=AND(H1,NOT(H2))", True),
    ("Sheet1", "H9", "=ISNA(I1)", True),
    ("Sheet1", "I1", "=NA()", CellError("#N/A")),
    ("Sheet1", "I2", "=1/0", CellError("#DIV/0!")),
    ("Sheet1", "I3", "=I2+1", CellError("#DIV/0!")),  # errors propagate
    ("Sheet1", "I4", "=AVERAGE(J1:J3)", CellError("#DIV/0!")),  # average of nothing
    # (d) Chinese sheet name and text
    ("Sheet1", "J5", f"='{ZH_SHEET}'!A1&\"好\"", "信用体系好"),
    (ZH_SHEET, "B1", '=本地&"建设"', "信用体系建设"),
    (ZH_SHEET, "B2", "=LEN(A1)", 4),
    # Quirk pinned on purpose: LibreOffice has no boolean cell type, so TRUE cells inside ranges count
    # as 1 in SUM/COUNT, where Excel ignores them. Keep booleans out of ranges the oracle checks.
    ("Sheet1", "K1", "=SUM(H1:H2)", 1),  # Excel: 0
    ("Sheet1", "K2", "=COUNT(H1:H2)", 2),  # Excel: 0
]


def _build(path: Path) -> None:
    wb = xlsxwriter.Workbook(str(path))
    sheets = {name: wb.add_worksheet(name) for name in ("Sheet1", "Sheet2", ZH_SHEET)}
    s1 = sheets["Sheet1"]
    s1.write("A2", "rate")
    s1.write("B2", 0.25)
    s1.write("C2", 0.75)
    sheets["Sheet2"].write("B2", 0.5)
    for i, v in enumerate([1, 2, 3, 4, 5]):
        s1.write(9, i, v)  # A10:E10
        s1.write(10 + i, 0, v * 10)  # A11:A15
    s1.write_boolean("H1", True)
    s1.write_boolean("H2", False)
    sheets[ZH_SHEET].write("A1", "信用体系")
    wb.define_name("npl_rate", "=Sheet1!$B$2")
    wb.define_name("scores", "=Sheet1!$A$10:$E$10")
    wb.define_name("Sheet1!local_rate", "=Sheet1!$C$2")
    wb.define_name("Sheet2!npl_rate", "=Sheet2!$B$2")
    wb.define_name(f"'{ZH_SHEET}'!本地", f"='{ZH_SHEET}'!$A$1")
    for sheet, cell, formula, _ in CASES:
        sheets[sheet].write_formula(cell, formula, None, WRONG)
    wb.close()


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("oracle") / "cases.xlsx"
    _build(path)
    return path


@pytest.fixture(scope="module")
def values(source: Path) -> dict[str, dict[str, object]]:
    return recalculated_values(source)


def test_source_really_carries_wrong_cached_values(source: Path) -> None:
    # Guards the oracle itself: without recalculation every case below would read WRONG.
    wb = openpyxl.load_workbook(source, data_only=True)
    assert {wb[s][c].value for s, c, _, _ in CASES} == {WRONG}


@pytest.mark.parametrize(("sheet", "cell", "formula", "expected"), CASES, ids=[f"{c[0]}!{c[1]}" for c in CASES])
def test_formula_recalculated(values: dict, sheet: str, cell: str, formula: str, expected: object) -> None:
    got = values[sheet].get(cell)
    if isinstance(expected, CellError):
        assert isinstance(got, CellError) and got == expected, formula
    elif isinstance(expected, bool) or isinstance(expected, str):
        assert type(got) is type(expected) and got == expected, formula
    else:
        # LibreOffice saves 15 significant digits; booleans must not pass for numbers here.
        assert not isinstance(got, bool | str) and got == pytest.approx(expected, rel=1e-13), formula


def test_chinese_sheet_name_and_text_survive(values: dict) -> None:
    assert list(values) == ["Sheet1", "Sheet2", ZH_SHEET]
    assert values[ZH_SHEET]["A1"] == "信用体系"


def test_error_value_is_distinguishable_from_text(values: dict) -> None:
    assert values["Sheet1"]["I1"] == "#N/A" and isinstance(values["Sheet1"]["I1"], CellError)
    assert not isinstance(values["Sheet1"]["A2"], CellError)


def test_recalculate_reports_failures(source: Path, tmp_path: Path) -> None:
    bad = tmp_path / "broken.xlsx"
    bad.write_bytes(b"not a zip file")
    with pytest.raises(RecalcError, match="broken.xlsx.*stderr"):
        recalculate(bad, tmp_path / "out")
    assert not (tmp_path / "out" / "broken.xlsx").exists()
    with pytest.raises(RecalcError, match="not found"):
        recalculate(tmp_path / "missing.xlsx", tmp_path / "out")
