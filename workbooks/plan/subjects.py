"""Whom a rubric assesses: one subject (the city, the district, whose figures many units provide) or
every member of a registry group (各县（市、区）, 市直各成员单位), each scored on its own figures.

A many-subject project keeps its list of subjects in 项目设置.yaml (`subjects`), written by `init`
from the registry group the rubric names in `assessed`; the office adds or removes a subject there.
The project's registry then stands for exactly those subjects wherever the rubric names the group,
so "各县（市、区）社会信用体系建设牵头部门" as a provider means each subject itself, and every
stage (plan, generate, progress) follows the list without knowing about it.
"""

from __future__ import annotations

from udfs.rubric import Rubric

from .registry import Registry


class SubjectError(ValueError):
    """A subject list that cannot be used: the message says which name and why (in Chinese)."""


def assessed_group(rubric: Rubric, registry: Registry) -> str | None:
    """The registry group the rubric assesses member by member, or None for a one-subject rubric."""
    if not rubric.assessed:
        return None
    kind, name = registry.names().get(rubric.assessed.strip(), ("", ""))
    return name if kind == "group" else None


def default_subjects(rubric: Rubric, registry: Registry) -> list[str]:
    """The subjects `init` writes: every member of the assessed group, in registry order."""
    group = assessed_group(rubric, registry)
    return registry.expand(group) if group else []


def resolve_subjects(names: list[str], registry: Registry) -> list[str]:
    """The subjects' full names, from full names, short names or aliases; SubjectError naming the
    first name that is no unit of the registry or that repeats."""
    spellings = registry.names()
    out: list[str] = []
    for name in names:
        kind, full = spellings.get(str(name).strip(), ("", ""))
        if kind != "unit":
            raise SubjectError(f"考核对象“{name}”不在单位名录中（请用单位全称、简称或别名，或先在单位名录中添加）")
        if full in out:
            raise SubjectError(f"考核对象“{name}”重复（即“{full}”）")
        out.append(full)
    return out


def project_subject(project_subjects: list[str], name: str, registry: Registry) -> str:
    """One of a project's subjects, by full name, short name or alias (SubjectError otherwise)."""
    (full,) = resolve_subjects([name], registry)
    if full not in project_subjects:
        raise SubjectError(f"“{name}”不是本项目的考核对象（见 项目设置.yaml 的 subjects）")
    return full


def narrowed(registry: Registry, group: str, subjects: list[str]) -> Registry:
    """The registry in which the assessed group stands for exactly the project's subjects."""
    registry.groups[group].members = list(subjects)
    return registry
