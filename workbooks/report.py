"""Text and JSON views of rubrics and scores, for the command line and scripts."""

from __future__ import annotations

from udfs.evaluate import Result
from udfs.findings import Finding, Severity
from udfs.rubric import Rubric

SEVERITY_LABEL = {Severity.ERROR: "错误", Severity.WARNING: "警告", Severity.INFO: "提示"}


def finding_line(f: Finding) -> str:
    where = f.location()
    return f"[{SEVERITY_LABEL[f.severity]}] {f.code}：{f.message}" + (f"（{where}）" if where else "")


def rubric_dict(r: Rubric) -> dict[str, object]:
    return {
        "id": r.id,
        "title": r.title,
        "version": r.version,
        "sources": r.sources,
        "max_total": r.max_total,
        "bonus_max": r.bonus_max,
        "parameters": [
            {"id": p.id, "label": p.label, "value": p.value, "choices": p.choices, "decision": p.decision}
            for p in r.parameters.values()
        ],
        "sections": [
            {
                "id": s.id,
                "number": s.number,
                "title": s.title,
                "max": s.max,
                "bonus": s.bonus,
                "groups": [{"id": g.id, "title": g.title, "max": g.max} for g in s.groups],
                "items": [
                    {
                        "id": i.id,
                        "title": i.title,
                        "max": i.max,
                        "group": i.group,
                        "formula": i.formula,
                        "standard": i.standard,
                        "details": i.details,
                        "tasks": i.tasks,
                        "units": i.units,
                        "evidence": i.evidence,
                        "decision": i.decision,
                    }
                    for i in s.items
                ],
            }
            for s in r.sections
        ],
        "inputs": [
            {
                "id": spec.id,
                "label": spec.label,
                "type": spec.type,
                "unit": spec.unit,
                "min": spec.min,
                "max": spec.max,
                "length": spec.length,
                "range": spec.range_text(),
                "providers": spec.providers,
                "note": spec.note,
            }
            for spec in r.inputs.values()
        ],
        "checks": [
            {
                "id": c.id,
                "kind": c.kind,
                "number": c.number,
                "title": c.title,
                "items": c.items,
                "conditions": [
                    {"label": k.label, "value": k.value, "op": k.op, "threshold": k.threshold, "unit": k.unit}
                    for k in c.conditions
                ],
                "decision": c.decision,
            }
            for c in r.checks
        ],
    }


def _status(met: bool | None) -> str:
    return {True: "达标", False: "未达标", None: "无法判断"}[met]


def points(x: float) -> str:
    """Scores as office staff read them: two decimals, no trailing zeros."""
    return f"{x:.2f}".rstrip("0").rstrip(".")


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
    lines.append(
        f"总分：{points(result.total)} / {points(r.grand_max)}"
        f"（基本分 {points(result.base_score)} / {points(r.max_total)}，附加分 {points(result.bonus_score)} / {points(r.bonus_max)}）"
    )
    if not result.complete:
        missing = sum(1 for i in result.items if i.score is None)
        lines.append(f"注意：{missing} 项指标因数据缺失或有误未计分，总分偏低。")
    lost = sorted((i for i in result.items if i.lost and i.lost > 1e-9), key=lambda i: -(i.lost or 0))[:top_lost]
    if lost:
        lines += ["", "失分最多的指标："]
        lines += [
            f"  {i.title}：得 {points(i.score or 0)} / {points(i.max)}，失 {points(i.lost or 0)} 分" for i in lost
        ]
    vetoes = [c for c in result.checks if c.kind == "veto"]
    if vetoes:
        verdict = {True: "被一票否决", False: "未触发一票否决", None: "数据不全，无法判断是否一票否决"}[result.vetoed]
        lines += ["", f"基础性指标（一票否决）：{verdict}"]
        for c in vetoes:
            lines.append(f"  [{_status(c.met)}] {c.title}")
            lines += _unmet_lines(c)
    targets = [c for c in result.checks if c.kind == "target"]
    if targets:
        done = sum(1 for c in targets if c.met)
        lines += ["", f"引导性指标：达标 {done} / {len(targets)}"]
        for c in targets:
            lines.append(f"  [{_status(c.met)}] {c.title}")
            lines += _unmet_lines(c)
    certification = [c for c in result.checks if c.kind == "certification"]
    if certification:
        verdict = {True: "全部符合", False: "不符合", None: "数据不全，无法判断"}[result.certified]
        lines += ["", f"认定条件：{verdict}"]
        for c in certification:
            lines.append(f"  [{_status(c.met)}] {c.title}")
            lines += _unmet_lines(c)
    if result.findings:
        lines += ["", f"问题清单（{len(result.findings)}）："]
        lines += [f"  {finding_line(f)}" for f in result.findings]
    return "\n".join(lines)
