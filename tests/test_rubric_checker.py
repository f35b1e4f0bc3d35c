"""The rubric checker on rubric files with known defects: each defect gives its own stable code."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from udfs.rubric import check, load
from udfs.rubric.checker import valid_defined_name

GOOD = """
id: tiny
title: 小测试
version: "1"
max_total: 3
parameters:
  - {id: deduct_mode, label: 扣分方式, value: linear, choices: [linear, floor, ceil]}
inputs:
  - {id: npl_rate, label: 不良贷款率, type: ratio, unit: "%", min: 0, max: 1, providers: [人行]}
  - {id: conv, label: 存量代码转换率, type: ratio, unit: "%", min: 0, max: 1, providers: [工商局]}
sections:
  - id: s1
    title: 第一部分
    max: 3
    items:
      - {id: a, title: 不良贷款率, max: 2, formula: "=XY_NPL_SCORE(npl_rate)"}
      - {id: b, title: 代码转换, max: 1, formula: "=XY_CODE_CONVERSION_SCORE(conv, deduct_mode)"}
"""


def load_text(tmp_path: Path, text: str):
    path = tmp_path / "r.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    rubric, findings = load(str(path))
    if rubric is not None:
        findings.extend(check(rubric))
    return rubric, findings


def problems(findings) -> list[str]:  # noqa: ANN001
    """The codes of what is wrong: the readings listed for review (reading-not-in-text) set aside."""
    return [code for code in findings.codes() if code != "reading-not-in-text"]


def test_good_rubric_is_clean(tmp_path: Path) -> None:
    _, findings = load_text(tmp_path, GOOD)
    assert findings.codes() == ["reading-not-in-text"]  # its one parameter, listed for review
    (reading,) = findings
    assert reading.severity.value == "info" and reading.input == "deduct_mode" and "linear" in reading.message


@pytest.mark.parametrize(
    ("old", "new", "code"),
    [
        ("max: 3\n    items", "max: 4\n    items", "section-sum-mismatch"),
        ("max_total: 3", "max_total: 5", "rubric-total-mismatch"),
        ("=XY_NPL_SCORE(npl_rate)", "=XY_NPL_SCORE(npl_rate", "formula-syntax"),
        ("=XY_NPL_SCORE(npl_rate)", "=XY_NO_SUCH(npl_rate)", "formula-unknown-function"),
        ("=XY_NPL_SCORE(npl_rate)", "=XY_NPL_SCORE(nlp_rate)", "formula-unknown-name"),
        ("=XY_NPL_SCORE(npl_rate)", "=XY_NPL_SCORE(npl_rate, 1)", "formula-arity"),
        ("=XY_NPL_SCORE(npl_rate)", "=XY_NPL_SCORE(npl_rate)*2", "item-exceeds-max"),
        ("=XY_NPL_SCORE(npl_rate)", "=XY_NPL_SCORE(npl_rate)/2", "item-max-unreachable"),
        ("=XY_NPL_SCORE(npl_rate)", "=XY_NPL_SCORE(npl_rate)-1", "item-below-zero"),
        ("providers: [人行]", "providers: []", "input-no-provider"),
        ("id: npl_rate, label", "id: AB12, label", "input-id-invalid"),
        ("value: linear, choices", "value: half, choices", "parameter-value-invalid"),
        (
            'type: ratio, unit: "%", min: 0, max: 1, providers: [工商局]',
            'type: percent, unit: "%", providers: [工商局]',
            "input-type-unknown",
        ),
        ("deduct_mode)", '\\"half\\")', "native-expansion-failed"),
        ("max: 1, providers: [人行]", "max: 1, plausible_min: 0.1, plausible_max: 0.05, providers: [人行]", "input-range-invalid"),
        ("max: 1, providers: [人行]", "max: 1, plausible_max: 2, providers: [人行]", "input-range-invalid"),
    ],
)
def test_each_defect_has_its_code(tmp_path: Path, old: str, new: str, code: str) -> None:
    assert old in GOOD
    _, findings = load_text(tmp_path, GOOD.replace(old, new, 1))
    assert code in findings.codes()


def test_unused_input_is_reported(tmp_path: Path) -> None:
    text = GOOD.replace(
        "inputs:\n", "inputs:\n  - {id: spare, label: 多余, type: count, unit: 个, min: 0, providers: [某局]}\n"
    )
    _, findings = load_text(tmp_path, text)
    assert problems(findings) == ["input-unused"]


def test_missing_fields_are_collected_not_raised(tmp_path: Path) -> None:
    text = GOOD.replace("    title: 第一部分\n", "").replace(', max: 1, formula: "=XY_CODE', ', formula: "=XY_CODE')
    rubric, findings = load_text(tmp_path, text)
    assert rubric is not None
    assert findings.codes().count("rubric-field-missing") == 2


def test_unreadable_yaml(tmp_path: Path) -> None:
    _, findings = load_text(tmp_path, "id: [unclosed\n")
    assert findings.codes() == ["rubric-unreadable"]


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("npl_rate", True),
        ("_x", True),
        ("AB12", False),
        ("xfd1", False),
        ("R1C1", False),
        ("r", False),
        ("TRUE", False),
        ("1abc", False),
        ("a-b", False),
        ("abcd12", True),
    ],
)
def test_defined_name_rules(name: str, ok: bool) -> None:
    assert valid_defined_name(name) is ok


def test_the_reading_of_n_months_before_is_listed_with_the_other() -> None:
    """“10月前” is read as before October begins (30 September); the other reading moves it a month."""
    rubric, _ = load("wangyi-district")
    (reading,) = [f for f in check(rubric) if f.code == "reading-not-in-text" and "N月前" in f.message]
    assert "上个月的最后一天" in reading.message and "第N月底前" in reading.message
    national, _ = load("national-2019")
    assert not [f for f in check(national) if "N月前" in f.message]  # no such deadline there
