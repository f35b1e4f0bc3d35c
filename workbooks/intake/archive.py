"""Content hashes and the archive under 归档/: a file a user gave the tool is copied under its hash
(temporary name, then rename) before anything reads it, so it is never lost or half-copied, and the
copy is on disk (fsync) before the ledger records the file.

A consolidation's copies go through an `Archive`: each file is read once (hash and copy from the
same bytes), the copy is renamed into place at once and made durable by a background thread while
the file is being read, and the ledger waits for those copies (`durable`) before it commits the
batch that names them. One fsync costs milliseconds, many times a file's reading, and it waits on
the disk, not the processor, so it overlaps with the reading instead of adding to it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from ..project import Project

IN_MEMORY = 16 * 1024 * 1024  # a file up to this size is read once into memory (every unit workbook is far below)


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


def read_small(path: Path) -> tuple[str, bytes | None]:
    """The file's hash and, if it is at most IN_MEMORY bytes, its content: one read serves both."""
    with open_regular(path) as fh:
        data = fh.read(IN_MEMORY + 1)
        if len(data) <= IN_MEMORY:
            return hashlib.sha256(data).hexdigest(), data
        h = hashlib.sha256(data)
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest(), None


def _intact(target: Path, digest: str) -> bool:
    """An earlier run's copy under this hash really is the file (a copy left by a run killed before it
    was made durable may be short after a power loss)."""
    try:
        return file_digest(target) == digest
    except OSError:
        return False


def _write(target: Path, digest: str, source: Path | bytes) -> None:
    """Copy to `target` through a temporary name unless an intact copy is there."""
    if target.exists() and _intact(target, digest):
        return
    tmp = target.with_name(f".{digest}.part")
    with tmp.open("wb") as dst:
        if isinstance(source, bytes):
            dst.write(source)
        else:
            with open_regular(source) as src:
                shutil.copyfileobj(src, dst, 1 << 20)
    os.replace(tmp, target)


def _sync(path: Path) -> None:
    with path.open("r+b") as fh:  # Windows flushes only a handle open for writing
        os.fsync(fh.fileno())


def sync_folder(folder: Path) -> None:
    """The renames themselves on disk, where the system allows a folder to be synced (not Windows,
    where the rename is durable with the file's metadata)."""
    if os.name == "nt":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def archive_copy(project: Project, path: Path, digest: str, subfolder: str) -> str:
    """Copy `path` to 归档/<subfolder>/<digest><suffix> unless it is there, durably; the path
    relative to the project."""
    folder = project.archive / subfolder
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{digest}{path.suffix.lower()}"
    _write(target, digest, path)
    _sync(target)  # a copy an interrupted run left is made durable too
    sync_folder(folder)
    return str(target.relative_to(project.root))


class Archive:
    """One run's copies into 归档/<subfolder>/: placed at once, made durable in the background;
    `durable()` returns once every copy placed so far is on disk."""

    def __init__(self, project: Project, subfolder: str) -> None:
        self.project = project
        self.folder = project.archive / subfolder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.syncing: list[Future[None]] = []
        self.threads = ThreadPoolExecutor(max_workers=1, thread_name_prefix="xinyong-archive")

    def put(self, path: Path, digest: str, data: bytes | None) -> str:
        """The file (its bytes when read already) under its hash; the path relative to the project."""
        target = self.folder / f"{digest}{path.suffix.lower()}"
        _write(target, digest, path if data is None else data)
        self.syncing.append(self.threads.submit(_sync, target))  # an interrupted run's copy too
        return str(target.relative_to(self.project.root))

    def durable(self) -> None:
        if not self.syncing:
            return
        for future in self.syncing:
            future.result()
        self.syncing = []
        sync_folder(self.folder)

    def close(self) -> None:
        self.threads.shutdown(wait=True)
