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
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from udfs.findings import Finding, Findings, Severity

from .archive import archive_copy, file_digest
from .generate.run import expected
from .intake.extract import extract
from .intake.prescan import prescan
from .intake.reader import ReadFailure, read_isolated
from .ledger import LEDGER_FILE, Conflict, Ledger
from .lock import project_lock
from .master.readback import read_back
from .master.run import MasterOutcome, refresh
from .master.state import conflict_findings
from .project import Project

RECEIVED = "回收存档"
SKIP_PREFIXES = ("~$", ".")


@dataclass
class FileOutcome:
    name: str
    digest: str
    status: str  # accepted | rejected | duplicate
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
    files = [p for p in project.inbox.rglob("*") if p.is_file() and not p.name.startswith(SKIP_PREFIXES)]
    return sorted(files, key=lambda p: (p.stat().st_mtime, p.name))


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
        outcomes: list[FileOutcome] = []
        seen_units = {row["unit"] for row in ledger.files() if row["status"] == "accepted"}
        for path in inbox_files(project):
            outcome = _one(project, ledger, path, signatures, dry_run, now, seen_units)
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
    project: Project,
    ledger: Ledger,
    path: Path,
    signatures: dict[str, str],
    dry_run: bool,
    now: datetime,
    seen_units: set[str],
) -> FileOutcome:
    name = str(path.relative_to(project.inbox))
    digest = file_digest(path)
    if ledger.has_file(digest):
        return FileOutcome(name, digest, "duplicate")
    archived = "" if dry_run else archive_copy(project, path, digest, RECEIVED)
    findings = Findings()
    scan = prescan(path)
    extracted = None
    template = "unreadable"
    if not scan.ok:
        for p in scan.problems:
            findings.add(p.code, p.message, file=name)
    else:
        try:
            parsed = read_isolated(path)
        except ReadFailure as failure:
            findings.add(failure.code, str(failure), file=name)
        else:
            extracted = extract(
                parsed, project.rubric, project.settings.project_id, project.settings.round, signatures, name
            )
            findings.extend(extracted.findings)
            template = extracted.template
    accepted = extracted is not None and template in ("current", "outdated")
    identity = extracted.identity if extracted else None
    unit = identity.unit if identity else ""
    received = datetime.fromtimestamp(path.stat().st_mtime).isoformat(timespec="seconds")
    with ledger.transaction() as db:
        seq = ledger.add_file(
            db,
            hash=digest,
            original_name=name,
            size=path.stat().st_size,
            received_at=received,
            processed_at=now.isoformat(timespec="seconds"),
            status="accepted" if accepted else "rejected",
            template=template,
            unit=unit,
            round=identity.round if identity else None,
            project_id=identity.project_id if identity else None,
            rubric=identity.rubric if identity else None,
            rubric_version=identity.rubric_version if identity else None,
            signature=identity.signature if identity else None,
            archived_as=archived,
        )
        if accepted and extracted is not None:
            db.executemany(
                "INSERT INTO input_values VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        seq,
                        unit,
                        identity.round,
                        v.input,
                        json.dumps(v.value, ensure_ascii=False),
                        v.raw,
                        v.sheet,
                        v.cell,
                    )
                    for v in extracted.values
                ],
            )
            db.executemany(
                "INSERT INTO task_states VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(seq, unit, identity.round, t.item, t.status, t.note, t.cell) for t in extracted.tasks],
            )
        db.executemany(
            "INSERT INTO file_findings VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(seq, f.code, f.severity.value, f.message, f.sheet, f.cell, f.input, f.item) for f in findings],
        )
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
