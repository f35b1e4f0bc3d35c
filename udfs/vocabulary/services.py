"""Rules of sections 三 to 六, 九 and 十: records per domain, judicial archives, monitoring,
personal credit scores, 信易批, 信易贷 and credit commitments.

Source: 社会信用体系建设示范城市评估指标细则（2019年参考版）.
"""

from __future__ import annotations

from ..numbers import number_text
from .bounds import Bounds
from .core import Arg, XYInputError, close, flag, gt, number, par, xy_function
from .generic import BOTH_ZERO_ARG, avg_last, avg_last_native, ratio, ratio_native, strict_ratio_native, word_choice

DOC = "社会信用体系建设示范城市评估指标细则（2019年参考版）"


@xy_function(
    "XY_DOMAIN_SCORE",
    native=lambda r, p, li, g: f"(0.1*IF({r},1,0)+0.1*IF({p},1,0)+0.2*IF({li},1,0)+0.2*IF({g},1,0))",
    summary="一个领域的信用记录、信息公示、红黑名单、分级监管得分（0.1+0.1+0.2+0.2）",
    args=[
        Arg("record", "该领域已建立信用记录（是/否）"),
        Arg("published", "该领域信用信息已在信用门户网站公示（是/否）"),
        Arg("list", "该领域已认定红黑名单并归集至共享平台（是/否）"),
        Arg("graded", "该领域已建立并实施信用分级分类监管（是/否）"),
    ],
    source=DOC + "四、商务诚信建设 / 五、社会诚信建设：每1个领域建立信用记录得0.1分，公示得0.1分，"
    "认定红黑名单并归集得0.2分，实施分级分类监管得0.2分",
)
def xy_domain_score(record: object, published: object, list: object, graded: object) -> float:  # noqa: A002
    """一个领域：建立信用记录得0.1分，信用信息在信用门户网站公示得0.1分，认定红黑名单并归集至共享平台得0.2分，建立并实施分级分类监管得0.2分，合计最高0.6分。"""
    return (
        0.1 * flag(record, "信用记录")
        + 0.1 * flag(published, "信息公示")
        + 0.2 * flag(list, "红黑名单")
        + 0.2 * flag(graded, "分级监管")
    )


def _types(value: object, what: str, top: int) -> float:
    n = number(value, what, minimum=0, maximum=top)
    if not close(n, round(n)):
        raise XYInputError(f"{what}应为整数，收到{number_text(n)}")
    return float(round(n))


@xy_function(
    "XY_JUDICIAL_PERSONS_SCORE",
    bounds=Bounds("已实施分级分类监管的人群类别数（5类已建档案，5类全部实施额外加0.3分）", (0.0, 5.0), lambda q: (5, q), near=1, integer=True),
    native=lambda a, g: (
        f"IF(OR({par(a)}<0,{par(a)}>5,{par(g)}<0,{par(g)}>5),NA(),"
        f"MIN(1.8,0.15*{par(a)}+0.15*{par(g)}+IF(AND({par(a)}=5,{par(g)}=5),0.3,0)))"
    ),
    summary="司法领域5类职业人群诚信档案与分级分类监管得分，最高1.8分",
    args=[
        Arg("archived_types", "已建立诚信档案的人群类别数（0–5）", "类"),
        Arg("graded_types", "已实施分级分类监管的人群类别数（0–5）", "类"),
    ],
    source=DOC + "六、司法公信建设：律师、公证员、基层法律服务工作者、法律援助人员、司法鉴定人员，每建1类档案得0.15分，"
    "每实施1类分级分类监管得0.15分，5类全建立并实施的额外加0.3分，最高1.8分",
)
def xy_judicial_persons_score(archived_types: object, graded_types: object) -> float:
    """5类职业人群：每建立1类诚信档案得0.15分，每实施1类分级分类监管得0.15分；5类全部建立档案并实施监管的额外加0.3分，最高1.8分。"""
    a = _types(archived_types, "建立诚信档案的人群类别数", 5)
    g = _types(graded_types, "实施分级分类监管的人群类别数", 5)
    bonus = 0.3 if a == 5 and g == 5 else 0.0
    return min(1.8, 0.15 * a + 0.15 * g + bonus)


@xy_function(
    "XY_JUDICIAL_INSTITUTIONS_SCORE",
    bounds=Bounds("已实施分级分类监管的机构类别数（4类已建档案）", (0.0, 4.0), lambda q: (4, q), near=1, integer=True),
    native=lambda a, g: f"IF(OR({par(a)}<0,{par(a)}>4,{par(g)}<0,{par(g)}>4),NA(),0.15*{par(a)}+0.15*{par(g)})",
    summary="司法领域4类机构诚信档案与分级分类监管得分，最高1.2分",
    args=[
        Arg("archived_types", "已建立诚信档案的机构类别数（0–4）", "类"),
        Arg("graded_types", "已实施分级分类监管的机构类别数（0–4）", "类"),
    ],
    source=DOC
    + "六、司法公信建设：律师事务所、公证机构、基层法律服务所、司法鉴定机构，每建1类档案得0.15分，每实施1类监管得0.15分",
)
def xy_judicial_institutions_score(archived_types: object, graded_types: object) -> float:
    """4类机构：每建立1类诚信档案得0.15分，每实施1类分级分类监管得0.15分，最高1.2分。"""
    a = _types(archived_types, "建立诚信档案的机构类别数", 4)
    g = _types(graded_types, "实施分级分类监管的机构类别数", 4)
    return 0.15 * a + 0.15 * g


@xy_function(
    "XY_MONITOR_SCORE",
    native=lambda s: f"MIN(1,{avg_last_native(s, '6')}*0.01)",
    summary="城市信用监测得分：近6期监测得分平均值×0.01，最高1分",
    args=[Arg("scores", "各期城市信用监测得分（按时间先后，至少1期，取最近6期）", "分")],
    source=DOC + "三、政务诚信建设：计分公式为近6期监测得分平均值*0.01，最高得1分",
)
def xy_monitor_score(scores: object) -> float:
    """取最近6期城市信用监测得分的平均值乘以0.01，最高1分；不足6期时按已有期数平均并提示。"""
    return min(1.0, avg_last(scores, 6) * 0.01)


@xy_function(
    "XY_PERSONAL_SCORE_COVERAGE",
    bounds=Bounds("个人诚信分覆盖率（超过50%得1.5分）", (0.5, 1.0), lambda r: (r * 1_000_000, 1_000_000)),
    native=lambda w, p: f"IF({strict_ratio_native(w, p)}>0.5,MIN(4,1.5+0.5*({strict_ratio_native(w, p)}-0.5)/0.1),0)",
    summary="个人诚信分覆盖率得分：超过50%得1.5分，每多10%加0.5分，最高4分",
    args=[
        Arg("with_score", "拥有个人诚信分（或个人信用评价结果）的户籍人口数", "人"),
        Arg("population", "城市户籍人口总数", "人"),
    ],
    source=DOC
    + "九、公共信用信息和产品应用：超过50%的城市户籍人口拥有个人诚信分，得1.5分，在此基础上每多10%，加0.5分，最高得4分"
    "（“超过”不含50%本身；每多10%按比例加分；计分口径见 docs/design.md）",
)
def xy_personal_score_coverage(with_score: object, population: object) -> float:
    """覆盖率=拥有个人诚信分的户籍人口÷户籍人口总数。覆盖率超过50%（不含50%）得1.5分，之后每多10%加0.5分（按比例），最高4分。"""
    r = ratio(with_score, population, "个人诚信分覆盖率", vacuous=False)
    if not gt(r, 0.5):
        return 0.0
    return min(4.0, 1.5 + 0.5 * (r - 0.5) / 0.1)


@xy_function(
    "XY_XINYIPI_SCORE",
    bounds=Bounds("已实施容缺受理的部门数（共30个部门）", (0.0, 30.0), lambda q: (q, 30), near=0.5),
    native=lambda a, b, both_zero='"full"': f"MIN(2,{ratio_native(a, b, both_zero)}*2)",
    summary="“信易批”得分：已实施容缺受理的部门数÷具有行政审批权力的部门总数×2，最高2分",
    args=[
        Arg("depts_rongque", "已经实施容缺受理的部门数量", "个"),
        Arg("depts_approval", "具有行政审批权力的部门总量", "个"),
        BOTH_ZERO_ARG,
    ],
    source=DOC
    + "九、公共信用信息和产品应用：计分公式为已经实施容缺受理的部门数量/具有行政审批权力的部门总量*2，最高得2分",
)
def xy_xinyipi_score(depts_rongque: object, depts_approval: object, both_zero: object = None) -> float:
    """已经实施容缺受理的部门数量÷具有行政审批权力的部门总量×2，最高2分。"""
    return min(2.0, ratio(depts_rongque, depts_approval, "容缺受理部门比例", both_zero=both_zero) * 2.0)


@xy_function(
    "XY_XINYIDAI_SCORE",
    bounds=Bounds("户均“信易贷”放款额（元，达到10万元封顶）", (0.0, 100_000.0), lambda q: (q * 1000, 1000)),
    native=lambda amt, ent: f"MIN(2,{strict_ratio_native(amt, ent)}*0.00002)",
    summary="“信易贷”得分：放款金额（元）÷在运营市场主体数×0.002%，最高2分",
    args=[
        Arg("amount_yuan", "全市金融机构“信易贷”放款总金额", "元"),
        Arg("operating_entities", "在运营市场主体总数", "户"),
    ],
    source=DOC
    + "九、公共信用信息和产品应用：计分公式为“信易贷”放款金额/在运营市场主体数*0.002%，最高得2分（金额以元计）",
)
def xy_xinyidai_score(amount_yuan: object, operating_entities: object) -> float:
    """“信易贷”放款金额（元）÷在运营市场主体数×0.002%，最高2分（户均放款达到10万元即满分）。"""
    return min(2.0, ratio(amount_yuan, operating_entities, "户均信易贷放款额", vacuous=False) * 0.00002)


COVERAGE_RULES = ("uncapped", "capped")


def coverage_rule(value: object) -> str:
    """uncapped: each coverage as the formula gives it (above 100% when commitments outnumber entities);
    capped: each at most 100%, as a coverage is."""
    return word_choice(value, COVERAGE_RULES, "uncapped", "覆盖率口径应为 uncapped 或 capped")


def _commitment_native(
    act: str, selfreg: str, ent: str, subst: str, rq: str, items: str, rep: str, bl: str, maximum: str = "4",
    coverage: str = '"uncapped"', both_zero: str = '"full"',
) -> str:  # fmt: skip
    capped = coverage_rule(coverage) == "capped"  # fixed when the formula is written, as parameters are inlined
    parts = [
        ratio_native(f"{par(act)}+{par(selfreg)}", ent, both_zero),
        f"IF(OR({par(subst)}<0,{par(subst)}>19),NA(),{par(subst)}/19)",
        ratio_native(rq, items, both_zero),
        ratio_native(rep, bl, both_zero),
    ]
    if capped:
        parts = [f"MIN(1,{p})" for p in parts]
    return f"MIN({par(maximum)},{'+'.join(parts)})"


@xy_function(
    "XY_COMMITMENT_SCORE",
    bounds=Bounds("主动承诺型承诺数（另三项合计3分，1万户新增主体，相加封顶4分）", (0.0, 10_000.0), lambda q: (q, 0, 10000, 19, 200, 200, 100, 100)),
    native=_commitment_native,
    summary="信用承诺覆盖率得分：四类承诺覆盖率相加，最高4分（或给定的最高分）",
    args=[
        Arg("active", "主动承诺型承诺数量", "个"),
        Arg("selfreg", "行业自律型承诺数量", "个"),
        Arg("new_entities", "市场主体数（2018年12月15日—2019年3月15日新增主体）", "户"),
        Arg("substitute_items", "实行审批替代型承诺的审批事项数量（国发〔2018〕35号明确的19个事项中）", "项"),
        Arg("rongque_items", "接受容缺受理型承诺的行政审批事项数量", "项"),
        Arg("approval_items", "全部行政审批事项数量", "项"),
        Arg("repair", "失信修复型承诺数量", "个"),
        Arg("blacklist", "在运营的黑名单主体数量", "户"),
        Arg("maximum", "最高得分（默认4，国家评估的原文；其他细则按其原文给出，如6）", "分", optional=True),
        Arg("coverage", "覆盖率口径：uncapped 各项按公式（可超过100%，默认），capped 各项最高100%", optional=True),
        BOTH_ZERO_ARG,
    ],
    source=DOC
    + "十、信用监管：（主动承诺型+行业自律型承诺数量）/市场主体数+审批替代型承诺事项数/19+容缺受理型承诺事项数/全部行政审批事项"
    "+失信修复型承诺数量/在运营的黑名单主体数量，最高得4分（四项按原文相加后封顶4分）",
)
def xy_commitment_score(
    active: object,
    selfreg: object,
    new_entities: object,
    substitute_items: object,
    rongque_items: object,
    approval_items: object,
    repair: object,
    blacklist: object,
    maximum: object = 4,
    coverage: object = None,
    both_zero: object = None,
) -> float:
    """四项相加：（主动承诺型+行业自律型承诺数）÷市场主体数 + 审批替代型承诺事项数÷19 + 容缺受理型承诺事项数÷全部行政审批事项数 + 失信修复型承诺数÷在运营黑名单主体数，最高4分（或给定的最高分）。"""
    a = number(active, "主动承诺型承诺数量", minimum=0)
    s = number(selfreg, "行业自律型承诺数量", minimum=0)
    parts = [
        ratio(a + s, new_entities, "主动承诺和行业自律承诺覆盖率", both_zero=both_zero),
        number(substitute_items, "审批替代型承诺事项数", minimum=0, maximum=19) / 19.0,
        ratio(rongque_items, approval_items, "容缺受理型承诺覆盖率", both_zero=both_zero),
        ratio(repair, blacklist, "失信修复型承诺覆盖率", both_zero=both_zero),
    ]
    capped = coverage_rule(coverage) == "capped"
    total = sum(min(1.0, p) if capped else p for p in parts)
    cap = number(maximum if maximum not in (None, "") else 4, "最高得分", minimum=0)
    return min(cap, total)
