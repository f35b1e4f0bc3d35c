"""The one-vote veto as the hard indicators state it, with partial data.

示范城市评审硬指标: "基础性指标共10项，要求相关城市必须完成，有一项未完成的则一票否决". One unmet basic
indicator vetoes the city whatever else is known: a basic indicator that cannot be judged yet (its
figure not in) must never mask one that is unmet. Only when none is unmet does a missing figure leave
the verdict open. Checked in headless scoring and in the master the office hands on, as LibreOffice
recalculates it and as `formulas` computes it.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import builtin_inputs
from tests.test_master import formulas_getter
from udfs.evaluate import CompiledRubric, evaluate
from udfs.rubric import load
from workbooks.generate.fill import fill_returns
from workbooks.intake.consolidate import consolidate
from workbooks.ledger import LEDGER_FILE, Ledger
from workbooks.master import layout as L
from workbooks.master.overview import VERDICTS
from workbooks.master.recalc import find_soffice, read_values, recalculate
from workbooks.master.run import build
from workbooks.master.state import gather
from workbooks.project import Project

FULL = builtin_inputs("national-2019", "full-marks")
RECEIVED = datetime(2019, 3, 20, 9, 0)
VETOED, OPEN, CLEAR = VERDICTS["veto"]  # 被一票否决 / 无法判断（数据不全） / 未触发一票否决

UNMET_01 = {"code_conversion_rate": 0.99}  # basic_01: 存量代码100%转换为统一社会信用代码
WITHOUT_05 = ("lp_report_rate",)  # basic_05: 行政许可和行政处罚信息100%上报 — the figure not in


def figures(changed: dict[str, object], missing: tuple[str, ...] = ()) -> dict[str, object]:
    return {k: v for k, v in {**FULL, **changed}.items() if k not in missing}


def verdict(values: dict[str, object]) -> tuple[bool | None, dict[str, bool | None]]:
    result = evaluate(CompiledRubric(load("national-2019")[0]), values)
    return result.vetoed, {c.id: c.met for c in result.checks if c.kind == "veto"}


def test_full_marks_are_not_vetoed() -> None:
    vetoed, checks = verdict(figures({}))
    assert vetoed is False and set(checks.values()) == {True} and len(checks) == 10


def test_one_unmet_basic_indicator_vetoes_although_another_cannot_be_judged() -> None:
    vetoed, checks = verdict(figures(UNMET_01, WITHOUT_05))
    assert checks["basic_01"] is False and checks["basic_05"] is None
    assert vetoed is True


def test_one_unmet_vetoes_however_many_others_cannot_be_judged() -> None:
    """Every other basic indicator's figures missing: still vetoed by the one that is known unmet."""
    rubric = load("national-2019")[0]
    others = tuple(
        name
        for check in rubric.checks
        if check.kind == "veto" and check.id != "basic_01"
        for cond in check.conditions
        for name in CompiledRubric(rubric).conditions[check.id][0][1].needs
    )
    vetoed, checks = verdict(figures(UNMET_01, others))
    assert [c for c, met in checks.items() if met is None] == [c for c in checks if c != "basic_01"]
    assert vetoed is True


def test_nothing_unmet_and_one_unknown_leaves_the_verdict_open() -> None:
    vetoed, checks = verdict(figures({}, WITHOUT_05))
    assert checks["basic_05"] is None and vetoed is None


def test_the_veto_finding_names_the_unmet_indicator() -> None:
    result = evaluate(CompiledRubric(load("national-2019")[0]), figures(UNMET_01, WITHOUT_05))
    vetoes = [f for f in result.findings if f.code == "veto-triggered"]
    assert [f.item for f in vetoes] == ["basic_01"]


# ---- the master as the office hands it on -----------------------------------------------------------


def master_for(project: Project, values: dict[str, object], tmp: Path) -> tuple[Path, object]:
    fill_returns(project, values, received=RECEIVED)
    consolidate(project, now=datetime(2019, 3, 25, 10, 0))
    compiled = CompiledRubric(project.rubric)
    ledger = Ledger(project.root / LEDGER_FILE)
    try:
        state = gather(project, ledger, compiled, today=date(2019, 3, 25), now=datetime(2019, 3, 25, 10, 0))
    finally:
        ledger.close()
    assert state.result.vetoed is True  # what was consolidated is what the test means
    return tmp / "master.xlsx", build(state, tmp / "master.xlsx", compiled)


def overview_verdict(values: dict[str, dict[str, object]]) -> object:
    sheet = values[L.OVERVIEW]
    row = next(ref for ref, v in sheet.items() if ref.startswith("A") and v == "一票否决")[1:]
    return sheet.get(f"B{row}")


@pytest.fixture
def vetoed_master(generated_national: Project, tmp_path: Path) -> tuple[Path, object]:
    return master_for(generated_national, figures(UNMET_01, WITHOUT_05), tmp_path)


@pytest.mark.oracle
def test_libreoffice_recalculating_the_master_shows_the_veto(vetoed_master, tmp_path: Path) -> None:  # noqa: ANN001
    if find_soffice() is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    path, where = vetoed_master
    values = read_values(recalculate(path, tmp_path / "out"))
    statuses = {cid: values[L.CHECKS][ref.split("!")[1].replace("$", "")] for cid, ref in where.checks.items()}
    assert statuses["basic_01"] == L.UNMET and statuses["basic_05"] == L.UNKNOWN
    assert overview_verdict(values) == VETOED


def test_the_master_computed_by_formulas_shows_the_veto(vetoed_master) -> None:  # noqa: ANN001
    path, where = vetoed_master
    get = formulas_getter(path)
    statuses = {cid: get(L.CHECKS, ref.split("!")[1].replace("$", "")) for cid, ref in where.checks.items()}
    assert statuses["basic_01"] == L.UNMET and statuses["basic_05"] == L.UNKNOWN
    labels = openpyxl.load_workbook(path)[L.OVERVIEW]
    row = next(c.row for c in labels["A"] if c.value == "一票否决")  # the row a reader finds by its label
    assert get(L.OVERVIEW, f"B{row}") == VETOED
