"""Golden files guard the layout of a unit workbook: every XML part of a generated workbook is
compared, canonicalised (attribute order and whitespace between tags normalised), with a reference
kept in tests/golden/unit-workbook/. After an intended layout change, regenerate the references with
XINYONG_UPDATE_GOLDEN=1 and review the diff like any other change."""

from __future__ import annotations

import os
import re
import shutil
import zipfile
from datetime import date
from pathlib import Path
from xml.etree.ElementTree import canonicalize

import pytest

from udfs.rubric import load
from workbooks.generate.run import generate
from workbooks.plan import registry as registries
from workbooks.project import ARCHIVE, KEY_FILE, REGISTRY_FILE, RUBRIC_FILE, init_project, open_project

GOLDEN = Path(__file__).parent / "golden"
REFERENCE = GOLDEN / "unit-workbook"


def normalised_parts(path: Path) -> dict[str, str]:
    parts = {}
    with zipfile.ZipFile(path) as z:
        for name in sorted(z.namelist()):
            text = z.read(name).decode("utf-8")
            if name.endswith((".xml", ".rels")):
                text = canonicalize(xml_data=text, strip_text=True)
                text = re.sub(r">\s*<", ">\n<", text)
            parts[name] = text
    return parts


def make_project(tmp_path: Path) -> Path:
    root = tmp_path / "golden"
    init_project(
        root, str(GOLDEN / "tiny-rubric.yaml"), registry_ref=str(GOLDEN / "tiny-registry.yaml"), today=date(2020, 3, 1)
    )
    # a fixed project identity: the reference must not depend on the temporary folder's name
    settings = (root / "项目设置.yaml").read_text(encoding="utf-8")
    (root / "项目设置.yaml").write_text(
        re.sub(r"project_id: \S+", "project_id: PGOLDEN000001", settings), encoding="utf-8"
    )
    (root / ARCHIVE / KEY_FILE).write_text("00" * 32 + "\n", encoding="ascii")  # and a fixed signing key
    return root


def test_unit_workbook_matches_golden(tmp_path: Path) -> None:
    project, _ = open_project(make_project(tmp_path))
    assert (project.root / RUBRIC_FILE).exists() and (project.root / REGISTRY_FILE).exists()
    result = generate(project)
    produced = project.outbox / next(f.file for f in result.files if f.label == "甲局")
    parts = normalised_parts(produced)
    if os.environ.get("XINYONG_UPDATE_GOLDEN"):
        shutil.rmtree(REFERENCE, ignore_errors=True)
        for name, text in parts.items():
            target = REFERENCE / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
    expected = {
        str(p.relative_to(REFERENCE)): p.read_text(encoding="utf-8") for p in REFERENCE.rglob("*") if p.is_file()
    }
    assert sorted(parts) == sorted(expected)
    for name, text in parts.items():
        assert text == expected[name], f"{name} differs from the golden reference"


def test_golden_inputs_are_valid() -> None:
    rubric, findings = load(str(GOLDEN / "tiny-rubric.yaml"))
    assert rubric is not None and findings.codes() == []
    registry, reg_findings = registries.load(str(GOLDEN / "tiny-registry.yaml"))
    assert registry is not None and reg_findings.codes() == []


@pytest.mark.parametrize("label", ["乙局"])
def test_list_input_spans_its_periods(tmp_path: Path, label: str) -> None:
    import openpyxl

    project, _ = open_project(make_project(tmp_path))
    result = generate(project)
    wb = openpyxl.load_workbook(project.outbox / next(f.file for f in result.files if f.label == label))
    sheet, ref = next(iter(wb.defined_names["t_scores"].destinations))
    assert ref == "$F$4:$F$6"  # t_flag on row 3, then three period rows
