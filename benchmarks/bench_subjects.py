"""A many-subject assessment at scale: 100 city units on zhengzhou-2019-units, side by side in one run
with today's one-subject master (national-2019, 63 units, the example input set).

The default Zhengzhou registry lists 44 city units; 56 more (kind department, so the assessed group
takes them in) are added to the project's registry before `init` writes the subject list. Every
subject returns its workbook with figures of its own (`udfs.sampling`, seed per subject). Measured:
`generate`, `consolidate` (the intake, then the master: every subject scored on its own figures,
提分空间 included, written to 排名, 评分表, 提分空间 and 数据 with a column or block per subject),
and `xinyong master` alone, best of 3; the master's cost per subject next to the one-subject master.

    python benchmarks/bench_subjects.py [--subjects 100]
"""

from __future__ import annotations

import argparse
import random
import shutil
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

from example_project import returned_example_project
from timing import best_of

from udfs.sampling import sample_value
from workbooks.generate.fill import fill_returns
from workbooks.generate.run import generate
from workbooks.intake.consolidate import consolidate
from workbooks.master.run import write_master
from workbooks.plan import registry as registries
from workbooks.plan.registry import Unit
from workbooks.project import REGISTRY_FILE, open_project, write_settings
from workbooks.project import init_project as init

RUBRIC = "zhengzhou-2019-units"


def many_subjects(root: Path, count: int) -> None:
    """A zhengzhou-2019-units project with `count` subjects, every one returned with its own figures."""
    project = init(root, RUBRIC, today=date(2019, 3, 1))
    registry, _ = registries.load(str(root / REGISTRY_FILE))
    for k in range(count - len(project.subjects)):
        registry.units[f"郑州市测试单位{k:03d}"] = Unit(f"郑州市测试单位{k:03d}", f"测试单位{k:03d}")
    registries.export_xlsx(registry, root / REGISTRY_FILE)
    project.settings.subjects = registry.expand("市直成员单位")
    write_settings(root, project.settings)
    project, _ = open_project(root)
    assert len(project.subjects) == count, len(project.subjects)


def rewrite(project):  # noqa: ANN001, ANN201
    """`xinyong master` on another day each time (all before the deadline, so nothing else changes): a
    master written from the same inputs on the same day is kept, not rewritten, and would time nothing."""
    days = iter(range(10, 31))

    def run() -> None:
        day = next(days)
        outcome = write_master(project, today=date(2019, 3, day), now=datetime(2019, 3, day, 9, 0))
        assert not outcome.unchanged

    return run


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subjects", type=int, default=100)
    n = parser.parse_args().subjects
    scratch = Path(tempfile.mkdtemp(prefix="xinyong-bench-subjects-"))
    try:
        root = scratch / "考核"
        many_subjects(root, n)
        project, _ = open_project(root)
        start = time.perf_counter()
        generate(project)
        generating = time.perf_counter() - start
        for k, subject in enumerate(project.subjects):
            rng = random.Random(f"bench/{k}")
            figures = {i: sample_value(spec, rng) for i, spec in project.rubric.inputs.items()}
            fill_returns(project, figures, units=[subject], received=datetime(2019, 3, 25, 10, 0))
        start = time.perf_counter()
        consolidate(project, now=datetime(2019, 3, 30))
        consolidating = time.perf_counter() - start
        many = best_of(rewrite(project))
        single_project = returned_example_project(scratch / "单一")
        consolidate(single_project, now=datetime(2019, 3, 25))
        single = best_of(rewrite(single_project))
        print(f"{n} subjects on {RUBRIC}; one-subject master: national-2019, 63 units, example inputs")
        print("| measure | time | per subject |")
        print("| --- | --- | --- |")
        print(f"| `generate` ({n} workbooks) | {generating:.2f} s | {generating / n * 1000:.0f} ms |")
        print(f"| `consolidate` ({n} files, then the master) | {consolidating:.2f} s | {consolidating / n * 1000:.0f} ms |")
        print(f"| `xinyong master`, {n} subjects (best of 3) | {many:.2f} s | {many / n * 1000:.0f} ms |")
        print(f"| `xinyong master`, one subject (best of 3) | {single:.2f} s | {single * 1000:.0f} ms |")
        print(f"\nper subject ÷ one-subject master: {many / n / single:.2f}×")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
