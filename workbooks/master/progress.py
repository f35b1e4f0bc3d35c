"""Per responsible unit: what it was sent, what came back, what is missing or overdue, and the
reminder the office can paste into a notice.

A unit is late when its round's return deadline (the settings' for the current round, the recorded
one for an earlier round) has passed and its figures are not all in, or when its file arrived after
that deadline. A task is overdue when its own deadline (the document's 完成时限, read by
`normalise_deadline`; for a task due every month, "每月23日前", that day of the round's month) has
passed and the unit's task sheet for the round does not say 已完成. A task the document gives no date
is never overdue: the return deadline is when the unit reports on it, not when the work must be done.

A unit is reminded only when it owes something: figures still missing, tasks past their own deadline
and not done, or, once the return deadline has passed, the return itself.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from udfs.rubric.deadlines import normalise_deadline
from udfs.rubric.model import Item

from ..generate.run import packages
from ..generate.unit_workbook import STATUS_CHOICES
from ..ledger import Ledger
from ..plan.rounds import day_of_month, month_of, recurring_due_day
from ..project import Project

DONE = STATUS_CHOICES[-1]  # 已完成
NOT_REPORTED = "未填报"


@dataclass
class OverdueTask:
    item: Item
    due: date
    status: str


@dataclass
class UnitProgress:
    unit: str
    label: str
    tasks: int
    expected: list[str]  # input ids the unit's workbook asks for
    received: list[str]
    statuses: Counter[str]
    files: int  # accepted files this round
    last_file: str
    last_at: str
    findings: int  # errors and warnings on the unit's current file
    status: str
    late: bool
    overdue: list[OverdueTask] = field(default_factory=list)
    notes: list[tuple[str, str, str]] = field(default_factory=list)  # (item, status, note) as the unit wrote them
    roles: dict[str, list[str]] = field(default_factory=dict)  # task -> the unit's roles in it (plan.responsibility.ROLES)
    reminder: str = ""

    @property
    def missing(self) -> list[str]:
        return [i for i in self.expected if i not in self.received]


def _status(returned: bool, missing: int, late_file: bool, past: bool) -> tuple[str, bool]:
    if not returned:
        return ("逾期未报送", True) if past else ("未报送", False)
    if missing:
        return (f"逾期未报齐（缺 {missing} 项）", True) if past else (f"未报齐（缺 {missing} 项）", False)
    return ("逾期报送", True) if late_file else ("已报齐", False)


def round_deadline(project: Project, ledger: Ledger, round_name: str) -> date:
    """A round's return deadline: the settings' for the current round, the recorded one for an earlier
    round (the deadline it had when the office moved on)."""
    s = project.settings
    if round_name == s.round:
        return date.fromisoformat(s.deadline)
    return date.fromisoformat(ledger.round_deadlines().get(round_name, s.deadline))


def task_due(item: Item, year: int, round_name: str, deadline: date) -> date | None:
    """When a task is due in a round: its own 完成时限; for a task due every month ("每月23日前") that
    day of the round's month; None (never overdue) when the document gives no time limit."""
    own = normalise_deadline(item.deadline, year)
    if own.date is not None:
        return own.date
    day = recurring_due_day(item)
    if day is None:
        return None
    return day_of_month(*(month_of(round_name) or (deadline.year, deadline.month)), day)


def unit_progress(project: Project, ledger: Ledger, today: date, round_name: str | None = None) -> list[UnitProgress]:
    """Every unit's progress in a round (the current one unless `round_name` names an earlier one)."""
    s = project.settings
    round_name = round_name or s.round
    deadline = round_deadline(project, ledger, round_name)
    past = today > deadline
    current = ledger.current_values(round_name)
    states: dict[str, dict[str, str]] = {}
    notes: dict[str, list[tuple[str, str, str]]] = {}
    for unit, item, status, note in ledger.task_states(round_name):
        states.setdefault(unit, {})[item] = status
        if note:
            notes.setdefault(unit, []).append((item, status, note))
    returns = ledger.current_files(round_name)
    accepted = Counter(f["unit"] for f in ledger.files() if f["status"] == "accepted" and f["round"] == round_name)
    counts = Counter()
    for f in ledger.file_findings():
        if f["severity"] != "info":
            counts[int(f["file_seq"])] += 1  # type: ignore[arg-type]
    out = []
    for package in packages(project)[0]:
        name = package.unit.name
        last = returns.get(name)
        expected = package.asked
        received = [i for i in expected if any(c.unit == name for c in current.get(i, []))]
        unit_states = states.get(name, {})
        statuses = Counter(unit_states.get(t.item.id, NOT_REPORTED) for t in package.tasks)
        late_file = bool(last) and str(last["arrived_at"])[:10] > deadline.isoformat()
        status, late = _status(last is not None, len(expected) - len(received), late_file, past)
        overdue = []
        for task in package.tasks:
            due = task_due(task.item, s.year, round_name, deadline)
            state = unit_states.get(task.item.id, NOT_REPORTED)
            if due is not None and today > due and state != DONE:
                overdue.append(OverdueTask(task.item, due, state))
        out.append(
            UnitProgress(
                unit=name,
                label=package.unit.label,
                tasks=len(package.tasks),
                expected=expected,
                received=received,
                statuses=statuses,
                files=accepted[name],
                last_file=str(last["arrived_as"]) if last else "",
                last_at=str(last["arrived_at"]) if last else "",
                findings=counts[int(last["seq"])] if last else 0,  # type: ignore[arg-type]
                status=status,
                late=late,
                overdue=overdue,
                notes=notes.get(name, []),
                roles={t.item.id: t.roles for t in package.tasks},
            )
        )
    for p in out:
        p.reminder = reminder(project, p, today, deadline)
    return out


def reminder(project: Project, p: UnitProgress, today: date, deadline: date) -> str:
    """A notice to paste into a message or a 催报通知; empty when there is nothing to ask for."""
    s, rubric = project.settings, project.rubric
    if not (p.missing or p.overdue or p.status == "逾期未报送"):
        return ""
    lines = [f"{p.label}：", ""]
    when = f"截至{today.year}年{today.month}月{today.day}日"
    asked = f"按照《{rubric.title}》任务分解，请贵单位于{_cn_date(deadline.isoformat())}前报送《{p.label}-任务分解表》。"
    if p.files == 0:
        lines.append(f"    {asked}{when}，尚未收到贵单位的报送文件。")
    else:
        lines.append(f"    {asked}{when}，已收到贵单位报送的文件（{p.last_file}），但仍有以下内容未完成。")
    specs = rubric.inputs
    if p.missing:
        lines.append(f"    一、尚缺数据项 {len(p.missing)} 项：")
        for k, input_id in enumerate(p.missing, 1):
            spec = specs[input_id]
            unit = f"（{spec.unit}）" if spec.unit and spec.unit != "%" else ""
            lines.append(f"        {k}. {spec.label}{unit}")
    if p.overdue:
        lines.append(f"    {'二' if p.missing else '一'}、已过完成时限、尚未完成的任务 {len(p.overdue)} 项：")
        for k, task in enumerate(p.overdue, 1):
            lines.append(f"        {k}. {task.item.title}（完成时限 {task.due.isoformat()}，当前状态：{task.status}）")
    contact = "，".join(x for x in (s.contact, f"电话 {s.phone}" if s.phone else "", s.email) if x)
    lines.append(f"    请抓紧填报，在原任务分解表中补充后尽快发回{('（联系人：' + contact + '）') if contact else ''}。")
    lines += ["", f"{s.issuer}", f"{today.year}年{today.month}月{today.day}日"]
    return "\n".join(lines)


def _cn_date(iso: str) -> str:
    d = date.fromisoformat(iso)
    return f"{d.year}年{d.month}月{d.day}日"
