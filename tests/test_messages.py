"""Numbers and inputs in what people read: `rubric show` says each input's type once, messages print
figures as a person writes them (0.9, not 0.8999999999999999; 1234567, not 1.23457e+06), and the Excel
adapters return results without binary noise while headless scoring keeps full precision."""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from udfs import excel
from udfs.numbers import SIGNIFICANT, number_text, rounded, value_text
from udfs.rubric.model import InputSpec
from udfs.values import ValueProblem, type_value
from udfs.vocabulary import REGISTRY
from workbooks.cli import main
from workbooks.generate.fill import fill_workbook, outgoing_files
from workbooks.intake.consolidate import Summary, consolidate
from workbooks.ledger import Conflict
from workbooks.master.state import conflict_findings
from workbooks.project import Project, init_project

# ---- rubric show -----------------------------------------------------------------------------------------


def input_line(output: str, input_id: str) -> str:
    return next(line for line in output.splitlines() if line.strip().startswith(input_id + "  "))


def test_rubric_show_says_each_inputs_type_and_unit_once() -> None:
    result = CliRunner().invoke(main, ["rubric", "show", "national-2019"])
    assert result.exit_code == 0, result.output
    brackets = re.findall(r"  \[([^\]]*)\]  (?:通常 .+?  )?提供：", result.output)
    assert len(brackets) == 186  # one per input
    assert "[是/否]  提供：" in input_line(result.output, "wlx_city_relay")  # yes/no: type and range were both 是/否
    assert "[比例 0% – 100%]  提供：" in input_line(result.output, "npl_rate")  # the % once, in the range
    assert "[数量（整数） 人 ≥ 0]  通常 1,000 – 1,000,000  提供：" in input_line(result.output, "cs_total")
    assert "[酌情分 分 0 – 4]  提供：" in input_line(result.output, "d_s01_implementation")
    for text in brackets:
        words = text.split()
        assert len(words) == len(set(words)), text  # no word said twice
        assert "  " not in text and "% 0%" not in text, text


# ---- the one formatter ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("x", "text"),
    [
        (0.3 * 3, "0.9"),  # 0.8999999999999999
        (2 - 0.2 * 0.8, "1.84"),  # 1.8399999999999999
        (0.1 + 0.2, "0.3"),
        (1 - 0.9999, "0.0001"),  # cancellation leaves noise in the 13th digit
        (1e-7, "0.0000001"),  # never an exponent
        (123456789.5, "123456789.5"),
        (12345678901.23, "12345678901"),  # more than 10 whole digits: all kept, the fraction dropped
        (1234567.0, "1234567"),
        (1234567, "1234567"),
        (-2.5, "-2.5"),
        (-0.0, "0"),
        (2.0, "2"),
    ],
)
def test_numbers_read_as_written(x: float, text: str) -> None:
    assert number_text(x) == text


def test_values_of_any_input_type() -> None:
    assert [value_text(v) for v in (True, False, None, [80.0, 0.3 * 3], "约85%")] == ["是", "否", "（空）", "80、0.9", "约85%"]


def significant_digits(text: str) -> int:
    digits = text.lstrip("-")
    if "." in digits:
        return len(digits.replace(".", "").lstrip("0"))
    return len(digits.lstrip("0").rstrip("0"))


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_message_numbers_have_at_most_ten_significant_digits_and_read_back(x: float) -> None:
    text = number_text(x)
    assert re.fullmatch(r"-?\d+(\.\d*[1-9])?", text), text  # plain digits: no exponent, no trailing zeros
    back = float(text)
    if abs(x) < 10**SIGNIFICANT:
        assert significant_digits(text) <= SIGNIFICANT, text
        assert math.isclose(back, x, rel_tol=5.000001e-10, abs_tol=1e-320), (x, text)
    else:
        assert "." not in text and abs(back - x) <= 0.5 + math.ulp(x), (x, text)
    assert number_text(back) == text  # what a message shows reads back to itself
    assert rounded(x) == back  # and is exactly what a cell gets (the same rule for both)


@given(st.integers(min_value=-(10**6), max_value=10**6), st.integers(min_value=0, max_value=6))
def test_short_decimals_come_back_exactly_as_typed(n: int, places: int) -> None:
    typed = f"{n / 10**places:.{places}f}".rstrip("0").rstrip(".") if places else str(n)
    assert number_text(float(typed)) == ("0" if typed == "-0" else typed)
    assert number_text(float(typed) * 3 / 3) == number_text(float(typed))


# ---- messages that carried noise or exponents --------------------------------------------------------------


def test_value_conflict_shows_the_figures_as_reported(tmp_path: Path) -> None:
    """By the item's label and each unit's known name, the amount as the office writes it (元, two
    decimals), the id only in the command to type."""
    project = init_project(tmp_path / "项目", "national-2019", today=date(2019, 3, 1))
    units = {"宜昌市人民政府": 0.3 * 3, "中国人民银行宜昌市中心支行": 1.5, "宜昌市地方金融工作局": 1.2}
    conflict = Conflict("fin_recovered_amount", "2019年度", units)
    summary = Summary([], {}, [conflict], {}, dry_run=True, project=project)
    for findings in (conflict_findings([conflict], {}, project), summary.findings):
        [finding] = [f for f in findings if f.code == "value-conflict"]
        assert "“报告期内银行业机构胜诉债权案件受偿金额”不一致" in finding.message, finding.message
        assert "：0.90；人行宜昌中心支行：1.50；市地方金融局：1.20" in finding.message, finding.message
        assert "0.8999" not in finding.message and "resolve 项目文件夹 fin_recovered_amount 值" in finding.message


def test_value_conflict_from_returned_workbooks(generated_national: Project) -> None:
    """Two units return the same amount, one as a formula result with binary noise (0.3*3)."""
    project = generated_national
    units = [(unit, source) for unit, (source, asked) in outgoing_files(project).items() if "fin_recovered_amount" in asked]
    assert len(units) == 2
    for (unit, source), value in zip(units, (1.5, 0.3 * 3), strict=True):
        fill_workbook(source, project.inbox / f"{unit}.xlsx", {"fin_recovered_amount": value})
    summary = consolidate(project, now=datetime(2019, 3, 20, 9, 0))
    assert summary.master is not None
    messages = [f.message for f in summary.findings + summary.master.state.findings if f.code == "value-conflict"]
    assert len(messages) == 2 and all("：0.9" in m and "：1.5" in m and "0.8999" not in m for m in messages), messages
    [adopted] = [a for a in summary.master.state.inputs if a.spec.id == "fin_recovered_amount"]
    assert "报 0.9" in adopted.source and "0.8999" not in adopted.source


def test_out_of_range_and_non_integer_figures_are_not_shown_as_exponents() -> None:
    count = InputSpec("halls", "大厅数", "count", "个", min=0, max=20)
    with pytest.raises(ValueProblem, match=r"^1234567 超出允许范围（0 – 20）$"):
        type_value(count, 1234567)
    with pytest.raises(ValueProblem, match=r"^应为整数，收到1234567\.5$"):
        type_value(count, 1234567.5)
    ratio = InputSpec("rate", "比例", "ratio", "%", min=0, max=1)
    with pytest.raises(ValueProblem, match=r"^107% 超出允许范围（0% – 100%）$"):
        type_value(ratio, 1.07)
    assert excel.XY_NOT_CONNECTED_SCORE(1234567, 1234568, 3, 1) == "#输入错误: 已接入数量（1234568）不能多于应接入总数（1234567）"


# ---- what Excel gets ------------------------------------------------------------------------------------------


def test_reporting_score_worked_example_is_exactly_1_84_in_excel() -> None:
    assert REGISTRY["XY_REPORTING_SCORE"].func(0.992) == pytest.approx(1.84)  # headless: full precision, as before
    assert REGISTRY["XY_REPORTING_SCORE"].func(0.992) != 1.84  # (1.8399999999999999: headless is not rounded)
    for given_ in (0.992, "99.2%", [[0.992]]):
        got = excel.XY_REPORTING_SCORE(given_)
        assert got == 1.84 and repr(got) == "1.84", given_


def test_every_adapter_rounds_through_the_same_rule() -> None:
    assert excel.XY_NPL_SCORE("3.5%") == 1.0  # 0.9999999999999997 headless
    assert excel.XY_RATIO(1, 3) == rounded(1 / 3) == 0.3333333333
    assert excel.XY_COUNT_YES(True, False, True) == REGISTRY["XY_COUNT_YES"].func(True, False, True)  # whole numbers as they are
