"""Fill a unit workbook the way a second office suite would: LibreOffice, driven headless over UNO.

Run with the interpreter that has LibreOffice's `uno` module (Debian: /usr/bin/python3 with the
python3-uno package), not the project's:

    python3 lo_fill.py SPEC.json

SPEC: {"jobs": [{"source": ..., "target": ..., "values": {name: value}, "cells": {"任务清单!K3": text},
                 "formulas": {"数据填报!F9": "=1/0"}, "remove_sheets": [name, ...],
                 "format": "xlsx" | "ods" | "xls", "password": text}]}
Numbers are entered as numbers, text as text (是/否, "约85%"), into the cells named by each input's
defined name, formulas as formulas; the sheets named in remove_sheets are deleted; the document is
then stored by LibreOffice's own filter for the job's format (.xlsx when none is given), encrypted
when a password is given: what a unit that saves its return from LibreOffice in another format sends.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import uno  # noqa: F401  (provided by LibreOffice)
from com.sun.star.beans import PropertyValue


def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def connect(pipe):
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    deadline = time.monotonic() + 600  # a hang guard: a first start on a busy machine can take long
    while time.monotonic() < deadline:
        try:
            ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
            return ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        except Exception:  # noqa: BLE001 - office not up yet
            time.sleep(0.2)
    raise RuntimeError("LibreOffice did not start")


FILTERS = {"xlsx": "Calc MS Excel 2007 XML", "ods": "calc8", "xls": "MS Excel 97"}


def fill(desktop, job):
    url = uno.systemPathToFileUrl(os.path.abspath(job["source"]))
    doc = desktop.loadComponentFromURL(url, "_blank", 0, (prop("Hidden", True),))
    try:
        names = doc.NamedRanges
        for name, value in job.get("values", {}).items():
            cells = names.getByName(name).getReferredCells()
            values = value if isinstance(value, list) else [value]
            for k, v in enumerate(values):
                cell = cells.getCellByPosition(0, k)
                if isinstance(v, bool):
                    cell.setString("是" if v else "否")
                elif isinstance(v, (int, float)):
                    cell.setValue(v)
                else:
                    cell.setString(str(v))
        for ref, text in job.get("cells", {}).items():
            sheet_name, addr = ref.split("!")
            sheet = doc.Sheets.getByName(sheet_name)
            sheet.getCellRangeByName(addr).setString(text)
        for ref, formula in job.get("formulas", {}).items():
            sheet_name, addr = ref.split("!")
            doc.Sheets.getByName(sheet_name).getCellRangeByName(addr).setFormula(formula)
        for name in job.get("remove_sheets", []):
            doc.Sheets.removeByName(name)
        target = uno.systemPathToFileUrl(os.path.abspath(job["target"]))
        options = (prop("FilterName", FILTERS[job.get("format", "xlsx")]),)
        if job.get("password"):
            options += (prop("Password", job["password"]),)
        doc.storeToURL(target, options)
    finally:
        doc.close(True)


def run_office(soffice, work):
    """Start a private headless office, call work(desktop), always stop it and remove its profile."""
    profile = tempfile.mkdtemp(prefix="xinyong-lo-")
    pipe = f"xinyong_lo_{os.getpid()}"
    office = subprocess.Popen(
        [
            soffice,
            f"-env:UserInstallation=file://{profile}",
            "--headless", "--invisible", "--norestore", "--nologo", "--nodefault",
            f"--accept=pipe,name={pipe};urp;",
        ],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        desktop = connect(pipe)
        result = work(desktop)
        try:
            desktop.terminate()
        except Exception:  # noqa: BLE001 - the bridge drops as the office quits
            pass
        office.wait(timeout=30)
        return result
    finally:
        if office.poll() is None:
            os.killpg(office.pid, 9)
            office.wait(timeout=10)
        shutil.rmtree(profile, ignore_errors=True)


def main():
    spec = json.load(open(sys.argv[1], encoding="utf-8"))

    def work(desktop):
        for job in spec["jobs"]:
            fill(desktop, job)

    run_office(spec.get("soffice", "soffice"), work)


if __name__ == "__main__":
    main()
