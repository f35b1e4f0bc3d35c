"""What the ribbon buttons do: the same services the CLI calls, answered with a message for Excel.

`on_action(control_id, workbook)` is plain Python (tested on Linux with real project folders);
`ribbon(control_id)` is the thin xlwings glue the add-in's dispatcher `OnRibbonAction` runs. Every
button ends in a message, whatever happens: a failure is a Chinese message naming what to do,
with the traceback written to a log file, never an Excel left waiting or a Python error dialog.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from workbooks.console import log_failure, tolerate_unencodable
from workbooks.lock import LockBusy
from workbooks.master.layout import MASTER_FILE
from workbooks.project import SETTINGS_FILE, Project, ProjectError, open_project

# Each button imports the services of its own job when clicked: Excel starts a new Python for every
# click, which then pays only for what that button does (BENCHMARKS.md, Start-up).

TITLE = "信用评估"
MAX_MESSAGE = 900  # Excel's message box shows about 1,024 characters
SEARCH_UP = 3  # a workbook in 回收/ or 下发/ (or one level deeper) still finds its project
HELP = """xinyong 信用评估加载项

生成下发表：按指标体系和单位名录，为每个责任单位生成任务分解表（项目文件夹“下发”）。
汇总回收表：读取“回收”文件夹中各单位交回的文件，记入台账并更新评分总表。
校验回收表：只检查“回收”中的文件、列出问题，不写入任何内容。
开始下一轮：如每月一次的进展报送，开始下一个轮次（名称和回收截止日期按文件推算），生成新一轮的任务分解表。
重新计分：读回评分总表中“人工录入”的值（如评审酌情分），重新计分。
提分空间：列出失分最多、最容易挽回的指标和需要催报的单位。
生成反馈表：逐一考核各县（市、区）或各成员单位的项目，为每个考核对象生成考核结果反馈表（项目文件夹“反馈”）。
打开项目文件夹：在资源管理器中打开当前项目。

使用前请先打开项目文件夹中的任意工作簿（如评分总表.xlsx）。
公式中可直接使用 XY_ 计分函数（函数向导“信用评估”类别）。"""


@dataclass
class Reply:
    message: str
    ok: bool = True
    open_path: Path | None = None  # a folder the glue should open (打开项目文件夹)


def find_project(workbook: str | None) -> Path:
    """The project folder of the active workbook: its own folder or one of the few above it."""
    if not workbook or not os.path.isabs(workbook):
        raise ProjectError("当前工作簿还没有保存到项目文件夹中。请先打开项目文件夹里的评分总表或任意一个工作簿。")
    folder = Path(workbook).parent
    for candidate in [folder, *folder.parents][: SEARCH_UP + 1]:
        if (candidate / SETTINGS_FILE).exists():
            return candidate
    raise ProjectError(f"“{Path(workbook).name}”不在评估项目文件夹中（找不到 {SETTINGS_FILE}）。请先打开项目文件夹里的工作簿。")


def _short(text: str) -> str:
    return text if len(text) <= MAX_MESSAGE else text[:MAX_MESSAGE] + "\n……（完整内容见评分总表“问题清单”）"


def _generate(project: Project) -> Reply:
    from workbooks.generate.run import GenerateRefused, generate
    from workbooks.report import text as report

    try:
        result = generate(project)
    except GenerateRefused as refused:
        names = "、".join(refused.changed[:8]) + (" 等" if len(refused.changed) > 8 else "")
        return Reply(
            f"下发文件夹中已有 {len(refused.changed)} 个文件与本次生成的内容不同（可能已经发出）：{names}。\n"
            "未做任何改动。确需替换，请运行 xinyong generate 项目文件夹 --force（旧文件会移入 归档/已替换）。",
            ok=False,
        )
    counts = result.counts()
    text = f"已为 {len(result.files)} 个单位生成任务分解表：新生成 {counts['新生成']}，未变化 {counts['未变化']}。\n文件在：{project.outbox}"
    noted = [report.finding_line(f) for f in result.findings if f.severity.value != "info"]
    return Reply(_short("\n".join([text, *noted])), ok=not noted)


def consolidate_reply(project: Project, dry_run: bool, progress: Callable[[str], None] | None = None) -> Reply:
    """汇总回收表 / 校验回收表; `progress`: told each file's name as it is recorded (the portal's page)."""
    from workbooks.intake.consolidate import consolidate
    from workbooks.report import text as report

    summary = consolidate(project, dry_run=dry_run, progress=progress)
    text = report.consolidation_text(summary)
    if summary.master is not None:
        text += "\n\n" + report.master_lines(summary.master)
    return Reply(_short(text), ok=not any(f.severity.value == "error" for f in summary.findings))


def _new_round(project: Project) -> Reply:
    """The same service as `xinyong round new DIR`, with the suggested name and deadline."""
    from workbooks.generate.next_round import RoundRefused, start_round

    try:
        started = start_round(project)
    except RoundRefused as refused:
        return Reply(f"{refused}。可在命令行运行 xinyong round new 项目文件夹 新轮次名称 --deadline 日期。", ok=False)
    return Reply(
        f"已开始新轮次：{started.name}（上一轮：{started.previous}）。\n"
        f"回收截止日期：{started.deadline}（{started.why}）；如需改动，修改项目设置.yaml 的 deadline 后重新生成下发表。\n"
        f"已生成任务分解表 {len(started.generated.files)} 份，带入上一轮填报的任务状态 {started.carried} 项。\n"
        f"上一轮下发的文件已移入：{started.archived_to}",
        open_path=project.outbox,
    )


def _rescore(project: Project) -> Reply:
    from workbooks.master.run import write_master
    from workbooks.report import text as report

    outcome = write_master(project)
    return Reply(_short(report.master_lines(outcome)), ok=outcome.path is not None)


def _report(project: Project) -> Reply:
    from workbooks.master.run import write_master
    from workbooks.report import text as report
    from workbooks.report.subjects import recovery_lines

    outcome = write_master(project)
    if project.subjects:  # every subject's top items (the whole project has no figures of its own)
        return Reply(_short(recovery_lines(outcome.subjects or [])), ok=outcome.path is not None)
    return Reply(_short(report.recovery_text(outcome.state, top=8)), ok=outcome.path is not None)


def _feedback(project: Project) -> Reply:
    """The same service as `xinyong report DIR --feedback`: one workbook per subject in 反馈/."""
    from workbooks.master.run import write_master
    from workbooks.report.feedback import feedback_pdfs, write_feedback

    if not project.subjects:
        return Reply(f"“{project.rubric.title}”评估的是一个整体，没有逐一考核的对象，不生成反馈表。", ok=False)
    outcome = write_master(project)  # the 考核分 typed into the master first: the feedback says what it says
    written = write_feedback(project, outcome.subjects or [])
    folder = written[0].parent if written else project.root
    pdfs = feedback_pdfs(written)
    note = "（含 PDF 版）" if pdfs else "（未找到 LibreOffice，没有生成 PDF 版）"
    return Reply(f"已为 {len(written)} 个考核对象生成考核结果反馈表{note}。\n文件在：{folder}", open_path=folder)


WRITES_MASTER = {"xy_consolidate", "xy_rescore", "xy_report", "xy_feedback"}


def master_to_release(control_id: str, workbook: str | None) -> Path | None:
    """The master a button is about to rewrite, which Excel must save and close first: Windows
    refuses to replace a file Excel holds open, and entries typed but not saved would not count."""
    if control_id not in WRITES_MASTER:
        return None
    try:
        return find_project(workbook) / MASTER_FILE
    except ProjectError:
        return None


JOBS: dict[str, Callable[[Project], Reply]] = {
    "xy_generate": _generate,
    "xy_consolidate": lambda p: consolidate_reply(p, dry_run=False),
    "xy_check": lambda p: consolidate_reply(p, dry_run=True),
    "xy_new_round": _new_round,
    "xy_rescore": _rescore,
    "xy_report": _report,
    "xy_feedback": _feedback,
    "xy_open_folder": lambda p: Reply(f"项目文件夹：{p.root}", open_path=p.root),
}
BUTTONS = {  # id -> label, in ribbon order
    "xy_generate": "生成下发表",
    "xy_consolidate": "汇总回收表",
    "xy_check": "校验回收表",
    "xy_new_round": "开始下一轮",
    "xy_rescore": "重新计分",
    "xy_report": "提分空间",
    "xy_feedback": "生成反馈表",
    "xy_open_folder": "打开项目文件夹",
    "xy_help": "帮助",
}


def on_action(control_id: str, workbook: str | None) -> Reply:
    """Run the job of a button for the project of `workbook` (the active workbook's full path)."""
    if control_id == "xy_help":
        return Reply(HELP)
    job = JOBS.get(control_id)
    if job is None:
        return Reply(f"未知的按钮“{control_id}”。请重新安装 xinyong 加载项。", ok=False)
    try:
        root = find_project(workbook)
        project, _ = open_project(root)
        return job(project)
    except ProjectError as exc:
        return Reply(str(exc), ok=False)
    except LockBusy as busy:
        return Reply(f"另一个汇总或计分正在进行（{busy.holder}），请稍后再点。", ok=False)
    except Exception as exc:  # noqa: BLE001 - a button must always answer
        folders = [Path(workbook).parent] if workbook and os.path.isabs(workbook) else []
        log = log_failure(f"{control_id} {workbook}", folders)
        return Reply(f"出错了：{type(exc).__name__}: {exc}\n详细信息已写入：{log}\n请把这个文件发给技术支持。", ok=False)


def open_folder(path: Path) -> None:
    if sys.platform.startswith("win"):
        os.startfile(str(path))  # type: ignore[attr-defined]  # noqa: S606 - a folder the user asked to open
    else:
        subprocess.Popen(["open" if sys.platform == "darwin" else "xdg-open", str(path)])  # noqa: S603


def _release(app, master: Path) -> tuple[bool, bool]:  # noqa: ANN001 - an xlwings App
    """Save (if changed) and close the master in this Excel; (was open, was saved). Any failure
    leaves it open: the job then reports the master it could not replace, it does not hang."""
    reopen = saved = False
    try:
        for book in list(app.books):
            if os.path.normcase(book.fullname) != os.path.normcase(str(master)):
                continue
            try:
                unsaved = not book.api.Saved  # Windows COM; elsewhere assume saved
            except Exception:  # noqa: BLE001
                unsaved = False
            if unsaved:
                book.save()  # typed entries count; the read-back archives this version first
                saved = True
            book.close()
            reopen = True
    except Exception:  # noqa: BLE001
        pass
    return reopen, saved


def ribbon(control_id: str) -> None:  # pragma: no cover - runs inside Excel through xlwings' RunPython
    """The dispatcher's Python end: the active workbook's project, the job, a message box."""
    import xlwings as xw

    tolerate_unencodable()  # a warning naming a file with '✔' must not fail on a GBK log stream
    app = xw.apps.active
    try:
        workbook = app.books.active.fullname
    except Exception:  # noqa: BLE001 - no workbook open
        workbook = None
    app.status_bar = f"信用评估：{BUTTONS.get(control_id, control_id)}……"
    master = master_to_release(control_id, workbook)
    reopen, saved = _release(app, master) if master is not None else (False, False)
    try:
        reply = on_action(control_id, workbook)
    finally:
        app.status_bar = False
        if reopen and master is not None and master.exists():
            try:
                app.books.open(str(master))
            except Exception:  # noqa: BLE001 - the message below still comes; the file is there to open
                pass
    if saved:
        reply.message = "已先保存评分总表中尚未保存的修改。\n" + reply.message
    if reply.open_path is not None:
        open_folder(reply.open_path)
    app.alert(reply.message, title=TITLE, mode="info" if reply.ok else "critical")
