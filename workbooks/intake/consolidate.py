"""`xinyong consolidate`: every file in 回收/ into the ledger, safely, whatever state it is in.

Per file (intake.batch): hash and archive copy from one read (under the hash, before anything
reads it), then the reading in a guarded worker process (intake.pool: the zip pre-scan and the parse
in one pass, recognition by identity, typed values); the file's row, values, task states and
findings are written in inbox order and committed a group at a time, once the group's archive
copies are on disk. A bad file is a finding and the batch goes on. The inbox is never modified; a project lock keeps two runs
from interleaving; `dry_run` does all of it against a scratch copy of the ledger and writes nothing.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from udfs.findings import Finding, Severity

from ..generate.run import expected
from ..ledger import LEDGER_FILE, Conflict, Ledger
from ..lock import project_lock
from ..master.readback import read_back
from ..master.run import MasterOutcome, refresh
from ..master.state import conflict_findings
from ..project import Project, signing_key
from .archive import Archive
from .batch import RECEIVED, Batch, FileOutcome
from .extract import INTAKE, IntakeContext
from .inbox import SKIP_PREFIXES, Entry, clutter_finding, not_regular, scan
from .pool import ReaderPool
from .worker import Setup
from .zipped import ZIP_SUFFIX, unpack

__all__ = ["RECEIVED", "SKIP_PREFIXES", "FileOutcome", "consolidate", "inbox_files"]


@dataclass
class Summary:
    outcomes: list[FileOutcome]
    values: dict[str, object]
    conflicts: list[Conflict]
    missing: dict[str, list[str]]  # unit -> inputs still missing
    dry_run: bool
    carried: dict[str, str] = field(default_factory=dict)  # input -> the earlier round its value comes from
    master: MasterOutcome | None = None  # the master written after the run (None for a dry run)
    project: Project | None = None  # whose labels the findings show
    subject_values: dict[str, dict[str, object]] = field(default_factory=dict)  # a many-subject project's, per subject
    clutter: list[str] = field(default_factory=list)  # system and temporary files in 回收/, skipped

    def unit_label(self, unit: str) -> str:
        return self.project.registry.label_of(unit) if self.project is not None else unit

    def labels(self, inputs: list[str]) -> list[str]:
        """Data items by the labels the unit's form shows (ids when there is no project to ask)."""
        specs = self.project.rubric.inputs if self.project is not None else {}
        return [specs[i].label if i in specs else i for i in inputs]

    @property
    def findings(self) -> list[Finding]:
        """Every file's findings, then what the ledger now says: conflicts, carried-over values, and
        the units whose figures are still missing (something to act on, as the master says too)."""
        out = [f for o in self.outcomes for f in o.findings]
        if self.clutter:
            out.append(clutter_finding(self.clutter))
        if self.project is not None:
            out += conflict_findings(self.conflicts, self.carried, self.project)
        for unit, inputs in self.missing.items():
            names = self.labels(inputs[:5])
            message = f"{self.unit_label(unit)}：还有 {len(inputs)} 个数据项未报送或未能采用（{'、'.join(names)}{' 等' if len(inputs) > 5 else ''}）"
            out.append(Finding("unit-data-missing", Severity.WARNING, message))
        return out


def inbox_files(project: Project) -> list[Path]:
    """The regular files in 回收/ in the order they arrived (a .zip counts once, whatever it holds);
    see intake.inbox for what is left out."""
    return [e.path for e in scan(project.inbox) if e.regular]


def irregular(entries: list[Entry]) -> list[FileOutcome]:
    """Links, devices and the like in 回收/: never read or archived, each a finding."""
    return [
        FileOutcome(e.name, "", "skipped", findings=[not_regular(e)]) for e in entries if not e.regular and not e.clutter
    ]


def _inbox_and_archives(entries: list[Entry], scratch: Path) -> tuple[list[tuple[Path, str]], list[FileOutcome]]:
    """The regular files to read with their shown names, a .zip's workbooks in its place (taken out
    into `scratch` under the archive guards, intake.zipped); an archive's problems as outcomes."""
    files: list[tuple[Path, str]] = []
    problems: list[FileOutcome] = []
    for k, e in enumerate(entries):
        if not e.regular:
            continue
        if e.path.suffix.lower() != ZIP_SUFFIX:
            files.append((e.path, e.name))
            continue
        folder = scratch / str(k)
        folder.mkdir()
        got = unpack(e.path, e.name, folder)
        files += got.members
        if got.findings:
            problems.append(FileOutcome(e.name, "", "skipped", findings=list(got.findings)))
    return files, problems


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
        # findings the ledger does not hold, shown in the master too (the summary has listed them already);
        # what 回收/ itself holds (links, clutter) the master finds on its own, whichever command writes it
        listed = [f for o in summary.outcomes if o.status == "skipped" for f in o.findings if f.code != "file-not-regular"]
        summary.master = refresh(project, now=now, pre_read=read, listed=listed)
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
        archive = None if dry_run else Archive(project, RECEIVED)
        run = Batch(project, ledger, archive, now, progress)
        entries = scan(project.inbox)
        unpacked: list[FileOutcome] = []
        try:
            with tempfile.TemporaryDirectory(prefix="xinyong-zip-") as scratch, ReaderPool() as pool:
                files, unpacked = _inbox_and_archives(entries, Path(scratch))
                context = IntakeContext(project.rubric, s.project_id, s.round, signatures, signing_key(project))
                pool.setup(Setup(INTAKE, context))
                run.batch(pool, files)
        finally:
            if archive is not None:
                archive.close()
        outcomes = irregular(entries) + unpacked + run.outcomes
        subject_values: dict[str, dict[str, object]] = {}
        if project.subjects:  # each subject's figures are its own: a conflict is within one subject only
            settled = {subject: ledger.settled(s.round, subject=subject) for subject in project.subjects}
            values, conflicts = {}, [c for _, found in settled.values() for c in found]
            subject_values = {subject: found for subject, (found, _) in settled.items()}
        else:
            values, conflicts = ledger.settled(s.round)
        carried = ledger.carry_over(s.round, values, conflicts) if s.carry_over and not project.subjects else {}
        current = ledger.current_values(s.round)
        missing = {
            unit: [i for i in inputs if not any(c.unit == unit for c in current.get(i, []))]
            for unit, inputs in wanted.items()
        }
        missing = {u: m for u, m in missing.items() if m}
        clutter = [e.name for e in entries if e.clutter]
        return Summary(
            outcomes,
            values,
            conflicts,
            missing,
            dry_run,
            carried,
            project=project,
            subject_values=subject_values,
            clutter=clutter,
        )
    finally:
        ledger.close()
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
