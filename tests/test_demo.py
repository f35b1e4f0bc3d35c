"""`xinyong demo`: the whole job on the built-in default leaves a project an office recognises, with
every irregularity the story promises visible where a person would look for it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from udfs.evaluate import CompiledRubric, evaluate
from workbooks.cli import main
from workbooks.demo import CONFLICT, MISTYPES, NOT_RETURNED, RETURNS_LATE, run_demo
from workbooks.master.layout import MASTER_FILE
from workbooks.master.run import write_master
from workbooks.project import open_project
from workbooks.recalc import convert_many, find_soffice, read_values, recalculated_values


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


@pytest.mark.oracle
@pytest.mark.skipif(find_soffice() is None, reason="LibreOffice not installed")
def test_demo_master_opens_in_libreoffice_with_the_printed_numbers(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["demo", str(tmp_path / "演示")])
    printed = float(re.search(r"总分 ([\d.]+) / ", result.output).group(1))
    root = tmp_path / "演示"
    # as a person's LibreOffice opens the default (XY_ function) master: the values it carries
    opened = convert_many([root / MASTER_FILE], tmp_path / "opened", to="xlsx", recalc=False)[root / MASTER_FILE]
    total = _overview_total(read_values(opened, "总览")["总览"])
    assert round(total, 2) == printed
    # the native master, recalculated by LibreOffice itself
    project, _ = open_project(root)
    native = write_master(project, "native")
    assert native.path is not None
    values = recalculated_values(native.path, "总览")["总览"]
    assert round(_overview_total(values), 2) == printed


def _overview_total(cells: dict[str, object]) -> float:
    label = next(ref for ref, v in cells.items() if v == "总分")
    value = cells["B" + label[1:]]
    assert isinstance(value, float)
    return value
