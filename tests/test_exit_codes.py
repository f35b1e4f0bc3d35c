"""One exit-code rule for every command (README, 退出码): 0 the job ran and nothing needs action,
1 it ran and found something to act on (any warning or error), 2 it could not run. Checked command
by command on one real project as it moves from just set up to complete, and on the states that
must give 1 whatever the score (a one-vote veto, an unmet certification condition)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.test_consolidate import lock_held_elsewhere
from udfs.rubric import resolve as resolve_rubric
from workbooks.cli import main
from workbooks.generate.fill import fill_returns
from workbooks.input_files import read_inputs
from workbooks.project import SETTINGS_FILE, open_project

RUBRIC = "wangyi-district"  # 32 units, certification conditions: small enough to fill completely
PROJECT_COMMANDS = [["consolidate"], ["consolidate", "--dry-run"], ["master"], ["report"], ["score"]]


def run(*args: object) -> tuple[int, str]:
    """Exit code and standard output (what a script reads; progress bars go to standard error)."""
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    return result.exit_code, result.stdout if "--json" in args else result.output


def full_marks(rubric: str) -> dict[str, object]:
    return read_inputs(resolve_rubric(rubric).with_suffix("") / "full-marks.json")[1]


def done(_n: int, _item: str) -> tuple[str, str]:
    return "已完成", "按要求完成"


def codes(folder: Path, *command: str) -> set[str]:
    code, out = run(*command, folder, "--json")
    assert code in (0, 1), out
    return {f["code"] for f in json.loads(out)["findings"] if f["severity"] != "info"}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project set up as the README says; the deadline is a month from today, so nobody is late yet."""
    folder = tmp_path_factory.mktemp("exit") / "项目"
    assert run("init", folder, "--rubric", RUBRIC)[0] == 0
    return folder


def test_a_project_from_set_up_to_complete(project: Path) -> None:
    # contact and phone left blank: the cover sheets would show blanks -> 1
    code, out = run("generate", project)
    assert code == 1 and "settings-contact-missing" in out, out
    settings = project / SETTINGS_FILE
    text = (
        settings.read_text(encoding="utf-8")
        .replace("contact: ''", "contact: 张三")
        .replace("phone: ''", "phone: '0919-1234567'")
    )
    settings.write_text(text, encoding="utf-8")
    code, out = run("generate", project, "--force")
    assert code == 0, out

    # nothing returned yet: every command has something to act on, and says so with 1
    for command in PROJECT_COMMANDS:
        code, out = run(*command, project)
        assert code == 1, (command, out)
    assert "unit-data-missing" in codes(project, "consolidate", "--dry-run")
    assert "item-not-scored" in codes(project, "score")

    # every unit returns every figure with full marks and every task done: nothing to act on, 0 everywhere
    p, _ = open_project(project)
    fill_returns(p, full_marks(RUBRIC), tasks=done)
    for command in PROJECT_COMMANDS:
        code, out = run(*command, project)
        assert code == 0, (command, out)
    code, out = run("score", project, "--json")
    assert code == 0 and json.loads(out)["score"]["certified"] is True, out


def score_with(tmp_path: Path, rubric: str, changes: dict[str, object]) -> tuple[int, dict]:
    """Headless `score` of the rubric's full-marks figures with some changed."""
    inputs = tmp_path / f"{rubric}.json"
    inputs.write_text(json.dumps({**full_marks(rubric), **changes}, ensure_ascii=False), encoding="utf-8")
    code, out = run("score", "--rubric", rubric, "--inputs", inputs, "--json")
    return code, json.loads(out)


def test_unmet_certification_condition_exits_1_whatever_the_total(tmp_path: Path) -> None:
    code, document = score_with(tmp_path, RUBRIC, {})
    assert code == 0 and document["certified"] is True, document
    code, document = score_with(tmp_path, RUBRIC, {"essentials_met": False})  # 必备条件 not met
    assert document["total"] == 100 and document["certified"] is False and code == 1, document
    assert "certification-not-met" in {f["code"] for f in document["findings"]}


def test_one_vote_veto_exits_1_even_with_full_marks(tmp_path: Path) -> None:
    code, document = score_with(tmp_path, "national-2019", {})
    assert code == 0 and document["vetoed"] is False, document
    # basic indicator 10: monitoring not extended to the counties; the items it names lose their points
    code, document = score_with(tmp_path, "national-2019", {"monitor_extended": False})
    assert document["vetoed"] is True and code == 1, document
    found = [f for f in document["findings"] if f["code"] == "veto-triggered"]
    assert [f["item"] for f in found] == ["basic_10"] and found[0]["severity"] == "error", found


def test_could_not_run_exits_2(tmp_path: Path, project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "空文件夹").mkdir()
    for command in PROJECT_COMMANDS + [["generate"]]:
        code, out = run(*command, tmp_path / "空文件夹")
        assert code == 2, (command, out)
    bad = tmp_path / "坏.json"
    bad.write_text("{不是 JSON", encoding="utf-8")
    assert run("score", "--inputs", bad)[0] == 2
    assert run("score", "--rubric", "没有这个指标体系")[0] == 2
    # another job holds the project lock: the command cannot run and says who holds it
    p, _ = open_project(project)
    monkeypatch.setattr("workbooks.lock.LOCK_WAIT", 0.0)  # say who holds it at once instead of waiting
    with lock_held_elsewhere(p):
        for command in (["consolidate"], ["master"], ["score"], ["report"]):
            code, out = run(*command, project)
            assert code == 2 and "进程" in out, (command, out)
