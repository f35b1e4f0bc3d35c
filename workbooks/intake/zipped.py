"""Returns that arrive as a .zip in 回收/ (a unit, or a county for its departments, sends several
workbooks in one archive): each workbook inside is consolidated as if it were in the inbox, its
name shown as `文件.zip!成员`.

The archive is as untrusted as any returned file, and opened under the same kind of guards before a
single member is taken out: its directory first (member count, names that could leave a folder:
absolute, `..`, backslashes; encrypted members; declared sizes and compression ratio), then each
member inflated chunk by chunk up to its cap whatever its header declares (a bomb can declare a
small size). A member is written under a neutral name (its index) in a scratch folder, never under
a name from the archive, and handed to the batch like an inbox file (hashed, archived under its
hash, read in a guarded worker). An archive inside the archive is not opened (one level only): it is
named, with the instruction to unpack it. Whatever is wrong with the archive is a finding on it and
the rest of the inbox goes on.

Member names: a zip made on Chinese Windows stores them in GBK without saying so (no UTF-8 flag),
which Python reads as cp437; such a name is decoded as UTF-8 or GB18030 when its bytes are valid in
one of them, else shown with its bytes escaped (inbox.readable), never guessed silently into nonsense.
"""

from __future__ import annotations

import os
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from udfs.findings import Findings

from .inbox import is_clutter, readable
from .prescan import CHUNK, bomb_like, unsafe_member

ZIP_SUFFIX = ".zip"
MAX_MEMBERS = 500  # workbooks in one archive; a city has about 60 units
MAX_MEMBER_BYTES = 64 * 1024 * 1024  # one member, inflated (a unit workbook is well under 1 MiB)
MAX_ARCHIVE_BYTES = 512 * 1024 * 1024  # all members together, inflated
ARCHIVE_SUFFIXES = (".zip", ".rar", ".7z")
UTF8_FLAG = 0x800
MEMBER = "!"  # a member is shown as `文件.zip!成员`


def container(name: str) -> str:
    """The name in 回收/ a shown name came from: the .zip for one of its members, else the name itself."""
    archive, sep, _member = name.partition(ZIP_SUFFIX + MEMBER)
    return archive + ZIP_SUFFIX if sep else name


@dataclass
class Unpacked:
    """One archive's members ready for the batch, and what was wrong with the archive or a member."""

    members: list[tuple[Path, str]] = field(default_factory=list)  # (scratch file, shown name)
    findings: Findings = field(default_factory=Findings)


def member_name(info: zipfile.ZipInfo) -> str:
    """The member's name as its maker wrote it: UTF-8 when flagged; otherwise the raw bytes as UTF-8
    or GB18030 if they are valid in one, else escaped."""
    if info.flag_bits & UTF8_FLAG:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:  # not a cp437 decoding: take it as given
        return info.filename
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return readable(raw.decode("utf-8", "surrogateescape"))


def unpack(archive: Path, shown: str, scratch: Path) -> Unpacked:
    """The workbooks in `archive` (shown as `shown`) written under neutral names in `scratch`, each
    with its mtime set to the archive's (its arrival), or the findings that say why not."""
    out = Unpacked()
    try:
        with zipfile.ZipFile(archive) as zf:
            infos = [i for i in zf.infolist() if not i.is_dir()]
            problem = _directory_problem(infos)
            if problem:
                out.findings.add(
                    "file-archive", f"压缩包{problem}，未打开；请解压后把其中的任务分解表放入回收文件夹", file=shown
                )
                return out
            when = archive.stat().st_mtime
            total = [0]
            for k, info in enumerate(infos):
                name = member_name(info)
                label = f"{shown}{MEMBER}{name}"
                if is_clutter(Path(name).name) or any(part == "__MACOSX" for part in name.split("/")):
                    continue
                if Path(name).suffix.lower() in ARCHIVE_SUFFIXES:
                    out.findings.add(
                        "file-archive", f"压缩包里又有压缩包（{name}），不再打开；请解压后放入回收文件夹", file=label
                    )
                    continue
                if info.flag_bits & 0x1:
                    out.findings.add(
                        "file-archive", f"压缩包中的“{name}”设了密码，无法打开；请去掉密码后重新发送", file=label
                    )
                    continue
                target = scratch / f"{k:05d}{Path(name).suffix.lower()}"
                why = _extract(zf, info, target, total)
                if why:
                    out.findings.add("file-archive", f"压缩包中的“{name}”{why}，未读取", file=label)
                    target.unlink(missing_ok=True)
                    continue
                os.utime(target, (when, when))
                out.members.append((target, label))
            if not out.members and not out.findings:
                out.findings.add("file-archive", "压缩包里没有可汇总的文件（是空的，或只有系统文件）", file=shown)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as exc:
        out.findings.add(
            "file-archive", f"压缩包已损坏或无法打开（{type(exc).__name__}），请重新打包发送或解压后放入", file=shown
        )
    return out


def _directory_problem(infos: list[zipfile.ZipInfo]) -> str:
    if len(infos) > MAX_MEMBERS:
        return f"里有 {len(infos)} 个文件，超过上限 {MAX_MEMBERS}"
    unsafe = [i.filename for i in infos if unsafe_member(i.filename)]
    if unsafe:
        return f"中有不安全的文件名（{'、'.join(n[:60] for n in unsafe[:3])}），疑似被特意构造"
    if sum(i.file_size for i in infos) > MAX_ARCHIVE_BYTES:
        return f"解压后声明大小超过 {MAX_ARCHIVE_BYTES // 1048576} MB"
    for i in infos:
        if bomb_like(i, MAX_MEMBER_BYTES):
            return f"中的“{member_name(i)}”解压后过大（疑似压缩炸弹）"
    return ""


def _extract(zf: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, total: list[int]) -> str:
    """Inflate one member into `target` chunk by chunk, never beyond its cap or the archive's: ""
    when done, else why it was stopped."""
    written = 0
    try:
        with zf.open(info) as src, open(target, "wb") as dst:
            while chunk := src.read(CHUNK):
                written += len(chunk)
                total[0] += len(chunk)
                if written > MAX_MEMBER_BYTES:
                    return "解压后过大（疑似压缩炸弹）"
                if total[0] > MAX_ARCHIVE_BYTES:
                    return "使压缩包解压后的总大小超过上限"
                dst.write(chunk)
    # a CRC or size mismatch, a truncated member, a compression method zipfile does not know
    except (zipfile.BadZipFile, EOFError, zlib.error, NotImplementedError) as exc:
        return f"已损坏（{type(exc).__name__}）"
    return ""
