"""A Rubric back to the plain structure of a rubric file (docs/rubric-format.md), and to YAML.

Used by rubric import (Excel -> rubric file): the YAML written here loads into the same Rubric.
Empty optional fields are left out so a written file reads like a hand-written one.
"""

from __future__ import annotations

from typing import Any

import yaml

from .model import Check, Group, InputSpec, Item, Rubric, Section, Stated


def _compact(data: dict[str, Any], keep: tuple[str, ...] = ()) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k in keep or not _empty(v)}


def _empty(value: Any) -> bool:
    """None, "", [] and False are empty; 0 is a value (a range's lower bound, a threshold)."""
    return value is None or value is False or (isinstance(value, str | list) and len(value) == 0)


def _stated(stated: list[Stated]) -> list[dict[str, Any]]:
    return [{"where": s.where, "max": s.max} for s in stated]


def item_dict(item: Item) -> dict[str, Any]:
    return _compact(
        {
            "id": item.id,
            "number": item.number,
            "indicator": item.indicator,
            "title": item.title,
            "max": item.max,
            "standard": item.standard,
            "details": item.details,
            "tasks": item.tasks,
            "lead_units": item.lead_units,
            "units": item.units,
            "evidence": item.evidence,
            "method": item.method,
            "evidence_box": item.evidence_box,
            "deadline": item.deadline,
            "cadence": item.cadence,
            "targets": item.targets,
            "formula": item.formula,
            "decision": item.decision,
            "reading": item.reading,
        },
        keep=("id", "title"),
    )


def _node(node: Section | Group) -> dict[str, Any]:
    return {
        "id": node.id,
        "title": node.title,
        "max": node.max,
        "weight": node.weight,
        "stated": _stated(node.stated),
        "reading": node.reading,
        "content": node.content,
        "summary": node.summary,
    }


def section_dict(section: Section) -> dict[str, Any]:
    data = {
        **_node(section),
        "number": section.number,
        "bonus": section.bonus,
        "units": section.units,
        "note": section.note,
    }
    out = _compact(data, keep=("id", "title"))
    if section.groups:
        out["groups"] = [
            {**_compact(_node(g), keep=("id", "title")), "items": [item_dict(i) for i in g.items]}
            for g in section.groups
        ]
    else:
        out["items"] = [item_dict(i) for i in section.items]
    return out


def input_dict(spec: InputSpec) -> dict[str, Any]:
    return _compact(
        {
            "id": spec.id,
            "label": spec.label,
            "type": spec.type,
            "unit": spec.unit,
            "min": spec.min,
            "max": spec.max,
            "length": spec.length,
            "lever": spec.lever if spec.lever != "auto" else "",
            "providers": spec.providers,
            "note": spec.note,
            "plausible_min": spec.plausible_min,
            "plausible_max": spec.plausible_max,
            "plausible_note": spec.plausible_note,
        },
        keep=("id", "label", "type", "providers"),
    )


def check_dict(check: Check) -> dict[str, Any]:
    conditions = [
        _compact(
            {"label": c.label, "value": c.value, "op": c.op, "threshold": c.threshold, "unit": c.unit},
            keep=("label", "value"),
        )
        for c in check.conditions
    ]
    return _compact(
        {
            "id": check.id,
            "kind": check.kind,
            "number": check.number,
            "title": check.title,
            "items": check.items,
            "conditions": conditions,
            "decision": check.decision,
        },
        keep=("id", "kind", "title", "conditions"),
    )


def rubric_dict(rubric: Rubric) -> dict[str, Any]:
    top = _compact(
        {
            "id": rubric.id,
            "title": rubric.title,
            "version": rubric.version,
            "kind": rubric.kind if rubric.kind != "scored" else "",
            "registry": rubric.registry,
            "year": rubric.year,
            "assessed": rubric.assessed,
            "issuer": rubric.issuer,
            "issued": rubric.issued,
            "addressees": rubric.addressees,
            "sources": rubric.sources,
            "max_total": rubric.max_total,
        },
        keep=("id", "title", "version", "max_total"),
    )
    top["parameters"] = [
        _compact(
            {"id": p.id, "label": p.label, "value": p.value, "choices": p.choices, "decision": p.decision},
            keep=("id", "value"),
        )
        for p in rubric.parameters.values()
    ]
    top["inputs"] = [input_dict(s) for s in rubric.inputs.values()]
    top["sections"] = [section_dict(s) for s in rubric.sections]
    top["checks"] = [check_dict(c) for c in rubric.checks]
    top["constraints"] = [{"id": c.id, "rule": c.rule, "message": c.message} for c in rubric.constraints]
    return {k: v for k, v in top.items() if v != [] or k == "sections"}


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def to_yaml(rubric: Rubric) -> str:
    header = f"# {rubric.title}\n# 由 xinyong rubric import 从 Excel 指标体系表生成；可直接编辑，改后运行 xinyong rubric check 检查。\n"
    return header + yaml.dump(rubric_dict(rubric), Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1000)
