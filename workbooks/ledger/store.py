"""The ledger: an append-only SQLite record of every file received and every value accepted.

Rows are only ever inserted. A resubmission from a unit does not replace anything: the current
value of an input for a unit is the one from that unit's latest accepted file that reported it, and
the earlier one stays, marked superseded by the query that reads it. A cell left empty in a later
file is "not reported in this file": the earlier figure stays current (a figure is withdrawn only by
the office, with `resolve` or in the master), so a blank form sent by mistake wipes nothing.

"Latest" is in the order of adoption: where a file was received, or where its content was last
received again after a later file of its unit (a re-sent original undoing a correction: a row in
`readoptions`, whose position is drawn from the files' own sequence, so one integer orders files,
re-arrivals and resolutions). Two units giving different current values for one input is a
conflict, shown until someone records a resolution (itself a row).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from udfs.findings import Finding, Severity

LEDGER_FILE = "台账.sqlite"

SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    hash TEXT NOT NULL UNIQUE,
    original_name TEXT NOT NULL,
    size INTEGER NOT NULL,
    received_at TEXT NOT NULL,
    processed_at TEXT NOT NULL,
    status TEXT NOT NULL,            -- accepted | rejected
    template TEXT NOT NULL,          -- current | outdated | tampered | foreign | none | unreadable
    unit TEXT, round TEXT, project_id TEXT, rubric TEXT, rubric_version TEXT, signature TEXT,
    archived_as TEXT
);
CREATE TABLE IF NOT EXISTS input_values (
    file_seq INTEGER NOT NULL REFERENCES files(seq),
    unit TEXT NOT NULL, round TEXT NOT NULL, input TEXT NOT NULL,
    value TEXT NOT NULL,             -- JSON
    raw TEXT NOT NULL, sheet TEXT NOT NULL, cell TEXT NOT NULL,
    subject TEXT NOT NULL DEFAULT '', -- a third party's figure for this subject; '': the unit's own
    PRIMARY KEY (file_seq, input, subject)
);
CREATE TABLE IF NOT EXISTS task_states (
    file_seq INTEGER NOT NULL REFERENCES files(seq),
    unit TEXT NOT NULL, round TEXT NOT NULL, item TEXT NOT NULL,
    status TEXT NOT NULL, note TEXT NOT NULL, cell TEXT NOT NULL,
    PRIMARY KEY (file_seq, item)
);
CREATE TABLE IF NOT EXISTS file_findings (
    file_seq INTEGER NOT NULL REFERENCES files(seq),
    code TEXT NOT NULL, severity TEXT NOT NULL, message TEXT NOT NULL,
    sheet TEXT, cell TEXT, input TEXT, item TEXT
);
CREATE TABLE IF NOT EXISTS resolutions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    round TEXT NOT NULL, input TEXT NOT NULL, value TEXT NOT NULL, unit TEXT,
    note TEXT NOT NULL, resolved_at TEXT NOT NULL,
    after_file_seq INTEGER NOT NULL,  -- files received later can reopen the conflict
    subject TEXT                      -- a many-subject project's subject it settles; NULL: the project's
);
CREATE TABLE IF NOT EXISTS manual_entries (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    round TEXT NOT NULL, input TEXT NOT NULL,
    value TEXT,                      -- JSON; NULL: the entry was cleared in the master
    raw TEXT NOT NULL, sheet TEXT NOT NULL, cell TEXT NOT NULL,
    master_hash TEXT NOT NULL,       -- the edited master it was read from (archived under that hash)
    entered_at TEXT NOT NULL,
    subject TEXT                     -- a many-subject project's subject it is for; NULL: the project's
);
CREATE TABLE IF NOT EXISTS masters (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    hash TEXT NOT NULL, written_at TEXT NOT NULL, round TEXT NOT NULL, formulas TEXT NOT NULL,
    total REAL,
    inputs TEXT                      -- digest of everything the master was written from (master.run)
);
CREATE TABLE IF NOT EXISTS rounds (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL, deadline TEXT NOT NULL,   -- a round's return deadline; a later row for the same
    recorded_at TEXT NOT NULL                     -- name records a changed deadline
);
CREATE TABLE IF NOT EXISTS dismissals (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    file_seq INTEGER NOT NULL REFERENCES files(seq),  -- the file whose findings the office closed
    note TEXT NOT NULL, dismissed_by TEXT NOT NULL, dismissed_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS readoptions (
    pos INTEGER PRIMARY KEY,         -- its place among the files received (drawn from files' own sequence)
    file_seq INTEGER NOT NULL REFERENCES files(seq),  -- the earlier file whose content was received again
    name TEXT NOT NULL, received_at TEXT NOT NULL, processed_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS readoptions_by_file ON readoptions (file_seq, pos);
CREATE TABLE IF NOT EXISTS uploads (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL, link TEXT NOT NULL,  -- the portal's link by fingerprint (never the link itself)
    unit TEXT NOT NULL, address TEXT NOT NULL, size INTEGER NOT NULL,
    hash TEXT NOT NULL,              -- '' when refused before its bytes were kept
    stored_as TEXT NOT NULL,         -- its name under 回收/ ('' when refused)
    outcome TEXT NOT NULL, detail TEXT NOT NULL
);
-- a unit's latest accepted file of a round, found without reading every file (10,000 returns and more)
CREATE INDEX IF NOT EXISTS files_by_unit ON files (round, status, unit, seq);
"""


# a unit's current figure of each input: its latest file that reported it
VALUES_INDEX = "CREATE INDEX IF NOT EXISTS values_by_unit ON input_values (round, unit, input, subject, file_seq)"


def position(seq: str) -> str:
    """SQL for a file's place in the order of adoption: where it was received, or where its content
    was last received again (a re-sent original, `readoptions`); `seq`: the column holding its seq.
    Positions and file seqs are drawn from one sequence, so one integer orders them all."""
    return f"COALESCE((SELECT MAX(r.pos) FROM readoptions r WHERE r.file_seq = {seq}), {seq})"  # `seq` qualified


def user_name() -> str:
    """Who records an office decision (a dismissal): the operating system's user."""
    import getpass

    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no user name in this environment (a service account without one)
        return "未知"


def as_finding(row: dict[str, object], file: str | None, subject: str | None = None) -> Finding:
    """A stored file finding (`file_findings`) as a finding again, shown under `file`."""
    return Finding(
        str(row["code"]), Severity(str(row["severity"])), str(row["message"]), file=file,
        sheet=row["sheet"], cell=row["cell"], item=row["item"], input=row["input"], subject=subject,  # type: ignore[arg-type]
    )  # fmt: skip


def value_json(value: object) -> str:
    """A value as the ledger stores it: strict JSON (no NaN or infinity), keys sorted, so two equal
    values have the same text."""
    return json.dumps(value, ensure_ascii=False, allow_nan=False, sort_keys=True)


@dataclass
class Current:
    input: str
    unit: str
    value: object
    file_seq: int
    sheet: str
    cell: str
    subject: str  # whose figure a third party reported; "" the unit's own
    position: int  # where its file stands in the order of adoption (`position`): its seq, or a re-arrival's

    @property
    def about(self) -> str:
        """The subject this value is a figure of: the named subject, else the reporting unit itself."""
        return self.subject or self.unit


def decides(decision: tuple[object, int] | None, entries: list[Current]) -> bool:
    """A resolution (value, last file seq it saw) decides an input when the office decided after every
    report of it now current; a file received later reopens it."""
    return decision is not None and all(e.position <= decision[1] for e in entries)


@dataclass
class Manual:
    """A figure the office typed into the master's 人工录入 column; it outranks every unit's value."""

    input: str
    value: object
    raw: str
    sheet: str
    cell: str
    entered_at: str


@dataclass
class Conflict:
    input: str
    round: str
    values: dict[str, object]  # unit -> value


class Ledger:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = sqlite3.connect(str(path), isolation_level=None, timeout=30)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self.db.executescript(SCHEMA)
        self._current: tuple[object, dict[str, list[Current]]] = (None, {})
        self._files: tuple[int, list[dict[str, object]]] = (-1, [])
        self._current_files: tuple[object, dict[str, dict[str, object]]] = (None, {})
        self._upgrade()
        self.db.execute(VALUES_INDEX)  # after the upgrade: a ledger from before subjects has no such column

    ADDED = (("masters", "inputs"), ("manual_entries", "subject"), ("resolutions", "subject"))

    def _columns(self, table: str) -> set[str]:
        return {row[1] for row in self.db.execute(f"PRAGMA table_info({table})")}

    def _outdated(self) -> bool:
        return any(c not in self._columns(t) for t, c in self.ADDED) or "subject" not in self._columns("input_values")

    def _upgrade(self) -> None:
        """A ledger from an earlier version gains the columns added since, its rows kept as they were;
        the values table gains the subject in its key (SQLite cannot change a key in place: rebuilt,
        every row copied). Checked again under the write lock, so two processes opening an old ledger
        at once upgrade it once."""
        if not self._outdated():
            return
        with self.transaction() as db:
            for table, column in self.ADDED:
                if column not in self._columns(table):
                    db.execute(f"ALTER TABLE {table} ADD COLUMN {column} TEXT")
            if "subject" not in self._columns("input_values"):
                start, end = (SCHEMA.index(f"CREATE TABLE IF NOT EXISTS {t}") for t in ("input_values", "task_states"))
                columns = "file_seq, unit, round, input, value, raw, sheet, cell"
                db.execute("ALTER TABLE input_values RENAME TO input_values_before_subjects")
                db.execute(SCHEMA[start:end].strip().rstrip(";"))
                db.execute(f"INSERT INTO input_values ({columns}) SELECT {columns} FROM input_values_before_subjects")
                db.execute("DROP TABLE input_values_before_subjects")

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """All of one file's rows, or none of them: its own transaction, or a savepoint inside the
        batch's group (`begin_group`), which then commits them with the rest of the batch."""
        if self.db.in_transaction:
            self.db.execute("SAVEPOINT one_file")
            try:
                yield self.db
            except BaseException:
                self.db.execute("ROLLBACK TO one_file")
                self.db.execute("RELEASE one_file")
                raise
            self.db.execute("RELEASE one_file")
            return
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def begin_group(self) -> None:
        """Group commit: the files recorded from now on are committed together (`commit_group`); a
        kill before that loses the whole group, which the next run reads again."""
        if not self.db.in_transaction:
            self.db.execute("BEGIN IMMEDIATE")

    def commit_group(self) -> None:
        if self.db.in_transaction:
            self.db.execute("COMMIT")

    def has_file(self, digest: str) -> bool:
        return self.db.execute("SELECT 1 FROM files WHERE hash = ?", (digest,)).fetchone() is not None

    def add_file(self, db: sqlite3.Connection, **row: object) -> int:
        cols = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        cur = db.execute(f"INSERT INTO files ({cols}) VALUES ({marks})", tuple(row.values()))
        return int(cur.lastrowid)

    def current_values(self, round_name: str, subject: str | None = None) -> dict[str, list[Current]]:
        """input -> the current value of every unit that gave one (from its latest accepted file that
        reported the input: an empty cell in a later file leaves the earlier figure current). Kept
        until this connection writes again: one run asks several times. `subject`: in a many-subject
        project, only what that subject reported of itself."""
        if subject is not None:
            return {
                i: kept for i, rows in self.current_values(round_name).items() if (kept := [c for c in rows if c.about == subject])
            }
        key = (round_name, self.db.total_changes)
        if self._current[0] == key:
            return self._current[1]
        rows = self.db.execute(self._LATEST_VALUES.format(where="v.round = ?"), (round_name,)).fetchall()
        out: dict[str, list[Current]] = {}
        for input_id, unit, about, value, seq, sheet, cell, at in rows:
            out.setdefault(input_id, []).append(Current(input_id, unit, json.loads(value), seq, sheet, cell, about, at))
        self._current = (key, out)
        return out

    def unit_values(self, unit: str, round_name: str) -> dict[tuple[str, str], tuple[str, str, str, str]]:
        """(input, subject or "") -> (value as stored: JSON text, file name, sheet, cell): the unit's
        current figures of the round (each from its latest file that reported it), what a
        resubmission from the unit would replace."""
        query = self._LATEST_VALUES.format(where="v.round = ? AND v.unit = ?")
        rows = self.db.execute(query, (round_name, unit)).fetchall()
        names = {int(f["seq"]): str(f["arrived_as"]) for f in self.files()}  # type: ignore[arg-type]
        return {(i, about): (v, names[seq], sheet, cell) for i, _, about, v, seq, sheet, cell, _ in rows}

    # each (unit, input, subject)'s row from the file standing last in the order of adoption (SQLite
    # takes the bare columns of an aggregate query from the row that gave MAX)
    _LATEST_VALUES = (
        "SELECT v.input, v.unit, v.subject, v.value, v.file_seq, v.sheet, v.cell, MAX(" + position("v.file_seq") + ")"
        " FROM input_values v WHERE {where} GROUP BY v.unit, v.input, v.subject ORDER BY v.input, v.unit, v.subject"
    )

    def file_values(self, file_seq: int) -> list[tuple[str, str, str, str, str]]:
        """(input, subject, value as JSON text, sheet, cell) of one file: what its re-adoption brings back."""
        return self.db.execute(
            "SELECT input, subject, value, sheet, cell FROM input_values WHERE file_seq = ? ORDER BY rowid", (file_seq,)
        ).fetchall()

    def file_by_hash(self, digest: str) -> dict[str, object] | None:
        """The file's row (as stored, without its place in the order of adoption): one indexed lookup."""
        cur = self.db.execute("SELECT * FROM files WHERE hash = ?", (digest,))
        row = cur.fetchone()
        return None if row is None else dict(zip([d[0] for d in cur.description], row, strict=True))

    def current_files(self, round_name: str) -> dict[str, dict[str, object]]:
        """unit -> its current return of the round: its accepted file standing last in the order of
        adoption. Kept, like `files`, until this connection writes again: a second consolidation asks
        once for every file of an unchanged inbox."""
        key = (round_name, self.db.total_changes)
        if self._current_files[0] != key:
            out: dict[str, dict[str, object]] = {}
            for f in sorted(self.files(), key=lambda f: int(f["position"])):  # type: ignore[arg-type]
                if f["status"] == "accepted" and f["round"] == round_name:
                    out[str(f["unit"])] = f
            self._current_files = (key, out)
        return self._current_files[1]

    def arrivals(self, file_seq: int) -> set[tuple[str, str]]:
        """(name, time received) of every arrival of one file's content that was recorded: its own,
        and each re-arrival. The same file met again in the inbox is one of these."""
        row = self.db.execute("SELECT original_name, received_at FROM files WHERE seq = ?", (file_seq,)).fetchone()
        again = self.db.execute("SELECT name, received_at FROM readoptions WHERE file_seq = ?", (file_seq,)).fetchall()
        return {tuple(row), *map(tuple, again)} if row else set(map(tuple, again))

    def readopt(self, file_seq: int, name: str, received_at: str, processed_at: str) -> int:
        """An earlier file's content received again after a later file of its unit: it becomes the
        unit's current return again, at a position drawn from the files' own sequence (so a file
        received next, and a resolution recorded next, both come after it). The position."""
        with self.transaction() as db:
            db.execute("UPDATE sqlite_sequence SET seq = seq + 1 WHERE name = 'files'")
            pos = int(db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'files'").fetchone()[0])
            db.execute(
                "INSERT INTO readoptions (pos, file_seq, name, received_at, processed_at) VALUES (?, ?, ?, ?, ?)",
                (pos, file_seq, name, received_at, processed_at),
            )
        return pos

    def resolutions(self, round_name: str, subject: str | None = None) -> dict[str, tuple[object, int]]:
        """input -> (value, last file seq it took into account); the latest resolution wins.
        `subject`: a many-subject project's resolutions for that subject (None: the project's own)."""
        rows = self.db.execute(
            "SELECT input, value, after_file_seq FROM resolutions WHERE round = ? AND subject IS ? ORDER BY seq",
            (round_name, subject),
        ).fetchall()
        return {input_id: (json.loads(value), after) for input_id, value, after in rows}

    def resolve(
        self, round_name: str, input_id: str, value: object, unit: str | None, note: str, at: str,
        subject: str | None = None,
    ) -> None:  # fmt: skip
        with self.transaction() as db:
            latest = db.execute("SELECT COALESCE(MAX(seq), 0) FROM sqlite_sequence WHERE name = 'files'").fetchone()[0]
            db.execute(
                "INSERT INTO resolutions (round, input, value, unit, note, resolved_at, after_file_seq, subject)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (round_name, input_id, json.dumps(value, ensure_ascii=False), unit, note, at, latest, subject),
            )

    def settled(
        self, round_name: str, with_manual: bool = True, subject: str | None = None
    ) -> tuple[dict[str, object], list[Conflict]]:
        """One value per input, and the conflicts: units disagree and no later resolution settles it.
        A resolution (`xinyong resolve`) decides an input until a file received after it reports the
        input again, whether or not the reports it saw disagreed (the office's word is never dropped).
        The office's manual entries from the master outrank both (`with_manual=False`: what units say).
        `subject`: one subject of a many-subject project, scored on what it reported of itself and on
        the office's resolutions and manual entries for that subject."""
        values: dict[str, object] = {}
        conflicts: list[Conflict] = []
        resolved = self.resolutions(round_name, subject)
        for input_id, entries in self.current_values(round_name, subject).items():
            decision = resolved.get(input_id)
            if decides(decision, entries):
                values[input_id] = decision[0]  # type: ignore[index]
                continue
            distinct = {json.dumps(e.value, sort_keys=True) for e in entries}
            if len(distinct) == 1:
                values[input_id] = entries[0].value
            else:
                conflicts.append(Conflict(input_id, round_name, {e.unit: e.value for e in entries}))
        reopened = {c.input for c in conflicts}  # a later report disagrees: the resolution no longer holds
        for input_id, (value, _) in resolved.items():
            if input_id not in reopened:
                values.setdefault(input_id, value)
        manual = self.manual(round_name, subject) if with_manual else {}
        for input_id, entry in manual.items():
            values[input_id] = entry.value
        return values, [c for c in conflicts if c.input not in manual]

    def carry_over(
        self, round_name: str, values: dict[str, object], conflicts: list[Conflict], subject: str | None = None
    ) -> dict[str, str]:
        """Fill figures missing this round from the latest earlier round that settled them (in place);
        returns input -> the round each carried value comes from (`subject`: that subject's figures)."""
        open_inputs = {c.input for c in conflicts}
        carried: dict[str, str] = {}
        rounds = self.rounds()
        earlier = rounds[: rounds.index(round_name)] if round_name in rounds else rounds
        for previous in reversed(earlier):
            old, _ = self.settled(previous, subject=subject)
            for input_id, value in old.items():
                if input_id not in values and input_id not in open_inputs:
                    values[input_id] = value
                    carried[input_id] = previous
        return carried

    def file_findings(self, file_seq: int | None = None) -> list[dict[str, object]]:
        """Every file's findings as stored (`file_seq`: one file's)."""
        cur = self.db.execute(
            "SELECT f.file_seq, f.code, f.severity, f.message, f.sheet, f.cell, f.input, f.item FROM file_findings f"
            " WHERE ? IS NULL OR f.file_seq = ? ORDER BY f.file_seq, f.rowid",
            (file_seq, file_seq),
        )
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def manual(self, round_name: str, subject: str | None = None) -> dict[str, Manual]:
        """input -> the office's latest manual entry, where it has not been cleared since (`subject`:
        a many-subject project's entries for that subject; None: the project's own)."""
        rows = self.db.execute(
            "SELECT input, value, raw, sheet, cell, entered_at FROM manual_entries WHERE round = ? AND subject IS ?"
            " ORDER BY seq",
            (round_name, subject),
        ).fetchall()
        latest = {row[0]: row for row in rows}
        return {
            input_id: Manual(input_id, json.loads(value), raw, sheet, cell, at)
            for input_id, (_, value, raw, sheet, cell, at) in latest.items()
            if value is not None
        }

    def add_manual(
        self, round_name: str, rows: list[tuple[str, object, str, str, str, str | None]], master_hash: str, at: str
    ) -> None:
        """rows: (input, value or None for cleared, raw text, sheet, cell, subject or None), all in one
        transaction."""
        with self.transaction() as db:
            db.executemany(
                "INSERT INTO manual_entries (round, input, value, raw, sheet, cell, master_hash, entered_at, subject)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (round_name, i, None if v is None else json.dumps(v, ensure_ascii=False), raw, sh, c, master_hash, at, who)
                    for i, v, raw, sh, c, who in rows
                ],
            )

    def record_master(
        self, digest: str, at: str, round_name: str, formulas: str, total: float | None, inputs: str | None = None
    ) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO masters (hash, written_at, round, formulas, total, inputs) VALUES (?, ?, ?, ?, ?, ?)",
                (digest, at, round_name, formulas, total, inputs),
            )

    def last_master(self) -> str | None:
        """The hash of the master this tool last wrote: a different file on disk was edited by someone."""
        row = self.db.execute("SELECT hash FROM masters ORDER BY seq DESC LIMIT 1").fetchone()
        return row[0] if row else None

    def last_master_inputs(self) -> str | None:
        """The digest of what the last master was written from (None before masters recorded it)."""
        row = self.db.execute("SELECT inputs FROM masters ORDER BY seq DESC LIMIT 1").fetchone()
        return row[0] if row else None

    def marks(self) -> tuple[object, ...]:
        """Where each append-only table stands: any row added since changes these."""
        return tuple(
            self.db.execute(f"SELECT COUNT(*), MAX({key}) FROM {table}").fetchone()  # noqa: S608 - our own names
            for table, key in (
                ("files", "seq"), ("resolutions", "seq"), ("manual_entries", "seq"), ("dismissals", "seq"),
                ("readoptions", "pos"),
            )  # fmt: skip
        )

    def dismiss(self, file_seq: int, note: str, by: str, at: str) -> None:
        """The office closes a file's findings (a stray file, a wrong attachment it has dealt with)."""
        with self.transaction() as db:
            db.execute(
                "INSERT INTO dismissals (file_seq, note, dismissed_by, dismissed_at) VALUES (?, ?, ?, ?)",
                (file_seq, note, by, at),
            )

    def log_upload(self, **row: object) -> int:
        """One upload through the portal, whatever came of it (portal.receiver)."""
        with self.transaction() as db:
            cols = ", ".join(row)
            cur = db.execute(f"INSERT INTO uploads ({cols}) VALUES ({', '.join('?' for _ in row)})", tuple(row.values()))  # noqa: S608
            return int(cur.lastrowid)

    def uploads(self, unit: str | None = None, limit: int = 200) -> list[dict[str, object]]:
        """The latest uploads first (`unit`: that unit's)."""
        cur = self.db.execute(
            "SELECT * FROM uploads WHERE ? IS NULL OR unit = ? ORDER BY seq DESC LIMIT ?", (unit, unit, limit)
        )
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]

    def named(self, name: str) -> list[dict[str, object]]:
        """The files received under `name` (as shown, or its last part: a file in a subfolder of 回收)."""
        return [r for r in self.files() if r["original_name"] == name or Path(str(r["original_name"])).name == name]

    def dismissed(self) -> set[int]:
        return {int(row[0]) for row in self.db.execute("SELECT file_seq FROM dismissals")}

    def files(self) -> list[dict[str, object]]:
        """Every file's row, in the order received, with where it stands in the order of adoption
        (`position`), and when and under what name its content last arrived (`arrived_at`,
        `arrived_as`: its own, or its latest re-arrival's). Kept until this connection writes again:
        one run asks several times, and a ledger of 10,000 returns makes it worth keeping. Read-only."""
        if self._files[0] == self.db.total_changes:
            return self._files[1]
        cur = self.db.execute(
            """
            SELECT f.*, COALESCE(r.pos, f.seq) AS position, COALESCE(r.received_at, f.received_at) AS arrived_at,
                   COALESCE(r.name, f.original_name) AS arrived_as
            FROM files f LEFT JOIN readoptions r ON r.pos = (SELECT MAX(pos) FROM readoptions WHERE file_seq = f.seq)
            ORDER BY f.seq
            """
        )
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
        self._files = (self.db.total_changes, rows)
        return rows

    def received(self) -> list[dict[str, object]]:
        """Every arrival in the order of adoption: each file's row, and each re-arrival of a file's
        content as a row of that file with its own `position`, `arrived_at`, `arrived_as` and
        `resent_of` (the file's seq; None on a file's own row). What the master's record lists."""
        own = {"position": "seq", "arrived_at": "received_at", "arrived_as": "original_name"}
        rows = [{**f, **{k: f[v] for k, v in own.items()}, "resent_of": None} for f in self.files()]
        by_seq = {int(f["seq"]): f for f in rows}  # type: ignore[arg-type]
        query = "SELECT pos, file_seq, name, received_at, processed_at FROM readoptions ORDER BY pos"
        for pos, seq, name, at, processed in self.db.execute(query):
            again = {"position": pos, "arrived_at": at, "arrived_as": name, "processed_at": processed, "resent_of": seq}
            rows.append({**by_seq[seq], **again})
        return sorted(rows, key=lambda f: int(f["position"]))  # type: ignore[arg-type]

    def task_states(self, round_name: str) -> list[tuple[str, str, str, str]]:
        """unit, task, status, note from each unit's current return of the round."""
        return self.db.execute(
            f"""
            WITH latest AS (
                SELECT f.seq, MAX({position("f.seq")}) FROM files f WHERE f.round = ? AND f.status = 'accepted'
                GROUP BY f.unit
            )
            SELECT t.unit, t.item, t.status, t.note FROM latest JOIN task_states t ON t.file_seq = latest.seq
            ORDER BY t.unit, t.item
            """,  # noqa: S608 - our own SQL
            (round_name,),
        ).fetchall()

    def latest_task_states(self, before: str | None = None) -> dict[str, dict[str, tuple[str, str]]]:
        """unit -> task -> (status, note) from the unit's latest accepted file that reported the task,
        whatever its round: what a new round's workbook starts from. `before`: leaving that round's
        files out (what its workbooks were sent out with)."""
        rows = self.db.execute(
            f"""
            SELECT t.unit, t.item, t.status, t.note FROM task_states t JOIN files f ON f.seq = t.file_seq
            WHERE f.status = 'accepted' AND f.round IS NOT ? ORDER BY {position("t.file_seq")}
            """,  # noqa: S608 - our own SQL
            (before,),
        ).fetchall()
        out: dict[str, dict[str, tuple[str, str]]] = {}
        for unit, item, status, note in rows:
            out.setdefault(unit, {})[item] = (status, note)
        return out

    def record_round(self, name: str, deadline: str, at: str) -> None:
        """Keep a round's return deadline (again only when it changed), so an earlier round keeps the
        deadline it had when the office moves on to the next one."""
        if self.round_deadlines().get(name) == deadline:
            return
        with self.transaction() as db:
            db.execute("INSERT INTO rounds (name, deadline, recorded_at) VALUES (?, ?, ?)", (name, deadline, at))

    def round_deadlines(self) -> dict[str, str]:
        """Every recorded round -> its latest deadline, in the order the rounds were first recorded."""
        rows = self.db.execute("SELECT name, deadline FROM rounds ORDER BY seq").fetchall()
        first = {name: k for k, (name, _) in reversed(list(enumerate(rows)))}
        latest = {name: deadline for name, deadline in rows}
        return {name: latest[name] for name in sorted(latest, key=first.__getitem__)}

    def rounds(self) -> list[str]:
        """Rounds in the order their first file arrived."""
        rows = self.db.execute(
            "SELECT round FROM files WHERE status = 'accepted' GROUP BY round ORDER BY MIN(seq)"
        ).fetchall()
        return [r[0] for r in rows if r[0]]
