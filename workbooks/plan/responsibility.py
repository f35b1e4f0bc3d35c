"""Responsibility resolution: from the free text of a rubric to real units, per item and role.

Texts are scanned for every spelling the registry knows (longest first), not split on punctuation
alone, because the documents embed unit names in sentences ("请市行政服务中心汇总提供…",
"生产：市安监局、工商局…", "（2）区金融办联系区信用联社"). Whatever is left that still looks like a
unit name (ends in 局, 委, 办, 中心, 单位, 部门…) and matched nothing is reported, never dropped.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from udfs.findings import Findings, Severity
from udfs.formula import names, parse
from udfs.rubric import Rubric

from .registry import Registry

ROLES = {"lead": "牵头", "responsible": "责任", "provider": "提供数据"}
SAME_AS_ABOVE = "同上"
UNIT_SUFFIXES = (
    "局", "委", "办", "院", "中心", "支行", "分行", "公司", "部", "政府", "管委会", "单位", "部门",
    "街办", "办事处", "社", "处", "集团", "馆", "联", "行", "会", "所",
)  # fmt: skip
GENERIC_TAILS = {"部门", "单位", "等部门", "等单位", "相关部门", "其他部门"}  # "…质监局等部门": a tail, not a unit
_SEPARATORS = re.compile(r"[、，,；;。\n\r\t：:（）()\[\]【】“”\"'/及和与等]+")
_ROLE_MARK = re.compile(r"(牵头单位|责任单位|参与单位)\s*[:：]")
_NOISE = re.compile(r"[（(]\s*\d+\s*[）)]|^\s*\d+\s*[.、．]|\[bookmark:[^\]]*\]")


@dataclass(frozen=True)
class Mention:
    kind: str  # "unit" | "group"
    name: str  # canonical name in the registry
    text: str  # the spelling as written


@dataclass
class Scan:
    mentions: list[Mention] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)


class Resolver:
    """Compiled once per registry: one regular expression over every known spelling."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.table = {_norm(k): v for k, v in registry.names().items()}
        spellings = sorted(self.table, key=len, reverse=True)
        self.pattern = re.compile("|".join(re.escape(s) for s in spellings)) if spellings else None

    def scan(self, text: str) -> Scan:
        result = Scan()
        clean = _NOISE.sub(" ", _norm(text or ""))
        leftovers = clean
        if self.pattern is not None:
            for m in self.pattern.finditer(clean):
                kind, name = self.table[m.group()]
                mention = Mention(kind, name, m.group())
                if mention not in result.mentions:
                    result.mentions.append(mention)
            leftovers = self.pattern.sub("、", clean)
        for fragment in _SEPARATORS.split(leftovers):
            word = fragment.strip().removeprefix("其他").removeprefix("由").removeprefix("请")
            if word in GENERIC_TAILS:
                continue
            if len(word) >= 2 and word.endswith(UNIT_SUFFIXES) and word not in result.unresolved:
                result.unresolved.append(word)
        return result

    def units_of(self, scan: Scan) -> list[tuple[str, str | None]]:
        """(unit, via group or None) for every mention, groups expanded through the registry."""
        out: list[tuple[str, str | None]] = []
        for m in scan.mentions:
            members = [m.name] if m.kind == "unit" else self.registry.expand(m.name)
            for unit in members:
                if all(unit != u for u, _ in out):
                    out.append((unit, None if m.kind == "unit" else m.name))
        return out


def _norm(text: str) -> str:
    """Full-width brackets and digits become ASCII, so "（１）" and "(1)" read alike everywhere."""
    return unicodedata.normalize("NFKC", text)


def split_roles(text: str) -> list[tuple[str, str]]:
    """A text that names roles inline ("牵头单位：A，责任单位：B") split into (role, text) parts."""
    marks = list(_ROLE_MARK.finditer(text or ""))
    if not marks:
        return [("responsible", text or "")]
    parts = []
    for k, m in enumerate(marks):
        end = marks[k + 1].start() if k + 1 < len(marks) else len(text)
        parts.append(("lead" if m.group(1) == "牵头单位" else "responsible", text[m.end() : end]))
    return parts


@dataclass
class Assignment:
    item: str
    unit: str
    role: str
    via: str | None  # the group it came through, or None when named directly
    source: str  # the words it was read from


@dataclass
class Plan:
    rubric: Rubric
    registry: Registry
    assignments: list[Assignment]
    findings: Findings

    def by_unit(self) -> dict[str, list[Assignment]]:
        table: dict[str, list[Assignment]] = {name: [] for name in self.registry.units}
        for a in self.assignments:
            table[a.unit].append(a)
        return {unit: rows for unit, rows in table.items() if rows}

    def units_for(self, item_id: str) -> list[str]:
        return list(dict.fromkeys(a.unit for a in self.assignments if a.item == item_id))


def resolve(rubric: Rubric, registry: Registry) -> Plan:
    """Every item's responsibility texts and its inputs' providers, resolved to units with roles."""
    resolver = Resolver(registry)
    findings = Findings()
    assignments: list[Assignment] = []
    previous: list[tuple[str, str, str | None, str]] = []
    for item in rubric.items:
        texts: list[tuple[str, str]] = []
        if item.lead_units:
            texts.append(("lead", item.lead_units))
        units_text = item.units or ("" if item.lead_units else rubric.assessed)
        if units_text.strip() == SAME_AS_ABOVE:
            current = [(unit, role, via, f"{SAME_AS_ABOVE}（{src}）") for unit, role, via, src in previous]
        else:
            texts += split_roles(units_text)
            current = []
        for spec_id in sorted(names(parse(item.formula)) & set(rubric.inputs)) if item.formula else []:
            texts += [("provider", p) for p in rubric.inputs[spec_id].providers]
        for role, text in texts:
            scan = resolver.scan(text)
            for word in scan.unresolved:
                findings.add(
                    "unit-unresolved",
                    f"指标“{item.title}”中的“{word}”不在单位名录中（原文：{text.strip()[:60]}）",
                    item=item.id,
                    cell=word,
                )
            for unit, via in resolver.units_of(scan):
                current.append((unit, role, via, text.strip()))
        if not current and (item.units or item.lead_units or item.scored):
            findings.add("item-no-unit", f"指标“{item.title}”没有可识别的责任单位", Severity.ERROR, item=item.id)
        seen: set[tuple[str, str]] = set()
        for unit, role, via, src in current:
            if (unit, role) not in seen:
                seen.add((unit, role))
                assignments.append(Assignment(item.id, unit, role, via, src))
        previous = [(u, r, v, s) for u, r, v, s in current if r != "provider"]
    return Plan(rubric, registry, assignments, findings)


def input_providers(rubric: Rubric, registry: Registry) -> tuple[dict[str, list[str]], Findings]:
    """The units that provide each input (groups expanded); an input nobody provides is a finding."""
    resolver = Resolver(registry)
    findings = Findings()
    providers: dict[str, list[str]] = {}
    for spec in rubric.inputs.values():
        units: list[str] = []
        for text in spec.providers or [rubric.assessed]:
            scan = resolver.scan(text)
            for word in scan.unresolved:
                findings.add(
                    "unit-unresolved", f"数据项“{spec.label}”的提供单位“{word}”不在单位名录中", input=spec.id, cell=word
                )
            units += [u for u, _ in resolver.units_of(scan) if u not in units]
        if not units:
            findings.add(
                "input-no-unit", f"数据项“{spec.label}”没有可识别的提供单位，不会出现在任何下发表中", input=spec.id
            )
        providers[spec.id] = units
    return providers, findings
