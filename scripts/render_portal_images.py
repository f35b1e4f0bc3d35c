"""Render the README pictures of the portal: a national-2019 project with most units' returns in,
the portal started on loopback, a unit's page after it uploaded a workbook with a wrong figure, and
the office's page, taken by Debian's chromium (headless, through Selenium) as a clerk sees them.

    python scripts/render_portal_images.py [OUT_DIR]   (default docs/images)

Needs chromium and chromium-driver; a maintainer's tool, not part of the tests.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import threading
from datetime import date, datetime
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait
from waitress import create_server

from udfs.rubric.loader import builtin_dir
from workbooks.generate.fill import fill_returns, fill_workbook, outgoing_files
from workbooks.generate.run import generate
from workbooks.input_files import read_inputs
from workbooks.intake.consolidate import consolidate
from workbooks.portal import links, login
from workbooks.portal.app import create_app
from workbooks.project import init_project, open_project, write_settings

PASSWORD = "portal-images"
LEFT_OUT = 6  # units whose returns are not in yet: the office's table shows them
NOW = datetime(2019, 3, 30, 9, 30)


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/images")
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="xinyong-portal-"))
    try:
        project = init_project(work / "宜昌2019", "national-2019", today=date(2019, 3, 1))
        project.settings.portal_address = "http://10.1.2.3:8765"
        write_settings(project.root, project.settings)
        project, _ = open_project(project.root)
        generate(project)
        values = read_inputs(builtin_dir() / "national-2019" / "example.json")[1]
        units = list(outgoing_files(project))
        hr = next(u for u in units if project.registry.label_of(u) == "市人社局")
        fill_returns(
            project, values, units=[u for u in units[:-LEFT_OUT] if u != hr], received=datetime(2019, 3, 20, 10)
        )
        consolidate(project, now=NOW)
        login.set_password(project, PASSWORD)
        source, asked = outgoing_files(project)[hr]
        wrong = work / "市人社局-任务分解表.xlsx"
        fill_workbook(source, wrong, {**{i: values[i] for i in asked if i in values}, "cs_total": "约1.4万人"})
        app = create_app(project.root, today=lambda: NOW.date(), now=lambda: NOW)  # a day before the deadline
        server = create_server(app, host="127.0.0.1", port=0)
        threading.Thread(target=server.run, daemon=True).start()
        base = f"http://127.0.0.1:{server.effective_port}"
        options = webdriver.ChromeOptions()
        options.binary_location = shutil.which("chromium") or "chromium"
        for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                     "--window-size=1200,1500", f"--user-data-dir={work / 'chromium'}", "--lang=zh-CN"):  # fmt: skip
            options.add_argument(flag)
        driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
        try:
            token = links.tokens(project, [hr])[hr]
            driver.get(f"{base}/u/{token}")
            driver.find_element(By.ID, "file").send_keys(str(wrong))
            driver.find_element(By.ID, "send").click()
            WebDriverWait(driver, 300).until(ec.presence_of_element_located((By.ID, "outcome")))
            driver.save_screenshot(str(out / "portal-unit.png"))
            driver.get(f"{base}/office/login")
            driver.find_element(By.ID, "password").send_keys(PASSWORD)
            driver.find_element(By.ID, "signin").click()
            WebDriverWait(driver, 300).until(ec.presence_of_element_located((By.ID, "units")))
            driver.save_screenshot(str(out / "portal-office.png"))
        finally:
            driver.quit()
            server.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"written: {out / 'portal-unit.png'}, {out / 'portal-office.png'}")


if __name__ == "__main__":
    main()
