"""Generating every unit workbook of a project, against XlsxWriter writing bare (no formats,
validation, protection, names or identity), side by side in one run: the runs alternate and the
best of each is reported, since the machines are noisy. Two bare writes: "bare texts", the task and
input texts in XlsxWriter's default mode (the comparison made since the first version), and "bare
cells", every text cell `generate` writes, in memory as `generate` builds (the floor for its cells).

    python benchmarks/bench_generate.py [--rubric national-2019] [--repeat 5] [--before DIR] [--profile]

`--before DIR`: DIR holds an older `workbooks` package (say `git archive <commit> workbooks | tar -x -C DIR`);
its `generate` is imported under another name and alternated with today's, on the same project.
"""

from __future__ import annotations

import argparse
import cProfile
import importlib.util
import io
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import openpyxl
import xlsxwriter

from workbooks.generate.run import expected, generate, packages, rendered
from workbooks.generate.unit_workbook import INPUTS, TASKS, clear_caches
from workbooks.project import Project, init_project


def bare(project: Project, out: Path) -> int:
    """The same task and input texts in the same sheets, nothing else, the way XlsxWriter writes by
    default (each part through a temporary file)."""
    written = 0
    for k, package in enumerate(packages(project)[0]):
        wb = xlsxwriter.Workbook(str(out / f"{k}.xlsx"))
        ws = wb.add_worksheet(TASKS)
        for row, task in enumerate(package.tasks, start=2):
            item = task.item
            for col, value in enumerate(
                [item.id, item.title, item.tasks or item.standard, item.standard, item.evidence, item.deadline]
            ):
                ws.write_string(row, col, value)
        if package.inputs:
            ws = wb.add_worksheet(INPUTS)
            for row, spec in enumerate(package.inputs, start=2):
                for col, value in enumerate([spec.id, spec.label, spec.unit, spec.range_text(), spec.note]):
                    ws.write_string(row, col, value)
        wb.close()
        written += 1
    return written


BARE_TEXTS, BARE_CELLS = "bare texts", "bare cells"
Cells = list[tuple[str, list[tuple[int, int, str]]]]  # per sheet: (row, column, text)


def generated_cells(project: Project) -> dict[str, Cells]:
    """Every text cell of every generated workbook, read back once (not timed)."""
    out = {}
    for path in sorted(project.outbox.glob("*.xlsx")):
        wb = openpyxl.load_workbook(path)
        out[path.name] = [
            (ws.title, [(c.row - 1, c.column - 1, str(c.value)) for row in ws.iter_rows() for c in row if c.value])
            for ws in wb.worksheets
        ]
    return out


def same_cells(cells: dict[str, Cells], out: Path) -> None:
    """Exactly the text cells `generate` writes (every sheet, the list included), in memory and
    then to disk as `generate` does, with nothing else: the floor for these cells."""
    for name, sheets in cells.items():
        buffer = io.BytesIO()
        wb = xlsxwriter.Workbook(buffer, {"in_memory": True})
        for title, values in sheets:
            ws = wb.add_worksheet(title)
            for row, col, text in values:
                ws.write_string(row, col, text)
        wb.close()
        (out / name).write_bytes(buffer.getvalue())


def older_generate(root: Path) -> Callable[[Project], object]:
    """`generate` of the `workbooks` package in `root`, imported as `workbooks_before`."""
    spec = importlib.util.spec_from_file_location(
        "workbooks_before", root / "workbooks" / "__init__.py", submodule_search_locations=[str(root / "workbooks")]
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["workbooks_before"] = module
    spec.loader.exec_module(module)
    return importlib.import_module("workbooks_before.generate.run").generate


def alternate(runs: dict[str, Callable[[], object]], repeat: int) -> dict[str, tuple[float, float]]:
    """Best wall and best CPU time of each, the order reversed every other round."""
    for run in runs.values():
        run()  # imports, file system caches
    wall: dict[str, list[float]] = {name: [] for name in runs}
    cpu: dict[str, list[float]] = {name: [] for name in runs}
    for k in range(repeat):
        for name in list(runs) if k % 2 == 0 else list(reversed(runs)):
            start, start_cpu = time.perf_counter(), time.process_time()
            runs[name]()
            wall[name].append(time.perf_counter() - start)
            cpu[name].append(time.process_time() - start_cpu)
    return {name: (min(wall[name]), min(cpu[name])) for name in runs}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rubric", default="national-2019")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--before", type=Path, help="a folder holding an older workbooks package")
    parser.add_argument("--profile", action="store_true", help="cProfile one cold generate (and the older one) instead")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="xinyong-bench-"))
    try:
        project = init_project(root / "p", args.rubric, today=date(2019, 3, 1))
        count = len(packages(project)[0])
        generate(project)
        every_cell = generated_cells(project)

        def cold(run: Callable[[Project], object], empty_outbox: bool = True) -> Callable[[], object]:
            def go() -> object:
                if empty_outbox:
                    shutil.rmtree(project.outbox)
                clear_caches()  # as in a new process, the command line's
                return run(project)

            return go

        def into(folder: str, write: Callable[[Path], object]) -> Callable[[], object]:
            def go() -> object:
                out = root / folder
                shutil.rmtree(out, ignore_errors=True)
                out.mkdir()
                return write(out)

            return go

        runs: dict[str, Callable[[], object]] = {"generate": cold(generate)}
        if args.before:
            runs["generate, before"] = cold(older_generate(args.before))
        if args.profile:
            for name, run in runs.items():
                print(f"== {name}")
                cProfile.runctx("run()", globals(), {"run": run}, sort="cumulative")
            return
        runs["generate again, nothing changed"] = cold(generate, empty_outbox=False)
        runs[BARE_TEXTS] = into("bare", lambda out: bare(project, out))
        runs[BARE_CELLS] = into("cells", lambda out: same_cells(every_cell, out))
        best = alternate(runs, args.repeat)
        generate(project)  # the manifest of today's code, whatever ran last
        lookups = {"expected (manifest)": lambda: expected(project), "expected (rendered)": lambda: rendered(project)}
        looked = alternate(lookups, args.repeat)

        print(f"rubric {args.rubric}: {count} unit workbooks + distribution list; best of {args.repeat}, alternated")
        print(f"python {sys.version.split()[0]}, XlsxWriter {xlsxwriter.__version__}")
        texts, cells = best[BARE_TEXTS], best[BARE_CELLS]
        print(f"{'':34s} {'wall':>7s} {'cpu':>7s} {'files/s':>7s}   ratio to {BARE_TEXTS} | to {BARE_CELLS}")
        for name, (wall, cpu) in best.items():
            ratios = f"{wall / texts[0]:.2f}x wall, {cpu / texts[1]:.2f}x cpu | {wall / cells[0]:.2f}x, {cpu / cells[1]:.2f}x"
            print(f"{name:34s} {wall:6.3f}s {cpu:6.3f}s {count / wall:7.0f}   {ratios}")
        if args.before:
            (new, new_cpu), (old, old_cpu) = best["generate"], best["generate, before"]
            print(f"generate today / before: {new / old:.2f}x wall, {new_cpu / old_cpu:.2f}x cpu")
        for name, (wall, cpu) in looked.items():
            print(f"{name:34s} {wall * 1000:6.1f} ms {cpu * 1000:6.1f} ms")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
