"""The formula text of the master's live cells: item scores, hard-indicator conditions and the
rubric's consistency rules, in built-in Excel functions only (each XY_ call replaced by its native
expansion), so the master computes the same numbers in Excel with or without the add-in, in WPS and in
LibreOffice; the rubric's readable XY_ formula is written beside each score as text.

A cell computes only when every input it uses holds a value of the right kind and every
consistency rule over those inputs holds, and its rule accepts the data; otherwise it shows 未计分
(conditions: nothing, judged 无法判断). That is what headless scoring does with a missing or contradictory figure, so Excel,
LibreOffice, `formulas` and the project's own engine agree on a master whatever is filled in.
"""

from __future__ import annotations

from collections.abc import Mapping

from udfs.engines.native import emit, literal
from udfs.evaluate import CompiledRubric
from udfs.formula import parse
from udfs.rubric.model import Condition, InputSpec

from .layout import MET, NOT_SCORED, UNKNOWN, UNMET

_OPS = {">=": ">=", ">": ">", "<=": "<=", "<": "<", "=": "="}


class Formulas:
    """Builds cell formulas for one rubric; `constraint_cells` maps a constraint id to its cell;
    `inputs` binds input ids to cell references (a many-subject master binds them to one subject's
    cells); an input not bound is its workbook-level defined name."""

    def __init__(
        self,
        compiled: CompiledRubric,
        constraint_cells: Mapping[str, str],
        inputs: Mapping[str, str] | None = None,
    ) -> None:
        self.compiled = compiled
        self.rubric = compiled.rubric
        self.inputs = dict(inputs or {})
        # a native expansion must know a step mode when it is written, so parameters are inlined
        self.names = {pid: literal(v) for pid, v in compiled.params.items()}
        self.names.update(self.inputs)
        self.constraint_cells = constraint_cells

    def expression(self, text: str) -> str:
        return emit(parse(text), self.names, native=True)

    def _presence(self, needs: frozenset[str]) -> list[str]:
        return [
            _present(self.rubric.inputs[i], self.inputs.get(i, i)) for i in sorted(needs) if i in self.rubric.inputs
        ]

    def _guard(self, needs: frozenset[str]) -> str:
        terms = self._presence(needs)
        for constraint, formula in self.compiled.constraints:
            if formula.needs & needs:
                terms.append(self.constraint_cells[constraint.id])
        return _all(terms)

    def item(self, item_id: str) -> str:
        formula = self.compiled.items[item_id]
        guard = self._guard(formula.needs)
        # a rule that refuses its data (e.g. a denominator of 0 with a numerator > 0) is not scored, as
        # headless; an error value would also turn every total above it into an error
        expr = f'IFERROR({self.expression(formula.text)},"{NOT_SCORED}")'
        return f'=IF({guard},{expr},"{NOT_SCORED}")' if guard else f"={expr}"

    def condition(self, check_id: str, index: int) -> str:
        cond, formula = self.compiled.conditions[check_id][index]
        guard = self._guard(formula.needs)
        expr = self.expression(formula.text)
        if cond.op is None:  # a yes/no condition: a plain TRUE/FALSE whatever the engine makes of a comparison
            expr = f"IF({expr},TRUE,FALSE)"
        expr = f'IFERROR({expr},"")'
        return f'=IF({guard},{expr},"")' if guard else f"={expr}"

    def constraint(self, constraint_id: str) -> str:
        """TRUE unless every input of the rule is present and the rule fails (as headless scoring)."""
        formula = next(f for c, f in self.compiled.constraints if c.id == constraint_id)
        guard = _all(self._presence(formula.needs))
        expr = self.expression(formula.text)
        return f"=IF({guard},{expr},TRUE)" if guard else f"={expr}"


def _all(terms: list[str]) -> str:
    """One condition that holds when every term does ("" for none: no guard)."""
    return f"AND({','.join(terms)})" if len(terms) > 1 else "".join(terms)


def _present(spec: InputSpec, ref: str) -> str:
    """The input (at `ref`: its name or its cell) holds a value of its kind."""
    if spec.type == "bool":
        # LibreOffice has no boolean type (TRUE is the number 1), Excel does: either counts as present
        return f"OR(ISLOGICAL({ref}),ISNUMBER({ref}))"
    if spec.type == "list":
        return f"COUNT({ref})>0"
    return f"ISNUMBER({ref})"


def status(cond: Condition, value_cell: str, threshold_cell: str) -> str:
    """达标/未达标/无法判断 for one condition; comparisons tolerate binary noise as headless scoring does."""
    if cond.op is None:
        return (
            f'=IF(ISLOGICAL({value_cell}),IF({value_cell},"{MET}","{UNMET}"),'
            f'IF(ISNUMBER({value_cell}),IF({value_cell}<>0,"{MET}","{UNMET}"),"{UNKNOWN}"))'
        )
    test = f"ROUND({value_cell}-{threshold_cell},12){_OPS[cond.op]}0"
    return f'=IF(ISNUMBER({value_cell}),IF({test},"{MET}","{UNMET}"),"{UNKNOWN}")'


def verdict(rng: str, texts: tuple[str, str, str]) -> str:
    """Over a range of statuses: texts[0] when any is unmet, else texts[1] when any cannot be
    judged, else texts[2] (headless scoring judges a check, and the veto, the same way)."""
    unmet, unknown, met = texts
    return f'=IF(COUNTIF({rng},"{UNMET}")>0,"{unmet}",IF(COUNTIF({rng},"{UNKNOWN}")>0,"{unknown}","{met}"))'


def check_status(first: str, last: str) -> str:
    """A check is met when all its conditions are; unknown when any cannot be judged."""
    return verdict(f"{first}:{last}", (UNMET, UNKNOWN, MET))
