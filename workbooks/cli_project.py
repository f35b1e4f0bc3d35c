"""The project commands: generate, consolidate, resolve, master, report, demo (the jobs the ribbon
buttons run too), registered on the `xinyong` group by workbooks.cli."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from . import click_zh
from .usage import UsageFailure, chosen_subject, emit_json, finish, open_folder

if TYPE_CHECKING:
    from .master.run import MasterOutcome
    from .project import Project


def master_of(project: Project) -> MasterOutcome:
    """Read back what the office typed into the master, score from the ledger and rewrite the master
    (the one path for master, score, report and the ribbon's 重新计分)."""
    from .lock import LockBusy
    from .master.run import write_master

    try:
        return write_master(project)
    except LockBusy as busy:
        raise UsageFailure(f"另一个汇总或计分正在进行（{busy.holder}），请稍后再试") from None


@click.command()
@click.argument("folder", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--formulas", type=click.Choice(["udf", "native"]), hidden=True)  # retired: accepted, told so
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出（供脚本使用）")
def master(folder: Path, formulas: str | None, as_json: bool) -> None:
    """生成（或更新）评分总表：总览、评分表、硬指标、提分空间、催报、单位进度、轮次趋势、提交记录、问题清单。"""
    from .report import text as report

    if formulas is not None:
        click.echo(
            "提示：评分总表现在总是用 Excel 自带函数计算（装不装加载项、WPS、LibreOffice 结果相同），不再需要 --formulas。",
            err=True,
        )
    outcome = master_of(open_folder(folder))
    if as_json:
        emit_json(report.master_dict(outcome))
    else:
        click.echo(report.master_lines(outcome))
    finish(outcome.state.findings)


@click.command("report")
@click.argument("folder", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option(
    "--top", default=15, show_default=True, type=click.IntRange(min=1), help="列出提分空间的前几项（1 或以上）"
)
@click.option("--reminders", is_flag=True, help="同时显示每个催报单位的通知文字")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出（供脚本使用）")
@click.option("--feedback", is_flag=True, help="逐一考核的项目：为每个考核对象生成考核结果反馈表（“反馈”文件夹）")
@click.option("--subject", help="逐一考核的项目：只看这个考核对象的提分空间（全称、简称或别名）")
@click.option("--pdf/--no-pdf", default=True, show_default=True, help="反馈表同时生成 PDF 版（需要 LibreOffice）")
def report_command(
    folder: Path, top: int, reminders: bool, as_json: bool, feedback: bool, subject: str | None, pdf: bool
) -> None:
    """提分空间（失分项及挽回办法）、硬指标风险和催报名单；同时更新评分总表。"""
    from .report import text as report

    if feedback:
        _feedback(folder, as_json, pdf)
        return
    project = open_folder(folder)
    outcome = master_of(project)
    if project.subjects or subject is not None:
        _subjects_report(project, outcome, subject, top, reminders, as_json)
        return
    if as_json:
        emit_json(report.master_dict(outcome))
    else:
        click.echo(report.recovery_text(outcome.state, top, reminders))
        click.echo("")
        click.echo(report.master_lines(outcome))
    finish(outcome.state.findings)


def _subjects_report(
    project: Project, outcome: MasterOutcome, subject: str | None, top: int, reminders: bool, as_json: bool
) -> None:
    """`report` on a many-subject project: every subject's top items, or one subject's whole plan."""
    from .master.ranking import TOP
    from .report import text as report
    from .report.subjects import recovery_lines, subject_dict

    wanted = chosen_subject(project, subject)
    scores = [s for s in outcome.subjects or [] if wanted is None or s.subject == wanted]
    if as_json:
        emit_json({"subjects": [subject_dict(s) for s in scores]})
    elif subject is not None:
        click.echo(report.recovery_text(scores[0].state, top, reminders))
    else:
        click.echo(recovery_lines(scores, min(top, TOP)))
        click.echo("\n".join(report.reminder_lines(outcome.state.units, reminders)))
        click.echo("")
        click.echo(report.master_lines(outcome))
    finish([f for s in scores for f in s.state.findings] + list(outcome.findings))


@click.command()
@click.argument("folder", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--force", is_flag=True, help="替换已下发但内容有变化的文件（旧文件移入 归档/已替换）")
def generate(folder: Path, force: bool) -> None:
    """为每个责任单位生成任务分解表，并生成下发清单。"""
    from .generate.distribution import DISTRIBUTION_FILE
    from .generate.run import GenerateRefused, packages
    from .generate.run import generate as run_generate
    from .report import text as report

    project = open_folder(folder)
    planned = packages(project)
    try:
        with click.progressbar(length=len(planned[0]), label="生成任务分解表", file=sys.stderr) as bar:
            result = run_generate(project, force=force, progress=lambda _label: bar.update(1), planned=planned)
    except GenerateRefused as refused:
        raise UsageFailure(
            f"下发文件夹中已有 {len(refused.changed)} 个文件与本次生成的内容不同（可能已经发出）：{'、'.join(refused.changed[:10])}"
            f"{' 等' if len(refused.changed) > 10 else ''}。未做任何改动；确需替换请加 --force（旧文件会移入 归档/已替换）。"
        ) from None
    counts = result.counts()
    click.echo(
        f"单位 {len(result.files)} 个；任务分解表：新生成 {counts['新生成']}，已替换 {counts['已替换']}，未变化 {counts['未变化']}"
    )
    click.echo(
        f"分配数据项 {result.inputs_assigned} 个（共 {len(project.rubric.inputs)} 个数据项）；下发清单：{project.outbox / DISTRIBUTION_FILE}"
    )
    if result.replaced_to:
        click.echo(f"被替换的旧文件已保存到：{result.replaced_to}")
    for f in result.findings:
        click.echo(report.finding_line(f))
    finish(list(result.findings))


def _feedback(folder: Path, as_json: bool, pdf: bool) -> None:
    """One feedback workbook per subject (and its PDF), after the 考核分 typed into the master are read
    back, so the feedback says what the master says."""
    from .report.feedback import feedback_pdfs, write_feedback

    project = open_folder(folder)
    if not project.subjects:
        raise UsageFailure(f"“{project.rubric.title}”评估的是一个整体，没有逐一考核的对象，不生成反馈表")
    outcome = master_of(project)
    scores = outcome.subjects or []
    written = write_feedback(project, scores)
    pdfs = feedback_pdfs(written) if pdf else None
    if as_json:
        rows = [
            {"subject": s.subject, "rank": s.rank, "file": str(path), "pdf": str(pdfs[k]) if pdfs and pdfs[k] else None}
            for k, (s, path) in enumerate(zip(scores, written, strict=True))
        ]
        emit_json({"feedback": rows})
    else:
        click.echo(f"已为 {len(written)} 个考核对象生成考核结果反馈表：{written[0].parent if written else ''}")
        if pdf and pdfs is None:
            click.echo(
                "未找到 LibreOffice，没有生成 PDF 版；反馈表（xlsx）已生成，装上 LibreOffice 后重新运行即可一并生成 PDF。"
            )
        elif pdfs is not None:
            failed = sum(1 for p in pdfs if p is None)
            click.echo(f"PDF 版 {len(pdfs) - failed} 份在同一文件夹" + (f"；{failed} 份未能转换" if failed else ""))
    finish([f for s in scores for f in s.state.findings] + list(outcome.findings))


@click.command()
@click.argument("folder", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--dry-run", is_flag=True, help="只检查并报告，不写入台账和归档（“校验回收表”）")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出（供脚本使用）")
def consolidate(folder: Path, dry_run: bool, as_json: bool) -> None:
    """汇总“回收”文件夹中的全部文件：识别、校验、记入台账。"""
    from .intake.consolidate import consolidate as run_consolidate
    from .intake.consolidate import inbox_files
    from .intake.zipped import container
    from .lock import LockBusy
    from .report import text as report

    project = open_folder(folder)
    files = inbox_files(project)
    try:
        with click.progressbar(
            length=len(files), label="校验回收表" if dry_run else "汇总回收表", file=sys.stderr
        ) as bar:
            counted: set[str] = set()

            def advance(name: str) -> None:
                whole = container(name)  # a .zip's workbooks advance it once, as its length counts the .zip
                if whole not in counted:
                    counted.add(whole)
                    bar.update(1)

            summary = run_consolidate(project, dry_run=dry_run, progress=advance)
    except LockBusy as busy:
        raise UsageFailure(f"另一个汇总正在进行（{busy.holder}），请稍后再试") from None
    if as_json:
        emit_json(report.consolidation_dict(summary))
    else:
        click.echo(report.consolidation_text(summary))
        if summary.master is not None:
            click.echo("")
            click.echo(report.master_lines(summary.master))
    finish(summary.findings + (summary.master.state.findings if summary.master else []))


@click.command("resolve")
@click.argument("folder", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.argument("input_id")
@click.argument("value")
@click.option("--unit", help="采用哪个单位报送的值（记录在台账中）")
@click.option("--note", default="", help="说明（如：经电话核实）")
@click.option("--subject", help="逐一考核的项目：这个值属于哪个考核对象（全称、简称或别名）")
def resolve_conflict(folder: Path, input_id: str, value: str, unit: str | None, note: str, subject: str | None) -> None:
    """确认一个数据项的采用值（解决不同单位报送不一致的冲突），记入台账。"""
    from datetime import datetime

    from udfs.values import ValueProblem, type_value

    from .ledger import LEDGER_FILE, Ledger

    project = open_folder(folder)
    if project.subjects and subject is None:
        raise UsageFailure("本项目逐一考核各对象：请用 --subject 指明这个值属于哪个考核对象")
    subject = chosen_subject(project, subject)
    spec = project.rubric.inputs.get(input_id)
    if spec is None:
        raise UsageFailure(f"指标体系中没有数据项“{input_id}”")
    if unit is not None:
        kind, unit_name = project.registry.names().get(unit.strip(), ("", ""))
        if kind != "unit":
            raise UsageFailure(
                f"单位名录中没有“{unit}”这个单位（--unit 写单位的全称、简称或别名，如“{project.registry.label_of(next(iter(project.registry.units)))}”）"
            )
        unit = project.registry.label_of(unit_name)
    try:
        typed = type_value(spec, value)
    except ValueProblem as problem:
        raise UsageFailure(f"“{value}”不能作为“{spec.label}”的值：{problem.reason}") from None
    ledger = Ledger(project.root / LEDGER_FILE)
    try:
        at = datetime.now().isoformat(timespec="seconds")
        ledger.resolve(project.settings.round, input_id, typed, unit, note, at, subject)
    finally:
        ledger.close()
    whose = f"{project.registry.label_of(subject)}的" if subject else ""
    click.echo(f"已记录：{whose}{spec.label}（{input_id}）采用 {value}" + (f"（{unit}）" if unit else ""))


@click.command()
@click.argument("folder", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.argument("name", metavar="文件名")
@click.option("--note", default="", help="说明（如：单位发错了附件，已电话确认）")
def dismiss(folder: Path, name: str, note: str) -> None:
    """把一个文件的问题标记为已处理（如发错的附件、误放的文件），此后问题清单和退出码不再计入；记入台账（谁、何时）。"""
    from datetime import datetime

    from .ledger import LEDGER_FILE, Ledger, user_name

    project = open_folder(folder)
    ledger = Ledger(project.root / LEDGER_FILE)
    try:
        rows = ledger.named(name)
        names = {str(r["original_name"]) for r in rows}
        if not rows:
            raise UsageFailure(
                f"台账中没有名为“{name}”的文件（写回收文件夹中的文件名，如“某单位.xlsx”；汇总过的文件才能标记）"
            )
        if len(names) > 1:
            raise UsageFailure(f"有 {len(names)} 个文件叫“{name}”：{'、'.join(sorted(names))}；请写出含子文件夹的名称")
        latest = rows[-1]
        who = user_name()
        ledger.dismiss(int(latest["seq"]), note, who, datetime.now().isoformat(timespec="seconds"))  # type: ignore[arg-type]
    finally:
        ledger.close()
    click.echo(
        f"已标记为已处理：{latest['original_name']}（{who}）；重新计分或汇总后，评分总表的问题清单不再列出它的问题"
    )


DEMO_FOLDER = "xinyong-演示"  # in the current folder, when `demo` is given none


@click.command()
@click.argument("folder", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--rubric",
    default="national-2019",
    show_default=True,
    help="内置指标体系编号（xinyong rubric list 列出全部）；逐一考核的指标体系另有排名",
)
def demo(folder: Path | None, rubric: str) -> None:
    """演示：用内置指标体系走完一次评估（生成、填报、汇总、评分总表、提分空间、催报；逐一考核的指标体系还有排名）。"""
    from udfs.rubric import list_builtin, load

    from .demo import run_demo, summary_text
    from .demo_subjects import run_subjects_demo, subjects_summary_text
    from .project import ProjectError

    if rubric not in list_builtin():  # a demo needs the rubric's own example figures: built-ins only
        raise UsageFailure(click_zh.near(rubric, list_builtin(), "内置指标体系", "（演示只用内置指标体系）"))
    if folder is None:  # the next free name: xinyong-演示, then -2, -3, … (a demo never lands in a used folder)
        folder = next(p for n in range(1, 10_000) if not (p := Path(DEMO_FOLDER + (f"-{n}" if n > 1 else ""))).exists())
    elif folder.exists() and any(folder.iterdir()):
        raise UsageFailure(f"文件夹 {folder} 已存在且不是空的；请指定一个新文件夹：xinyong demo 新文件夹")
    click.echo("正在生成演示项目（生成各单位任务分解表、模拟各单位填报、汇总、计分）……", err=True)
    loaded, _ = load(rubric)
    try:
        if loaded is not None and loaded.assessed:
            click.echo(subjects_summary_text(run_subjects_demo(folder, rubric)))
        else:
            click.echo(summary_text(run_demo(folder, rubric)))
    except ProjectError as exc:
        raise UsageFailure(str(exc)) from None


PROJECT_COMMANDS = [generate, consolidate, resolve_conflict, dismiss, master, report_command, demo]
