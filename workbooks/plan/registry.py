"""The unit registry: every responsible unit of a place, with the names documents call it by.

Documents write units as free text (full names, short names, pre-reform names, groups such as
"各县市区信用工作主管部门"); the registry is what turns those words into real units. It is data an
office edits in Excel (`export_xlsx` / `load`), shipped with defaults for the places in the seeds.
Groups the documents do not enumerate carry `default: true`: a plausible membership to be checked.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml

from udfs.findings import Findings
from udfs.rubric.excel import split_names
from udfs.yamlfile import safe_load

UNIT_KINDS = {
    "department": "市直部门",
    "party": "党委部门",
    "judicial": "司法机关",
    "financial": "金融机构",
    "enterprise": "企业",
    "county": "县市区（开发区）",
    "town": "镇街",
    "office": "信用工作机构",
}
UNIT_SHEET, GROUP_SHEET = "单位", "分组"
UNIT_HEADERS = ["名称", "简称", "别名（用、分隔）", "类别", "所属分组（用、分隔）", "说明"]
GROUP_HEADERS = [
    "分组名称",
    "别名（用、分隔）",
    "成员（单位名称或“类别:county”，用、分隔）",
    "默认名单（是/否）",
    "说明",
]


class RegistryNotFound(LookupError):
    pass


@dataclass
class Unit:
    name: str
    short: str = ""
    aliases: list[str] = field(default_factory=list)
    kind: str = "department"
    groups: list[str] = field(default_factory=list)
    note: str = ""

    @property
    def label(self) -> str:
        return self.short or self.name


@dataclass
class Group:
    name: str
    aliases: list[str] = field(default_factory=list)
    members: list[str] = field(default_factory=list)
    default: bool = False
    note: str = ""


@dataclass
class Registry:
    id: str
    title: str = ""
    place: str = ""
    note: str = ""
    units: dict[str, Unit] = field(default_factory=dict)
    groups: dict[str, Group] = field(default_factory=dict)
    origin: str = ""

    def label_of(self, name: str | None) -> str:
        """The short name office staff know a unit by; a name the registry lacks is shown as given."""
        unit = self.units.get(name or "")
        return unit.label if unit else (name or "")

    def names(self) -> dict[str, tuple[str, str]]:
        """Every spelling -> ("unit" | "group", canonical name); the first claim of a spelling wins."""
        table: dict[str, tuple[str, str]] = {}
        for unit in self.units.values():
            for spelling in (unit.name, unit.short, *unit.aliases):
                if spelling:
                    table.setdefault(spelling, ("unit", unit.name))
        for group in self.groups.values():
            for spelling in (group.name, *group.aliases):
                if spelling:
                    table.setdefault(spelling, ("group", group.name))
        return table

    def expand(self, group_name: str, _seen: frozenset[str] = frozenset()) -> list[str]:
        """The units a group stands for, in registry order (groups may name groups and kinds)."""
        if group_name in _seen:
            return []
        group = self.groups[group_name]
        wanted: set[str] = set()
        for member in group.members:
            if member.startswith("kind:"):
                kind = member.removeprefix("kind:").strip()
                wanted |= {u.name for u in self.units.values() if u.kind == kind}
            elif member in self.units:
                wanted.add(member)
            elif member in self.groups:
                wanted |= set(self.expand(member, _seen | {group_name}))
        wanted |= {u.name for u in self.units.values() if group_name in u.groups}
        return [name for name in self.units if name in wanted]


def builtin_dir() -> Path:
    return Path(str(resources.files("workbooks.plan") / "registries"))


def list_builtin() -> list[str]:
    return sorted(p.stem for p in builtin_dir().glob("*.yaml"))


def load(ref: str) -> tuple[Registry | None, Findings]:
    """A built-in registry id, or a .yaml or .xlsx file an office edited."""
    if not ref:
        raise RegistryNotFound("（未指定）")
    path = Path(ref)
    if not path.is_file():
        path = builtin_dir() / f"{ref}.yaml"
        if not path.exists():
            raise RegistryNotFound(ref)
    findings = Findings()
    try:
        if path.suffix.lower() == ".xlsx":
            registry = _from_xlsx(path)
        else:
            registry = _from_dict(safe_load(path.read_text(encoding="utf-8")) or {}, path.stem)
    except (yaml.YAMLError, UnicodeDecodeError, ValueError, KeyError, zipfile.BadZipFile, OSError) as exc:
        findings.add("registry-unreadable", f"单位名录无法读取：{exc}", file=path.name)
        return None, findings
    registry.origin = path.name
    findings.extend(check(registry))
    return registry, findings


def _words(value: object) -> list[str]:
    """A list cell ("A、B，C") split into its names. A separator inside brackets belongs to the name:
    "各县（市、区）社会信用体系建设牵头部门" is one name, as the documents write it."""
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return split_names(str(value), "、，,\n")


def _from_dict(data: dict, default_id: str) -> Registry:
    registry = Registry(
        id=str(data.get("id") or default_id),
        title=str(data.get("title") or ""),
        place=str(data.get("place") or ""),
        note=str(data.get("note") or ""),
    )
    for raw in data.get("units") or []:
        unit = Unit(
            name=str(raw["name"]).strip(),
            short=str(raw.get("short") or "").strip(),
            aliases=_words(raw.get("aliases")),
            kind=str(raw.get("kind") or "department"),
            groups=_words(raw.get("groups")),
            note=str(raw.get("note") or ""),
        )
        registry.units[unit.name] = unit
    for raw in data.get("groups") or []:
        group = Group(
            name=str(raw["name"]).strip(),
            aliases=_words(raw.get("aliases")),
            members=_words(raw.get("members")),
            default=bool(raw.get("default", False)),
            note=str(raw.get("note") or ""),
        )
        registry.groups[group.name] = group
    return registry


def check(registry: Registry) -> Findings:
    """Spellings claimed twice and members that do not exist: both would misroute a workbook."""
    findings = Findings()
    file = registry.origin or None
    owners: dict[str, str] = {}
    entries = [(u.name, [u.name, u.short, *u.aliases]) for u in registry.units.values()]
    entries += [(g.name, [g.name, *g.aliases]) for g in registry.groups.values()]
    for owner, spellings in entries:
        for spelling in {s for s in spellings if s}:
            if spelling in owners and owners[spelling] != owner:
                findings.add(
                    "registry-alias-conflict",
                    f"名称“{spelling}”同时指“{owners[spelling]}”和“{owner}”",
                    file=file,
                    cell=spelling,
                )
            owners.setdefault(spelling, owner)
    for unit in registry.units.values():
        if unit.kind not in UNIT_KINDS:
            findings.add(
                "registry-unknown-member",
                f"单位“{unit.name}”的类别“{unit.kind}”不在 {', '.join(UNIT_KINDS)} 之中",
                file=file,
                cell=unit.name,
            )
        for name in unit.groups:
            if name not in registry.groups:
                findings.add(
                    "registry-unknown-member", f"单位“{unit.name}”所属分组“{name}”不存在", file=file, cell=unit.name
                )
    for group in registry.groups.values():
        for member in group.members:
            known = member in registry.units or member in registry.groups
            if member.startswith("kind:"):
                known = member.removeprefix("kind:").strip() in UNIT_KINDS
            if not known:
                findings.add(
                    "registry-unknown-member",
                    f"分组“{group.name}”的成员“{member}”不是名录中的单位",
                    file=file,
                    cell=group.name,
                )
    return findings


# ---- Excel: the form office staff edit ------------------------------------------------------------


def export_xlsx(registry: Registry, out: Path) -> None:
    import xlsxwriter  # here, not at import: every project opens its registry, few export one

    wb = xlsxwriter.Workbook(str(out), {"strings_to_formulas": False, "strings_to_urls": False})
    wb.set_properties(
        {"title": registry.title or registry.id, "comments": f"registry={registry.id};place={registry.place}"}
    )
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "font_name": "宋体", "text_wrap": True})
    body = wb.add_format({"border": 1, "font_name": "宋体", "text_wrap": True, "valign": "top"})
    units = wb.add_worksheet(UNIT_SHEET)
    units.write_row(0, 0, UNIT_HEADERS, head)
    for row, u in enumerate(registry.units.values(), start=1):
        units.write_row(row, 0, [u.name, u.short, "、".join(u.aliases), u.kind, "、".join(u.groups), u.note], body)
    units.data_validation(1, 3, max(1, len(registry.units)), 3, {"validate": "list", "source": list(UNIT_KINDS)})
    for col, width in enumerate([34, 16, 40, 12, 30, 40]):
        units.set_column(col, col, width)
    units.freeze_panes(1, 1)
    groups = wb.add_worksheet(GROUP_SHEET)
    groups.write_row(0, 0, GROUP_HEADERS, head)
    for row, g in enumerate(registry.groups.values(), start=1):
        groups.write_row(
            row, 0, [g.name, "、".join(g.aliases), "、".join(g.members), "是" if g.default else "否", g.note], body
        )
    for col, width in enumerate([30, 50, 60, 12, 40]):
        groups.set_column(col, col, width)
    groups.freeze_panes(1, 1)
    wb.close()


def _from_xlsx(path: Path) -> Registry:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True, keep_links=False)
    try:
        meta = dict(part.split("=", 1) for part in (wb.properties.description or "").split(";") if "=" in part)
        data: dict = {
            "id": meta.get("registry", path.stem),
            "title": wb.properties.title or "",
            "place": meta.get("place", ""),
        }
        rows = list(wb[UNIT_SHEET].iter_rows(min_row=2, values_only=True))
        data["units"] = [
            {"name": r[0], "short": r[1], "aliases": r[2], "kind": r[3], "groups": r[4], "note": r[5]}
            for r in rows
            if r and r[0]
        ]
        rows = list(wb[GROUP_SHEET].iter_rows(min_row=2, values_only=True))
        data["groups"] = [
            {"name": r[0], "aliases": r[1], "members": r[2], "default": str(r[3]).strip() == "是", "note": r[4]}
            for r in rows
            if r and r[0]
        ]
    finally:
        wb.close()
    return _from_dict(data, path.stem)
