"""The portal through Flask's test client: a unit's secret link, an upload taken by the same intake
as `consolidate` (accepted, or refused with the cell and what to do), the upload log, and the
office's page behind its password and CSRF token. Against a real national-2019 project whose units
returned the built-in example figures."""

from __future__ import annotations

import re
import sqlite3
from datetime import date, datetime
from pathlib import Path

import pytest

from tests.test_consolidate_e2e import fill_openpyxl, outgoing
from tests.test_inbox_realities import HR, adopted
from workbooks.generate.run import packages
from workbooks.ledger import LEDGER_FILE
from workbooks.portal import links, login
from workbooks.portal.app import create_app
from workbooks.portal.receiver import UPLOAD_FOLDER
from workbooks.project import Project

TODAY, NOW = date(2019, 3, 22), datetime(2019, 3, 22, 9, 0)
PASSWORD = "信用办-2019-test"


class Clock:
    """The rate limit's clock, moved by the test."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def portal(consolidated_national: Project):  # noqa: ANN201
    login.set_password(consolidated_national, PASSWORD)
    clock = Clock()
    app = create_app(consolidated_national.root, today=lambda: TODAY, now=lambda: NOW, monotonic=clock)
    app.testing = True
    return consolidated_national, app.test_client(), clock


def token_of(project: Project, label: str) -> str:
    unit = next(p.unit.name for p in packages(project)[0] if p.unit.label == label)
    return links.tokens(project, [unit])[unit]


def upload(client, token: str, path: Path):  # noqa: ANN001, ANN201
    with path.open("rb") as fh:
        return client.post(f"/u/{token}/upload", data={"file": (fh, path.name)}, follow_redirects=True)


def page_text(response) -> str:  # noqa: ANN001
    return re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))


def outcome(response) -> str:  # noqa: ANN001
    """What the page says of the upload just made."""
    return re.search(r'id="outcome">([^<]*)<', response.get_data(as_text=True)).group(1)


def test_a_unit_uploads_through_its_link_and_sees_at_once_what_intake_made_of_it(portal, tmp_path: Path) -> None:
    p, client, _ = portal
    token = token_of(p, HR)
    page = client.get(f"/u/{token}")
    assert page.status_code == 200 and HR in page_text(page)
    assert client.get("/u/" + "a" * 32).status_code == 404
    assert client.get(f"/u/{token[:-1]}b" if token[-1] != "b" else f"/u/{token[:-1]}c").status_code == 404
    workbook = client.get(f"/u/{token}/workbook")
    assert workbook.status_code == 200 and workbook.data[:2] == b"PK"

    wrong = tmp_path / "人社局-错的.xlsx"
    fill_openpyxl(outgoing(p, HR), wrong, {"cs_total": "约1.4万人"})
    sent = upload(client, token, wrong)  # its one figure refused: nothing new in it, not adopted
    shown = page_text(sent)
    assert (
        outcome(sent) == "未采用" and "约数无法计分" in shown and "数据填报!F3" in shown and "return-empty" not in shown
    )
    assert adopted(p, "cs_total") == 13_650  # the figure refused, the earlier one kept

    right = tmp_path / "人社局-正确.xlsx"
    fill_openpyxl(outgoing(p, HR), right, {"cs_total": 13_800})
    sent = upload(client, token, right)
    assert outcome(sent) == "已采用" and "由 13,650" in page_text(sent)
    assert adopted(p, "cs_total") == 13_800
    assert outcome(upload(client, token, right)) == "与此前收到的文件相同，已处理过"

    stored = sorted(q.name for q in (p.inbox / UPLOAD_FOLDER).iterdir())
    assert len(stored) == 3 and all(n.startswith("市人社局-") and n.endswith(".xlsx") for n in stored)
    with sqlite3.connect(p.root / LEDGER_FILE) as db:
        rows = db.execute("SELECT link, unit, size, hash, stored_as, outcome FROM uploads ORDER BY seq").fetchall()
        names = {r[0] for r in db.execute("SELECT original_name FROM files")}
    assert [r[5] for r in rows] == ["rejected", "accepted", "duplicate"]
    assert all(r[0] == links.fingerprint(token) and token not in r[0] for r in rows)
    assert {r[4] for r in rows[:2]} <= names and all(r[4].startswith(UPLOAD_FOLDER + "/") for r in rows)


def test_uploads_are_limited_per_link_and_in_size(portal, tmp_path: Path) -> None:
    p, client, clock = portal
    token = token_of(p, HR)
    empty = tmp_path / "空.xlsx"
    empty.write_bytes(b"")
    for _ in range(12):
        assert "没有选择文件" in page_text(upload(client, token, empty))
    assert "上传太频繁" in page_text(upload(client, token, empty))
    clock.t += 601
    assert "没有选择文件" in page_text(upload(client, token, empty))


def test_the_office_page_needs_the_password_and_every_action_its_token(portal) -> None:
    p, client, _ = portal
    assert client.get("/office").status_code == 302
    form = client.get("/office/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
    refused = client.post("/office/login", data={"password": PASSWORD})  # no token
    assert refused.status_code == 400 and "页面已过期" in page_text(refused)
    assert client.get("/office/logout").status_code == 405 and "请从页面上的按钮进入" in page_text(
        client.get("/office/logout")
    )
    assert "密码不对" in page_text(client.post("/office/login", data={"password": "x" * 12, "csrf": csrf}))
    done = client.post("/office/login", data={"password": PASSWORD, "csrf": csrf}, follow_redirects=True)
    text = page_text(done)
    assert done.status_code == 200 and "各单位报送情况" in text and "当前总分" in text
    assert client.post("/office/run/xy_rescore", data={}).status_code == 400
    page = client.get("/office").get_data(as_text=True)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    assert client.post("/office/run/no_such", data={"csrf": csrf}).status_code == 404
    assert HR in page_text(client.get("/office/status"))


def test_generate_prints_each_units_link_on_its_cover_and_in_the_list(generated_national: Project) -> None:
    from openpyxl import load_workbook

    from workbooks.generate.distribution import DISTRIBUTION_FILE, LINK_HEAD
    from workbooks.generate.run import generate
    from workbooks.project import open_project, write_settings

    p = generated_national
    p.settings.portal_address = "https://xinyong.example.gov.cn/"
    write_settings(p.root, p.settings)
    p, _ = open_project(p.root)
    generate(p, force=True)
    token = token_of(p, HR)
    expected = f"https://xinyong.example.gov.cn/u/{token}"
    cover = load_workbook(outgoing(p, HR))["封面"]
    shown = {cover.cell(r, 1).value: cover.cell(r, 2).value for r in range(1, cover.max_row + 1)}
    assert shown["网页报送"].startswith(expected + "\n")
    sheet = load_workbook(p.outbox / DISTRIBUTION_FILE).active
    head = [c.value for c in sheet[2]]
    column = head.index(LINK_HEAD) + 1
    rows = {sheet.cell(r, 3).value: sheet.cell(r, column).value for r in range(3, sheet.max_row + 1)}
    assert rows[HR] == expected and len(set(rows.values())) == len(rows)  # one link a unit
    app = create_app(p.root, today=lambda: TODAY, now=lambda: NOW)
    assert app.test_client().get(f"/u/{token}").status_code == 200


def test_a_many_subject_assessment_gives_every_subject_its_page(tmp_path: Path) -> None:
    from workbooks.generate.run import generate
    from workbooks.project import init_project

    p = init_project(tmp_path / "郑州", "zhengzhou-2019-counties", today=date(2019, 3, 1))
    generate(p)
    receivers = [k.unit.name for k in packages(p)[0]]
    assert set(p.subjects) <= set(receivers)  # every subject, and any third party reporting for them
    known = links.tokens(p, receivers)
    assert len(set(known.values())) == len(receivers)
    client = create_app(p.root, today=lambda: TODAY, now=lambda: NOW).test_client()
    for unit in [p.subjects[0], p.subjects[-1], *[u for u in receivers if u not in p.subjects][:1]]:
        page = client.get(f"/u/{known[unit]}")
        assert page.status_code == 200 and p.registry.label_of(unit) in page_text(page)
        assert client.get(f"/u/{known[unit]}/workbook").data[:2] == b"PK"


def test_the_offices_consolidate_button_counts_its_files_and_answers_as_the_ribbon(portal) -> None:
    from workbooks.intake.consolidate import inbox_files
    from workbooks.portal.office import JOB

    p, client, _ = portal
    form = client.get("/office/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
    client.post("/office/login", data={"password": PASSWORD, "csrf": csrf})
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/office").get_data(as_text=True)).group(1)
    started = client.post("/office/run/xy_consolidate", data={"csrf": csrf})
    assert started.status_code == 302
    with JOB.lock:  # held by the job until it has answered
        pass
    state = client.get("/office/job").get_json()
    assert not state["running"] and state["ok"] and state["label"] == "汇总回收表"
    assert state["done"] == state["total"] == len(inbox_files(p))
    assert "评分总表" in state["message"] and "重复" in state["message"]


def test_a_failure_inside_the_portal_is_a_chinese_page_and_a_log_entry(consolidated_national: Project) -> None:
    from workbooks.console import LOG_FILE

    app = create_app(consolidated_national.root, today=lambda: TODAY, now=lambda: NOW)

    def broken() -> str:
        raise ZeroDivisionError("division by zero")

    app.add_url_rule("/broken", view_func=broken)
    answer = app.test_client().get("/broken")
    assert answer.status_code == 500 and "门户处理这个请求时出错" in page_text(answer)
    log = (consolidated_national.root / LOG_FILE).read_text(encoding="utf-8")
    assert "portal GET /broken" in log and "ZeroDivisionError" in log
