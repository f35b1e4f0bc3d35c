"""The smallest change of one input that reaches the best value of an objective (an item's score,
or a check condition met), within the input's domain, its lever and the rubric's constraints.

Why numeric search: scoring rules are compiled formulas with thresholds, caps and steps, so the
minimal change is found by scanning the input's domain and bisecting, not by algebra. Every value
offered is then rounded to what the office reads (0.01%, whole counts, 0.01 of an amount) and
scored again, so a proposal holds for exactly the numbers shown.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from .evaluate import CompiledRubric
from .formula import names, parse
from .formula.parser import Binary
from .rubric.model import InputSpec
from .vocabulary import XYInputError, collect_notices

Objective = Callable[[Mapping[str, object]], float | None]
TOL = 1e-9  # a rise smaller than this is no improvement (scores are compared at 6 places anyway)
ATTAIN = 1e-13  # relative: reaching the best is judged this tightly, so bisection lands on the threshold
QUANTUM = {"ratio": 1e-4, "count": 1.0}  # display precision; everything else 0.01
DIGITS = {"ratio": 4, "count": 0}
GRID = 64  # scan points in a bounded domain before bisecting
MAX_DOUBLINGS = 60
MAX_BISECT = 200
BOUNDED_FLOOR = ("ratio", "count", "amount", "discretionary")  # below 0 is meaningless for these
MAX_COMBINATIONS = 1024  # joint moves tried when no single input helps


@dataclass(frozen=True)
class Move:
    """One input changed: the displayed value, the objective there, and how big the change is."""

    input: str
    after: object
    value: float
    rel: float


def quantum(spec: InputSpec) -> float:
    return QUANTUM.get(spec.type, 0.01)


def digits(spec: InputSpec) -> int:
    return DIGITS.get(spec.type, 2)


def implied_fixed(compiled: CompiledRubric) -> set[str]:
    """Inputs bounding another in a constraint (`part<=whole`): the whole is a fact, not a lever."""
    out: set[str] = set()
    for constraint in compiled.rubric.constraints:
        tree = parse(constraint.rule)
        if isinstance(tree, Binary) and tree.op in ("<=", "<"):
            out |= names(tree.right)
        elif isinstance(tree, Binary) and tree.op in (">=", ">"):
            out |= names(tree.left)
    return out


class Space:
    """What may move and where: each input's directions (from `lever`), domain and constraints."""

    def __init__(self, compiled: CompiledRubric) -> None:
        self.compiled = compiled
        self.inputs = compiled.rubric.inputs
        implied = implied_fixed(compiled) - set(compiled.params)
        self.directions: dict[str, tuple[int, ...]] = {}
        for spec in self.inputs.values():
            lever = "fixed" if spec.lever == "auto" and spec.id in implied else spec.lever
            self.directions[spec.id] = {"up": (1,), "down": (-1,), "fixed": ()}.get(lever, (1, -1))

    def levers(self, needs: frozenset[str], values: Mapping[str, object]) -> list[str]:
        """The inputs of a formula that may be changed, in rubric order."""
        return [k for k in self.inputs if k in needs and k in values and self.directions[k]]

    def feasible(self, values: Mapping[str, object], key: str) -> bool:
        """Every constraint on `key` whose inputs are all given still holds."""
        env = {**self.compiled.params, **values}
        for _constraint, formula in self.compiled.constraints:
            if key not in formula.needs or not formula.needs <= values.keys():
                continue
            with collect_notices():
                try:
                    ok = formula.run(env)
                except (XYInputError, ArithmeticError, TypeError, ValueError):
                    return False
            if not (isinstance(ok, bool | int | float) and ok):
                return False
        return True

    def best_move(self, values: Mapping[str, object], key: str, objective: Objective, cap: float) -> Move | None:
        """The smallest change of `key` alone reaching the best objective it can reach; None if none helps."""
        spec, before = self.inputs[key], values.get(key)
        now = objective(values)
        floor = -math.inf if now is None else now
        moves = []
        for d in self.directions[key]:
            if spec.type == "bool":
                move = self._flip(values, spec, d, objective)
            elif spec.type == "list" and isinstance(before, list) and before:
                move = self._along(values, spec, d, objective, cap, floor, _ListPath(spec, before, d))
            elif isinstance(before, int | float) and not isinstance(before, bool):
                move = self._along(values, spec, d, objective, cap, floor, _NumberPath(spec, float(before), d))
            else:
                move = None
            if move is not None and move.value > floor + TOL:
                moves.append(move)
        return max(moves, key=lambda m: (m.value, -m.rel), default=None)

    def joint(self, values: Mapping[str, object], keys: list[str], objective: Objective, cap: float) -> list[Move]:
        """When no single input helps (all of several conditions needed), the fewest inputs moved together.

        Yes/no inputs and bounded numbers are tried at their far end, fewest first; unbounded numbers
        are then searched on top. The winning combination is shrunk: inputs not needed are put back and
        each number moved only as far as needed, so the plan stays minimal input by input.
        """
        now = objective(values)
        if now is None:
            return []
        options: list[tuple[str, list[object]]] = []
        free: list[str] = []
        for key in keys:
            ends = self._ends(values, key)
            if ends is None:
                free.append(key)
            elif ends:
                options.append((key, ends))
        found: tuple[float, dict[str, object]] | None = None
        tried = 0
        for size in range(0, len(options) + 1):
            for subset in itertools.combinations(options, size):
                for choice in itertools.product(*(alts for _, alts in subset)):
                    tried += 1
                    if tried > MAX_COMBINATIONS:
                        break
                    trial = {**values, **{k: v for (k, _), v in zip(subset, choice, strict=True)}}
                    if not all(self.feasible(trial, k) for k, _ in subset):
                        continue
                    for key in free:
                        move = self.best_move(trial, key, objective, cap)
                        if move is not None:
                            trial[key] = move.after
                    value = objective(trial)
                    if value is not None and value > now + TOL and (found is None or value > found[0] + TOL):
                        found = value, trial
            if found is not None:
                break
        if found is None:
            return []
        return self._shrink(values, found[1], found[0], objective, cap)

    def _ends(self, values: Mapping[str, object], key: str) -> list[object] | None:
        """The far values of a bounded input in its allowed directions; None for an unbounded number."""
        spec, before = self.inputs[key], values.get(key)
        if spec.type == "bool":
            return [not before for d in self.directions[key] if isinstance(before, bool) and before != (d > 0)]
        ends: list[object] = []
        for d in self.directions[key]:
            if spec.type == "list" and isinstance(before, list) and before:
                path: _NumberPath | _ListPath = _ListPath(spec, before, d)
            elif isinstance(before, int | float) and not isinstance(before, bool):
                path = _NumberPath(spec, float(before), d)
            else:
                continue
            if math.isinf(path.end):
                return None
            if path.end > 0:
                ends.append(path.value(path.end))
        return ends

    def _shrink(
        self, values: Mapping[str, object], trial: dict[str, object], best: float, objective: Objective, cap: float
    ) -> list[Move]:
        goal = best - ATTAIN * max(1.0, abs(best))
        changed = [k for k in self.inputs if k in trial and trial[k] != values.get(k)]
        for key in changed:  # put back what is not needed
            back = {**trial, key: values[key]}
            v = objective(back)
            if v is not None and v >= goal:
                trial = back
        moves = []
        for key in [k for k in changed if trial[k] != values.get(k)]:
            if self.inputs[key].type != "bool":  # move each number only as far as needed
                move = self.best_move({**trial, key: values[key]}, key, objective, cap)
                if move is not None and move.value >= goal:
                    trial[key] = move.after
            moves.append(key)
        value = objective(trial)
        if value is None or value < goal:
            return []
        return [Move(k, trial[k], value, self.rel(k, values[k], trial[k])) for k in moves]

    def rel(self, key: str, before: object, after: object) -> float:
        """How big a change is, relative to the input's range (1 for a yes/no flip)."""
        spec = self.inputs[key]
        if isinstance(after, list) and isinstance(before, list) and before:
            shift = max((abs(a - b) for a, b in zip(after, before, strict=True)), default=0.0)
            return _ListPath(spec, before, 1).rel(shift)
        if isinstance(after, int | float) and isinstance(before, int | float) and not isinstance(after, bool):
            d = 1 if after >= before else -1
            return _NumberPath(spec, float(before), d).rel(abs(float(after) - float(before)))
        return 1.0

    def _flip(self, values: Mapping[str, object], spec: InputSpec, d: int, objective: Objective) -> Move | None:
        before = values.get(spec.id)
        if not isinstance(before, bool) or before == (d > 0):
            return None
        trial = {**values, spec.id: not before}
        value = objective(trial) if self.feasible(trial, spec.id) else None
        return None if value is None else Move(spec.id, not before, value, 1.0)

    def _along(
        self,
        values: Mapping[str, object],
        spec: InputSpec,
        d: int,
        objective: Objective,
        cap: float,
        floor: float,
        path: _NumberPath | _ListPath,
    ) -> Move | None:
        """Scan the direction, bisect to the first point reaching the best, round for display."""

        def at(t: float) -> float | None:
            trial = {**values, spec.id: path.value(t)}
            return objective(trial) if self.feasible(trial, spec.id) else None

        points = self._points(path, at, cap)
        scored = [(t, v) for t, v in points if v is not None]
        if not scored:
            return None
        best = max(v for _, v in scored)
        if best <= floor + TOL:
            return None
        goal = best - ATTAIN * max(1.0, abs(best))
        first = next(i for i, (_, v) in enumerate(points) if v is not None and v >= goal)
        lo, hi = (points[first - 1][0] if first else 0.0), points[first][0]
        for _ in range(MAX_BISECT):
            if hi - lo <= (1.0 if path.integer else path.q / 8):
                break
            mid = (lo + hi) // 2 if path.integer else (lo + hi) / 2
            v = at(mid)
            if v is not None and v >= goal:
                hi = mid
            else:
                lo = mid
        options = []
        for t in path.rounded(hi):
            v = at(t)
            if v is not None and v > floor + TOL:
                options.append((v, -t, t))
        if not options:
            return None
        v, _, t = max(options)
        return Move(spec.id, path.value(t), v, path.rel(t))

    def _points(self, path: _NumberPath | _ListPath, at: Callable[[float], float | None], cap: float) -> list:
        """(distance, objective) along the direction up to the end or the edge of validity."""
        end = path.end
        if math.isinf(end):  # unbounded: double until the best is reached or it stops being valid
            points: list[tuple[float, float | None]] = []
            step, last_ok = path.start, 0.0
            for _ in range(MAX_DOUBLINGS):
                v = at(step)
                if v is None and not self._valid_far(path, at, step):
                    edge = self._edge(path, at, last_ok, step)
                    if edge > last_ok:
                        points.append((edge, at(edge)))
                    return points
                points.append((step, v))
                last_ok = step
                if v is not None and v >= cap - TOL:
                    return points
                step *= 2
            return points
        if end <= 0:
            return []
        if at(end) is None:
            end = self._edge(path, at, 0.0, end)
            if end <= 0:
                return []
        if path.integer and end <= 4 * GRID:
            ts = [float(t) for t in range(1, int(end) + 1)]
        else:
            ts = sorted({(round(end * k / GRID) if path.integer else end * k / GRID) for k in range(1, GRID + 1)})
            ts = [float(t) for t in ts if t > 0]
        return [(t, at(t)) for t in ts]

    @staticmethod
    def _valid_far(path: _NumberPath | _ListPath, at: Callable[[float], float | None], step: float) -> bool:
        """An invalid point may sit inside a valid stretch (e.g. a gap); look once further out."""
        return at(step * 2) is not None

    @staticmethod
    def _edge(path: _NumberPath | _ListPath, at: Callable[[float], float | None], ok: float, bad: float) -> float:
        """The farthest valid distance between a valid one and an invalid one (bisection)."""
        for _ in range(MAX_BISECT):
            if bad - ok <= (1.0 if path.integer else path.q / 8):
                break
            mid = (ok + bad) // 2 if path.integer else (ok + bad) / 2
            if at(mid) is None:
                bad = mid
            else:
                ok = mid
        return ok


class _NumberPath:
    """A number moved by distance t in direction d, inside [min, max] of its type and never past its
    plausible range in the direction it moves (no plan asks for a figure no true one has)."""

    def __init__(self, spec: InputSpec, before: float, d: int) -> None:
        self.spec, self.before, self.d = spec, before, d
        self.integer = spec.type == "count"
        self.q = quantum(spec)
        lo = spec.min if spec.min is not None else (0.0 if spec.type in BOUNDED_FLOOR else -math.inf)
        hi = spec.max if spec.max is not None else (1.0 if spec.type == "ratio" else math.inf)
        if d > 0 and spec.plausible_max is not None:
            hi = min(hi, max(before, spec.plausible_max))
        if d < 0 and spec.plausible_min is not None:
            lo = max(lo, min(before, spec.plausible_min))
        self.lo, self.hi = lo, hi
        self.end = max(0.0, hi - before) if d > 0 else max(0.0, before - lo)
        self.start = max(abs(before), 1.0)

    def value(self, t: float) -> float:
        x = min(self.hi, max(self.lo, self.before + self.d * t))
        return float(round(x)) if self.integer else round(x, 12)

    def rounded(self, t: float) -> list[float]:
        """Distances whose values are on the display grid, next to t on both sides (far one first)."""
        if self.integer:
            return [float(round(t))]
        x = self.before + self.d * t
        n = digits(self.spec)
        up, down = math.ceil(x / self.q - 1e-6) * self.q, math.floor(x / self.q + 1e-6) * self.q
        out = []
        for y in (up, down) if self.d > 0 else (down, up):
            y = min(self.hi, max(self.lo, round(y, n)))
            dist = (y - self.before) * self.d
            if dist > 0:
                out.append(dist)
        return out

    def rel(self, t: float) -> float:
        width = self.hi - self.lo
        return t / width if math.isfinite(width) and width > 0 else t / max(abs(self.before), 1.0)


class _ListPath:
    """Period scores all shifted by t in direction d, each clipped to the input's range."""

    def __init__(self, spec: InputSpec, before: list, d: int) -> None:
        self.spec, self.before, self.d = spec, [float(x) for x in before], d
        self.integer = False
        self.q = 0.01
        self.lo = spec.min if spec.min is not None else 0.0
        self.hi = spec.max if spec.max is not None else math.inf
        self.end = (self.hi - min(self.before)) if d > 0 else (max(self.before) - self.lo)
        self.start = max(sum(self.before) / len(self.before) / 10, 1.0)

    def value(self, t: float) -> list[float]:
        return [round(min(self.hi, max(self.lo, x + self.d * t)), 6) for x in self.before]

    def rounded(self, t: float) -> list[float]:
        up, down = math.ceil(t / self.q - 1e-6) * self.q, math.floor(t / self.q + 1e-6) * self.q
        return [round(s, 2) for s in (up, down) if s > 0]

    def rel(self, t: float) -> float:
        width = self.hi - self.lo
        return t / width if math.isfinite(width) and width > 0 else t / 100.0
