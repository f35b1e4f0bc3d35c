"""下发清单.xlsx: the list the office mails from: who gets which file, how much is in it, by when."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import xlsxwriter

from ..portal.links import link, unit_token
from ..project import signing_key

if TYPE_CHECKING:
    from ..project import Project
    from .run import Outgoing

DISTRIBUTION_FILE = "下发清单.xlsx"
HEAD = [
    "序号",
    "单位",
    "简称",
    "文件名",
    "任务数",
    "数据项数",
    "回收截止日期",
    "发文联系人",
    "单位联系人",
    "发送日期",
    "备注",
]
WIDTH = [5, 36, 14, 34, 8, 9, 13, 24, 14, 12, 20]
LINK_HEAD, LINK_WIDTH = "网页报送链接", 52  # when the project sets portal_address


def distribution_bytes(project: Project, files: list[Outgoing]) -> bytes:
    """The list's file, built in memory. XlsxWriter still assembles the parts in temporary files
    (not `in_memory`), which gives the parts the timestamp lists have always carried."""
    s = project.settings
    buffer = io.BytesIO()
    wb = xlsxwriter.Workbook(buffer, {"strings_to_formulas": False, "strings_to_urls": False})
    wb.set_properties({"title": f"{s.name} 下发清单", "author": s.issuer, "created": _created(s.created)})
    base = {"font_name": "宋体", "font_size": 10, "border": 1, "text_wrap": True, "valign": "top"}
    head = wb.add_format({**base, "bold": True, "bg_color": "#DDEBF7"})
    text = wb.add_format(base)
    edit = wb.add_format({**base, "bg_color": "#FFF2CC"})
    ws = wb.add_worksheet("下发清单")
    ws.write_string(
        0,
        0,
        f"{s.name} 下发清单（共 {len(files)} 个单位）",
        wb.add_format({"font_name": "宋体", "bold": True, "font_size": 14}),
    )
    key = signing_key(project)
    links = bool(s.portal_address and key)  # each unit's portal link in a last column
    ws.write_row(1, 0, HEAD + ([LINK_HEAD] if links else []), head)
    contact = "，".join(p for p in (s.contact, s.phone) if p)
    for k, f in enumerate(files):
        row = 2 + k
        ws.write_number(row, 0, k + 1, text)
        for col, value in enumerate([f.unit, f.label, f.file], start=1):
            ws.write_string(row, col, value, text)
        ws.write_number(row, 4, f.tasks, text)
        ws.write_number(row, 5, f.inputs, text)
        ws.write_string(row, 6, s.deadline, text)
        ws.write_string(row, 7, contact, text)
        for col in (8, 9, 10):
            ws.write_blank(row, col, None, edit)
        if links:
            ws.write_string(row, len(HEAD), link(s.portal_address, unit_token(key, f.unit)), text)  # type: ignore[arg-type]
    for col, width in enumerate(WIDTH + ([LINK_WIDTH] if links else [])):
        ws.set_column(col, col, width)
    ws.freeze_panes(2, 2)
    ws.autofilter(1, 0, 1 + len(files), len(HEAD) - (0 if links else 1))
    ws.set_paper(9)
    ws.set_landscape()
    ws.repeat_rows(0, 1)
    ws.fit_to_pages(1, 0)
    wb.close()
    return buffer.getvalue()


def _created(iso: str):  # noqa: ANN202
    from datetime import date, datetime

    return datetime.combine(date.fromisoformat(iso), datetime.min.time()) if iso else datetime(2000, 1, 1)
