"""Where a document's rule changes course, declared beside the rule, and the probe points around it.

A rule such as "不良贷款率＜2%得2分；2%≤不良贷款率＜5%，得分=2/3*(5-不良贷款率*100)；≥5%得0分" is
right or wrong at its bounds and strictly between them: a bound moved from 5% to 6% changes nothing at
5% itself (the rule is continuous there) but everything at 5.5%. Each scoring function declares its
bounds once; the tests then probe every declared rule at each side of each bound and inside each
interval through every evaluator, so a new rule that declares its bounds is probed the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Bounds:
    """The bounds of one quantity of a rule.

    quantity: the document's words for what is bounded (不良贷款率, 增长率, 户均信息条数 …);
    at: the bounds in the quantity's own unit (0.02 for 2%), where the rule's value or slope changes;
    call: the function's arguments that make the quantity equal to q (every other argument fixed to
    a case the document gives, e.g. a county of 1,000 market entities);
    near: how far either side of a bound to probe (default: a thirtieth of the narrowest interval);
    integer: the quantity is a count the rule takes whole (probe points are whole numbers).
    """

    quantity: str
    at: tuple[float, ...]
    call: Callable[[float], tuple[object, ...]]
    near: float | None = None
    integer: bool = False

    def step(self) -> float:
        if self.near is not None:
            return self.near
        at = sorted(self.at)
        gaps = [b - a for a, b in zip(at, at[1:], strict=False) if b > a]
        if gaps:
            return min(gaps) / 30
        return abs(at[0]) / 30 if at[0] else 0.01

    def points(self) -> list[float]:
        """Each bound, a step either side of it, the middle of every interval, and well outside the
        first and last bound; sorted, without repeats (rounded to 12 places, as the documents' figures are)."""
        at = sorted(set(self.at))
        d = self.step()
        out = {at[0] - 5 * d, at[-1] + 5 * d}
        for b in at:
            out |= {b - d, b, b + d}
        for a, b in zip(at, at[1:], strict=False):
            out.add((a + b) / 2)
        if self.integer:
            return sorted({float(round(p)) for p in out})
        return sorted({round(p, 12) for p in out})

    def side(self, q: float) -> str:
        """Where q lies: 'at <b>', or 'below <b>' / 'above <b>' / 'between <a> and <b>' (for messages)."""
        at = sorted(set(self.at))
        for b in at:
            if abs(q - b) <= 1e-12:
                return f"at {b:g}"
        if q < at[0]:
            return f"below {at[0]:g}"
        if q > at[-1]:
            return f"above {at[-1]:g}"
        a = max(b for b in at if b < q)
        b = min(b for b in at if b > q)
        return f"between {a:g} and {b:g}"
