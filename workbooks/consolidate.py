"""`xinyong consolidate`: every file in 回收/ into the ledger, safely, whatever state it is in.

Per file, isolated: hash, archive copy (under the hash, before anything reads it), zip pre-scan,
parse in a limited child, recognition by identity, typed values; then one transaction writes the
file's row, values, task states and findings. A bad file is a finding and the batch goes on. The
inbox is never modified; a project lock keeps two runs from interleaving; `dry_run` does all of it
against a scratch copy of the ledger and writes nothing.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path

from udfs.findings import Finding, Findings, Severity
from udfs.numbers import value_text

from .archive import archive_copy, file_digest
from .generate.run import expected
from .intake.extract import Extracted, IntakeContext, read_and_extract
from .intake.inbox import SKIP_PREFIXES, scan
from .intake.prescan import prescan
from .intake.reader import ReadFailure, run_isolated
from .ledger import LEDGER_FILE, Conflict, Ledger
from .lock import project_lock
from .master.readback import read_back
from .master.run import MasterOutcome, refresh
from .master.state import conflict_findings
from .project import Project, signing_key

RECEIVED = "回收存档"
INTERNAL_LOG = "内部错误.log"
__all__ = ["SKIP_PREFIXES", "consolidate", "inbox_files"]


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
class Summary:
    outcomes: list[FileOutcome]
    values: dict[str, object]
    conflicts: list[Conflict]
    missing: dict[str, list[str]]  # unit -> inputs still missing
    dry_run: bool
    carried: dict[str, str] = field(default_factory=dict)  # input -> the earlier round its value comes from
    master: MasterOutcome | None = None  # the master written after the run (None for a dry run)

    @property
    def findings(self) -> list[Finding]:
        """Every file's findings, then what the ledger now says: conflicts, carried-over values, and
        the units whose figures are still missing (something to act on, as the master says too)."""
        out = [f for o in self.outcomes for f in o.findings]
        out += conflict_findings(self.conflicts, self.carried)
        for unit, inputs in self.missing.items():
            message = f"{unit}：还有 {len(inputs)} 个数据项未报送或未能采用（{'、'.join(inputs[:5])}{' 等' if len(inputs) > 5 else ''}）"
            out.append(Finding("unit-data-missing", Severity.WARNING, message))
        return out


def inbox_files(project: Project) -> list[Path]:
    """The regular files in 回收/ in the order they arrived; see intake.inbox for what is left out."""
    return [e.path for e in scan(project.inbox) if e.regular]


def irregular(project: Project) -> list[FileOutcome]:
    """Links, devices and the like in 回收/: never read or archived, each a finding."""
    out = []
    for e in scan(project.inbox):
        if not e.regular:
            name = str(e.path.relative_to(project.inbox))
            findings = Findings()
            findings.add("file-not-regular", f"“{name}”是{e.kind}，不是普通文件，未读取也未归档", file=name)
            out.append(FileOutcome(name, "", "skipped", findings=list(findings)))
    return out


def consolidate(
    project: Project, dry_run: bool = False, progress: Callable[[str], None] | None = None, now: datetime | None = None
) -> Summary:
    """Consolidate the inbox, then rewrite the master; manual entries typed into the master since it
    was last written are read back first, so they count in this run and are never overwritten."""
    now = now or datetime.now()
    with project_lock(project):
        if dry_run:
            return _consolidate(project, True, progress, now)
        ledger = Ledger(project.root / LEDGER_FILE)
        try:
            read = read_back(project, ledger, now)
        finally:
            ledger.close()
        summary = _consolidate(project, False, progress, now)
        for outcome in summary.outcomes:  # findings the ledger does not hold: shown in the master too
            if outcome.status == "skipped":
                read.extend(outcome.findings)
        summary.master = refresh(project, now=now, pre_read=read)
        return summary


def _consolidate(project: Project, dry_run: bool, progress: Callable[[str], None] | None, now: datetime) -> Summary:
    s = project.settings
    ledger_path = project.root / LEDGER_FILE
    scratch = None
    if dry_run:
        scratch = Path(tempfile.mkdtemp(prefix="xinyong-dry-"))
        if ledger_path.exists():
            ledger = Ledger(ledger_path)
            ledger.db.execute(f"VACUUM INTO '{scratch / LEDGER_FILE}'")
            ledger.close()
        ledger_path = scratch / LEDGER_FILE
    ledger = Ledger(ledger_path)
    try:
        signatures, wanted = expected(project)
        job = IntakeContext(project.rubric, s.project_id, s.round, signatures, signing_key(project))
        outcomes: list[FileOutcome] = irregular(project)
        seen_units = {row["unit"] for row in ledger.files() if row["status"] == "accepted" and row["round"] == s.round}
        for path in inbox_files(project):
            outcome = _one(project, ledger, path, job, dry_run, now, seen_units)
            outcomes.append(outcome)
            if outcome.status == "accepted":
                seen_units.add(outcome.unit)
            if progress:
                progress(path.name)
        values, conflicts = ledger.settled(s.round)
        carried = ledger.carry_over(s.round, values, conflicts) if s.carry_over else {}
        current = ledger.current_values(s.round)
        missing = {
            unit: [i for i in inputs if not any(c.unit == unit for c in current.get(i, []))]
            for unit, inputs in wanted.items()
        }
        return Summary(outcomes, values, conflicts, {u: m for u, m in missing.items() if m}, dry_run, carried)
    finally:
        ledger.close()
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


def _one(
    project: Project, ledger: Ledger, path: Path, job: IntakeContext, dry_run: bool, now: datetime, seen_units: set[str]
) -> FileOutcome:
    """One file, contained: whatever goes wrong with it becomes a finding on it, recorded in the ledger
    as a rejected file (so later runs skip it instead of failing again), and the batch goes on."""
    name = str(path.relative_to(project.inbox))
    try:
        digest = file_digest(path)
    except OSError as exc:  # gone, unreadable, or a link put in its place since the listing
        return _unreadable(name, f"文件无法读取：{exc.strerror or exc}")
    if ledger.has_file(digest):
        return FileOutcome(name, digest, "duplicate")
    try:
        return _record(project, ledger, path, name, digest, job, dry_run, now, seen_units)
    except Exception as exc:  # noqa: BLE001 - the tool's own failure on one file never stops the batch
        detail = traceback.format_exc()
        return _internal_error(project, ledger, path, name, digest, dry_run, now, type(exc).__name__, detail)


def _unreadable(name: str, message: str) -> FileOutcome:
    findings = Findings()
    findings.add("file-unreadable", message, file=name)
    return FileOutcome(name, "", "skipped", findings=list(findings))


def _internal_error(
    project: Project,
    ledger: Ledger,
    path: Path,
    name: str,
    digest: str,
    dry_run: bool,
    now: datetime,
    kind: str,
    detail: str,
) -> FileOutcome:
    findings = Findings()
    log = "" if dry_run else log_internal_error(project, name, digest, detail, now)
    findings.add(
        "file-internal-error", f"处理文件时工具内部出错（{kind}），已跳过此文件；详细信息见 {log or '日志'}", file=name
    )
    try:
        archived = "" if dry_run else archive_copy(project, path, digest, RECEIVED)
        _write(ledger, path, name, digest, now, archived, findings, None, "unreadable")
    except Exception:  # noqa: BLE001 - the ledger itself failing: the file stays unrecorded and is retried next run
        pass
    return FileOutcome(name, digest, "rejected", findings=list(findings))


def log_internal_error(project: Project, name: str, digest: str, detail: str, now: datetime) -> str:
    """Append the traceback to 归档/内部错误.log (for whoever maintains the tool, not for the user);
    the log's path relative to the project."""
    path = project.archive / INTERNAL_LOG
    with path.open("a", encoding="utf-8") as log:
        log.write(f"==== {now.isoformat(timespec='seconds')} {name} sha256 {digest}\n{detail}\n")
    return str(path.relative_to(project.root))


def _record(
    project: Project,
    ledger: Ledger,
    path: Path,
    name: str,
    digest: str,
    job: IntakeContext,
    dry_run: bool,
    now: datetime,
    seen_units: set[str],
) -> FileOutcome:
    archived = "" if dry_run else archive_copy(project, path, digest, RECEIVED)
    findings = Findings()
    scan = prescan(path)
    extracted: Extracted | None = None
    template = "unreadable"
    if not scan.ok:
        for p in scan.problems:
            findings.add(p.code, p.message, file=name)
    else:
        try:
            extracted = run_isolated(partial(read_and_extract, str(path), name, job))
        except ReadFailure as failure:
            if failure.detail and not dry_run:
                log = log_internal_error(project, name, digest, failure.detail, now)
                findings.add(failure.code, f"{failure}；详细信息见 {log}", file=name)
            else:
                findings.add(failure.code, str(failure), file=name)
        else:
            findings.extend(extracted.findings)
            template = extracted.template
    accepted = extracted is not None and template in ("current", "outdated")
    unit = extracted.identity.unit if extracted and extracted.identity else ""
    if accepted and extracted is not None and unit in seen_units:
        _changes(ledger, extracted, findings, name)
    _write(ledger, path, name, digest, now, archived, findings, extracted if accepted else None, template, extracted)
    return FileOutcome(
        name,
        digest,
        "accepted" if accepted else "rejected",
        unit,
        template,
        len(extracted.values) if accepted and extracted else 0,
        superseded=accepted and unit in seen_units,
        findings=list(findings),
    )


def _changes(ledger: Ledger, extracted: Extracted, findings: Findings, name: str) -> None:
    """A resubmission that changes what was adopted from the same unit says what changed: it never
    replaces a unit's figures without anyone seeing it (a file claiming another unit's identity too)."""
    identity = extracted.identity
    assert identity is not None
    before = ledger.unit_values(identity.unit, identity.round)
    now = {v.input: v for v in extracted.values}
    for input_id, (old, old_file, sheet, cell) in sorted(before.items()):
        new = now.get(input_id)
        if new is not None and json.dumps(new.value, sort_keys=True) == json.dumps(old, sort_keys=True):
            continue
        shown = "未填写" if new is None else value_text(new.value)
        findings.add(
            "resubmission-changed",
            f"{identity.unit_short}重新报送（{name}）：“{input_id}”由 {value_text(old)}（{old_file} {sheet}!{cell}）改为 {shown}",
            Severity.WARNING,
            file=name,
            sheet=None if new is None else new.sheet,
            cell=None if new is None else new.cell,
            input=input_id,
        )


def _write(
    ledger: Ledger,
    path: Path,
    name: str,
    digest: str,
    now: datetime,
    archived: str,
    findings: Findings,
    adopted: Extracted | None,
    template: str,
    read: Extracted | None = None,
) -> None:
    """One transaction: the file's row, and for an accepted file its values and task states, and its findings."""
    identity = read.identity if read else None
    received = datetime.fromtimestamp(path.lstat().st_mtime).isoformat(timespec="seconds")
    with ledger.transaction() as db:
        seq = ledger.add_file(
            db,
            hash=digest,
            original_name=name,
            size=path.lstat().st_size,
            received_at=received,
            processed_at=now.isoformat(timespec="seconds"),
            status="accepted" if adopted is not None else "rejected",
            template=template,
            unit=identity.unit if identity else "",
            round=identity.round if identity else None,
            project_id=identity.project_id if identity else None,
            rubric=identity.rubric if identity else None,
            rubric_version=identity.rubric_version if identity else None,
            signature=identity.signature if identity else None,
            archived_as=archived,
        )
        if adopted is not None and identity is not None:
            db.executemany(
                "INSERT INTO input_values VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        seq,
                        identity.unit,
                        identity.round,
                        v.input,
                        json.dumps(v.value, ensure_ascii=False, allow_nan=False),
                        v.raw,
                        v.sheet,
                        v.cell,
                    )
                    for v in adopted.values
                ],
            )
            db.executemany(
                "INSERT INTO task_states VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(seq, identity.unit, identity.round, t.item, t.status, t.note, t.cell) for t in adopted.tasks],
            )
        db.executemany(
            "INSERT INTO file_findings VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(seq, f.code, f.severity.value, f.message, f.sheet, f.cell, f.input, f.item) for f in findings],
        )
