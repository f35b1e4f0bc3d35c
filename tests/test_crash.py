"""Crash safety of `xinyong consolidate`: killed with SIGKILL at random moments, the ledger and the
archive are never half-written, nothing the killed run left behind blocks the next run, and
running again to completion gives exactly the current values of a run that was never interrupted.

About 30 returned workbooks, filled as units fill them (inputs, task statuses and progress notes),
including one unit's resubmission (later file time) and one exact duplicate under another name.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from udfs.sampling import sample_value
from workbooks.consolidate import LEDGER_FILE, RECEIVED, consolidate
from workbooks.generate.fill import fill_workbook
from workbooks.generate.run import generate
from workbooks.generate.unit_workbook import STATUS_CHOICES
from workbooks.ledger import Ledger
from workbooks.lock import LockBusy, project_lock
from workbooks.master.layout import MASTER_FILE
from workbooks.project import Project, init_project, open_project

REPO = Path(__file__).resolve().parents[1]
SEED = 20261122
UNITS = 28  # + one resubmission + one duplicate = 30 returned files
KILLS_RANDOM = 10  # at a random moment of the run
KILLS_RECORDING = 10  # at a random moment before the last file is opened (the master is written after)
KILLS_READING = 4  # while the consolidator has a workbook open in its reading child
LOCK_GRACE = 3.0  # seconds a new run may have to wait for what a killed run leaves behind
T0 = 1_560_000_000
RUNNER = """
import sys
from pathlib import Path
from workbooks.consolidate import consolidate
from workbooks.project import open_project
project, _ = open_project(Path(sys.argv[1]))
print("ready", flush=True)
consolidate(project, progress=lambda name: print(name, flush=True))
"""


@dataclass
class Returned:
    base: Path  # a fresh project: 回收/ filled, nothing consolidated yet
    reference: dict[str, object]  # the uninterrupted run's ledger, as `snapshot` shows it
    counts: dict[str, tuple[int, int, int]]  # file hash -> (values, task states, findings) rows
    run_seconds: float  # the uninterrupted run, from "ready" (imports done) to exit
    recording_seconds: float  # from "ready" to the last file being opened
    files: int


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fill(source: Path, target: Path, values: dict[str, object], shift: int, note_tag: str) -> None:
    def task(k: int, _item: str) -> tuple[str, str]:
        note = (
            f"第{k}项：已对照评分标准逐条落实，佐证材料（文件、台账、截图）已整理归档，"
            f"编号 {note_tag}-{k:03d}；下一步按完成时限继续推进，并按月报送进展。"
        )
        return STATUS_CHOICES[(k + shift) % len(STATUS_CHOICES)], note

    fill_workbook(source, target, values, task)


def snapshot(root: Path, round_name: str) -> dict[str, object]:
    """What the ledger says: settled values and conflicts, every unit's current value (with the file
    it comes from), task states, and the files in the order they were recorded."""
    ledger = Ledger(root / LEDGER_FILE)
    try:
        rows = ledger.files()
        hash_of = {r["seq"]: r["hash"] for r in rows}
        values, conflicts = ledger.settled(round_name)
        current = {
            input_id: sorted(
                (c.unit, json.dumps(c.value, sort_keys=True), c.sheet, c.cell, hash_of[c.file_seq]) for c in entries
            )
            for input_id, entries in ledger.current_values(round_name).items()
        }
        return {
            "values": values,
            "conflicts": sorted((c.input, json.dumps(c.values, sort_keys=True, ensure_ascii=False)) for c in conflicts),
            "current": current,
            "tasks": ledger.task_states(round_name),
            "files": [(r["hash"], r["original_name"], r["status"], r["template"], r["unit"]) for r in rows],
        }
    finally:
        ledger.close()


def row_counts(db: sqlite3.Connection) -> dict[str, tuple[int, int, int]]:
    """file hash -> how many value, task state and finding rows the ledger holds for it."""
    return {
        digest: tuple(
            db.execute(f"SELECT COUNT(*) FROM {table} WHERE file_seq = ?", (seq,)).fetchone()[0]
            for table in ("input_values", "task_states", "file_findings")
        )
        for seq, digest in db.execute("SELECT seq, hash FROM files").fetchall()
    }


def start(root: Path) -> tuple[subprocess.Popen[str], float]:
    """A consolidation in its own session (so whatever it forks can be found), once its imports are done."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    proc = subprocess.Popen(
        [sys.executable, "-c", RUNNER, str(root)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    line = proc.stdout.readline()
    assert line.strip() == "ready", f"consolidation did not start: {line!r}"
    return proc, time.perf_counter()


def session_members(sid: int) -> list[int]:
    """Processes still alive in the killed run's session: its forked reading children."""
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.getsid(int(entry)) == sid:
                    out.append(int(entry))
            except (ProcessLookupError, PermissionError):
                pass
    return out


def has_child(pid: int) -> bool:
    try:
        return any(Path(f"/proc/{pid}/task/{pid}/children").read_text().split())
    except (FileNotFoundError, ProcessLookupError):
        return False


@pytest.fixture(scope="module")
def returned(tmp_path_factory: pytest.TempPathFactory) -> Returned:
    tmp = tmp_path_factory.mktemp("crash")
    project = init_project(tmp / "项目", "national-2019", today=date(2019, 3, 1))
    generate(project)
    blanks: dict[str, tuple[Path, list[str]]] = {}
    for path in project.outbox.glob("*-任务分解表.xlsx"):
        names = list(openpyxl.load_workbook(path).defined_names)
        if names:
            blanks[path.name.removesuffix("-任务分解表.xlsx")] = (path, names)
    chosen = sorted(blanks, key=lambda u: (-len(blanks[u][1]), u))[:UNITS]
    provided: dict[str, list[str]] = {}
    for unit in chosen:
        for name in blanks[unit][1]:
            provided.setdefault(name, []).append(unit)

    def values(unit: str, salt: str, only: set[str] | None = None) -> dict[str, object]:
        out = {}
        for name in blanks[unit][1]:
            key = f"{SEED}/{name}/{salt if only is None or name in only else 'first'}"
            out[name] = sample_value(project.rubric.inputs[name], random.Random(key))
        return out

    # the resubmitting unit: the one with most inputs nobody else gives, so its second file decides them
    resubmitter = max(chosen, key=lambda u: (sum(provided[n] == [u] for n in blanks[u][1]), u))
    own = {n for n in blanks[resubmitter][1] if provided[n] == [resubmitter]}
    assert own, "the resubmitting unit must have inputs of its own"
    rng = random.Random(SEED)
    order = rng.sample(chosen, len(chosen))
    t = T0
    for k, unit in enumerate(order):
        target = project.inbox / f"回执{k:02d}_{unit}.xlsx"
        fill(blanks[unit][0], target, values(unit, "first"), 0, f"{k:02d}")
        os.utime(target, (t, t))
        t += 60
        if k == 3:  # the same file sent twice, under another name
            copy = project.inbox / f"转发副本_{unit}.xlsx"
            shutil.copyfile(target, copy)
            os.utime(copy, (t, t))
            t += 60
    again = project.inbox / f"更正后重新报送_{resubmitter}.xlsx"
    fill(blanks[resubmitter][0], again, values(resubmitter, "second", own), 1, "更正")
    os.utime(again, (t, t))
    files = len(list(project.inbox.iterdir()))

    reference = tmp / "一次跑完"
    shutil.copytree(project.root, reference)
    proc, started = start(reference)
    recording_seconds = 0.0
    for _line in proc.stdout:  # one line per file as the consolidator opens it
        recording_seconds = time.perf_counter() - started
    proc.stdout.close()
    assert proc.wait(timeout=300) == 0
    run_seconds = time.perf_counter() - started
    snap = snapshot(reference, project.settings.round)
    statuses = [s for _, _, s, _, _ in snap["files"]]
    assert statuses == ["accepted"] * (files - 1), "every distinct file accepted, the duplicate not recorded again"
    for name in own:  # the resubmission is what counts
        assert snap["values"][name] == values(resubmitter, "second", own)[name]
    db = sqlite3.connect(reference / LEDGER_FILE)
    try:
        counts = row_counts(db)
    finally:
        db.close()
    return Returned(project.root, snap, counts, run_seconds, recording_seconds, files)


def check_consistent(project: Project, returned: Returned, inbox: dict[str, str]) -> int:
    """The state a killed run left: consistent, nothing half-written. Returns how many files it recorded."""
    archive = project.archive / RECEIVED
    for path in archive.glob("*") if archive.exists() else []:
        if path.name.endswith(".part"):
            assert path.name.startswith("."), path.name  # a copy cut short keeps its temporary name
        else:
            assert path.stem == sha256(path), f"archive copy {path.name} is incomplete or wrong"
    assert {p.name: sha256(p) for p in project.inbox.iterdir()} == inbox, "the inbox was modified"
    master = project.root / MASTER_FILE
    if master.exists():  # the previous master or the new one, whole: it is renamed into place
        with zipfile.ZipFile(master) as z:
            assert z.testzip() is None and "xl/workbook.xml" in z.namelist(), "the master is half-written"
    ledger_path = project.root / LEDGER_FILE
    if not ledger_path.exists():
        return 0
    db = sqlite3.connect(ledger_path)
    try:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "files" not in tables:
            return 0
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        rows = db.execute("SELECT seq, hash, status, unit, round, archived_as FROM files").fetchall()
        counts = row_counts(db)
        accepted = {seq: (unit, round_name) for seq, _, status, unit, round_name, _ in rows if status == "accepted"}
        for _, digest, _, _, _, archived_as in rows:
            copy = project.root / archived_as
            assert archived_as and copy.is_file(), f"ledger row {digest[:12]} without its archive copy"
            assert sha256(copy) == digest, f"archive copy of {digest[:12]} differs from the ledger's hash"
            assert counts[digest] == returned.counts[digest], f"file {digest[:12]} recorded only in part"
        for table in ("input_values", "task_states"):
            if table in tables:
                for seq, unit, round_name in db.execute(f"SELECT file_seq, unit, round FROM {table}"):
                    assert accepted.get(seq) == (unit, round_name), f"{table} row of file {seq}: no accepted file"
        return len(rows)
    finally:
        db.close()


@dataclass
class Kill:
    kind: str  # random | reading
    after: float  # seconds after the run was ready
    recorded: int  # files in the ledger when it died
    inconsistent: str  # what check_consistent found wrong, if anything
    lock_held: str  # who still held the project lock LOCK_GRACE seconds after the kill, if anyone
    resumed: bool  # running again gave the uninterrupted run's ledger


@pytest.fixture(scope="module")
def kills(returned: Returned, tmp_path_factory: pytest.TempPathFactory) -> list[Kill]:
    tmp = tmp_path_factory.mktemp("kills")
    rng = random.Random(SEED)
    inbox = {p.name: sha256(p) for p in (returned.base / "回收").iterdir()}
    distinct = returned.files - 1
    plan = ["random"] * KILLS_RANDOM + ["recording"] * KILLS_RECORDING + ["reading"] * KILLS_READING
    rng.shuffle(plan)
    out: list[Kill] = []
    for k, kind in enumerate(plan):
        root = tmp / f"kill{k:02d}"
        shutil.copytree(returned.base, root)
        project, _ = open_project(root)
        proc, started = start(root)
        try:
            if kind in ("random", "recording"):
                end = returned.run_seconds if kind == "random" else returned.recording_seconds
                time.sleep(rng.uniform(0.05, max(end, 0.1)))
            else:  # the moment a workbook is being parsed in the isolated child
                skip = rng.randrange(distinct // 2)
                while proc.poll() is None:
                    if has_child(proc.pid):
                        if skip == 0:
                            break
                        skip -= 1
                        while has_child(proc.pid):
                            time.sleep(0.0005)
                    time.sleep(0.0005)
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            after = time.perf_counter() - started
            try:
                recorded, inconsistent = check_consistent(project, returned, inbox), ""
            except AssertionError as problem:
                recorded, inconsistent = -1, str(problem)
            lock_held = ""
            try:  # nothing of the dead run may keep the next one out
                with project_lock(project, wait=LOCK_GRACE):
                    pass
            except LockBusy as busy:
                lock_held = f"{busy.holder}; still running: {session_members(proc.pid)}"
            for pid in session_members(proc.pid):
                os.kill(pid, signal.SIGKILL)
            consolidate(project)
            resumed = snapshot(root, project.settings.round) == returned.reference
            resumed = resumed and check_consistent(project, returned, inbox) == distinct
            out.append(Kill(kind, after, recorded, inconsistent, lock_held, resumed))
        finally:
            proc.stdout.close()
            for pid in session_members(proc.pid):
                os.kill(pid, signal.SIGKILL)
        shutil.rmtree(root)
    return out


def show(kills: list[Kill], which: list[int]) -> str:
    return "\n".join(f"kill {k}: {kills[k]}" for k in which)


def test_killed_run_leaves_ledger_and_archive_consistent(kills: list[Kill]) -> None:
    bad = [k for k, kill in enumerate(kills) if kill.inconsistent]
    assert not bad, show(kills, bad)


def test_running_again_gives_the_uninterrupted_result(kills: list[Kill]) -> None:
    bad = [k for k, kill in enumerate(kills) if not kill.resumed]
    assert not bad, show(kills, bad)


def test_kills_landed_mid_run(kills: list[Kill], returned: Returned) -> None:
    mid_run = [kill for kill in kills if 0 < kill.recorded < returned.files - 1]
    assert len(kills) >= 20
    assert len(mid_run) >= len(kills) // 3, f"files recorded at each kill: {[kill.recorded for kill in kills]}"


def test_nothing_of_a_killed_run_holds_the_project_lock(kills: list[Kill]) -> None:
    """The next run gets the project lock within LOCK_GRACE of a SIGKILL. The reading child is
    forked while the lock is held, so it shares the lock's open file: it must not outlive the
    consolidator by more than its own parse (e.g. blocked for ever sending a result nobody reads)."""
    bad = [k for k, kill in enumerate(kills) if kill.lock_held]
    assert not bad, show(kills, bad)
