"""The manifest `generate` writes (归档/.xinyong-manifest.json) stands in for rendering every unit
workbook again when a consolidation asks what was sent: it equals rendering, and it is not used
when it is missing, unreadable, or built from anything other than the project as it is today."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import national_example
from workbooks.generate import manifest, run
from workbooks.generate.fill import fill_returns
from workbooks.generate.manifest import MANIFEST_FILE, basis, read_manifest
from workbooks.generate.run import GenerateRefused, context, expected, generate, rendered
from workbooks.intake.consolidate import consolidate
from workbooks.intake.extract import read_back
from workbooks.project import ARCHIVE, KEY_FILE, Project, open_project, write_settings


def manifest_of(project: Project) -> Path:
    return project.root / ARCHIVE / MANIFEST_FILE


def recorded(project: Project) -> manifest.Expected | None:
    return read_manifest(project, basis(context(project), project.registry))


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times `expected` fell back to rendering."""
    calls: list[int] = []
    original = run.rendered

    def counted(project: Project, ctx: object = None) -> manifest.Expected:
        calls.append(1)
        return original(project, ctx)

    monkeypatch.setattr(run, "rendered", counted)
    return calls


def test_manifest_equals_rendering(generated_national: Project, renders: list[int]) -> None:
    project = generated_national
    assert manifest_of(project).exists()
    signatures, inputs = rendered(project)
    assert len(signatures) == 63 and any(inputs.values())
    assert recorded(project) == (signatures, inputs)
    assert expected(project) == (signatures, inputs)
    assert renders == []  # answered from the manifest
    document = json.loads(manifest_of(project).read_text(encoding="utf-8"))
    assert list(signatures) == [u["unit"] for u in document["units"]]  # generation order kept
    assert document["basis"]["rubric"]["id"] == "national-2019" and document["basis"]["key"]
    key = (project.root / ARCHIVE / KEY_FILE).read_text(encoding="ascii").strip()
    assert key not in manifest_of(project).read_text(encoding="utf-8")  # a fingerprint, never the key
    for entry in document["units"][:5]:  # and what the files sent carry
        identity, _ = read_back(str(project.outbox / entry["file"]))
        assert identity.signature == entry["signature"] == signatures[identity.unit]


@pytest.mark.parametrize("with_manifest", [True, False])
def test_consolidation_recognises_returns_either_way(
    generated_national: Project, renders: list[int], with_manifest: bool
) -> None:
    project = generated_national
    if not with_manifest:
        manifest_of(project).unlink()  # a project generated before manifests
    unit = next(u for u, asked in expected(project)[1].items() if asked)
    renders.clear()
    fill_returns(project, national_example(), units=[unit])
    summary = consolidate(project, dry_run=True)
    assert [(o.status, o.unit) for o in summary.outcomes] == [("accepted", unit)]
    assert renders == ([] if with_manifest else [1])


def _edit_contact(project: Project) -> Project:
    """As an office does: edit 项目设置.yaml, then run the next command."""
    project.settings.contact = "李四"
    write_settings(project.root, project.settings)
    return open_project(project.root)[0]


def _settings_changed(project: Project, _: pytest.MonkeyPatch) -> Project:
    return _edit_contact(project)


def _rubric_version_bumped(project: Project, _: pytest.MonkeyPatch) -> Project:
    project.rubric = dataclasses.replace(project.rubric, version="1.0.1")
    return project


def _registry_changed(project: Project, _: pytest.MonkeyPatch) -> Project:
    unit = next(iter(project.registry.units.values()))
    unit.short = unit.short + "（新）"
    return project


def _key_removed(project: Project, _: pytest.MonkeyPatch | None = None) -> Project:
    """As in a project made before signing keys."""
    (project.root / ARCHIVE / KEY_FILE).unlink()
    return project


def _key_replaced(project: Project, _: pytest.MonkeyPatch) -> Project:
    (project.root / ARCHIVE / KEY_FILE).write_text("11" * 32 + "\n", encoding="ascii")
    return project


def _other_version(project: Project, monkeypatch: pytest.MonkeyPatch) -> Project:
    monkeypatch.setattr(manifest, "__version__", "9.9.9")  # as after upgrading xinyong
    return project


@pytest.mark.parametrize(
    "change",
    [_settings_changed, _rubric_version_bumped, _registry_changed, _key_removed, _key_replaced, _other_version],
)
def test_stale_manifest_is_not_used(
    generated_national: Project,
    renders: list[int],
    monkeypatch: pytest.MonkeyPatch,
    change: Callable[[Project, pytest.MonkeyPatch], Project],
) -> None:
    before = recorded(generated_national)
    project = change(generated_national, monkeypatch)
    assert recorded(project) is None
    assert expected(project) == rendered(project)
    assert renders == [1]
    if change in (_rubric_version_bumped, _key_removed, _key_replaced):  # these change every signature
        assert before is not None and set(expected(project)[0].values()).isdisjoint(before[0].values())


@pytest.mark.parametrize(
    "content",
    [
        None,  # a project generated before manifests
        b"\x00\xff not json",
        b'{"format": "xinyong-generate-manifest/1", "basis": ',  # cut short
        b"[]",
        lambda d: {**d, "format": "xinyong-generate-manifest/0"},
        lambda d: {**d, "units": {"a": 1}},
        lambda d: {**d, "units": [*d["units"][:-1], {**d["units"][-1], "signature": 7}]},
        lambda d: {**d, "units": [*d["units"][:-1], {**d["units"][-1], "inputs": [1]}]},
        lambda d: {**d, "units": [*d["units"], d["units"][0]]},  # a unit twice
    ],
)
def test_missing_or_unreadable_manifest_falls_back(generated_national: Project, renders: list[int], content) -> None:  # noqa: ANN001
    project = generated_national
    path = manifest_of(project)
    if content is None:
        path.unlink()
    elif callable(content):
        path.write_text(json.dumps(content(json.loads(path.read_text(encoding="utf-8")))), encoding="utf-8")
    else:
        path.write_bytes(content)
    assert recorded(project) is None
    assert expected(project) == rendered(project)
    assert renders == [1]


def test_generate_writes_the_same_manifest_again(generated_national: Project) -> None:
    project = generated_national
    path = manifest_of(project)
    first = path.read_bytes()
    again = generate(project)
    assert {f.status for f in again.files} == {"未变化"} and path.read_bytes() == first
    path.unlink()
    generate(project)
    assert path.read_bytes() == first  # written afresh, byte for byte
    assert sorted(p.name for p in path.parent.iterdir() if p.name.startswith(MANIFEST_FILE)) == [MANIFEST_FILE]


def test_refused_generate_keeps_the_manifest_and_force_renews_it(generated_national: Project) -> None:
    project = _edit_contact(generated_national)
    path = manifest_of(project)
    before = path.read_bytes()
    with pytest.raises(GenerateRefused):
        generate(project)
    assert path.read_bytes() == before and recorded(project) is None
    generate(project, force=True)
    assert recorded(project) == rendered(project)


def test_manifest_that_cannot_be_written_is_not_an_error(
    generated_national: Project, renders: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    project = _edit_contact(generated_national)

    def refuse(*_: object) -> None:
        raise PermissionError("in use")

    monkeypatch.setattr(manifest.os, "replace", refuse)
    result = generate(project, force=True)
    assert {f.status for f in result.files} == {"已替换"}  # the workbooks went out all the same
    assert expected(project) == rendered(project) and renders == [1]  # the old manifest is stale: not used
    assert [p.name for p in manifest_of(project).parent.iterdir() if p.name.endswith(".tmp")] == []


def test_project_without_key(generated_national: Project, renders: list[int]) -> None:
    project = _key_removed(generated_national)
    generate(project, force=True)  # unkeyed signatures: every workbook is replaced
    assert json.loads(manifest_of(project).read_text(encoding="utf-8"))["basis"]["key"] is None
    assert expected(project) == rendered(project)
    assert renders == []
