"""Worked examples of every XY_ function, from the documents' own thresholds and boundaries.

One list serves the add-in's self-check workbook (addin/self_check.py), the function reference
(docs/functions.md, udfs/reference.py) and the tests, so an example cannot say one thing in the
reference and another in the workbook. Expected values are stated by hand, never computed.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Cells:
    """A range argument: these values go into the row's data cells and the formula refers to them.
    None is a blank-looking cell (=""): `formulas` passes truly empty cells to UDFs as a token the
    scoring rules do not take, while xlwings gives Excel's empty and "" cells to Python alike."""

    values: tuple[object, ...]


@dataclass(frozen=True)
class Raw:
    """Formula text passed as is, with the value the add-in receives for it."""

    text: str
    value: object


@dataclass(frozen=True)
class Case:
    name: str
    args: tuple[object, ...]
    expected: float | str
    basis: str


CASES: tuple[Case, ...] = (
    Case("XY_RATIO", (3, 10), 0.3, "分子÷分母：3÷10"),
    Case("XY_RATIO_SCORE", (3, 10, 5, 3), 1.5, "30%×5=1.5，最高3分"),
    Case("XY_CAP", (5, 3), 3.0, "得分5超过最高3分，取3"),
    Case("XY_LINEAR", (0.4, 0, 0, 0.8, 1), 0.5, "执结率40%：1/80×40=0.5"),
    Case("XY_PER_ITEM", (7, 0.3, 6), 2.1, "每一个领域得0.3分，最高6分：7个领域"),
    Case("XY_DEDUCT", (3, 0.5, 2), 0.5, "满分2分，差3步，每步扣0.5分"),
    Case("XY_STEPS", (0.3, 0.1, 1, 0.1, 1, 5), 3.0, "达到10%得1分，每增加10%得1分：30%"),
    Case("XY_ANY", (False, True), 1.0, "有其一即可"),
    Case("XY_ALL", (True, False), 0.0, "须全部为“是”"),
    Case("XY_NONE", (False, False, False), 1.0, "所列情形均为“否”得1分"),
    Case("XY_COUNT_YES", (Cells((True, True, False)),), 2.0, "区域中为“是”的项数"),
    Case("XY_DISCRETIONARY", (3.5, 4), 3.5, "酌情计分，不超过该项满分"),
    Case("XY_AVG_LAST", (Cells((80, None, 90, 100)), 2), 95.0, "最近2期（空白不计）平均"),
    Case("XY_NPL_SCORE", (0.035,), 1.0, "2%≤不良贷款率＜5%：2/3×(5−3.5)"),
    Case("XY_NPL_SCORE", (0.02,), 2.0, "不良贷款率2%：2/3×(5−2)=2"),
    Case("XY_EXECUTION_RATE", (80, 40, 60), 0.8, "执结率=80÷(40+60)"),
    Case("XY_EXECUTION_SCORE", (0.4,), 0.5, "0＜执结率＜80%：1/80×40"),
    Case("XY_RECOVERY_SCORE", (0.35,), 0.5, "0＜兑现率＜70%：1/70×35"),
    Case("XY_FUNDRAISING_GROWTH", (12, 10), 0.2, "增长率=(12−10)÷10"),
    Case("XY_FUNDRAISING_SCORE", (5, 4), 0.5, "增长率25%：1/50×(50−25)"),
    Case("XY_DOMAIN_SCORE", (False, True, True, False), 0.3, "公示0.1分+红黑名单0.2分"),
    Case("XY_JUDICIAL_PERSONS_SCORE", (5, 4), 1.35, "5类档案、4类监管：0.15×9"),
    Case("XY_JUDICIAL_INSTITUTIONS_SCORE", (2, 1), 0.45, "2类档案、1类监管：0.15×3"),
    Case("XY_MONITOR_SCORE", (Cells((10, 10, 80, 82, None, 84, 86, 88, 90)),), 0.85, "近6期平均85分×0.01"),
    Case("XY_PERSONAL_SCORE_COVERAGE", (2_400_000, 4_000_000), 2.0, "覆盖率60%：1.5+0.5"),
    Case("XY_XINYIPI_SCORE", (15, 30), 1.0, "15÷30×2"),
    Case("XY_XINYIDAI_SCORE", (50_000_000_000, 1_000_000), 1.0, "户均5万元×0.002%"),
    Case("XY_COMMITMENT_SCORE", (6000, 3000, 10000, 19, 200, 200, 50, 100), 3.4, "0.9+19/19+1+0.5"),
    Case("XY_COMMITMENT_SCORE", (30000, 0, 10000, 19, 200, 200, 100, 100), 4.0, "3+1+1+1=6，按国家评估最高4分"),
    Case("XY_COMMITMENT_SCORE", (30000, 0, 10000, 19, 200, 200, 100, 100, 6), 6.0, "3+1+1+1=6，郑州细则本项6分"),
    Case("XY_COMMITMENT_SCORE", (30000, 0, 10000, 19, 200, 200, 100, 100, 6, "capped"), 4.0, "各项覆盖率最高100%：1+1+1+1=4"),
    Case("XY_CODE_CONVERSION_SCORE", (0.995,), 0.9, "转换率99.5%：按比例扣0.1分"),
    Case("XY_CODE_CONVERSION_SCORE", (0.995, "floor"), 1.0, "只扣满1%的整步"),
    Case("XY_CODE_CONVERSION_SCORE", (0.995, Cells((None,))), 0.9, "扣分方式单元格空白：按比例"),
    Case("XY_CODE_ERROR_SCORE", (0.00005,), 0.95, "重错码率0.005%：扣0.05分"),
    Case("XY_NOT_CONNECTED_SCORE", (60, 57, 4, 0.5), 2.5, "4分，3个单位未联通各减0.5分"),
    Case("XY_REPORTING_SCORE", (0.995,), 1.9, "公示率99.5%：按比例扣0.1分"),
    Case("XY_ITEMS_PER_ENTITY_SCORE", (300_000, 200_000), 0.75, "户均1.5条×0.5"),
    Case("XY_DAILY_CLICKS_SCORE", (40_000, 4_000_000), 1.0, "日人均点击0.01×100"),
    Case("XY_RATIO", (3, 0), "#输入错误: 比例的分母为0而分子大于0", "输入错误以文字显示在单元格中"),
    Case("XY_NPL_SCORE", (Raw("NA()", "#N/A"),), "#N/A", "参数中的 Excel 错误原样返回"),
)
