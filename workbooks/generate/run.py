"""`xinyong generate`: every responsible unit's workbook plus the distribution list, safely.

All files are built first, in memory; then each target is compared with what is already in 下发/:
identical bytes are left alone, a changed file is never overwritten unless asked (`force`), and a
replaced file is first moved to 归档/已替换/<time>/ so nothing sent is ever lost. Each unit's template
signature and inputs are recorded in a manifest (manifest.py) for the consolidator.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from udfs.findings import Findings, Severity

from ..plan.responsibility import input_providers, resolve
from ..project import SETTINGS_FILE, Project, signing_key
from .distribution import DISTRIBUTION_FILE, distribution_bytes
from .manifest import Expected, basis, manifest_bytes, read_manifest, write_manifest
from .unit_workbook import Context, Task, UnitPackage, build_unit_workbook

REPLACED = "已替换"
_UNSAFE = re.compile(r'[\\/:*?"<>|\s]+')


class GenerateRefused(Exception):
    """Files already in 下发/ differ from what would be written; nothing was changed."""

    def __init__(self, changed: list[str]) -> None:
        super().__init__("、".join(changed))
        self.changed = changed


@dataclass
class Outgoing:
    unit: str
    label: str
    file: str
    tasks: int
    inputs: int
    signature: str
    status: str = ""  # 新生成 | 未变化 | 已替换


@dataclass
class GenerateResult:
    files: list[Outgoing]
    findings: Findings
    replaced_to: Path | None = None
    inputs_assigned: int = 0
    units_skipped: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """How many workbooks were 新生成, 已替换, 未变化."""
        return {s: sum(1 for f in self.files if f.status == s) for s in ("新生成", "已替换", "未变化")}


def packages(project: Project) -> tuple[list[UnitPackage], Findings]:
    """Who gets what: tasks from the responsibility plan, inputs from each input's providers."""
    rubric, registry = project.rubric, project.registry
    plan = resolve(rubric, registry)
    providers, findings = input_providers(rubric, registry)
    findings.extend(plan.findings)
    roles: dict[str, dict[str, list[str]]] = {}
    for a in plan.assignments:
        roles.setdefault(a.unit, {}).setdefault(a.item, [])
        if a.role not in roles[a.unit][a.item]:
            roles[a.unit][a.item].append(a.role)
    third: dict[str, list[str]] = {}  # a unit that is no subject -> inputs it reports for every subject
    unusable: dict[str, set[str]] = {}  # a unit that is no subject -> series it cannot report per subject
    if project.subjects:  # each subject reports its own figures; a third party reports them for each subject
        subjects = set(project.subjects)
        for spec_id, units in providers.items():
            others = [u for u in units if u not in subjects]
            if not others:
                continue
            if rubric.inputs[spec_id].type == "list":  # a series per subject does not fit a row
                findings.add(
                    "provider-not-subject",
                    f"数据项“{rubric.inputs[spec_id].label}”是按期填报的序列，写明由"
                    f"{'、'.join(registry.label_of(u) for u in others)}报送；逐一考核时序列只能由各考核对象自己报送，"
                    "它不计入任何考核对象的得分，也不在该单位的表中",
                    Severity.WARNING,
                    input=spec_id,
                )
                for u in others:
                    unusable.setdefault(u, set()).add(spec_id)
                continue
            for u in others:
                third.setdefault(u, []).append(spec_id)
    rows = [(s, registry.units[s].label) for s in project.subjects]
    out = []
    for name, unit in registry.units.items():
        mine = third.get(name, [])
        skip = set(mine) | unusable.get(name, set())
        inputs = [spec for spec in rubric.inputs.values() if name in providers.get(spec.id, []) and spec.id not in skip]
        per_subject = [rubric.inputs[i] for i in mine]
        tasks = [Task(item, roles[name][item.id]) for item in rubric.items if item.id in roles.get(name, {})]
        if tasks or inputs or per_subject:
            out.append(UnitPackage(unit, tasks, inputs, per_subject, rows if per_subject else []))
    return out, findings


def file_name(label: str, taken: set[str], full_name: str) -> str:
    base = _UNSAFE.sub("_", label).strip("_") or "单位"
    name = f"{base}-任务分解表.xlsx"
    if name in taken:
        name = f"{_UNSAFE.sub('_', full_name)}-任务分解表.xlsx"
    taken.add(name)
    return name


def expected(project: Project) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Per unit, what `generate` would send today (nothing is written): the template's signature and
    the input ids the workbook asks for. Read from the manifest the last `generate` wrote when it was
    built from the same rubric, registry, settings, key and version; rendered otherwise."""
    ctx = context(project)
    return read_manifest(project, basis(ctx, project.registry)) or rendered(project, ctx)


def rendered(project: Project, ctx: Context | None = None) -> Expected:
    """`expected` by building every unit workbook in memory, as `generate` would."""
    ctx = ctx or context(project)
    units = packages(project)[0]
    signatures = {p.unit.name: build_unit_workbook(p, ctx)[0].signature for p in units}
    return signatures, {p.unit.name: p.asked for p in units}


def settings_findings(project: Project) -> Findings:
    """What the settings leave blank on every cover sheet: `init` writes contact and phone empty and
    asks the office to fill them first; sending workbooks without them leaves units no one to call."""
    findings = Findings()
    s = project.settings
    blank = [name for name, value in (("联系人（contact）", s.contact), ("电话（phone）", s.phone)) if not value.strip()]
    if blank:
        findings.add(
            "settings-contact-missing",
            f"{SETTINGS_FILE} 中没有填写{'、'.join(blank)}，各单位任务分解表封面上的联系人、电话是空的；"
            "请填写后重新运行 xinyong generate（已生成的文件需加 --force 替换）",
            Severity.WARNING,
            file=SETTINGS_FILE,
        )
    issued = project.rubric.issued
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", issued or "") and s.deadline < issued:
        findings.add(
            "settings-before-document",
            f"本轮（{s.round}）回收截止日期 {s.deadline} 早于《{project.rubric.title}》的印发日期 {issued}：文件印发前各单位还没有"
            f"这些任务；请核对 {SETTINGS_FILE} 中的轮次和截止日期",
            Severity.WARNING,
            file=SETTINGS_FILE,
        )
    return findings


def context(project: Project) -> Context:
    s = project.settings
    created = datetime.combine(date.fromisoformat(s.created or s.deadline), datetime.min.time())
    return Context(
        rubric=project.rubric,
        project_id=s.project_id,
        round=s.round,
        year=s.year,
        deadline=s.deadline,
        issuer=s.issuer,
        contact=s.contact,
        phone=s.phone,
        email=s.email,
        return_how=s.return_how,
        password=s.sheet_password,
        created=created,
        key=signing_key(project),
        assessment=bool(project.subjects),
        portal_address=s.portal_address,
    )


def generate(
    project: Project,
    force: bool = False,
    progress: Callable[[str], None] | None = None,
    now: datetime | None = None,
    planned: tuple[list[UnitPackage], Findings] | None = None,
    carried: dict[str, dict[str, tuple[str, str]]] | None = None,
) -> GenerateResult:
    """`planned`: the result of `packages(project)` when the caller already has it; `carried`: a new
    progress round's starting statuses (unit -> task -> (status, note))."""
    units, planned_findings = planned or packages(project)
    findings = Findings()
    findings.extend(planned_findings)  # a copy: the caller's `planned` is left as it was
    findings.extend(settings_findings(project))
    ctx = context(project)
    ctx.carried = carried or {}
    taken: set[str] = set()
    files: list[Outgoing] = []
    built: dict[str, bytes] = {}
    asked: dict[str, list[str]] = {}
    for package in units:
        name = file_name(package.unit.label, taken, package.unit.name)
        identity, built[name] = build_unit_workbook(package, ctx)
        asked[name] = package.asked
        files.append(
            Outgoing(
                package.unit.name,
                package.unit.label,
                name,
                len(package.tasks),
                len(package.asked),
                identity.signature,
            )
        )
        if progress:
            progress(package.unit.label)
    built[DISTRIBUTION_FILE] = distribution_bytes(project, files)
    outbox = project.outbox
    outbox.mkdir(exist_ok=True)
    changed = [n for n, data in built.items() if (outbox / n).exists() and (outbox / n).read_bytes() != data]
    if changed and not force:
        raise GenerateRefused(changed)
    replaced_to = None
    if changed:
        stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
        replaced_to = project.archive / REPLACED / stamp
        replaced_to.mkdir(parents=True, exist_ok=True)
        for n in changed:
            shutil.move(str(outbox / n), str(replaced_to / n))
    status = {}
    for n, data in built.items():
        if (outbox / n).exists():
            status[n] = "未变化"
        else:
            (outbox / n).write_bytes(data)
            status[n] = "已替换" if n in changed else "新生成"
    for f in files:
        f.status = status[f.file]
    record = [{"unit": f.unit, "file": f.file, "signature": f.signature, "inputs": asked[f.file]} for f in files]
    write_manifest(project, manifest_bytes(basis(ctx, project.registry), record))
    assigned = sum(f.inputs for f in files)
    return GenerateResult(files, findings, replaced_to, assigned)
