"""The function reference and the findings catalogue, generated from the code so they cannot drift.

    python -m udfs.reference          rewrite docs/functions.md and docs/findings.md

A test regenerates both and compares them with the committed files, and checks that every XY_
function and every finding code is in them.
"""

from __future__ import annotations

import inspect
import re
import sys
from pathlib import Path

from . import finding_codes
from .engines.native import emit
from .finding_codes import CATALOGUE
from .formula import parse
from .vocabulary import REGISTRY, XYInputError
from .vocabulary.examples import CASES, Cells, Raw

DOCS = Path(__file__).resolve().parents[1] / "docs"
KIND = {"named": "指标细则中的计分规则", "generic": "通用计分函数"}


def _arg_text(arg: object) -> str:
    if isinstance(arg, Cells):
        return "{" + ", ".join("空" if v is None else _arg_text(v) for v in arg.values) + "}"
    if isinstance(arg, Raw):
        return arg.text
    if isinstance(arg, bool):
        return "TRUE" if arg else "FALSE"
    if isinstance(arg, str):
        return f'"{arg}"'
    return f"{arg:g}" if isinstance(arg, float) else str(arg)


def function_reference() -> str:
    lines = [
        "# XY_ 计分函数参考（Function reference）",
        "",
        "由 `python -m udfs.reference` 根据代码生成，请勿手工修改。每个函数在 Excel（装 xinyong 加载项）、",
        "项目自己的计算引擎、`formulas` 包中结果相同；评分总表的原生函数版（`--formulas native`）把它展开为下列 Excel 原生公式。",
        "参数中的比例可以填 85% 或 0.85；数据不符合计分规则时返回“#输入错误: 原因”。",
        "",
    ]
    for kind in ("named", "generic"):
        lines += [f"## {KIND[kind]}", ""]
        for fn in (f for f in REGISTRY.values() if f.kind == kind):
            names = [a.name for a in fn.args]
            lines += [f"### `{fn.name}({', '.join(names)})`", "", fn.summary, ""]
            doc = inspect.getdoc(fn.func)
            if doc:
                lines += [doc, ""]
            lines += ["| 参数 | 含义 | 单位 |", "| --- | --- | --- |"]
            for a in fn.args:
                flags = "（可选）" if a.optional else "（可多个）" if a.variadic else ""
                lines.append(f"| `{a.name}` | {a.description}{flags} | {a.unit or '—'} |")
            lines += ["", f"返回：{fn.returns}。依据：{fn.source}", ""]
            required = [a.name for a in fn.args if not a.optional]
            try:
                native = "=" + emit(parse(f"={fn.name}({','.join(required)})"), native=True)
            except XYInputError as exc:  # e.g. a step mode must be a fixed text when the formula is written
                native = f"（{exc}）"
            lines += ["原生 Excel 公式（可选参数取默认值）：", "", "```", native, "```", ""]
            cases = [c for c in CASES if c.name == fn.name]
            if cases:
                lines += ["算例（来自指标细则的阈值与边界）：", "", "| 调用 | 结果 | 说明 |", "| --- | --- | --- |"]
                for c in cases:
                    call = f"{fn.name}({', '.join(_arg_text(a) for a in c.args)})"
                    expected = c.expected if isinstance(c.expected, str) else f"{c.expected:.6g}"
                    lines.append(f"| `{call}` | {expected} | {c.basis} |")
                lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _groups() -> list[tuple[str, list[str]]]:
    """The catalogue's own sections (its comment lines), in order."""
    groups: list[tuple[str, list[str]]] = []
    for line in inspect.getsource(finding_codes).splitlines():
        if m := re.match(r"\s{4}# (.+)$", line):
            groups.append((m.group(1), []))
        elif (m := re.match(r'\s{4}"([a-z0-9-]+)": \(', line)) and groups:
            groups[-1][1].append(m.group(1))
    return groups


SECTION_TITLES = {
    "rubric files": "指标体系文件",
    "input sets": "数据",
    "unit registry and responsibility": "单位名录与责任分解",
    "project settings": "项目设置",
    "returned files": "回收的文件",
    "the master scoring workbook": "评分总表",
    "scoring": "计分",
}


def findings_catalogue() -> str:
    lines = [
        "# 问题代码一览（Findings catalogue）",
        "",
        "由 `python -m udfs.reference` 根据 `udfs/finding_codes.py` 生成，请勿手工修改。每个问题都有固定代码、严重程度",
        "（错误：结果缺失或有误，需要处理；警告：结果成立，但需要人看一下；提示：供参考）、位置（文件、工作表、单元格、指标、数据项）和中文说明。",
        "",
    ]
    listed = set()
    for title, codes in _groups():
        lines += [f"## {SECTION_TITLES.get(title, title)}", "", "| 代码 | 含义 | 怎么办 |", "| --- | --- | --- |"]
        for code in codes:
            meaning, action = CATALOGUE[code]
            lines.append(f"| `{code}` | {meaning} | {action} |")
            listed.add(code)
        lines.append("")
    missing = sorted(set(CATALOGUE) - listed)
    if missing:
        raise ValueError(f"codes outside a catalogue section: {missing}")
    return "\n".join(lines).rstrip() + "\n"


def write(docs: Path = DOCS) -> list[Path]:
    out = [docs / "functions.md", docs / "findings.md"]
    out[0].write_text(function_reference(), encoding="utf-8")
    out[1].write_text(findings_catalogue(), encoding="utf-8")
    return out


if __name__ == "__main__":  # pragma: no cover
    for path in write(Path(sys.argv[1]) if len(sys.argv) > 1 else DOCS):
        print(path)
