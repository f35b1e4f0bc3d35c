"""A reading worker: a long-lived process, started with `spawn` (as every process is on Windows), that
reads one returned file after another for the pool (intake.pool) and answers each with the result or
with the finding it amounts to.

It holds nothing of the consolidator's (no inherited project lock, no open ledger), it limits its own
address space and CPU time where the system has the means (`resource`, absent on Windows, where the
pool's watchdog does the same from outside), and it exits as soon as its consolidator is gone: a
thread waits on a lifeline pipe whose other end only the consolidator holds, and the operating system
closes that end when the consolidator dies, however it dies.
"""

from __future__ import annotations

import gc
import os
import pickle
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

MEMORY_LIMIT = 768 * 1024 * 1024  # what a worker may map beyond what it maps when it starts
TIME_LIMIT = 30.0  # seconds one file may take (the pool enforces it from outside)
MAX_RESULT_BYTES = 32 * 1024 * 1024  # the result handed back for one file
COLLECT_EVERY = 64  # jobs between two garbage collections
STORE: dict[str, Any] = {}  # what the pool sent once for every job that follows (Setup)


@dataclass(frozen=True)
class Setup:
    """Sent once to each worker: kept in STORE[name] (the project's intake context, say), so the jobs
    that follow carry only their file."""

    name: str
    value: Any


def _limit_self() -> None:
    """Address-space and CPU limits where `resource` exists (Linux, macOS)."""
    try:
        import resource
    except ImportError:  # Windows: the pool's watchdog measures the worker instead
        return
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = _address_space() + MEMORY_LIMIT
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _address_space() -> int:
    """Bytes this process maps now; 0 where that cannot be read (then the limit is MEMORY_LIMIT)."""
    try:
        import psutil

        return int(psutil.Process().memory_info().vms)
    except Exception:  # noqa: BLE001 - a missing measurement only makes the limit tighter
        return 0


def _die_with(lifeline) -> None:  # noqa: ANN001 - a multiprocessing Connection
    """Exit the moment the consolidator's end of the lifeline closes (it never sends anything)."""

    def watch() -> None:
        try:
            lifeline.recv()
        except (EOFError, OSError):
            pass
        os._exit(3)

    threading.Thread(target=watch, name="lifeline", daemon=True).start()


def run_job(job: Callable[[], Any]) -> tuple[bytes, bool]:
    """One job's answer, pickled: ("ok", result), ("error", (code, message, detail)) or ("refused",
    [(code, message), ...]) from the pre-scan; and whether the worker should stop after it (a
    MemoryError leaves its heap in an unknown state)."""
    from .prescan import Refused
    from .reader import InternalError, TooLarge

    try:
        data = pickle.dumps(("ok", job()), protocol=pickle.HIGHEST_PROTOCOL)
        if len(data) > MAX_RESULT_BYTES:
            raise TooLarge(f"文件内容超过 {MAX_RESULT_BYTES // 1048576} MB（不是下发的任务分解表或被改动过），未读取")
        return data, False
    except TooLarge as exc:
        answer: tuple[str, object] = ("error", ("file-too-large", str(exc), ""))
    except Refused as exc:
        answer = ("refused", [(p.code, p.message) for p in exc.problems])
    except MemoryError:
        return pickle.dumps(("error", ("file-too-large", "读取时超出内存上限（疑似压缩炸弹），未读取", ""))), True
    except InternalError as exc:
        answer = ("error", ("file-internal-error", f"处理文件时工具内部出错（{exc.kind}），已跳过此文件", exc.detail))
    except Exception as exc:  # noqa: BLE001 - any failure of an untrusted file is a finding, not a crash
        answer = ("error", ("file-damaged", f"文件内容无法解析：{type(exc).__name__}", ""))
    return pickle.dumps(answer), False


def serve(jobs, lifeline) -> None:  # noqa: ANN001 - multiprocessing Connections
    """The worker's life: limits, lifeline, then jobs until the pool says stop (None) or goes away;
    after a MemoryError it answers and exits, and the pool starts another.

    The cyclic garbage collector is off between collections of its own every COLLECT_EVERY jobs:
    reading builds thousands of short-lived objects per file, none in a cycle (refcounting frees
    them), and the automatic collections that their number triggers took about a third of a file's
    reading time. This is the worker's own process; nothing else lives in it."""
    _die_with(lifeline)
    _limit_self()
    gc.disable()
    done = 0
    while True:
        try:
            job = jobs.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        if isinstance(job, Setup):
            STORE[job.name] = job.value
            gc.collect()
            gc.freeze()  # what stays for the worker's life is never looked at again
            continue
        answer, stop = run_job(job)
        done += 1
        if done % COLLECT_EVERY == 0:
            gc.collect()
        try:
            jobs.send_bytes(answer)
        except (OSError, ValueError):
            return
        if stop:
            return
