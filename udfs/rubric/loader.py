"""Reading rubric files: YAML in, a Rubric out, every schema problem a finding (never a traceback).

Built-in rubrics live next to this package in `udfs/rubrics/<id>.yaml`; any other path is read
as a user's own rubric file.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from ..findings import Findings
from ..yamlfile import safe_load
from .model import (
    CHECK_KINDS,
    INPUT_TYPES,
    LEVERS,
    OPS,
    RUBRIC_KINDS,
    Check,
    Condition,
    Constraint,
    Group,
    InputSpec,
    Item,
    Parameter,
    Rubric,
    Section,
    Stated,
)


class RubricNotFound(LookupError):
    pass


def builtin_dir() -> Path:
    return Path(str(resources.files("udfs") / "rubrics"))


def list_builtin() -> list[str]:
    return sorted(p.stem for p in builtin_dir().glob("*.yaml"))


def resolve(ref: str) -> Path:
    """A built-in id or a path to a rubric file."""
    path = Path(ref)
    if path.suffix.lower() in (".yaml", ".yml") and path.exists():
        return path
    candidate = builtin_dir() / f"{ref}.yaml"
    if candidate.exists():
        return candidate
    raise RubricNotFound(ref)


def load(ref: str) -> tuple[Rubric | None, Findings]:
    path = resolve(ref)
    findings = Findings()
    try:
        data = safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        findings.add("rubric-unreadable", f"指标体系文件无法读取：{exc}", file=path.name)
        return None, findings
    if not isinstance(data, dict):
        findings.add("rubric-unreadable", "指标体系文件的顶层应为键值表", file=path.name)
        return None, findings
    rubric = from_data(data, path.name, findings)
    return rubric, findings


def from_data(data: dict[str, Any], origin: str, findings: Findings) -> Rubric:
    """A rubric from the plain structure of a rubric file (YAML, or a workbook read by excel.py)."""
    return _Reader(origin, findings).rubric(data)


class _Reader:
    """Walks the YAML tree; `where` strings locate a problem for the person editing the file."""

    def __init__(self, file: str, findings: Findings) -> None:
        self.file = file
        self.findings = findings
        self.scored = True

    def field(
        self, data: dict[str, Any], key: str, kind: type | tuple[type, ...], where: str, default: Any = ...
    ) -> Any:
        if key not in data or data[key] is None:
            if default is ...:
                self.findings.add("rubric-field-missing", f"{where}缺少字段“{key}”", file=self.file, cell=where)
                return None
            return default
        value = data[key]
        if kind is float and isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            self.findings.add(
                "rubric-field-invalid",
                f"{where}的字段“{key}”类型不对：收到“{value}”",
                file=self.file,
                cell=where,
            )
            return None if default is ... else default
        return value

    def choice(
        self, data: dict[str, Any], key: str, allowed: tuple[str, ...], fallback: str, code: str, where: str, **at: str
    ) -> str:
        """A field with a fixed set of values; anything else is a finding and the fallback is used."""
        value = data.get(key, fallback if code == "rubric-field-invalid" else None)
        if value not in allowed:
            self.findings.add(
                code, f"{where}的 {key}“{value}”不在 {', '.join(allowed)} 之中", file=self.file, cell=where, **at
            )
            return fallback
        return str(value)

    def text(self, data: dict[str, Any], key: str, where: str) -> str:
        value = data.get(key)
        return "" if value is None else str(value).strip()

    def rubric(self, data: dict[str, Any]) -> Rubric:
        where = "文件顶层"
        kind = self.choice(data, "kind", RUBRIC_KINDS, "scored", "rubric-field-invalid", where)
        self.scored = kind == "scored"
        year = self.field(data, "year", int, where, None)
        rubric = Rubric(
            id=str(self.field(data, "id", str, where) or ""),
            title=str(self.field(data, "title", str, where) or ""),
            version=str(self.field(data, "version", (str, int, float), where) or ""),
            max_total=self.field(data, "max_total", float, where, 0.0)
            if not self.scored
            else (self.field(data, "max_total", float, where) or 0.0),
            kind=kind,
            registry=self.text(data, "registry", where),
            year=year,
            assessed=self.text(data, "assessed", where),
            issuer=self.text(data, "issuer", where),
            issued=self.text(data, "issued", where),
            addressees=self.text(data, "addressees", where),
            sources=[str(s) for s in self.field(data, "sources", list, where, [])],
            origin=self.file,
        )
        for raw in self.field(data, "parameters", list, where, []):
            if isinstance(raw, dict) and (p := self.parameter(raw)):
                rubric.parameters[p.id] = p
        for raw in self.field(data, "inputs", list, where, []):
            if isinstance(raw, dict) and (spec := self.input(raw)):
                if spec.id in rubric.inputs:
                    self.findings.add(
                        "rubric-duplicate-id", f"数据项编号“{spec.id}”重复", file=self.file, input=spec.id
                    )
                rubric.inputs[spec.id] = spec
        for raw in self.field(data, "sections", list, where):
            if isinstance(raw, dict):
                rubric.sections.append(self.section(raw))
        for raw in self.field(data, "checks", list, where, []):
            if isinstance(raw, dict) and (check := self.check(raw)):
                rubric.checks.append(check)
        for raw in self.field(data, "constraints", list, where, []):
            if isinstance(raw, dict):
                w = f"约束“{raw.get('id', '?')}”"
                rule = self.field(raw, "rule", str, w)
                if rule:
                    rubric.constraints.append(
                        Constraint(str(raw.get("id", "")), rule, self.text(raw, "message", w) or rule)
                    )
        return rubric

    def parameter(self, raw: dict[str, Any]) -> Parameter | None:
        where = f"参数“{raw.get('id', '?')}”"
        pid = self.field(raw, "id", str, where)
        value = self.field(raw, "value", (str, int, float), where)
        if pid is None or value is None:
            return None
        return Parameter(
            id=pid,
            label=self.text(raw, "label", where),
            value=value,
            choices=list(self.field(raw, "choices", list, where, [])),
            decision=self.text(raw, "decision", where),
        )

    def input(self, raw: dict[str, Any]) -> InputSpec | None:
        where = f"数据项“{raw.get('id', '?')}”"
        iid = self.field(raw, "id", str, where)
        if iid is None:
            return None
        kind = self.choice(raw, "type", INPUT_TYPES, "number", "input-type-unknown", where, input=iid)
        providers = self.field(raw, "providers", list, where, [])
        lever_raw = {"lever": raw.get("lever") or "auto"}  # blank means the default
        lever = self.choice(lever_raw, "lever", LEVERS, "auto", "rubric-field-invalid", where, input=iid)
        return InputSpec(
            id=iid,
            label=str(self.field(raw, "label", str, where) or iid),
            type=kind,
            unit=self.text(raw, "unit", where),
            min=self.field(raw, "min", float, where, None),
            max=self.field(raw, "max", float, where, None),
            providers=[str(p).strip() for p in providers if str(p).strip()],
            note=self.text(raw, "note", where),
            length=self.field(raw, "length", int, where, None),
            lever=lever,
            plausible_min=self.field(raw, "plausible_min", float, where, None),
            plausible_max=self.field(raw, "plausible_max", float, where, None),
            plausible_note=self.text(raw, "plausible_note", where),
        )

    def section(self, raw: dict[str, Any]) -> Section:
        where = f"部分“{raw.get('id', '?')}”"
        section = Section(
            id=str(self.field(raw, "id", str, where) or ""),
            title=str(self.field(raw, "title", str, where) or ""),
            max=self.points(raw, where),
            number=self.text(raw, "number", where),
            bonus=bool(self.field(raw, "bonus", bool, where, False)),
            content=self.text(raw, "content", where),
            summary=self.text(raw, "summary", where),
            units=self.text(raw, "units", where),
            note=self.text(raw, "note", where),
            weight=self.text(raw, "weight", where),
            stated=self.stated(raw, where),
            reading=self.text(raw, "reading", where),
        )
        if "groups" in raw:
            for graw in self.field(raw, "groups", list, where, []):
                if not isinstance(graw, dict):
                    continue
                gwhere = f"分组“{graw.get('id', '?')}”"
                group = Group(
                    id=str(self.field(graw, "id", str, gwhere) or ""),
                    title=str(self.field(graw, "title", str, gwhere) or ""),
                    max=self.points(graw, gwhere),
                    content=self.text(graw, "content", gwhere),
                    summary=self.text(graw, "summary", gwhere),
                    weight=self.text(graw, "weight", gwhere),
                    stated=self.stated(graw, gwhere),
                    reading=self.text(graw, "reading", gwhere),
                )
                for iraw in self.field(graw, "items", list, gwhere, []):
                    if isinstance(iraw, dict) and (item := self.item(iraw, section.id, group.id)):
                        group.items.append(item)
                section.groups.append(group)
                section.items.extend(group.items)
        else:
            for iraw in self.field(raw, "items", list, where):
                if isinstance(iraw, dict) and (item := self.item(iraw, section.id, None)):
                    section.items.append(item)
        return section

    def points(self, raw: dict[str, Any], where: str) -> float | None:
        """Points are required in a scored rubric and absent in a task list."""
        if not self.scored:
            return self.field(raw, "max", float, where, None)
        return self.field(raw, "max", float, where)

    def stated(self, raw: dict[str, Any], where: str) -> list[Stated]:
        out = []
        for entry in self.field(raw, "stated", list, where, []):
            if isinstance(entry, dict) and (points := self.field(entry, "max", float, where)) is not None:
                out.append(Stated(self.text(entry, "where", where), points))
        return out

    def item(self, raw: dict[str, Any], section: str, group: str | None) -> Item | None:
        where = f"指标“{raw.get('id', '?')}”"
        iid = self.field(raw, "id", str, where)
        formula = (
            self.field(raw, "formula", str, where) if self.scored else self.field(raw, "formula", str, where, None)
        )
        top = self.points(raw, where)
        if iid is None or (self.scored and (formula is None or top is None)):
            return None
        return Item(
            id=iid,
            title=str(self.field(raw, "title", str, where) or iid),
            max=top,
            formula=formula.strip() if formula else None,
            section=section,
            group=group,
            number=self.text(raw, "number", where),
            indicator=self.text(raw, "indicator", where),
            standard=self.text(raw, "standard", where),
            details=self.text(raw, "details", where),
            tasks=self.text(raw, "tasks", where),
            lead_units=self.text(raw, "lead_units", where),
            units=self.text(raw, "units", where),
            evidence=self.text(raw, "evidence", where),
            method=self.text(raw, "method", where),
            evidence_box=self.text(raw, "evidence_box", where),
            deadline=self.text(raw, "deadline", where),
            cadence=self.text(raw, "cadence", where),
            targets=[str(t) for t in self.field(raw, "targets", list, where, [])],
            decision=self.text(raw, "decision", where),
            reading=self.text(raw, "reading", where),
        )

    def check(self, raw: dict[str, Any]) -> Check | None:
        where = f"硬指标“{raw.get('id', '?')}”"
        cid, kind = self.field(raw, "id", str, where), self.field(raw, "kind", str, where)
        if cid is None:
            return None
        if kind not in CHECK_KINDS:
            self.findings.add("rubric-field-invalid", f"{where}的 kind 应为 veto 或 target", file=self.file, cell=where)
        conditions = []
        for craw in self.field(raw, "conditions", list, where):
            if not isinstance(craw, dict):
                continue
            value = self.field(craw, "value", str, where)
            op = craw.get("op")
            if op is not None and op not in OPS:
                self.findings.add("rubric-field-invalid", f"{where}的比较符“{op}”无效", file=self.file, cell=where)
                op = None
            threshold = self.field(craw, "threshold", float, where, None)
            if value:
                conditions.append(
                    Condition(self.text(craw, "label", where), value, op, threshold, self.text(craw, "unit", where))
                )
        return Check(
            id=cid,
            kind=kind or "target",
            title=str(self.field(raw, "title", str, where) or cid),
            number=self.text(raw, "number", where),
            items=[str(i) for i in self.field(raw, "items", list, where, [])],
            conditions=conditions,
            decision=self.text(raw, "decision", where),
        )
