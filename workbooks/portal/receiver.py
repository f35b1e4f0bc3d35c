"""An upload, from the request to the ledger: stored in 回收/ under a name the portal makes, then
consolidated by the same `consolidate` as every other front end, and what intake made of it read
back from the ledger.

Durability first: the bytes are written to a hidden temporary file (the inbox listing skips it),
flushed to disk and renamed into place before the unit is told anything; a server killed after
that loses nothing (the next consolidation, from any front end, takes the file), and one killed
before it has acknowledged nothing, so the unit simply sends it again. Consolidations are
coalesced: every upload waiting when a run starts is taken by that run, so 200 uploads at once
cost a few runs, not 200, and the project lock keeps them in line with the command line and the
ribbon.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from udfs.findings import Finding

from ..intake.archive import sync_folder
from ..ledger import LEDGER_FILE, Ledger, as_finding
from ..lock import LockBusy
from ..project import Project, safe_name

UPLOAD_FOLDER = "网页上传"  # under 回收/: the portal's uploads, each under a name it made
SUFFIXES = (".xlsx", ".xlsm", ".xls", ".et", ".ods", ".zip")  # kept from the sender's name; anything else: .bin
MAX_BYTES = 32 * 1024 * 1024  # a unit workbook is well under 1 MB; a zip of a county's returns under this
RATE = (12, 600.0)  # uploads per link within this many seconds
LOCK_TRIES = 20  # a consolidation from the command line or the ribbon holds the lock meanwhile: try again


@dataclass
class Received:
    """What intake made of one upload, as the unit's page shows it."""

    stored_as: str  # its name under 回收/
    digest: str
    status: str  # accepted | rejected | duplicate | pending (not consolidated yet)
    unit: str = ""  # whose workbook the file says it is
    findings: list[Finding] = field(default_factory=list)
    earlier: str = ""  # a duplicate: the name its content was first received under


def suffix_of(filename: str) -> str:
    """The only part of the sender's name that is used, and only from a fixed list."""
    suffix = Path(filename.replace("\\", "/")).suffix.lower()
    return suffix if suffix in SUFFIXES else ".bin"


def store(project: Project, label: str, data: bytes, suffix: str, now: datetime) -> tuple[str, str]:
    """The upload written durably into 回收/网页上传/; (its name as intake shows it, its sha256)."""
    digest = hashlib.sha256(data).hexdigest()
    folder = project.inbox / UPLOAD_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    # the same bytes sent twice within a second are two arrivals: a random tail keeps the names apart
    name = f"{safe_name(label)}-{now:%Y%m%d-%H%M%S}-{digest[:8]}{secrets.token_hex(2)}{suffix}"
    target = folder / name
    tmp = folder / f".{name}.{os.getpid()}.{threading.get_ident()}.part"
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    stamp = now.timestamp()  # its arrival, as intake reads it: the moment the portal received it
    os.utime(tmp, (stamp, stamp))
    os.replace(tmp, target)
    sync_folder(folder)
    return f"{UPLOAD_FOLDER}/{name}", digest


def received(project: Project, stored_as: str, digest: str) -> Received:
    """What the ledger says of the stored file, read back after its consolidation."""
    ledger = Ledger(project.root / LEDGER_FILE)
    try:
        row = ledger.file_by_hash(digest)
        if row is None:
            return Received(stored_as, digest, "pending")
        seq = int(row["seq"])  # type: ignore[arg-type]
        findings = [as_finding(f, stored_as) for f in ledger.file_findings(seq)]
        again = any(name == stored_as for name, _ in ledger.arrivals(seq))  # a re-sent original, taken again
        if row["original_name"] != stored_as and not again:
            return Received(stored_as, digest, "duplicate", str(row["unit"] or ""), [], str(row["original_name"]))
        return Received(stored_as, digest, str(row["status"]), str(row["unit"] or ""), findings)
    finally:
        ledger.close()


class RateLimit:
    """At most `RATE[0]` uploads per link within `RATE[1]` seconds; `clock` given by tests."""

    def __init__(self, clock: Callable[[], float], limit: tuple[int, float] = RATE) -> None:
        self.clock, self.limit = clock, limit
        self.seen: dict[str, deque[float]] = {}
        self.lock = threading.Lock()

    def allow(self, key: str) -> bool:
        count, window = self.limit
        now = self.clock()
        with self.lock:
            times = self.seen.setdefault(key, deque())
            while times and times[0] <= now - window:
                times.popleft()
            if len(times) >= count:
                return False
            times.append(now)
            return True


class Consolidator:
    """One thread running `job` (a consolidation of the whole inbox) whenever uploads wait; a
    caller's ticket is served by the first run that starts after it was taken."""

    def __init__(self, job: Callable[[], object]) -> None:
        self.job = job
        self.cond = threading.Condition()
        self.requested = self.served = 0
        self.failure = ""  # the last run's failure, told to the uploads it served
        threading.Thread(target=self._loop, name="portal-consolidator", daemon=True).start()

    def ticket(self) -> int:
        with self.cond:
            self.requested += 1
            self.cond.notify_all()
            return self.requested

    def wait(self, ticket: int) -> str:
        """Until a run that started after `ticket` finished; its failure, or ""."""
        with self.cond:
            while self.served < ticket:
                self.cond.wait()
            return self.failure

    def _loop(self) -> None:
        while True:
            with self.cond:
                while self.served == self.requested:
                    self.cond.wait()
                target = self.requested
            failure = self._run()
            with self.cond:
                self.served, self.failure = target, failure
                self.cond.notify_all()

    def _run(self) -> str:
        for _ in range(LOCK_TRIES):
            try:
                self.job()
                return ""
            except LockBusy:
                continue  # the lock waited its own while: another front end's run is long, wait again
            except Exception as exc:  # noqa: BLE001 - the portal must answer; the file stays in 回收 for the next run
                from ..console import log_failure

                log_failure(f"portal consolidation {type(exc).__name__}", [])
                return f"汇总时出错（{type(exc).__name__}），文件已保存，稍后会再处理"
        return "另一个汇总一直在进行，文件已保存，稍后会处理"
