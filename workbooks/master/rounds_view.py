"""The master's sheets for a task list followed round after round: 任务进度 (each task's lead unit
and status, round by round) and 报送情况 (who reported on time, late or not at all, each round)."""

from __future__ import annotations

from collections import Counter

from xlsxwriter.worksheet import Worksheet

from ..plan.responsibility import ROLES
from ..project import Project
from .progress import DONE, NOT_REPORTED, UnitProgress
from .reports import table
from .rounds import COUNTED, LATE, NONE, ON_TIME, PUBLICATION_FOLDER, RoundReport
from .style import Styles


def write_publication(ws: Worksheet, units: list[UnitProgress], reports: list[RoundReport], st: Styles) -> None:
    """Units down, rounds across: 按时报送 (date), 逾期报送 (date) or 未报送; counts over the table."""
    head = ["单位", *[f"{r.name}（截止 {r.deadline.isoformat()}）" for r in reports]]
    rows = [
        [u.label, *[f"{r.standing(u.unit)}{'（' + r.received[u.unit] + '）' if u.unit in r.received else ''}" for r in reports]]
        for u in units
    ]
    counts = [Counter(r.standing(u.unit) for u in units) for r in reports]
    rows.insert(0, ["合计", *[f"按时 {c[ON_TIME]}，逾期 {c[LATE]}，未报送 {c[NONE]}" for c in counts]])
    table(
        ws, "各轮次报送情况（可用于每月公布）",
        f"每轮按该轮的回收截止日期判断按时、逾期；括号内是该轮第一次报送的日期。每轮的公布文字在项目文件夹的“{PUBLICATION_FOLDER}”中。",
        head, [20] + [24] * len(reports), rows, st,
    )  # fmt: skip


def write_task_progress(
    ws: Worksheet, project: Project, units: list[UnitProgress], reports: list[RoundReport], st: Styles
) -> None:
    """A task a row: its lead unit and the lead's status this round first, then how many of its
    units stand where this round, then how many had it 已完成 in each round."""
    owners: dict[str, list[tuple[str, str, bool]]] = {}  # task -> (unit, label, lead?)
    for u in units:
        for item_id, roles in u.roles.items():
            owners.setdefault(item_id, []).append((u.unit, u.label, "lead" in roles))
    current = reports[-1]
    rows = []
    for k, item in enumerate(project.rubric.items, 1):
        units = owners.get(item.id, [])
        leads = [(u, label) for u, label, lead in units if lead]
        now = Counter(current.states.get(u, {}).get(item.id, NOT_REPORTED) for u, _, _ in units)
        lead_text = "；".join(f"{label}：{current.states.get(u, {}).get(item.id, NOT_REPORTED)}" for u, label in leads)
        done = [sum(1 for u, _, _ in units if r.states.get(u, {}).get(item.id) == DONE) for r in reports]
        words = [item.method, item.deadline.strip() or "未规定", item.evidence_box, item.evidence]  # verbatim
        rows.append([item.number or str(k), item.title, lead_text or "（文件未写牵头单位）", *words, len(units), *[now[c] for c in COUNTED], *done])
    head = ["序号", "工作要点", "牵头单位及本轮状态", "工作方法", "工作进度要求", "资料盒编号", "佐证材料", "责任单位数",
            *[f"本轮{c}" for c in COUNTED], *[f"{r.name}已完成" for r in reports]]  # fmt: skip
    table(
        ws, f"任务进度（本轮：{current.name}）",
        "每项一行（序号同文件；文件未编号的按顺序编）：牵头单位及其本轮填报的状态；文件写的工作方法、工作进度要求、资料盒编号和佐证材料"
        "（原文照录）；各责任单位本轮的状态分布；各轮次填报“已完成”的单位数。",
        head, [5, 24, 18, 30, 10, 6, 22, 7, 7, 7, 7, 7] + [10] * len(reports), rows, st,
    )  # fmt: skip


LEAD_MARK = "★"  # before the status of the task's lead unit


def write_task_matrix(
    ws: Worksheet, project: Project, units: list[UnitProgress], reports: list[RoundReport], st: Styles
) -> None:
    """Tasks down, units across: each unit's status this round where the task is its own (★ the lead,
    whose status also comes first), blank where it is not."""
    current = reports[-1]
    rows = []
    for k, item in enumerate(project.rubric.items, 1):
        cells, leads = [], []
        for u in units:
            if item.id not in u.roles:
                cells.append("")
                continue
            status = current.states.get(u.unit, {}).get(item.id, NOT_REPORTED)
            lead = "lead" in u.roles[item.id]
            cells.append(f"{LEAD_MARK}{status}" if lead else status)
            if lead:
                leads.append(status)
        rows.append([item.number or str(k), item.title, "、".join(leads) or "—", *cells])
    head = ["序号", "工作要点", "牵头单位状态", *[u.label for u in units]]
    table(
        ws, f"任务 × 单位（本轮：{current.name}）",
        f"每格是该单位本轮填报的状态（{LEAD_MARK} 为牵头单位）；空白表示不是该单位的任务；“{NOT_REPORTED}”表示本轮还没有报送或没有选状态。",
        head, [5, 24, 10] + [9] * len(units), rows, st,
    )  # fmt: skip


def write_round_states(
    ws: Worksheet, project: Project, units: list[UnitProgress], reports: list[RoundReport], st: Styles
) -> None:
    """Every unit's every task, its status in each round side by side: earlier rounds stay readable
    (未报送: no file from the unit that round; 未填报: a file without a status for the task)."""
    items = {i.id: (k, i) for k, i in enumerate(project.rubric.items, 1)}
    rows = []
    for u in units:
        for item_id, roles in u.roles.items():
            k, item = items[item_id]
            statuses = [
                r.states.get(u.unit, {}).get(item_id, NOT_REPORTED) if u.unit in r.received else NONE for r in reports
            ]
            rows.append([u.label, item.number or str(k), item.title, "、".join(ROLES[x] for x in roles), *statuses])
    table(
        ws, "各轮次任务状态",
        f"每个单位的每项任务一行，各轮次填报的状态并排（“{NONE}”：该轮没有收到该单位的文件；“{NOT_REPORTED}”：收到了但没有选状态）。",
        ["单位", "序号", "工作要点", "本单位角色", *[r.name for r in reports]], [16, 5, 30, 10] + [10] * len(reports), rows, st,
    )  # fmt: skip
