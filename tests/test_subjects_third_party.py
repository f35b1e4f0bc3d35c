"""A third party in a many-subject assessment (the counties and the city units rubrics): an input the
rubric assigns to the credit office (and one to both the office and each county) makes the office's workbook a sheet with a row per county;
each row lands on its own county only, a county's own report and the office's row for it conflict
only with each other, the office's corrected file changes only the rows it changes, and a workbook
whose identity claims another subject, or whose subject rows were rearranged, is refused."""

from __future__ import annotations

import json
import os
import random
from datetime import date
from pathlib import Path

import openpyxl
import pytest
import yaml
from click.testing import CliRunner

from tests.test_subjects_e2e import T0, figures, headless, scores_json
from udfs.rubric.loader import resolve
from workbooks.cli import main
from workbooks.generate.fill import fill_workbook
from workbooks.generate.identity import IDENTITY_SHEET
from workbooks.generate.run import generate, packages
from workbooks.generate.subject_rows import SUBJECT_INPUTS, cell_name
from workbooks.intake.consolidate import consolidate
from workbooks.ledger import LEDGER_FILE, Ledger
from workbooks.master import layout as L
from workbooks.project import Project, init_project

OFFICE = "郑州市社会信用体系建设工作领导小组办公室"  # 市信用办 in the registry


@pytest.fixture(scope="module", params=["zhengzhou-2019-counties", "zhengzhou-2019-units"])
def rubric_file(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> tuple[Path, str, str]:
    """The built-in rubric (request.param) with one count reported by the office alone and another by both."""
    data = yaml.safe_load(resolve(request.param).read_text(encoding="utf-8"))
    alone, both = [i for i in data["inputs"] if i["type"] == "count"][:2]
    alone["providers"] = ["市信用办"]
    both["providers"] = ["市信用办", *both["providers"]]
    data["id"] = f"{request.param}-with-office"
    path = tmp_path_factory.mktemp("rubric") / f"{request.param}-with-office.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path, alone["id"], both["id"]


@pytest.fixture(scope="module")
def office_project(tmp_path_factory: pytest.TempPathFactory, rubric_file: tuple[Path, str, str]):  # noqa: ANN201
    path, alone, both = rubric_file
    tmp = tmp_path_factory.mktemp("office")
    project = init_project(tmp / "项目", str(path), today=date(2019, 3, 1))
    result = generate(project)
    return project, result, alone, both, tmp


def builtin(project: Project) -> str:
    """The built-in rubric with the same formulas: headless scores come from it."""
    return project.rubric.id.removesuffix("-with-office")


def outbox_of(project: Project, unit: str) -> Path:
    label = project.registry.units[unit].label
    return next(p for p in project.outbox.glob("*.xlsx") if p.name.startswith(f"{label}-"))


def test_the_office_gets_a_row_per_subject_and_the_subjects_do_not_get_its_input(office_project) -> None:  # noqa: ANN001
    project, result, alone, both, _ = office_project
    assert OFFICE in project.registry.units and OFFICE not in project.subjects
    assert not [f for f in result.findings if f.code == "provider-not-subject"]
    by_unit = {p.unit.name: p for p in packages(project)[0]}
    office = by_unit[OFFICE]
    assert [s.id for s in office.per_subject] == [alone, both] and [s for s, _ in office.subjects] == project.subjects
    for subject in project.subjects:
        asked = [s.id for s in by_unit[subject].inputs]
        assert alone not in asked and both in asked
    wb = openpyxl.load_workbook(outbox_of(project, OFFICE))
    ws = wb[SUBJECT_INPUTS]
    assert ws.protection.sheet
    for k, subject in enumerate(project.subjects, 1):
        sheet, ref = next(iter(wb.defined_names[cell_name(alone, str(k))].destinations))
        assert sheet == SUBJECT_INPUTS and ws[ref.replace("$", "")].protection.locked is False
        row = int(ref.split("$")[-1])
        assert ws.cell(row, 2).value == project.registry.units[subject].label  # the row says whose it is
    assert any(dv.type == "whole" for dv in ws.data_validations.dataValidation)  # counts are validated


def returned(office_project) -> tuple[dict[str, dict[str, object]], dict[str, object], dict[str, object]]:  # noqa: ANN001
    """Every county returns its own figures; the office returns its row for every county, agreeing
    with the county on the shared ratio except for one county."""
    project, _, alone, both, _ = office_project
    own: dict[str, dict[str, object]] = {}
    for k, subject in enumerate(project.subjects):
        values = {i: v for i, v in figures(project, k).items() if i != alone}
        target = project.inbox / f"回执{k:02d}.xlsx"
        fill_workbook(outbox_of(project, subject), target, values)
        os.utime(target, (T0 + k, T0 + k))
        own[subject] = values
    rng = random.Random(7)
    counts = {s: rng.randrange(0, 40) for s in project.subjects}
    ratios = {s: own[s][both] for s in project.subjects}
    ratios[project.subjects[4]] = int(own[project.subjects[4]][both]) + 1
    names = {cell_name(alone, str(k)): counts[s] for k, s in enumerate(project.subjects, 1)}
    names |= {cell_name(both, str(k)): ratios[s] for k, s in enumerate(project.subjects, 1)}
    target = project.inbox / "信用办回执.xlsx"
    fill_workbook(outbox_of(project, OFFICE), target, names)
    os.utime(target, (T0 + 50, T0 + 50))
    return own, counts, ratios


def test_each_row_lands_on_its_subject_and_conflicts_stay_within_one_subject(office_project, tmp_path: Path) -> None:  # noqa: ANN001
    project, _, alone, both, _ = office_project
    own, counts, ratios = returned(office_project)
    summary = consolidate(project)
    assert {o.status for o in summary.outcomes} == {"accepted"}
    disputed = project.subjects[4]
    assert [(c.input, sorted(c.values)) for c in summary.conflicts] == [(both, sorted([disputed, OFFICE]))]
    listed = {s["subject"]: s for s in scores_json(project)["subjects"]}
    for subject in project.subjects:
        if subject == disputed:
            continue
        alone_score = headless(tmp_path, builtin(project), {**own[subject], alone: counts[subject]})
        assert listed[subject]["total"] == pytest.approx(alone_score["total"])
    # the disputed county: the shared count is not adopted until settled; the office's word settles it for it alone
    short = project.registry.units[disputed].short
    done = CliRunner().invoke(main, ["resolve", str(project.root), both, str(ratios[disputed]), "--subject", short])
    assert done.exit_code == 0, done.output
    expected = headless(tmp_path, builtin(project), {**own[disputed], alone: counts[disputed], both: ratios[disputed]})
    assert scores_json(project, "--subject", short)["total"] == pytest.approx(expected["total"])
    ledger = Ledger(project.root / LEDGER_FILE)
    try:
        rows = ledger.db.execute("SELECT subject FROM input_values WHERE unit = ? AND input = ?", (OFFICE, alone)).fetchall()
    finally:
        ledger.close()
    assert sorted(r[0] for r in rows) == sorted(project.subjects)


def test_the_offices_correction_changes_only_the_rows_it_changes(office_project) -> None:  # noqa: ANN001
    project, _, alone, _, _ = office_project
    before = {s["subject"]: s["total"] for s in scores_json(project)["subjects"]}
    changed = project.subjects[2]
    ledger = Ledger(project.root / LEDGER_FILE)
    try:
        current = ledger.current_values(project.settings.round)
    finally:
        ledger.close()
    rows = {c.subject: c.value for c in current[alone] if c.unit == OFFICE}
    names = {cell_name(alone, str(k)): rows[s] for k, s in enumerate(project.subjects, 1)}
    key = cell_name(alone, str(project.subjects.index(changed) + 1))
    names[key] = 0 if rows[changed] else 30
    target = project.inbox / "信用办更正.xlsx"
    fill_workbook(outbox_of(project, OFFICE), target, names)
    os.utime(target, (T0 + 60, T0 + 60))
    summary = consolidate(project)
    notes = [f.message for f in summary.findings if f.code == "resubmission-changed"]
    assert len(notes) >= 1 and all(changed in m for m in notes if alone in m)
    after = {s["subject"]: s["total"] for s in scores_json(project)["subjects"]}
    assert after[changed] != before[changed]
    assert {k: v for k, v in after.items() if k != changed} == {k: v for k, v in before.items() if k != changed}
    wb = openpyxl.load_workbook(project.root / L.MASTER_FILE, data_only=True)
    ws = wb[L.DATA]
    row = next(r for r in range(L.MX_FIRST + 1, ws.max_row + 1) if ws.cell(r, 1).value == alone)
    col = next(c.column for c in ws[L.MX_SUBJECT_ROW + 1] if c.value == project.registry.units[changed].short)
    assert ws.cell(row, col).value == names[key]  # the master's 报送值 for that county is the office's new row


def edit_identity(source: Path, target: Path, key: str, change) -> None:  # noqa: ANN001
    wb = openpyxl.load_workbook(source)
    ws = wb[IDENTITY_SHEET]
    for row in ws.iter_rows():
        if row[0].value == key:
            row[1].value = change(row[1].value)
    wb.save(target)


def test_a_workbook_claiming_another_subject_or_rearranging_rows_is_refused(office_project) -> None:  # noqa: ANN001
    project, _, alone, _, _ = office_project
    before = {s["subject"]: s["total"] for s in scores_json(project)["subjects"]}
    victim, impostor = project.subjects[0], project.subjects[1]
    filled = project.inbox.parent / "冒名.xlsx"
    fill_workbook(outbox_of(project, impostor), filled, {i: 0 for i in project.rubric.inputs if i != alone and project.rubric.inputs[i].type != "list"})
    edit_identity(filled, project.inbox / "冒名回执.xlsx", "unit", lambda _: victim)
    rows = json.dumps({"1": project.subjects[1], "2": project.subjects[0]}, ensure_ascii=False)
    edit_identity(outbox_of(project, OFFICE), project.inbox / "调换行.xlsx", "subjects", lambda _: rows)
    summary = consolidate(project)
    outcomes = {o.name: o for o in summary.outcomes}
    for name in ("冒名回执.xlsx", "调换行.xlsx"):
        assert outcomes[name].status == "rejected" and outcomes[name].template == "tampered", name
    after = {s["subject"]: s["total"] for s in scores_json(project)["subjects"]}
    assert after == before  # neither the victim nor the rearranged rows' subjects changed
