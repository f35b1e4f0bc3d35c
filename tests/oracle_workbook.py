"""Workbooks for the LibreOffice oracle: rubric formulas expanded to native Excel functions over
sheet-local defined names, one sheet per input set, with deliberately wrong cached values so a
recalculation that does not happen cannot pass.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell

from udfs.engines.native import literal, native_formula
from udfs.evaluate import CompiledRubric, Result, evaluate
from udfs.rubric import Rubric
from workbooks.master.cells import status
from workbooks.master.recalc import read_values, recalculate

WRONG = -999.0  # cached value written into every formula cell
ITEM_COL = 12  # column M holds item formulas, O check conditions and P their status as the master judges it (list inputs fill B onwards)


def sheet_name(k: int) -> str:
    return f"S{k + 1}"


def write(rubric: Rubric, input_sets: list[dict[str, object]], path: Path) -> dict[str, str]:
    """Write the workbook; returns {"<sheet>!<item or check:k>": cell} for reading back."""
    inline = {pid: literal(p.value) for pid, p in rubric.parameters.items()}
    where: dict[str, str] = {}
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False})
    for k, values in enumerate(input_sets):
        name = sheet_name(k)
        ws = wb.add_worksheet(name)
        for row, spec in enumerate(rubric.inputs.values()):
            ws.write_string(row, 0, spec.id)
            value = values.get(spec.id)
            cells = value if isinstance(value, list) else [value]
            width = (spec.length or 1) if spec.type == "list" else 1
            for col, v in enumerate(cells):
                if isinstance(v, bool):
                    ws.write_boolean(row, 1 + col, v)
                elif v is not None:
                    ws.write_number(row, 1 + col, float(v))  # type: ignore[arg-type]
            first = xl_rowcol_to_cell(row, 1, row_abs=True, col_abs=True)
            last = xl_rowcol_to_cell(row, width, row_abs=True, col_abs=True)
            ref = first if width == 1 else f"{first}:{last}"
            wb.define_name(f"{name}!{spec.id}", f"={name}!{ref}")
        for row, item in enumerate(rubric.scored_items):
            ws.write_string(row, ITEM_COL - 1, item.id)
            ws.write_formula(row, ITEM_COL, native_formula(item.formula, inline), None, WRONG)
            where[f"{name}!{item.id}"] = xl_rowcol_to_cell(row, ITEM_COL)
        row = 0
        for check in rubric.checks:
            for j, cond in enumerate(check.conditions):
                ws.write_formula(row, ITEM_COL + 2, native_formula(cond.value, inline), None, WRONG)
                where[f"{name}!{check.id}:{j}"] = value_cell = xl_rowcol_to_cell(row, ITEM_COL + 2)
                threshold = literal(cond.threshold) if cond.threshold is not None else "0"
                ws.write_formula(row, ITEM_COL + 3, status(cond, value_cell, threshold), None, "?")
                where[f"{name}!{check.id}:{j}:status"] = xl_rowcol_to_cell(row, ITEM_COL + 3)
                row += 1
    wb.close()
    return where


def recalculated(rubric: Rubric, input_sets: list[dict[str, object]], tmp: Path) -> tuple[list[Result], Callable[[int, str], object]]:
    """Score every set headless, write the oracle workbook, let LibreOffice recalculate it; returns the
    headless results and `cell(k, key)`: what LibreOffice computed for set k's item or "check:j[:status]"."""
    compiled = CompiledRubric(rubric)
    results = [evaluate(compiled, values) for values in input_sets]
    source = tmp / "oracle.xlsx"
    where = write(rubric, [dict(r.values) for r in results], source)
    values = read_values(recalculate(source, tmp / "out"))

    def cell(k: int, key: str) -> object:
        sheet = sheet_name(k)
        return values[sheet].get(where[f"{sheet}!{key}"])

    return results, cell
