"""The rubric checker: everything that can be wrong with a rubric file, as findings with codes.

It checks points (items against their group, section and the rubric's total), formulas (syntax,
functions, names, native expansion) and inputs (names Excel accepts, providers, use), and it
probes every item's formula over its inputs' allowed ranges to find scores that can exceed the
item's maximum, go below 0, or never reach the maximum.
"""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Iterable

from ..engines.native import emit, literal
from ..engines.python import UnknownFunction, compile_node
from ..findings import Findings, Severity
from ..formula import FormulaSyntaxError, Node, functions, names, parse
from ..formula.parser import Call, walk
from ..numbers import number_text
from ..vocabulary import REGISTRY, XYInputError, collect_notices
from ..vocabulary.core import close
from .deadlines import normalise_deadline, reads_before_month
from .model import Group, InputSpec, Rubric, Section

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]{0,254}$")
_CELL_LIKE = re.compile(r"^(?:[A-Za-z]{1,3}\d+|[Rr]\d*[Cc]\d*|[Rr]|[Cc])$")
BUILTIN_FUNCTIONS = {"IF", "AND", "OR", "NOT", "MIN", "MAX", "SUM", "AVERAGE", "ABS", "ROUND", "INT"}
MAX_PROBES = 4096


def valid_defined_name(name: str) -> bool:
    """Excel accepts it as a defined name and will not read it as a cell reference or a boolean."""
    return bool(_NAME.match(name)) and not _CELL_LIKE.match(name) and name.upper() not in ("TRUE", "FALSE")


def check(rubric: Rubric) -> Findings:
    findings = Findings()
    file = rubric.origin or None
    _check_ids(rubric, findings, file)
    _check_points(rubric, findings, file)
    _check_deadlines(rubric, findings, file)
    used = _check_formulas(rubric, findings, file)
    for spec in rubric.inputs.values():
        if not valid_defined_name(spec.id):
            findings.add(
                "input-id-invalid",
                f"数据项编号“{spec.id}”不能用作 Excel 名称（应以字母开头，只含字母、数字、下划线，且不像单元格地址）",
                file=file,
                input=spec.id,
            )
        if not spec.providers:
            findings.add("input-no-provider", f"数据项“{spec.label}”没有填写提供单位", file=file, input=spec.id)
        if spec.id not in used:
            findings.add(
                "input-unused", f"数据项“{spec.label}”没有被任何公式使用", Severity.WARNING, file=file, input=spec.id
            )
        if spec.min is not None and spec.max is not None and spec.min > spec.max:
            findings.add("input-range-invalid", f"数据项“{spec.label}”的下限大于上限", file=file, input=spec.id)
        if not _plausible_inside(spec):
            message = f"数据项“{spec.label}”的合理范围（{spec.plausible_text()}）不在允许范围（{spec.range_text() or '不限'}）之内或下限大于上限"
            findings.add("input-range-invalid", message, file=file, input=spec.id)
        if spec.type == "list" and not spec.length:
            findings.add("rubric-field-missing", f"多期数据项“{spec.label}”缺少期数 length", file=file, input=spec.id)
    for param in rubric.parameters.values():
        if param.choices and param.value not in param.choices:
            findings.add(
                "parameter-value-invalid",
                f"参数“{param.label}”的取值“{param.value}”不在可选值 {param.choices} 中",
                file=file,
                input=param.id,
            )
    if not findings.has_errors():
        _probe_items(rubric, findings, file)
    _readings(rubric, findings, file)
    return findings


def _quoted(title: str) -> str:
    return title if title.startswith("“") and title.endswith("”") else f"“{title}”"


def _readings(rubric: Rubric, findings: Findings, file: str | None) -> None:
    """Every reading the text itself does not decide, in one list for the assessor to review before
    scores go out: each parameter (a choice reasonable evaluators could make differently) and each
    reading taken where the document contradicts itself."""
    for param in rubric.parameters.values():
        value = number_text(param.value) if isinstance(param.value, int | float) else str(param.value)
        options = f"（可选：{'、'.join(str(c) for c in param.choices)}）" if param.choices else ""
        message = f"参数“{param.label}”取 {value}{options}：{param.decision or '（未写明理由）'}"
        findings.add("reading-not-in-text", message, Severity.INFO, file=file, input=param.id)
    for section in rubric.sections:
        nodes: list[tuple[str, str, str]] = [(section.id, f"第{section.number or section.id}部分", section.reading)]
        nodes += [(group.id, _quoted(group.title), group.reading) for group in section.groups]
        nodes += [(item.id, _quoted(item.title), item.reading) for item in section.items]
        for node_id, what, reading in nodes:
            if reading:
                findings.add("reading-not-in-text", f"{what}：{reading}", Severity.INFO, file=file, item=node_id)
    before = [i for i in rubric.items if reads_before_month(i.deadline)]
    if before:  # udfs.rubric.deadlines: the stricter of two readings, which moves every such deadline a month
        example = before[0]
        day = normalise_deadline(example.deadline, rubric.year or 2000).date
        message = (
            f"工作进度要求“N月前”（{len(before)} 项，如{_quoted(example.title)}的“{example.deadline.strip()}”）读作第N月开始之前，"
            f"即上个月的最后一天（{day.month if day else ''}月{day.day if day else ''}日）；另一读法为第N月底前，每项完成时限晚一个月，"
            "逾期任务和催报随之变化。"
        )
        findings.add("reading-not-in-text", message, Severity.INFO, file=file, item=example.id)


def _check_ids(rubric: Rubric, findings: Findings, file: str | None) -> None:
    seen: dict[str, str] = {}
    entries = [("部分", s.id) for s in rubric.sections]
    entries += [("分组", g.id) for s in rubric.sections for g in s.groups]
    entries += [("指标", i.id) for i in rubric.items]
    entries += [("硬指标", c.id) for c in rubric.checks]
    entries += [("参数", p) for p in rubric.parameters]
    for kind, ident in entries:
        if ident in seen or ident in rubric.inputs:
            findings.add("rubric-duplicate-id", f"{kind}编号“{ident}”与其他编号重复", file=file, item=ident)
        seen[ident] = kind
    item_ids = {i.id for i in rubric.items}
    for c in rubric.checks:
        for ref in c.items:
            if ref not in item_ids:
                findings.add("check-unknown-item", f"硬指标“{c.title}”引用了不存在的指标“{ref}”", file=file, item=c.id)


def _with_reading(message: str, reading: str) -> tuple[str, Severity]:
    """A contradiction of the document itself stays reported; with a recorded reading it warns."""
    if reading:
        return f"{message}（文件自身矛盾，采用的读法：{reading}）", Severity.WARNING
    return message, Severity.ERROR


def _check_points(rubric: Rubric, findings: Findings, file: str | None) -> None:
    if not rubric.scored:
        return

    def compare(
        code: str, what: str, stated: float | None, parts: list[float | None], kind: str, owner: str, reading: str = ""
    ) -> None:
        total = sum(p or 0.0 for p in parts)
        if stated is not None and not close(total, stated):
            message, severity = _with_reading(f"{what}标明{number_text(stated)}分，其下各{kind}合计{number_text(total)}分", reading)
            findings.add(code, message, severity, file=file, item=owner)

    def declared(what: str, node: Section | Group) -> None:
        for other in node.stated:
            if node.max is not None and not close(other.max, node.max):
                message, severity = _with_reading(
                    f"{what}标题标明{number_text(node.max)}分，{other.where}写{number_text(other.max)}分", node.reading
                )
                findings.add("stated-max-mismatch", message, severity, file=file, item=node.id)
        if node.weight:
            share = _percent(node.weight)
            if share is None or node.max is None or not close(share * rubric.max_total, node.max):
                findings.add(
                    "weight-mismatch",
                    f"{what}的权重“{node.weight}”与其分值{'（未标明）' if node.max is None else number_text(node.max) + '分'}（总分{number_text(rubric.max_total)}）不符",
                    file=file,
                    item=node.id,
                )

    for section in rubric.sections:
        declared(f"“{section.title}”", section)
        for group in section.groups:
            what = f"“{section.title}·{group.title}”"
            declared(what, group)
            compare("group-sum-mismatch", what, group.max, [i.max for i in group.items], "项", group.id, group.reading)
        if section.groups:
            compare(
                "section-sum-mismatch",
                f"“{section.title}”",
                section.max,
                [g.max for g in section.groups],
                "组",
                section.id,
                section.reading,
            )
        else:
            compare(
                "section-sum-mismatch",
                f"“{section.title}”",
                section.max,
                [i.max for i in section.items],
                "项",
                section.id,
                section.reading,
            )
    compare(
        "rubric-total-mismatch",
        "指标体系总分",
        rubric.max_total,
        [s.max for s in rubric.sections if not s.bonus],
        "部分",
        rubric.id,
    )


def _percent(text: str) -> float | None:
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*[%％]\s*", text)
    return float(m.group(1)) / 100 if m else None


def _check_deadlines(rubric: Rubric, findings: Findings, file: str | None) -> None:
    year = rubric.year or 2000
    for item in rubric.items:
        if item.deadline and normalise_deadline(item.deadline, year).kind == "unreadable":
            findings.add(
                "deadline-unreadable",
                f"指标“{item.title}”的工作进度要求“{item.deadline}”无法识别为日期或“持续推进”",
                Severity.WARNING,
                file=file,
                item=item.id,
            )


def _formulas(rubric: Rubric) -> Iterable[tuple[str, str, str]]:
    for item in rubric.scored_items:
        yield item.id, f"指标“{item.title}”", item.formula or ""
    for c in rubric.constraints:
        yield c.id, f"约束“{c.id}”", c.rule
    for chk in rubric.checks:
        for cond in chk.conditions:
            yield chk.id, f"硬指标“{chk.title}”", cond.value


def _check_formulas(rubric: Rubric, findings: Findings, file: str | None) -> set[str]:
    used: set[str] = set()
    known_names = set(rubric.inputs) | set(rubric.parameters)
    inline = {pid: literal(p.value) for pid, p in rubric.parameters.items()}
    for owner, what, text in _formulas(rubric):
        try:
            tree = parse(text)
        except FormulaSyntaxError as exc:
            findings.add("formula-syntax", f"{what}的公式“{text}”有语法错误：{exc}", file=file, item=owner)
            continue
        used |= names(tree)
        for name in sorted(names(tree) - known_names):
            findings.add(
                "formula-unknown-name", f"{what}的公式使用了未声明的数据项“{name}”", file=file, item=owner, input=name
            )
        unknown = sorted(f for f in functions(tree) if f not in REGISTRY and f not in BUILTIN_FUNCTIONS)
        for name in unknown:
            findings.add("formula-unknown-function", f"{what}的公式使用了未知函数“{name}”", file=file, item=owner)
        if unknown:
            continue
        for call in (n for n in _calls(tree) if n.name in REGISTRY):
            low, high = REGISTRY[call.name].arity()
            if len(call.args) < low or (high is not None and len(call.args) > high):
                findings.add(
                    "formula-arity",
                    f"{what}的公式中 {call.name} 的参数个数不对（{len(call.args)}个）",
                    file=file,
                    item=owner,
                )
        try:
            emit(tree, inline, native=True)
        except (XYInputError, TypeError) as exc:
            findings.add(
                "native-expansion-failed", f"{what}的公式无法展开为 Excel 内置函数：{exc}", file=file, item=owner
            )
    return used


def _calls(tree: Node) -> list[Call]:
    return [n for n in walk(tree) if isinstance(n, Call)]


# ---- probing the scores an item can take --------------------------------------------------------


def _candidates(spec: InputSpec) -> list[object]:
    if spec.type == "bool":
        return [False, True]
    if spec.type == "list":
        hi = spec.max if spec.max is not None else 100.0
        lo = spec.min if spec.min is not None else 0.0
        n = spec.length or 1
        return [[lo] * n, [hi] * n, [(lo + hi) / 2] * n]
    lo = spec.min if spec.min is not None else 0.0
    if spec.max is not None:
        hi = spec.max
        return sorted({lo, hi, lo + (hi - lo) / 2, lo + (hi - lo) / 10})
    return [lo, lo + 1.0, 10.0, 1_000.0, 1_000_000.0, 1e12]


def _truthy(value: object) -> bool:
    return bool(value) if isinstance(value, bool | int | float) else False


def _probe_items(rubric: Rubric, findings: Findings, file: str | None) -> None:
    params = {pid: p.value for pid, p in rubric.parameters.items()}
    rng = random.Random(20190315)
    constraints = []
    for c in rubric.constraints:
        tree = parse(c.rule)
        constraints.append((frozenset(names(tree) - set(params)), compile_node(tree)))
    for item in rubric.scored_items:
        tree = parse(item.formula or "")
        try:
            run = compile_node(tree)
        except (UnknownFunction, XYInputError):
            continue
        keys = sorted(names(tree) - set(params))
        relevant = [run_c for needs, run_c in constraints if needs <= set(keys)]
        pools = [_candidates(rubric.inputs[k]) for k in keys]
        size = 1
        for pool in pools:
            size *= len(pool)
        combos: Iterable[tuple[object, ...]]
        if size <= MAX_PROBES:
            combos = itertools.product(*pools)
        else:
            combos = [tuple(rng.choice(p) for p in pools) for _ in range(MAX_PROBES)]
        low, high, scored = None, None, 0
        for combo in combos:
            env = dict(params)
            env.update(zip(keys, combo, strict=True))
            with collect_notices():
                try:
                    if not all(_truthy(check_c(env)) for check_c in relevant):
                        continue  # the rubric's own constraints rule this combination out
                    value = run(env)
                except XYInputError:
                    continue  # an invalid combination (e.g. connected > total); the rule refuses it
            if isinstance(value, bool) or not isinstance(value, int | float):
                findings.add("item-not-numeric", f"指标“{item.title}”的公式结果不是数值", file=file, item=item.id)
                break
            scored += 1
            low = value if low is None else min(low, value)
            high = value if high is None else max(high, value)
        if scored == 0:
            findings.add(
                "item-max-unreachable", f"指标“{item.title}”在允许范围内的任何输入下都无法计分", file=file, item=item.id
            )
            continue
        top = item.max or 0.0
        if high is not None and high > top + 1e-9:
            message, severity = _with_reading(
                f"指标“{item.title}”的公式最高可得{number_text(high)}分，超过该项满分{number_text(top)}分", item.reading
            )
            findings.add("item-exceeds-max", message, severity, file=file, item=item.id)
        elif high is not None and high < top - 1e-9:
            message, severity = _with_reading(
                f"指标“{item.title}”的公式最高只能得{number_text(high)}分，达不到该项满分{number_text(top)}分", item.reading
            )
            findings.add("item-max-unreachable", message, severity, file=file, item=item.id)
        if low is not None and low < -1e-9:
            findings.add("item-below-zero", f"指标“{item.title}”的公式可能得负分（{number_text(low)}）", file=file, item=item.id)


def _plausible_inside(spec: InputSpec) -> bool:
    """The plausible range lies inside the allowed one, lower bound first."""
    lo = spec.plausible_min if spec.plausible_min is not None else spec.min
    hi = spec.plausible_max if spec.plausible_max is not None else spec.max
    if lo is not None and hi is not None and lo > hi:
        return False
    below = spec.min is not None and spec.plausible_min is not None and spec.plausible_min < spec.min
    above = spec.max is not None and spec.plausible_max is not None and spec.plausible_max > spec.max
    return not (below or above)

