"""One consolidation's files, staged: prepared in inbox order (one read: hash, and the archive copy
under the hash from the same bytes), read concurrently by the reading workers (pre-scan and parse in
one pass), recorded in inbox order and committed a group at a time, once the group's archive copies
are on disk. Each stage is contained: whatever goes wrong with one file becomes a finding on that
file, recorded, and the batch goes on.
"""

from __future__ import annotations

import json
import sqlite3
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path

from udfs.findings import Finding, Findings, Severity
from udfs.numbers import input_value

from ..generate.unit_workbook import STATUS_CHOICES  # the first: what a task is sent out with
from ..ledger import Ledger
from ..project import Project
from .archive import Archive, read_small
from .extract import Extracted, Value, read_and_extract
from .pool import ReaderPool
from .reader import ReadFailure

RECEIVED = "回收存档"  # 归档/回收存档: every returned file under its hash
INTERNAL_LOG = "内部错误.log"
GROUP = 64  # files per ledger commit: a kill loses at most this many records, which the next run redoes


@dataclass
class FileOutcome:
    name: str
    digest: str
    status: str  # accepted | rejected | duplicate | skipped (not regular or unreadable: not in the ledger)
    unit: str = ""
    template: str = ""
    values: int = 0
    superseded: bool = False
    findings: list[Finding] = field(default_factory=list)


@dataclass
class _Prepared:
    """A file hashed and archived, waiting for its reading and its record."""

    path: Path
    name: str
    digest: str
    archived: str = ""
    data: bytes | None = None  # its content, read once for the hash and the copy (dropped once copied)
    answer: object = None  # Extracted or ReadFailure, once the pool answered


@dataclass
class _Known:
    """A file whose content the ledger has (or an earlier file of this run has): a duplicate, or an
    original received again after a later file of its unit, decided when its turn to be recorded
    comes (the files before it recorded)."""

    path: Path
    name: str
    digest: str


class Batch:
    """One consolidation's files, in three stages: prepared in inbox order (hash and archive copy
    from one read), read concurrently by the pool's workers, recorded in inbox order, so the ledger
    is the same whatever order the readings finish in. Records are committed a group at a time
    (GROUP), each group once its archive copies are durable. Each stage is contained: whatever goes
    wrong with one file becomes a finding on it and the batch goes on."""

    def __init__(
        self,
        project: Project,
        ledger: Ledger,
        archive: Archive | None,
        now: datetime,
        progress: Callable[[str], None] | None,
        group: int | None = None,
    ) -> None:
        self.project, self.ledger, self.archive, self.now, self.progress = project, ledger, archive, now, progress
        self.group = GROUP if group is None else group
        round_name = project.settings.round
        # units with an accepted file of this round: a file of theirs now is a resubmission
        self.seen_units = {r["unit"] for r in ledger.files() if r["status"] == "accepted" and r["round"] == round_name}
        self.digests: set[str] = set()  # this run's files: a second copy in the same batch is a duplicate too
        self.queue: list[_Prepared | _Known | FileOutcome] = []
        self.outcomes: list[FileOutcome] = []
        self.uncommitted = 0
        self.sent_states: dict[str, dict[str, tuple[str, str]]] | None = None

    def _sent(self, unit: str) -> dict[str, tuple[str, str]]:
        """The task statuses the unit's workbook of this round went out with: carried from earlier
        rounds (read once per run, when a file without figures asks)."""
        if self.sent_states is None:
            self.sent_states = self.ledger.latest_task_states(before=self.project.settings.round)
        return self.sent_states.get(unit, {})

    @property
    def dry_run(self) -> bool:
        return self.archive is None

    def batch(self, pool: ReaderPool, files: list[tuple[Path, str]]) -> None:
        """`files`: (where to read it, its name as shown: its path under 回收/, or `文件.zip!成员`)."""
        for k, (path, name) in enumerate(files):
            item = self._prepare(path, name)
            self.queue.append(item)
            if isinstance(item, _Prepared):
                while not pool.idle():
                    self._answers(pool)
                pool.submit(k, partial(read_and_extract, self._source(item), item.name))
            self._record_ready()
        while pool.pending():
            self._answers(pool)
        self._record_ready()
        self._commit()

    def _answers(self, pool: ReaderPool) -> None:
        for k, answer in pool.collect():
            item = self.queue[k]
            assert isinstance(item, _Prepared)
            item.answer = answer
        self._record_ready()

    def _record_ready(self) -> None:
        while len(self.outcomes) < len(self.queue):
            item = self.queue[len(self.outcomes)]
            if isinstance(item, _Prepared):
                if item.answer is None:
                    return  # still being read: later files wait for it, the ledger keeps the inbox order
                self.ledger.begin_group()
                item = self._contained(item, self._record)
                self.uncommitted += 1
            elif isinstance(item, _Known):
                item = self._known(item)
            self.queue[len(self.outcomes)] = item  # what was read is let go once recorded (10,000 files)
            self.outcomes.append(item)
            if item.status == "accepted":
                self.seen_units.add(item.unit)
            if self.progress:
                self.progress(item.name)
            if self.uncommitted >= self.group:
                self._commit()

    def _commit(self) -> None:
        """The group's archive copies on disk, then its records in one transaction."""
        if self.archive is not None:
            self.archive.durable()
        self.ledger.commit_group()
        self.uncommitted = 0

    def _prepare(self, path: Path, name: str) -> _Prepared | _Known | FileOutcome:
        try:
            digest, data = read_small(path)
        except OSError as exc:  # gone, unreadable, or a link put in its place since the listing
            return _unreadable(name, f"文件无法读取：{exc.strerror or exc}")
        if digest in self.digests or self.ledger.has_file(digest):
            return _Known(path, name, digest)
        self.digests.add(digest)
        item = _Prepared(path, name, digest, data=data)
        return self._contained(item, self._archive)

    def _archive(self, item: _Prepared) -> _Prepared:
        """Under its hash before anything reads it."""
        if self.archive is not None:
            item.archived = self.archive.put(item.path, item.digest, item.data)
        item.data = None
        return item

    def _source(self, item: _Prepared) -> str:
        """What the worker reads: the archive copy, whose content is the hash's by construction (the
        inbox file could change in between); in a dry run, which copies nothing, the inbox file."""
        return str(self.project.root / item.archived) if item.archived else str(item.path)

    def _contained(self, item: _Prepared, step: Callable[[_Prepared], object]):  # noqa: ANN202
        try:
            return step(item)
        except Exception as exc:  # noqa: BLE001 - the tool's own failure on one file never stops the batch
            return self._internal_error(item, type(exc).__name__, traceback.format_exc())

    def _record(self, item: _Prepared) -> FileOutcome:
        findings, extracted, template = Findings(), None, "unreadable"
        if isinstance(item.answer, ReadFailure):
            failure = item.answer
            if failure.problems:
                for problem in failure.problems:
                    findings.add(problem.code, problem.message, file=item.name)
            elif failure.detail and not self.dry_run:
                log = log_internal_error(self.project, item.name, item.digest, failure.detail, self.now)
                findings.add(failure.code, f"{failure}；详细信息见 {log}", file=item.name)
            else:
                findings.add(failure.code, str(failure), file=item.name)
        elif isinstance(item.answer, Extracted):
            extracted = item.answer
            findings.extend(extracted.findings)
            template = extracted.template
        accepted = extracted is not None and template in ("current", "outdated")
        unit = extracted.identity.unit if extracted and extracted.identity else ""
        superseded = accepted and unit in self.seen_units
        if superseded and extracted is not None and not extracted.values and says_nothing(extracted, self._sent(unit)):
            short = extracted.identity.unit_short if extracted.identity else unit
            findings.add(
                "return-empty",
                f"{short}又交来一份没有填写任何数据、任务进展与下发时相同的表（{item.name}），可能是发错了附件，或把下发的空表放进了"
                "回收文件夹；未采用，此前报送的数据照常有效",
                Severity.WARNING,
                file=item.name,
            )
            accepted = superseded = False
        if superseded and extracted is not None and extracted.identity is not None:
            who = extracted.identity.unit_short
            _changes(self.ledger, unit, extracted.identity.round, who, extracted.values, findings, item.name, self.project)
        _write(
            self.ledger,
            item.path,
            item.name,
            item.digest,
            self.now,
            item.archived,
            findings,
            extracted,
            template,
            accepted,
        )
        values = len(extracted.values) if accepted and extracted else 0
        status = "accepted" if accepted else "rejected"
        return FileOutcome(item.name, item.digest, status, unit, template, values, superseded, list(findings))

    def _known(self, item: _Known) -> FileOutcome:
        """Content already recorded. Received again (under a name or at a time no arrival of it was
        recorded with) later than its unit's current return, which it is not: its content becomes
        current again, the unit undid a correction by sending its original. Otherwise a duplicate,
        recorded nowhere, as before: the same inbox read again changes nothing, since each of its
        files is then an arrival on record or earlier than what was adopted."""
        duplicate = FileOutcome(item.name, item.digest, "duplicate")
        try:
            row = self.ledger.file_by_hash(item.digest)
            if row is None or row["status"] != "accepted" or not row["unit"]:
                return duplicate
            unit, round_name = str(row["unit"]), str(row["round"])
            arrived = datetime.fromtimestamp(item.path.lstat().st_mtime).isoformat(timespec="seconds")
            if (item.name, arrived) in self.ledger.arrivals(int(row["seq"])):  # type: ignore[arg-type]
                return duplicate  # the file itself, met again: the common case, decided by indexed lookups
            current = self.ledger.current_files(round_name).get(unit)
            if current is None or current["seq"] == row["seq"] or arrived <= str(current["arrived_at"]):
                return duplicate
            findings = Findings()
            stored = self.ledger.file_values(int(row["seq"]))  # type: ignore[arg-type]
            values = [Value(i, json.loads(v), "", sheet, cell, v, about) for i, about, v, sheet, cell in stored]
            who = self.project.registry.label_of(unit)
            findings.add(
                "return-resent",
                f"{who}再次报送了此前交过的文件（{item.name}，内容与 {row['original_name']} 相同）：此前的报送"
                f"（{current['arrived_as']}）不再是现行报送，以这份为准",
                Severity.WARNING,
                file=item.name,
            )
            _changes(self.ledger, unit, round_name, who, values, findings, item.name, self.project)
            self.ledger.begin_group()
            with self.ledger.transaction() as db:
                self.ledger.readopt(int(row["seq"]), item.name, arrived, self.now.isoformat(timespec="seconds"))  # type: ignore[arg-type]
                _add_findings(db, int(row["seq"]), findings)  # type: ignore[arg-type]
            self.uncommitted += 1
        except Exception:  # noqa: BLE001 - deciding about a known file never stops the batch: it stays a duplicate
            if not self.dry_run:
                log_internal_error(self.project, item.name, item.digest, traceback.format_exc(), self.now)
            return duplicate
        return FileOutcome(item.name, item.digest, "accepted", unit, str(row["template"]), len(values), True, list(findings))

    def _internal_error(self, item: _Prepared, kind: str, detail: str) -> FileOutcome:
        """The tool's own failure on one file: logged, recorded as rejected so later runs skip it."""
        findings = Findings()
        try:
            log = "" if self.dry_run else log_internal_error(self.project, item.name, item.digest, detail, self.now)
        except OSError:  # the log cannot be written (disk full, no permission): the finding still says what happened
            log = ""
        findings.add(
            "file-internal-error",
            f"处理文件时工具内部出错（{kind}），已跳过此文件；详细信息见 {log or '日志'}",
            file=item.name,
        )
        try:
            if self.archive is not None and not item.archived:
                item.archived = self.archive.put(item.path, item.digest, None)
            self.ledger.begin_group()
            _write(self.ledger, item.path, item.name, item.digest, self.now, item.archived, findings, None, "unreadable")
        except Exception:  # noqa: BLE001 - the ledger itself failing: the file stays unrecorded and is retried next run
            pass
        return FileOutcome(item.name, item.digest, "rejected", findings=list(findings))


def _unreadable(name: str, message: str) -> FileOutcome:
    findings = Findings()
    findings.add("file-unreadable", message, file=name)
    return FileOutcome(name, "", "skipped", findings=list(findings))


def log_internal_error(project: Project, name: str, digest: str, detail: str, now: datetime) -> str:
    """Append the traceback to 归档/内部错误.log (for whoever maintains the tool, not for the user);
    the log's path relative to the project."""
    path = project.archive / INTERNAL_LOG
    with path.open("a", encoding="utf-8", errors="backslashreplace") as log:
        log.write(f"==== {now.isoformat(timespec='seconds')} {name} sha256 {digest}\n{detail}\n")
    return str(path.relative_to(project.root))


def says_nothing(extracted: Extracted, sent: dict[str, tuple[str, str]]) -> bool:
    """No figure, and every task as the form was sent out: not begun and without a note, or as the
    new round carried it from the last (`sent`: task -> (status, note))."""
    return not extracted.values and all(
        (t.status in ("", STATUS_CHOICES[0]) and not t.note.strip()) or (t.status, t.note) == sent.get(t.item)
        for t in extracted.tasks
    )


def _changes(
    ledger: Ledger, unit: str, round_name: str, who: str, values: list[Value], findings: Findings, name: str,
    project: Project,
) -> None:  # fmt: skip
    """A resubmission (or an original received again) that changes what was adopted from the same
    unit says what changed: it never replaces a unit's figures without anyone seeing it (a file
    claiming another unit's identity too). A figure the new file leaves empty is not reported in it:
    the earlier one stays, listed once. `who`: the unit as the messages name it."""
    before = ledger.unit_values(unit, round_name)
    now = {(v.input, v.subject): v for v in values}
    kept = []
    for (input_id, about), (old, old_file, sheet, cell) in sorted(before.items()):
        new = now.get((input_id, about))
        if new is not None and new.json == old:
            continue  # equal values have equal texts (ledger.store.value_json; values hold no mappings)
        spec = project.rubric.inputs.get(input_id)
        whose = f"{project.registry.label_of(about)}的" if about else ""
        if new is None:
            kept.append(f"{whose}{spec.label if spec else input_id}（{input_value(spec, json.loads(old))}，{old_file}）")
            continue
        shown = input_value(spec, new.value)
        findings.add(
            "resubmission-changed",
            f"{who}重新报送（{name}）：{whose}“{spec.label if spec else input_id}”由 {input_value(spec, json.loads(old))}"
            f"（{old_file} {sheet}!{cell}）改为 {shown}",
            Severity.WARNING,
            file=name,
            sheet=new.sheet,
            cell=new.cell,
            input=input_id,
        )
    if kept:
        findings.add(
            "resubmission-kept",
            f"{who}重新报送的表（{name}）有 {len(kept)} 个数据项没有填写，沿用此前报送的数值："
            f"{'；'.join(kept[:5])}{' 等' if len(kept) > 5 else ''}（如确需撤销某个数值，用 xinyong resolve 或在评分总表“人工录入”栏处理）",
            Severity.INFO,
            file=name,
        )


def _write(
    ledger: Ledger,
    path: Path,
    name: str,
    digest: str,
    now: datetime,
    archived: str,
    findings: Findings,
    read: Extracted | None,
    template: str,
    accepted: bool = False,
) -> None:
    """One transaction: the file's row (with the identity it claims, if it was read), for an accepted
    file its values and task states, and its findings."""
    identity = read.identity if read else None
    st = path.lstat()
    with ledger.transaction() as db:
        seq = ledger.add_file(
            db,
            hash=digest,
            original_name=name,
            size=st.st_size,
            received_at=datetime.fromtimestamp(st.st_mtime).isoformat(timespec="seconds"),
            processed_at=now.isoformat(timespec="seconds"),
            status="accepted" if accepted else "rejected",
            template=template,
            unit=identity.unit if identity else "",
            round=identity.round if identity else None,
            project_id=identity.project_id if identity else None,
            rubric=identity.rubric if identity else None,
            rubric_version=identity.rubric_version if identity else None,
            signature=identity.signature if identity else None,
            archived_as=archived,
        )
        if accepted and read is not None and identity is not None:
            db.executemany(
                "INSERT INTO input_values VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (seq, identity.unit, identity.round, v.input, v.json, v.raw, v.sheet, v.cell, v.subject)
                    for v in read.values
                ],
            )
            db.executemany(
                "INSERT INTO task_states VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(seq, identity.unit, identity.round, t.item, t.status, t.note, t.cell) for t in read.tasks],
            )
        _add_findings(db, seq, findings)


def _add_findings(db: sqlite3.Connection, file_seq: int, findings: Findings) -> None:
    db.executemany(
        "INSERT INTO file_findings VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [(file_seq, f.code, f.severity.value, f.message, f.sheet, f.cell, f.input, f.item) for f in findings],
    )
