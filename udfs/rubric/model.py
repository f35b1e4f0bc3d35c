"""The rubric model: what a rubric file says, as typed Python objects.

Plain data: loading (with schema findings) is in `loader`, consistency checks in `checker`,
scoring in `udfs.evaluate`. Field names follow docs/rubric-format.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..numbers import number_text

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
KIND_LABELS = {"veto": "基础性指标", "target": "引导性指标", "certification": "认定条件"}  # in sentences
CHECK_KIND_LABELS = {**KIND_LABELS, "veto": "基础性指标（一票否决）"}  # as headings
OP_SIGNS = {">=": "≥", "<=": "≤", ">": "＞", "<": "＜", "=": "="}  # a condition's comparison as printed
CHECK_KINDS = ("veto", "target", "certification")
# How a figure may be changed when looking for lost points (udfs.recovery): auto (direction found
# by search), up / down (only increases / decreases proposed), fixed (a fact: never proposed).
LEVERS = ("auto", "up", "down", "fixed")
LEVER_LABELS = {"auto": "自动", "up": "增加", "down": "减少", "fixed": "不可调整"}
RUBRIC_KINDS = ("scored", "tasklist")
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
    lever: str = "auto"  # one of LEVERS
    # What a true figure can be (a county's departments, the domains a city can have): beyond it the
    # figure is still used but flagged `input-implausible`, with `plausible_note` saying why.
    plausible_min: float | None = None
    plausible_max: float | None = None
    plausible_note: str = ""

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

    def plausible_text(self) -> str:
        """“1,000 – 3,000,000” (or “≤ 60”): where a true figure lies; empty when nothing is declared."""
        lo = "" if self.plausible_min is None else _grouped(self.plausible_min, self.type)
        hi = "" if self.plausible_max is None else _grouped(self.plausible_max, self.type)
        return f"{lo} – {hi}" if lo and hi else f"≥ {lo}" if lo else f"≤ {hi}" if hi else ""


def _grouped(x: float, kind: str) -> str:
    """A bound as office staff read it: thousands grouped (3,000,000), a ratio as a percentage."""
    return f"{int(x):,}" if kind != "ratio" and float(x).is_integer() else _show(x, kind)


def _show(x: float, kind: str) -> str:
    if kind == "ratio":
        return f"{number_text(x * 100)}%"
    return number_text(x)


@dataclass
class Parameter:
    id: str
    label: str
    value: float | str
    choices: list[float | str] = field(default_factory=list)
    decision: str = ""


@dataclass
class Stated:
    """A point value the document states elsewhere for the same section (a contradiction)."""

    where: str
    max: float


@dataclass
class Item:
    id: str
    title: str
    max: float | None  # None for unscored tasks (task lists)
    formula: str | None
    section: str = ""
    group: str | None = None
    number: str = ""
    indicator: str = ""
    standard: str = ""
    details: str = ""
    tasks: str = ""
    lead_units: str = ""
    units: str = ""
    evidence: str = ""
    method: str = ""
    evidence_box: str = ""
    deadline: str = ""
    cadence: str = ""
    targets: list[str] = field(default_factory=list)
    decision: str = ""
    reading: str = ""

    @property
    def scored(self) -> bool:
        return self.formula is not None


@dataclass
class Group:
    id: str
    title: str
    max: float | None
    content: str = ""
    summary: str = ""
    weight: str = ""
    stated: list[Stated] = field(default_factory=list)
    reading: str = ""
    items: list[Item] = field(default_factory=list)


@dataclass
class Section:
    id: str
    title: str
    max: float | None
    number: str = ""
    bonus: bool = False
    content: str = ""
    summary: str = ""
    units: str = ""
    note: str = ""
    weight: str = ""
    stated: list[Stated] = field(default_factory=list)
    reading: str = ""
    groups: list[Group] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)  # every item of the section, groups included

    @property
    def heading(self) -> str:
        """As the documents head it: "一、信用制度…" for a numbered section, the bare title otherwise."""
        return f"{self.number}、{self.title}" if self.number and not self.bonus else self.title


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
    kind: str = "scored"
    registry: str = ""
    year: int | None = None
    assessed: str = ""
    issuer: str = ""
    issued: str = ""
    addressees: str = ""
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
    def scored(self) -> bool:
        return self.kind == "scored"

    @property
    def scored_items(self) -> list[Item]:
        return [item for item in self.items if item.scored]

    @property
    def bonus_max(self) -> float:
        return sum(s.max or 0.0 for s in self.sections if s.bonus)

    @property
    def grand_max(self) -> float:
        return self.max_total + self.bonus_max

    def item(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)
