"""Render the README pictures of the master scoring workbook: a project run on the built-in example
(a few units left out so the late-unit report has something to show), its master written with
native formulas, converted to PDF by LibreOffice (which recalculates it), and the overview and
scoring pages cut to PNG with poppler's pdftoppm.

    python scripts/render_master_images.py [OUT_DIR]   (default docs/images)

Needs LibreOffice and poppler-utils; a maintainer's tool, not part of the tests.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from datetime import date, datetime
from pathlib import Path

from udfs.rubric.loader import builtin_dir
from workbooks.generate.fill import fill_returns, outgoing_files
from workbooks.generate.run import generate
from workbooks.intake.consolidate import consolidate
from workbooks.master.recalc import convert_many
from workbooks.master.run import write_master
from workbooks.project import init_project

LEFT_OUT = ("市人社局", "市司法局")
PAGES = {"master-overview.png": "评分总表", "master-scores.png": "逐项评分"}


def page_with(pdf: Path, marker: str) -> int:
    pages = int(next(line.split()[-1] for line in subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines() if line.startswith("Pages:")))  # fmt: skip
    for page in range(1, pages + 1):
        text = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"], capture_output=True, text=True, check=True).stdout  # fmt: skip
        if marker in text.splitlines()[0] if text.strip() else False:
            return page
    raise SystemExit(f"no page starts with {marker}")


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/images")
    out.mkdir(parents=True, exist_ok=True)
    example = json.loads((builtin_dir() / "national-2019" / "example.json").read_text(encoding="utf-8"))["inputs"]
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch) / "宜昌2019"
        project = init_project(root, "national-2019", today=date(2019, 3, 1))
        generate(project)
        units = project.registry.units
        returning = [u for u in outgoing_files(project) if units[u].label not in LEFT_OUT]
        fill_returns(project, example, units=returning, received=datetime(2019, 3, 25, 9, 0))
        consolidate(project, now=datetime(2019, 3, 25, 9, 0))
        outcome = write_master(project, today=date(2019, 4, 2), now=datetime(2019, 4, 2, 9, 0))
        pdf = convert_many([outcome.path], Path(scratch))[outcome.path]
        for name, marker in PAGES.items():
            page = page_with(pdf, marker)
            stem = Path(scratch) / Path(name).stem
            subprocess.run(["pdftoppm", "-r", "110", "-png", "-singlefile", "-f", str(page), "-l", str(page), "-H", "900" if "scores" in name else "1100", "-W", "1290", str(pdf), str(stem)], check=True)  # fmt: skip
            shutil.copyfile(stem.with_suffix(".png"), out / name)
            print(out / name)


if __name__ == "__main__":
    main()
