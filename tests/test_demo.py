"""`xinyong demo`: the whole job on the built-in default leaves a project an office recognises, with
every irregularity the story promises visible where a person would look for it."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from udfs.evaluate import CompiledRubric, evaluate
from workbooks.cli import main
from workbooks.demo import CONFLICT, MISTYPES, NOT_RETURNED, RETURNS_LATE, run_demo
from workbooks.master.layout import MASTER_FILE


def test_demo_tells_the_whole_story(tmp_path: Path) -> None:
    demo = run_demo(tmp_path / "演示")
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


def test_demo_command_prints_the_summary_and_refuses_a_used_folder(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["demo", str(tmp_path / "演示")])
    assert result.exit_code == 0, result.output
    assert "总分" in result.output and "提分空间" in result.output and "逾期单位" in result.output
    assert (tmp_path / "演示" / MASTER_FILE).exists()
    again = runner.invoke(main, ["demo", str(tmp_path / "演示")])
    assert again.exit_code == 2 and "不是空的" in again.output
