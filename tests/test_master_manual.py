"""Hand edits to the master are read back, never overwritten: an evaluator's discretionary score,
a figure that settles a conflict, a cleared entry, a mistyped entry, a formula typed over; the
edited file itself is archived before the master is rewritten. Edits are made the way people make
them: with openpyxl, and with LibreOffice saving the master through its own filter."""

from __future__ import annotations

import json
from datetime import datetime

import openpyxl
import pytest
from click.testing import CliRunner

from tests.test_consolidate_e2e import has_uno, libreoffice_edit
from udfs.evaluate import CompiledRubric, evaluate
from udfs.rubric.loader import builtin_dir
from workbooks.cli import main
from workbooks.generate.fill import fill_workbook, outgoing_files
from workbooks.intake.archive import file_digest
from workbooks.intake.consolidate import consolidate
from workbooks.ledger import LEDGER_FILE, Ledger
from workbooks.master import layout as L
from workbooks.master.run import write_master
from workbooks.project import Project

EXAMPLE = json.loads((builtin_dir() / "national-2019" / "example.json").read_text(encoding="utf-8"))["inputs"]
CREDIT_OFFICE = "市信用办"
PBOC, FINANCE = "人行宜昌中心支行", "市地方金融局"


@pytest.fixture
def project(consolidated_national: Project) -> Project:
    """Every unit returned the example figures on time, consolidated on 2019-03-20."""
    return consolidated_national


def resubmit(project: Project, label: str, name: str, changes: dict[str, object]) -> None:
    """A unit sends its workbook again: everything it sent before, with `changes`."""
    units = project.registry.units
    source, asked = next(v for unit, v in outgoing_files(project).items() if units[unit].label == label)
    fill_workbook(source, project.inbox / name, {**{i: EXAMPLE[i] for i in asked if i in EXAMPLE}, **changes})


def manual_cell(project: Project, input_id: str) -> str:
    ws = openpyxl.load_workbook(project.root / L.MASTER_FILE)[L.DATA]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, L.D_ID + 1).value == input_id)
    return f"{chr(ord('A') + L.D_MANUAL)}{row}"


def edit(project: Project, cells: dict[str, object]) -> None:
    """Type into the master as a person with Excel would (openpyxl keeps formulas, drops cached values)."""
    path = project.root / L.MASTER_FILE
    wb = openpyxl.load_workbook(path)
    for ref, value in cells.items():
        sheet, addr = ref.split("!")
        wb[sheet][addr] = value
    wb.save(path)


def score(project: Project) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["score", str(project.root)])
    return result.exit_code, result.output


def expected_total(values: dict[str, object]) -> float:
    return evaluate(CompiledRubric(open_project_rubric()), values).total


def open_project_rubric():  # noqa: ANN201
    from udfs.rubric import load

    return load("national-2019")[0]


def master_values(project: Project) -> dict[str, object]:
    wb = openpyxl.load_workbook(project.root / L.MASTER_FILE)
    ws = wb[L.DATA]
    return {
        ws.cell(r, L.D_ID + 1).value: ws.cell(r, L.D_MANUAL + 1).value
        for r in range(L.DATA_FIRST + 1, ws.max_row + 1)
        if ws.cell(r, L.D_MANUAL + 1).value is not None
    }


def test_discretionary_score_typed_into_the_master_is_read_back_and_kept(project: Project) -> None:
    before = write_master(project).state.result.total
    assert before == expected_total(EXAMPLE)
    cell = manual_cell(project, "d_s01_implementation")
    edit(project, {f"{L.DATA}!{cell}": 4})
    edited_hash = file_digest(project.root / L.MASTER_FILE)
    code, output = score(project)
    assert code in (0, 1), output
    assert "已读取人工录入" in output
    assert (project.archive / L.MASTER_ARCHIVE / f"{edited_hash}.xlsx").exists()  # the edited file, kept as it was
    after = {**EXAMPLE, "d_s01_implementation": 4}
    ledger = Ledger(project.root / LEDGER_FILE)
    try:
        assert ledger.manual(project.settings.round)["d_s01_implementation"].value == 4
    finally:
        ledger.close()
    assert master_values(project)["d_s01_implementation"] == 4  # written back into the new master
    assert write_master(project).state.result.total == expected_total(after) != before

    # a unit resubmits a different figure: the office's entry still wins and is not overwritten
    resubmit(project, CREDIT_OFFICE, "信用办-重报.xlsx", {"d_s01_implementation": 2})
    summary = consolidate(project, now=datetime(2019, 3, 22, 9, 0))
    assert summary.values["d_s01_implementation"] == 4
    assert summary.master is not None and summary.master.state.result.total == expected_total(after)
    assert master_values(project)["d_s01_implementation"] == 4

    # cleared: the unit's latest figure applies again
    edit(project, {f"{L.DATA}!{cell}": None})
    code, output = score(project)
    assert "人工录入已清空" in output
    assert write_master(project).state.result.total == expected_total({**EXAMPLE, "d_s01_implementation": 2})


def test_a_conflict_is_settled_by_a_figure_typed_into_the_master(project: Project) -> None:
    resubmit(project, FINANCE, "金融局.xlsx", {"npl_rate": 0.031})  # PBOC said 0.028
    summary = consolidate(project, now=datetime(2019, 3, 21, 9, 0))
    assert [c.input for c in summary.conflicts] == ["npl_rate"]
    assert summary.master and summary.master.state.result.items  # written despite the conflict
    npl_item = next(i for i in summary.master.state.result.items if i.id == "s07_npl")
    assert npl_item.score is None  # never a silent pick
    edit(project, {f"{L.DATA}!{manual_cell(project, 'npl_rate')}": "2.8%"})
    outcome = write_master(project)
    assert not outcome.state.conflicts
    assert outcome.state.result.total == expected_total(EXAMPLE)
    assert "value-conflict" not in [f.code for f in outcome.state.findings]


def test_bad_entries_and_overwritten_formulas_are_findings_not_guesses(project: Project) -> None:
    wb = openpyxl.load_workbook(project.root / L.MASTER_FILE)
    scores = wb[L.SCORES]
    row = next(r for r in range(1, scores.max_row + 1) if scores.cell(r, L.S_ID + 1).value == "s07_npl")
    score_cell = f"{chr(ord('A') + L.S_SCORE)}{row}"
    bad = manual_cell(project, "cs_total")
    edit(project, {f"{L.DATA}!{bad}": "约一万三", f"{L.SCORES}!{score_cell}": 2})
    outcome = write_master(project)
    found = {(f.code, f.sheet, f.cell) for f in outcome.findings}
    assert ("manual-entry-invalid", L.DATA, bad) in found
    assert ("master-formula-overwritten", L.SCORES, score_cell) in found
    assert outcome.state.result.total == expected_total(EXAMPLE)  # neither edit was taken
    assert any(f.code == "master-formula-overwritten" for f in outcome.state.findings)  # shown in 问题清单


def test_unedited_master_is_not_read_again(project: Project) -> None:
    first = write_master(project)
    second = write_master(project)
    assert not first.findings.items and not second.findings.items
    assert not (project.archive / L.MASTER_ARCHIVE).exists()


def test_master_not_replaceable_leaves_the_previous_one(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    path = project.root / L.MASTER_FILE
    before = path.read_bytes()

    def locked(src: object, dst: object) -> None:  # Excel on Windows holds an open file this way
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("workbooks.master.run.os.replace", locked)
    outcome = write_master(project)
    assert outcome.path is None and [f.code for f in outcome.findings] == ["master-not-written"]
    assert path.read_bytes() == before
    assert not [p for p in project.root.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.oracle
@pytest.mark.skipif(not has_uno(), reason="LibreOffice with python3-uno is not installed")
def test_master_edited_and_saved_by_libreoffice(project: Project) -> None:
    path = project.root / L.MASTER_FILE
    cell = manual_cell(project, "d_bonus")
    libreoffice_edit(path, {f"{L.DATA}!{cell}": "9.5"})
    outcome = write_master(project)
    assert [f.code for f in outcome.findings] == ["manual-entry"]  # no formula reported as overwritten
    assert outcome.state.result.total == expected_total({**EXAMPLE, "d_bonus": 9.5})
