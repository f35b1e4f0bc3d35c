"""Plausible random input sets for a rubric: for engine-agreement tests and what-if benchmarks.

Values stay inside each input's declared range, favour the documents' own boundaries (0, 2%, 5%,
50%, 70%, 80%, 99.5%, 100% for ratios) and respect the rubric's constraints of the form
`=part<=whole` by drawing the part after the whole, so most generated sets are valid. `vary` gives
the demos figures another subject could have reported: near an example, inside the plausible range.
"""

from __future__ import annotations

import random

from .engines.python import compile_node
from .formula.parser import Binary, Name, parse
from .rubric.model import InputSpec, Rubric
from .vocabulary import XYInputError, collect_notices

RATIO_BOUNDARIES = (0.0, 0.0001, 0.02, 0.035, 0.05, 0.3, 0.5, 0.7, 0.8, 0.9, 0.99, 0.995, 1.0)
COUNT_BOUNDARIES = (0, 1, 5, 10, 19, 20, 40, 100)


def sample_value(spec: InputSpec, rng: random.Random) -> object:
    if spec.type == "bool":
        return rng.random() < 0.6
    if spec.type == "list":
        lo = spec.min if spec.min is not None else 0.0
        hi = spec.max if spec.max is not None else 100.0
        n = rng.randint(1, spec.length or 1) if rng.random() < 0.2 else (spec.length or 1)
        return [round(rng.uniform(max(lo, hi * 0.6), hi), 2) for _ in range(n)]
    lo = spec.min if spec.min is not None else 0.0
    hi = spec.max
    if spec.type == "ratio":
        if rng.random() < 0.4:
            picks = [b for b in RATIO_BOUNDARIES if lo <= b <= (hi if hi is not None else 1.0)]
            return rng.choice(picks)
        return round(rng.uniform(lo, hi if hi is not None else 1.0), 6)
    if spec.type == "count":
        top = int(hi) if hi is not None else 10 ** rng.randint(1, 6)
        if rng.random() < 0.3:
            picks = [b for b in COUNT_BOUNDARIES if lo <= b <= top]
            if picks:
                return float(rng.choice(picks))
        return float(rng.randint(int(lo), max(int(lo), top)))
    top = hi if hi is not None else 10.0 ** rng.randint(1, 10)
    return round(rng.uniform(lo, top), 2)


def sample_inputs(rubric: Rubric, rng: random.Random) -> dict[str, object]:
    values = {spec.id: sample_value(spec, rng) for spec in rubric.inputs.values()}
    return within_constraints(rubric, values, rng, redraw_all=True)


def vary(spec: InputSpec, value: object, rng: random.Random) -> object:
    """A figure another subject could report where `value` is one: within a third of it (a ratio within
    ten points), inside the input's allowed and plausible ranges; a yes/no is flipped one time in five."""
    if isinstance(value, bool):
        return (not value) if rng.random() < 0.2 else value
    if spec.type == "list" or not isinstance(value, int | float):
        return sample_value(spec, rng)
    if spec.type == "ratio":
        x = value + rng.uniform(-0.1, 0.1)
    elif spec.type == "discretionary":
        x = round(rng.uniform(0.5, 1.0) * (spec.max or value) * 2) / 2
    else:
        x = value * rng.uniform(0.67, 1.33)
    for lo in (spec.min, spec.plausible_min):
        x = x if lo is None else max(lo, x)
    for hi in (spec.max, spec.plausible_max, 1.0 if spec.type == "ratio" else None):
        x = x if hi is None else min(hi, x)
    return float(round(x)) if spec.type == "count" else round(x, 4 if spec.type == "ratio" else 2)


def within_constraints(
    rubric: Rubric, values: dict[str, object], rng: random.Random, redraw_all: bool = False
) -> dict[str, object]:
    """`values` with the part of each `=part<=whole` constraint drawn again as a share of its whole
    where it is above it (`redraw_all`: every part, favouring none and all, for blind random sets)."""
    params = {pid: p.value for pid, p in rubric.parameters.items()}
    for constraint in rubric.constraints:
        tree = parse(constraint.rule)
        if not (isinstance(tree, Binary) and tree.op in ("<=", "<") and isinstance(tree.left, Name)):
            continue
        part = rubric.inputs.get(tree.left.id)
        if part is None:
            continue
        with collect_notices():
            try:
                whole = float(compile_node(tree.right)({**params, **values}))  # type: ignore[arg-type]
            except (XYInputError, KeyError, TypeError, ValueError):
                continue
        current = values.get(part.id)
        if not redraw_all and isinstance(current, int | float) and current <= whole:
            continue
        share = rng.choice([0.0, 1.0, rng.random(), rng.random()]) if redraw_all else rng.uniform(0.5, 1.0)
        part_value = whole * share
        if part.type == "count":
            part_value = float(int(part_value))
        if part.max is not None:
            part_value = min(part_value, part.max)
        values[part.id] = part_value
    return values
