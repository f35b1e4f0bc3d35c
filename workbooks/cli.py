"""The `xinyong` command line: the same services the ribbon buttons call, for operators.

Exit codes (click carries them on exceptions): 0 clean, 1 findings were raised, 2 usage error or
an input that cannot be read at all.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from addin.commands import addin as addin_commands

from . import click_zh
from .cli_portal import serve
from .cli_project import PROJECT_COMMANDS, master_of
from .cli_round import round_group
from .console import log_failure, tolerate_unencodable
from .usage import UsageFailure, chosen_subject, emit_json, finish, open_folder

if TYPE_CHECKING:
    from udfs.rubric import Rubric
    from workbooks.plan.registry import Registry
    from workbooks.project import Project

# Each command imports the services it runs when it runs: `xinyong --help` and a ribbon click pay
# for click and these few modules only (BENCHMARKS.md, Start-up).

DEFAULT_RUBRIC = "national-2019"
EXIT_FINDINGS = 1


def _load(ref: str) -> Rubric:
    from udfs.rubric import RubricNotFound, load
    from workbooks.report import text as report

    try:
        rubric, findings = load(ref)
    except RubricNotFound:
        raise UsageFailure(rubric_not_found(ref)) from None
    if rubric is None or findings.has_errors():
        for f in findings:
            click.echo(report.finding_line(f), err=True)
        raise UsageFailure(f"指标体系文件“{ref}”有错误，无法使用；请先运行 xinyong rubric check {ref}")
    return rubric


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="xinyong", help="显示版本号并退出。", message="%(prog)s，版本 %(version)s")
def main() -> None:
    """xinyong：社会信用体系建设评估工具（指标体系、数据填报、评分）。"""


@main.group()
def rubric() -> None:
    """查看和检查指标体系。"""


@rubric.command("list")
def rubric_list() -> None:
    """列出内置指标体系。"""
    from udfs.rubric import list_builtin, load

    for ref in list_builtin():
        loaded, _ = load(ref)
        title = loaded.title if loaded else "（文件有错误）"
        click.echo(f"{ref}\t{title}")


@rubric.command("show")
@click.argument("ref")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出（供脚本使用）")
def rubric_show(ref: str, as_json: bool) -> None:
    """显示指标体系的部分、指标和数据项。"""
    from workbooks.report import text as report

    r = _load(ref)
    if as_json:
        emit_json(report.rubric_dict(r))
        return
    click.echo(report.rubric_text(r))


@rubric.command("check")
@click.argument("ref")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出（供脚本使用）")
def rubric_check(ref: str, as_json: bool) -> None:
    """检查指标体系文件：分值合计、公式、数据项、得分范围。"""
    from udfs.rubric import RubricNotFound, check, load
    from workbooks.report import text as report

    try:
        loaded, findings = load(ref)
    except RubricNotFound:
        raise UsageFailure(rubric_not_found(ref)) from None
    if loaded is not None:
        findings.extend(check(loaded))
    if as_json:
        emit_json({"rubric": loaded.id if loaded else ref, "findings": [f.to_dict() for f in findings]})
    else:
        for f in findings:
            click.echo(report.finding_line(f))
        click.echo(report.check_summary(findings, loaded.title if loaded else ref))
    finish(list(findings))


@rubric.command("export")
@click.argument("ref")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
def rubric_export(ref: str, out: Path) -> None:
    """把指标体系导出为 Excel 指标体系表（每项指标一行），便于查看和修改。"""
    from udfs.rubric.excel import export_xlsx

    r = _load(ref)
    if out.suffix.lower() != ".xlsx":
        raise UsageFailure("导出文件须以 .xlsx 结尾")
    if out.exists():
        raise UsageFailure(f"文件已存在，未覆盖：{out}")
    export_xlsx(r, out)
    click.echo(f"已导出：{out}（{len(r.sections)} 个部分，{len(r.items)} 项指标，{len(r.inputs)} 个数据项）")


@rubric.command("import")
@click.argument("source", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
def rubric_import(source: Path, out: Path) -> None:
    """把编辑好的 Excel 指标体系表读回为指标体系文件（.yaml），并运行检查。"""
    from udfs.rubric import check
    from udfs.rubric.excel import import_xlsx
    from udfs.rubric.serialize import to_yaml
    from workbooks.report import text as report

    if out.suffix.lower() not in (".yaml", ".yml"):
        raise UsageFailure("输出文件须以 .yaml 结尾")
    if out.exists():
        raise UsageFailure(f"文件已存在，未覆盖：{out}")
    loaded, findings = import_xlsx(source)
    if loaded is None:
        for f in findings:
            click.echo(report.finding_line(f), err=True)
        raise UsageFailure(f"无法读取指标体系工作簿：{source.name}")
    findings.extend(check(loaded))
    out.write_text(to_yaml(loaded), encoding="utf-8")
    click.echo(f"已生成指标体系文件：{out}")
    for f in findings:
        click.echo(report.finding_line(f))
    click.echo(report.check_summary(findings, loaded.title))
    finish(list(findings))


@main.group()
def inputs() -> None:
    """数据填报模板。"""


@inputs.command("template")
@click.option("--rubric", "ref", default=DEFAULT_RUBRIC, show_default=True, help="指标体系编号或文件")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
def inputs_template(ref: str, out: Path) -> None:
    """生成空白数据填报文件（.json 或 .xlsx）。"""
    from .input_files import InputFileError, write_template

    r = _load(ref)
    if out.exists():
        raise UsageFailure(f"文件已存在，未覆盖：{out}")
    try:
        write_template(r, out)
    except InputFileError as exc:
        raise UsageFailure(str(exc)) from None
    click.echo(f"已生成填报模板：{out}（{len(r.inputs)} 个数据项）")


@main.command()
@click.argument("folder", required=False, type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option(
    "--rubric", "ref", default=DEFAULT_RUBRIC, show_default=True, help="指标体系编号或文件（不给项目文件夹时）"
)
@click.option(
    "--inputs",
    "inputs_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="数据文件（.json 或 .xlsx）；不给则使用内置示例数据",
)
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出（供脚本使用）")
@click.option("--subject", "subject", help="逐一考核的项目：只看这一个考核对象（全称、简称或别名）")
def score(folder: Path | None, ref: str, inputs_path: Path | None, as_json: bool, subject: str | None) -> None:
    """计算得分、一票否决和引导性指标。

    给出项目文件夹时：先读回评分总表中人工录入的值（如评审酌情分），再按台账重新计分并重写评分总表。
    逐一考核各县（市、区）或各成员单位的项目：按台账为每个考核对象计分并排名（--subject 只看一个）。
    """
    from udfs.evaluate import CompiledRubric, evaluate
    from udfs.rubric import resolve as resolve_rubric
    from workbooks.report import text as report

    from .input_files import InputFileError, read_inputs

    project = open_folder(folder) if folder is not None else None
    if project is None and subject is not None:
        raise UsageFailure("--subject 要和项目文件夹一起用：xinyong score 项目文件夹 --subject 简称")
    if project is not None and (subject is not None or project.subjects):
        _score_subjects(project, subject, as_json)
        return
    if project is not None:
        outcome = master_of(project)
        if as_json:
            emit_json(report.master_dict(outcome))
        else:
            if outcome.state.project.rubric.scored:
                click.echo(report.score_text(outcome.state.result))
            else:
                click.echo(f"“{outcome.state.project.rubric.title}”是任务清单，没有分值；已更新单位进度和催报。")
            click.echo("")
            click.echo(report.master_lines(outcome))
        finish(outcome.state.findings)
        return
    r = _load(ref)
    if not r.scored:
        raise UsageFailure(f"“{r.title}”是任务清单，没有分值，不能计分；请用 xinyong rubric show {r.id} 查看任务")
    if inputs_path is None:
        inputs_path = resolve_rubric(ref).with_suffix("") / "example.json"
        if not inputs_path.exists():
            raise UsageFailure(f"指标体系“{r.id}”没有内置示例数据，请用 --inputs 指定数据文件")
        if not as_json:
            click.echo(f"未指定数据文件，使用内置示例数据：{r.id}/example.json\n")
    try:
        named, raw = read_inputs(inputs_path)
    except InputFileError as exc:
        raise UsageFailure(str(exc)) from None
    if named and named != r.id:
        raise UsageFailure(f"数据文件属于指标体系“{named}”，不是“{r.id}”")
    result = evaluate(CompiledRubric(r), raw)
    if as_json:
        emit_json(result.to_dict())
    else:
        click.echo(report.score_text(result))
    finish(list(result.findings))


def _score_subjects(project: Project, subject: str | None, as_json: bool) -> None:
    """A many-subject project: the 考核分 and corrections typed into the master read back first, as
    `master` and the ribbon's 重新计分 do; then each subject on its own figures, ranked."""
    from workbooks.report import subjects as report_subjects
    from workbooks.report import text as report

    wanted = chosen_subject(project, subject)
    outcome = master_of(project)
    scores = outcome.subjects or []
    if wanted is not None:
        (one,) = [s for s in scores if s.subject == wanted]
        if as_json:
            emit_json(report_subjects.subject_dict(one))
        else:
            click.echo(f"{one.subject}（第{one.rank}名）" if one.rank else f"{one.subject}（未排名）")
            click.echo(report.score_text(one.state.result))
        finish(one.state.findings)
        return
    if as_json:
        emit_json({"subjects": [report_subjects.subject_dict(s) for s in scores]})
    else:
        click.echo(report_subjects.ranking_text(scores))
        click.echo("")
        click.echo(report.master_lines(outcome))
    finish([f for s in scores for f in s.state.findings] + list(outcome.findings))


@main.group()
def units() -> None:
    """责任单位名录与责任分解。"""


def _registry(ref: str) -> Registry:
    from workbooks.plan import registry as registries
    from workbooks.report import text as report

    try:
        loaded, findings = registries.load(ref)
    except registries.RegistryNotFound:
        raise UsageFailure(registry_not_found(ref)) from None
    for f in findings:
        click.echo(report.finding_line(f), err=True)
    if loaded is None or findings.has_errors():
        raise UsageFailure(f"单位名录“{ref}”有错误，请先修正")
    return loaded


@units.command("resolve")
@click.option("--rubric", "ref", default=DEFAULT_RUBRIC, show_default=True, help="指标体系编号或文件")
@click.option("--registry", "registry_ref", help="单位名录（内置编号、.yaml 或 .xlsx）；默认用指标体系指定的名录")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出（供脚本使用）")
def units_resolve(ref: str, registry_ref: str | None, as_json: bool) -> None:
    """把各指标的责任单位文字解析为名录中的单位，列出每个单位负责的指标。"""
    from workbooks.plan.responsibility import resolve as resolve_units
    from workbooks.report import text as report

    r = _load(ref)
    reg = _registry(registry_ref or r.registry or "")
    plan = resolve_units(r, reg)
    if as_json:
        emit_json(report.plan_dict(plan))
    else:
        click.echo(report.plan_text(plan))
    finish(list(plan.findings))


@units.command("export")
@click.option("--registry", "registry_ref", required=True, help="内置名录编号或文件")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
def units_export(registry_ref: str, out: Path) -> None:
    """把单位名录导出为 Excel，供编辑后用 --registry 使用。"""
    from workbooks.plan import registry as registries

    reg = _registry(registry_ref)
    if out.exists():
        raise UsageFailure(f"文件已存在，未覆盖：{out}")
    registries.export_xlsx(reg, out)
    click.echo(f"已导出单位名录：{out}（{len(reg.units)} 个单位，{len(reg.groups)} 个分组）")


@main.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--rubric", "ref", default=DEFAULT_RUBRIC, show_default=True, help="指标体系编号或文件")
@click.option("--registry", "registry_ref", help="单位名录（内置编号、.yaml 或 .xlsx）；默认用指标体系指定的名录")
@click.option("--year", type=click.IntRange(2000, 2100), help="评估年度，如 2020（默认取指标体系的年度）")
@click.option("--round", "round_name", help="评估轮次名称，如“2019年度”“第一季度”")
def init(folder: Path, ref: str, registry_ref: str | None, year: int | None, round_name: str | None) -> None:
    """新建评估项目文件夹（项目设置、单位名录、下发/回收/归档文件夹）。"""
    from udfs.rubric import RubricNotFound
    from workbooks.plan import registry as registries

    from .project import SETTINGS_FILE, ProjectError, init_project

    try:
        project = init_project(folder, ref, registry_ref, year, round_name)
    except RubricNotFound:
        raise UsageFailure(rubric_not_found(ref)) from None
    except registries.RegistryNotFound:
        raise UsageFailure(registry_not_found(registry_ref or "")) from None
    except ProjectError as exc:
        raise UsageFailure(str(exc)) from None
    s = project.settings
    click.echo(f"已新建评估项目：{folder}")
    click.echo(f"  指标体系：{project.rubric.title}；轮次：{s.round}；回收截止：{s.deadline}")
    click.echo(f"  请先在 {folder / SETTINGS_FILE} 中填写联系人、电话，再运行 xinyong generate {folder}")


for command in PROJECT_COMMANDS:
    main.add_command(command)
main.add_command(round_group)
main.add_command(addin_commands)
main.add_command(serve)
click_zh.install()
click_zh.localise(main)


def rubric_not_found(ref: str) -> str:
    from udfs.rubric import list_builtin

    return click_zh.near(ref, list_builtin(), "指标体系", "（也可以给出指标体系 .yaml 文件的路径）")


def registry_not_found(ref: str) -> str:
    from workbooks.plan import registry as registries

    return click_zh.near(ref, registries.list_builtin(), "单位名录", "（也可以给出名录 .yaml 或 .xlsx 文件的路径）")


def entry() -> None:
    """The `xinyong` console command: `main` with standard streams that cannot fail on a character,
    and the exit-code rule kept when the tool itself fails: a run that could not finish exits 2 with
    one Chinese line, the traceback in a log, never a Python traceback and exit 1 (“findings”)."""
    tolerate_unencodable()
    guarded(main)


def guarded(command: click.Command, args: list[str] | None = None) -> None:
    try:
        command.main(args, prog_name="xinyong")
    except Exception as exc:  # noqa: BLE001 - anything click did not handle: the tool's own failure
        log = log_failure(f"xinyong {' '.join(sys.argv[1:] if args is None else args)}", [Path.cwd()])
        click.echo(
            f"错误：工具内部出错（{type(exc).__name__}: {str(exc)[:200]}），任务没有完成。详细信息已写入 {log}，"
            "请交给维护人员；已记入台账的内容不受影响，问题解决后重新运行即可。",
            err=True,
        )
        sys.exit(2)


if __name__ == "__main__":  # pragma: no cover
    entry()
