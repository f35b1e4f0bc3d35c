"""The portal's web application (Flask, server-rendered pages, no front-end build): the units'
pages here, the office's in `office`. A request never names a path: the unit comes from its secret
link, a file to download from the project's own listing, an upload's name is made here."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from pathlib import Path

from flask import Flask, abort, redirect, render_template, request, send_file, url_for

from udfs.finding_codes import CATALOGUE

from ..ledger import LEDGER_FILE, Ledger
from ..project import Project, open_project
from . import links
from .login import ProjectSessions
from .receiver import MAX_BYTES, Consolidator, RateLimit, received, store, suffix_of

SEVERITY_TEXT = {"error": "错误", "warning": "警告", "info": "提示"}
MESSAGE_PAGES = {  # an HTTP error as the page a clerk reads: (title, what to do)
    400: ("页面已过期", "页面已过期或请求不完整，请返回上一页、刷新后重试。"),  # a missing or stale CSRF token
    404: ("链接无效", "链接无效或已失效。请向信用办索取本单位的报送链接。"),
    405: ("无法这样打开", "这个地址不能直接打开，请从页面上的按钮进入。"),
    413: ("文件太大", f"文件超过 {MAX_BYTES // (1024 * 1024)} MB，未接收。请只上传本单位的任务分解表。"),
}
OUTCOME_TEXT = {
    "accepted": "已采用",
    "rejected": "未采用",
    "duplicate": "与此前收到的文件相同，已处理过",
    "pending": "已收到，尚未处理完（稍后刷新本页）",
}


@dataclass
class Portal:
    """What every request shares: the project folder, the clock, the consolidation thread."""

    root: Path
    today: Callable[[], date]
    now: Callable[[], datetime]
    consolidator: Consolidator
    rate: RateLimit

    def project(self) -> Project:
        project, _ = open_project(self.root)
        return project

    def ledger(self, project: Project) -> Ledger:
        return Ledger(project.root / LEDGER_FILE)


def create_app(
    root: Path,
    today: Callable[[], date] | None = None,
    now: Callable[[], datetime] | None = None,
    monotonic: Callable[[], float] = time.monotonic,
) -> Flask:
    """The portal for the project in `root`; `today`, `now` and `monotonic` given by tests."""
    from ..intake.consolidate import consolidate

    app = Flask(__name__)
    app.config.update(
        MAX_CONTENT_LENGTH=MAX_BYTES + 64 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_NAME="xinyong_office",
        PERMANENT_SESSION_LIFETIME=8 * 3600,
    )
    now = now or datetime.now
    portal = Portal(
        root=root,
        today=today or (lambda: now().date()),
        now=now,
        consolidator=Consolidator(lambda: consolidate(open_project(root)[0], now=now())),
        rate=RateLimit(monotonic),
    )
    app.extensions["xinyong"] = portal
    app.session_interface = ProjectSessions()

    from .office import office

    app.register_blueprint(office)
    app.jinja_env.globals.update(SEVERITY_TEXT=SEVERITY_TEXT, OUTCOME_TEXT=OUTCOME_TEXT, CATALOGUE=CATALOGUE)
    app.jinja_env.filters["when"] = lambda iso: str(iso or "").replace("T", " ")[:16]  # 2019-03-20 09:00

    for code, (title, text) in MESSAGE_PAGES.items():
        app.register_error_handler(code, partial(_message_page, code, title, text))

    @app.errorhandler(500)
    def failed(_error: object) -> tuple[str, int]:  # the traceback goes to the log for whoever maintains the tool
        from ..console import log_failure

        log = log_failure(f"portal {request.method} {request.path}", [root])
        text = f"门户处理这个请求时出错，详细信息已写入 {log.name}；请稍后再试或联系信用办。"
        return _message_page(500, "出错了", text, _error)

    @app.get("/")
    def home() -> str:
        return render_template("home.html", project=portal.project())

    @app.get(links.UNIT_PATH + "<token>")
    def unit_page(token: str) -> str:
        project, unit = _unit(portal, token)
        ledger = portal.ledger(project)
        try:
            shown = _upload_result(project, ledger, unit, request.args.get("upload", ""))
            files = [f for f in ledger.files() if f["unit"] == unit]
            uploads = ledger.uploads(unit, limit=20)
            progress = _progress(project, ledger, portal.today(), unit)
        finally:
            ledger.close()
        labels = {i: s.label for i, s in project.rubric.inputs.items()}
        return render_template(
            "unit.html", project=project, unit=project.registry.label_of(unit), token=token, shown=shown,
            files=files, uploads=uploads, progress=progress, labels=labels, max_mb=MAX_BYTES // (1024 * 1024),
        )  # fmt: skip

    @app.get(links.UNIT_PATH + "<token>/workbook")
    def unit_workbook(token: str):  # noqa: ANN202 - a Flask response
        from ..generate.fill import outgoing_files

        project, unit = _unit(portal, token)
        path = outgoing_files(project).get(unit, (None, []))[0]
        if path is None or not path.is_file():
            return render_template(
                "message.html", title="暂无可下载的表", text="信用办尚未生成本单位的任务分解表。"
            ), 404
        return send_file(path, as_attachment=True, download_name=path.name)

    @app.post(links.UNIT_PATH + "<token>/upload")
    def unit_upload(token: str):  # noqa: ANN202 - a Flask response
        project, unit = _unit(portal, token)
        address = request.remote_addr or ""
        upload = request.files.get("file")
        data = upload.read(MAX_BYTES + 1) if upload is not None else b""
        row = {"at": portal.now().isoformat(timespec="seconds"), "link": links.fingerprint(token), "unit": unit,
               "address": address, "size": len(data)}  # fmt: skip
        refusal = ""
        if not portal.rate.allow(token):
            refusal = "上传太频繁，请过几分钟再试"
        elif not data:
            refusal = "没有选择文件，或文件是空的"
        elif len(data) > MAX_BYTES:
            refusal = f"文件超过 {MAX_BYTES // (1024 * 1024)} MB"
        if refusal:
            seq = _log(portal, project, row, "", "", "refused", refusal)
            return redirect(url_for("unit_page", token=token, upload=seq), 303)
        stored_as, digest = store(
            project, project.registry.label_of(unit), data, suffix_of(upload.filename or ""), portal.now()
        )
        failure = portal.consolidator.wait(portal.consolidator.ticket())
        result = received(project, stored_as, digest)
        seq = _log(portal, project, row, digest, stored_as, result.status, failure)
        return redirect(url_for("unit_page", token=token, upload=seq), 303)

    return app


def _message_page(code: int, title: str, text: str, _error: object) -> tuple[str, int]:
    return render_template("message.html", title=title, text=text), code


def _unit(portal: Portal, token: str) -> tuple[Project, str]:
    from ..generate.run import packages

    project = portal.project()
    try:
        known = links.tokens(project, [p.unit.name for p in packages(project)[0]])
    except links.NoKey:
        abort(404)
    unit = links.unit_of(token, known)
    if unit is None:
        abort(404)
    return project, unit


def _log(
    portal: Portal, project: Project, row: dict[str, object], digest: str, stored_as: str, outcome: str, detail: str
) -> int:
    ledger = portal.ledger(project)
    try:
        return ledger.log_upload(**row, hash=digest, stored_as=stored_as, outcome=outcome, detail=detail)
    finally:
        ledger.close()


def _upload_result(project: Project, ledger: Ledger, unit: str, seq: str) -> dict[str, object] | None:
    """The upload the unit was sent back to see (its own only), with what intake made of it."""
    if not seq.isdigit():
        return None
    row = next((u for u in ledger.uploads(unit, limit=1000) if u["seq"] == int(seq)), None)
    if row is None:
        return None
    if row["outcome"] == "refused":
        return {"row": row, "result": None}
    result = received(project, str(row["stored_as"]), str(row["hash"]))
    other = result.unit and result.unit != unit  # another unit's workbook sent through this link
    return {"row": row, "result": result, "other": project.registry.label_of(result.unit) if other else ""}


def _progress(project: Project, ledger: Ledger, today: date, unit: str):  # noqa: ANN202 - master.progress.UnitProgress
    from ..master.progress import unit_progress

    return next((p for p in unit_progress(project, ledger, today) if p.unit == unit), None)
