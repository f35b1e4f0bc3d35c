"""Consolidating returned workbooks, against merely reading the same files with python-calamine and
against a naive pandas + openpyxl loop, side by side in one run.

Every unit workbook of a fresh national-2019 project is filled (inputs through their defined
names, task statuses and progress notes) and replicated into N distinct returned files: each copy
carries its own text in the first progress-note cell, so every file has its own hash and
`consolidate` really processes each one (hash, archive copy, pre-scan, isolated parse, recognition,
typed values, committed a group at a time). Each measure runs in a fresh child process so its
peak memory (ru_maxrss) is its own; the consolidator's reading workers are reported separately
(RUSAGE_CHILDREN of the consolidating process: the largest worker). Times exclude interpreter
start-up and imports; `consolidate` includes starting its reading workers.

    python benchmarks/bench_consolidate.py [--files 1000] [--no-pandas]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import date
from importlib import metadata
from pathlib import Path
from xml.sax.saxutils import escape

# Only the standard library at module level: each measure runs this file again in a child process,
# whose peak memory should be that of what it measures, not of the workbook generator.

SEED = 7
T0 = 1_560_000_000
NOTE_CELL = "L3"  # the first task's progress note (checked against the generator in `build`)
TASKS = "任务清单"
MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def fill(source: Path, target: Path, rubric, rng: random.Random) -> None:  # noqa: ANN001
    """A unit's workbook as it comes back: every input given, every task with a status and a note."""
    import openpyxl

    from udfs.sampling import sample_value
    from workbooks.generate.fill import fill_workbook
    from workbooks.generate.unit_workbook import STATUS_CHOICES

    names = list(openpyxl.load_workbook(source, read_only=True).defined_names)
    values = {name: sample_value(rubric.inputs[name], rng) for name in names}

    def task(k: int, _item: str) -> tuple[str, str]:
        return rng.choice(STATUS_CHOICES), f"第{k}项：已对照评分标准落实，佐证材料已整理归档，下一步按时限继续推进。"

    fill_workbook(source, target, values, task)


def task_part(archive: zipfile.ZipFile) -> str:
    """The zip part of the task sheet (from the workbook part and its relationships)."""
    from defusedxml.ElementTree import fromstring

    rels = fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    for sheet in fromstring(archive.read("xl/workbook.xml")).iter(f"{MAIN_NS}sheet"):
        if sheet.get("name") == TASKS:
            target = targets[sheet.get(REL_ID)]
            return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    raise LookupError(TASKS)


def replicate(filled: list[Path], inbox: Path, count: int) -> None:
    """`count` distinct files: copy i of a unit's workbook has its own first progress note."""
    cell = re.compile(rf'<c r="{NOTE_CELL}"([^>]*?)(?:/>|>.*?</c>)', re.S)
    bases = []
    for path in filled:
        with zipfile.ZipFile(path) as archive:
            part = task_part(archive)
            bases.append((path.stem, part, [(info, archive.read(info)) for info in archive.infolist()]))
    for i in range(count):
        stem, part, entries = bases[i % len(bases)]
        note = escape(f"第1项：第{i + 1}份回执，已落实并报送佐证材料。")
        target = inbox / f"{i:04d}_{stem}.xlsx"
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
            for info, data in entries:
                if info.filename == part:
                    text = data.decode("utf-8")

                    def inline(m: re.Match[str], note: str = note) -> str:
                        attrs = re.sub(r'\s+t="[^"]*"', "", m.group(1))
                        return f'<c r="{NOTE_CELL}"{attrs} t="inlineStr"><is><t>{note}</t></is></c>'

                    text, n = cell.subn(inline, text, count=1)
                    assert n == 1, f"{stem}: no {NOTE_CELL} in the task sheet"
                    data = text.encode("utf-8")
                out.writestr(info, data)
        os.utime(target, (T0 + i, T0 + i))


def build(root: Path, count: int) -> Path:
    from openpyxl.utils import get_column_letter

    from workbooks.generate import unit_workbook
    from workbooks.generate.run import generate
    from workbooks.project import init_project

    assert unit_workbook.TASKS == TASKS
    assert NOTE_CELL == f"{get_column_letter(unit_workbook.NOTE_COL + 1)}{unit_workbook.FIRST_ROW + 1}"
    project = init_project(root / "项目", "national-2019", today=date(2019, 3, 1))
    generate(project)
    rng = random.Random(SEED)
    filled_dir = root / "filled"
    filled_dir.mkdir()
    filled = []
    for source in sorted(project.outbox.glob("*-任务分解表.xlsx")):
        target = filled_dir / source.name
        fill(source, target, project.rubric, rng)
        filled.append(target)
    replicate(filled, project.inbox, count)
    return project.root


# --- the measures, each run in its own child process -------------------------------------------


def measure_consolidate(root: Path) -> dict[str, object]:
    """The whole command (intake, then the master), the master's share of it, and a second run over
    the same inbox (nothing new: every file hashed and found in the ledger, the master kept)."""
    import hashlib

    import workbooks.intake.consolidate as module
    from workbooks.project import open_project

    project, _ = open_project(root)
    spent: dict[str, float] = {}
    refresh = module.refresh

    def timed_refresh(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        start = time.perf_counter()
        try:
            return refresh(*args, **kwargs)
        finally:
            spent["master"] = time.perf_counter() - start

    module.refresh = timed_refresh
    start = time.perf_counter()
    summary = module.consolidate(project)
    seconds = time.perf_counter() - start
    master = spent["master"]
    start = time.perf_counter()
    again = module.consolidate(project)
    again_seconds = time.perf_counter() - start
    start = time.perf_counter()
    for path in sorted(project.inbox.iterdir()):
        hashlib.sha256(path.read_bytes()).hexdigest()
    hashing = time.perf_counter() - start
    statuses = [o.status for o in summary.outcomes]
    assert all(o.status == "duplicate" for o in again.outcomes) and again.master and again.master.unchanged
    return {
        "seconds": seconds,
        "master": master,
        "again": again_seconds,
        "hashing": hashing,
        "files": len(statuses),
        "accepted": statuses.count("accepted"),
        "values": sum(o.values for o in summary.outcomes),
    }


def measure_calamine(root: Path) -> dict[str, object]:
    from python_calamine import CalamineWorkbook

    start = time.perf_counter()
    files = cells = 0
    for path in sorted((root / "回收").iterdir()):
        wb = CalamineWorkbook.from_path(str(path))
        for name in wb.sheet_names:
            cells += sum(len(r) for r in wb.get_sheet_by_name(name).to_python())
        files += 1
    return {"seconds": time.perf_counter() - start, "files": files, "cells": cells}


def measure_pandas(root: Path) -> dict[str, object]:
    import pandas as pd

    start = time.perf_counter()
    files = cells = 0
    for path in sorted((root / "回收").iterdir()):
        frames = pd.read_excel(path, sheet_name=None, engine="openpyxl")
        cells += sum(f.size for f in frames.values())
        files += 1
    return {"seconds": time.perf_counter() - start, "files": files, "cells": cells}


def measure_build(root: Path, files: int) -> dict[str, object]:
    start = time.perf_counter()
    project_root = build(root, files)
    return {"seconds": time.perf_counter() - start, "root": str(project_root)}


MEASURES = {"consolidate": measure_consolidate, "calamine": measure_calamine, "pandas": measure_pandas}


def child_main(which: str, root: Path, files: int) -> None:
    import resource

    result = measure_build(root, files) if which == "build" else MEASURES[which](root)
    result["maxrss_kib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result["children_maxrss_kib"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps(result))


def run_child(which: str, root: Path, files: int = 0) -> dict[str, object]:
    """One step in a fresh interpreter started from this lean process: on Linux a child's ru_maxrss
    starts from its parent's resident size at spawn, so the parent never loads the heavy libraries."""
    out = subprocess.run(
        [sys.executable, __file__, "--measure", which, "--files", str(files), str(root)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def mib(kib: object) -> str:
    return f"{int(kib) / 1024:.0f} MiB"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--no-pandas", action="store_true", help="leave out the pandas loop (slow at 10,000 files)")
    parser.add_argument("--measure", choices=["build", *sorted(MEASURES)], help=argparse.SUPPRESS)
    parser.add_argument("root", nargs="?", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        child_main(args.measure, args.root, args.files)
        return
    tmp = Path(tempfile.mkdtemp(prefix="xinyong-bench-"))
    try:
        built = run_child("build", tmp, args.files)
        root = Path(str(built["root"]))
        size = sum(p.stat().st_size for p in (root / "回收").iterdir())
        print(f"built {args.files} distinct returned workbooks ({size / 1048576:.1f} MiB) in {built['seconds']:.1f} s")
        cons = run_child("consolidate", root)
        assert cons["accepted"] == cons["files"] == args.files, cons
        cal = run_child("calamine", root)
        pds = None if args.no_pandas else run_child("pandas", root)
        versions = {name: metadata.version(name) for name in ("python-calamine", "pandas", "openpyxl")}
        print(
            f"python {sys.version.split()[0]}, {os.cpu_count()} cores, "
            + ", ".join(f"{name} {version}" for name, version in versions.items())
        )
        print(f"consolidate: {cons['accepted']} files accepted, {cons['values']} values recorded")
        n = args.files
        intake = float(cons["seconds"]) - float(cons["master"])
        base = float(cal["seconds"])
        memory = f"{mib(cons['maxrss_kib'])} (largest reading worker {mib(cons['children_maxrss_kib'])})"
        rows = [
            (f"`consolidate` ({n} files), all of it", cons["seconds"], memory),
            ("… of which the intake (files into the ledger)", intake, ""),
            ("… of which the master (scoring, writing the workbook)", cons["master"], ""),
            ("`consolidate` again, nothing new", cons["again"], ""),
            ("hashing the same files (sha256), nothing else", cons["hashing"], ""),
            ("python-calamine, every sheet", cal["seconds"], mib(cal["maxrss_kib"])),
        ]
        if pds is not None:
            rows.append(("pandas + openpyxl, `read_excel(sheet_name=None)`", pds["seconds"], mib(pds["maxrss_kib"])))
        print()
        print("| measure | time | ms/file | ÷ calamine | peak memory (ru_maxrss) |")
        print("| --- | --- | --- | --- | --- |")
        for label, seconds, mem in rows:
            s = float(seconds)
            print(f"| {label} | {s:.2f} s | {1000 * s / n:.2f} | {s / base:.2f}× | {mem} |")
        if pds is not None:
            print(f"\npandas + openpyxl ÷ `consolidate`: {float(pds['seconds']) / float(cons['seconds']):.1f}× (whole), "
                  f"{float(pds['seconds']) / intake:.1f}× (intake)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
