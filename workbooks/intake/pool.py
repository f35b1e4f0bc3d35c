"""The consolidator's reading workers: a few long-lived processes started with `spawn` (one per core),
each reading many files, each under a time and memory guard that works on Windows, macOS and Linux.

The guard is kept from outside: while a worker reads, the pool watches the clock and the worker's
memory (psutil); past either limit, or if the worker dies, the worker is killed and replaced and the
file becomes a finding. Inside, a worker also limits itself where the system allows (intake.worker).
Workers never outlive the consolidator: they leave when it closes the pool, and on their own the
moment it dies (the lifeline), so nothing of a killed run keeps working or holds anything.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any

from .prescan import Problem
from .reader import ReadFailure
from .worker import MAX_RESULT_BYTES, MEMORY_LIMIT, TIME_LIMIT, Setup, serve

POLL = 0.05  # seconds between two looks at a busy worker's memory
DEPTH = 2  # jobs a worker holds: the one it reads and the next


@dataclass
class _Worker:
    process: Any
    jobs: Connection
    lifeline: Connection
    queue: deque[tuple[Any, Callable[[], Any]]] = field(default_factory=deque)  # sent, not answered yet
    since: float = 0.0  # when it started on the first job of its queue
    measured: float = 0.0  # when its memory was last looked at

    @property
    def busy(self) -> Any:
        """The key of the job it is reading (None when idle)."""
        return self.queue[0][0] if self.queue else None


class ReaderPool:
    """`with ReaderPool() as pool:` submit jobs (picklable callables) by key, then collect answers:
    a result, or a ReadFailure for the file.

    Each worker holds up to DEPTH jobs: the next one waits in its pipe while it reads, so it never
    idles while the consolidator records the last answer and prepares the next file. Jobs must stay
    small (a path, not a file's bytes), so a queued job always fits the pipe and sending it never
    waits on a worker that is itself sending an answer. A job queued behind a worker that dies is
    sent again to its replacement."""

    def __init__(self, workers: int | None = None, timeout: float = TIME_LIMIT, memory: int = MEMORY_LIMIT) -> None:
        self.size = max(1, workers or os.cpu_count() or 1)
        self.timeout, self.memory = timeout, memory
        self.ctx = multiprocessing.get_context("spawn")
        self.workers: list[_Worker] = []
        self.setups: list[Setup] = []
        self.done: dict[Any, Any] = {}

    def __enter__(self) -> ReaderPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- workers

    def _start(self) -> _Worker:
        jobs, theirs = self.ctx.Pipe(duplex=True)
        lifeline, their_lifeline = self.ctx.Pipe(duplex=False)
        process = self.ctx.Process(target=serve, args=(theirs, lifeline), daemon=True, name="xinyong-reader")
        with _main_module_hidden():
            process.start()
        theirs.close()
        lifeline.close()
        worker = _Worker(process, jobs, their_lifeline)
        for setup in self.setups:
            jobs.send(setup)
        return worker

    def _stop(self, worker: _Worker) -> None:
        try:
            worker.process.kill()
        except (OSError, ValueError, AttributeError):
            pass
        worker.process.join(5)
        for conn in (worker.jobs, worker.lifeline):
            conn.close()
        self.workers.remove(worker)

    def close(self) -> None:
        for worker in list(self.workers):
            try:
                worker.jobs.send(None)
            except (OSError, ValueError):
                pass
        for worker in list(self.workers):
            worker.process.join(2)
            self._stop(worker)

    def setup(self, setup: Setup) -> None:
        """Something every worker keeps for the jobs that follow (sent once, not with every file)."""
        self.setups.append(setup)
        for worker in self.workers:
            worker.jobs.send(setup)

    # ---- jobs

    def idle(self) -> bool:
        """Room for another job."""
        return len(self.workers) < self.size or any(len(w.queue) < DEPTH for w in self.workers)

    def submit(self, key: Any, job: Callable[[], Any]) -> None:
        if len(self.workers) < self.size and all(w.queue for w in self.workers):
            worker = self._start()
            self.workers.append(worker)
        else:
            worker = min(self.workers, key=lambda w: len(w.queue))
        self._send(worker, key, job)

    def _send(self, worker: _Worker, key: Any, job: Callable[[], Any]) -> None:
        if not worker.queue:
            worker.since = worker.measured = time.monotonic()
        worker.queue.append((key, job))
        worker.jobs.send(job)

    def _replace(self, worker: _Worker) -> None:
        """Stop a worker; the jobs queued behind the one it failed on go to a new worker."""
        waiting = list(worker.queue)[1:]
        self._stop(worker)
        if waiting:
            fresh = self._start()
            self.workers.append(fresh)
            for key, job in waiting:
                self._send(fresh, key, job)

    def pending(self) -> int:
        return sum(len(w.queue) for w in self.workers)

    def collect(self) -> Iterator[tuple[Any, Any]]:
        """(key, result or ReadFailure) for every job that finishes next, as they finish; guards the
        busy workers while it waits."""
        while True:
            busy = [w for w in self.workers if w.busy is not None]
            if not busy:
                return
            ready = wait([w.jobs for w in busy], timeout=POLL)
            now = time.monotonic()
            for worker in busy:
                if worker.jobs in ready:
                    yield worker.busy, self._answer(worker)
                elif now - worker.since > self.timeout:
                    key = worker.busy
                    self._replace(worker)
                    yield key, ReadFailure("file-timeout", f"读取超过 {self.timeout:g} 秒未完成，已中止")
                elif now - worker.measured >= POLL and self._too_big(worker, now):
                    key = worker.busy
                    self._replace(worker)
                    yield key, ReadFailure("file-too-large", "读取时超出内存上限（疑似压缩炸弹），未读取")
            if ready:
                return

    def _too_big(self, worker: _Worker, now: float) -> bool:
        """Past the memory limit. Looked at once per POLL and not in a reading's first POLL: a file
        read in a few milliseconds cannot grow far (reading stops at the pre-scan's caps, and the
        worker's own limit holds where the system has one), and one look costs about a millisecond,
        as much as a whole reading on the consolidator's side."""
        worker.measured = now
        # psutil is imported here, not with the module: its backend is chosen per platform when it is
        # first imported, and importing the pipeline must never depend on that (nor on it at all)
        import psutil

        try:
            return psutil.Process(worker.process.pid).memory_info().rss > self.memory
        except (psutil.Error, OSError):
            return False  # gone: its pipe says so on the next look

    def _answer(self, worker: _Worker) -> Any:
        try:
            status, payload = pickle.loads(worker.jobs.recv_bytes(MAX_RESULT_BYTES))
        except (EOFError, OSError, pickle.UnpicklingError):  # died, or an answer past the cap
            self._replace(worker)
            return ReadFailure("file-damaged", "读取文件的进程意外退出（文件可能已损坏或过大）")
        worker.queue.popleft()
        worker.since = worker.measured = time.monotonic()  # on to the next job in its queue, if any
        if status == "ok":
            return payload
        if status == "refused":
            return ReadFailure.refused([Problem(code, message) for code, message in payload])
        if payload[0] == "file-too-large":  # after a MemoryError it answers and leaves
            worker.process.join(0.5)
        if not worker.process.is_alive():
            worker.queue.appendleft((None, None))  # stands for the answered job: _replace resends the rest
            self._replace(worker)
        return ReadFailure(*payload)

    def run(self, job: Callable[[], Any]) -> Any:
        """One job, waited for: its result, or the ReadFailure raised."""
        self.submit(0, job)
        for _, answer in _drain(self):
            if isinstance(answer, ReadFailure):
                raise answer
            return answer
        raise ReadFailure("file-damaged", "读取文件的进程意外退出")


def _drain(pool: ReaderPool) -> Iterator[tuple[Any, Any]]:
    while pool.pending():
        yield from pool.collect()


@contextmanager
def _main_module_hidden() -> Iterator[None]:
    """A spawned worker normally imports the caller's main module again (to find functions defined
    there); ours needs nothing from it, and a script without an `if __name__ == "__main__"` guard
    would then start a second consolidation inside the worker. Hidden while the worker starts: the
    worker gets only the packages it imports itself."""
    main = sys.modules.get("__main__")
    saved = {k: getattr(main, k) for k in ("__spec__", "__file__") if main is not None and hasattr(main, k)}
    try:
        for key in saved:
            if key == "__spec__":
                main.__spec__ = None
            else:
                delattr(main, key)
        yield
    finally:
        for key, value in saved.items():
            setattr(main, key, value)
