"""The master on A4, as LibreOffice prints it to PDF: every sheet at 80% or more (10-point body text at 8
points or more), nothing beyond the page's edge, every title and hint whole, item and subject names
repeated on the pages across, and the ranking's chart on a page of its own, whole.

One-subject (national-2019) and many-subject masters (16 counties, 44 city units).
"""

from __future__ import annotations

import re
import subprocess
import zipfile
from collections import Counter
from pathlib import Path

import openpyxl
import pytest

from tests.test_subjects_e2e import assessment  # noqa: F401 - the fixture is used by name
from workbooks.intake.consolidate import consolidate
from workbooks.master import layout as L
from workbooks.master.paper import MIN_SCALE
from workbooks.master.ranking import CHART_BARS, RANKING
from workbooks.master.recalc import convert_many, find_soffice
from workbooks.master.run import write_master
from workbooks.project import Project
from workbooks.report.feedback import SHEET as FEEDBACK_SHEET
from workbooks.report.feedback import write_feedback

pytestmark = [
    pytest.mark.oracle,
    pytest.mark.skipif(find_soffice() is None, reason="LibreOffice not installed"),
]
A4_LANDSCAPE = (841.89, 595.3)
# pdftotext's box of a line of text is about 1.3 times the font size: 8-point text is about 10.4 high; 7 points
# (a 10-point body shrunk to 70%, as masters printed before) about 9.1
MIN_BOX = 9.8


def words(pdf: Path) -> list[tuple[int, float, float, float, float, str]]:
    """(page, xMin, yMin, xMax, yMax, text) of every word, from poppler's pdftotext -bbox."""
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    out, page = [], 0
    for line in html.splitlines():
        if "<page " in line:
            page += 1
        m = re.search(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', line)
        if m:
            out.append((page, *map(float, m.groups()[:4]), m.group(5)))
    return out


def check_paper(
    master: Path, tmp: Path, portrait: bool = False
) -> tuple[dict[str, int], list[tuple[int, float, float, float, float, str]]]:
    """Assert the rules above; return pages per sheet, and the words printed."""
    wb = openpyxl.load_workbook(master)
    for ws in wb.worksheets:
        orientation = "portrait" if portrait else "landscape"
        assert ws.page_setup.paperSize == 9 and ws.page_setup.orientation == orientation, ws.title
        assert MIN_SCALE <= int(ws.page_setup.scale or 100) <= 100, (ws.title, ws.page_setup.scale)  # 100: omitted
        assert not ws.sheet_properties.pageSetUpPr or not ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
    pdf = convert_many([master], tmp, to="pdf")[master]
    found = words(pdf)
    width, height = A4_LANDSCAPE[::-1] if portrait else A4_LANDSCAPE
    outside = [w for w in found if w[1] < 0 or w[3] > width + 0.5 or w[4] > height + 0.5]
    assert outside == []
    small = [w for w in found if w[4] - w[2] < MIN_BOX]
    assert small == [], small[:10]
    text = re.sub(r"\s+", "", subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout)
    for ws in wb.worksheets:  # the title and the hint over each table print whole
        for ref in ("A1", "A2"):
            value = ws[ref].value
            if isinstance(value, str) and value:
                assert re.sub(r"\s+", "", value) in text, (ws.title, ref, value)
    footers = Counter(w[5] for w in found if w[4] > height - 40 and w[5] in wb.sheetnames)
    return dict(footers), found


def test_the_one_subject_master_on_a4(consolidated_national: Project, tmp_path: Path) -> None:
    outcome = write_master(consolidated_national)
    pages, _ = check_paper(outcome.path, tmp_path)
    assert pages[L.OVERVIEW] <= 3 and pages[L.CHECKS] <= 5, pages  # the figures, the top 5, the section chart
    wb = openpyxl.load_workbook(outcome.path)
    assert wb[L.SCORES].print_title_rows == "$3:$3"


def test_the_many_subject_master_on_a4(assessment, tmp_path: Path) -> None:  # noqa: ANN001, F811
    project, _, _ = assessment
    consolidate(project)
    outcome = write_master(project)
    pages, found = check_paper(outcome.path, tmp_path)
    wb = openpyxl.load_workbook(outcome.path)
    ranking, scores, data = wb[RANKING], wb[L.SCORES], wb[L.DATA]
    # pages across repeat who and what: subject names and item columns on 评分表, input columns on 数据
    assert (scores.print_title_cols, scores.print_title_rows) == ("$A:$C", "$3:$4")
    assert (data.print_title_cols, data.print_title_rows) == ("$A:$B", "$3:$4")
    assert ranking.print_title_cols == "$A:$C"
    # 排名: the table (two pages across, the sections on the second) then its chart, whole, on a page of its own
    pages_down = -(-len(project.subjects) // 15)  # 15 subjects or more a page; two pages across
    assert pages[RANKING] <= 2 * pages_down + -(-len(project.subjects) // CHART_BARS), pages
    # each chart (at most CHART_BARS subjects) starts a page of its own and is no taller than a printed page
    ranked = sum(1 for s in outcome.subjects or [] if s.rank is not None)
    breaks, charts = chart_layout(outcome.path)
    assert len(charts) == -(-ranked // CHART_BARS)
    printable = (8.27 - 0.5 - 0.6) * 96 * 100 / int(ranking.page_setup.scale or 100) - 60  # less the header row
    for from_row, height in charts:
        assert from_row - 1 in breaks and height <= printable, (from_row, height, printable)


def chart_layout(master: Path) -> tuple[set[int], list[tuple[int, float]]]:
    """排名's manual page breaks, and (first row, height in pixels) of each chart, from the file's XML."""
    with zipfile.ZipFile(master) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
        drawing = z.read("xl/drawings/drawing1.xml").decode()
        chart_sizes = [z.read(n).decode() for n in sorted(z.namelist()) if n.startswith("xl/charts/chart")]
    breaks = {int(b) for b in re.findall(r'<brk id="(\d+)"', sheet)}
    rows = [int(r) for r in re.findall(r"<xdr:from><xdr:col>\d+</xdr:col><xdr:colOff>\d+</xdr:colOff><xdr:row>(\d+)", drawing)]
    spans = re.findall(r"<xdr:row>(\d+)</xdr:row><xdr:rowOff>(\d+)</xdr:rowOff></xdr:to>", drawing)
    heights = [(int(to) - r) * 20 + int(off) / 9525 for r, (to, off) in zip(rows, spans, strict=True)]
    assert len(chart_sizes) >= len(rows)
    return breaks, list(zip(rows, heights, strict=True))


def test_the_feedback_workbooks_on_a4(assessment, tmp_path: Path) -> None:  # noqa: ANN001, F811
    """What a county receives: portrait A4 at 80% or more, nothing past the edge, headings whole, marked 暂定
    while its discretionary items are self-scores, item names not ids, counts that agree with 排名."""
    project, _, _ = assessment
    consolidate(project)
    outcome = write_master(project)
    scores = outcome.subjects or []
    paths = dict(zip([s.subject for s in scores], write_feedback(project, scores), strict=True))
    ranked = sum(1 for s in scores if s.rank is not None)
    for s in [min((s for s in scores if s.rank), key=lambda s: s.rank), next(s for s in scores if s.rank is None)]:
        path = paths[s.subject]
        check_paper(path, tmp_path / s.short, portrait=True)
        ws = openpyxl.load_workbook(path)[FEEDBACK_SHEET]
        cells = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
        assert ("（暂定）" in ws["A1"].value) == bool(s.provisional or s.unscored)
        assert not [c for c in cells if c in project.rubric.inputs or c in {i.id for i in project.rubric.items}]
        place = ws["B5"].value
        assert (f"{ranked} 个排名对象" in place) == (s.rank is not None) and str(len(project.subjects)) not in place.split("个")[0]
