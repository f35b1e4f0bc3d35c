"""The generator as a credit office uses it: a project folder, one workbook per responsible unit,
opened with openpyxl to check what a person filling it meets (validation, protection, names,
identity, print setup), deterministic output and no silent overwrite."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from workbooks.cli import main
from workbooks.generate.distribution import DISTRIBUTION_FILE
from workbooks.generate.identity import IDENTITY_SHEET
from workbooks.generate.run import GenerateRefused, generate
from workbooks.generate.unit_workbook import INPUTS, STATUS_CHOICES, TASKS
from workbooks.intake.extract import read_back
from workbooks.plan.responsibility import input_providers, resolve
from workbooks.project import ProjectError, init_project, open_project, signing_key


@pytest.fixture(scope="module")
def national(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    root = tmp_path_factory.mktemp("gen") / "宜昌2019"
    project = init_project(root, "national-2019", today=date(2019, 3, 1))
    result = generate(project)
    return project, result


def test_project_folder_is_readable(national) -> None:  # noqa: ANN001
    project, _ = national
    names = {p.name for p in project.root.iterdir()}
    assert {"项目设置.yaml", "单位名录.xlsx", "下发", "回收", "归档", "说明.txt"} <= names
    reopened, _ = open_project(project.root)
    assert reopened.settings == project.settings
    with pytest.raises(ProjectError):
        init_project(project.root, "national-2019")


def test_every_input_is_exactly_where_its_providers_are(national) -> None:  # noqa: ANN001
    project, result = national
    providers, findings = input_providers(project.rubric, project.registry)
    assert findings.codes() == []
    by_unit = {f.unit: f.file for f in result.files}
    seen: dict[str, set[str]] = {}
    for unit, file in by_unit.items():
        wb = openpyxl.load_workbook(project.outbox / file)
        seen[unit] = set(wb.defined_names.keys())
    for spec_id, units in providers.items():
        holders = {u for u, names in seen.items() if spec_id in names}
        assert holders == set(units), spec_id
    plan = resolve(project.rubric, project.registry)
    assert set(plan.by_unit()) <= set(by_unit)


def test_unit_workbook_details(national) -> None:  # noqa: ANN001
    project, result = national
    entry = next(f for f in result.files if f.label == "人行宜昌中心支行")
    wb = openpyxl.load_workbook(project.outbox / entry.file)
    assert wb.sheetnames == ["封面", TASKS, INPUTS, IDENTITY_SHEET]
    assert wb[IDENTITY_SHEET].sheet_state == "veryHidden"
    assert wb.security is not None and wb.security.lockStructure
    inputs = wb[INPUTS]
    assert inputs.protection.sheet and wb[TASKS].protection.sheet and wb["封面"].protection.sheet
    assert inputs.freeze_panes == "D3"
    assert inputs.page_setup.paperSize == 9 and inputs.page_setup.orientation == "landscape"
    assert inputs.print_title_rows == "$1:$2"
    # every input cell: a defined name, unlocked, validated with Chinese messages
    validations = {str(v.sqref): v for v in inputs.data_validations.dataValidation}
    assert len(wb.defined_names) == entry.inputs
    for defined in wb.defined_names.values():
        sheet, ref = next(iter(defined.destinations))
        assert sheet == INPUTS
        first = ref.replace("$", "").split(":")[0]
        assert inputs[first].protection.locked is False
        rule = next(v for r, v in validations.items() if first in r.split(":")[0] or r.startswith(first))
        assert rule.error and rule.prompt and rule.showErrorMessage
    npl = next(iter(wb.defined_names["npl_rate"].destinations))[1].replace("$", "")
    npl_rule = next(v for r, v in validations.items() if r == npl)
    assert npl_rule.operator in (None, "between")  # "between" is the format's default and is left out
    assert (npl_rule.type, float(npl_rule.formula1), float(npl_rule.formula2)) == ("decimal", 0.0, 1.0)
    assert inputs[npl].number_format == "0.00%"
    risk = next(iter(wb.defined_names["fin_major_risk"].destinations))[1].replace("$", "")
    assert next(v for r, v in validations.items() if r == risk).formula1 == '"是,否"'
    # label cells stay locked
    assert inputs["C3"].protection.locked is True
    tasks = wb[TASKS]
    status = [v for v in tasks.data_validations.dataValidation if v.formula1 == '"' + ",".join(STATUS_CHOICES) + '"']
    assert status and tasks["K3"].value == "未开始" and tasks["K3"].protection.locked is False


def test_identity_and_signature(national) -> None:  # noqa: ANN001
    project, result = national
    for entry in result.files[:10]:
        identity, layout = read_back(str(project.outbox / entry.file))
        assert identity.project_id == project.settings.project_id
        assert identity.unit == entry.unit and identity.rubric == "national-2019"
        key = signing_key(project)
        assert key and identity.signature == layout.signature(key) == entry.signature
        assert layout.signature() != identity.signature  # without the project's key nobody makes the signature


def test_tampered_template_changes_the_signature(national, tmp_path: Path) -> None:  # noqa: ANN001
    project, result = national
    entry = next(f for f in result.files if f.inputs > 1)
    wb = openpyxl.load_workbook(project.outbox / entry.file)
    name = next(iter(wb.defined_names))
    del wb.defined_names[name]
    wb.save(tmp_path / "t.xlsx")
    identity, layout = read_back(str(tmp_path / "t.xlsx"))
    assert identity.signature != layout.signature(signing_key(project))


def test_regeneration_is_deterministic_and_safe(tmp_path: Path) -> None:
    project = init_project(tmp_path / "p", "national-2019", today=date(2019, 3, 1))
    first = generate(project)
    before = {p.name: p.read_bytes() for p in project.outbox.iterdir()}
    again = generate(project)
    assert {f.status for f in again.files} == {"未变化"}
    assert {p.name: p.read_bytes() for p in project.outbox.iterdir()} == before
    project.settings.contact = "李四"
    with pytest.raises(GenerateRefused) as refused:
        generate(project)
    assert len(refused.value.changed) == len(first.files) + 1
    assert {p.name: p.read_bytes() for p in project.outbox.iterdir()} == before  # nothing touched
    replaced = generate(project, force=True)
    assert {f.status for f in replaced.files} == {"已替换"}
    kept = {p.name: p.read_bytes() for p in replaced.replaced_to.iterdir()}
    assert kept == before


def test_task_list_workbooks_have_no_input_sheet(tmp_path: Path) -> None:
    project = init_project(tmp_path / "yc", "yichang-2020", today=date(2020, 6, 30))
    result = generate(project)
    assert result.findings.codes() == ["settings-contact-missing"]  # a fresh project: contact and phone blank
    assert result.inputs_assigned == 0
    entry = next(f for f in result.files if f.label == "市发改委")
    wb = openpyxl.load_workbook(project.outbox / entry.file)
    assert INPUTS not in wb.sheetnames
    ids = [r[12] for r in wb[TASKS].iter_rows(min_row=3, values_only=True)]
    assert "t01" in ids and "t31" in ids


def test_distribution_list(national) -> None:  # noqa: ANN001
    project, result = national
    ws = openpyxl.load_workbook(project.outbox / DISTRIBUTION_FILE).active
    rows = [r for r in ws.iter_rows(min_row=3, values_only=True) if r[0]]
    assert len(rows) == len(result.files)
    assert {r[3] for r in rows} == {f.file for f in result.files}
    assert all(r[6] == project.settings.deadline for r in rows)


def test_cli_init_and_generate(tmp_path: Path) -> None:
    runner = CliRunner()
    folder = tmp_path / "王益"
    assert (
        runner.invoke(main, ["init", str(folder), "--rubric", "wangyi-district", "--round", "2020年度"]).exit_code == 0
    )
    result = runner.invoke(main, ["generate", str(folder)])
    assert result.exit_code == 1, result.output  # the blank contact and phone are a warning
    assert "新生成" in result.output and "settings-contact-missing" in result.output
    assert runner.invoke(main, ["init", str(folder), "--rubric", "wangyi-district"]).exit_code == 2
    assert runner.invoke(main, ["generate", str(tmp_path / "nothing")]).exit_code == 2


@pytest.mark.oracle
def test_libreoffice_opens_every_generated_workbook(national, tmp_path: Path) -> None:  # noqa: ANN001
    from workbooks.master.recalc import convert_many, find_soffice

    if find_soffice() is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    project, result = national
    files = [project.outbox / f.file for f in result.files] + [project.outbox / DISTRIBUTION_FILE]
    converted = convert_many(files, tmp_path, to="pdf")
    assert [p.name for p, out in converted.items() if out is None] == []


def test_sheet_password_from_settings(tmp_path: Path) -> None:
    project = init_project(tmp_path / "pw", "wangyi-district", today=date(2020, 3, 1))
    project.settings.sheet_password = "xy2020"
    result = generate(project)
    wb = openpyxl.load_workbook(project.outbox / result.files[0].file)
    assert all(wb[name].protection.password for name in ("封面", TASKS))
    plain = init_project(tmp_path / "nopw", "wangyi-district", today=date(2020, 3, 1))
    wb = openpyxl.load_workbook(plain.outbox.parent / "下发" / generate(plain).files[0].file)
    assert wb[TASKS].protection.sheet and not wb[TASKS].protection.password
