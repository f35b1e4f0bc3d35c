"""Plausible figures (issue: what the office sends out is true). Every count or amount that has a
natural bound says so in its rubric: a part is bounded by its whole through a constraint (the two
cannot both be true: the items using them wait for a correction), a magnitude by a plausible range
(a county's departments, the domains a city can have, market entities counted in 户 and not in 万户).
A figure beyond its plausible range is used as reported and flagged `input-implausible` (a warning:
the office decides), at intake with the file, sheet and cell; the built-in examples and the demos
stay inside, but for the one figure the counties demo types in 万 on purpose."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from udfs.evaluate import CompiledRubric, evaluate
from udfs.formula.parser import Binary, Name, parse
from udfs.rubric import load
from udfs.rubric.loader import builtin_dir
from udfs.values import implausible
from workbooks.demo_subjects import SubjectsDemo, run_subjects_demo
from workbooks.generate.fill import fill_workbook, outgoing_files
from workbooks.intake.consolidate import consolidate
from workbooks.master.run import write_master

SCORED = ["national-2019", "wangyi-district", "zhengzhou-2019-counties", "zhengzhou-2019-units"]
MAGNITUDES = ("count", "amount", "number")


def input_sets(rubric_id: str) -> dict[str, dict[str, object]]:
    folder = builtin_dir() / rubric_id
    return {f.name: json.loads(f.read_text(encoding="utf-8"))["inputs"] for f in sorted(folder.glob("*.json"))}


def parts(rubric) -> set[str]:  # noqa: ANN001 - model.Rubric
    """Inputs bounded by a whole through a `=part<=whole` constraint."""
    out = set()
    for c in rubric.constraints:
        tree = parse(c.rule)
        if isinstance(tree, Binary) and tree.op in ("<=", "<") and isinstance(tree.left, Name):
            out.add(tree.left.id)
    return out


@pytest.mark.parametrize("rubric_id", SCORED)
def test_every_magnitude_has_a_natural_bound(rubric_id: str) -> None:
    rubric, _ = load(rubric_id)
    bounded = parts(rubric)
    unbounded = [
        spec.id
        for spec in rubric.inputs.values()
        if spec.type in MAGNITUDES and spec.max is None and spec.plausible_max is None and spec.id not in bounded
    ]
    assert unbounded == []
    for spec in rubric.inputs.values():
        if spec.plausible_min is not None or spec.plausible_max is not None:
            assert spec.plausible_note, spec.id  # the office is told why


@pytest.mark.parametrize("rubric_id", SCORED)
def test_the_built_in_input_sets_are_plausible_and_consistent(rubric_id: str) -> None:
    rubric, _ = load(rubric_id)
    compiled = CompiledRubric(rubric)
    for name, values in input_sets(rubric_id).items():
        codes = evaluate(compiled, values).findings.codes()
        assert "input-implausible" not in codes and "input-constraint" not in codes, (name, codes)


@given(st.data())
def test_each_plausible_bound_is_inside_and_a_step_beyond_is_flagged(data: st.DataObject) -> None:
    rubric, _ = load(data.draw(st.sampled_from(SCORED)))
    declared = [s for s in rubric.inputs.values() if s.plausible_min is not None or s.plausible_max is not None]
    spec = data.draw(st.sampled_from(declared))
    step = 1.0 if spec.type == "count" else 0.01
    if spec.plausible_max is not None:
        assert implausible(spec, spec.plausible_max) == ""
        assert "高于通常范围" in implausible(spec, spec.plausible_max + step)
    if spec.plausible_min is not None:
        assert implausible(spec, spec.plausible_min) == ""
        assert "低于通常范围" in implausible(spec, spec.plausible_min - step)


def test_constraints_are_judged_on_the_figures_as_reported() -> None:
    """Two contradictions sharing a figure are both found, whatever their order in the rubric (the
    master's cells judge each constraint on the reported figures; scoring must agree with them)."""
    rubric, _ = load("zhengzhou-2019-units")
    values = {**input_sets("zhengzhou-2019-units")["example.json"]}
    values.update(zu_credit_reports_submitted=5, zu_blacklist_poor_total=2, zu_blacklist_operating=3)
    result = evaluate(CompiledRubric(rubric), values)
    contradicted = [f.input for f in result.findings if f.code == "input-constraint"]
    assert len(contradicted) == 2 and all("zu_blacklist_poor_total" in c for c in contradicted)
    assert "zu_blacklist_operating" not in result.values


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> SubjectsDemo:
    return run_subjects_demo(tmp_path_factory.mktemp("plausible") / "考核", "zhengzhou-2019-counties")


def test_the_counties_demo_contradicts_nothing_and_stages_one_implausible_figure(demo: SubjectsDemo) -> None:
    findings = demo.master.state.findings
    assert not [f for f in findings if f.code == "input-constraint"]
    flagged = [f for f in findings if f.code == "input-implausible"]
    assert demo.mistyped is not None
    subject, input_id = demo.mistyped
    assert [(f.subject, f.input) for f in flagged] == [(subject, input_id)]
    (finding,) = flagged
    assert finding.severity.value == "warning" and finding.file and finding.sheet and finding.cell


def test_an_implausible_figure_is_flagged_where_it_was_typed_and_still_scored(demo: SubjectsDemo, tmp_path: Path) -> None:
    p = demo.project
    subject = p.subjects[0]
    source, _ = outgoing_files(p)[subject]
    figures = {**input_sets("zhengzhou-2019-counties")["example.json"], "zc_xinyi_domains": 93184}
    fill_workbook(source, p.inbox / "更正.xlsx", figures)
    consolidate(p)
    state = write_master(p).state
    flagged = [f for f in state.findings if f.code == "input-implausible" and f.input == "zc_xinyi_domains"]
    assert len(flagged) == 1  # once, from the file, not again from scoring
    (f,) = flagged
    assert f.file == "更正.xlsx" and f.sheet and f.cell and "93184" in f.message and "≤ 50" in f.message
    scored = evaluate(CompiledRubric(p.rubric), figures)
    assert scored.findings.codes().count("input-implausible") == 1
    item = next(i for i in scored.items if i.id == "s09_services")
    assert item.score == pytest.approx(6.0)  # the figure is used as reported: the office decides
