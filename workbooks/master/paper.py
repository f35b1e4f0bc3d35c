"""Workbooks on paper: A4 (landscape for the master, portrait for a feedback workbook), body text never
below 8 points, nothing cut at the right margin.

A sheet whose columns fit one page width at 80% or more prints at the largest scale that fits (at most
100%); a wider one (排名 with its sections, 评分表 and 数据 with a column or block per subject) prints
across pages at 80%, its first columns (item or subject names) and its header rows repeated on each.
Shrinking a 16-county table onto one page width printed it at about 6 points, which nobody can read.
Hints above a table wrap within the columns of the first page instead of running off its edge.

Widths are measured as Excel lays them out: a column of w characters is 7w + 5 pixels in a workbook
whose default font is Calibri 11 (XlsxWriter's), 96 pixels to the inch.
"""

from __future__ import annotations

from typing import Any

from xlsxwriter.worksheet import Worksheet

from .style import LINE, text_lines

MIN_SCALE = 80  # 10-point text (style.Styles) at 80% prints at 8 points
MARGIN_INCHES = 0.3
# A4 landscape between the margins at 100%, less 6%: LibreOffice (with Carlito, Calibri's metric twin) lays a
# column out about 6% wider than Excel does (measured on its PDF), and neither may cut a column
PAGE_PIXELS = (11.69 - 2 * MARGIN_INCHES) * 96 / 1.06
PORTRAIT_PIXELS = (8.27 - 2 * MARGIN_INCHES) * 96 / 1.06
DEFAULT_PIXELS = 64  # a column whose width was never set (8.43 characters)


def page_pixels(ws: Worksheet) -> float:
    """The printable width at 100% of the sheet's orientation (XlsxWriter: 1 portrait, 0 landscape)."""
    return PORTRAIT_PIXELS if ws.orientation == 1 else PAGE_PIXELS


def column_pixels(ws: Worksheet, col: int) -> int:
    info = ws.col_info.get(col)
    return int(info.width) if info is not None and info.width is not None else DEFAULT_PIXELS


def used_columns(ws: Worksheet) -> int:
    """Columns written or given a width (a hint is laid out before the table under it is written)."""
    written = 0 if ws.dim_colmax is None else ws.dim_colmax + 1
    return max(written, max(ws.col_info, default=-1) + 1)


def sheet_pixels(ws: Worksheet) -> int:
    """The width of every used column together, at 100%."""
    return sum(column_pixels(ws, c) for c in range(used_columns(ws)))


def scale_of(ws: Worksheet) -> int:
    """The print scale: the whole width on one page when that needs no less than MIN_SCALE."""
    fit = int(page_pixels(ws) * 100 / (sheet_pixels(ws) or DEFAULT_PIXELS))
    return min(100, fit) if fit >= MIN_SCALE else MIN_SCALE


def first_page_columns(ws: Worksheet) -> int:
    """How many leading columns the first page holds at the sheet's scale."""
    room, taken = page_pixels(ws) * 100 / scale_of(ws), 0.0
    for col in range(max(used_columns(ws), 1)):
        taken += column_pixels(ws, col)
        if taken > room:
            return max(col, 1)
    return max(used_columns(ws), 1)


def hint(ws: Worksheet, row: int, text: str, fmt: Any) -> None:
    """A line of explanation over a table, wrapped within the first page (call once the columns are set)."""
    last = first_page_columns(ws) - 1
    width = sum((column_pixels(ws, c) - 5) / 7 for c in range(last + 1))
    if last > 0:
        ws.merge_range(row, 0, row, last, text, fmt)
    else:
        ws.write_string(row, 0, text, fmt)
    lines = text_lines(text, width)
    if lines > 1:
        ws.set_row(row, LINE * lines + 2)


def column_breaks(ws: Worksheet, scale: int, repeat_columns: int, groups: tuple[int, int]) -> list[int]:
    """Where each page across begins: as many whole groups as fit after the repeated columns."""
    room = page_pixels(ws) * 100 / scale
    repeated = sum(column_pixels(ws, c) for c in range(repeat_columns))
    start, size = groups
    taken = sum(column_pixels(ws, c) for c in range(start))
    breaks, col, n = [], start, used_columns(ws)
    while col < n:
        width = sum(column_pixels(ws, c) for c in range(col, min(col + size, n)))
        if taken + width > room and col > start:
            breaks.append(col)
            taken = repeated
        taken += width
        col += size
    return breaks


def lay_out(
    ws: Worksheet,
    repeat_columns: int,
    repeat_rows: tuple[int, int] | None,
    groups: tuple[int, int] = (0, 1),
    portrait: bool = False,
) -> None:
    """A4 landscape at `scale_of`, header rows repeated; pages across repeat the first columns and break
    only between groups of columns (`groups`: from column g[0] on, every g[1] columns are one subject's
    block, whose name is merged over it and must not be cut by a page's edge)."""
    ws.set_paper(9)
    if portrait:
        ws.set_portrait()
    else:
        ws.set_landscape()
    ws.set_margins(left=MARGIN_INCHES, right=MARGIN_INCHES, top=0.5, bottom=0.6)
    scale = scale_of(ws)
    ws.set_print_scale(scale)
    if repeat_rows is not None:
        ws.repeat_rows(*repeat_rows)
    if repeat_columns and sheet_pixels(ws) * scale / 100 > page_pixels(ws):
        ws.repeat_columns(0, repeat_columns - 1)
        ws.print_across()  # the rest of the same rows comes next, not the next rows
        ws.set_v_pagebreaks(column_breaks(ws, scale, repeat_columns, groups))
    ws.set_footer("&C&\"宋体\"&10&A　第 &P 页，共 &N 页")
