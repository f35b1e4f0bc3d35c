"""Chinese sentences for 提分空间: one input change, said the way a credit office writes figures.

Ratios as percentages with 2 decimals, counts with thousands separators, amounts with 2 decimals,
yes/no as 是/否, each with the input's unit of measure.
"""

from __future__ import annotations

from .numbers import input_value as value
from .numbers import number_text, percent, points
from .rubric.model import InputSpec


def _delta(spec: InputSpec, diff: float) -> str:
    sign = "+" if diff >= 0 else "-"
    if spec.type == "ratio":
        return f"{sign}{percent(abs(diff))} 个百分点"
    shown = value(spec, abs(diff))
    return f"{sign}{shown} {spec.unit}".rstrip()


def _verb(spec: InputSpec, up: bool) -> str:
    if spec.type in ("ratio", "discretionary", "list"):
        return "提高" if up else "降低"
    return "增加" if up else "减少"


def change(spec: InputSpec, before: object, after: object) -> str:
    """“label”由 a 增加到 b（+d 单位）: the change itself, without its effect."""
    name = f"“{spec.label}”"
    if isinstance(after, bool):
        return f"{name}由“{value(spec, before)}”改为“{value(spec, after)}”"
    if isinstance(after, list) and isinstance(before, list):
        return _list_change(spec, before, after)
    if not isinstance(before, int | float) or not isinstance(after, int | float):
        return f"{name}改为 {value(spec, after)}"
    up = after > before
    unit = f" {spec.unit}" if spec.type == "discretionary" and spec.unit else ""
    text = f"{name}由 {value(spec, before)}{unit or ' '}{_verb(spec, up)}到 {value(spec, after)}{unit}"
    if spec.type != "discretionary":
        text += f"（{_delta(spec, after - before)}）"
    return text


def _list_change(spec: InputSpec, before: list, after: list) -> str:
    shifts = [a - b for a, b in zip(after, before, strict=True)]
    shift = max(shifts, key=abs) if shifts else 0.0
    up = shift >= 0
    unit = spec.unit or ""
    clipped = any(abs(s - shift) > 1e-6 for s in shifts)
    bound = spec.max if up else spec.min
    limit = f"（每期不{'超过' if up else '低于'} {number_text(bound)} {unit}）" if clipped and bound is not None else ""
    avg_b, avg_a = sum(before) / len(before), sum(after) / len(after)
    verb = _verb(spec, up)
    return (
        f"“{spec.label}”各期均{verb} {abs(shift):.2f} {unit}{limit}，"
        f"各期平均由 {avg_b:.2f} {verb}到 {avg_a:.2f}（平均再{verb} {abs(avg_a - avg_b):.2f} {unit}）"
    )


def item_step(spec: InputSpec, before: object, after: object, gain: float, together: bool = False) -> str:
    """The change and its effect; a change that only counts together with the others of its plan says so."""
    effect = f"可得 +{points(gain)} 分" if gain > 0 else "单独完成不得分"
    text = f"{change(spec, before, after)}，{effect}"
    if together:
        text += "（须与本项其他调整一并完成）"
    if spec.type == "discretionary":
        text = f"酌情计分：{text}（取决于评审，需充实工作材料）"
    return text


def check_step(spec: InputSpec, before: object, after: object, gain: float) -> str:
    text = f"若{change(spec, before, after)}，即可达到要求"
    if gain > 0:
        text += f"，同时总分 +{points(gain)} 分"
    if spec.type == "discretionary":
        text += "（酌情计分，取决于评审）"
    return text


def in_unit(x: float, unit: str) -> str:
    """A condition's value or threshold in the condition's own unit."""
    if unit == "%":
        return f"{percent(x)}%"
    shown = f"{x:,.0f}" if float(x).is_integer() else f"{x:,.4f}".rstrip("0").rstrip(".")
    return f"{shown}{unit}"


def distance(x: float, unit: str) -> str:
    return f"{percent(abs(x))} 个百分点" if unit == "%" else in_unit(abs(x), unit)
