"""公共信用信息共建共享 (section 八): code conversion, connections, reporting, website figures.

Source: 社会信用体系建设示范城市评估指标细则（2019年参考版）八 and 示范城市评审硬指标. "每降低1%减0.2分"
over a continuous rate is proportional by default; the mode argument selects whole steps.
"""

from __future__ import annotations

from ..numbers import number_text
from .bounds import Bounds
from .core import Arg, XYInputError, lt, number, par, xy_function
from .generic import deduct, deduct_native, mode_arg, ratio, strict_ratio_native

DOC = "社会信用体系建设示范城市评估指标细则（2019年参考版）八、公共信用信息共建共享"
MODE_ARG = Arg(
    "mode", "扣分方式：linear 按比例（默认，99.5%扣0.1分）、floor 只扣满1%的整步、ceil 不足1%按1%扣", optional=True
)


def _rate_native(r: str) -> str:
    return f"IF(OR({par(r)}<0,{par(r)}>1),NA(),{par(r)})"


@xy_function(
    "XY_CODE_CONVERSION_SCORE",
    bounds=Bounds("存量代码转换率（降到95%时扣完1分）", (0.95, 1.0), lambda q: (q,)),
    native=lambda r, mode='"linear"': deduct_native(f"1-{_rate_native(r)}", "0.2", "1", "0.01", mode),
    summary="存量代码转换率得分：100%得1分，每降低1%减0.2分",
    args=[Arg("rate", "存量代码转换率", "%"), MODE_ARG],
    source=DOC + "·统一社会信用代码：存量代码转换率为100%的得1分，每降低1%减0.2分",
)
def xy_code_conversion_score(rate: object, mode: object = None) -> float:
    """存量代码转换率为100%得1分，每降低1%减0.2分，最低0分（默认按比例：99.5%得0.9分）。"""
    r = number(rate, "存量代码转换率", minimum=0, maximum=1)
    return deduct(1.0 - r, 0.2, 1.0, 0.01, mode_arg(mode))


@xy_function(
    "XY_CODE_ERROR_SCORE",
    bounds=Bounds("重错码率（升到0.1%时扣完1分）", (0.0, 0.001), lambda q: (q,)),
    native=lambda r, mode='"linear"': deduct_native(_rate_native(r), "0.1", "1", "0.0001", mode),
    summary="统一社会信用代码重错码率得分：为0得1分，每增加0.01%减0.1分",
    args=[Arg("rate", "重错码率（0.01% 填 0.01% 或 0.0001）", "%"), MODE_ARG],
    source=DOC + "·统一社会信用代码：重错码率为0的得1分，每增加0.01%减0.1分",
)
def xy_code_error_score(rate: object, mode: object = None) -> float:
    """重错码率为0得1分，每增加0.01%减0.1分，最低0分（重错码率达到0.1%时为0分）。"""
    r = number(rate, "重错码率", minimum=0, maximum=1)
    return deduct(r, 0.1, 1.0, 0.0001, mode_arg(mode))


@xy_function(
    "XY_NOT_CONNECTED_SCORE",
    bounds=Bounds("已接入的政务服务大厅数（共12个，满分3分，每个未接入减1分）", (9, 12), lambda q: (12, q, 3, 1), near=0.5),
    native=lambda total, conn, full, per: (
        f"IF({par(conn)}>{par(total)},NA(),{deduct_native(f'{par(total)}-{par(conn)}', per, full)})"
    ),
    summary="100%接入（联通）得满分，每增加1个未接入的大厅或单位扣分",
    args=[
        Arg("total", "应接入的总数（政务服务大厅或单位）", "个"),
        Arg("connected", "已接入（联通）的数量", "个"),
        Arg("full", "满分", "分"),
        Arg("per_missing", "每个未接入扣分", "分"),
    ],
    source=DOC + "·信息归集共享和公开：政务服务大厅100%接入计3分，每增加1个未接入的大厅减1分；"
    "公用企事业单位100%联通计4分，每增加1个未联通的单位减0.5分",
)
def xy_not_connected_score(total: object, connected: object, full: object, per_missing: object) -> float:
    """全部接入得满分；每有1个未接入（未联通）的大厅或单位扣相应分数，最低0分。已接入数不能多于总数。"""
    t = number(total, "应接入总数", minimum=0)
    c = number(connected, "已接入数量", minimum=0)
    if lt(t, c):
        raise XYInputError(f"已接入数量（{number_text(c)}）不能多于应接入总数（{number_text(t)}）")
    return deduct(t - c, number(per_missing, "每个扣分"), number(full, "满分"))


@xy_function(
    "XY_REPORTING_SCORE",
    bounds=Bounds("上报公示率（降到90%时扣完2分）", (0.9, 1.0), lambda q: (q,)),
    native=lambda r, mode='"linear"': deduct_native(f"1-{_rate_native(r)}", "0.2", "2", "0.01", mode),
    summary="行政许可、行政处罚信息上报公示率得分：100%得2分，每降低1%减0.2分",
    args=[Arg("rate", "行政许可、行政处罚信息上报“信用中国”公示率", "%"), MODE_ARG],
    source=DOC + "·信息归集共享和公开：行政许可、行政处罚信息100%上报至“信用中国”网站公示计2分，公示率每降低1%减0.2分",
)
def xy_reporting_score(rate: object, mode: object = None) -> float:
    """公示率100%得2分，每降低1%减0.2分，最低0分（默认按比例：99.5%得1.9分）。"""
    r = number(rate, "上报公示率", minimum=0, maximum=1)
    return deduct(1.0 - r, 0.2, 2.0, 0.01, mode_arg(mode))


@xy_function(
    "XY_ITEMS_PER_ENTITY_SCORE",
    bounds=Bounds("户均信息条数m（0.5m达到2分封顶）", (0.0, 4.0), lambda m: (m * 1000, 1000)),
    native=lambda items, ent: f"MIN(2,0.5*{strict_ratio_native(items, ent)})",
    summary="信用门户网站公示信息量得分：0.5×户均信息条数，最高2分",
    args=[Arg("items", "公示的法人和非法人组织信息条数", "条"), Arg("entities", "法人和非法人组织数量", "户")],
    source=DOC + "·信息归集共享和公开：根据户均信息条数m计算，计分公式为0.5m，最高得2分",
)
def xy_items_per_entity_score(items: object, entities: object) -> float:
    """户均信息条数m=公示信息条数÷法人和非法人组织数，得分=0.5m，最高2分。组织数不能为0。"""
    return min(2.0, 0.5 * ratio(items, entities, "户均信息条数", vacuous=False))


@xy_function(
    "XY_DAILY_CLICKS_SCORE",
    bounds=Bounds("户籍人口日人均点击量n（100n达到2分封顶）", (0.0, 0.02), lambda n: (n * 1_000_000, 1_000_000)),
    native=lambda clicks, pop: f"MIN(2,100*{strict_ratio_native(clicks, pop)})",
    summary="信用门户网站活跃度得分：100×户籍人口日人均点击量，最高2分",
    args=[Arg("daily_clicks", "信用门户网站日均点击量", "次"), Arg("population", "城市户籍人口", "人")],
    source=DOC + "·信息归集共享和公开：根据城市户籍人口日人均点击量n计算，计分公式为100n，最高得2分",
)
def xy_daily_clicks_score(daily_clicks: object, population: object) -> float:
    """日人均点击量n=日均点击量÷户籍人口，得分=100n，最高2分（n达到2%即满分）。户籍人口不能为0。"""
    return min(2.0, 100.0 * ratio(daily_clicks, population, "日人均点击量", vacuous=False))
