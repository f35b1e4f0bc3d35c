"""Generating every unit workbook of a project, against XlsxWriter writing the same cells bare
(no formats, validation, protection, names or identity), side by side in one run.

    python benchmarks/bench_generate.py [--rubric national-2019] [--repeat 3]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from datetime import date
from pathlib import Path

import xlsxwriter
from timing import best_of

from workbooks.generate.run import generate, packages
from workbooks.generate.unit_workbook import INPUTS, TASKS
from workbooks.project import init_project


def bare(project, out: Path) -> int:  # noqa: ANN001
    """The same text in the same cells, nothing else."""
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rubric", default="national-2019")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="xinyong-bench-"))
    try:
        project = init_project(root / "p", args.rubric, today=date(2019, 3, 1))
        count = len(packages(project)[0])

        def full() -> None:
            shutil.rmtree(project.outbox)
            generate(project)

        def plain() -> None:
            out = root / "bare"
            shutil.rmtree(out, ignore_errors=True)
            out.mkdir()
            bare(project, out)

        t_full = best_of(full, args.repeat)
        t_bare = best_of(plain, args.repeat)
        print(f"rubric {args.rubric}: {count} unit workbooks + distribution list")
        print(
            f"generate (validation, protection, names, identity, layout): {t_full:.3f} s ({count / t_full:.0f} files/s)"
        )
        print(f"XlsxWriter, same cells bare: {t_bare:.3f} s ({count / t_bare:.0f} files/s)")
        print(
            f"ratio generate/bare: {t_full / t_bare:.2f}x  (python {sys.version.split()[0]}, XlsxWriter {xlsxwriter.__version__})"
        )
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
