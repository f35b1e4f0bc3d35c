"""Crash safety of `xinyong consolidate`: killed with SIGKILL, the ledger, the archive and the master
are never half-written, nothing the killed run left behind blocks the next run, and running again to
completion gives exactly the ledger of a run that was never interrupted.

The kills land by observed progress, not by time: the run under test announces each planned point
(before a file, after its archive copy, inside its ledger savepoint, before a group's commit, while
a reading worker reads it, after each part of the master's zip, with the master whole but not
renamed, renamed but not recorded) and waits there to be killed, so every point is covered on any
machine and the ledger must hold exactly the groups committed before it (the runs under test commit
every GROUP files). A few kills at random moments add what a plan cannot think of.

About 16 returned workbooks, filled as units fill them (inputs, task statuses and progress notes),
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

from tests import windows_mode
from udfs.sampling import sample_value
from workbooks.generate.fill import fill_workbook
from workbooks.generate.run import generate
from workbooks.generate.unit_workbook import STATUS_CHOICES
from workbooks.intake.consolidate import LEDGER_FILE, RECEIVED, consolidate, inbox_files
from workbooks.ledger import Ledger
from workbooks.lock import LockBusy, project_lock
from workbooks.master.layout import MASTER_FILE
from workbooks.project import Project, init_project, open_project

REPO = Path(__file__).resolve().parents[1]
SEED = 20261122
UNITS = 14  # + one resubmission + one duplicate = 16 returned files
LOCK_GRACE = 3.0  # seconds a new run may wait for the lock once the killed run's processes are gone
T0 = 1_560_000_000
LOCK_GONE = 60.0  # seconds the processes of a killed run may take to disappear (they die with it at once)
GROUP = 3  # files per ledger commit in the runs under test (the product's default is larger)
RUNNER = r"""
import functools
import os
import sys
import time
import zipfile
from pathlib import Path

import workbooks.intake.consolidate as consolidate_module
import workbooks.intake.batch as batch_module
import workbooks.master.run as master_run
from workbooks.intake.archive import Archive
from workbooks.intake.pool import ReaderPool
from workbooks.ledger import Ledger
from workbooks.project import open_project

# Stop at the `at`-th time (from 0) the run reaches `phase`, print where, and wait to be killed.
phase, at, GROUP = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
reached = {}
state = {"in_master": False}


def pause(where):
    print(f"paused {where}", flush=True)
    while True:
        time.sleep(3600)


def reach(name):
    n = reached.get(name, 0)
    reached[name] = n + 1
    return name == phase and n == at


def hook(owner, attr, name, after=False):
    real = getattr(owner, attr)

    def wrapper(*args, **kwargs):
        if not after and reach(name):
            pause(name)
        out = real(*args, **kwargs)
        if after and reach(name):
            pause(name)
        return out

    setattr(owner, attr, wrapper)


batch_module.GROUP = GROUP  # small groups, so kills land between commits and inside a group alike
hook(batch_module.Batch, "batch", "start")  # the lock taken, the ledger open, no file touched yet
hook(batch_module.Batch, "_record", "record")  # before a file's record (earlier groups committed)
hook(Archive, "put", "archived", after=True)  # its archive copy made, nothing of it recorded yet
hook(Ledger, "add_file", "transaction", after=True)  # inside the file's savepoint, its group not committed
hook(Ledger, "commit_group", "commit")  # a group's archive copies durable, its records not yet committed
hook(Ledger, "record_master", "master-recorded")  # the new master renamed into place, not yet recorded

real_submit, real_build = ReaderPool.submit, master_run.build


def submit(self, key, job):
    # The chosen reading goes to a worker with a pipe in place of the file: the worker blocks opening
    # it, so it is reading (as a slow parse would be) when the consolidator is killed.
    if reach("reading"):
        fifo = Path(sys.argv[1]) / "读取中.fifo"
        os.mkfifo(fifo)
        real_submit(self, key, functools.partial(job.func, str(fifo), *job.args[1:], **job.keywords))
        pause("reading")
    return real_submit(self, key, job)


def build(*args, **kwargs):
    state["in_master"] = True
    try:
        return real_build(*args, **kwargs)
    finally:
        state["in_master"] = False


def part_written(real):
    def wrapper(self, *args, **kwargs):
        out = real(self, *args, **kwargs)
        if state["in_master"] and reach("master-part"):
            pause("master-part")
        return out

    return wrapper


ReaderPool.submit = submit
master_run.build = build
hook(master_run, "build", "master-built", after=True)  # the new master whole under its temporary name
zipfile.ZipFile.write = part_written(zipfile.ZipFile.write)
zipfile.ZipFile.writestr = part_written(zipfile.ZipFile.writestr)

project, _ = open_project(Path(sys.argv[1]))
print("ready", flush=True)
consolidate_module.consolidate(project, progress=lambda name: print(name, flush=True))
print(f"finished {reached.get(phase, 0)}", flush=True)
"""
# Where a kill lands, decided before the run: (phase, occurrence). Each is reached by observed
# progress, not by time, so the same kills land at the same points on any machine.
PLANNED = [
    ("start", 0),  # before the first file
    ("record", 1),  # inside the first group: nothing committed yet
    ("record", 4),  # the first group committed
    ("record", -2),  # half way: resolved against the inbox below
    ("record", -1),  # before the last file's record
    ("archived", 2),
    ("archived", -1),
    ("transaction", 0),
    ("transaction", 4),  # inside the second group, the first committed
    ("transaction", -2),
    ("commit", 0),  # the first group's copies durable, nothing committed yet
    ("commit", 2),
    ("reading", 1),
    ("reading", -2),
    ("master-part", 0),  # the master's zip holds one part
    ("master-part", 6),
    ("master-built", 0),  # the new master is whole under its temporary name
    ("master-recorded", 0),  # renamed into place, not yet in the ledger
]
KILLS_RANDOM = 4  # at a random moment of the run: what they find must hold too, they assert no place
# The same run in Windows-like mode (tests/windows_mode.py: no fcntl or resource, no fork; spawned workers
# with no address-space limit, the portable lock): fewer kills, the same checks. What kills it and looks
# for its processes (SIGKILL, sessions, /proc) is this test's own POSIX harness, not the run under test.
PLANNED_WINDOWS = [
    ("start", 0),
    ("record", 4),
    ("record", -2),
    ("record", -1),
    ("archived", 2),
    ("transaction", 4),
    ("transaction", -2),
    ("commit", 2),
    ("reading", 1),
    ("master-part", 6),
    ("master-built", 0),
    ("master-recorded", 0),
]
KILLS_RANDOM_WINDOWS = 2


@dataclass
class Returned:
    base: Path  # a fresh project: 回收/ filled, nothing consolidated yet
    reference: dict[str, object]  # the uninterrupted run's ledger, as `snapshot` shows it
    counts: dict[str, tuple[int, int, int]]  # file hash -> (values, task states, findings) rows
    run_seconds: float  # the uninterrupted run, from "ready" (imports done) to exit: only spreads the random kills
    order: list[str]  # the inbox files' hashes in the order the consolidator takes them
    master_parts: int  # the zip members of the master the run writes

    @property
    def files(self) -> int:
        return len(self.order)

    @property
    def distinct(self) -> int:
        return len(set(self.order))

    def occurrences(self, phase: str) -> int:
        """How often an uninterrupted run reaches `phase`."""
        per_file = ("record", "archived", "transaction", "reading")
        commits = self.distinct // GROUP + 1  # one per full group, and the last call at the batch's end
        return {"master-part": self.master_parts, "commit": commits}.get(
            phase, self.distinct if phase in per_file else 1
        )

    def recorded_at(self, phase: str, at: int) -> tuple[int, int]:
        """The files the ledger may hold when a run stopped at the `at`-th `phase` is killed (at least,
        at most). Files are recorded in inbox order and committed GROUP at a time: before the k-th
        record or inside its savepoint, the whole groups before it are committed and nothing else;
        before the c-th commit, c groups; while the k-th file is archived or handed to a worker, the
        earlier ones may still be reading, so anything from none to the groups before it."""
        if phase in ("record", "transaction"):
            return at // GROUP * GROUP, at // GROUP * GROUP
        if phase == "commit":
            return min(at * GROUP, self.distinct), min(at * GROUP, self.distinct)
        if phase in ("archived", "reading"):
            return 0, at // GROUP * GROUP
        return (0, 0) if phase == "start" else (self.distinct, self.distinct)


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


def start(root: Path, phase: str = "none", at: int = 0, windows: bool = False) -> tuple[subprocess.Popen[str], float]:
    """A consolidation in its own session (so whatever it starts can be found), once its imports are done;
    it stops at the `at`-th time it reaches `phase` and waits there to be killed. `windows`: the run in
    Windows-like mode."""
    args = [RUNNER, str(root), phase, str(at), str(GROUP)]
    command = windows_mode.python_command(*args) if windows else [sys.executable, "-c", *args]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    errors = root.parent / f"{root.name}.stderr"
    with errors.open("w", encoding="utf-8") as err:
        proc = subprocess.Popen(
            command,
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
            start_new_session=True,
        )
    line = proc.stdout.readline()
    assert line.strip() == "ready", f"consolidation did not start: {line!r} {errors.read_text(encoding='utf-8')[-2000:]}"
    return proc, time.perf_counter()


def wait_paused(proc: subprocess.Popen[str], phase: str) -> list[str]:
    """The run's output up to its announcing that it stopped at `phase`; it must get there."""
    seen = []
    for line in proc.stdout:
        seen.append(line.strip())
        if line.strip() == f"paused {phase}":
            return seen
    raise AssertionError(f"the run ended without reaching {phase}: {seen[-3:]}")


def session_members(sid: int) -> list[int]:
    """Processes still alive in the killed run's session: its reading workers."""
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.getsid(int(entry)) == sid:
                    out.append(int(entry))
            except (ProcessLookupError, PermissionError):
                pass
    return out


def gone(sid: int) -> bool:
    """Wait (bounded) until nothing of the killed run's session is alive; False if something outlives it."""
    deadline = time.monotonic() + LOCK_GONE
    while session_members(sid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


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
    proc, started = start(reference, "master-part", 1 << 30)  # counts the master's parts, never stops
    lines = proc.stdout.read().splitlines()
    proc.stdout.close()
    assert proc.wait(timeout=600) == 0
    run_seconds = time.perf_counter() - started
    assert lines[-1].startswith("finished "), lines[-3:]
    master_parts = int(lines[-1].split()[1])
    order = [sha256(path) for path in inbox_files(project)]
    assert lines[:-1] == [path.name for path in inbox_files(project)], "one line per file, in inbox order"
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
    return Returned(project.root, snap, counts, run_seconds, order, master_parts)


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
    phase: str  # where the run was stopped, or "random"
    at: int  # which occurrence of the phase (for random: milliseconds after the run was ready)
    recorded: int  # files in the ledger when it died
    expected: tuple[int, int]  # files the ledger may hold at that point, at least and at most ((0, -1): random)
    temporary_master: str  # what the killed run left under the master's temporary name: "" | "whole" | "partial"
    inconsistent: str  # what check_consistent found wrong, if anything
    lock_held: str  # what of the killed run kept the project lock, if anything
    resumed: bool  # running again gave the uninterrupted run's ledger and removed what the killed run left


def temporary_master(root: Path) -> str:
    left = list(root.glob(f".{MASTER_FILE}.*.tmp"))
    if not left:
        return ""
    try:
        with zipfile.ZipFile(left[0]) as z:
            return "whole" if z.testzip() is None and "xl/workbook.xml" in z.namelist() else "partial"
    except zipfile.BadZipFile:
        return "partial"


def planned(returned: Returned, plan: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """The planned kill points, negative occurrences resolved: -1 the last, -2 half way."""
    out = []
    for phase, at in plan:
        n = returned.occurrences(phase)
        at = n - 1 if at == -1 else n // 2 if at == -2 else at
        assert 0 <= at < n, f"{phase} is reached {n} times, cannot stop at {at}"
        out.append((phase, at))
    return out


@pytest.fixture(scope="module", params=["here", "windows-like"])
def kills(returned: Returned, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> list[Kill]:
    windows = request.param == "windows-like"
    tmp = tmp_path_factory.mktemp("kills")
    rng = random.Random(SEED)
    inbox = {p.name: sha256(p) for p in (returned.base / "回收").iterdir()}
    plan = planned(returned, PLANNED_WINDOWS if windows else PLANNED) + [
        ("random", round(rng.uniform(0.05, returned.run_seconds) * 1000))
        for _ in range(KILLS_RANDOM_WINDOWS if windows else KILLS_RANDOM)
    ]
    out: list[Kill] = []
    for k, (phase, at) in enumerate(plan):
        root = tmp / f"kill{k:02d}"
        shutil.copytree(returned.base, root)
        project, _ = open_project(root)
        proc, _started = start(root, phase, at, windows)
        try:
            if phase == "random":
                time.sleep(at / 1000)
            else:
                wait_paused(proc, phase)
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            left = temporary_master(root)
            try:
                recorded, inconsistent = check_consistent(project, returned, inbox), ""
            except AssertionError as problem:
                recorded, inconsistent = -1, str(problem)
            lock_held = ""
            if not gone(proc.pid):
                lock_held = f"still running {LOCK_GONE:g} s after the kill: {session_members(proc.pid)}"
            else:
                try:  # nothing of the dead run may keep the next one out
                    with project_lock(project, wait=LOCK_GRACE):
                        pass
                except LockBusy as busy:
                    lock_held = busy.holder
            for pid in session_members(proc.pid):
                os.kill(pid, signal.SIGKILL)
            consolidate(project)
            resumed = snapshot(root, project.settings.round) == returned.reference
            resumed = resumed and check_consistent(project, returned, inbox) == returned.distinct
            resumed = resumed and temporary_master(root) == "" and (root / MASTER_FILE).is_file()
            expected = (0, -1) if phase == "random" else returned.recorded_at(phase, at)
            out.append(Kill(phase, at, recorded, expected, left, inconsistent, lock_held, resumed))
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


def test_each_kill_landed_where_planned(kills: list[Kill]) -> None:
    """Killed at a point the run announced, the ledger holds the files recorded before that point and
    no other: a transaction cut short adds nothing, a file archived or being read is not in the ledger."""
    bad = [
        k
        for k, kill in enumerate(kills)
        if kill.phase != "random" and not kill.expected[0] <= kill.recorded <= kill.expected[1]
    ]
    assert not bad, show(kills, bad)


def test_kills_cover_before_during_and_after_the_files(kills: list[Kill], returned: Returned) -> None:
    """Before the first file, mid-run, and while the master is written (partial and whole temporary
    master), every time: the coverage is planned, and the state each kill left shows it happened."""
    planned_kills = [kill for kill in kills if kill.phase != "random"]
    assert any(kill.phase == "start" and kill.recorded == 0 for kill in planned_kills)
    mid_run = [kill for kill in planned_kills if 0 < kill.recorded < returned.distinct]
    assert len(mid_run) >= 6, [kill.recorded for kill in planned_kills]
    assert {kill.phase for kill in mid_run} >= {"record", "transaction"}
    left = {kill.phase: kill.temporary_master for kill in planned_kills if kill.phase.startswith("master")}
    assert left == {"master-part": "partial", "master-built": "whole", "master-recorded": ""}, left


def test_nothing_of_a_killed_run_holds_the_project_lock(kills: list[Kill]) -> None:
    """Once the killed run's processes are gone, the next run gets the project lock. The reading workers
    are started while the lock is held: they must die with the consolidator (e.g. not stay blocked for
    ever sending a result nobody reads), and nothing they hold may keep the lock."""
    bad = [k for k, kill in enumerate(kills) if kill.lock_held]
    assert not bad, show(kills, bad)
