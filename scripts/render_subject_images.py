"""Render the README pictures of a many-subject assessment: the counties demo (16 counties, one
late, one resubmitted, one missing, the assessors' 考核分 entered), its master written with native
formulas and the first county's feedback workbook, converted to PDF by LibreOffice (which
recalculates the master), and the 排名 page and the feedback's first page cut to PNG with poppler's
pdftoppm.

    python scripts/render_subject_images.py [OUT_DIR]   (default docs/images)

Needs LibreOffice and poppler-utils; a maintainer's tool, not part of the tests.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from workbooks.demo_subjects import MASTER_AT, run_subjects_demo
from workbooks.master.recalc import convert_many
from workbooks.master.run import write_master
from workbooks.report.feedback import write_feedback
from workbooks.report.subjects import scores_of

RUBRIC = "zhengzhou-2019-counties"


def cut(pdf: Path, page: int, target: Path, resolution: int, width: int, height: int) -> None:
    """The top left `width` × `height` pixels of a page rendered at `resolution` dpi."""
    stem = target.with_suffix("")
    subprocess.run(
        ["pdftoppm", "-r", str(resolution), "-png", "-singlefile", "-f", str(page), "-l", str(page),
         "-W", str(width), "-H", str(height), str(pdf), str(stem)],
        check=True,
    )  # fmt: skip


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/images")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        demo = run_subjects_demo(Path(scratch) / "县区考核", RUBRIC)
        project = demo.project
        master = write_master(project, today=MASTER_AT.date(), now=MASTER_AT)
        scores = scores_of(project, today=MASTER_AT.date(), now=MASTER_AT)
        first = min((s for s in scores if s.rank is not None), key=lambda s: s.rank or 0)
        feedback = dict(zip([s.subject for s in scores], write_feedback(project, scores), strict=True))[first.subject]
        pdfs = convert_many([master.path, feedback], Path(scratch) / "pdf")
        for name, pdf, resolution, width, height in (
            ("subjects-ranking.png", pdfs[master.path.resolve()], 170, 1990, 1150),
            ("subjects-feedback.png", pdfs[feedback.resolve()], 110, 1000, 1000),
        ):
            stem = Path(scratch) / name
            cut(pdf, 1, stem, resolution, width, height)
            shutil.copyfile(stem, out / name)
            print(out / name)


if __name__ == "__main__":
    main()
