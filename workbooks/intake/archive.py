"""Content hashes and the archive under 归档/: a file a user gave the tool is copied under its hash
(temporary name, then rename) before anything reads it, so it is never lost or half-copied."""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
from pathlib import Path

from ..project import Project


class NotRegular(OSError):
    """Not a regular file (a link, a device...): never read."""


def open_regular(path: Path):  # noqa: ANN201 - a binary file object
    """Open for reading only a regular file, never through a link (O_NOFOLLOW where the system has
    it, else an lstat check), so a link put in a file's place is refused, not followed."""
    if not hasattr(os, "O_NOFOLLOW") and not stat.S_ISREG(path.lstat().st_mode):
        raise NotRegular(f"不是普通文件：{path.name}")
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOFOLLOW", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotRegular(f"不是普通文件：{path.name}")
    except BaseException:
        os.close(fd)
        raise
    return os.fdopen(fd, "rb")


def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with open_regular(path) as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def archive_copy(project: Project, path: Path, digest: str, subfolder: str) -> str:
    """Copy `path` to 归档/<subfolder>/<digest><suffix> unless it is there; the path relative to the project."""
    folder = project.archive / subfolder
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{digest}{path.suffix.lower()}"
    if not target.exists():
        tmp = folder / f".{digest}.part"
        with open_regular(path) as src, tmp.open("wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        os.replace(tmp, target)
    return str(target.relative_to(project.root))
