"""金融生态环境建设 (scored by the People's Bank): the continuous rules of section 七.

Source: 社会信用体系建设示范城市评估指标细则（2019年参考版）, 七、金融生态环境建设. Each rule is
written exactly as the document states its three cases (0, full, continuous in between).
"""

from __future__ import annotations

from .bounds import Bounds
from .core import Arg, XYInputError, close, ge, gt, lt, number, par, xy_function
from .generic import BOTH_ZERO_ARG, ratio, ratio_native

DOC = "社会信用体系建设示范城市评估指标细则（2019年参考版）七、金融生态环境建设"


def npl_native(r: str) -> str:
    r = par(r)
    return f"IF(OR({r}<0,{r}>1),NA(),IF({r}<0.02,2,IF({r}<0.05,2/3*(5-{r}*100),0)))"


@xy_function(
    "XY_NPL_SCORE",
    bounds=Bounds("不良贷款率", (0.02, 0.05), lambda q: (q,)),
    native=npl_native,
    summary="地区不良贷款率得分（0、2分和连续打分）",
    args=[Arg("npl_rate", "地区不良贷款率（2.5% 填 2.5% 或 0.025）", "%")],
    source=DOC + "·信用环境：不良贷款率＜2%得2分；2%≤不良贷款率＜5%，得分=2/3*(5-不良贷款率*100)；≥5%得0分",
)
def xy_npl_score(npl_rate: object) -> float:
    """地区不良贷款率低于2%得2分；2%（含）至5%之间得分=2/3×(5−不良贷款率×100)；达到5%得0分。"""
    r = number(npl_rate, "地区不良贷款率", minimum=0, maximum=1)
    if lt(r, 0.02):
        return 2.0
    if lt(r, 0.05):
        return 2.0 / 3.0 * (5.0 - r * 100.0)
    return 0.0


def execution_rate(closed: object, pending_prev: object, received: object, both_zero: object = None) -> float:
    c = number(closed, "报告期银行业机构债权案件执结数", minimum=0)
    p = number(pending_prev, "上期银行业机构债权案件未执结数", minimum=0)
    n = number(received, "报告期银行业机构债权案件收案数", minimum=0)
    return ratio(c, p + n, "金融案件执结率", both_zero=both_zero)


@xy_function(
    "XY_EXECUTION_RATE",
    native=lambda c, p, n, both_zero='"full"': ratio_native(c, f"{par(p)}+{par(n)}", both_zero),
    summary="金融案件执结率 = 执结数 ÷ (上期未执结数 + 本期收案数)",
    args=[
        Arg("closed", "报告期银行业机构债权案件执结数", "件"),
        Arg("pending_prev", "上期银行业机构债权案件未执结数", "件"),
        Arg("received", "报告期银行业机构债权案件收案数", "件"),
        BOTH_ZERO_ARG,
    ],
    source=DOC + "·法治环境：金融案件执结率=报告期执结数/（上期未执结数+报告期收案数）",
    returns="比例",
)
def xy_execution_rate(closed: object, pending_prev: object, received: object, both_zero: object = None) -> float:
    """金融案件执结率=报告期银行业机构债权案件执结数÷（上期未执结数+报告期收案数）。"""
    return execution_rate(closed, pending_prev, received, both_zero)


def _rate_score_native(r: str, full_at: str) -> str:
    r = par(r)
    return f"IF({r}<0,NA(),IF({r}>={full_at},1,IF({r}>0,1/{_pct(full_at)}*({r}*100-0),0)))"


def _pct(full_at: str) -> str:
    return f"{round(float(full_at) * 100):d}"


def _rate_score(rate: object, what: str, full_at: float) -> float:
    r = number(rate, what, minimum=0)
    if ge(r, full_at):
        return 1.0
    if gt(r, 0.0):
        return 1.0 / (full_at * 100.0) * (r * 100.0 - 0.0)
    return 0.0


@xy_function(
    "XY_EXECUTION_SCORE",
    bounds=Bounds("金融案件执结率", (0.0, 0.8), lambda q: (q,)),
    native=lambda r: _rate_score_native(r, "0.8"),
    summary="金融案件执结率得分（0、1分和连续打分）",
    args=[Arg("rate", "金融案件执结率", "%")],
    source=DOC + "·法治环境：执结率≥80%得1分；0%＜执结率＜80%，得分=1/80*(执结率*100-0)；=0%得0分",
)
def xy_execution_score(rate: object) -> float:
    """金融案件执结率达到80%得1分；0至80%之间得分=1/80×(执结率×100)；为0得0分。"""
    return _rate_score(rate, "金融案件执结率", 0.8)


@xy_function(
    "XY_RECOVERY_SCORE",
    bounds=Bounds("金融案件标的额兑现率", (0.0, 0.7), lambda q: (q,)),
    native=lambda r: _rate_score_native(r, "0.7"),
    summary="金融案件标的额兑现率得分（0、1分和连续打分）",
    args=[Arg("rate", "金融案件标的额兑现率（受偿金额÷判决标的总额）", "%")],
    source=DOC + "·法治环境：兑现率≥70%得1分；0%＜兑现率＜70%，得分=1/70*(兑现率*100-0)；=0%得0分",
)
def xy_recovery_score(rate: object) -> float:
    """金融案件标的额兑现率达到70%得1分；0至70%之间得分=1/70×(兑现率×100)；为0得0分。"""
    return _rate_score(rate, "金融案件标的额兑现率", 0.7)


def fundraising_growth(current: object, previous: object) -> float:
    cur = number(current, "报告期非法集资发案数", minimum=0)
    prev = number(previous, "上期非法集资发案数", minimum=0)
    if close(prev, 0.0):
        if close(cur, 0.0):
            return 0.0
        raise XYInputError("上期非法集资发案数为0而本期有发案，增长率无法计算（按规则得0分）")
    return (cur - prev) / prev


def _growth_native(cur: str, prev: str) -> str:
    return f"(({par(cur)}-{par(prev)})/{par(prev)})"


@xy_function(
    "XY_FUNDRAISING_GROWTH",
    native=lambda cur, prev: (
        f"IF(OR({par(cur)}<0,{par(prev)}<0),NA(),IF({par(prev)}=0,IF({par(cur)}=0,0,NA()),{_growth_native(cur, prev)}))"
    ),
    summary="非法集资发案数增长率 = (本期 − 上期) ÷ 上期",
    args=[Arg("current", "报告期非法集资发案数", "件"), Arg("previous", "上期非法集资发案数", "件")],
    source=DOC + "·法治环境：非法集资发案数增长率=（报告期发案数-上期发案数）/上期发案数",
    returns="比例",
)
def xy_fundraising_growth(current: object, previous: object) -> float:
    """增长率=（报告期发案数−上期发案数）÷上期发案数；上期和本期均为0时增长率为0；上期为0而本期有发案时无法计算。"""
    return fundraising_growth(current, previous)


@xy_function(
    "XY_FUNDRAISING_SCORE",
    bounds=Bounds("非法集资发案数增长率（上期100件）", (0.0, 0.5), lambda g: (100 * (1 + g), 100)),
    native=lambda cur, prev: (
        f"IF(OR({par(cur)}<0,{par(prev)}<0),NA(),IF({par(prev)}=0,IF({par(cur)}=0,1,0),"
        f"IF({_growth_native(cur, prev)}<0,1,IF({_growth_native(cur, prev)}<0.5,"
        f"1/50*(50-{_growth_native(cur, prev)}*100),0))))"
    ),
    summary="非法集资发案数增长率得分（0、1分和连续打分）",
    args=[Arg("current", "报告期非法集资发案数", "件"), Arg("previous", "上期非法集资发案数", "件")],
    source=DOC + "·法治环境：增长率＜0%得1分；0%≤增长率＜50%，得分=1/50*(50-增长率*100)；≥50%得0分。"
    "上期为0时：本期为0按增长率0得1分，本期大于0得0分（计分口径见 docs/design.md）",
)
def xy_fundraising_score(current: object, previous: object) -> float:
    """按发案数计算增长率后计分：增长率为负得1分；0至50%之间得分=1/50×(50−增长率×100)；达到50%得0分。上期为0时，本期也为0得1分，本期有发案得0分。"""
    cur = number(current, "报告期非法集资发案数", minimum=0)
    prev = number(previous, "上期非法集资发案数", minimum=0)
    if close(prev, 0.0):
        return 1.0 if close(cur, 0.0) else 0.0
    g = (cur - prev) / prev
    if lt(g, 0.0):
        return 1.0
    if lt(g, 0.5):
        return 1.0 / 50.0 * (50.0 - g * 100.0)
    return 0.0
