"""One job at a time per project: consolidation and master writing both take this lock, and a
second run waits, then says who holds it.

The lock is the operating system's (filelock: LockFileEx on Windows, flock elsewhere), so it goes with
its holder: a killed run never leaves a lock that keeps the next one out. Who holds it is written to a
file beside it, because Windows keeps a locked byte range unreadable to every other process."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import datetime
from pathlib import Path

from filelock import FileLock, Timeout

from .project import Project

LOCK_FILE = ".consolidate.lock"
HOLDER_FILE = f"{LOCK_FILE}.holder"
LOCK_WAIT = 60.0  # seconds a second run waits; read at call time
POLL = 0.2


class LockBusy(Exception):
    def __init__(self, holder: str) -> None:
        super().__init__(holder)
        self.holder = holder


def _description() -> str:
    return f"进程 {os.getpid()}（{socket.gethostname()}），开始于 {datetime.now():%Y-%m-%d %H:%M:%S}"


def _read_holder(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return ""


@contextmanager
def project_lock(project: Project, wait: float | None = None) -> Iterator[None]:
    """One job at a time per project (consolidation, master writing); the second waits, then says who holds it."""
    project.archive.mkdir(parents=True, exist_ok=True)
    holder = project.archive / HOLDER_FILE
    # Never filelock's soft lock, a marker file that outlives a killed holder: it refuses preserve_lock_file,
    # and a file system without flock fails as before instead of falling back to it.
    lock = FileLock(project.archive / LOCK_FILE, fallback_to_soft=False, preserve_lock_file=True)
    try:
        lock.acquire(timeout=max(0.0, LOCK_WAIT if wait is None else wait), poll_interval=POLL)
    except Timeout:
        raise LockBusy(_read_holder(holder) or "另一个汇总进程") from None
    try:
        holder.write_text(_description(), encoding="utf-8")
        yield
    finally:
        with suppress(OSError):  # removed while still held, so it never names a later holder
            holder.unlink()
        lock.release()
