"""`xinyong demo`: the whole job on the built-in default leaves a project an office recognises, with
every irregularity the story promises visible where a person would look for it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from udfs.evaluate import CompiledRubric, evaluate
from workbooks.cli import main
from workbooks.demo import CONFLICT, MISTYPES, NOT_RETURNED, RETURNS_LATE, Demo, run_demo
from workbooks.master.layout import MASTER_FILE
from workbooks.master.recalc import convert_many, find_soffice, read_values, recalculated_values


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    return run_demo(tmp_path_factory.mktemp("demo") / "演示")


@pytest.fixture(scope="module")
def command(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Result]:
    """`xinyong demo FOLDER` run once as an operator runs it: the folder and what the command did."""
    folder = tmp_path_factory.mktemp("demo-command") / "演示"
    return folder, CliRunner().invoke(main, ["demo", str(folder)])


def test_demo_tells_the_whole_story(demo: Demo) -> None:
    state, outcomes = demo.master.state, demo.summary.outcomes
    units = {u.label: u for u in state.units}
    for label in NOT_RETURNED:
        assert units[label].status == "逾期未报送" and units[label].reminder
    assert units[RETURNS_LATE].status == "逾期报送"
    assert [c.input for c in state.conflicts] == list(CONFLICT[1])
    codes = {f.code for f in state.findings}
    assert {"value-conflict", "file-outdated-template", "input-wrong-type", "unit-late"} <= codes
    wrong = next(f for f in state.findings if f.code == "input-wrong-type")
    assert wrong.input in MISTYPES[1] and wrong.sheet and wrong.cell  # where to look, not a guess
    assert sum(1 for o in outcomes if o.superseded) == 1  # the corrected resubmission
    # the master's numbers are headless scoring of what was adopted
    assert state.result.total == evaluate(CompiledRubric(demo.project.rubric), state.values).total
    assert state.recoveries and state.recoveries[0].gain > 0


def test_demo_command_prints_the_summary_and_refuses_a_used_folder(command: tuple[Path, Result]) -> None:
    folder, result = command
    assert result.exit_code == 0, result.output
    assert "总分" in result.output and "提分空间" in result.output and "逾期单位" in result.output
    assert (folder / MASTER_FILE).exists()
    again = CliRunner().invoke(main, ["demo", str(folder)])
    assert again.exit_code == 2 and "不是空的" in again.output


@pytest.mark.oracle
@pytest.mark.skipif(find_soffice() is None, reason="LibreOffice not installed")
def test_demo_master_opens_in_libreoffice_with_the_printed_numbers(
    command: tuple[Path, Result], tmp_path: Path
) -> None:
    folder, result = command
    printed = float(re.search(r"总分 ([\d.]+) / ", result.output).group(1))
    master = folder / MASTER_FILE
    # as a person's LibreOffice opens it by default (the values it carries) and with recalculation forced
    opened = convert_many([master], tmp_path / "opened", to="xlsx", recalc=False)[master]
    assert round(_overview_total(read_values(opened, "总览")["总览"]), 2) == printed
    assert round(_overview_total(recalculated_values(master, "总览")["总览"]), 2) == printed


def _overview_total(cells: dict[str, object]) -> float:
    label = next(ref for ref, v in cells.items() if v == "总分")
    value = cells["B" + label[1:]]
    assert isinstance(value, float)
    return value


def test_demo_without_a_folder_takes_the_next_free_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As the README's first command runs it: xinyong-演示, then xinyong-演示-2 (a used folder is never touched)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "xinyong-演示").mkdir()
    (tmp_path / "xinyong-演示" / "别人的文件.txt").write_text("留着", encoding="utf-8")
    done = CliRunner().invoke(main, ["demo"])
    assert done.exit_code == 0, done.output
    assert "演示项目：xinyong-演示-2" in done.output and (tmp_path / "xinyong-演示-2" / MASTER_FILE).exists()
    assert sorted(p.name for p in (tmp_path / "xinyong-演示").iterdir()) == ["别人的文件.txt"]


@pytest.mark.parametrize(("rubric", "has_figures"), [("wangyi-district", True), ("yichang-2020", False)])
def test_every_one_subject_rubric_has_the_same_story_with_its_own_units(
    rubric: str, has_figures: bool, tmp_path: Path
) -> None:
    """`demo --rubric` takes every built-in rubric: the national story's roles go to the rubric's own
    units by rule; a task list (no figures) keeps the late and missing returns and the old template."""
    done = CliRunner().invoke(main, ["demo", str(tmp_path / "演示"), "--rubric", rubric])
    assert done.exit_code == 0, done.output
    demo = run_demo(tmp_path / "再演示", rubric)
    story, state = demo.story, demo.master.state
    units = {u.label: u for u in state.units}
    assert story.not_returned and all(units[label].status == "逾期未报送" for label in story.not_returned)
    assert units[story.returns_late].status == "逾期报送"
    codes = {f.code for f in state.findings}
    assert "file-outdated-template" in codes and story.outdated
    assert (story.mistypes is not None) == (story.resubmits is not None) == has_figures
    if story.mistypes:
        wrong = next(f for f in state.findings if f.code == "input-wrong-type")
        assert wrong.input in story.mistypes[1] and wrong.cell
        assert sum(1 for o in demo.summary.outcomes if o.superseded) == 1
    late = [u.label for u in state.units if u.late]
    assert f"逾期单位 {len(late)} 个：" in done.output
    assert ("总分" in done.output) == has_figures and ("任务清单（无分值）" in done.output) != has_figures


def test_demo_refuses_a_rubric_it_has_no_story_for_and_lists_the_built_ins(tmp_path: Path) -> None:
    done = CliRunner().invoke(main, ["demo", str(tmp_path / "演示"), "--rubric", "wangyi-distric"])
    assert done.exit_code == 2 and "yichang-2020" in done.output and "是不是“wangyi-district”" in done.output
    assert not (tmp_path / "演示").exists()
