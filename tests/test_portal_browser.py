"""The portal in a real browser (Debian's chromium, driven by Selenium through chromedriver) against
the real server (waitress on a free loopback port): a unit opens its link, uploads a filled
workbook and sees it accepted, uploads one with a wrong figure and sees the finding; the office signs
in, sees the unit's status change, rescores with the ribbon's button and downloads a master whose
total is the command line's."""

from __future__ import annotations

import io
import json
import shutil
import threading
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner
from python_calamine import CalamineWorkbook

from tests.test_consolidate_e2e import fill_openpyxl, outgoing
from tests.test_inbox_realities import HR
from tests.test_portal import token_of
from workbooks.cli import main
from workbooks.cli_portal import make_server
from workbooks.master import layout as L
from workbooks.portal import login
from workbooks.project import Project

CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    not (CHROMIUM and DRIVER), reason="Debian's chromium and chromium-driver (scripts/install-system.sh)"
)
PASSWORD = "portal-browser-1"
WAIT = 180  # seconds an element may take to appear (a consolidation on a busy 2-core machine); not a pace


@pytest.fixture
def server(generated_national: Project):  # noqa: ANN201
    login.set_password(generated_national, PASSWORD)
    srv = make_server(generated_national.root, "127.0.0.1", 0)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    yield generated_national, f"http://127.0.0.1:{srv.effective_port}"
    srv.close()


@pytest.fixture
def browser(tmp_path: Path):  # noqa: ANN201
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--window-size=1280,1600", f"--user-data-dir={tmp_path / 'chromium'}", "--lang=zh-CN"):  # fmt: skip
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    yield driver
    driver.quit()


def wait_for(driver, css: str):  # noqa: ANN001, ANN201
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, WAIT).until(ec.presence_of_element_located((By.CSS_SELECTOR, css)))


def wait_for_text(driver, element_id: str, text: str) -> None:  # noqa: ANN001
    """Until the element (found again after each reload) shows `text`."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, WAIT).until(ec.text_to_be_present_in_element((By.ID, element_id), text))


def send(driver, path: Path) -> str:  # noqa: ANN001
    """Choose the file and press 上传, as a clerk does; the outcome the page then shows."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    before = driver.find_elements(By.ID, "outcome")  # the last upload's answer, on the page still shown
    driver.find_element(By.ID, "file").send_keys(str(path))
    driver.find_element(By.ID, "send").click()
    if before:  # gone with the page it was on: the answer read next is this upload's
        WebDriverWait(driver, WAIT).until(ec.staleness_of(before[0]))
    return wait_for(driver, "#outcome").text


def test_a_unit_and_the_office_in_a_real_browser(server, browser, tmp_path: Path) -> None:  # noqa: ANN001
    from selenium.webdriver.common.by import By

    project, base = server
    token = token_of(project, HR)

    browser.get(f"{base}/office/login")
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.ID, "signin").click()
    row = wait_for(browser, "#units")
    before = next(r.text for r in row.find_elements(By.TAG_NAME, "tr") if r.text.startswith(HR))
    assert "未报送" in before
    office = browser.current_window_handle

    browser.switch_to.new_window("tab")
    browser.get(f"{base}/u/{token}")
    assert HR in browser.find_element(By.TAG_NAME, "h1").text
    filled = tmp_path / "人社局-填好的.xlsx"
    fill_openpyxl(outgoing(project, HR), filled, {"cs_total": 13_650})
    assert send(browser, filled) == "已采用"
    wrong = tmp_path / "人社局-改错的.xlsx"
    fill_openpyxl(outgoing(project, HR), wrong, {"cs_total": "约1.4万人"})
    assert send(browser, wrong) == "未采用"
    findings = browser.find_element(By.ID, "findings").text
    assert "约数无法计分" in findings and "数据填报!F3" in findings

    browser.switch_to.window(office)
    browser.refresh()
    row = wait_for(browser, "#units")
    after = next(r.text for r in row.find_elements(By.TAG_NAME, "tr") if r.text.startswith(HR))
    assert after != before and "未报送" not in after
    browser.find_element(By.ID, "xy_rescore").click()
    wait_for_text(browser, "job", "评分总表")  # the page reloads once the job has answered
    cookies = "; ".join(f"{c['name']}={c['value']}" for c in browser.get_cookies())
    href = browser.find_element(By.ID, "download-0").get_attribute("href")
    with urllib.request.urlopen(urllib.request.Request(href, headers={"Cookie": cookies})) as got:  # noqa: S310 - our loopback server
        master = got.read()
    rows = CalamineWorkbook.from_filelike(io.BytesIO(master)).get_sheet_by_name(L.OVERVIEW).to_python()
    total = {r[0]: r[1] for r in rows if r and isinstance(r[0], str)}["总分"]
    cli = CliRunner().invoke(main, ["master", str(project.root), "--json"])
    assert total == pytest.approx(json.loads(cli.stdout)["score"]["total"])
