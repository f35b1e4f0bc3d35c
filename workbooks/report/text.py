"""Text and JSON views of rubrics and scores, for the command line and scripts."""

from __future__ import annotations

from udfs.evaluate import Result
from udfs.findings import Finding, Severity
from udfs.numbers import points  # the one way of showing points (also imported from here)
from udfs.recovery import UNSCORED, Recovery, grouped
from udfs.rubric import Rubric
from udfs.rubric.model import CHECK_KIND_LABELS, TYPE_LABELS, InputSpec
from udfs.rubric.serialize import input_dict
from udfs.rubric.serialize import rubric_dict as serialized_rubric
from workbooks.master.layout import REMINDER_FOLDER
from workbooks.plan.responsibility import ROLES, Plan

SEVERITY_LABEL = {Severity.ERROR: "错误", Severity.WARNING: "警告", Severity.INFO: "提示"}


def finding_line(f: Finding) -> str:
    where = f.location()
    return f"[{SEVERITY_LABEL[f.severity]}] {f.code}：{f.message}" + (f"（{where}）" if where else "")


def rubric_dict(r: Rubric) -> dict[str, object]:
    """The rubric file's structure, with every input's range spelled out for scripts."""
    data = serialized_rubric(r)
    data["bonus_max"] = r.bonus_max
    data["inputs"] = [
        {**input_dict(s), "unit": s.unit, "min": s.min, "max": s.max, "range": s.range_text()}
        for s in r.inputs.values()
    ]
    return data


def rubric_text(r: Rubric) -> str:
    kind = (
        "任务清单"
        if not r.scored
        else f"满分 {points(r.max_total)} 分" + (f" + 附加 {points(r.bonus_max)} 分" if r.bonus_max else "")
    )
    lines = [f"{r.title}（{r.id}，版本 {r.version}，{kind}）"]
    for s in r.sections:
        lines.append(
            s.heading
            + (f"  {points(s.max)}分" if s.max is not None else "")
            + (f"（权重 {s.weight}）" if s.weight else "")
        )
        for i in s.items:
            if i.scored:
                lines.append(f"    {i.id}  {i.title}  {points(i.max or 0)}分  {i.formula}")
            else:
                who = "；".join(
                    p
                    for p in (f"牵头：{i.lead_units}" if i.lead_units else "", f"责任：{i.units}" if i.units else "")
                    if p
                )
                lines.append(f"    {i.number or i.id}. {i.title}  {who}" + (f"  [{i.cadence}]" if i.cadence else ""))
    if r.inputs:
        lines.append(f"数据项 {len(r.inputs)} 个：")
        for spec in r.inputs.values():
            usual = f"  通常 {spec.plausible_text()}" if spec.plausible_text() else ""
            lines.append(
                f"    {spec.id}  {spec.label}  [{input_kind(spec)}]{usual}  提供：{'、'.join(spec.providers)}"
            )
    return "\n".join(lines + readings_lines(r))


def readings_lines(r: Rubric) -> list[str]:
    """The readings that move points: each parameter (its choice, the others, what each means; a
    project picks its own in 项目设置.yaml) and each item read where the text leaves it open."""
    lines = []
    if r.parameters:
        lines.append(f"计分口径参数 {len(r.parameters)} 个（项目在 项目设置.yaml 的 parameters 中选定，下为默认）：")
        for p in r.parameters.values():
            choices = f"（可选：{'、'.join(str(c) for c in p.choices)}）" if p.choices else ""
            lines += [f"    {p.id} = {p.value}{choices}  {p.label}", f"        {p.decision}"]
    read = [(i.id, i.title, i.reading) for s in r.sections for i in s.items if i.reading]
    read += [(g.id, g.title, g.reading) for s in r.sections for g in s.groups if g.reading]
    read += [(s.id, s.heading, s.reading) for s in r.sections if s.reading]
    if read:
        lines.append(f"文件没有定下、由指标体系选定的读法 {len(read)} 处：")
        lines += [f"    {node}  {title}：{reading}" for node, title, reading in read]
    return lines


def input_kind(spec: InputSpec) -> str:
    """Type, unit and range of an input, each said once: 是/否 is both the type and the range of a
    yes/no input, and a ratio's range already carries its % (比例 0% – 100%, not 比例 % 0% – 100%)."""
    label, allowed = TYPE_LABELS[spec.type], spec.range_text()
    parts = [label]
    if spec.unit and spec.unit != label and not (spec.type == "ratio" and spec.unit == "%" and allowed):
        parts.append(spec.unit)
    if allowed and allowed != label:
        parts.append(allowed)
    return " ".join(parts)


def _status(met: bool | None) -> str:
    return {True: "达标", False: "未达标", None: "无法判断"}[met]





def veto_line(vetoed: bool | None) -> str:
    """The one-vote-veto verdict in the short summaries (CLI after a master is written, the demo)."""
    return {True: "被一票否决", False: "未触发一票否决", None: "一票否决无法判断（数据不全）"}[vetoed]


def _verdict(result: Result, kind: str, checks: list) -> str:  # noqa: ANN001
    if kind == "veto":
        return {True: "被一票否决", False: "未触发一票否决", None: "数据不全，无法判断是否一票否决"}[result.vetoed]
    if kind == "certification":
        return {True: "全部符合", False: "不符合", None: "数据不全，无法判断"}[result.certified]
    return f"达标 {sum(1 for c in checks if c.met)} / {len(checks)}"


def _unmet_lines(check) -> list[str]:  # noqa: ANN001 - CheckResult
    return [f"      {row['detail']}" for row in check.conditions if row["met"] is not True]


def score_text(result: Result, top_lost: int = 5) -> str:
    r = result.rubric
    lines = [f"{r.title}（{r.id}，版本 {r.version}）", ""]
    for s in result.section_scores():
        mark = "" if s["complete"] else "（有指标未计分）"
        head = "附加项：" if s["bonus"] else f"{s['number']}、"
        lines.append(f"  {head}{s['title']}：{points(s['score'])} / {points(s['max'])}{mark}")
    lines.append("")
    total = f"总分：{points(result.total)} / {points(r.grand_max)}"
    if r.bonus_max:
        total += f"（基本分 {points(result.base_score)} / {points(r.max_total)}，附加分 {points(result.bonus_score)} / {points(r.bonus_max)}）"
    lines.append(total)
    if not result.complete:
        missing = sum(1 for i in result.items if i.score is None)
        lines.append(f"注意：{missing} 项指标因数据缺失或有误未计分，总分偏低。")
    lost = sorted((i for i in result.items if i.lost and i.lost > 1e-9), key=lambda i: -(i.lost or 0))[:top_lost]
    if lost:
        lines += ["", "失分最多的指标："]
        lines += [
            f"  {i.title}：得 {points(i.score or 0)} / {points(i.max)}，失 {points(i.lost or 0)} 分" for i in lost
        ]
    for kind, heading in CHECK_KIND_LABELS.items():
        checks = [c for c in result.checks if c.kind == kind]
        if checks:
            lines += ["", f"{heading}：{_verdict(result, kind, checks)}"]
            for c in checks:
                lines.append(f"  [{_status(c.met)}] {c.title}")
                lines += _unmet_lines(c)
    if result.findings:
        lines += ["", f"问题清单（{len(result.findings)}）："]
        lines += [f"  {finding_line(f)}" for f in result.findings]
    return "\n".join(lines)


def plan_dict(plan: Plan) -> dict[str, object]:
    reg = plan.registry
    return {
        "rubric": plan.rubric.id,
        "registry": reg.id,
        "units": [
            {
                "unit": name,
                "short": reg.units[name].short,
                "kind": reg.units[name].kind,
                "items": [{"item": a.item, "role": a.role, "via": a.via} for a in rows],
            }
            for name, rows in plan.by_unit().items()
        ],
        "items": [{"item": item.id, "units": plan.units_for(item.id)} for item in plan.rubric.items],
        "findings": [f.to_dict() for f in plan.findings],
    }


def plan_text(plan: Plan) -> str:
    lines = [f"{plan.rubric.title}：责任分解（单位名录：{plan.registry.title or plan.registry.id}）", ""]
    for name, rows in plan.by_unit().items():
        unit = plan.registry.units[name]
        parts = []
        for role, label in ROLES.items():
            items = list(dict.fromkeys(a.item for a in rows if a.role == role))
            if items:
                parts.append(f"{label} {len(items)} 项：{'、'.join(items)}")
        lines.append(f"  {unit.label}（{name}）")
        lines += [f"      {p}" for p in parts]
    lines.append("")
    lines.append(f"共 {len(plan.by_unit())} 个单位，{len(plan.rubric.items)} 项指标。")
    if plan.findings:
        lines += ["", f"问题清单（{len(plan.findings)}）："]
        lines += [f"  {finding_line(f)}" for f in plan.findings]
    return "\n".join(lines)


STATUS_LABEL = {"accepted": "已采用", "rejected": "未采用", "duplicate": "重复文件（已处理过）"}


def consolidation_dict(summary) -> dict[str, object]:  # noqa: ANN001 - consolidate.Summary
    return {
        "dry_run": summary.dry_run,
        "files": [
            {
                "file": o.name, "hash": o.digest, "status": o.status, "unit": o.unit, "template": o.template,
                "values": o.values, "superseded": o.superseded, "findings": [f.to_dict() for f in o.findings],
            }
            for o in summary.outcomes
        ],
        "values": summary.values,
        "subject_values": summary.subject_values,  # a many-subject project: subject -> its settled figures
        "conflicts": [{"input": c.input, "round": c.round, "values": c.values} for c in summary.conflicts],
        "missing": summary.missing,
        "findings": [f.to_dict() for f in summary.findings],
    }  # fmt: skip


def consolidation_text(summary) -> str:  # noqa: ANN001 - consolidate.Summary
    counts = {k: sum(1 for o in summary.outcomes if o.status == k) for k in STATUS_LABEL}
    superseded = sum(1 for o in summary.outcomes if o.superseded)
    lines = [
        ("（校验模式，未写入任何内容）" if summary.dry_run else "")
        + f"读取文件 {len(summary.outcomes)} 个：已采用 {counts['accepted']}（其中重新报送 {superseded}），未采用 {counts['rejected']}，重复 {counts['duplicate']}"
    ]
    for o in summary.outcomes:
        if o.status == "rejected":
            reasons = "；".join(f.message for f in o.findings if f.severity is not Severity.INFO) or "未知原因"
            lines.append(f"  未采用：{o.name}：{reasons}")
    if summary.subject_values:  # a many-subject project: every subject's figures are its own
        counts = [len(v) for v in summary.subject_values.values()]
        lines.append(
            f"逐一考核 {len(counts)} 个对象，已确定的数据项每个对象 {min(counts)}–{max(counts)} 个（共 {sum(counts)} 个）；"
            f"冲突 {len(summary.conflicts)} 个"
        )
    else:
        lines.append(f"当前已确定的数据项 {len(summary.values)} 个；冲突 {len(summary.conflicts)} 个")
    if summary.missing:
        lines.append(f"尚缺数据的单位 {len(summary.missing)} 个：")
        for unit, inputs in summary.missing.items():
            lines.append(f"  {summary.unit_label(unit)}：缺 {len(inputs)} 项（{'、'.join(summary.labels(inputs[:6]))}{' 等' if len(inputs) > 6 else ''}）")
    findings = summary.findings
    if findings:
        lines += ["", f"问题清单（{len(findings)}）："]
        lines += [f"  {finding_line(f)}" for f in findings]
    return "\n".join(lines)


def master_lines(outcome) -> str:  # noqa: ANN001 - master.run.MasterOutcome
    """The few lines after a master is written: where it is, the total, vetoes, what to do next."""
    state = outcome.state
    result, rubric = state.result, state.project.rubric
    lines = []
    if outcome.path is None:
        lines.append("评分总表未能写入（见问题清单）。")
    else:
        kept = "（没有新数据，内容未变，未重写）" if outcome.unchanged else ""
        lines.append(f"评分总表：{outcome.path}{kept}")
    if state.project.subjects:
        lines.append(f"逐一考核 {len(state.project.subjects)} 个对象，各用自己的数据计分：排名见评分总表“排名”表，或运行 xinyong score 项目文件夹")
    elif rubric.scored:
        veto = veto_line(result.vetoed)
        scored = sum(1 for i in result.items if i.score is not None)
        lines.append(f"总分 {points(result.total)} / {points(rubric.grand_max)}；{veto}；已计分 {scored} / {len(result.items)} 项")
        ranked, _, unscored = grouped(state.recoveries)
        if ranked:
            best = ranked[0]
            lines.append(f"提分空间最大：{best.title}，可挽回 {points(best.gain)} 分（xinyong report 查看全部）")
        if unscored:
            lines.append(f"{UNSCORED}的指标 {len(unscored)} 项（{unscored_counts(unscored)}），补齐后才能计算可挽回分值（xinyong report 查看）")
    late = [u.label for u in state.units if u.late]
    if late:
        lines.append(f"逾期单位 {len(late)} 个：{'、'.join(late[:10])}{' 等' if len(late) > 10 else ''}（催报通知见评分总表“催报”表）")
    for f in outcome.findings:
        lines.append(finding_line(f))
    return "\n".join(lines)


def recovery_text(state, top: int = 15, reminders: bool = False) -> str:  # noqa: ANN001 - master.state.MasterState
    """提分空间 for the CLI and the ribbon: ranked plans first; lost points no data change wins back and
    items not scored yet (未计分) after them, unranked, `top` of each."""
    ranked, fixed, unscored = grouped(state.recoveries)
    lines = ["提分空间（按可挽回分值排序）："]
    if not state.project.rubric.scored:
        lines = ["任务清单没有分值，不计算提分空间。"]
    elif not state.recoveries:
        lines.append("  没有失分项。")
    elif not ranked:
        lines.append("  暂无可通过调整数据挽回的分值。")
    for k, rec in enumerate(ranked[:top], 1):
        lines.append(f"  {k}. {rec.title}：得 {points(rec.score or 0)} / {points(rec.max)}，可挽回 {points(rec.gain)} 分{_who(rec)}")
        lines += [f"       {step.text}" for step in rec.steps] or [f"       {rec.note}"]
    lines += _more(len(ranked), top, "项")
    if fixed:
        lines += ["", f"失分但无法通过调整数据挽回（{len(fixed)} 项）："]
        for rec in fixed[:top]:
            lines.append(f"  · {rec.title}：得 {points(rec.score or 0)} / {points(rec.max)}，失 {points(rec.lost)} 分；{rec.note}")
        lines += _more(len(fixed), top, "项")
    if unscored:
        lines += ["", f"{UNSCORED}的指标（{len(unscored)} 项，补齐数据后才能计算可挽回分值，不参与排名）："]
        for rec in unscored[:top]:
            lines += [f"  · {rec.title}（满分 {points(rec.max)} 分）：{rec.status}{_who(rec)}", f"       {rec.note}"]
        lines += _more(len(unscored), top, f"项{UNSCORED}")
    risky = [r for r in state.risks if r.at_risk]
    if risky:
        lines += ["", "硬指标风险（未达标或接近阈值）："]
        lines += [f"  {r.text}" for r in risky]
    return "\n".join(lines + reminder_lines(state.units, reminders))


def reminder_lines(units, reminders: bool = False) -> list[str]:  # noqa: ANN001 - master.progress.UnitProgress
    """The units that owe something, one line each (the notices themselves with `reminders`): the
    same units whose notices the master run saved."""
    owing = [u for u in units if u.reminder]
    if not owing:
        return []
    lines = ["", f"需催报的单位 {len(owing)} 个（通知文字已保存在项目文件夹的“{REMINDER_FOLDER}”中）："]
    for u in owing:
        owed = [f"缺数据项 {len(u.missing)} 项" if u.missing else "", f"逾期任务 {len(u.overdue)} 项" if u.overdue else ""]
        lines.append("，".join([f"  {u.label}：{u.status}", *filter(None, owed)]))
        if reminders:
            lines += ["", u.reminder, ""]
    return lines


def unscored_counts(unscored: list[Recovery]) -> str:
    """“缺数据 60 项，数据有误 6 项”: why the items are not scored, counted."""
    reasons = [r.unscored for r in unscored]
    return "，".join(f"{why} {reasons.count(why)} 项" for why in dict.fromkeys(reasons))


def _who(rec: Recovery) -> str:
    return f"（{'、'.join(rec.units)}）" if rec.units else ""


def _status_code(rec: Recovery) -> str:
    """For scripts: ranked (gain > 0), not-recoverable (scored, no data change wins points), unscored."""
    return "ranked" if rec.ranked else "unscored" if rec.score is None else "not-recoverable"


def _more(count: int, top: int, what: str) -> list[str]:
    return [f"  …… 另有 {count - top} {what}，见评分总表“提分空间”表"] if count > top else []


def master_dict(outcome) -> dict[str, object]:  # noqa: ANN001 - master.run.MasterOutcome
    state = outcome.state
    ranked, fixed, unscored = grouped(state.recoveries)
    rank = {id(r): k for k, r in enumerate(ranked, 1)}
    return {
        "master": str(outcome.path) if outcome.path else None,
        "formulas": "native",  # every master computes with built-in functions (kept for scripts that read it)
        "score": state.result.to_dict() if state.project.rubric.scored else None,
        "recoveries": [
            {
                "item": r.item, "title": r.title, "max": r.max, "score": r.score, "lost": r.lost,
                "gain": r.gain if r.score is not None else None,  # not known until the item can be scored
                "rank": rank.get(id(r)), "status": _status_code(r), "unscored": r.unscored or None,
                "units": r.units, "note": r.note,
                "steps": [{"input": s.input, "before": s.before, "after": s.after, "gain": s.gain, "text": s.text, "units": s.units} for s in r.steps],
            }
            for r in ranked + fixed + unscored
        ],
        "risks": [
            {"check": r.check, "kind": r.kind, "label": r.label, "value": r.value, "threshold": r.threshold, "met": r.met,
             "margin": r.margin, "at_risk": r.at_risk, "text": r.text}
            for r in state.risks
        ],
        "units": [
            {"unit": u.unit, "label": u.label, "status": u.status, "late": u.late, "missing": u.missing,
             "overdue": [t.item.id for t in u.overdue], "last_file": u.last_file, "last_at": u.last_at, "reminder": u.reminder}
            for u in state.units
        ],
        "trend": [{"round": t.round, "total": t.total, "sections": t.sections} for t in state.trend],
        "findings": [f.to_dict() for f in state.findings],
    }  # fmt: skip


def check_summary(findings, title: str) -> str:  # noqa: ANN001 - udfs.findings.Findings
    """The last line of a rubric check: problems counted apart from the readings listed for review."""
    problems = [f for f in findings if f.severity is not Severity.INFO]
    hints = len(findings) - len(problems)
    head = f"{title}：发现 {len(problems)} 个问题" if problems else f"{title}：检查通过，未发现问题"
    return f"{head}；列出 {hints} 条提示（主要是文件没有定下、由指标体系选定的读法，发出结果前请复核）。" if hints else f"{head}。"

