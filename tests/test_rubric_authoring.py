"""Rubric authoring in Excel: export then import gives the identical rubric for every built-in,
and the YAML written on import loads into the identical rubric too."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from udfs.rubric import check, list_builtin, load
from udfs.rubric.excel import export_xlsx, import_xlsx
from udfs.rubric.serialize import to_yaml
from workbooks.cli import main


def comparable(rubric) -> dict:  # noqa: ANN001
    data = dataclasses.asdict(rubric)
    data.pop("origin")
    return data


@pytest.mark.parametrize("rubric_id", list_builtin())
def test_export_import_round_trip(rubric_id: str, tmp_path: Path) -> None:
    original, _ = load(rubric_id)
    out = tmp_path / f"{rubric_id}.xlsx"
    export_xlsx(original, out)
    again, findings = import_xlsx(out)
    assert findings.codes() == []
    assert comparable(again) == comparable(original)


@pytest.mark.parametrize("rubric_id", list_builtin())
def test_yaml_written_on_import_loads_identically(rubric_id: str, tmp_path: Path) -> None:
    original, _ = load(rubric_id)
    path = tmp_path / "r.yaml"
    path.write_text(to_yaml(original), encoding="utf-8")
    again, findings = load(str(path))
    assert findings.codes() == []
    assert comparable(again) == comparable(original)


def test_cli_export_edit_import_check(tmp_path: Path) -> None:
    runner = CliRunner()
    book = tmp_path / "指标体系.xlsx"
    assert runner.invoke(main, ["rubric", "export", "national-2019", str(book)]).exit_code == 0
    wb = openpyxl.load_workbook(book)
    ws = wb["指标"]
    header = [c.value for c in ws[1]]
    col_max, col_formula = header.index("分值") + 1, header.index("计分公式") + 1
    ws.cell(row=2, column=col_max, value=5)  # s01 now claims 5 points in a 4-point section
    ws.cell(row=3, column=col_formula, value="=2*XY_ANY(wlx_city_relay, wlx_nonexistent)")
    wb.save(book)
    out = tmp_path / "mine.yaml"
    result = runner.invoke(main, ["rubric", "import", str(book), str(out)])
    assert result.exit_code == 1
    assert "section-sum-mismatch" in result.output and "formula-unknown-name" in result.output
    assert "wlx_nonexistent" in result.output
    edited, _ = load(str(out))
    assert edited.item("s01_implementation").max == 5
    assert check(edited).codes().count("formula-unknown-name") == 1


def test_formulas_are_text_in_the_workbook(tmp_path: Path) -> None:
    original, _ = load("national-2019")
    out = tmp_path / "r.xlsx"
    export_xlsx(original, out)
    ws = openpyxl.load_workbook(out)["指标"]
    header = [c.value for c in ws[1]]
    cell = ws.cell(row=2, column=header.index("计分公式") + 1)
    assert cell.data_type == "s" and cell.value.startswith("=XY_")
