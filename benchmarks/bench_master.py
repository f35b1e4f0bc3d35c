"""Writing the master scoring workbook, and what its parts cost, side by side in one run.

A national-2019 project (63 units) is run on the built-in example input set: generated, filled,
consolidated. Then, best of several runs each: the whole `xinyong master` (lock, read-back check,
ledger queries, scoring, 提分空间, unit progress, trend, writing, reminders), and its parts alone:
headless scoring of the adopted values, 提分空间 (`recover`), and writing the workbook from a
gathered state in each formula mode. For scale: one consolidation of the same 63 files.

    python benchmarks/bench_master.py
"""

from __future__ import annotations

import shutil
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

from example_project import returned_example_project
from timing import best_of

from udfs.evaluate import CompiledRubric, evaluate
from udfs.recovery import recover
from workbooks.intake.consolidate import consolidate
from workbooks.ledger import LEDGER_FILE, Ledger
from workbooks.master.run import build, write_master
from workbooks.master.state import gather


def main() -> None:
    scratch = Path(tempfile.mkdtemp(prefix="xinyong-bench-master-"))
    try:
        project = returned_example_project(scratch / "项目")
        start = time.perf_counter()
        consolidate(project, now=datetime(2019, 3, 25))
        consolidation = time.perf_counter() - start
        compiled = CompiledRubric(project.rubric)
        ledger = Ledger(project.root / LEDGER_FILE)
        state = gather(project, ledger, compiled, today=date(2019, 3, 25))
        ledger.close()
        values = state.result.values
        rows = [
            ("`xinyong master` (whole run)", best_of(lambda: write_master(project))),
            ("scoring the adopted values", best_of(lambda: evaluate(compiled, state.values), 20)),
            ("提分空间 (`recover`)", best_of(lambda: recover(compiled, values))),
            ("writing the workbook", best_of(lambda: build(state, scratch / "n.xlsx", compiled))),
        ]
        whole = rows[0][1]
        print(f"consolidate (63 files, for scale): {consolidation:.2f} s")
        print("| measure | time | share of the whole run |")
        print("| --- | --- | --- |")
        for name, seconds in rows:
            print(f"| {name} | {seconds * 1000:.0f} ms | {seconds / whole:.0%} |")
        print(f"recoveries: {len(state.recoveries)}, steps: {sum(len(r.steps) for r in state.recoveries)}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
