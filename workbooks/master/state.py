"""What the master shows, gathered once from the ledger: every input's adopted value with where it
came from, the scores, the open findings and the trend over rounds.

The adopted value of an input is, in order: the office's manual entry in the master, a recorded
resolution, the value the units agree on, the latest earlier round's value (with `carry_over`).
An input whose units disagree and that nobody settled has no value: the items using it are not
scored, and the conflict is a finding, never a silent pick.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from udfs.evaluate import CompiledRubric, Result, evaluate
from udfs.findings import Finding, Severity
from udfs.numbers import input_value, value_text
from udfs.recovery import CheckRisk, Recovery, recover
from udfs.rubric.model import InputSpec

from ..intake.inbox import present_names
from ..intake.zipped import container
from ..ledger import Conflict, Ledger, Manual, as_finding, decides
from ..project import Project
from .progress import UnitProgress, unit_progress
from .rounds import RoundReport, follows_tasks, round_reports


@dataclass
class Adopted:
    spec: InputSpec
    reported: object | None  # what the units (or a resolution, or an earlier round) give
    manual: Manual | None
    source: str  # where `reported` comes from, for office staff: units, files, cells
    brief: str = ""  # the same in a few words: the units, or 冲突/沿用/未报送

    @property
    def origin(self) -> str:
        return "人工录入" if self.manual else self.brief or self.source

    @property
    def value(self) -> object | None:
        return self.manual.value if self.manual else self.reported


@dataclass
class RoundScore:
    round: str
    total: float
    sections: list[float]
    complete: bool
    vetoed: bool | None


@dataclass
class MasterState:
    project: Project
    inputs: list[Adopted]
    result: Result
    conflicts: list[Conflict]
    carried: dict[str, str]
    units: list[UnitProgress]
    files: list[dict[str, object]]
    findings: list[Finding]
    trend: list[RoundScore]
    recoveries: list[Recovery]
    risks: list[CheckRisk]
    today: date
    written_at: datetime
    extra_findings: list[Finding] = field(default_factory=list)
    rounds: list[RoundReport] = field(default_factory=list)  # a task list's rounds, the current one last

    @property
    def values(self) -> dict[str, object]:
        return values_of(self.inputs)


def values_of(inputs: list[Adopted]) -> dict[str, object]:
    """The adopted values to score: inputs without a value are left out (missing is not zero)."""
    return {a.spec.id: a.value for a in inputs if a.value is not None}


def _file_label(files: dict[int, dict[str, object]], seq: int) -> str:
    return str(files[seq]["arrived_as"]) if seq in files else f"文件#{seq}"


BY_SUBJECT = "各考核对象分别报送、分别计分（xinyong score 项目文件夹 查看每个对象的得分和排名）"


def adopted_inputs(
    project: Project, ledger: Ledger, round_name: str, subject: str | None = None
) -> tuple[list[Adopted], list[Conflict], dict[str, str]]:
    """What the master adopts per input, and from where. `subject`: one subject of a many-subject
    project: its own reports, and the office's manual entries, resolutions and carry-over for it."""
    if subject is None and project.subjects:  # many subjects: no figure is the whole project's (score per subject)
        return [Adopted(spec, None, None, BY_SUBJECT, "") for spec in project.rubric.inputs.values()], [], {}
    reported, conflicts = ledger.settled(round_name, with_manual=False, subject=subject)
    carried = ledger.carry_over(round_name, reported, conflicts, subject) if project.settings.carry_over else {}
    manual = ledger.manual(round_name, subject)
    current = ledger.current_values(round_name, subject)
    resolved = ledger.resolutions(round_name, subject)
    files = {int(row["seq"]): row for row in ledger.files()}  # type: ignore[arg-type]
    in_conflict = {c.input: c for c in conflicts}
    label = project.registry.label_of
    rows = []
    for spec in project.rubric.inputs.values():
        entries = current.get(spec.id, [])
        brief = ""
        if spec.id in in_conflict:
            shown = "；".join(f"{label(u)} 报 {value_text(v)}" for u, v in in_conflict[spec.id].values.items())
            source = (
                f"冲突：{shown}（已由人工录入确定）"
                if spec.id in manual
                else f"冲突，未采用：{shown}（需确认后用 xinyong resolve 指定，或在“人工录入”栏填写）"
            )
        elif spec.id in carried:
            source = f"沿用“{carried[spec.id]}”的值"
        elif decides(resolved.get(spec.id), entries):
            source = "已裁定（xinyong resolve）"
        elif entries:
            source = "；".join(
                f"{label(e.unit)}（{_file_label(files, e.file_seq)} {e.sheet}!{e.cell}）"
                for e in entries
            )
            who = [label(e.unit) for e in entries]
            brief = "、".join(who[:3]) + (f"等 {len(who)} 个单位" if len(who) > 3 else "") + "报送"
        elif spec.id in reported:
            source = "已裁定（xinyong resolve）"
        else:
            source = "未报送"
        rows.append(Adopted(spec, reported.get(spec.id), manual.get(spec.id), source, brief))
    return rows, [c for c in conflicts if c.input not in manual], carried


def scoring_findings(result: Result, from_files: list[Finding]) -> list[Finding]:
    """Scoring's findings, but a figure already flagged implausible where it was typed (with its file
    and cell) is not flagged a second time."""
    flagged = {f.input for f in from_files if f.code == "input-implausible"}
    return [f for f in result.findings if not (f.code == "input-implausible" and f.input in flagged)]


def _open_findings(
    ledger: Ledger,
    round_name: str,
    subject: str | None = None,
    subjects: frozenset[str] = frozenset(),
    present: frozenset[str] | None = None,
) -> list[Finding]:
    """Findings of each unit's current file, and of rejected files still to deal with: a rejected
    file's findings end when a later file of its unit was adopted, when it has left the inbox
    (`present`: the names there now), or when a later file came under its name (a half-copied file
    completed); any file's findings end when the office dismissed them (`xinyong dismiss`).
    `subject`: only that subject's files; `subjects`: a many-subject project's, whose own files'
    findings are marked with the subject they are about."""
    files = [row for row in ledger.files() if subject is None or row["unit"] == subject]
    current = {u: row for u, row in ledger.current_files(round_name).items() if subject is None or u == subject}
    open_seqs = {int(row["seq"]) for row in current.values()}  # type: ignore[arg-type]
    last_of_name = {str(row["original_name"]): int(row["seq"]) for row in ledger.files()}  # type: ignore[arg-type]
    for row in files:
        unit, seq, name = str(row["unit"] or ""), int(row["seq"]), str(row["original_name"])  # type: ignore[arg-type]
        gone = present is not None and container(name) not in present  # a .zip's member: the .zip
        adopted = current.get(unit)
        if (
            row["status"] == "rejected"
            and (adopted is None or seq > int(adopted["position"]))  # type: ignore[arg-type]
            and not gone
            and last_of_name[name] == seq
        ):
            open_seqs.add(seq)
    open_seqs -= ledger.dismissed()
    names = {int(row["seq"]): str(row["original_name"]) for row in files}  # type: ignore[arg-type]
    about = {int(row["seq"]): str(row["unit"]) for row in files if row["unit"] in subjects}  # type: ignore[arg-type]
    return [
        as_finding(f, names.get(int(f["file_seq"])), about.get(int(f["file_seq"])))  # type: ignore[arg-type]
        for f in ledger.file_findings()
        if int(f["file_seq"]) in open_seqs  # type: ignore[arg-type]
    ]


def provisional_scores(inputs: list[Adopted]) -> list[Finding]:
    """A subject's discretionary figure is its own 自评分 until the office enters the 考核分 in the
    master: it counts meanwhile (a score, not a gap), and says so."""
    return [
        Finding(
            "self-score-provisional",
            Severity.WARNING,
            f"“{a.spec.label}”暂按自评分 {value_text(a.reported)} 分计分，待评审填写考核分",
            input=a.spec.id,
        )
        for a in inputs
        if a.spec.type == "discretionary" and a.manual is None and a.reported is not None
    ]


def conflict_findings(conflicts: list[Conflict], carried: dict[str, str], project: Project) -> list[Finding]:
    """Each figure by its label, each value as the office writes it (2.8%, not 0.028), each unit by
    the name office staff know; the id only where a clerk types it (the resolve command)."""
    specs, label = project.rubric.inputs, project.registry.label_of
    out = []
    for c in conflicts:
        spec = specs.get(c.input)
        shown = "；".join(f"{label(u)}：{input_value(spec, v)}" for u, v in c.values.items())
        message = (
            f"不同单位报送的“{spec.label if spec else c.input}”不一致（{shown}），需确认后用 xinyong resolve 项目文件夹 "
            f"{c.input} 值 指定，或在总表“数据”表的“人工录入”栏填写"
        )
        out.append(Finding("value-conflict", Severity.ERROR, message, input=c.input))
    for input_id, round_name in carried.items():
        name = specs[input_id].label if input_id in specs else input_id
        message = f"“{name}”本轮未报送，沿用“{round_name}”的值（项目设置 carry_over）"
        out.append(Finding("value-carried-over", Severity.INFO, message, input=input_id))
    return out


def trend(
    project: Project, ledger: Ledger, compiled: CompiledRubric, current: Result, subject: str | None = None
) -> list[RoundScore]:
    """Every round the ledger knows, in the order its first file arrived, then the current one
    (`current`: its result, already computed)."""
    rounds = ledger.rounds()
    if project.settings.round not in rounds:
        rounds.append(project.settings.round)
    out = []
    for name in rounds:
        if name == project.settings.round:
            result = current
        else:
            inputs, _, _ = adopted_inputs(project, ledger, name, subject)
            result = evaluate(compiled, values_of(inputs))
        sections = [float(s["score"]) for s in result.section_scores()]  # type: ignore[arg-type]
        out.append(RoundScore(name, result.total, sections, result.complete, result.vetoed))
    return out


def gather(
    project: Project,
    ledger: Ledger,
    compiled: CompiledRubric | None = None,
    today: date | None = None,
    now: datetime | None = None,
    extra_findings: list[Finding] | None = None,
    subject: str | None = None,
    progress: list[UnitProgress] | None = None,
    present: frozenset[str] | None = None,
) -> MasterState:
    """Everything the master shows, from the ledger. `subject`: the state of one subject of a
    many-subject project, on its own figures, its own files and its own progress; `progress`: every
    unit's progress, and `present`: the names in the inbox now, when the caller has them already
    (the same for every subject)."""
    compiled = compiled or CompiledRubric(project.rubric)
    now = now or datetime.now()
    today = today or now.date()
    round_name = project.settings.round
    inputs, conflicts, carried = adopted_inputs(project, ledger, round_name, subject)
    result = evaluate(compiled, values_of(inputs))
    recoveries, risks = recover(compiled, result.values)
    extra = list(extra_findings or [])
    present = present_names(project.inbox) if present is None else present
    opened = _open_findings(ledger, round_name, subject, frozenset(project.subjects), present)
    findings = extra + opened + conflict_findings(conflicts, carried, project)
    if subject is not None or not project.subjects:  # a many-subject project's whole has no score to find fault with
        findings += scoring_findings(result, opened)
    if subject is not None:
        findings += provisional_scores(inputs)
    units = progress if progress is not None else unit_progress(project, ledger, today)
    files = ledger.received()
    if subject is not None:
        units = [u for u in units if u.unit == subject]
        files = [row for row in files if row["unit"] == subject]
    return MasterState(
        project=project,
        inputs=inputs,
        result=result,
        conflicts=conflicts,
        carried=carried,
        units=units,
        files=files,
        findings=findings,
        trend=trend(project, ledger, compiled, result, subject),
        recoveries=recoveries,
        risks=risks,
        today=today,
        written_at=now,
        extra_findings=extra,
        rounds=round_reports(project, ledger) if follows_tasks(project.rubric) and not project.subjects and subject is None else [],
    )
