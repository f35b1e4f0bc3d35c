"""Start-up: what a command or a ribbon click costs before and around its work, each run in a fresh
interpreter as an operator's shell and Excel start one, optionally side by side with another tree.

Measures (wall clock of the whole child process, interpreter start included):
- `xinyong --help`, `xinyong --version`, `xinyong consolidate --help`: nothing but start-up;
- `xinyong consolidate` a second time over an inbox of N returns with nothing new;
- the ribbon's buttons as the add-in runs them: a new Python (the add-in sets "Use UDF Server" to
  False, so xlwings' RunPython starts one per click) importing `addin.callbacks` and running the
  button's callback for a workbook of the project, to its reply (Excel's message box and status bar
  left out): 帮助, 汇总回收表 with nothing new, 重新计分.

Runs alternate between the trees so both see the same machine; the median of the runs is reported.

    python benchmarks/bench_startup.py [--files 300] [--runs 9] [--before OTHER_TREE]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TREE = HERE.parent
CLI = "import sys; from workbooks.cli import entry; sys.argv[0] = 'xinyong'; entry()"
BUTTON = (
    "import sys; sys.path[:] = [p for p in sys.path if p not in ('', '.')]; import addin.callbacks as c; "
    "reply = c.on_action(sys.argv[1], sys.argv[2]); sys.exit(0 if reply.message else 3)"
)


def run(tree: Path, args: list[str], cwd: Path) -> float:
    """Seconds of one child process with `tree` first on its path; exit 0 and 1 (findings) are normal."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    start = time.perf_counter()
    done = subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"{tree}: {args[-2:]} exited {done.returncode}: {done.stderr[-400:]}")
    return seconds


def build(root: Path, files: int) -> Path:
    """A national-2019 project with `files` distinct returns, consolidated once (bench_consolidate's
    inbox), so the measured runs find nothing new."""
    out = subprocess.run(
        [sys.executable, str(HERE / "bench_consolidate.py"), "--measure", "build", "--files", str(files), str(root)],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(TREE)},
    )
    project = Path(json.loads(out.stdout.strip().splitlines()[-1])["root"])
    run(TREE, ["-c", CLI, "consolidate", str(project)], root)
    return project


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=300)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--before", type=Path, help="another checkout to time alternately with this one")
    args = parser.parse_args()
    trees = [("this tree", TREE)] + ([("before", args.before.resolve())] if args.before else [])
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        project = build(root, args.files)
        master = str(project / "评分总表.xlsx")
        measures = {
            "`xinyong --help`": ["-c", CLI, "--help"],
            "`xinyong --version`": ["-c", CLI, "--version"],
            "`xinyong consolidate --help`": ["-c", CLI, "consolidate", "--help"],
            f"`xinyong consolidate`, {args.files} returns, nothing new": ["-c", CLI, "consolidate", str(project)],
            "button 帮助 (xy_help)": ["-c", BUTTON, "xy_help", master],
            f"button 汇总回收表 (xy_consolidate), {args.files} returns, nothing new": ["-c", BUTTON, "xy_consolidate", master],
            "button 重新计分 (xy_rescore)": ["-c", BUTTON, "xy_rescore", master],
        }
        times: dict[tuple[str, str], list[float]] = {}
        for _ in range(args.runs):
            for label, argv in measures.items():
                for name, tree in trees:
                    times.setdefault((label, name), []).append(run(tree, argv, root))
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} cores, {args.runs} alternating runs, median (min)\n")
    head = " | ".join(f"{name}" for name, _ in trees)
    print(f"| measure | {head} |" + (" this ÷ before |" if len(trees) > 1 else ""))
    print("| --- |" + " --- |" * (len(trees) + (len(trees) > 1)))
    for label in measures:
        cells = []
        medians = []
        for name, _ in trees:
            values = times[(label, name)]
            medians.append(statistics.median(values))
            cells.append(f"{medians[-1]:.3f} s ({min(values):.3f})")
        ratio = f" {medians[0] / medians[1]:.2f}× |" if len(trees) > 1 else ""
        print(f"| {label} | {' | '.join(cells)} |{ratio}")


if __name__ == "__main__":
    main()
