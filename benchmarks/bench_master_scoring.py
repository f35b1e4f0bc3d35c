"""Headless scoring against the `formulas` package evaluating the master workbook for the same
scores, side by side in one run (national-2019, 63-unit project on the built-in example).

One input set: the own evaluator scoring it, against `formulas` loading and calculating the master.
Many input sets (what-if): the own evaluator scoring N generated sets, against `formulas`
recalculating the loaded master N times with the same sets as inputs to the 数据 sheet's adopted
cells. Every total is compared, so the ratio is between two ways of getting the same numbers.

    python benchmarks/bench_master_scoring.py [--sets 20]
"""

from __future__ import annotations

import argparse
import random
import shutil
import tempfile
import time
from datetime import datetime
from pathlib import Path

import formulas
import openpyxl
from example_project import returned_example_project
from timing import best_of

from udfs.engines.formulas_engine import register
from udfs.evaluate import CompiledRubric, evaluate
from udfs.sampling import sample_inputs
from workbooks.intake.consolidate import consolidate
from workbooks.master.layout import D_ADOPTED, D_ID, DATA, SCORES


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sets", type=int, default=20)
    n = parser.parse_args().sets
    register()
    scratch = Path(tempfile.mkdtemp(prefix="xinyong-bench-ms-"))
    try:
        project = returned_example_project(scratch / "项目")
        outcome = consolidate(project, now=datetime(2019, 3, 25)).master
        assert outcome is not None and outcome.path is not None
        path, compiled = outcome.path, CompiledRubric(project.rubric)
        values = outcome.state.values
        sheet = openpyxl.load_workbook(path)[DATA]
        rows: dict[str, list[int]] = {}
        for r in range(1, sheet.max_row + 1):
            key = sheet.cell(r, D_ID + 1).value
            if key in project.rubric.inputs:
                rows.setdefault(key, []).append(r)
        col = chr(ord("A") + D_ADOPTED)
        total_cell = outcome.where.total.split("!")[1].replace("$", "")

        def ref(sheet_name: str, cell: str) -> str:
            return f"'[{path.name}]{sheet_name}'!{cell}".upper()

        own_one = best_of(lambda: evaluate(compiled, values), 20)
        start = time.perf_counter()
        model = formulas.ExcelModel().loads(str(path)).finish()
        solution = model.calculate()
        formulas_one = time.perf_counter() - start
        keys = {k.upper(): k for k in solution}
        total_key = keys[ref(SCORES, total_cell)]
        assert abs(float(solution[total_key].value[0, 0]) - outcome.state.result.total) < 1e-6

        rng = random.Random(7)
        sets = [sample_inputs(project.rubric, rng) for _ in range(n)]
        start = time.perf_counter()
        own_totals = [evaluate(compiled, s).total for s in sets]
        own_many = time.perf_counter() - start
        start = time.perf_counter()
        formulas_totals = []
        for s in sets:
            inputs: dict[str, object] = {}
            for input_id, input_rows in rows.items():
                value = s.get(input_id)
                cells = value if isinstance(value, list) else [value]
                for k, r in enumerate(input_rows):
                    inputs[keys[ref(DATA, f"{col}{r}")]] = cells[k] if k < len(cells) and cells[k] is not None else ""
            formulas_totals.append(float(model.calculate(inputs=inputs)[total_key].value[0, 0]))
        formulas_many = time.perf_counter() - start
        agree = sum(1 for a, b in zip(own_totals, formulas_totals, strict=True) if abs(a - b) < 1e-6)
        print("| measure | own evaluator | formulas on the master | ratio |")
        print("| --- | --- | --- | --- |")
        print(f"| one input set | {own_one * 1000:.2f} ms | {formulas_one:.2f} s (load + calculate) | {formulas_one / own_one:,.0f}× |")
        print(f"| {n} input sets (what-if) | {own_many * 1000:.1f} ms ({own_many / n * 1000:.2f} ms/set) | {formulas_many:.1f} s ({formulas_many / n:.2f} s/set) | {formulas_many / own_many:,.0f}× |")
        print(f"totals equal in {agree} of {n} sets")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
