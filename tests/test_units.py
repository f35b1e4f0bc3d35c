"""Unit registries and responsibility resolution: the free text of every built-in rubric resolves to
real units under its default registry, groups expand, roles are kept, and an unknown name is a
finding that names it."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from udfs.rubric import list_builtin, load
from workbooks.cli import main
from workbooks.plan import registry as registries
from workbooks.plan.responsibility import Resolver, resolve, split_roles

BUILTINS = list_builtin()


def rubric_and_registry(rubric_id: str):  # noqa: ANN201
    rubric, _ = load(rubric_id)
    registry, findings = registries.load(rubric.registry)
    assert registry is not None and findings.codes() == [], findings.codes()
    return rubric, registry


@pytest.mark.parametrize("registry_id", registries.list_builtin())
def test_default_registries_are_consistent(registry_id: str) -> None:
    registry, findings = registries.load(registry_id)
    assert registry is not None
    assert findings.codes() == []
    assert any(g.default for g in registry.groups.values())  # non-enumerated groups are marked
    for group in registry.groups:
        assert registry.expand(group), group


@pytest.mark.parametrize("via", ["yaml", "project xlsx"])
@pytest.mark.parametrize("rubric_id", BUILTINS)
def test_every_responsibility_resolves(rubric_id: str, via: str, tmp_path: Path) -> None:
    rubric, registry = rubric_and_registry(rubric_id)
    if via == "project xlsx":  # the registry as a project keeps it, exported and read back
        registries.export_xlsx(registry, tmp_path / "单位名录.xlsx")
        registry, _ = registries.load(str(tmp_path / "单位名录.xlsx"))
    plan = resolve(rubric, registry)
    assert [f.message for f in plan.findings] == []
    for item in rubric.items:
        assert plan.units_for(item.id), item.id


def test_unknown_unit_is_a_finding_naming_it() -> None:
    rubric, registry = rubric_and_registry("national-2019")
    item = rubric.items[0]
    changed = dataclasses.replace(
        rubric,
        sections=[
            dataclasses.replace(rubric.sections[0], items=[dataclasses.replace(item, units="市信用办、市火星探测局")])
        ],
    )
    plan = resolve(changed, registry)
    unresolved = [f for f in plan.findings if f.code == "unit-unresolved"]
    assert [f.cell for f in unresolved] == ["市火星探测局"]
    assert unresolved[0].item == item.id


def test_groups_expand_and_roles_are_kept() -> None:
    rubric, registry = rubric_and_registry("yichang-2020")
    plan = resolve(rubric, registry)
    point7 = [a for a in plan.assignments if a.item == "t07"]
    leads = {a.unit for a in point7 if a.role == "lead"}
    responsible = [a for a in point7 if a.role == "responsible"]
    assert len(leads) == 5  # 市地方金融局、市人社局、市文明办、宜昌高新区（自贸片区）管委会、市文旅局
    assert responsible and all(a.via for a in responsible)  # 市行业主管部门 and 各县市区 are groups
    counties = registry.expand(next(g for g in registry.groups if "县市区" in g))
    assert len(counties) >= 13


def test_split_roles_inline() -> None:
    assert split_roles("牵头单位：市文明办，责任单位：市行业主管部门") == [
        ("lead", "市文明办，"),
        ("responsible", "市行业主管部门"),
    ]
    assert split_roles("市发改委") == [("responsible", "市发改委")]


def test_scan_reads_units_inside_sentences() -> None:
    _, registry = rubric_and_registry("national-2019")
    scan = Resolver(registry).scan("（３）请行政服务中心汇总提供；生产：市安监局、工商局等部门")
    assert len(scan.mentions) == 3 and scan.unresolved == []


@pytest.mark.parametrize("registry_id", registries.list_builtin())
def test_registry_round_trips_through_excel(tmp_path: Path, registry_id: str) -> None:
    """Every built-in registry, as a project keeps it (单位名录.xlsx): a name with a list separator inside
    brackets, such as the group alias “各县（市、区）社会信用体系建设牵头部门”, stays one name."""
    registry, _ = registries.load(registry_id)
    out = tmp_path / "名录.xlsx"
    registries.export_xlsx(registry, out)
    again, findings = registries.load(str(out))
    assert findings.codes() == []
    assert again.units == registry.units and again.groups == registry.groups


def test_registry_conflict_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(
        "id: t\nunits:\n  - {name: 甲局, aliases: [甲]}\n  - {name: 乙局, aliases: [甲]}\ngroups:\n  - {name: 全部, members: [丙局]}\n",
        encoding="utf-8",
    )
    _, findings = registries.load(str(path))
    assert sorted(findings.codes()) == ["registry-alias-conflict", "registry-unknown-member"]


def test_cli_units_resolve_json() -> None:
    result = CliRunner().invoke(main, ["units", "resolve", "--rubric", "yichang-2020", "--json"])
    data = json.loads(result.output)
    assert result.exit_code == 0, data["findings"]
    assert {row["item"] for row in data["items"]} == {f"t{n:02d}" for n in range(1, 32)}
    assert all(row["units"] for row in data["items"])
