"""`xinyong round new`: the next progress round of a project, as one command.

The round that ends keeps everything it had: its return deadline is recorded in the ledger (so its
late units stay what they were), its files and statuses stay in the ledger under its name, and the
workbooks sent for it move to 归档/下发/<round>/. The new round gets its name (the next month by
default), a return deadline (given, or suggested from the document: plan.rounds) and a workbook per
unit that starts from the unit's last reported status and note of every task, so the unit changes
only what moved. A task due every month (a cadence such as "每月23日前") starts again at 未开始.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import date, datetime

from ..ledger import LEDGER_FILE, Ledger
from ..lock import project_lock
from ..plan.rounds import next_round_name, recurring_due_day, suggested_deadline
from ..project import Project, open_project, safe_name, write_settings
from .run import GenerateResult, generate

SENT_FOLDER = "下发"  # in 归档/: the workbooks each earlier round sent, one folder a round


class RoundRefused(Exception):
    """The new round cannot be started as asked (the message says why and what to do)."""


@dataclass
class RoundStarted:
    previous: str
    name: str
    deadline: str
    why: str  # where the deadline comes from
    carried: int  # tasks whose status was carried into the new workbooks
    archived_to: str  # where the previous round's workbooks went
    generated: GenerateResult


def start_round(
    project: Project, name: str | None = None, deadline: date | None = None, now: datetime | None = None
) -> RoundStarted:
    now = now or datetime.now()
    s, rubric = project.settings, project.rubric
    name = (name or next_round_name(s.round) or "").strip()
    if not name:
        raise RoundRefused(f"无法从当前轮次“{s.round}”推出下一轮的名称，请写明新轮次名称，如“2020年4月”")
    previous = date.fromisoformat(s.deadline)
    why = "按指定日期"
    if deadline is None:
        suggested = suggested_deadline(rubric, name, previous)
        if suggested is None:
            raise RoundRefused("无法推算新轮次的回收截止日期，请用 --deadline 写明，如 --deadline 2020-04-23")
        deadline, why = suggested.deadline, suggested.why
    with project_lock(project):
        ledger = Ledger(project.root / LEDGER_FILE)
        try:
            known = ledger.round_deadlines()
            if name == s.round or name in known:
                raise RoundRefused(f"轮次“{name}”已经有了；新轮次请换一个名称")
            at = now.isoformat(timespec="seconds")
            ledger.record_round(s.round, s.deadline, at)
            carried = _carried(project, ledger.latest_task_states())
            ledger.record_round(name, deadline.isoformat(), at)
        finally:
            ledger.close()
        archived = project.archive / SENT_FOLDER / _safe(s.round)
        archived.mkdir(parents=True, exist_ok=True)
        for sent in sorted(project.outbox.iterdir()) if project.outbox.is_dir() else []:
            target = archived / sent.name
            if target.exists():
                target = archived / f"{now:%Y%m%d-%H%M%S}-{sent.name}"
            shutil.move(str(sent), str(target))
        old = s.round
        s.round, s.name, s.deadline = name, f"{rubric.title}（{name}）", deadline.isoformat()
        write_settings(project.root, s)
    fresh, _ = open_project(project.root)
    result = generate(fresh, carried=carried, now=now)
    count = sum(len(tasks) for tasks in carried.values())
    return RoundStarted(old, name, deadline.isoformat(), why, count, str(archived.relative_to(project.root)), result)


def _carried(project: Project, latest: dict[str, dict[str, tuple[str, str]]]) -> dict[str, dict[str, tuple[str, str]]]:
    """The statuses a new round starts from: each unit's last reported ones, but a task due on a day
    of every month ("每月23日前") starts again, since its obligation is new."""
    recurring = {i.id for i in project.rubric.items if recurring_due_day(i) is not None}
    return {
        unit: kept for unit, tasks in latest.items() if (kept := {i: sn for i, sn in tasks.items() if i not in recurring})
    }


def _safe(name: str) -> str:
    return safe_name(name) or "未命名轮次"
