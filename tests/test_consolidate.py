"""Consolidation as operators run it: CLI exit codes and JSON, the project lock, rounds with
carry-over, resolving a conflict from the command line, and values typed as people type them."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from click.testing import CliRunner

from tests.test_consolidate_e2e import fill_openpyxl, outgoing
from workbooks.cli import main
from workbooks.generate.run import generate
from workbooks.intake.consolidate import consolidate
from workbooks.lock import LockBusy, project_lock
from workbooks.project import SETTINGS_FILE, Project, open_project

PBOC = "人行宜昌中心支行"


@pytest.fixture
def project(generated_national: Project) -> Project:
    return generated_national


@pytest.mark.parametrize(
    ("typed", "expected", "code"),
    [
        ("85%", 0.85, None), ("0.85", 0.85, None), ("８５％", 0.85, None), (0.85, 0.85, None),
        ("约85%", None, "input-wrong-type"), ("85", None, "input-out-of-range"), ("八十五", None, "input-wrong-type"),
    ],
)  # fmt: skip
def test_values_as_people_type_them(project, typed: object, expected: float | None, code: str | None) -> None:  # noqa: ANN001
    fill_openpyxl(outgoing(project, PBOC), project.inbox / "a.xlsx", {"npl_rate": typed})
    summary = consolidate(project)
    o = summary.outcomes[0]
    assert summary.values.get("npl_rate") == expected
    findings = [f for f in o.findings if f.input == "npl_rate"]
    if code is None:
        assert findings == []
    else:
        assert [(f.code, f.sheet, f.cell) for f in findings] == [(code, "数据填报", findings[0].cell)]
        assert findings[0].cell and findings[0].expected


def test_cli_consolidate_json_and_exit_codes(project) -> None:  # noqa: ANN001
    runner = CliRunner()
    fill_openpyxl(outgoing(project, PBOC), project.inbox / "x.xlsx", {"npl_rate": 0.02})
    result = runner.invoke(main, ["consolidate", str(project.root), "--json"])
    data = json.loads(result.stdout)
    assert data["files"][0]["status"] == "accepted" and data["values"]["npl_rate"] == 0.02
    assert data["files"][0]["findings"] == []  # the file is fine; the other units' figures are still missing: 1
    assert result.exit_code == 1 and {f["code"] for f in data["findings"] if f["severity"] != "info"} == {
        "unit-data-missing"
    }
    (project.inbox / "y.csv").write_text("a,b\n", encoding="utf-8")
    result = runner.invoke(main, ["consolidate", str(project.root), "--dry-run"])
    assert result.exit_code == 1 and "file-not-xlsx" in result.output and "校验模式" in result.output
    assert runner.invoke(main, ["consolidate", str(project.root / "nope")]).exit_code == 2


def test_cli_resolve(project) -> None:  # noqa: ANN001
    fill_openpyxl(outgoing(project, PBOC), project.inbox / "a.xlsx", {"npl_rate": 0.02})
    fill_openpyxl(outgoing(project, "市地方金融局"), project.inbox / "b.xlsx", {"npl_rate": 0.03})
    runner = CliRunner()
    assert runner.invoke(main, ["consolidate", str(project.root)]).exit_code == 1
    assert runner.invoke(main, ["resolve", str(project.root), "npl_rate", "约2%"]).exit_code == 2
    result = runner.invoke(
        main, ["resolve", str(project.root), "npl_rate", "2%", "--unit", "人行", "--note", "电话核实"]
    )
    assert result.exit_code == 0
    again = runner.invoke(main, ["consolidate", str(project.root), "--json"])
    data = json.loads(again.stdout)
    assert data["conflicts"] == [] and data["values"]["npl_rate"] == 0.02


@contextmanager
def lock_held_elsewhere(project: Project) -> Iterator[None]:
    """Another run holds the project lock (a thread here) until the block ends."""
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with project_lock(project):
            held.set()
            release.wait(600)

    thread = threading.Thread(target=hold)
    thread.start()
    assert held.wait(600), "the holding thread never got the lock"
    try:
        yield
    finally:
        release.set()
        thread.join()


def test_second_consolidation_waits_then_names_the_holder(project) -> None:  # noqa: ANN001
    with lock_held_elsewhere(project):
        with pytest.raises(LockBusy) as busy, project_lock(project, wait=0.5):
            pass
        assert "进程" in busy.value.holder
    with project_lock(project, wait=0.5):
        pass  # free again


def test_rounds_keep_their_values_and_carry_over(project) -> None:  # noqa: ANN001
    fill_openpyxl(outgoing(project, PBOC), project.inbox / "round1.xlsx", {"npl_rate": 0.02, "fin_major_risk": False})
    first = consolidate(project)
    assert first.values["npl_rate"] == 0.02
    text = (project.root / SETTINGS_FILE).read_text(encoding="utf-8")
    text = text.replace("round: 2019年度", "round: 2019年第二轮").replace("carry_over: false", "carry_over: true")
    (project.root / SETTINGS_FILE).write_text(text, encoding="utf-8")
    second_round, _ = open_project(project.root)
    generate(second_round, force=True)
    fill_openpyxl(outgoing(second_round, PBOC), project.inbox / "round2.xlsx", {"npl_rate": 0.025})
    summary = consolidate(second_round)
    assert summary.values["npl_rate"] == 0.025  # this round's figure
    assert summary.values["fin_major_risk"] is False and summary.carried["fin_major_risk"] == "2019年度"
    assert "value-carried-over" in [f.code for f in summary.findings]
    old = next(o for o in summary.outcomes if o.name == "round1.xlsx")
    assert o_status(old) == "duplicate"  # already in the ledger from round one


def o_status(outcome) -> str:  # noqa: ANN001
    return outcome.status
