"""The office's resolution of a conflict, as the README states the rule (汇总回收表): a figure two units
report differently stays a conflict until the office settles it with `xinyong resolve`; once settled,
a file received after the resolution that reports the figure again is checked afresh: taken when it
agrees with the other units, a conflict again when it does not. The office's word is never dropped
silently, and never outlives what a unit reports after it.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.test_consolidate_e2e import fill_openpyxl, outgoing
from udfs.evaluate import CompiledRubric
from workbooks.cli import main
from workbooks.intake.consolidate import Summary, consolidate
from workbooks.ledger import LEDGER_FILE, Ledger
from workbooks.master.state import gather
from workbooks.project import Project

PBOC, FINANCE = "人行宜昌中心支行", "市地方金融局"  # both report npl_rate (地区不良贷款率)
START = datetime(2019, 3, 10, 9, 0).timestamp()


class Round:
    """Files arrive one after another (intake orders them by their time), then the office consolidates."""

    def __init__(self, project: Project) -> None:
        self.project, self.n = project, 0

    def send(self, unit: str, npl_rate: object) -> None:
        self.n += 1
        target = self.project.inbox / f"{self.n:02d}-{unit}.xlsx"
        # each send is a new file, whatever the clock says (a note that differs), not a duplicate of the last
        fill_openpyxl(outgoing(self.project, unit), target, {"npl_rate": npl_rate}, cells={"任务清单!L3": f"第{self.n}次报送"})
        t = START + self.n * 3600
        os.utime(target, (t, t))

    def consolidate(self) -> Summary:
        return consolidate(self.project, now=datetime(2019, 3, 25, 10, 0))

    def resolve(self, typed: str, unit: str) -> None:
        result = CliRunner().invoke(main, ["resolve", str(self.project.root), "npl_rate", typed, "--unit", unit])
        assert result.exit_code == 0, result.output

    def master_sees(self) -> tuple[object, list[str]]:
        """The adopted figure and the open conflicts as the master is written from the ledger."""
        ledger = Ledger(self.project.root / LEDGER_FILE)
        try:
            state = gather(self.project, ledger, CompiledRubric(self.project.rubric), today=date(2019, 3, 25))
        finally:
            ledger.close()
        adopted = next(a for a in state.inputs if a.spec.id == "npl_rate")
        return adopted.value, [c.input for c in state.conflicts]


@pytest.fixture
def office(generated_national: Project) -> Round:
    office = Round(generated_national)
    office.send(PBOC, "2%")
    office.send(FINANCE, "3%")
    summary = office.consolidate()
    assert [c.input for c in summary.conflicts] == ["npl_rate"] and "npl_rate" not in summary.values
    office.resolve("2%", "人行")
    summary = office.consolidate()
    assert summary.conflicts == [] and summary.values["npl_rate"] == 0.02
    return office


def test_a_resolution_holds_while_nothing_new_arrives(office: Round) -> None:
    again = office.consolidate()
    assert again.conflicts == [] and again.values["npl_rate"] == 0.02
    assert office.master_sees() == (0.02, [])


def test_a_later_file_that_disagrees_reopens_the_conflict(office: Round) -> None:
    office.send(FINANCE, "3.5%")
    summary = office.consolidate()
    (conflict,) = summary.conflicts
    assert conflict.input == "npl_rate" and sorted(conflict.values.values()) == [0.02, 0.035]
    assert "npl_rate" not in summary.values
    value, conflicts = office.master_sees()
    assert conflicts == ["npl_rate"] and value is None  # not adopted, as the 数据 sheet says


def test_a_later_file_that_agrees_settles_the_figure_on_the_units_word(office: Round) -> None:
    office.send(FINANCE, "2%")
    summary = office.consolidate()
    assert summary.conflicts == [] and summary.values["npl_rate"] == 0.02


def test_a_resolution_to_a_figure_nobody_reported_yields_to_a_later_report(generated_national: Project) -> None:
    """The office settled on 2.5% (neither unit's figure); a unit then re-sends its own 2%, still
    against the other's 3%: the conflict is open again, not settled at 2.5%."""
    office = Round(generated_national)
    office.send(PBOC, "2%")
    office.send(FINANCE, "3%")
    office.consolidate()
    office.resolve("2.5%", "人行")
    assert office.consolidate().values["npl_rate"] == 0.025
    office.send(PBOC, "2%")
    summary = office.consolidate()
    assert [c.input for c in summary.conflicts] == ["npl_rate"] and "npl_rate" not in summary.values
    assert office.master_sees()[1] == ["npl_rate"]


def test_a_new_resolution_after_the_reopening_settles_it_again(office: Round, tmp_path: Path) -> None:
    office.send(FINANCE, "3.5%")
    office.consolidate()
    office.resolve("3.5%", "市地方金融局")
    summary = office.consolidate()
    assert summary.conflicts == [] and summary.values["npl_rate"] == 0.035
    assert office.master_sees() == (0.035, [])
