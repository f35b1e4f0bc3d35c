"""A task list followed round after round: each round's returns and statuses, and the publication
of who reported that the documents ask for ("市信用办每月将数据报送情况予以公布").

Each round is judged against its own return deadline (master.progress.round_deadline), so March's late
units stay March's when April is current. The publication is written as a text per round in
报送情况公布/ for the office to send; rounds_view lays the same facts out in the master.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from udfs.rubric import Rubric

from ..generate.unit_workbook import STATUS_CHOICES
from ..ledger import Ledger
from ..project import Project, safe_name
from .progress import NOT_REPORTED, UnitProgress, round_deadline

PUBLICATION_FOLDER = "报送情况公布"  # in the project folder: a text a round
ON_TIME, LATE, NONE = "按时报送", "逾期报送", "未报送"
COUNTED = [*reversed(STATUS_CHOICES), NOT_REPORTED]  # 已完成, 推进中, 未开始, 未填报


def follows_tasks(rubric: Rubric) -> bool:
    """A rubric followed task by task: a task list, or a scored rubric whose items carry their own
    工作进度要求 or 资料盒编号 (wangyi-district), which the office assembles evidence by."""
    return not rubric.scored or any(i.deadline or i.evidence_box for i in rubric.items)


@dataclass
class RoundReport:
    name: str
    deadline: date
    received: dict[str, str]  # unit -> date of its first accepted file of the round (ISO)
    states: dict[str, dict[str, str]]  # unit -> task -> status reported in the round

    def standing(self, unit: str) -> str:
        first = self.received.get(unit)
        if first is None:
            return NONE
        return LATE if first > self.deadline.isoformat() else ON_TIME


def round_names(project: Project, ledger: Ledger) -> list[str]:
    """Every round the ledger knows (recorded or with files) in the order it came, the current one last."""
    names = dict.fromkeys([*ledger.round_deadlines(), *ledger.rounds()])
    return [n for n in names if n != project.settings.round] + [project.settings.round]


def round_reports(project: Project, ledger: Ledger) -> list[RoundReport]:
    """Every round's returns and statuses (round_names' order)."""
    out = []
    for name in round_names(project, ledger):
        received: dict[str, str] = {}
        for f in ledger.files():
            if f["status"] == "accepted" and f["round"] == name:
                received.setdefault(str(f["unit"]), str(f["received_at"])[:10])
        states: dict[str, dict[str, str]] = {}
        for unit, item, status, _note in ledger.task_states(name):
            states.setdefault(unit, {})[item] = status
        out.append(RoundReport(name, round_deadline(project, ledger, name), received, states))
    return out


def publication_text(project: Project, report: RoundReport, units: list[UnitProgress]) -> str:
    """The round's publication, as the office sends it: who reported on time, late, not at all."""
    by: dict[str, list[str]] = {ON_TIME: [], LATE: [], NONE: []}
    for u in units:
        by[report.standing(u.unit)].append(u.label)
    d = report.deadline
    lines = [
        f"{report.name}各单位报送情况",
        "",
        f"    按照《{project.rubric.title}》任务分解，各单位应于{d.year}年{d.month}月{d.day}日前报送本轮进展。"
        f"应报送单位 {len(units)} 个，按时报送 {len(by[ON_TIME])} 个，逾期报送 {len(by[LATE])} 个，未报送 {len(by[NONE])} 个。",
    ]
    for what in (LATE, NONE):
        if by[what]:
            lines.append(f"    {what}的单位：{'、'.join(by[what])}。")
    if by[ON_TIME]:
        lines.append(f"    按时报送的单位：{'、'.join(by[ON_TIME])}。")
    lines += ["", project.settings.issuer]
    return "\n".join(lines)


def write_publication_files(project: Project, reports: list[RoundReport], units: list[UnitProgress]) -> Path:
    """`units`: the units the project sends workbooks to (master.progress)."""
    folder = project.root / PUBLICATION_FOLDER
    folder.mkdir(exist_ok=True)
    for report in reports:
        (folder / f"{safe_name(report.name)}.txt").write_text(publication_text(project, report, units) + "\n", encoding="utf-8")
    return folder
