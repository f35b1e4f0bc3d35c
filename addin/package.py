"""The add-in workbook's OOXML parts outside the VBA project: relationships, content types, sheets.

Every edit of a template part must match exactly once, so a template that differs is refused
rather than patched somewhere unexpected. `parts_digest` identifies a build by its content, which
stays the same when another zlib compresses the same parts to different bytes.
"""

from __future__ import annotations

import hashlib
import re
import struct
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

# The ribbon XML uses the 2006 customUI namespace, which every Excel since 2007 reads; the template
# pairs it with the relationship type Office 2010 introduced for the 2009/07 namespace. Office
# matches the two, so both are made 2006: the ribbon needs nothing the 2010 schema added
# (backstage, context menus), and the 2006 pair is the one Excel 2007 and later all accept.
CUSTOM_UI_NS = "http://schemas.microsoft.com/office/2006/01/customui"
UI_RELATIONSHIP = "http://schemas.microsoft.com/office/2006/relationships/ui/extensibility"
UI_RELATIONSHIP_2010 = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
WORKSHEET_RELATIONSHIP = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
WORKSHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"


class TemplateChanged(ValueError):
    """A template part does not read the way this build expects."""


def replace_once(text: str, old: str, new: str, where: str) -> str:
    if text.count(old) != 1:
        raise TemplateChanged(f"{where} 中应恰好有一处“{old}”，实际 {text.count(old)} 处，未生成加载项")
    return text.replace(old, new)


def package_rels(original: bytes) -> bytes:
    """_rels/.rels with the ribbon's relationship type matching its 2006 namespace."""
    text = original.decode("utf-8")
    return replace_once(text, f'Type="{UI_RELATIONSHIP_2010}"', f'Type="{UI_RELATIONSHIP}"', "_rels/.rels").encode()


def workbook_xml(original: bytes, conf_sheet: str, hidden_sheet: str, rel_id: str) -> bytes:
    """The template's workbook part with its one sheet renamed and a very hidden sheet added."""
    text = original.decode("utf-8")
    text = re.sub(r"<mc:AlternateContent.*?</mc:AlternateContent>", "", text)  # the template author's local path
    text = re.sub(r'<sheet name="[^"]*"', f'<sheet name="{escape(conf_sheet)}"', text)
    ids = [int(n) for n in re.findall(r'sheetId="(\d+)"', text)]
    sheet = (
        f'<sheet name="{escape(hidden_sheet)}" sheetId="{max(ids, default=0) + 1}" state="veryHidden" r:id="{rel_id}"/>'
    )
    return replace_once(text, "</sheets>", sheet + "</sheets>", "xl/workbook.xml").encode("utf-8")


def workbook_rels(original: bytes, target: str) -> tuple[bytes, str]:
    """xl/_rels/workbook.xml.rels with a worksheet relationship to `target` added, and its new id."""
    text = original.decode("utf-8")
    used = {int(n) for n in re.findall(r'Id="rId(\d+)"', text)}
    rel_id = f"rId{max(used, default=0) + 1}"
    rel = f'<Relationship Id="{rel_id}" Type="{WORKSHEET_RELATIONSHIP}" Target="{target}" />'
    return replace_once(
        text, "</Relationships>", rel + "</Relationships>", "xl/_rels/workbook.xml.rels"
    ).encode(), rel_id


def content_types(original: bytes, part: str) -> bytes:
    """[Content_Types].xml declaring the added worksheet part."""
    text = original.decode("utf-8")
    override = f'<Override PartName="/{part}" ContentType="{WORKSHEET_TYPE}" />'
    return replace_once(text, "</Types>", override + "</Types>", "[Content_Types].xml").encode()


def config_sheet(config: list[tuple[str, str]]) -> bytes:
    """xlwings' settings sheet (key in A, value in B), replacing the template's."""
    rows = "".join(
        f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>{escape(k)}</t></is></c>'
        f'<c r="B{r}" t="inlineStr"><is><t>{escape(v)}</t></is></c></row>'
        for r, (k, v) in enumerate(config, 1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f'<sheetPr codeName="Sheet2"/><dimension ref="A1:B{len(config)}"/><sheetViews><sheetView workbookViewId="0"/></sheetViews>'
        '<sheetFormatPr defaultRowHeight="15"/><cols><col min="1" max="1" width="32" customWidth="1"/>'
        f'<col min="2" max="2" width="16" customWidth="1"/></cols><sheetData>{rows}</sheetData></worksheet>'
    ).encode()


def parts_digest(path: Path) -> str:
    """SHA-256 over every part's name and uncompressed bytes, in name order.

    Two builds with the same content give the same digest even when different zlib versions
    deflated them into different archive bytes (and so different file SHA-256s)."""
    digest = hashlib.sha256()
    with zipfile.ZipFile(path) as z:
        for info in sorted(z.infolist(), key=lambda i: i.filename):
            name, data = info.filename.encode("utf-8"), z.read(info)
            digest.update(struct.pack("<I", len(name)) + name + struct.pack("<Q", len(data)) + data)
    return digest.hexdigest()


def part_hashes(path: Path) -> list[tuple[str, str]]:
    """(name, SHA-256) of every part, in name order: what a person can compare after unzipping."""
    with zipfile.ZipFile(path) as z:
        return [
            (i.filename, hashlib.sha256(z.read(i)).hexdigest()) for i in sorted(z.infolist(), key=lambda i: i.filename)
        ]
