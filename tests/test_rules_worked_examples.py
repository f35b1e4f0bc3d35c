"""Worked examples at the documents' own thresholds and boundaries, one rule at a time.

Expected values are computed by hand from the text of 000 (national 2019 rubric) and 001 (hard
indicators); the comment on each case quotes the clause it checks.
"""

from __future__ import annotations

import pytest

from udfs.vocabulary import REGISTRY, XYInputError, collect_notices


def xy(name: str, *args: object) -> object:
    return REGISTRY[name].func(*args)


# 七、信用环境：＜2% 得2分；2% ≤ r ＜ 5%，得分 = 2/3*(5 - r*100)；≥ 5% 得0分
@pytest.mark.parametrize(
    ("rate", "expected"),
    [
        (0.0, 2.0),
        (0.0199, 2.0),
        (0.02, 2.0),  # 2/3*(5-2) = 2: continuous at the bound
        (0.035, 1.0),  # 2/3*(5-3.5)
        (0.0499, 2 / 3 * 0.01),
        (0.05, 0.0),
        (0.2, 0.0),
    ],
)
def test_npl_score(rate: float, expected: float) -> None:
    assert xy("XY_NPL_SCORE", rate) == pytest.approx(expected, abs=1e-12)


# 法治环境：执结率 ≥ 80% 得1分；0% ＜ r ＜ 80%，得分 = 1/80*(r*100-0)；= 0% 得0分
@pytest.mark.parametrize(
    ("rate", "expected"),
    [(0.0, 0.0), (0.04, 0.05), (0.4, 0.5), (0.7999, 0.999875), (0.8, 1.0), (1.0, 1.0)],
)
def test_execution_score(rate: float, expected: float) -> None:
    assert xy("XY_EXECUTION_SCORE", rate) == pytest.approx(expected)


def test_execution_rate_formula() -> None:
    # 执结率 = 报告期执结数 / (上期未执结数 + 报告期收案数)
    assert xy("XY_EXECUTION_RATE", 80, 40, 60) == pytest.approx(0.8)
    assert xy("XY_EXECUTION_SCORE", xy("XY_EXECUTION_RATE", 20, 10, 40)) == pytest.approx(0.5)


# 兑现率 ≥ 70% 得1分；0% ＜ r ＜ 70%，得分 = 1/70*(r*100-0)
@pytest.mark.parametrize(("rate", "expected"), [(0.0, 0.0), (0.35, 0.5), (0.69, 69 / 70), (0.7, 1.0), (0.95, 1.0)])
def test_recovery_score(rate: float, expected: float) -> None:
    assert xy("XY_RECOVERY_SCORE", rate) == pytest.approx(expected)


# 增长率 ＜ 0% 得1分；0% ≤ g ＜ 50%，得分 = 1/50*(50-g*100)；≥ 50% 得0分
@pytest.mark.parametrize(
    ("current", "previous", "expected"),
    [
        (9, 10, 1.0),  # -10%
        (10, 10, 1.0),  # 0%: 1/50*(50-0)
        (5, 4, 0.5),  # +25%
        (149, 100, 0.02),  # +49%
        (15, 10, 0.0),  # +50%
        (30, 10, 0.0),
        (0, 0, 1.0),  # docs/design.md: previous 0 and current 0 is growth 0
        (3, 0, 0.0),  # previous 0, current > 0: 0 points
    ],
)
def test_fundraising_score(current: int, previous: int, expected: float) -> None:
    assert xy("XY_FUNDRAISING_SCORE", current, previous) == pytest.approx(expected)


def test_fundraising_growth_undefined_when_previous_zero() -> None:
    assert xy("XY_FUNDRAISING_GROWTH", 0, 0) == 0.0
    assert xy("XY_FUNDRAISING_GROWTH", 12, 10) == pytest.approx(0.2)
    with pytest.raises(XYInputError, match="上期非法集资发案数为0"):
        xy("XY_FUNDRAISING_GROWTH", 2, 0)


# 八：存量代码转换率为100%的得1分，每降低1%减0.2分
@pytest.mark.parametrize(
    ("rate", "mode", "expected"),
    [
        (1.0, "linear", 1.0),
        (0.995, "linear", 0.9),  # docs/design.md: proportional, 99.5% loses 0.1
        (0.99, "linear", 0.8),
        (0.95, "linear", 0.0),
        (0.90, "linear", 0.0),  # never below 0
        (0.995, "floor", 1.0),  # only whole 1% steps count
        (0.99, "floor", 0.8),
        (0.985, "floor", 0.8),
        (0.995, "ceil", 0.8),  # a started step counts as a whole one
        (0.99, "ceil", 0.8),  # exactly one step, not two: 0.01/0.01 is 1.0000000000000009 in binary
    ],
)
def test_code_conversion_score(rate: float, mode: str, expected: float) -> None:
    assert xy("XY_CODE_CONVERSION_SCORE", rate, mode) == pytest.approx(expected, abs=1e-12)


# 重错码率为0的得1分，每增加0.01%减0.1分
@pytest.mark.parametrize(
    ("rate", "expected"), [(0.0, 1.0), (0.00005, 0.95), (0.0001, 0.9), (0.0005, 0.5), (0.001, 0.0), (0.01, 0.0)]
)
def test_code_error_score(rate: float, expected: float) -> None:
    assert xy("XY_CODE_ERROR_SCORE", rate) == pytest.approx(expected, abs=1e-12)


# 大厅100%接入计3分，每增加1个未接入的大厅减1分；单位100%联通计4分，每增加1个未联通减0.5分
@pytest.mark.parametrize(
    ("total", "connected", "full", "per", "expected"),
    [
        (12, 12, 3, 1, 3.0),
        (12, 11, 3, 1, 2.0),
        (12, 9, 3, 1, 0.0),
        (12, 5, 3, 1, 0.0),
        (60, 57, 4, 0.5, 2.5),
        (60, 52, 4, 0.5, 0.0),
    ],
)
def test_not_connected_score(total: int, connected: int, full: float, per: float, expected: float) -> None:
    assert xy("XY_NOT_CONNECTED_SCORE", total, connected, full, per) == pytest.approx(expected)


def test_not_connected_refuses_more_connected_than_total() -> None:
    with pytest.raises(XYInputError, match="不能多于"):
        xy("XY_NOT_CONNECTED_SCORE", 10, 11, 3, 1)


# 行政许可、行政处罚信息100%上报计2分，公示率每降低1%减0.2分
@pytest.mark.parametrize(("rate", "expected"), [(1.0, 2.0), (0.995, 1.9), (0.95, 1.0), (0.9, 0.0), (0.5, 0.0)])
def test_reporting_score(rate: float, expected: float) -> None:
    assert xy("XY_REPORTING_SCORE", rate) == pytest.approx(expected, abs=1e-12)


# 户均信息条数 m，计分公式 0.5m，最高2分；日人均点击量 n，计分公式 100n，最高2分
def test_website_scores() -> None:
    assert xy("XY_ITEMS_PER_ENTITY_SCORE", 300_000, 200_000) == pytest.approx(0.75)
    assert xy("XY_ITEMS_PER_ENTITY_SCORE", 800_000, 200_000) == pytest.approx(2.0)  # m = 4 capped
    assert xy("XY_ITEMS_PER_ENTITY_SCORE", 400_000, 200_000) == pytest.approx(1.0)  # guiding target m = 2
    assert xy("XY_DAILY_CLICKS_SCORE", 40_000, 4_000_000) == pytest.approx(1.0)  # 1% of residents: target
    assert xy("XY_DAILY_CLICKS_SCORE", 80_000, 4_000_000) == pytest.approx(2.0)
    assert xy("XY_DAILY_CLICKS_SCORE", 200_000, 4_000_000) == pytest.approx(2.0)
    with pytest.raises(XYInputError):
        xy("XY_DAILY_CLICKS_SCORE", 10, 0)


# 九：超过50%得1.5分，每多10%加0.5分，最高4分（“超过”不含50%）
@pytest.mark.parametrize(
    ("with_score", "expected"),
    [
        (0, 0.0),
        (2_000_000, 0.0),
        (2_000_001, 1.5 + 0.5 * 0.00000025 / 0.1),
        (2_400_000, 2.0),
        (2_800_000, 2.5),
        (4_000_000, 4.0),
    ],
)
def test_personal_score_coverage(with_score: int, expected: float) -> None:
    assert xy("XY_PERSONAL_SCORE_COVERAGE", with_score, 4_000_000) == pytest.approx(expected)


def test_xinyipi_and_xinyidai() -> None:
    # 容缺受理部门数/审批部门总量*2，最高2分
    assert xy("XY_XINYIPI_SCORE", 15, 30) == pytest.approx(1.0)
    assert xy("XY_XINYIPI_SCORE", 30, 30) == pytest.approx(2.0)
    # 放款金额/在运营市场主体数*0.002%：户均5万元得1分，户均10万元满分
    assert xy("XY_XINYIDAI_SCORE", 5e10, 1_000_000) == pytest.approx(1.0)
    assert xy("XY_XINYIDAI_SCORE", 2e11, 1_000_000) == pytest.approx(2.0)


def test_commitment_score_sums_four_ratios_capped_at_four() -> None:
    # 0.9 + 19/19 + 1 + 0.5 = 3.4
    assert xy("XY_COMMITMENT_SCORE", 6_000, 3_000, 10_000, 19, 200, 200, 50, 100) == pytest.approx(3.4)
    # all four complete: 4
    assert xy("XY_COMMITMENT_SCORE", 8_000, 2_000, 10_000, 19, 200, 200, 100, 100) == pytest.approx(4.0)
    # over-coverage in the first ratio is not lost but the sum is capped (docs/design.md)
    assert xy("XY_COMMITMENT_SCORE", 15_000, 0, 10_000, 19, 200, 200, 100, 100) == pytest.approx(4.0)
    assert xy("XY_COMMITMENT_SCORE", 5_000, 0, 10_000, 0, 0, 200, 0, 100) == pytest.approx(0.5)


def test_commitment_score_with_the_maximum_a_text_states() -> None:
    # 郑州市直单位细则：the same four ratios, “得6分”, no cap of 4: 3 + 1 + 1 + 1 = 6
    assert xy("XY_COMMITMENT_SCORE", 30_000, 0, 10_000, 19, 200, 200, 100, 100, 6) == pytest.approx(6.0)
    assert xy("XY_COMMITMENT_SCORE", 15_000, 0, 10_000, 19, 200, 200, 100, 100, 6) == pytest.approx(4.5)
    assert xy("XY_COMMITMENT_SCORE", 90_000, 0, 10_000, 19, 200, 200, 100, 100, 6) == pytest.approx(6.0)
    # the national text's own cap stays the default
    assert xy("XY_COMMITMENT_SCORE", 30_000, 0, 10_000, 19, 200, 200, 100, 100) == pytest.approx(4.0)


def test_domain_score() -> None:
    assert xy("XY_DOMAIN_SCORE", True, True, True, True) == pytest.approx(0.6)
    assert xy("XY_DOMAIN_SCORE", True, False, False, False) == pytest.approx(0.1)
    assert xy("XY_DOMAIN_SCORE", False, True, True, False) == pytest.approx(0.3)
    assert xy("XY_DOMAIN_SCORE", False, False, False, True) == pytest.approx(0.2)


# 六：5类人群每建1类档案0.15分，每实施1类监管0.15分，5类全建立并实施额外加0.3分，最高1.8分
@pytest.mark.parametrize(
    ("archived", "graded", "expected"), [(0, 0, 0.0), (5, 0, 0.75), (5, 4, 1.35), (4, 5, 1.35), (5, 5, 1.8)]
)
def test_judicial_persons(archived: int, graded: int, expected: float) -> None:
    assert xy("XY_JUDICIAL_PERSONS_SCORE", archived, graded) == pytest.approx(expected)


@pytest.mark.parametrize(("archived", "graded", "expected"), [(0, 0, 0.0), (4, 0, 0.6), (4, 4, 1.2), (2, 1, 0.45)])
def test_judicial_institutions(archived: int, graded: int, expected: float) -> None:
    assert xy("XY_JUDICIAL_INSTITUTIONS_SCORE", archived, graded) == pytest.approx(expected)


def test_judicial_counts_must_be_whole_types() -> None:
    with pytest.raises(XYInputError):
        xy("XY_JUDICIAL_PERSONS_SCORE", 6, 0)
    with pytest.raises(XYInputError):
        xy("XY_JUDICIAL_INSTITUTIONS_SCORE", 2.5, 0)


# 三：近6期监测得分平均值*0.01，最高1分
def test_monitor_score_uses_last_six() -> None:
    assert xy("XY_MONITOR_SCORE", [80, 82, 84, 86, 88, 90]) == pytest.approx(0.85)
    # eight periods given: only the last six count
    assert xy("XY_MONITOR_SCORE", [10, 10, 80, 82, 84, 86, 88, 90]) == pytest.approx(0.85)
    with collect_notices() as notices:
        assert xy("XY_MONITOR_SCORE", [80, 90]) == pytest.approx(0.85)
    assert [n.code for n in notices] == ["too-few-periods"]


def test_ratio_zero_denominator_policy() -> None:
    with collect_notices() as notices:
        assert xy("XY_RATIO", 0, 0) == 1.0
    assert [n.code for n in notices] == ["vacuous-ratio"]
    with pytest.raises(XYInputError, match="分母为0而分子大于0"):
        xy("XY_RATIO", 3, 0)
    with pytest.raises(XYInputError):
        xy("XY_RATIO", -1, 4)


def test_generic_building_blocks() -> None:
    assert xy("XY_RATIO_SCORE", 3, 10, 5, 3) == pytest.approx(1.5)  # 30% of blacklist exited, *5
    assert xy("XY_RATIO_SCORE", 8, 10, 5, 3) == pytest.approx(3.0)  # capped
    assert xy("XY_CAP", 5, 3) == 3.0 and xy("XY_CAP", -1, 3) == 0.0
    assert xy("XY_LINEAR", 0.4, 0, 0, 0.8, 1) == pytest.approx(0.5)
    assert xy("XY_PER_ITEM", 25, 0.3, 6) == pytest.approx(6.0)
    assert xy("XY_PER_ITEM", 7, 0.3, 6) == pytest.approx(2.1)
    assert xy("XY_DEDUCT", 3, 0.5, 2) == pytest.approx(0.5)
    # Zhengzhou: 达到10%得1分，以此为基数每增加10%得1分
    assert xy("XY_STEPS", 0.099, 0.1, 1, 0.1, 1, 5) == 0.0
    assert xy("XY_STEPS", 0.1, 0.1, 1, 0.1, 1, 5) == 1.0
    assert xy("XY_STEPS", 0.3, 0.1, 1, 0.1, 1, 5) == 3.0  # 0.2/0.1 is 1.9999999999999998 in binary
    assert xy("XY_STEPS", 0.29, 0.1, 1, 0.1, 1, 5) == 2.0
    assert xy("XY_ANY", False, True) == 1.0 and xy("XY_ALL", True, False) == 0.0
    assert xy("XY_NONE", False, False, False) == 1.0 and xy("XY_NONE", False, True) == 0.0
    assert xy("XY_COUNT_YES", True, True, False, 1, 0) == 3.0


@pytest.mark.parametrize(
    ("name", "args", "message"),
    [
        ("XY_NPL_SCORE", (None,), "缺少"),
        ("XY_NPL_SCORE", ("3%",), "文本"),
        ("XY_NPL_SCORE", (1.5,), "不能大于"),
        ("XY_DISCRETIONARY", (5, 4), "不能大于"),
        ("XY_ANY", ("是",), "应为"),
        ("XY_CODE_CONVERSION_SCORE", (0.99, "half"), "扣分方式"),
    ],
)
def test_bad_arguments_are_readable_errors(name: str, args: tuple, message: str) -> None:
    with pytest.raises(XYInputError, match=message):
        xy(name, *args)
