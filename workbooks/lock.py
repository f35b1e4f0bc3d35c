"""One job at a time per project: consolidation and master writing both take this lock, and a
second run waits, then says who holds it."""

from __future__ import annotations

import fcntl
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from .project import Project

LOCK_FILE = ".consolidate.lock"
LOCK_WAIT = 60.0


class LockBusy(Exception):
    def __init__(self, holder: str) -> None:
        super().__init__(holder)
        self.holder = holder


@contextmanager
def project_lock(project: Project, wait: float | None = None) -> Iterator[None]:
    """One job at a time per project (consolidation, master writing); the second waits, then says who holds it."""
    path = project.archive / LOCK_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    fh = path.open("a+", encoding="utf-8")
    deadline = time.monotonic() + (LOCK_WAIT if wait is None else wait)
    try:
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    fh.seek(0)
                    raise LockBusy(fh.read().strip() or "另一个汇总进程") from None
                time.sleep(0.2)
        fh.seek(0)
        fh.truncate()
        fh.write(f"进程 {os.getpid()}（{socket.gethostname()}），开始于 {datetime.now():%Y-%m-%d %H:%M:%S}")
        fh.flush()
        yield
    finally:
        fh.close()
