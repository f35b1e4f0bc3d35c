"""提分空间: every proposed change, applied as displayed, raises the total by exactly the promised gain,
stays inside the input's range and the rubric's constraints, and never moves a fact; worked examples
at the documents' own thresholds; the `lever` field through the loader, YAML and Excel."""

from __future__ import annotations

import copy
import dataclasses
import json
import random
import textwrap
from pathlib import Path

import openpyxl
import pytest

from udfs.evaluate import CompiledRubric, evaluate
from udfs.recovery import AT_BEST_NOTE, DISCRETIONARY_NOTE, CheckRisk, Recovery, recover
from udfs.recovery_search import implied_fixed
from udfs.rubric import load, resolve
from udfs.rubric.excel import export_xlsx, import_xlsx
from udfs.rubric.serialize import input_dict, to_yaml
from udfs.sampling import sample_inputs
from udfs.values import ValueProblem, type_value

SCORED = ["national-2019", "wangyi-district", "zhengzhou-2019-units", "zhengzhou-2019-counties"]
SEEDS = range(6)
BAD_INPUT = {"input-constraint", "input-out-of-range", "input-wrong-type"}

RUBRIC, _ = load("national-2019")
COMPILED = CompiledRubric(RUBRIC)
FULL = json.loads((resolve("national-2019").with_suffix("") / "full-marks.json").read_text(encoding="utf-8"))["inputs"]


def plan(**changes: object) -> tuple[list[Recovery], list[CheckRisk]]:
    return recover(COMPILED, {**FULL, **changes})


def recovery(recoveries: list[Recovery], item: str) -> Recovery:
    return next(r for r in recoveries if r.item == item)


def risk(risks: list[CheckRisk], check: str, index: int = 0) -> CheckRisk:
    return [r for r in risks if r.check == check][index]


# ---- the what-if property ---------------------------------------------------------------------------


@pytest.mark.parametrize("rubric_id", SCORED)
def test_every_promise_holds_for_the_displayed_values(rubric_id: str) -> None:
    rubric, _ = load(rubric_id)
    compiled = CompiledRubric(rubric)
    fixed = {k for k, s in rubric.inputs.items() if s.lever == "fixed"}
    fixed |= {k for k in implied_fixed(compiled) if rubric.inputs[k].lever == "auto"}
    planned = 0
    for seed in SEEDS:
        values = sample_inputs(rubric, random.Random(seed))
        base = evaluate(compiled, values)
        bad_before = sum(f.code in BAD_INPUT for f in base.findings)
        recoveries, risks = recover(compiled, values)
        assert [r.gain for r in recoveries] == sorted((r.gain for r in recoveries), reverse=True)
        below = {i.id for i in base.items if i.score is None or i.score < i.max - 1e-9}
        assert {r.item for r in recoveries} == below
        for rec in recoveries:
            changed = dict(values)
            for step in rec.steps:
                assert step.input not in fixed, (seed, rec.item, step.input)
                spec = rubric.inputs[step.input]
                try:
                    type_value(spec, step.after)
                except ValueProblem as problem:  # pragma: no cover - the assertion message is the point
                    pytest.fail(f"{rec.item}: {step.input}={step.after} outside its range: {problem}")
                assert step.units == spec.providers
                changed[step.input] = step.after
            after = evaluate(compiled, changed)
            assert after.total - base.total == pytest.approx(rec.gain, abs=1e-6), (seed, rec.item)
            assert sum(s.gain for s in rec.steps) == pytest.approx(rec.gain, abs=1e-6)
            assert sum(f.code in BAD_INPUT for f in after.findings) == bad_before, (seed, rec.item)
            if rec.steps:
                planned += 1
                assert rec.gain > 0, (seed, rec.item)
                assert rec.gain <= rec.lost + 2e-6 or _shared(rubric, rec)  # totals are rounded to 6 places, (seed, rec.item)
            else:
                assert rec.gain == 0 and rec.note
        for row in risks:
            for step in row.steps:
                result = evaluate(compiled, {**values, step.input: step.after})
                check = next(c for c in result.checks if c.id == row.check)
                assert any(c["label"] == row.label and c["met"] is True for c in check.conditions), row.text
            if row.margin is not None:  # the sign of the margin agrees with met (up to float tolerance)
                assert row.margin >= -1e-9 if row.met else row.margin <= 1e-9, row.text
                assert row.at_risk or row.margin > 0.05 * max(abs(row.threshold or 0.0), 1e-9), row.text
    assert planned > 0


def _shared(rubric, rec: Recovery) -> bool:  # noqa: ANN001
    """A step's input also scores another item, so the whole rubric may gain more than this item lost."""
    formulas = [i.formula or "" for i in rubric.scored_items if i.id != rec.item]
    return any(s.input in f for s in rec.steps for f in formulas)


# ---- worked examples (national-2019) ----------------------------------------------------------------


def test_civil_servant_archives_proposes_the_missing_2000() -> None:
    recoveries, _ = plan(cs_total=10000, cs_archived=8000)
    rec = recovery(recoveries, "s03_archives")
    assert rec.score == pytest.approx(0.8) and rec.lost == pytest.approx(0.2)
    [step] = rec.steps
    assert (step.input, step.before, step.after) == ("cs_archived", 8000, 10000)
    assert step.gain == pytest.approx(0.2) == rec.gain
    assert "由 8,000 增加到 10,000（+2,000 人），可得 +0.2 分" in step.text
    assert step.units == ["市信用办"] and rec.units == ["市信用办"] and rec.note == ""


def test_a_total_is_never_proposed_even_without_the_lever_field() -> None:
    rubric = copy.deepcopy(RUBRIC)
    rubric.inputs["cs_total"].lever = "auto"  # the constraint cs_archived<=cs_total still makes it a fact
    recoveries, _ = recover(CompiledRubric(rubric), {**FULL, "cs_total": 10000, "cs_archived": 8000})
    assert [s.input for s in recovery(recoveries, "s03_archives").steps] == ["cs_archived"]
    # without the constraint, lowering the total is the smaller change: the two rules above are what stop it
    rubric.constraints = [c for c in rubric.constraints if c.id != "c_cs_archived"]
    recoveries, _ = recover(CompiledRubric(rubric), {**FULL, "cs_total": 10000, "cs_archived": 8000})
    [step] = recovery(recoveries, "s03_archives").steps
    assert (step.input, step.after) == ("cs_total", 8000)


@pytest.mark.parametrize(("rate", "gain"), [(0.035, 1.0), (0.06, 2.0), (0.0201, 0.006667)])
def test_npl_rate_is_lowered_to_the_2_percent_threshold(rate: float, gain: float) -> None:
    # XY_NPL_SCORE: < 2% gives 2 points, 2/3*(5-r*100) between 2% and 5%, so 2.00% already scores 2
    [step] = recovery(plan(npl_rate=rate)[0], "s07_npl").steps
    assert (step.input, step.after) == ("npl_rate", 0.02)
    assert step.gain == pytest.approx(gain, abs=1e-6)
    assert f"降低到 2.00%（-{(rate - 0.02) * 100:.2f} 个百分点）" in step.text


def test_amount_lands_exactly_on_the_full_marks_figure() -> None:
    # XY_XINYIDAI_SCORE: amount / entities * 0.002%, full 2 points at 100,000 yuan per entity
    [step] = recovery(plan(xinyidai_amount=1_000_000, operating_entities=352_000)[0], "s09_xinyidai").steps
    assert step.after == 35_200_000_000.0
    assert "增加到 35,200,000,000.00（+35,199,000,000.00 元）" in step.text


def test_yes_no_items_flip_the_right_way() -> None:
    recoveries, _ = plan(halls_docked=False, fin_major_risk=True)
    [docked] = recovery(recoveries, "s08_halls").steps
    assert (docked.before, docked.after, docked.gain) == (False, True, 3.0) and "由“否”改为“是”" in docked.text
    [risk_flag] = recovery(recoveries, "s07_major_risk").steps
    assert (risk_flag.before, risk_flag.after, risk_flag.gain) == (True, False, 2.0)
    assert "由“是”改为“否”" in risk_flag.text
    assert [r.item for r in recoveries] == ["s08_halls", "s07_major_risk"]  # ranked by gain


def test_conditions_needed_together_are_proposed_together() -> None:
    rec = recovery(plan(pi_induce=True, pi_fund_flow=True)[0], "s07_no_intervention")
    assert [(s.input, s.after) for s in rec.steps] == [("pi_induce", False), ("pi_fund_flow", False)]
    assert [s.gain for s in rec.steps] == [0.0, 1.0] and rec.gain == 1.0
    assert "单独完成不得分" in rec.steps[0].text and "一并完成" in rec.steps[1].text


def test_discretionary_item_is_listed_with_its_note() -> None:
    rec = recovery(plan(d_s01_implementation=2.5)[0], "s01_implementation")
    assert rec.note == DISCRETIONARY_NOTE and rec.lost == pytest.approx(1.5)
    [step] = rec.steps
    assert step.after == 4 and step.gain == pytest.approx(1.5) and step.text.startswith("酌情计分")


def test_monitoring_scores_shift_every_period() -> None:
    [step] = recovery(plan(monitor_scores=[90, 95, 96, 97, 98, 99])[0], "s03_monitor_score").steps
    assert step.after == [100.0] * 6 and step.gain == pytest.approx(0.041667, abs=1e-6)
    assert "各期均提高 10.00 分（每期不超过 100 分）" in step.text


def test_missing_input_is_reported_not_guessed() -> None:
    rec = recovery(plan(cs_archived=None)[0], "s03_archives")
    assert rec.score is None and rec.lost == 1.0 and rec.gain == 0.0 and rec.steps == []
    assert "cs_archived" in rec.note and "补报后才能计分" in rec.note
    assert rec.units == ["市人社局", "市信用办"]
    rec = recovery(plan(cs_archived=12000, cs_total=10000)[0], "s03_archives")  # contradicts the constraint
    assert rec.gain == 0.0 and "无效" in rec.note and "cs_archived" in rec.note and "cs_total" in rec.note


def test_nothing_to_do_when_only_facts_limit_the_item() -> None:
    units, _ = load("zhengzhou-2019-units")
    compiled = CompiledRubric(units)
    values = sample_inputs(units, random.Random(0))
    values.update(zu_credit_reports_submitted=10, zu_blacklist_poor_total=10, zu_blacklist_operating=10)  # 5 of 6: the document's cap
    rec = recovery(recover(compiled, values)[0], "s06_credit_reports")
    assert rec.steps == [] and rec.note == AT_BEST_NOTE and rec.lost == pytest.approx(1.0)


def test_veto_unmet_at_99_5_percent_says_how_to_meet_it() -> None:
    row = risk(plan(code_conversion_rate=0.995)[1], "basic_01")
    assert (row.kind, row.met, row.at_risk) == ("veto", False, True)
    assert row.margin == pytest.approx(-0.005)
    [step] = row.steps
    assert (step.input, step.before, step.after) == ("code_conversion_rate", 0.995, 1.0)
    assert step.gain == pytest.approx(0.1)  # the same change also wins back the 0.1 of s08_code_conversion
    assert "差 0.50 个百分点" in row.text and "由 99.50% 提高到 100.00%" in row.text


def test_veto_met_exactly_is_still_at_risk() -> None:
    _, risks = plan(code_conversion_rate=1.0)
    row = risk(risks, "basic_01")
    assert (row.met, row.margin, row.at_risk, row.steps) == (True, 0.0, True, [])
    safe = risk(risks, "basic_02")  # code_error_rate 0 < 0.01%: a margin of the whole threshold
    assert (safe.met, safe.at_risk) == (True, False) and safe.margin == pytest.approx(0.0001)
    assert risk(risks, "guide_17").at_risk is False


def test_margin_within_five_percent_of_the_threshold() -> None:
    _, risks = plan(redblack_operating=1000, jr_cases=310)  # 31% against 30%: within 5% of 30%
    row = risk(risks, "guide_15")
    assert row.met and row.margin == pytest.approx(0.01) and row.at_risk
    _, risks = plan(redblack_operating=1000, jr_cases=320)  # 32%: 2 points is more than 1.5
    assert risk(risks, "guide_15").at_risk is False
    assert risk(recover(COMPILED, {**FULL, "jr_cases": 310, "redblack_operating": 1000}, 0.01)[1], "guide_15").at_risk is False


def test_yes_no_condition_is_met_by_a_ranking() -> None:
    row = risk(plan(monitor_rank=150)[1], "basic_10", 1)
    assert row.op is None and row.met is False and row.at_risk
    [step] = row.steps
    assert (step.input, step.after) == ("monitor_rank", 100)
    assert "由 150 减少到 100（-50 名）" in step.text


def test_condition_that_cannot_be_judged_is_at_risk() -> None:
    row = risk(plan(code_conversion_rate=None)[1], "basic_01")
    assert row.met is None and row.at_risk and row.steps == [] and "无法判断" in row.text


# ---- the lever field ----------------------------------------------------------------------------------

TINY = """
id: tiny
title: 小测试
version: "1"
max_total: 1
inputs:
  - {id: done, label: 已完成数, type: count, min: 0, providers: [甲]LEVER}
  - {id: whole, label: 总数, type: count, min: 0, providers: [乙]WHOLE}
sections:
  - id: s1
    title: 第一部分
    max: 1
    items:
      - {id: a, title: 完成率, max: 1, formula: "=XY_RATIO_SCORE(done, whole, 1, 1)"}
"""


def load_tiny(tmp_path: Path, lever: str, whole: str = ""):  # noqa: ANN201
    path = tmp_path / "r.yaml"
    path.write_text(textwrap.dedent(TINY).replace("LEVER", lever).replace("WHOLE", whole), encoding="utf-8")
    return load(str(path))


@pytest.mark.parametrize("lever", ["auto", "up", "down", "fixed"])
def test_loader_accepts_the_four_levers(tmp_path: Path, lever: str) -> None:
    rubric, findings = load_tiny(tmp_path, f", lever: {lever}")
    assert findings.codes() == [] and rubric.inputs["done"].lever == lever
    assert ("lever" in input_dict(rubric.inputs["done"])) == (lever != "auto")


def test_loader_defaults_and_rejects_other_levers(tmp_path: Path) -> None:
    rubric, findings = load_tiny(tmp_path, "")
    assert findings.codes() == [] and rubric.inputs["done"].lever == "auto"
    rubric, findings = load_tiny(tmp_path, ", lever: sideways")
    assert findings.codes() == ["rubric-field-invalid"] and rubric.inputs["done"].lever == "auto"
    assert "sideways" in next(iter(findings)).message


@pytest.mark.parametrize(
    ("done", "whole", "expected"),
    [
        ("auto", "fixed", [("done", 10)]),
        ("up", "auto", [("whole", 5)]),  # +5 on 5 done is +100%, -5 on 10 is -50%: the smaller change wins
        ("fixed", "auto", [("whole", 5)]),  # auto finds that shrinking the total raises the ratio
        ("down", "fixed", []),
        ("fixed", "up", []),
        ("fixed", "fixed", []),
    ],
)
def test_levers_steer_the_plan(tmp_path: Path, done: str, whole: str, expected: list) -> None:
    rubric, findings = load_tiny(tmp_path, f", lever: {done}", f", lever: {whole}")
    assert findings.codes() == []
    [rec] = recover(CompiledRubric(rubric), {"done": 5, "whole": 10})[0]
    assert [(s.input, s.after) for s in rec.steps] == expected
    assert rec.gain == (0.5 if expected else 0.0) and (rec.note == AT_BEST_NOTE) == (not expected)


def test_lever_survives_yaml_and_excel(tmp_path: Path) -> None:
    original, _ = load("national-2019")
    assert original.inputs["legal_entities"].lever == "fixed" and original.inputs["npl_rate"].lever == "down"
    path = tmp_path / "r.yaml"
    path.write_text(to_yaml(original), encoding="utf-8")
    again, findings = load(str(path))
    assert findings.codes() == []
    assert {k: s.lever for k, s in again.inputs.items()} == {k: s.lever for k, s in original.inputs.items()}
    book = tmp_path / "r.xlsx"
    export_xlsx(original, book)
    ws = openpyxl.load_workbook(book)["数据项"]
    header = [c.value for c in ws[1]]
    column = {row[0].value: row[header.index("调整方向")].value for row in ws.iter_rows(min_row=2)}
    assert (column["legal_entities"], column["npl_rate"], column["cs_archived"]) == ("不可调整", "减少", "自动")
    imported, findings = import_xlsx(book)
    assert findings.codes() == []
    assert dataclasses.asdict(imported.inputs["legal_entities"]) == dataclasses.asdict(original.inputs["legal_entities"])


def test_excel_lever_column_is_optional_and_checked(tmp_path: Path) -> None:
    original, _ = load("zhengzhou-2019-units")
    book = tmp_path / "r.xlsx"
    export_xlsx(original, book)
    wb = openpyxl.load_workbook(book)
    ws = wb["数据项"]
    col = [c.value for c in ws[1]].index("调整方向") + 1
    ws.cell(row=2, column=col, value="向左")
    wb.save(book)
    imported, findings = import_xlsx(book)
    assert findings.codes() == ["rubric-field-invalid"]
    ws.delete_cols(col)  # a workbook exported before the column existed
    wb.save(book)
    imported, findings = import_xlsx(book)
    assert findings.codes() == [] and {s.lever for s in imported.inputs.values()} == {"auto"}
