"""`xinyong round`: the progress rounds of a project (the next month's report of a task list)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from .usage import UsageFailure, finish, open_folder


@click.group("round")
def round_group() -> None:
    """评估轮次：开始下一轮（如每月一次的进展报送），查看各轮次。"""


def _deadline(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UsageFailure(f"回收截止日期“{text}”应写成 2020-04-23 这样的日期") from None


@round_group.command("new")
@click.argument("folder", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.argument("name", required=False)
@click.option("--deadline", help="新轮次的回收截止日期，如 2020-04-23（不写则按文件要求推算）")
def round_new(folder: Path, name: str | None, deadline: str | None) -> None:
    """开始下一轮：记下本轮的截止日期，归档本轮下发的表，生成新一轮的任务分解表（带入各单位上一轮填报的状态）。"""
    from udfs.findings import Severity

    from .generate.next_round import RoundRefused, start_round
    from .lock import LockBusy
    from .report import text as report

    project = open_folder(folder)
    try:
        started = start_round(project, name, _deadline(deadline))
    except RoundRefused as refused:
        raise UsageFailure(str(refused)) from None
    except LockBusy as busy:
        raise UsageFailure(f"另一个汇总或计分正在进行（{busy.holder}），请稍后再试") from None
    result = started.generated
    click.echo(f"已开始新轮次：{started.name}（上一轮：{started.previous}）")
    click.echo(f"  回收截止日期：{started.deadline}（{started.why}）；如需改动，修改 项目设置.yaml 的 deadline 后运行 xinyong generate --force")
    click.echo(f"  上一轮下发的文件已移入：{started.archived_to}")
    click.echo(
        f"  已生成任务分解表 {len(result.files)} 份，带入各单位上一轮填报的任务状态和进展说明 {started.carried} 项"
        "（每月定期报送的任务从“未开始”重新填）"
    )
    click.echo(f"  按下发清单发给各单位：{project.outbox}")
    for f in result.findings:
        if f.severity is not Severity.INFO:
            click.echo(report.finding_line(f))
    finish(list(result.findings))


@round_group.command("list")
@click.argument("folder", type=click.Path(file_okay=False, exists=True, path_type=Path))
def round_list(folder: Path) -> None:
    """列出各轮次及其回收截止日期、收到的文件数。"""
    from .ledger import LEDGER_FILE, Ledger
    from .master.progress import round_deadline
    from .master.rounds import round_names

    project = open_folder(folder)
    ledger = Ledger(project.root / LEDGER_FILE)
    try:
        names = round_names(project, ledger)
        received = {n: sum(1 for f in ledger.files() if f["round"] == n and f["status"] == "accepted") for n in names}
        for n in names:
            mark = "（当前）" if n == project.settings.round else ""
            click.echo(f"{n}{mark}  回收截止 {round_deadline(project, ledger, n).isoformat()}  收到文件 {received[n]} 个")
    finally:
        ledger.close()
