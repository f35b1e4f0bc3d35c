"""`xinyong master` / `score` / `report` and the end of every consolidation: read back what the office
typed into the master, gather the state from the ledger, write the master atomically.

Under the project lock; the new master goes to a temporary file first and replaces the old one by
rename, so a crash at any moment leaves the previous master readable.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

import xlsxwriter

from udfs import __version__
from udfs.evaluate import CompiledRubric
from udfs.findings import Finding, Findings, Severity
from udfs.rubric.loader import resolve

from ..intake.archive import file_digest
from ..intake.inbox import inbox_findings, present_names, scan
from ..ledger import LEDGER_FILE, Ledger
from ..lock import project_lock
from ..project import REGISTRY_FILE, RUBRIC_FILE, SETTINGS_FILE, Project
from . import layout as L
from . import paper
from .cells import Formulas
from .live import Where, constraint_cells, write_checks, write_data, write_scores
from .matrix import MatrixWhere, write_data_matrix, write_scores_matrix
from .overview import write_overview
from .ranking import RANKING, write_ranking, write_subject_recovery
from .readback import read_back
from .reports import (
    REMINDER_FOLDER,
    notice_file,
    write_findings,
    write_progress,
    write_recovery,
    write_reminders,
    write_submissions,
    write_trend,
)
from .rounds import write_publication_files
from .rounds_view import write_publication, write_round_states, write_task_matrix, write_task_progress
from .state import MasterState, conflict_findings, gather, provisional_scores, scoring_findings
from .style import MasterSheet, Styles
from .subjects import SubjectScore, subject_scores

# columns repeated on each page of a sheet printed across pages: (sheet, many-subject matrix) -> count
REPEAT_COLUMNS = {(L.TASK_MATRIX, False): 3, (L.TASKS, False): 2, (RANKING, False): 3, (L.SCORES, True): 3, (L.DATA, True): 2, (L.SCORES, False): 4, (L.DATA, False): 2}


@dataclass
class MasterOutcome:
    path: Path | None  # None when the master could not be written
    state: MasterState
    where: Where | MatrixWhere  # a many-subject master: every subject's cells
    findings: Findings  # read-back and writing findings (also inside state.findings)
    unchanged: bool = False  # the master on disk was written from the same inputs: kept, not rewritten
    subjects: list[SubjectScore] | None = None  # a many-subject project: every subject, ranked


def inputs_digest(
    project: Project, ledger: Ledger, today: date, findings: list[Finding], present: frozenset[str]
) -> str:
    """Everything a master is written from, as one digest: the tool's version and master layout, the
    day (lateness is counted in days), the project's settings, registry and rubric files, where each
    append-only ledger table stands, the files in the inbox, and the findings handed in. Equal digests give the same master
    but for the time it says it was written."""
    h = hashlib.sha256()
    # `present`: the names in the inbox (a rejected file leaving it closes its findings)
    for part in (__version__, L.LAYOUT_VERSION, today.isoformat(), repr(ledger.marks()), repr(sorted(present))):
        h.update(part.encode("utf-8") + b"\0")
    rubric = project.settings.rubric
    for path in (project.root / SETTINGS_FILE, project.root / REGISTRY_FILE, project.root / RUBRIC_FILE):
        h.update(path.read_bytes() if path.is_file() else b"-")
        h.update(b"\0")
    if rubric != RUBRIC_FILE:
        h.update(resolve(rubric).read_bytes())
    h.update(json.dumps([f.to_dict() for f in findings], ensure_ascii=False, sort_keys=True).encode("utf-8"))
    return h.hexdigest()


def build(
    state: MasterState, path: Path, compiled: CompiledRubric, subjects: list[SubjectScore] | None = None
) -> Where | MatrixWhere:
    """Write the workbook at `path` (deterministic for a given state and time); `subjects`: a
    many-subject project's scores: ranked on a first sheet, then 评分表 and 数据 with a column (block)
    per subject, in place of the one-subject score sheets."""
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_numbers": False})
    wb.set_properties({"title": f"{state.project.rubric.title}评分总表", "author": "xinyong", "created": state.written_at})
    wb.set_calc_mode("auto")
    st = Styles(wb)
    # a many-subject project has no whole-project score: its subjects' scores are on 排名 and 评分表
    scored = state.project.rubric.scored and subjects is None
    names = [L.OVERVIEW, L.SCORES, L.CHECKS] if scored else []
    names += [L.RECOVERY] if scored else []
    names += [L.TASKS, L.TASK_MATRIX, L.ROUND_STATES, L.PUBLICATION] if state.rounds else []
    names += [L.REMINDERS, L.PROGRESS] + ([L.TREND] if scored else []) + [L.SUBMISSIONS, L.FINDINGS, L.DATA]
    if subjects is not None:
        names[:0] = [RANKING, L.SCORES, L.RECOVERY]
    sheets = {name: wb.add_worksheet(name, worksheet_class=MasterSheet) for name in names}
    for ws in sheets.values():
        ws.set_landscape()  # before any hint is laid out across the page's width
    where: Where | MatrixWhere
    if subjects is not None:
        formulas = write_data_matrix(wb, sheets[L.DATA], subjects, compiled, st)
        where = write_scores_matrix(sheets[L.SCORES], subjects, formulas, st)
        write_ranking(wb, sheets[RANKING], subjects, where, st)
        write_subject_recovery(sheets[L.RECOVERY], subjects, st)
    else:
        where = one = Where()
        f = Formulas(compiled, constraint_cells(state, compiled))
        write_data(wb, sheets[L.DATA], state, f, st)
        if scored:
            write_scores(sheets[L.SCORES], state, f, st, one)
            write_checks(sheets[L.CHECKS], state, f, st, one)
            write_overview(wb, sheets[L.OVERVIEW], state, st, one)
            write_recovery(sheets[L.RECOVERY], state, st)
            write_trend(wb, sheets[L.TREND], state, st)
    if state.rounds:
        write_task_progress(sheets[L.TASKS], state.project, state.units, state.rounds, st)
        write_task_matrix(sheets[L.TASK_MATRIX], state.project, state.units, state.rounds, st)
        write_round_states(sheets[L.ROUND_STATES], state.project, state.units, state.rounds, st)
        write_publication(sheets[L.PUBLICATION], state.units, state.rounds, st)
    write_reminders(sheets[L.REMINDERS], state, st)
    write_progress(sheets[L.PROGRESS], state, st)
    write_submissions(sheets[L.SUBMISSIONS], state, st)
    write_findings(sheets[L.FINDINGS], state, st)
    for name, ws in sheets.items():
        matrix = subjects is not None and name in (L.SCORES, L.DATA)
        rows = (L.MX_SUBJECT_ROW, L.MX_HEAD_ROW) if matrix else None if name == L.OVERVIEW else (2, 2)
        groups = (len(L.MX_DATA_FIXED), L.MX_BLOCK) if matrix and name == L.DATA else (0, 1)
        paper.lay_out(ws, REPEAT_COLUMNS.get((name, matrix), 1), rows, groups)
    wb.close()
    return where


def _late_findings(state: MasterState) -> None:
    for u in state.units:
        if u.late:
            state.findings.append(
                Findings().add("unit-late", f"{u.label}：{u.status}", Severity.WARNING, file=u.last_file or None)
            )


def refresh(
    project: Project,
    today: date | None = None,
    now: datetime | None = None,
    compiled: CompiledRubric | None = None,
    pre_read: Findings | None = None,
    listed: list[Finding] | None = None,
) -> MasterOutcome:
    """Read back (unless the caller just did: `pre_read`), gather, write; the caller holds the lock.
    `listed`: findings for the master that its caller has shown already (a consolidation's files
    that are not in the ledger): in the master's problem list, not again in the outcome's lines.
    A master written from the same inputs (inputs_digest) and untouched since is kept as it is: a
    second consolidation with nothing new costs the reading of the inbox and the scoring, not a
    new workbook."""
    now = now or datetime.now()
    compiled = compiled or CompiledRubric(project.rubric)
    ledger = Ledger(project.root / LEDGER_FILE)
    try:
        ledger.record_round(project.settings.round, project.settings.deadline, now.isoformat(timespec="seconds"))
        findings = read_back(project, ledger, now) if pre_read is None else pre_read
        entries = scan(project.inbox) if project.inbox.is_dir() else []  # once: gathering, every subject and the digest ask
        present = present_names(project.inbox, entries)
        extra = [*findings, *inbox_findings(entries), *(listed or [])]
        state = gather(project, ledger, compiled, today, now, extra_findings=extra, present=present)
        subjects = subject_scores(project, ledger, compiled, today, now, present) if project.subjects else None
        for s in subjects or []:  # each subject's scoring findings and conflicts, named by the subject
            files = [f for f in state.findings if f.subject == s.subject]  # its own files' findings, already listed
            own = [
                *conflict_findings(s.state.conflicts, s.state.carried, project),
                *scoring_findings(s.state.result, files),
            ]
            provisional = provisional_scores(s.state.inputs)
            if provisional:  # one line a subject: the items are on its 数据 block
                message = f"{len(provisional)} 项酌情计分暂按自评分计分，待评审在“数据”表该对象的“人工录入/考核分”栏填写考核分"
                own.append(replace(provisional[0], message=message, input=None))
            state.findings.extend(replace(f, message=f"{s.short}：{f.message}", subject=s.subject) for f in own)
        _late_findings(state)
        path = project.root / L.MASTER_FILE
        inputs = inputs_digest(project, ledger, state.today, extra, present)
        if inputs == ledger.last_master_inputs() and path.is_file() and file_digest(path) == ledger.last_master():
            return MasterOutcome(path, state, Where(), findings, unchanged=True, subjects=subjects)
        for stale in project.root.glob(f".{L.MASTER_FILE}.*.tmp"):  # left by a run killed mid-write (we hold the lock)
            stale.unlink(missing_ok=True)
        tmp = project.root / f".{L.MASTER_FILE}.{os.getpid()}.tmp"
        where = build(state, tmp, compiled, subjects)
        try:
            os.replace(tmp, path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            message = f"无法写入 {L.MASTER_FILE}（{exc.strerror or exc}），可能正在 Excel 中打开；关闭后重新计分"
            state.findings.append(findings.add("master-not-written", message, file=L.MASTER_FILE))
            return MasterOutcome(None, state, where, findings, subjects=subjects)
        written = now.isoformat(timespec="seconds")
        ledger.record_master(file_digest(path), written, project.settings.round, "native", state.result.total, inputs)
        write_reminder_files(project, state)
        if state.rounds:
            write_publication_files(project, state.rounds, state.units)
        return MasterOutcome(path, state, where, findings, subjects=subjects)
    finally:
        ledger.close()


def write_reminder_files(project: Project, state: MasterState) -> Path:
    """One text file per unit to remind, in a folder per day: earlier days' notices stay as sent; a
    re-run on the same day replaces that day's notices, so the folder holds exactly the units that owe
    something now (a file of another name, put there by hand, is left alone)."""
    folder = project.root / REMINDER_FOLDER / state.today.isoformat()
    due = {notice_file(u.label): u.reminder for u in state.units if u.reminder}
    if folder.is_dir():
        ours = {notice_file(u.label) for u in state.units}
        for old in folder.iterdir():
            if old.name in ours and old.name not in due:
                old.unlink()
        if not due and not any(folder.iterdir()):
            folder.rmdir()
    if due:
        folder.mkdir(parents=True, exist_ok=True)
    for name, text in due.items():
        (folder / name).write_text(text + "\n", encoding="utf-8")
    return folder


def write_master(project: Project, today: date | None = None, now: datetime | None = None) -> MasterOutcome:
    with project_lock(project):
        return refresh(project, today, now)
