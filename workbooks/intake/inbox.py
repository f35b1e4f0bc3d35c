"""What is in 回收/: the regular files to consolidate, in the order they arrived, and everything else.

Only regular files are read. A symbolic link (or a Windows shortcut target reached through one), a
device, a pipe or a socket in the inbox is listed as not regular and never opened, hashed or
archived: a link to a local file (say /etc/passwd) would otherwise be copied into the shared project
folder before anything could refuse it. Nothing in the inbox is ever changed.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

SKIP_PREFIXES = ("~$", ".")  # Office lock files, hidden files


@dataclass(frozen=True)
class Entry:
    path: Path
    mtime: float
    regular: bool
    kind: str  # 普通文件 | 符号链接 | 设备 | 管道 | 套接字 | 其他


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
    """Every entry under `inbox` (sub-folders included, links to folders not followed), oldest first;
    judged by lstat, so a link is a link whatever it points at."""
    out: list[Entry] = []
    for folder, dirs, files in os.walk(inbox, followlinks=False):
        for name in sorted(files) + sorted(d for d in dirs if os.path.islink(os.path.join(folder, d))):
            if name.startswith(SKIP_PREFIXES):
                continue
            full = os.path.join(folder, name)
            try:
                st = os.lstat(full)
            except OSError:
                continue  # gone since the listing
            out.append(Entry(Path(full), st.st_mtime, stat.S_ISREG(st.st_mode), _kind(st.st_mode)))
    return sorted(out, key=lambda e: (e.mtime, e.path.name))
