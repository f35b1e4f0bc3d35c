"""Generic building blocks: office staff write new rubrics with these, no Python needed.

Each function states its policy once (zero denominators, negative counts, step rounding) so that
every rubric that uses it inherits the same reading of the documents (docs/design.md).
"""

from __future__ import annotations

import math

from .bounds import Bounds
from .core import Arg, XYInputError, close, flag, flatten, lt, notice, number, par, xy_function

GENERIC = "通用函数，供各地指标体系组合使用"
MODES = ("linear", "floor", "ceil")


# ---- ratio -------------------------------------------------------------------------------------------


BOTH_ZERO = {"full": 1.0, "zero": 0.0}  # a ratio whose parts are both 0: all covered, or none
BOTH_ZERO_ARG = Arg("both_zero", "分子分母均为0时的口径：full 按100%（默认），zero 按0%", optional=True)


def word_choice(value: object, choices: tuple[str, ...], default: str, refusal: str) -> str:
    """A rule named by a fixed word (blank: `default`), as a UDF argument or as a literal a native
    formula was written with (parameters are inlined, quotes and all); `refusal` names the choices."""
    word = str(value if value not in (None, "") else default).strip().strip('"').lower()
    if word not in choices:
        raise XYInputError(f"{refusal}，收到“{value}”")
    return word


def both_zero_rule(value: object) -> str:
    """The rule for 0/0 (a unit with no blacklisted entities, a county with no cases): full, or zero."""
    return word_choice(value, tuple(BOTH_ZERO), "full", "分子分母均为0时的口径应为 full（按100%）或 zero（按0%）")


def ratio(num: object, den: object, what: str = "比例", vacuous: bool = True, both_zero: object = None) -> float:
    """num/den with the project's zero-denominator policy (docs/design.md): 0/0 by `both_zero`."""
    n = number(num, f"{what}的分子", minimum=0)
    d = number(den, f"{what}的分母", minimum=0)
    if close(d, 0.0):
        if not vacuous:
            raise XYInputError(f"{what}的分母为0，无法计算")
        if close(n, 0.0):
            rule = both_zero_rule(both_zero)
            notice("vacuous-ratio", f"{what}的分子分母均为0，{'视为全部覆盖（100%）' if rule == 'full' else '按0%计'}")
            return BOTH_ZERO[rule]
        raise XYInputError(f"{what}的分母为0而分子大于0")
    return n / d


def ratio_native(n: str, d: str, both_zero: str = '"full"') -> str:
    n, d = par(n), par(d)
    value = 1 if both_zero_rule(both_zero) == "full" else 0
    return f"IF(OR({n}<0,{d}<0),NA(),IF({d}=0,IF({n}=0,{value},NA()),{n}/{d}))"


def strict_ratio_native(n: str, d: str) -> str:
    n, d = par(n), par(d)
    return f"IF(OR({n}<0,{d}<=0),NA(),{n}/{d})"


@xy_function(
    "XY_RATIO",
    native=ratio_native,
    summary="比例（分子÷分母），分母为0时按统一口径处理",
    args=[Arg("numerator", "分子（如已完成数量）"), Arg("denominator", "分母（如应完成总量）"), BOTH_ZERO_ARG],
    source=GENERIC,
    returns="比例（0.85 即 85%）",
    kind="generic",
)
def xy_ratio(numerator: object, denominator: object, both_zero: object = None) -> float:
    """计算分子÷分母。分母为0且分子为0时视为全部覆盖（100%，both_zero 为 zero 时按0%）并提示；分母为0而分子大于0时报输入错误。"""
    return ratio(numerator, denominator, both_zero=both_zero)


@xy_function(
    "XY_RATIO_SCORE",
    bounds=Bounds("比例（系数5，最高3分：60%封顶）", (0.0, 0.6), lambda q: (q * 100, 100, 5, 3)),
    native=lambda n, d, factor, cap, both_zero='"full"': f"MIN({cap},{ratio_native(n, d, both_zero)}*{par(factor)})",
    summary="比例乘以系数计分，最高不超过上限",
    args=[
        Arg("numerator", "分子"),
        Arg("denominator", "分母"),
        Arg("factor", "系数（计分公式中的“*2”“*5”）"),
        Arg("cap", "最高得分", "分"),
        BOTH_ZERO_ARG,
    ],
    source=GENERIC + "；如“计分公式为……/……*2，最高得2分”",
    kind="generic",
)
def xy_ratio_score(numerator: object, denominator: object, factor: object, cap: object, both_zero: object = None) -> float:
    """按“分子÷分母×系数”计分，最高得分为上限。分母为0的处理同 XY_RATIO。"""
    return min(number(cap, "最高得分"), ratio(numerator, denominator, both_zero=both_zero) * number(factor, "系数"))


@xy_function(
    "XY_CAP",
    bounds_for=lambda cap: (0.0, cap),
    bounds=Bounds("计算得分（最高2分）", (0.0, 2.0), lambda q: (q, 2)),
    native=lambda v, cap: f"MIN({cap},MAX(0,{v}))",
    summary="把得分限制在0与最高分之间",
    args=[Arg("value", "计算得分", "分"), Arg("cap", "最高得分", "分")],
    source=GENERIC,
    kind="generic",
)
def xy_cap(value: object, cap: object) -> float:
    """把得分限制在0到最高得分之间（“最高得X分”）。"""
    return min(number(cap, "最高得分"), max(0.0, number(value, "得分")))


@xy_function(
    "XY_LINEAR",
    bounds_for=lambda x0, y0, x1, y1: (x0, x1),
    bounds=Bounds("实际值（0得0分，80%得1分）", (0.0, 0.8), lambda q: (q, 0, 0, 0.8, 1)),
    native=lambda x, x0, y0, x1, y1: (
        f"IF({par(x0)}>={par(x1)},NA(),IF({par(x)}<={par(x0)},{y0},IF({par(x)}>={par(x1)},{y1},"
        f"{par(y0)}+({par(x)}-{par(x0)})*({par(y1)}-{par(y0)})/({par(x1)}-{par(x0)}))))"
    ),
    summary="两点之间线性插值（连续打分），两端之外取端点得分",
    args=[
        Arg("x", "实际值"),
        Arg("x0", "起点的值"),
        Arg("y0", "起点得分", "分"),
        Arg("x1", "终点的值"),
        Arg("y1", "终点得分", "分"),
    ],
    source=GENERIC + "；如“得分 = 1/80*(执结率*100-0)”一类连续打分",
    kind="generic",
)
def xy_linear(x: object, x0: object, y0: object, x1: object, y1: object) -> float:
    """在（起点值, 起点得分）与（终点值, 终点得分）之间按直线计分；低于起点取起点得分，高于终点取终点得分。"""
    xv, a, b = number(x, "实际值"), number(x0, "起点的值"), number(x1, "终点的值")
    ya, yb = number(y0, "起点得分"), number(y1, "终点得分")
    if not lt(a, b):
        raise XYInputError("起点的值必须小于终点的值")
    if xv <= a:
        return ya
    if xv >= b:
        return yb
    return ya + (xv - a) * (yb - ya) / (b - a)


@xy_function(
    "XY_PER_ITEM",
    bounds_for=lambda each, cap: (0.0, cap / each) if each > 0 else (0.0,),
    bounds=Bounds("项数（每项0.3分，最高6分）", (0.0, 20.0), lambda q: (q, 0.3, 6), near=1),
    native=lambda c, each, cap: f"IF({par(c)}<0,NA(),MIN({cap},{par(c)}*{par(each)}))",
    summary="每有一项得若干分，最高不超过上限",
    args=[
        Arg("count", "项数（领域数、部门数等）", "个"),
        Arg("points_each", "每项得分", "分"),
        Arg("cap", "最高得分", "分"),
    ],
    source=GENERIC + "；如“每一个领域……得0.3分，最高得6分”",
    kind="generic",
)
def xy_per_item(count: object, points_each: object, cap: object) -> float:
    """项数×每项得分，最高为上限。项数不能为负。"""
    return min(number(cap, "最高得分"), number(count, "项数", minimum=0) * number(points_each, "每项得分"))


# ---- deduction with whole or proportional steps --------------------------------------------------


def steps(amount: float, step_size: float, mode: str) -> float:
    """How many steps a shortfall counts for; rounding to 9 places first keeps 0.99 a whole step."""
    raw = amount / step_size
    if mode == "linear":
        return raw
    rounded = round(raw, 9)
    if mode == "floor":
        return float(math.floor(rounded))
    if mode == "ceil":
        return float(math.ceil(rounded))
    raise XYInputError(f"扣分方式应为 linear、floor 或 ceil，收到“{mode}”")


def steps_native(amount: str, step_size: str, mode: str) -> str:
    raw = f"{par(amount)}/{par(step_size)}"
    mode = mode_literal(mode)
    if mode == "linear":
        return f"({raw})"
    if mode == "floor":
        return f"INT(ROUND({raw},9))"
    return f"ROUNDUP(ROUND({raw},9),0)"


def mode_literal(text: str) -> str:
    """Native formulas need the mode fixed when they are written (parameters are inlined first)."""
    value = text.strip().strip('"').lower()
    if value not in MODES:
        raise XYInputError(f"扣分方式必须是固定文本 linear、floor 或 ceil，不能是“{text}”")
    return value


def mode_arg(mode: object) -> str:
    value = str(mode if mode not in (None, "") else "linear").strip().lower()
    if value not in MODES:
        raise XYInputError(f"扣分方式应为 linear、floor 或 ceil，收到“{mode}”")
    return value


def deduct(shortfall: float, each: float, full: float, step_size: float = 1.0, mode: str = "linear") -> float:
    if lt(shortfall, 0.0):
        raise XYInputError("差额不能为负数")
    if step_size <= 0:
        raise XYInputError("扣分步长必须大于0")
    return max(0.0, full - each * steps(max(shortfall, 0.0), step_size, mode))


def deduct_native(shortfall: str, each: str, full: str, step_size: str = "1", mode: str = '"linear"') -> str:
    s = par(shortfall)
    return f"IF({s}<0,NA(),MAX(0,{par(full)}-{par(each)}*{steps_native(s, step_size, mode)}))"


@xy_function(
    "XY_DEDUCT",
    bounds_for=lambda each, full, step=1, mode=None: (0.0, full / each * step) if each > 0 else (0.0,),
    bounds=Bounds("差额（满分2分，每步扣0.5分）", (0.0, 4.0), lambda q: (q, 0.5, 2)),
    native=deduct_native,
    summary="满分起算，每差一步扣若干分，最低0分",
    args=[
        Arg("shortfall", "差额（未接入数、降低的比例等）"),
        Arg("points_each", "每步扣分", "分"),
        Arg("full", "满分", "分"),
        Arg("step_size", "步长（默认1；“每降低1%”为0.01）", optional=True),
        Arg("mode", "扣分方式：linear 按比例（默认）、floor 只扣整步、ceil 不足一步按一步", optional=True),
    ],
    source=GENERIC + "；如“每增加1个未接入的大厅减1分”“每降低1%减0.2分”",
    kind="generic",
)
def xy_deduct(
    shortfall: object, points_each: object, full: object, step_size: object = 1, mode: object = None
) -> float:
    """满分减去“差额÷步长×每步扣分”，最低0分。差额不能为负。"""
    return deduct(
        number(shortfall, "差额"),
        number(points_each, "每步扣分"),
        number(full, "满分"),
        number(step_size if step_size is not None else 1, "步长"),
        mode_arg(mode),
    )


def _steps_bounds(threshold: float, base: float, step: float, step_points: float, cap: float) -> tuple[float, ...]:
    """The threshold, then every whole step until the cap is reached (at most 50)."""
    if step <= 0 or step_points <= 0:
        return (threshold,)
    whole = min(50, max(0, math.ceil(round((cap - base) / step_points, 9))))
    return tuple(threshold + k * step for k in range(whole + 1))


@xy_function(
    "XY_STEPS",
    bounds_for=_steps_bounds,
    bounds=Bounds("实际值（达到10%得1分，每增加10%加1分，最高4分）", (0.1, 0.2, 0.3, 0.4), lambda q: (q, 0.1, 1, 0.1, 1, 4)),
    native=lambda x, t, base, step, sp, cap: (
        f"IF({par(x)}<{par(t)},0,MIN({cap},{par(base)}+INT(ROUND(({par(x)}-{par(t)})/{par(step)},9))*{par(sp)}))"
    ),
    summary="达到门槛得基础分，以门槛为基数每再增加一整步加分，最高不超过上限",
    args=[
        Arg("x", "实际值"),
        Arg("threshold", "门槛值（“达到10%”为0.1）"),
        Arg("base_points", "达到门槛的得分", "分"),
        Arg("step_size", "步长（“每增加10%”为0.1）"),
        Arg("step_points", "每步加分", "分"),
        Arg("cap", "最高得分", "分"),
    ],
    source=GENERIC + "；如“达到10%得1分，以此为基数每增加10%得1分”“每10个得0.1分”",
    kind="generic",
)
def xy_steps(
    x: object, threshold: object, base_points: object, step_size: object, step_points: object, cap: object
) -> float:
    """未达到门槛得0分；达到门槛得基础分，之后每满一步再加分（不满一步不加），最高为上限。"""
    xv, t, st = number(x, "实际值"), number(threshold, "门槛值"), number(step_size, "步长")
    if st <= 0:
        raise XYInputError("步长必须大于0")
    if lt(xv, t):
        return 0.0
    whole = math.floor(round((xv - t) / st, 9))
    return min(number(cap, "最高得分"), number(base_points, "基础分") + whole * number(step_points, "每步加分"))


# ---- yes/no flags ------------------------------------------------------------------------------------


def flags(values: tuple[object, ...]) -> list[bool]:
    items = flatten(values)
    if not items:
        raise XYInputError("至少需要一个“是/否”项")
    return [flag(v, f"第{i}项") for i, v in enumerate(items, 1)]


def _iflist(args: tuple[str, ...]) -> str:
    return ",".join(args)


@xy_function(
    "XY_ANY",
    native=lambda *a: f"IF(OR({_iflist(a)}),1,0)",
    summary="任一项为“是”得1，否则得0",
    args=[Arg("flags", "若干“是/否”项", variadic=True)],
    source=GENERIC + "；如“城市接力、宣传教育、百城万企亮信用，有其一即可”",
    returns="1 或 0",
    kind="generic",
)
def xy_any(*values: object) -> float:
    """只要有一项为“是”就返回1，全部为“否”返回0。"""
    return 1.0 if any(flags(values)) else 0.0


@xy_function(
    "XY_ALL",
    native=lambda *a: f"IF(AND({_iflist(a)}),1,0)",
    summary="全部为“是”得1，否则得0",
    args=[Arg("flags", "若干“是/否”项", variadic=True)],
    source=GENERIC,
    returns="1 或 0",
    kind="generic",
)
def xy_all(*values: object) -> float:
    """全部为“是”时返回1，否则返回0。"""
    return 1.0 if all(flags(values)) else 0.0


@xy_function(
    "XY_NONE",
    native=lambda *a: f"IF(OR({_iflist(a)}),0,1)",
    summary="全部为“否”得1，任一项为“是”得0",
    args=[Arg("flags", "若干“是/否”项（情形是否发生）", variadic=True)],
    source=GENERIC + "；如“如果以下任一条为‘是’，得0分；如果均为‘否’，得1分”",
    returns="1 或 0",
    kind="generic",
)
def xy_none(*values: object) -> float:
    """所列情形全部为“否”时返回1；任一情形为“是”返回0。"""
    return 0.0 if any(flags(values)) else 1.0


@xy_function(
    "XY_COUNT_YES",
    native=lambda *a: "(" + "+".join(f"IF({x},1,0)" for x in a) + ")",
    summary="统计为“是”的项数",
    args=[Arg("flags", "若干“是/否”项", variadic=True)],
    source=GENERIC + "；如“以上5类人群建立诚信档案的，每建1类……”",
    returns="项数",
    kind="generic",
)
def xy_count_yes(*values: object) -> float:
    """返回为“是”的项数。"""
    return float(sum(flags(values)))


# ---- evaluator's score and period averages -------------------------------------------------------------


@xy_function(
    "XY_DISCRETIONARY",
    bounds_for=lambda top: (0.0, top),
    bounds=Bounds("评估人员给出的分数（该项满分4分）", (0.0, 4.0), lambda q: (q, 4)),
    native=lambda s, m: f"IF(OR({par(s)}<0,{par(s)}>{par(m)}),NA(),{s})",
    summary="酌情计分：评估人员给出的分数，检查不超过该项满分",
    args=[Arg("score", "评估人员给出的分数", "分"), Arg("max", "该项最高分", "分")],
    source=GENERIC + "；文件中“酌情计分”“酌情加分”的指标",
    kind="generic",
)
def xy_discretionary(score: object, max: object) -> float:  # noqa: A002 - Excel argument name
    """返回评估人员酌情给出的分数；分数须在0到该项最高分之间，否则报输入错误。"""
    top = number(max, "最高分", minimum=0)
    return number(score, "酌情分", minimum=0, maximum=top)


def avg_last(values: object, n: object) -> float:
    count = number(n, "期数", minimum=1)
    given = [v for v in flatten(values if isinstance(values, list | tuple) else [values]) if v not in (None, "")]
    scores = [number(v, f"第{i}期得分") for i, v in enumerate(given, 1)]
    if not scores:
        raise XYInputError("没有任何一期得分")
    wanted = int(count)
    if len(scores) < wanted:
        notice("too-few-periods", f"要求近{wanted}期得分，只提供了{len(scores)}期，按已提供的期数平均")
    recent = scores[-wanted:]
    return sum(recent) / len(recent)


def avg_last_native(r: str, n: str) -> str:
    return f"AVERAGE(INDEX({r},MAX(1,COUNT({r})-{par(n)}+1)):INDEX({r},COUNT({r})))"


@xy_function(
    "XY_AVG_LAST",
    native=avg_last_native,
    summary="最近n期得分的平均值（不足n期时按已有期数平均并提示）",
    args=[Arg("values", "各期得分（按时间先后排列的一行或一列）", "分"), Arg("n", "期数", "期")],
    source=GENERIC + "；如“近6期监测得分平均值”",
    returns="平均分",
    kind="generic",
)
def xy_avg_last(values: object, n: object) -> float:
    """取按时间排列的最后n期得分求平均；空白期不计；不足n期时按已有期数平均。"""
    return avg_last(values, n)
