"""The zip-level pre-scan every returned file passes before any parser sees it.

Returned files are untrusted (docs/design.md): python-calamine aborts the process on a zip bomb, openpyxl
grows to gigabytes, and both open macro and DDE-link files without a word. So the container is
inspected first, from the zip directory and a capped streaming read, and a file that is not a plain
workbook of sane size never reaches a parser.

The streaming read inflates every part up to the cap whatever its header declares (a bomb can
declare a small size), and looks for a DOCTYPE/ENTITY declaration anywhere in a part, in UTF-8 or
UTF-16. Nothing a file contains may end the run: whatever goes wrong while reading it is a finding
about that file.
"""

from __future__ import annotations

import copy
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

MAX_PART_BYTES = 32 * 1024 * 1024  # one XML part, uncompressed
MAX_TOTAL_BYTES = 128 * 1024 * 1024  # all parts together
MAX_RATIO = 200.0  # uncompressed / compressed for a part larger than 1 MiB
MAX_PARTS = 2_000
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and encrypted OOXML (an OLE container)
ZIP_MAGIC = b"PK\x03\x04"

# part name pattern -> (finding code, Chinese description)
ACTIVE_CONTENT = [
    (re.compile(r"(^|/)vbaProject\.bin$", re.I), "file-macro", "包含宏（VBA）"),
    (re.compile(r"^xl/macrosheets/", re.I), "file-macro", "包含宏表（Excel 4.0 宏）"),
    (re.compile(r"^xl/externalLinks/", re.I), "file-external-link", "包含外部链接（可能是 DDE 或指向其他文件）"),
    (re.compile(r"^xl/connections\.xml$", re.I), "file-external-link", "包含数据连接"),
    (re.compile(r"^xl/activeX/", re.I), "file-active-content", "包含 ActiveX 控件"),
    (re.compile(r"^xl/embeddings/", re.I), "file-active-content", "包含嵌入对象"),
    (re.compile(r"^customUI/|^customUI14?\.xml$|/customUI", re.I), "file-active-content", "包含自定义界面（customUI）"),
]
_DTD_WORDS = ("<!DOCTYPE", "<!ENTITY")
_DTD = re.compile(
    b"|".join(re.escape(w.encode(enc)) for w in _DTD_WORDS for enc in ("ascii", "utf-16-le", "utf-16-be")), re.I
)
_OVERLAP = 32  # bytes kept from the previous chunk, so a declaration split between two chunks is still seen
# parts never parsed as XML (an SVG picture may carry a harmless DOCTYPE); every other part is searched,
# whatever its name, since a sheet can be stored under any name its relationship gives
_NOT_XML = re.compile(r"\.(png|jpe?g|gif|bmp|tiff?|emf|wmf|svg|bin)$", re.I)


@dataclass
class Problem:
    code: str
    message: str


@dataclass
class Prescan:
    ok: bool
    problems: list[Problem] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)


def _kind_of(head: bytes, path: Path) -> str:
    if head.startswith(ZIP_MAGIC):
        return "zip"
    if head.startswith(OLE_MAGIC):
        return "ole"
    return "other"


def prescan(path: Path) -> Prescan:
    """Inspect the container; `ok` is False when the file must not be parsed at all."""
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        return Prescan(False, [Problem("file-unreadable", f"文件无法读取：{exc.strerror or exc}")])
    if not head:
        return Prescan(False, [Problem("file-damaged", "文件是空的（0 字节），可能保存或传输没有完成；请重新报送")])
    kind = _kind_of(head, path)
    if kind == "ole":
        return Prescan(
            False,
            [Problem("file-not-xlsx", "这是加密的 Excel 文件或旧版 .xls 文件；请去掉密码并另存为 .xlsx 后重新报送")],
        )
    if kind != "zip":
        what = "CSV 或文本文件" if path.suffix.lower() in (".csv", ".txt") else "不是 Excel 工作簿"
        return Prescan(False, [Problem("file-not-xlsx", f"{what}；请使用下发的任务分解表（.xlsx）填报")])
    try:
        archive = zipfile.ZipFile(path)
    except Exception:  # noqa: BLE001 - a zip directory that cannot be read is a damaged file, whatever the error
        return Prescan(False, [Problem("file-damaged", "文件已损坏（不是完整的 .xlsx），请重新保存后报送")])
    with archive:
        infos = archive.infolist()
        names = [i.filename for i in infos]
        problems: list[Problem] = []
        if len(infos) > MAX_PARTS:
            return Prescan(False, [Problem("file-too-large", f"文件包含 {len(infos)} 个部件，超过上限")], names)
        unsafe = [n for n in names if unsafe_member(n)]
        if unsafe:
            shown = "、".join(n[:60] for n in unsafe[:3])
            return Prescan(False, [Problem("file-unsafe-zip", f"文件中有不安全的部件名（{shown}），疑似被特意构造，未读取")], names)
        if len(set(names)) != len(names):
            return Prescan(False, [Problem("file-unsafe-zip", "文件中有重名的部件（文件已损坏或被特意构造），未读取")], names)
        if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
            return Prescan(False, [Problem("file-not-xlsx", "不是 Excel 工作簿（缺少工作簿结构）")], names)
        for pattern, code, text in ACTIVE_CONTENT:
            if any(pattern.search(n) for n in names):
                problems.append(Problem(code, f"文件{text}，出于安全考虑未读取"))
        if any(i.flag_bits & 0x1 for i in infos):
            problems.append(Problem("file-not-xlsx", "文件内容已加密，请去掉密码后重新报送"))
        declared = sum(i.file_size for i in infos)
        for info in infos:  # one size finding per file: the first part that is too large, else the total
            if info.file_size > MAX_PART_BYTES or (
                info.file_size > 1048576 and info.file_size / max(info.compress_size, 1) > MAX_RATIO
            ):
                size = f"解压后 {info.file_size // 1048576} MB"
                if info.file_size <= MAX_PART_BYTES:
                    size += f"，压缩比 {info.file_size // max(info.compress_size, 1)} 倍"
                problems.append(Problem("file-too-large", f"部件 {info.filename} {size}（疑似压缩炸弹）"))
                break
        else:
            if declared > MAX_TOTAL_BYTES:
                problems.append(Problem("file-too-large", f"文件解压后声明大小 {declared // 1048576} MB，超过上限"))
        if not problems:
            problems += _scan_parts(archive, infos)
        return Prescan(not problems, problems, names)


def _scan_parts(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> list[Problem]:
    """Inflate every part with a hard cap on what is actually inflated, whatever its header declares."""
    total = 0
    for info in infos:
        # the header's size is what zipfile would stop at: read past it, up to the cap, to see the truth
        capped = copy.copy(info)
        capped.file_size = MAX_PART_BYTES + 1
        seen = 0
        tail = b""
        try:
            with archive.open(capped) as fh:
                xml = not _NOT_XML.search(info.filename)
                chunk = fh.read(65536)
                while chunk:
                    seen += len(chunk)
                    total += len(chunk)
                    if seen > info.file_size:
                        return [
                            Problem(
                                "file-too-large",
                                f"部件 {info.filename} 实际解压后大于文件声明的大小（{info.file_size} 字节），疑似压缩炸弹",
                            )
                        ]
                    if total > MAX_TOTAL_BYTES:
                        return [Problem("file-too-large", f"文件实际解压后超过 {MAX_TOTAL_BYTES // 1048576} MB 上限")]
                    window = tail + chunk
                    # "<!" in UTF-8 or UTF-16 (either order contains "<\0!"): rare, so the search seldom runs
                    if xml and (b"<!" in window or b"<\x00!" in window) and _DTD.search(window):
                        return [
                            Problem(
                                "file-unsafe-xml",
                                f"部件 {info.filename} 含有 DOCTYPE/ENTITY 声明（可能是实体扩展攻击）",
                            )
                        ]
                    tail = window[-_OVERLAP:]
                    chunk = fh.read(65536)
        except Exception:  # noqa: BLE001 - bad CRC, broken deflate data, a truncated part: all one finding
            return [Problem("file-damaged", f"部件 {info.filename} 已损坏")]
        if seen != info.file_size:
            return [Problem("file-damaged", f"部件 {info.filename} 的实际大小与声明不符（文件已损坏）")]
    return []


def unsafe_member(name: str) -> bool:
    """A part name no office suite writes and an extracting tool could follow out of its folder:
    absolute (/x, C:x), with a `..` step, or with a backslash (a path separator on Windows)."""
    return (
        name.startswith("/")
        or "\\" in name
        or re.match(r"[A-Za-z]:", name) is not None
        or ".." in name.split("/")
    )
