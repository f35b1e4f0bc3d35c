"""The office's page: behind the password, every unit's status (refreshed live), the findings with
filters, the score or the ranking, the ribbon's buttons (the same jobs, addin.callbacks.JOBS) with
their progress, and the master, reminders and feedback to download. Every action is a POST that
carries the session's CSRF token."""

from __future__ import annotations

import hmac
import io
import secrets
import threading
import zipfile
from collections import deque
from dataclasses import dataclass, field
from functools import wraps

from flask import (
    Blueprint,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)

from ..master.layout import MASTER_FILE, REMINDER_FOLDER
from . import links, login

office = Blueprint("office", __name__, url_prefix="/office")
BUTTONS = ("xy_consolidate", "xy_check", "xy_rescore", "xy_report", "xy_feedback")  # the ribbon's, by its ids
CONSOLIDATING = ("xy_consolidate", "xy_check")
FAILED_LOGINS = (10, 900.0)  # tries per address within this many seconds


@dataclass
class Job:
    """The one office job running or last run (a second waits for the first to end)."""

    label: str = ""
    running: bool = False
    done: int = 0  # files recorded so far by a consolidation
    total: int = 0  # files in 回收/ when it started
    message: str = ""
    ok: bool = True
    lock: threading.Lock = field(default_factory=threading.Lock)


JOB = Job()
FAILURES: dict[str, deque[float]] = {}


def _portal():  # noqa: ANN202 - app.Portal
    return current_app.extensions["xinyong"]


def _csrf() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(24)
    return str(session["csrf"])


def _check_csrf() -> None:
    given = request.form.get("csrf", "")
    if not hmac.compare_digest(given.encode(), _csrf().encode()):
        abort(400, "页面已过期，请刷新后重试")


def signed_in(view):  # noqa: ANN001, ANN201 - a Flask view
    @wraps(view)
    def wrapper(*args, **kwargs):  # noqa: ANN202
        project = _portal().project()
        if not session.get("office"):
            return redirect(url_for("office.sign_in"))
        return view(project, *args, **kwargs)

    return wrapper


@office.route("/login", methods=["GET", "POST"])
def sign_in():  # noqa: ANN201
    portal = _portal()
    project = portal.project()
    error = ""
    if login.stored(project) is None:
        error = "尚未设置登录密码：请在服务器上运行 xinyong serve 项目文件夹 --set-password"
    elif request.method == "POST":
        _check_csrf()
        address = request.remote_addr or ""
        times = FAILURES.setdefault(address, deque())
        count, window = FAILED_LOGINS
        clock = portal.rate.clock()
        while times and times[0] <= clock - window:
            times.popleft()
        if len(times) >= count:
            error = "密码错误次数过多，请 15 分钟后再试"
        elif login.check(project, request.form.get("password", "")):
            session.clear()
            session["office"] = True
            session.permanent = True
            return redirect(url_for("office.dashboard"))
        else:
            times.append(clock)
            error = "密码不对"
    return render_template("login.html", project=project, error=error, csrf=_csrf())


@office.post("/logout")
@signed_in
def sign_out(project):  # noqa: ANN001, ANN201
    _check_csrf()
    session.clear()
    return redirect(url_for("office.sign_in"))


@office.get("")
@signed_in
def dashboard(project):  # noqa: ANN001, ANN201
    from addin.callbacks import BUTTONS as LABELS

    buttons = [(b, LABELS[b]) for b in BUTTONS if b != "xy_feedback" or project.subjects]
    view = _view(project)
    severity, unit = request.args.get("severity", ""), request.args.get("unit", "")
    findings = [
        f for f in view["findings"]
        if (not severity or f.severity.value == severity) and (not unit or unit in (f.file or "") or unit in f.message)
    ]  # fmt: skip
    return render_template(
        "office.html", project=project, csrf=_csrf(), buttons=buttons, job=JOB,
        severity=severity, unit=unit, downloads=_downloads(project), **{**view, "findings": findings},
    )  # fmt: skip


@office.get("/status")
@signed_in
def status(project):  # noqa: ANN001, ANN201
    """The units' table alone, fetched every few seconds by the office's page."""
    from ..master.progress import unit_progress

    portal = _portal()
    ledger = portal.ledger(project)
    try:  # the statuses only: polled every 10 s, it need not score
        units = unit_progress(project, ledger, portal.today())
    finally:
        ledger.close()
    return render_template("office_units.html", units=units, links=_links(project))


@office.get("/job")
@signed_in
def job_state(project):  # noqa: ANN001, ANN201, ARG001
    return jsonify(label=JOB.label, running=JOB.running, message=JOB.message, ok=JOB.ok, done=JOB.done, total=JOB.total)


@office.post("/run/<button>")
@signed_in
def run(project, button: str):  # noqa: ANN001, ANN201
    from addin.callbacks import BUTTONS as LABELS
    from addin.callbacks import JOBS

    _check_csrf()
    if button not in BUTTONS:
        abort(404)
    if not JOB.lock.acquire(blocking=False):
        return redirect(url_for("office.dashboard"))
    JOB.label, JOB.running, JOB.message, JOB.ok, JOB.done, JOB.total = LABELS[button], True, "", True, 0, 0
    root = project.root

    def work() -> None:
        from ..lock import LockBusy
        from ..project import open_project

        try:
            project = open_project(root)[0]
            if button in CONSOLIDATING:  # the one long job: its files counted as they are recorded
                from addin.callbacks import consolidate_reply

                from ..intake.consolidate import inbox_files
                from ..intake.zipped import container

                JOB.total, counted = len(inbox_files(project)), set()

                def advance(name: str) -> None:
                    if container(name) not in counted:
                        counted.add(container(name))
                        JOB.done = len(counted)

                reply = consolidate_reply(project, dry_run=button == "xy_check", progress=advance)
            else:
                reply = JOBS[button](project)
            JOB.message, JOB.ok = reply.message, reply.ok
        except LockBusy as busy:
            JOB.message, JOB.ok = f"另一个汇总或计分正在进行（{busy.holder}），请稍后再点。", False
        except Exception as exc:  # noqa: BLE001 - a button must always answer
            from ..console import log_failure

            log = log_failure(f"portal {button}", [root])
            JOB.message, JOB.ok = f"出错了：{type(exc).__name__}；详细信息已写入 {log}", False
        finally:
            JOB.running = False
            JOB.lock.release()

    threading.Thread(target=work, name=f"portal-{button}", daemon=True).start()
    return redirect(url_for("office.dashboard"))


@office.get("/download/<int:index>")
@signed_in
def download(project, index: int):  # noqa: ANN001, ANN201
    """The index-th file of the project's own listing (_downloads): no name from the request."""
    files = _downloads(project)
    if not 0 <= index < len(files):
        abort(404)
    label, path = files[index]
    if path.is_dir():  # the day's reminders: one zip of the texts
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
            for text in sorted(path.glob("*.txt")):
                z.write(text, text.name)
        buffer.seek(0)
        return send_file(buffer, as_attachment=True, download_name=f"催报通知-{path.name}.zip")
    return send_file(path, as_attachment=True, download_name=path.name)


def _downloads(project) -> list[tuple[str, object]]:  # noqa: ANN001
    from ..report.feedback import FOLDER as FEEDBACK_FOLDER

    out: list[tuple[str, object]] = []
    master = project.root / MASTER_FILE
    if master.is_file():
        out.append(("评分总表", master))
    days = sorted(p for p in (project.root / REMINDER_FOLDER).glob("*") if p.is_dir())
    if days:
        out.append((f"催报通知（{days[-1].name}）", days[-1]))
    folder = project.root / FEEDBACK_FOLDER
    for path in sorted(folder.glob("*.xlsx")) if folder.is_dir() else []:
        out.append((f"反馈表：{path.stem}", path))
    return out


def _view(project) -> dict[str, object]:  # noqa: ANN001
    """What the office's page shows, from the ledger and the master's own gathering."""
    from udfs.evaluate import CompiledRubric

    from ..master.state import gather
    from ..master.subjects import subject_scores

    portal = _portal()
    ledger = portal.ledger(project)
    try:
        compiled = CompiledRubric(project.rubric)
        state = gather(project, ledger, compiled, portal.today())
        ranking = subject_scores(project, ledger, compiled, portal.today()) if project.subjects else []
        uploads = ledger.uploads(limit=50)
    finally:
        ledger.close()
    return {"state": state, "units": state.units, "findings": state.findings, "ranking": ranking,
            "uploads": uploads, "links": _links(project)}  # fmt: skip


def _links(project) -> dict[str, str]:  # noqa: ANN001
    """unit -> its link to hand out: the full address when the project sets one, else the path."""
    from ..generate.run import packages

    address = project.settings.portal_address
    tokens = links.tokens(project, [p.unit.name for p in packages(project)[0]])
    return {u: links.link(address, t) if address else links.UNIT_PATH + t for u, t in tokens.items()}
