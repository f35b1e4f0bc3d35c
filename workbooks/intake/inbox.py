"""What is in 回收/: the regular files to consolidate, in the order they arrived, and everything else.

Only regular files are read. A symbolic link (or a Windows shortcut target reached through one), a
device, a pipe or a socket in the inbox is listed as not regular and never opened, hashed or
archived: a link to a local file (say /etc/passwd) would otherwise be copied into the shared project
folder before anything could refuse it. What operating systems, Office and browsers leave in any
folder (Thumbs.db, desktop.ini, .DS_Store, `~$` and `.~lock…#` lock files, `.tmp`, unfinished
downloads) is clutter: skipped, counted, never a finding to act on. Nothing in the inbox is ever changed.

A name is shown as `readable` makes it: a file name that is not valid UTF-8 (GBK bytes left by a zip
made on Chinese Windows and unpacked on Linux, macOS or a NAS) reaches Python with the undecodable
bytes as surrogates, which no text file, console or SQLite column takes; each such byte is written
`\\xNN`, so the name is shown and recorded readably and nothing about it is lost.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from udfs.findings import Finding, Severity

SKIP_PREFIXES = ("~$", ".")  # Office lock files (~$, LibreOffice's .~lock…#), hidden files (.DS_Store, ._x)
CLUTTER_NAMES = frozenset({"thumbs.db", "desktop.ini", "ehthumbs.db", "icon\r"})  # compared in lower case
CLUTTER_SUFFIXES = (".tmp", ".crdownload", ".part", ".download", ".partial")  # temporary and unfinished files


@dataclass(frozen=True)
class Entry:
    path: Path
    mtime: float
    regular: bool
    kind: str  # 普通文件 | 符号链接 | 设备 | 管道 | 套接字 | 其他
    name: str  # as shown and recorded: its path under 回收/, readable
    clutter: bool = False  # left by the system, Office or a browser: skipped and only counted


def readable(name: str) -> str:
    """`name` as text every writer takes: undecodable bytes (surrogates) as `\\xNN`, the rest unchanged."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return name


def is_clutter(name: str) -> bool:
    lower = name.lower()
    return name.startswith(SKIP_PREFIXES) or lower in CLUTTER_NAMES or lower.endswith(CLUTTER_SUFFIXES)


def _kind(mode: int) -> str:
    if stat.S_ISREG(mode):
        return "普通文件"
    if stat.S_ISLNK(mode):
        return "符号链接"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "设备"
    if stat.S_ISFIFO(mode):
        return "管道"
    if stat.S_ISSOCK(mode):
        return "套接字"
    return "其他"


def scan(inbox: Path) -> list[Entry]:
    """Every entry under `inbox` (sub-folders included, links to folders not followed; a folder of
    clutter such as __MACOSX/ counted as clutter), oldest first; judged by lstat, so a link is a link
    whatever it points at."""
    out: list[Entry] = []
    for folder, dirs, files in os.walk(inbox, followlinks=False):
        hidden = any(
            part.startswith(SKIP_PREFIXES) or part == "__MACOSX" for part in Path(folder).relative_to(inbox).parts
        )
        for name in sorted(files) + sorted(d for d in dirs if os.path.islink(os.path.join(folder, d))):
            full = os.path.join(folder, name)
            try:
                st = os.lstat(full)
            except OSError:
                continue  # gone since the listing
            clutter, path = hidden or is_clutter(name), Path(full)
            regular, shown = stat.S_ISREG(st.st_mode) and not clutter, readable(str(path.relative_to(inbox)))
            out.append(Entry(path, st.st_mtime, regular, _kind(st.st_mode), shown, clutter))
    return sorted(out, key=lambda e: (e.mtime, e.path.name))


def present_names(inbox: Path, entries: list[Entry] | None = None) -> frozenset[str]:
    """The names (as shown) of the files in `inbox` now: a rejected file's findings end when it has left.
    `entries`: the inbox's listing, when the caller has it."""
    if entries is None:
        entries = scan(inbox) if inbox.is_dir() else []
    return frozenset(e.name for e in entries if not e.clutter)


def not_regular(e: Entry) -> Finding:
    return Finding(
        "file-not-regular", Severity.ERROR, f"“{e.name}”是{e.kind}，不是普通文件，未读取也未归档", file=e.name
    )


def clutter_finding(names: list[str]) -> Finding:
    """One line for every system or temporary file: counted, so nothing is hidden, never to act on."""
    shown = "、".join(names[:3]) + (" 等" if len(names) > 3 else "")
    message = f"回收文件夹中有 {len(names)} 个系统或临时文件（{shown}），不是单位报送的文件，已跳过"
    return Finding("inbox-clutter", Severity.INFO, message)


def inbox_findings(entries: list[Entry]) -> list[Finding]:
    """What the master says about 回收/ itself, whichever command writes it: links, devices and the
    like (never read), and the clutter counted in one line."""
    clutter = [e.name for e in entries if e.clutter]
    return [not_regular(e) for e in entries if not e.regular and not e.clutter] + (
        [clutter_finding(clutter)] if clutter else []
    )
