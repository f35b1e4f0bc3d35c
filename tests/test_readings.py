"""Readings that move points are visible and chosen per project. Each parameter a rubric declares is
written into a new project's 项目设置.yaml with its default, `rubric show` prints it with its choices
and what each means, and the project's choice is what every score uses (headless, master, 提分空间);
a name or value the rubric does not know stops the project with the valid ones listed. 提分空间 never
asks for a figure beyond its plausible range."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from udfs.evaluate import CompiledRubric, evaluate
from udfs.recovery import recover
from udfs.rubric import load
from udfs.rubric.loader import builtin_dir
from workbooks.cli import main
from workbooks.generate.fill import fill_returns
from workbooks.intake.consolidate import consolidate
from workbooks.project import SETTINGS_FILE, ProjectError, init_project, open_project, with_parameters

EXAMPLE = json.loads((builtin_dir() / "zhengzhou-2019-units" / "example.json").read_text(encoding="utf-8"))["inputs"]
NO_BLACKLIST = {"zu_blacklist_own": 0, "zu_blacklist_trained": 0, "zu_blacklist_poor_total": 0,
                "zu_credit_reports_submitted": 0, "zu_blacklist_operating": 0, "zu_commit_repair": 0}  # fmt: skip


def scores(rubric, values: dict[str, object]) -> dict[str, float | None]:  # noqa: ANN001
    return {i.id: i.score for i in evaluate(CompiledRubric(rubric), values).items}


@pytest.mark.parametrize(("rule", "trained", "reports"), [("full", 4.0, 5.0), ("zero", 0.0, 0.0)])
def test_a_unit_without_blacklisted_entities_under_either_reading(rule: str, trained: float, reports: float) -> None:
    rubric, _ = load("zhengzhou-2019-units")
    got = scores(with_parameters(rubric, {"both_zero_ratio": rule}), {**EXAMPLE, **NO_BLACKLIST})
    assert (got["s07_blacklist_trained"], got["s06_credit_reports"]) == (trained, reports)


def test_the_hard_indicators_keep_0_of_0_as_all_done() -> None:
    """A city with no government credit-loss events has none unrectified, whatever both_zero_ratio says."""
    rubric, _ = load("national-2019")
    full = json.loads((builtin_dir() / "national-2019" / "full-marks.json").read_text(encoding="utf-8"))["inputs"]
    none = {**full, "gov_events_total": 0, "gov_events_rectified": 0, "gov_events_new": 0}
    for rule in ("full", "zero"):
        result = evaluate(CompiledRubric(with_parameters(rubric, {"both_zero_ratio": rule})), none)
        assert next(c for c in result.checks if c.id == "basic_03").met is True


@pytest.fixture
def counties(tmp_path: Path):  # noqa: ANN201
    p = init_project(tmp_path / "考核", "zhengzhou-2019-counties", today=date(2019, 3, 1))
    return p


def test_a_new_project_lists_each_parameter_with_its_default(counties) -> None:  # noqa: ANN001
    text = (counties.root / SETTINGS_FILE).read_text(encoding="utf-8")
    rubric, _ = load("zhengzhou-2019-counties")
    assert "parameters:" in text and "xinyong rubric show" in text
    for pid, param in rubric.parameters.items():
        assert f"  {pid}: {param.value}" in text


def test_the_projects_choice_is_what_the_master_scores(counties) -> None:  # noqa: ANN001
    from workbooks.generate.run import generate

    settings = counties.root / SETTINGS_FILE
    settings.write_text(settings.read_text(encoding="utf-8").replace("zc_jr_cases_rule: whole_tens", "zc_jr_cases_rule: per_case"), encoding="utf-8")
    p, _ = open_project(counties.root)
    generate(p)
    example = json.loads((builtin_dir() / "zhengzhou-2019-counties" / "example.json").read_text(encoding="utf-8"))["inputs"]
    fill_returns(p, example, units=[p.subjects[0]])
    consolidate(p)
    done = CliRunner().invoke(main, ["score", str(p.root), "--subject", p.subjects[0], "--json"])
    items = {i["id"]: i["score"] for i in json.loads(done.output)["score"]["items"]}
    assert items["s10_jr_cases"] == pytest.approx(2.35)  # 235 cases at 0.01 each, not 2.3 in whole tens


def test_a_value_or_name_the_rubric_does_not_know_stops_the_project(counties) -> None:  # noqa: ANN001
    settings = counties.root / SETTINGS_FILE
    original = settings.read_text(encoding="utf-8")
    line = "zc_jr_cases_rule: whole_tens"
    settings.write_text(original.replace(line, "zc_jr_cases_rule: halves"), encoding="utf-8")
    with pytest.raises(ProjectError, match="可选：whole_tens、per_case"):
        open_project(counties.root)
    settings.write_text(original.replace(line, f"{line}\n  deduct_mode: floor"), encoding="utf-8")
    with pytest.raises(ProjectError, match="可用的参数：zc_execution_full_rate、both_zero_ratio、zc_jr_cases_rule"):
        open_project(counties.root)
    code = CliRunner().invoke(main, ["score", str(counties.root)])
    assert code.exit_code == 2 and "deduct_mode" in code.output


def test_rubric_show_prints_each_parameter_reading_and_plausible_range() -> None:
    out = CliRunner().invoke(main, ["rubric", "show", "zhengzhou-2019-units"]).output
    assert "计分口径参数 3 个" in out and "both_zero_ratio = full（可选：full、zero）" in out
    assert "coverage_rule = capped（可选：capped、uncapped）" in out and "zu_steps_rule = whole_steps" in out
    assert "s07_blacklist_trained  黑名单主体参加信用修复培训或接受约谈的比例：" in out  # its reading, in full
    assert "通常 1 – 30,000,000" in out  # zu_market_entities


def test_recovery_never_asks_for_a_figure_beyond_its_plausible_range() -> None:
    """A county's innovation domains: 0.5 a domain up to 6 points (12 domains); with the plausible maximum
    lowered to 10 for this test, the plan stops at 10 domains and says what that wins."""
    rubric, _ = load("zhengzhou-2019-counties")
    example = json.loads((builtin_dir() / "zhengzhou-2019-counties" / "example.json").read_text(encoding="utf-8"))["inputs"]
    plans, _ = recover(CompiledRubric(rubric), {**example, "zc_xinyi_domains": 7})
    step = next(r for r in plans if r.item == "s09_services").steps[0]
    assert step.after == 12
    spec = rubric.inputs["zc_xinyi_domains"]
    spec.plausible_max, saved = 10, spec.plausible_max
    try:
        plans, _ = recover(CompiledRubric(rubric), {**example, "zc_xinyi_domains": 7})
    finally:
        spec.plausible_max = saved
    step = next(r for r in plans if r.item == "s09_services").steps[0]
    assert step.after == 10 and step.gain == pytest.approx(1.5)
