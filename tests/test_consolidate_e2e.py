"""End to end: generate unit workbooks, fill them through LibreOffice (driven headless over UNO) and
through openpyxl, return them under scrambled names with a duplicate, a resubmission, a conflict, an
outdated template, a tampered file, another project's file and a file that is no unit workbook;
consolidate; the ledger's current values equal what was filled and every irregular file has exactly
the expected findings."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from tests import windows_mode
from workbooks.generate.fill import fill_workbook
from workbooks.generate.run import generate
from workbooks.intake.consolidate import LEDGER_FILE, consolidate
from workbooks.ledger import Ledger
from workbooks.master.layout import MASTER_FILE
from workbooks.master.recalc import find_soffice
from workbooks.project import RUBRIC_FILE, SETTINGS_FILE, init_project, open_project

SYSTEM_PYTHON = "/usr/bin/python3"
LO_FILL = Path(__file__).parent / "lo_fill.py"
PBOC, FINANCE, HR, NDRC, TAX = "人行宜昌中心支行", "市地方金融局", "市人社局", "市发改委", "市税务局"


def has_uno() -> bool:
    if find_soffice() is None or not Path(SYSTEM_PYTHON).exists():
        return False
    return subprocess.run([SYSTEM_PYTHON, "-c", "import uno"], capture_output=True).returncode == 0


def libreoffice_fill(jobs: list[dict[str, object]]) -> None:
    """Fill and save workbooks with LibreOffice (tests/lo_fill.py, one office for all the jobs)."""
    with tempfile.TemporaryDirectory() as scratch:
        spec = Path(scratch) / "spec.json"
        spec.write_text(json.dumps({"jobs": jobs}, ensure_ascii=False), encoding="utf-8")
        env = {**os.environ, "PYTHONPATH": ""}
        subprocess.run([SYSTEM_PYTHON, str(LO_FILL), str(spec)], check=True, timeout=900, env=env)


def libreoffice_edit(path: Path, cells: dict[str, str]) -> None:
    """Type into a workbook with LibreOffice and save it in place through its own xlsx filter."""
    with tempfile.TemporaryDirectory() as scratch:
        saved = Path(scratch) / "saved.xlsx"
        libreoffice_fill([{"source": str(path), "target": str(saved), "cells": cells}])
        os.replace(saved, path)


def outgoing(project, label: str) -> Path:  # noqa: ANN001
    return next(p for p in project.outbox.iterdir() if p.name.startswith(label + "-"))


def fill_openpyxl(source: Path, target: Path, values: dict[str, object], cells: dict[str, str] | None = None) -> None:
    fill_workbook(source, target, values, cells=cells)


def stamp(path: Path, t: int) -> None:
    os.utime(path, (t, t))


PBOC_VALUES = {
    "npl_rate": "2.8%",
    "fin_major_risk": "否",
    "fin_cases_closed": "1,234",
    "fin_cases_pending_prev": 300,
    "xinyidai_amount": "1.2万",
}
FINANCE_VALUES = {"npl_rate": 0.031, "fin_major_risk": False}  # npl_rate differs from PBOC: a conflict
HR_VALUES = {"cs_total": 13650, "d_s03_archive_use": 0.8, "soc_labour_list": True, "soc_labour_graded": "否"}


@pytest.fixture(scope="module")
def returned(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    """The inbox of the end-to-end run. One return is filled and saved by LibreOffice where it runs with
    python3-uno; elsewhere (the Windows workflow) openpyxl fills that return, so every test but the one
    about the second suite (marked oracle) runs everywhere instead of skipping quietly."""
    base = tmp_path_factory.mktemp("e2e")
    project = init_project(base / "项目", "national-2019", today=date(2019, 3, 1))
    generate(project)
    inbox = project.inbox
    # an outdated template: the same project generated earlier from an older rubric with one more input
    old_root = base / "旧版"
    shutil.copytree(project.root, old_root)
    text = (Path(__file__).parents[1] / "udfs/rubrics/national-2019.yaml").read_text(encoding="utf-8")
    text = text.replace('version: "1.0.0"', 'version: "0.9.0"', 1).replace(
        "inputs:\n",
        "inputs:\n  - {id: legacy_count, label: 旧版数据项, type: count, unit: 个, min: 0, providers: [市发改委]}\n",
        1,
    )
    (old_root / RUBRIC_FILE).write_text(text, encoding="utf-8")
    settings = (old_root / SETTINGS_FILE).read_text(encoding="utf-8")
    (old_root / SETTINGS_FILE).write_text(re.sub(r"rubric: \S+", f"rubric: {RUBRIC_FILE}", settings), encoding="utf-8")
    shutil.rmtree(old_root / "下发")
    old, _ = open_project(old_root)
    generate(old)
    # another project's workbook
    other = init_project(base / "别的项目", "national-2019", today=date(2019, 3, 1))
    generate(other)

    t = 1_560_000_000
    fill_openpyxl(
        outgoing(project, PBOC),
        inbox / "微信图片_新建文件.xlsx",
        PBOC_VALUES,
        {"任务清单!K3": "已完成", "任务清单!L3": "材料已报"},
    )
    stamp(inbox / "微信图片_新建文件.xlsx", t)
    shutil.copyfile(inbox / "微信图片_新建文件.xlsx", inbox / "副本.xlsx")  # the same file twice
    stamp(inbox / "副本.xlsx", t + 1)
    fill_openpyxl(outgoing(project, FINANCE), inbox / "金融局.xlsx", FINANCE_VALUES)
    stamp(inbox / "金融局.xlsx", t + 2)
    if not has_uno():
        fill_openpyxl(outgoing(project, HR), inbox / "人社局回执（LibreOffice）.xlsx", HR_VALUES, {"任务清单!K3": "推进中"})
    spec = {
        "soffice": find_soffice(),
        "jobs": [
            {
                "source": str(outgoing(project, HR)),
                "target": str(inbox / "人社局回执（LibreOffice）.xlsx"),
                "values": HR_VALUES,
                "cells": {"任务清单!K3": "推进中"},
            }
        ],
    }
    spec_file = base / "fill.json"
    spec_file.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    if has_uno():
        subprocess.run(
            [SYSTEM_PYTHON, str(LO_FILL), str(spec_file)], check=True, timeout=600, env={**os.environ, "PYTHONPATH": ""}
        )
    stamp(inbox / "人社局回执（LibreOffice）.xlsx", t + 3)
    fill_openpyxl(outgoing(project, HR), inbox / "人社局-更正.xlsx", {**HR_VALUES, "cs_total": 13700})  # resubmission
    stamp(inbox / "人社局-更正.xlsx", t + 4)
    fill_openpyxl(outgoing(old, NDRC), inbox / "发改委.xlsx", {"biz_price_list": True, "legacy_count": 3})
    stamp(inbox / "发改委.xlsx", t + 5)
    tampered = openpyxl.load_workbook(outgoing(project, TAX))
    del tampered.defined_names[next(iter(tampered.defined_names))]
    tampered.save(inbox / "税务局.xlsx")
    stamp(inbox / "税务局.xlsx", t + 6)
    fill_openpyxl(outgoing(other, PBOC), inbox / "人行（别的项目）.xlsx", {"npl_rate": 0.5})
    stamp(inbox / "人行（别的项目）.xlsx", t + 7)
    plain = openpyxl.Workbook()
    plain.active["A1"] = "不良贷款率"
    plain.active["B1"] = 0.02
    plain.save(inbox / "统计表.xlsx")
    stamp(inbox / "统计表.xlsx", t + 8)
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in inbox.iterdir()}
    shutil.copytree(project.root, base / PRISTINE)  # for the same run in Windows-like mode
    summary = consolidate(project)
    return project, summary, before


PRISTINE = "汇总前"


def ledger_view(root: Path, round_name: str) -> dict[str, object]:
    """What a consolidation left in the ledger: files in order, and every unit's current values."""
    ledger = Ledger(root / LEDGER_FILE)
    try:
        files = [(r["hash"], r["original_name"], r["status"], r["template"], r["unit"]) for r in ledger.files()]
        current = {
            i: sorted((c.unit, json.dumps(c.value, sort_keys=True), c.sheet, c.cell) for c in rows)
            for i, rows in ledger.current_values(round_name).items()
        }
        return {"files": files, "current": current, "tasks": ledger.task_states(round_name)}
    finally:
        ledger.close()


def test_windows_like_mode_consolidates_the_same(returned, tmp_path: Path) -> None:  # noqa: ANN001
    """The same inbox consolidated by the `xinyong` command in Windows-like mode (tests/windows_mode.py:
    no fcntl or resource, no fork; spawned workers, the portable lock): the same outcome per file, the
    same ledger, a master written."""
    project, summary, _ = returned
    root = tmp_path / "项目"
    shutil.copytree(project.root.parent / PRISTINE, root)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])}
    done = subprocess.run(
        windows_mode.xinyong_command("consolidate", str(root), "--json"),
        cwd=tmp_path, env=env, capture_output=True, text=True, encoding="utf-8", timeout=600,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr[-3000:]  # findings to act on: the conflict, the rejected files
    seen = json.loads(done.stdout)
    assert [(f["file"], f["status"], f["unit"], f["template"], sorted(x["code"] for x in f["findings"])) for f in seen["files"]] == [
        (o.name, o.status, o.unit, o.template, sorted(x.code for x in o.findings)) for o in summary.outcomes
    ]  # fmt: skip
    assert ledger_view(root, project.settings.round) == ledger_view(project.root, project.settings.round)
    assert (root / MASTER_FILE).is_file()


def outcome(summary, name: str):  # noqa: ANN001, ANN201
    return next(o for o in summary.outcomes if o.name == name)


def test_values_filled_are_the_ledgers_current_values(returned) -> None:  # noqa: ANN001
    project, summary, _ = returned
    ledger = Ledger(project.root / LEDGER_FILE)
    current = {
        (c.input, c.unit): c.value
        for entries in ledger.current_values(project.settings.round).values()
        for c in entries
    }
    pboc, hr = "中国人民银行宜昌市中心支行", "宜昌市人力资源和社会保障局"
    assert current[("npl_rate", pboc)] == 0.028
    assert current[("fin_major_risk", pboc)] is False
    assert current[("fin_cases_closed", pboc)] == 1234
    assert current[("fin_cases_pending_prev", pboc)] == 300
    assert current[("xinyidai_amount", pboc)] == 12000
    assert current[("cs_total", hr)] == 13700  # the resubmission supersedes the LibreOffice-filled file
    assert current[("d_s03_archive_use", hr)] == 0.8 and current[("soc_labour_list", hr)] is True
    rows = ledger.db.execute("SELECT value FROM input_values WHERE input = 'cs_total' ORDER BY file_seq").fetchall()
    assert [json.loads(r[0]) for r in rows] == [13650, 13700]  # both stay in the ledger
    states = {(u, i): (s, n) for u, i, s, n in ledger.task_states(project.settings.round)}
    assert states[(pboc, "s02_governance")] == ("已完成", "材料已报")
    ledger.close()


@pytest.mark.oracle
def test_libreoffice_filled_file_is_recognised(returned) -> None:  # noqa: ANN001
    if not has_uno():
        pytest.skip("LibreOffice with python3-uno is not installed: the return was filled by openpyxl instead")
    project, summary, _ = returned
    import zipfile

    with zipfile.ZipFile(project.inbox / "人社局回执（LibreOffice）.xlsx") as z:
        assert b"LibreOffice" in z.read("docProps/app.xml")  # really written by the second suite
    lo = outcome(summary, "人社局回执（LibreOffice）.xlsx")
    assert (lo.status, lo.template, lo.values, [f.code for f in lo.findings]) == ("accepted", "current", 4, [])
    assert outcome(summary, "人社局-更正.xlsx").superseded


def test_irregular_files_have_exactly_the_expected_findings(returned) -> None:  # noqa: ANN001
    _, summary, _ = returned
    expected = {
        "微信图片_新建文件.xlsx": ("accepted", []),
        "副本.xlsx": ("duplicate", []),
        "金融局.xlsx": ("accepted", []),
        "发改委.xlsx": ("accepted", ["file-outdated-template", "input-unknown"]),
        "税务局.xlsx": ("rejected", ["file-tampered"]),
        "人行（别的项目）.xlsx": ("rejected", ["file-other-project"]),
        "统计表.xlsx": ("rejected", ["file-not-unit-workbook"]),
    }
    for name, (status, codes) in expected.items():
        o = outcome(summary, name)
        assert (o.status, sorted(f.code for f in o.findings)) == (status, codes), name


def test_conflict_stays_until_resolved(returned) -> None:  # noqa: ANN001
    project, summary, _ = returned
    assert [c.input for c in summary.conflicts] == ["npl_rate"]
    assert "fin_major_risk" in summary.values and "npl_rate" not in summary.values
    ledger = Ledger(project.root / LEDGER_FILE)
    ledger.resolve(
        project.settings.round, "npl_rate", 0.028, "中国人民银行宜昌市中心支行", "电话核实", "2019-04-01T10:00:00"
    )
    values, conflicts = ledger.settled(project.settings.round)
    assert conflicts == [] and values["npl_rate"] == 0.028
    ledger.close()


def test_inbox_untouched_archive_complete_and_rerun_changes_nothing(returned) -> None:  # noqa: ANN001
    project, summary, before = returned
    assert {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in project.inbox.iterdir()} == before
    ledger = Ledger(project.root / LEDGER_FILE)
    for row in ledger.files():
        archived = project.root / row["archived_as"]
        assert hashlib.sha256(archived.read_bytes()).hexdigest() == row["hash"]
    count = len(ledger.files())
    ledger.close()
    again = consolidate(project)
    assert {o.status for o in again.outcomes} == {"duplicate"}
    assert again.values.keys() >= summary.values.keys()
    ledger = Ledger(project.root / LEDGER_FILE)
    assert len(ledger.files()) == count
    ledger.close()


def test_dry_run_writes_nothing(returned, tmp_path: Path) -> None:  # noqa: ANN001
    project, _, _ = returned
    fresh = init_project(tmp_path / "空", "national-2019", today=date(2019, 3, 1))
    shutil.copyfile(project.inbox / "统计表.xlsx", fresh.inbox / "统计表.xlsx")
    summary = consolidate(fresh, dry_run=True)
    assert [o.status for o in summary.outcomes] == ["rejected"]
    assert not (fresh.root / LEDGER_FILE).exists()
    assert not any((fresh.archive).rglob("*.xlsx"))
