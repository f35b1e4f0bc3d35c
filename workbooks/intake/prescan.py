"""The zip-level pre-scan every returned file passes before any parser sees it.

Returned files are untrusted (docs/design.md): python-calamine aborts the process on a zip bomb, openpyxl
grows to gigabytes, and both open macro and DDE-link files without a word. So the container is
inspected first, from the zip directory and a capped streaming read, and a file that is not a plain
workbook of sane size never reaches a parser.

The streaming read inflates every part up to the cap whatever its header declares (a bomb can
declare a small size), and looks for a DOCTYPE/ENTITY declaration anywhere in a part, in UTF-8 or
UTF-16. Nothing a file contains may end the run: whatever goes wrong while reading it is a finding
about that file. The reader (intake.reader.parse_workbook) applies these checks in the same pass as
its parse: the directory first, then every chunk of every part before a parser sees it.
"""

from __future__ import annotations

import copy
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

MAX_PART_BYTES = 32 * 1024 * 1024  # one XML part, uncompressed
MAX_TOTAL_BYTES = 128 * 1024 * 1024  # all parts together
MAX_RATIO = 200.0  # uncompressed / compressed for a part larger than 1 MiB
MAX_PARTS = 2_000
CHUNK = 1 << 18  # bytes inflated at a time
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
ODS_ACTIVE_CONTENT = [  # an OpenDocument spreadsheet's macro libraries (LibreOffice Basic, scripts)
    (re.compile(r"^Basic/", re.I), "file-macro", "包含宏（Basic）"),
    (re.compile(r"^Scripts/", re.I), "file-macro", "包含宏（脚本）"),
]
STRUCTURE = {  # kind -> (parts it must have, active content patterns, what a file without those parts is)
    "xlsx": ({"[Content_Types].xml", "xl/workbook.xml"}, ACTIVE_CONTENT, "不是 Excel 工作簿（缺少工作簿结构）"),
    "ods": ({"content.xml"}, ODS_ACTIVE_CONTENT, "不是完整的 OpenDocument 表格（缺少 content.xml），请重新保存后报送"),
}
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


class Refused(Exception):
    """Raised while reading: the pre-scan's verdict, the file must not be parsed (or the rest of it not)."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("；".join(p.message for p in problems))
        self.problems = problems


SUFFIX_ADVICE = {  # what a file's suffix says before its content is looked at: (code, what to do)
    ".rar": ("file-archive", "这是 RAR 压缩包，工具不会打开它；请解压后把其中的任务分解表（.xlsx）放入回收文件夹"),
    ".7z": ("file-archive", "这是 7z 压缩包，工具不会打开它；请解压后把其中的任务分解表（.xlsx）放入回收文件夹"),
}  # fmt: skip


def head_problem(head: bytes, suffix: str) -> Problem | None:
    """What the first bytes say of a file that cannot be read at all: empty, an archive the tool does
    not open, or neither a zip (.xlsx, .ods) nor an OLE container (.xls, an encrypted .xlsx: what
    intake.resaved reads or refuses by its content)."""
    if not head:
        return Problem("file-damaged", "文件是空的（0 字节），可能保存或传输没有完成；请重新报送")
    advice = SUFFIX_ADVICE.get(suffix.lower())
    if advice is not None:
        return Problem(advice[0], advice[1])
    if not head.startswith((ZIP_MAGIC, OLE_MAGIC)):
        what = "CSV 或文本文件" if suffix.lower() in (".csv", ".txt") else "不是 Excel 工作簿"
        return Problem("file-not-xlsx", f"{what}；请使用下发的任务分解表（.xlsx）填报")
    return None


def peek(source: str | bytes) -> tuple[bytes, str]:
    """A file's first bytes and its suffix ("" for bytes); Refused when it cannot be read at all
    (head_problem), or cannot be opened."""
    if isinstance(source, bytes):
        head, suffix = source[:8], ""
    else:
        suffix = Path(source).suffix
        try:
            with open(source, "rb") as fh:
                head = fh.read(8)
        except OSError as exc:
            raise Refused([Problem("file-unreadable", f"文件无法读取：{exc.strerror or exc}")]) from None
    problem = head_problem(head, suffix)
    if problem:
        raise Refused([problem])
    return head, suffix


def open_zip(source: str | bytes) -> zipfile.ZipFile:
    """The container opened for reading, from a path or from the file's bytes; Refused when its
    first bytes or its directory say it is not a zip that can be read (a path's suffix tells a CSV or
    text file apart in the message; the archive copy keeps the returned file's suffix)."""
    import io

    head, _ = peek(source)
    if head.startswith(OLE_MAGIC):  # read by intake.resaved, never as a zip
        message = "这是 .xls 或加密的 Excel 文件，不是 .xlsx；请另存为 .xlsx 后重新报送"
        raise Refused([Problem("file-not-xlsx", message)])
    try:
        return zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source)
    except Exception:  # noqa: BLE001 - a zip directory that cannot be read is a damaged file, whatever the error
        raise Refused([Problem("file-damaged", "文件已损坏（不是完整的 .xlsx），请重新保存后报送")]) from None


def bomb_like(info: zipfile.ZipInfo, cap: int) -> bool:
    """A member larger than `cap` inflated, or larger than 1 MiB at a compression ratio no office
    file reaches (what a zip bomb declares, when it declares honestly)."""
    return info.file_size > cap or (
        info.file_size > 1048576 and info.file_size / max(info.compress_size, 1) > MAX_RATIO
    )


def directory_problems(infos: list[zipfile.ZipInfo], kind: str = "xlsx") -> list[Problem]:
    """Everything the zip directory alone tells: part count and names, the workbook's structure,
    active content, encryption, and the sizes the parts declare. `kind`: "xlsx", or "ods" for an
    OpenDocument spreadsheet (its own structure and macro folders)."""
    names = [i.filename for i in infos]
    if len(infos) > MAX_PARTS:
        return [Problem("file-too-large", f"文件包含 {len(infos)} 个部件，超过上限")]
    unsafe = [n for n in names if unsafe_member(n)]
    if unsafe:
        shown = "、".join(n[:60] for n in unsafe[:3])
        return [Problem("file-unsafe-zip", f"文件中有不安全的部件名（{shown}），疑似被特意构造，未读取")]
    if len(set(names)) != len(names):
        return [Problem("file-unsafe-zip", "文件中有重名的部件（文件已损坏或被特意构造），未读取")]
    required, active, missing = STRUCTURE[kind]
    if not required <= set(names):
        return [Problem("file-not-xlsx", missing)]
    problems: list[Problem] = []
    for pattern, code, text in active:
        if any(pattern.search(n) for n in names):
            problems.append(Problem(code, f"文件{text}，出于安全考虑未读取"))
    if any(i.flag_bits & 0x1 for i in infos):
        problems.append(Problem("file-not-xlsx", "文件内容已加密，请去掉密码后重新报送"))
    for info in infos:  # one size finding per file: the first part that is too large, else the total
        if bomb_like(info, MAX_PART_BYTES):
            size = f"解压后 {info.file_size // 1048576} MB"
            if info.file_size <= MAX_PART_BYTES:
                size += f"，压缩比 {info.file_size // max(info.compress_size, 1)} 倍"
            problems.append(Problem("file-too-large", f"部件 {info.filename} {size}（疑似压缩炸弹）"))
            break
    else:
        declared = sum(i.file_size for i in infos)
        if declared > MAX_TOTAL_BYTES:
            problems.append(Problem("file-too-large", f"文件解压后声明大小 {declared // 1048576} MB，超过上限"))
    return problems


def part_chunks(archive: zipfile.ZipFile, info: zipfile.ZipInfo, total: list[int]) -> Iterator[bytes]:
    """A part inflated chunk by chunk, each chunk checked before it is handed on: never more than
    the part declares nor than the caps (whatever its header says: the read goes past the declared
    size to see the truth), and no DOCTYPE/ENTITY declaration in an XML part. `total`: the bytes
    inflated so far over the whole file, shared by its parts. Refused on the first problem."""
    # the header's size is what zipfile would stop at: read past it, up to the cap
    capped = copy.copy(info)
    capped.file_size = MAX_PART_BYTES + 1
    xml = not _NOT_XML.search(info.filename)
    seen, tail = 0, b""
    try:
        fh = archive.open(capped)
    except Exception:  # noqa: BLE001 - a part that cannot even be opened is damaged
        raise Refused([Problem("file-damaged", f"部件 {info.filename} 已损坏")]) from None
    with fh:
        while True:
            try:
                chunk = fh.read(CHUNK)
            except Exception:  # noqa: BLE001 - bad CRC, broken deflate data, a truncated part: all one finding
                raise Refused([Problem("file-damaged", f"部件 {info.filename} 已损坏")]) from None
            if not chunk:
                break
            seen += len(chunk)
            total[0] += len(chunk)
            if seen > info.file_size:
                message = f"部件 {info.filename} 实际解压后大于文件声明的大小（{info.file_size} 字节），疑似压缩炸弹"
                raise Refused([Problem("file-too-large", message)])
            if total[0] > MAX_TOTAL_BYTES:
                raise Refused([Problem("file-too-large", f"文件实际解压后超过 {MAX_TOTAL_BYTES // 1048576} MB 上限")])
            window = tail + chunk
            # "<!" in UTF-8 or UTF-16 (either order contains "<\0!"): rare, so the search seldom runs
            if xml and (b"<!" in window or b"<\x00!" in window) and _DTD.search(window):
                message = f"部件 {info.filename} 含有 DOCTYPE/ENTITY 声明（可能是实体扩展攻击）"
                raise Refused([Problem("file-unsafe-xml", message)])
            tail = window[-_OVERLAP:]
            yield chunk
    if seen != info.file_size:
        raise Refused([Problem("file-damaged", f"部件 {info.filename} 的实际大小与声明不符（文件已损坏）")])


def unsafe_member(name: str) -> bool:
    """A part name no office suite writes and an extracting tool could follow out of its folder:
    absolute (/x, C:x), with a `..` step, or with a backslash (a path separator on Windows)."""
    return (
        name.startswith("/")
        or "\\" in name
        or re.match(r"[A-Za-z]:", name) is not None
        or ".." in name.split("/")
    )
