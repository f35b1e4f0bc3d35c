"""The rubric model: what a rubric file says, as typed Python objects.

Plain data: loading (with schema findings) is in `loader`, consistency checks in `checker`,
scoring in `udfs.evaluate`. Field names follow docs/rubric-format.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field

INPUT_TYPES = ("number", "ratio", "count", "amount", "bool", "list", "discretionary")
TYPE_LABELS = {
    "number": "数值",
    "ratio": "比例",
    "count": "数量（整数）",
    "amount": "金额",
    "bool": "是/否",
    "list": "多期得分",
    "discretionary": "酌情分",
}
CHECK_KINDS = ("veto", "target")
OPS = (">=", ">", "<=", "<", "=")


@dataclass
class InputSpec:
    id: str
    label: str
    type: str
    unit: str = ""
    min: float | None = None
    max: float | None = None
    providers: list[str] = field(default_factory=list)
    note: str = ""
    length: int | None = None  # list inputs: the number of periods asked for

    def range_text(self) -> str:
        if self.type == "bool":
            return "是/否"
        lo = "" if self.min is None else _show(self.min, self.type)
        hi = "" if self.max is None else _show(self.max, self.type)
        if lo and hi:
            return f"{lo} – {hi}"
        if lo:
            return f"≥ {lo}"
        if hi:
            return f"≤ {hi}"
        return ""


def _show(x: float, kind: str) -> str:
    if kind == "ratio":
        return f"{x * 100:g}%"
    return f"{x:g}"


@dataclass
class Parameter:
    id: str
    label: str
    value: float | str
    choices: list[float | str] = field(default_factory=list)
    decision: str = ""


@dataclass
class Item:
    id: str
    title: str
    max: float
    formula: str
    section: str = ""
    group: str | None = None
    standard: str = ""
    details: str = ""
    tasks: str = ""
    units: str = ""
    evidence: str = ""
    decision: str = ""


@dataclass
class Group:
    id: str
    title: str
    max: float
    content: str = ""
    summary: str = ""
    items: list[Item] = field(default_factory=list)


@dataclass
class Section:
    id: str
    title: str
    max: float
    number: str = ""
    bonus: bool = False
    content: str = ""
    summary: str = ""
    units: str = ""
    note: str = ""
    groups: list[Group] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)  # every item of the section, groups included


@dataclass
class Condition:
    label: str
    value: str  # formula
    op: str | None = None
    threshold: float | None = None
    unit: str = ""


@dataclass
class Check:
    id: str
    kind: str
    title: str
    number: str = ""
    items: list[str] = field(default_factory=list)
    conditions: list[Condition] = field(default_factory=list)
    decision: str = ""


@dataclass
class Constraint:
    id: str
    rule: str
    message: str


@dataclass
class Rubric:
    id: str
    title: str
    version: str
    max_total: float
    sources: list[str] = field(default_factory=list)
    parameters: dict[str, Parameter] = field(default_factory=dict)
    inputs: dict[str, InputSpec] = field(default_factory=dict)
    sections: list[Section] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    constraints: list[Constraint] = field(default_factory=list)
    origin: str = ""  # file name the rubric was read from

    @property
    def items(self) -> list[Item]:
        return [item for section in self.sections for item in section.items]

    @property
    def bonus_max(self) -> float:
        return sum(s.max for s in self.sections if s.bonus)

    @property
    def grand_max(self) -> float:
        return self.max_total + self.bonus_max

    def item(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)
