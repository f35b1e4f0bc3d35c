"""Returns re-saved by LibreOffice as .ods and as .xls (and an .xls renamed .et, as WPS names its own
files) are read by their content and consolidated with the same figures, task statuses and findings
as the .xlsx saved from the same filling; one whose hidden identity sheet was deleted, or a plain
spreadsheet, is told by its format to use the .xlsx; encrypted ones are refused as encrypted; and a
damaged compound file or BIFF stream is a file-damaged finding while the batch goes on. The name and
address readers are checked on their edge cases, by table and by property."""

from __future__ import annotations

import io
import json
import shutil
import struct
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from xml.sax.saxutils import quoteattr

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook, SheetVisibleEnum

from tests.conftest import copy_project
from tests.test_consolidate_e2e import fill_openpyxl, has_uno, libreoffice_fill, outgoing
from workbooks.generate.identity import norm_ref
from workbooks.intake import biff
from workbooks.intake.consolidate import LEDGER_FILE, Summary, consolidate
from workbooks.intake.ods import ods_ref
from workbooks.intake.ole import Compound, single_stream
from workbooks.intake.prescan import Refused
from workbooks.intake.reader import TooLarge, parse_workbook
from workbooks.ledger import Ledger
from workbooks.project import Project

PBOC, HR = "人行宜昌中心支行", "市人社局"
VALUES = {"npl_rate": 0.028, "fin_major_risk": "否", "fin_cases_closed": "1,234", "fin_cases_pending_prev": 300, "xinyidai_amount": "1.2万"}  # fmt: skip
TASK_CELLS = {"任务清单!K3": "已完成", "任务清单!L3": "材料已报", "任务清单!K4": "推进中"}
ERROR_INPUT = "fin_cases_received"  # typed as =1/0: every format keeps the error, each read as one
SPREADSHEET = "application/vnd.oasis.opendocument.spreadsheet"
WHEN = datetime(2019, 3, 20, 9, 0)


# ---------------------------------------------------------------- building files by hand


def record(kind: int, body: bytes) -> bytes:
    return struct.pack("<HH", kind, len(body)) + body


def bof(dt: int) -> bytes:
    return record(0x0809, struct.pack("<HHHHII", 0x0600, dt, 0x0DBB, 0x07CC, 0x41, 0x06))


def name_record(name: str, rgce: bytes, itab: int = 0, builtin: bool = False) -> bytes:
    wide = any(ord(c) > 0xFF for c in name)
    text = name.encode("utf-16-le") if wide else name.encode("latin-1")
    head = struct.pack("<HBBHHH", 0x20 if builtin else 0, 0, len(name), len(rgce), 0, itab)
    return record(0x0018, head + bytes(4) + bytes([wide]) + text + rgce)


def ref3d(ixti: int, row: int, col: int) -> bytes:
    return struct.pack("<BHHH", 0x3A, ixti, row, col)


def area3d(ixti: int, row1: int, row2: int, col1: int, col2: int) -> bytes:
    return struct.pack("<BHHHHH", 0x3B, ixti, row1, row2, col1, col2)


def biff_stream(
    sheets: dict[str, list[tuple[int, int, float]]], names: Sequence[bytes] = (), head: bytes = b""
) -> bytes:
    """A BIFF8 workbook stream: globals (BOUNDSHEET, SUPBOOK, EXTERNSHEET with one XTI per sheet,
    the NAME records given), then each sheet with its NUMBER cells."""

    def boundsheet(offset: int, name: str) -> bytes:
        return record(0x0085, struct.pack("<IBBBB", offset, 0, 0, len(name), 1) + name.encode("utf-16-le"))

    count = len(sheets)
    rest = record(0x01AE, struct.pack("<HH", count, 0x0401))
    rest += record(0x0017, struct.pack("<H", count) + b"".join(struct.pack("<HHH", 0, k, k) for k in range(count)))
    rest += b"".join(names) + record(0x000A, b"")
    bodies = [
        bof(0x0010)
        + b"".join(record(0x0203, struct.pack("<HHHd", r, c, 0, v)) for r, c, v in cells)
        + record(0x000A, b"")
        for cells in sheets.values()
    ]
    offset = len(bof(0x0005) + head) + sum(len(boundsheet(0, n)) for n in sheets) + len(rest)
    globals_ = bof(0x0005) + head
    for name, body in zip(sheets, bodies, strict=True):
        globals_ += boundsheet(offset, name)
        offset += len(body)
    return globals_ + rest + b"".join(bodies)


def xls_file(stream: bytes) -> bytes:
    return single_stream("Workbook", stream)


@dataclass(frozen=True)
class Err:
    text: str  # an error cell as LibreOffice writes it (calcext:value-type="error")


def ods_bytes(
    tables: dict[str, list[list[object]]],
    names: dict[str, str] | None = None,
    extra: str = "",
    members: dict[str, bytes] | None = None,
    mimetype: str = SPREADSHEET,
    patch: tuple[str, str] = ("", ""),
    manifest_extra: str = "",
) -> bytes:
    """A minimal OpenDocument spreadsheet: the tables' rows (numbers as floats, Err as error cells,
    anything else text), the named ranges given (name -> cell-range-address), `extra` XML inside
    office:spreadsheet; `patch` replaces one string of content.xml."""

    def cell(value: object) -> str:
        if isinstance(value, int | float):
            return f'<table:table-cell office:value-type="float" office:value="{value}"/>'
        if isinstance(value, Err):
            return (
                '<table:table-cell office:value-type="string" office:string-value="" calcext:value-type="error">'
                f"<text:p>{value.text}</text:p></table:table-cell>"
            )
        return f'<table:table-cell office:value-type="string"><text:p>{value}</text:p></table:table-cell>'

    body = "".join(
        f"<table:table table:name={quoteattr(name)}>"
        + "".join("<table:table-row>" + "".join(map(cell, row)) + "</table:table-row>" for row in rows)
        + "</table:table>"
        for name, rows in tables.items()
    )
    if names:
        ranges = "".join(
            f"<table:named-range table:name={quoteattr(n)} table:cell-range-address={quoteattr(a)}/>"
            for n, a in names.items()
        )
        body += f"<table:named-expressions>{ranges}</table:named-expressions>"
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
        'xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0" office:version="1.2">'
        f"<office:body><office:spreadsheet>{body}{extra}</office:spreadsheet></office:body></office:document-content>"
    )
    if patch[0]:
        assert patch[0] in content, patch
        content = content.replace(*patch)
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
        f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{mimetype}"/>'
        f'<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml">{manifest_extra}'
        "</manifest:file-entry></manifest:manifest>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), mimetype)  # stored, first, as the format asks
        z.writestr("content.xml", content)
        z.writestr("META-INF/manifest.xml", manifest)
        for name, data in (members or {}).items():
            z.writestr(name, data)
    return out.getvalue()


def refusal(data: bytes) -> list[tuple[str, str]]:
    with pytest.raises(Refused) as refused:
        parse_workbook(data)
    return [(p.code, p.message) for p in refused.value.problems]


# ---------------------------------------------------------------- returns re-saved by LibreOffice


@dataclass
class Saved:
    project: Path  # a generated project, nothing returned
    files: dict[str, Path]  # what LibreOffice saved, by case


@pytest.fixture(scope="module")
def saved(_generated_national: Path, tmp_path_factory: pytest.TempPathFactory) -> Saved:
    """One office run: 人行's return filled and saved as .xlsx, .ods and .xls; the same without its
    hidden identity sheet; a plain spreadsheet; and password-protected saves."""
    if not has_uno():
        pytest.skip("LibreOffice with python3-uno is not installed")
    folder = tmp_path_factory.mktemp("resaved")
    project = copy_project(_generated_national, folder / "项目")
    source = str(outgoing(project, PBOC))
    error_cell = norm_ref(parse_workbook(source).defined[ERROR_INPUT])
    filled = {"source": source, "values": VALUES, "cells": TASK_CELLS, "formulas": {error_cell: "=1/0"}}
    plain = folder / "自制表格.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["不良贷款率", 0.02])
    book.save(plain)
    files, jobs = {}, []
    for case, fmt, job in [
        ("xlsx", "xlsx", filled),
        ("ods", "ods", filled),
        ("xls", "xls", filled),
        ("ods-no-identity", "ods", {**filled, "remove_sheets": ["xinyong_id"]}),
        ("xls-no-identity", "xls", {**filled, "remove_sheets": ["xinyong_id"]}),
        ("ods-plain", "ods", {"source": str(plain)}),
        ("xls-plain", "xls", {"source": str(plain)}),
        ("ods-password", "ods", {**filled, "password": "123"}),
        ("xls-password", "xls", {**filled, "password": "123"}),
    ]:
        files[case] = folder / f"{case}.{fmt}"
        jobs.append({**job, "target": str(files[case]), "format": fmt})
    libreoffice_fill(jobs)
    files["et"] = Path(shutil.copyfile(files["xls"], folder / "xls-renamed.et"))
    return Saved(folder / "项目", files)


def consolidated(saved: Saved, tmp_path: Path, returns: dict[str, Path]) -> tuple[Project, Summary]:
    """A fresh copy of the project with `returns` (name in 回收 -> file) consolidated."""
    project = copy_project(saved.project, tmp_path / "项目")
    for name, path in returns.items():
        shutil.copyfile(path, project.inbox / name)
    return project, consolidate(project, now=WHEN)


def ledger_state(project: Project) -> tuple[dict[str, object], list[tuple[str, str, str, str]]]:
    ledger = Ledger(project.root / LEDGER_FILE)
    try:
        current = {i: sorted((c.unit, json.dumps(c.value), c.sheet, c.cell) for c in rows) for i, rows in ledger.current_values(project.settings.round).items()}  # fmt: skip
        return current, ledger.task_states(project.settings.round)
    finally:
        ledger.close()


@pytest.mark.oracle
def test_libreoffice_saves_keep_the_hidden_identity_and_the_names(saved: Saved) -> None:
    """What LibreOffice writes: the hidden sheet (hidden) and every workbook-level name survive in
    both formats, so the reading is the .xlsx's, cell for cell (formula text aside; a reference's
    quotes are a suite's spelling: LibreOffice's .xlsx writes none where XlsxWriter quotes)."""
    xlsx = parse_workbook(str(saved.files["xlsx"]))
    for case in ("ods", "xls", "et"):
        got = parse_workbook(str(saved.files[case]))
        assert got.sheets == xlsx.sheets and "xinyong_id" in got.sheets, case
        assert {n: norm_ref(r) for n, r in got.defined.items()} == {n: norm_ref(r) for n, r in xlsx.defined.items()}, (
            case
        )
        hidden = {m.name for m in CalamineWorkbook.from_path(str(saved.files[case])).sheets_metadata if m.visible != SheetVisibleEnum.Visible}  # fmt: skip
        assert hidden == {"xinyong_id"}, case
        for sheet, cells in xlsx.cells.items():
            want = {k: (c.value, c.kind) for k, c in cells.items() if c.value not in ("", None)}
            assert {k: (c.value, c.kind) for k, c in got.cells[sheet].items()} == want, (case, sheet)
    error = norm_ref(xlsx.defined[ERROR_INPUT]).split("!")[1].replace("$", "")
    assert xlsx.cells["数据填报"][error].value == "#DIV/0!"  # the one LibreOffice computed and saved


@pytest.mark.oracle
def test_resaved_returns_are_consolidated_like_the_xlsx(saved: Saved, tmp_path: Path) -> None:
    seen = {}
    for case, name in [("xlsx", "人行.xlsx"), ("ods", "人行.ods"), ("xls", "人行.xls"), ("et", "人行.et")]:
        project, summary = consolidated(saved, tmp_path / case, {name: saved.files[case]})
        (got,) = summary.outcomes
        findings = sorted((f.code, f.message, f.sheet, f.cell) for f in got.findings)
        seen[case] = (got.status, got.template, got.values, findings, ledger_state(project))
    assert seen["xlsx"][:2] == ("accepted", "current") and seen["xlsx"][2] == 5
    assert [f[0] for f in seen["xlsx"][3]] == ["input-wrong-type"]  # the =1/0 typed into one input
    current, tasks = seen["xlsx"][4]
    pboc = "中国人民银行宜昌市中心支行"
    assert {i: json.loads(rows[0][1]) for i, rows in current.items()} == {
        "npl_rate": 0.028, "fin_major_risk": False, "fin_cases_closed": 1234, "fin_cases_pending_prev": 300, "xinyidai_amount": 12000,
    }  # fmt: skip
    states = {item: (status, note) for unit, item, status, note in tasks if unit == pboc}
    assert {v for v in states.values() if v != ("未开始", "")} == {("已完成", "材料已报"), ("推进中", "")}
    for case in ("ods", "xls", "et"):
        assert seen[case] == seen["xlsx"], case


@pytest.mark.oracle
def test_a_resaved_file_without_its_identity_names_its_format(saved: Saved, tmp_path: Path) -> None:
    good = tmp_path / "good.xlsx"
    project_source = outgoing(copy_project(saved.project, tmp_path / "源"), HR)
    fill_openpyxl(project_source, good, {"cs_total": 13650})
    cases = {
        "无标识.ods": (saved.files["ods-no-identity"], "OpenDocument 表格（.ods）"),
        "无标识.xls": (saved.files["xls-no-identity"], "Excel 97-2003 工作簿（.xls）"),
        "自制.ods": (saved.files["ods-plain"], "OpenDocument 表格（.ods）"),
        "自制.et": (saved.files["xls-plain"], "WPS 表格文件（.et，实为 .xls 格式）"),
    }
    _, summary = consolidated(saved, tmp_path / "batch", {"人社局.xlsx": good, **{n: p for n, (p, _) in cases.items()}})
    by_name = {o.name: o for o in summary.outcomes}
    assert by_name["人社局.xlsx"].status == "accepted"
    for name, (_, what) in cases.items():
        got = by_name[name]
        assert (got.status, [f.code for f in got.findings]) == ("rejected", ["file-not-xlsx"]), name
        message = got.findings[0].message
        assert what in message and "识别标识" in message and "另存为" in message and "（.xlsx）" in message, message


@pytest.mark.oracle
def test_password_protected_saves_are_refused_as_encrypted(saved: Saved) -> None:
    for case in ("ods-password", "xls-password"):
        ((code, message),) = refusal(saved.files[case].read_bytes())
        assert code == "file-not-xlsx" and "加密" in message and "去掉密码" in message, message


# ---------------------------------------------------------------- built by hand: encryption, damage


def test_an_xls_with_a_filepass_record_is_refused_as_encrypted() -> None:
    filepass = record(0x002F, struct.pack("<HHH", 1, 1, 1) + bytes(48))
    ((code, message),) = refusal(xls_file(biff_stream({"数据填报": [(0, 0, 1.0)]}, head=filepass)))
    assert code == "file-not-xlsx" and "加密的 Excel 文件" in message and "去掉密码" in message


def good_xls(rows: int = 2000) -> bytes:
    cells = [(r, 1, float(r)) for r in range(rows)]
    return xls_file(biff_stream({"数据填报": cells}, [name_record("x", ref3d(0, 3, 5))]))


def patched(data: bytes, offset: int, fmt: str, *values: int) -> bytes:
    out = bytearray(data)
    struct.pack_into(fmt, out, offset, *values)
    return bytes(out)


def entry_field(data: bytes, entry: int, offset: int) -> int:
    """Where a directory entry's field is in the file (the directory sector named by the header)."""
    directory = struct.unpack_from("<I", data, 48)[0]
    return (directory + 1) * 512 + 128 * entry + offset


def fat_loop(data: bytes) -> bytes:
    """The stream's second sector leads back to its first (the FAT is sector 0, right after the header)."""
    first = struct.unpack_from("<I", data, entry_field(data, 1, 116))[0]
    return patched(data, 512 + 4 * (first + 1), "<I", first)


def difat_loop(data: bytes) -> bytes:
    """The header claims 200 FAT sectors, the rest listed by a DIFAT sector (5) naming itself next."""
    out = patched(data, 44, "<I", 200)
    out = patched(out, 68, "<II", 5, 1)
    return patched(out, 512 * 6 + 508, "<I", 5)


DAMAGED = {
    "truncated": lambda: good_xls()[:3000],
    "header-junk": lambda: good_xls()[:8] + bytes(range(256)) * 2,
    "fat-loop": lambda: fat_loop(good_xls()),
    "difat-loop": lambda: difat_loop(good_xls(rows=7000)),
    "directory-loop": lambda: patched(good_xls(), entry_field(good_xls(), 1, 72), "<I", 1),  # its own sibling
    "sector-out-of-range": lambda: patched(good_xls(), entry_field(good_xls(), 1, 116), "<I", 0x00FF_0000),
    "record-past-stream": lambda: xls_file(biff_stream({"S": []}, [struct.pack("<HH", 0x0018, 0xFFFF)])),
    "sheet-offset-past-stream": lambda: xls_file(
        patched(biff_stream({"S": []}), len(bof(0x0005)) + 4, "<I", 0x7FFF_FFFF)
    ),
    "name-longer-than-record": lambda: xls_file(
        biff_stream({"S": []}, [record(0x0018, struct.pack("<HBBHHH", 0, 0, 200, 0, 0, 0) + bytes(5) + b"ab")])
    ),
    "mulrk-columns-reversed": lambda: xls_file(
        biff_stream({"S": []}).replace(bof(0x0010), bof(0x0010) + record(0x00BD, struct.pack("<HHIHH", 0, 9, 0, 0, 3)))
    ),
}


@pytest.mark.parametrize("case", DAMAGED, ids=list(DAMAGED))
def test_a_damaged_xls_is_refused_as_damaged(case: str) -> None:
    problems = refusal(DAMAGED[case]())
    assert [code for code, _ in problems] == ["file-damaged"], problems
    assert "损坏" in problems[0][1]


def test_the_hand_built_xls_is_read(tmp_path: Path) -> None:
    """The base of the damaged cases is a good file: only the damage refuses them (here, for want
    of an identity, as a plain spreadsheet)."""
    compound = Compound(good_xls())
    assert set(compound.top_level()) == {"Workbook"}
    assert biff.read_globals(compound.read(compound.top_level()["Workbook"])).names == {"x": "'数据填报'!$F$4"}
    ((code, message),) = refusal(good_xls())
    assert code == "file-not-xlsx" and "Excel 97-2003 工作簿（.xls）" in message


def test_damaged_and_refused_resaved_files_leave_the_batch_going(_generated_national: Path, tmp_path: Path) -> None:
    project = copy_project(_generated_national, tmp_path / "项目")
    fill_openpyxl(outgoing(project, HR), project.inbox / "人社局.xlsx", {"cs_total": 13650})
    for case in ("truncated", "fat-loop", "directory-loop"):
        (project.inbox / f"{case}.xls").write_bytes(DAMAGED[case]())
    (project.inbox / "宏.ods").write_bytes(ods_bytes({"S": [[1]]}, members={"Basic/Standard/Module1.xml": b"<x/>"}))
    summary = consolidate(project, now=WHEN)
    codes = {o.name: (o.status, [f.code for f in o.findings]) for o in summary.outcomes}
    assert codes == {
        "人社局.xlsx": ("accepted", []),
        "truncated.xls": ("rejected", ["file-damaged"]),
        "fat-loop.xls": ("rejected", ["file-damaged"]),
        "directory-loop.xls": ("rejected", ["file-damaged"]),
        "宏.ods": ("rejected", ["file-macro"]),
    }


# ---------------------------------------------------------------- .ods by hand: what content decides


def test_what_a_zip_is_its_content_says_not_its_name(_generated_national: Path, tmp_path: Path) -> None:
    """An .xlsx named .ods is the .xlsx it is; a text document named .ods is no spreadsheet."""
    project = copy_project(_generated_national, tmp_path / "项目")
    fill_openpyxl(outgoing(project, HR), project.inbox / "人社局.ods", {"cs_total": 13650})
    (project.inbox / "说明.ods").write_bytes(ods_bytes({}, mimetype="application/vnd.oasis.opendocument.text"))
    (project.inbox / "自制.ods").write_bytes(ods_bytes({"Sheet1": [["不良贷款率", 0.02]]}))
    summary = consolidate(project, now=WHEN)
    by_name = {o.name: o for o in summary.outcomes}
    assert (by_name["人社局.ods"].status, by_name["人社局.ods"].values) == ("accepted", 1)
    text = by_name["说明.ods"].findings
    assert [f.code for f in text] == ["file-not-xlsx"] and "不是表格" in text[0].message
    plain = by_name["自制.ods"].findings
    assert [f.code for f in plain] == ["file-not-xlsx"] and "OpenDocument 表格（.ods）" in plain[0].message


def test_an_ods_is_read_with_its_names_and_error_cells() -> None:
    data = ods_bytes(
        {"封面": [["说明"]], "数据填报": [["a", 1.5], ["b", Err("#DIV/0!")]]},
        {"one": "$数据填报.$B$1", "two": "$'数据填报'.$B$1:.$B$2"},
        extra='<table:named-expressions><table:named-range table:name="x" table:cell-range-address="$x.$A$1"/>'
        "</table:named-expressions>",
    )
    got = parse_workbook(data, sheets=("数据填报",))
    assert got.sheets == ["封面", "数据填报"]
    assert got.defined == {"one": "'数据填报'!$B$1", "two": "'数据填报'!$B$1:$B$2", "x": "x!$A$1"}
    assert {k: (c.value, c.kind) for k, c in got.cells["数据填报"].items()} == {
        "A1": ("a", "s"), "B1": (1.5, "n"), "A2": ("b", "s"), "B2": ("#DIV/0!", "e"),
    }  # fmt: skip


ROW = "<table:table-row>"
ODS_REFUSED = {
    "macro": (ods_bytes({"S": [[1]]}, members={"Basic/Standard/Module1.xml": b"<x/>"}), "file-macro"),
    "dde": (ods_bytes({"S": [[1]]}, extra="<table:dde-links/>"), "file-external-link"),
    "doctype": (
        ods_bytes({"S": [[1]]}, patch=("<office:document-content", "<!DOCTYPE x><office:document-content")),
        "file-unsafe-xml",
    ),  # fmt: skip
    "repeat-bomb": (
        ods_bytes(
            {"S": [[1]]},
            patch=(
                '<table:table-row><table:table-cell office:value-type="float"',
                '<table:table-row table:number-rows-repeated="200">'
                '<table:table-cell table:number-columns-repeated="16384" office:value-type="float"',
            ),
        ),
        "file-too-large",
    ),
    "repeat-nonsense": (
        ods_bytes({"S": [[1]]}, patch=(ROW, '<table:table-row table:number-rows-repeated="-3">')),
        "file-damaged",
    ),  # fmt: skip
    "nested-table": (ods_bytes({"S": [[1]]}, patch=(ROW, ROW + '<table:table table:name="n"/>')), "file-damaged"),
    "encrypted": (ods_bytes({"S": [[1]]}, manifest_extra="<manifest:encryption-data/>"), "file-not-xlsx"),
    "not-xml": (ods_bytes({"S": [[1]]}, patch=("</office:body>", "</office:bod>")), "file-damaged"),
}


@pytest.mark.parametrize("case", ODS_REFUSED, ids=list(ODS_REFUSED))
def test_an_ods_is_checked_like_an_xlsx(case: str) -> None:
    data, code = ODS_REFUSED[case]
    assert [c for c, _ in refusal(data)] == [code]


# ---------------------------------------------------------------- references: table and property

ODS_REFS = [
    ("$数据填报.$F$7", "'数据填报'!$F$7"),
    ("$'a b'.$D$4:.$D$9", "'a b'!$D$4:$D$9"),
    ("Sheet1.A1", "Sheet1!A1"),
    ("$Sheet1.$a$1:$Sheet1.B$2", "Sheet1!$A$1:B$2"),
    ("$'it''s'.$A$1", "'it''s'!$A$1"),
    ("$任务清单.$1:.$2", "'任务清单'!$1:$2"),
    ("$S.$A$1:$T.$B$2", "'S:T'!$A$1:$B$2"),
    ("$S.$A:.$C", "S!$A:$C"),
    ("garbage", biff.UNREAD),
    ("$S.$A$1:", biff.UNREAD),
    ("$S.", biff.UNREAD),
    ("$S.$A$1 $S.$B$2", biff.UNREAD),
    ("$'unclosed.$A$1", biff.UNREAD),
]


@pytest.mark.parametrize(("address", "ref"), ODS_REFS)
def test_ods_addresses_read_as_xlsx_references(address: str, ref: str) -> None:
    assert ods_ref(address) == ref


SHEETS = ["封面", "数据填报", "a b", "it's"]
XTIS = [(0, 1, 1), (0, 2, 2), (0, 3, 3), (1, 0, 0), (0, 9, 9), (0, 1, 2)]
BIFF_REFS = [
    (ref3d(0, 6, 5), "'数据填报'!$F$7"),
    (ref3d(1, 0, 0xC000 | 3), "'a b'!D1"),
    (ref3d(2, 3, 0x4000 | 1), "'it''s'!B$4"),
    (area3d(0, 3, 8, 3, 3), "'数据填报'!$D$4:$D$9"),
    (area3d(0, 0, 0xFFFF, 2, 4), "'数据填报'!$C:$E"),
    (area3d(0, 0, 1, 0, 0xFF), "'数据填报'!$1:$2"),
    (ref3d(5, 0, 0), "'数据填报:a b'!$A$1"),
    (ref3d(3, 0, 0), biff.UNREAD),  # another workbook (SUPBOOK 1 is external)
    (ref3d(4, 0, 0), biff.UNREAD),  # no such sheet
    (ref3d(6, 0, 0), biff.UNREAD),  # no such XTI
    (struct.pack("<BHHH", 0x3C, 0, 0, 0), biff.UNREAD),  # ptgRefErr3d
    (ref3d(0, 0, 0) + b"\x03", biff.UNREAD),  # two tokens
    (b"\x1e\x01\x00", biff.UNREAD),  # a number
]


@pytest.mark.parametrize(("rgce", "ref"), BIFF_REFS)
def test_biff_name_formulas_read_as_xlsx_references(rgce: bytes, ref: str) -> None:
    assert biff.formula_ref(rgce, SHEETS, XTIS, ["self", "external"]) == ref


BMP = {"max_codepoint": 0xFFFF, "blacklist_categories": ("Cs", "Cc")}  # a NAME or BOUNDSHEET counts UTF-16 units
sheet_names = st.text(st.characters(blacklist_characters="[]:*?/\\", **BMP), min_size=1, max_size=12).filter(
    lambda s: s.strip("'") == s  # Excel refuses a name starting or ending with a quote
)
cells = st.tuples(st.integers(0, 65534), st.integers(1, 254), st.booleans(), st.booleans())  # no whole rows or columns


def xlsx_cell(row: int, col: int, abs_row: bool, abs_col: bool) -> str:
    return ("$" if abs_col else "") + biff.column_letters(col) + ("$" if abs_row else "") + str(row + 1)


def flagged(col: int, abs_row: bool, abs_col: bool) -> int:
    return col | (0 if abs_row else 0x8000) | (0 if abs_col else 0x4000)


@given(sheet_names, cells, st.one_of(st.none(), cells))
def test_one_reference_reads_alike_from_ods_and_biff(name: str, first: tuple, second: tuple | None) -> None:
    """The same reference, as LibreOffice writes it in content.xml and in a NAME record, reads as the
    same .xlsx reference, which normalises to the sheet name and the cells."""
    where = xlsx_cell(*first) + (f":{xlsx_cell(*second)}" if second else "")
    ods_where = "." + xlsx_cell(*first) + (f":.{xlsx_cell(*second)}" if second else "")
    if second:
        rgce = area3d(0, first[0], second[0], flagged(*first[1:]), flagged(*second[1:]))
    else:
        rgce = ref3d(0, first[0], flagged(*first[1:]))
    from_biff = biff.read_globals(biff_stream({name: []}, [name_record("名称", rgce)])).names["名称"]
    from_ods = ods_ref("$'" + name.replace("'", "''") + "'" + ods_where)
    assert from_ods == from_biff
    assert norm_ref(from_ods) == f"{name.replace(chr(39), '')}!{where}"


@given(st.lists(st.tuples(st.text(st.characters(**BMP), min_size=1, max_size=20), st.booleans()), min_size=1, max_size=8, unique_by=lambda t: t[0]))  # fmt: skip
def test_names_latin1_or_utf16_local_or_global_read_back(names: list[tuple[str, bool]]) -> None:
    """NAME records with compressed (Latin-1) or UTF-16 names: the workbook-level ones read back,
    the sheet-level ones are left out as .xlsx reading leaves them out."""
    records = [name_record(n, ref3d(0, k, k), itab=1 if local else 0) for k, (n, local) in enumerate(names)]
    got = biff.read_globals(biff_stream({"S": []}, records)).names
    assert got == {n: f"S!${biff.column_letters(k)}${k + 1}" for k, (n, local) in enumerate(names) if not local}


def test_built_in_names_get_the_xlnm_prefix() -> None:
    records = [
        name_record("\x06", area3d(0, 0, 9, 0, 3), builtin=True),
        name_record("\x0d", ref3d(0, 0, 0), builtin=True),
    ]
    assert biff.read_globals(biff_stream({"S": []}, records)).names == {
        "_xlnm.Print_Area": "S!$A$1:$D$10",
        "_xlnm._FilterDatabase": "S!$A$1",
    }


def test_a_large_stream_round_trips_through_the_compound_writer() -> None:
    """Past 109 FAT sectors the writer needs DIFAT sectors; the reader follows them."""
    data = bytes(range(256)) * (8 * 1024 * 4)  # 8 MiB: 16,384 sectors, 129 FAT sectors
    compound = Compound(single_stream("Workbook", data))
    assert compound.read(compound.top_level()["Workbook"]) == data
    small = Compound(single_stream("Workbook", b"x" * 100))
    assert small.read(small.top_level()["Workbook"])[:100] == b"x" * 100


def test_a_small_stream_is_read_from_the_mini_stream() -> None:
    """A stream under 4096 bytes lives in the mini stream: its chain is in the mini FAT, its sectors
    (64 bytes) in the root entry's stream. Sectors: 0 FAT, 1 directory, 2 mini FAT, 3 mini stream."""
    end, free, nostream = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFF
    data = bytes(range(100))
    fat = struct.pack("<4I", 0xFFFFFFFD, end, end, end) + struct.pack("<I", free) * 124
    minifat = struct.pack("<2I", 1, end) + struct.pack("<I", free) * 126
    entries = b""
    for name, kind, child, start, size in (("Root Entry", 5, 1, 3, 128), ("Workbook", 2, nostream, 0, len(data))):
        encoded = (name + "\0").encode("utf-16-le")
        entries += struct.pack("<64sHBBIII16sIQQIQ", encoded, len(encoded), kind, 1, nostream, nostream, child, b"", 0, 0, 0, start, size)  # fmt: skip
    entries = entries.ljust(512, b"\0")
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16) + struct.pack("<HHHHH6x", 0x3E, 3, 0xFFFE, 9, 6)
    header += struct.pack("<9I", 0, 1, 1, 0, 4096, 2, 1, end, 0) + struct.pack("<I", 0) + struct.pack("<I", free) * 108
    compound = Compound(header + fat + entries + minifat + data.ljust(512, b"\0"))
    assert compound.read(compound.top_level()["Workbook"]) == data
    looped = minifat.replace(struct.pack("<2I", 1, end), struct.pack("<2I", 0, end), 1)  # mini sector 0 leads to itself
    broken = Compound(header + fat + entries + looped + data.ljust(512, b"\0"))
    with pytest.raises(Refused):
        broken.read(broken.top_level()["Workbook"])


SMALL_XLS = good_xls(rows=60)
SMALL_ODS = ods_bytes({"数据填报": [["a", 1.5], [Err("#N/A"), "文本"]], "S2": [[2]]}, {"x": "$数据填报.$B$1"})


@given(st.lists(st.tuples(st.integers(0, len(SMALL_XLS) - 1), st.integers(0, 255)), min_size=1, max_size=12))
def test_any_byte_changed_in_an_xls_is_read_or_refused_never_a_traceback(changes: list[tuple[int, int]]) -> None:
    """Whatever a damaged file holds, the reading ends in a finding (or a reading), never an exception."""
    data = bytearray(SMALL_XLS)
    for pos, value in changes:
        data[pos] = value
    try:
        parse_workbook(bytes(data), sheets=("数据填报",))
    except (Refused, TooLarge):
        pass


@given(st.lists(st.tuples(st.integers(0, 2000), st.sampled_from(list("0129\"'<>/=:$. x"))), min_size=1, max_size=8))
def test_any_character_changed_in_an_ods_is_read_or_refused_never_a_traceback(changes: list[tuple[int, str]]) -> None:
    with zipfile.ZipFile(io.BytesIO(SMALL_ODS)) as z:
        content = z.read("content.xml").decode()
    for pos, char in changes:
        pos %= len(content)
        content = content[:pos] + char + content[pos + 1 :]
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(SMALL_ODS)) as z, zipfile.ZipFile(out, "w") as w:
        for info in z.infolist():
            w.writestr(info.filename, content.encode() if info.filename == "content.xml" else z.read(info))
    try:
        parse_workbook(out.getvalue(), sheets=("数据填报",))
    except (Refused, TooLarge):
        pass
