"""From a parsed returned workbook to what it says: who sent it, is it a good template, and the
typed values and task statuses in it, each with its sheet and cell.

Recognition is by the hidden identity, never the file name. A file whose own structure no longer
matches its signature was tampered with; a good file whose signature differs from today's
template for that unit is an outdated template, consolidated as far as its inputs still map.
"""

from __future__ import annotations

import re
import traceback
from dataclasses import dataclass, field
from functools import lru_cache

from udfs.findings import Findings, Severity
from udfs.rubric import InputSpec, Rubric
from udfs.values import ValueProblem, implausible, is_blank, reading_note, type_value

from ..generate.identity import IDENTITY_SHEET, Identity, Layout, norm_ref
from ..generate.subject_rows import split_name
from ..generate.unit_workbook import INPUTS, STATUS_CHOICES, TASKS
from ..ledger.store import value_json
from .reader import Cell, InternalError, Parsed, TooLarge, parse_workbook

_CELL = re.compile(r"\$?([A-Z]{1,3})\$?(\d+)")


@lru_cache(maxsize=1 << 16)
def _place(ref: str) -> tuple[str, int] | None:
    """(column, row) of a cell reference; the same references recur in every file of a project."""
    m = _CELL.fullmatch(ref)
    return (m.group(1), int(m.group(2))) if m else None

MAX_NAME_ROWS = 100  # rows a defined name may cover: the template writes one, or one per period (at most a few dozen)


@dataclass
class Value:
    input: str
    value: object
    raw: str
    sheet: str
    cell: str
    json: str = ""  # the value as the ledger stores it, made here, in the reading worker
    subject: str = ""  # a third party's figure for this subject of a many-subject project; "" its own

    def __post_init__(self) -> None:
        if not self.json:
            self.json = value_json(self.value)


@dataclass
class TaskState:
    item: str
    status: str
    note: str
    cell: str


@dataclass
class Extracted:
    identity: Identity | None
    template: str  # current | outdated | tampered | foreign | none
    values: list[Value] = field(default_factory=list)
    tasks: list[TaskState] = field(default_factory=list)
    findings: Findings = field(default_factory=Findings)


def identity_of(parsed: Parsed) -> Identity | None:
    cells = parsed.cells.get(IDENTITY_SHEET, {})
    rows: dict[str, str] = {}
    for ref, cell in cells.items():
        m = _CELL.fullmatch(ref)
        if m and m.group(1) == "A" and cell.value is not None:
            value = cells.get(f"B{m.group(2)}")
            rows[str(cell.value)] = "" if value is None or value.value is None else str(value.value)
    if not {"unit", "rubric", "signature", "project_id"} <= rows.keys():
        return None
    try:
        return Identity.from_rows(rows)
    except TypeError:  # a field the identity needs is missing: no identity, as when the sheet is gone
        return None


def layout_of(parsed: Parsed, identity: Identity) -> Layout:
    layout = Layout(identity.rubric, identity.rubric_version, identity.unit, list(parsed.sheets))
    layout.subjects = identity.subject_rows()
    layout.inputs = {name: norm_ref(ref) for name, ref in parsed.defined.items() if not name.startswith("_xlnm")}
    tasks = parsed.cells.get(TASKS, {})
    places = [(ref, *place) for ref in tasks if (place := _place(ref))]
    header = {tasks[ref].value: col for ref, col, row in places if row == 2}  # only these cells are decoded
    id_col, status_col = header.get("item_id"), header.get("完成状态")
    if id_col and status_col:
        for ref, col, row in places:
            if col == id_col and row >= 3 and (item := tasks[ref].value):
                layout.tasks[str(item)] = f"{TASKS}!${status_col}${row}"
    return layout


def read_back(path: str) -> tuple[Identity | None, Layout | None]:
    """The identity a file claims and the layout it actually has, read as intake reads them."""
    parsed = parse_workbook(path)
    identity = identity_of(parsed)
    return identity, (layout_of(parsed, identity) if identity else None)


def _cells_of(ref: str, limit: int) -> tuple[str, list[str]]:
    """The cells a defined name covers, one column; more than `limit` rows (the template writes one
    cell, or one row per period) is a layout the generator never wrote: LayoutForged, raised before
    any list is built (a name over F3:F2000000000 would otherwise build two billion cell names)."""
    sheet, _, area = norm_ref(ref).partition("!")
    parts = [p.replace("$", "") for p in area.split(":")]
    m1 = _CELL.fullmatch(parts[0])
    if len(parts) == 1 or not m1:
        return sheet, [parts[0]]
    m2 = _CELL.fullmatch(parts[1])
    if not m2 or m1.group(1) != m2.group(1):
        return sheet, [parts[0]]
    first, last = int(m1.group(2)), int(m2.group(2))
    if not 0 <= last - first < limit:
        raise LayoutForged(f"“{ref[:60]}”覆盖 {last - first + 1} 行，下发的表最多 {limit} 行")
    return sheet, [f"{m1.group(1)}{row}" for row in range(first, last + 1)]


class LayoutForged(Exception):
    """The file's structure is one the generator never writes, though its signature matched."""


def _raw(cell: Cell | None) -> object:
    if cell is None:
        return None
    return cell.value


@dataclass(frozen=True)
class IntakeContext:
    """What reading any returned file of the project needs besides the file (picklable, so it can
    travel to a worker process)."""

    rubric: Rubric
    project_id: str
    round: str
    expected: dict[str, str]  # unit -> signature of today's template for that unit
    key: bytes | None  # the project's signing key


INTAKE = "intake"  # the name the project's IntakeContext is kept under in each reading worker


def read_and_extract(path: str, file: str, ctx: IntakeContext | None = None) -> Extracted:
    """The whole reading of one returned file, run in a reading worker (intake.pool): parse,
    then everything computed from the content. A failure of the parse is the file's (damaged); a
    failure after it is the tool's, carried out as InternalError with its traceback for the log."""
    if ctx is None:  # in a reading worker: the context the pool sent once (worker.Setup)
        from .worker import STORE

        ctx = STORE[INTAKE]
    parsed = parse_workbook(path)
    try:
        return extract(parsed, ctx.rubric, ctx.project_id, ctx.round, ctx.expected, file, ctx.key)
    except (TooLarge, MemoryError):
        raise
    except Exception as exc:  # noqa: BLE001 - becomes the file's finding; the batch goes on
        raise InternalError(type(exc).__name__, traceback.format_exc()) from None


def extract(
    parsed: Parsed,
    rubric: Rubric,
    project_id: str,
    round_name: str,
    expected: dict[str, str],
    file: str,
    key: bytes | None = None,
) -> Extracted:
    """`expected`: unit -> signature of today's template for that unit; `key`: the project's signing
    key (None for a project made before keys), so a layout forged outside the tool cannot carry a
    valid signature."""
    identity = identity_of(parsed)
    if identity is None:
        result = Extracted(None, "none")
        result.findings.add("file-not-unit-workbook", "不是下发的任务分解表（没有识别标识），未读取", file=file)
        return result
    result = Extracted(identity, "current")
    where = {"file": file}
    if identity.project_id != project_id:
        result.template = "foreign"
        result.findings.add(
            "file-other-project", f"这是其他评估项目的表（项目标识 {identity.project_id}），未读取", **where
        )
        return result
    if identity.round != round_name:
        result.template = "foreign"
        result.findings.add(
            "file-other-round",
            f"这是“{identity.round}”轮次的表，不是本轮“{round_name}”，未读取；请该单位用本轮下发的表报送"
            "（按月报送的项目开始新一轮时，该单位上一轮填报的状态和说明已带入新表）",
            **where,
        )
        return result
    if identity.unit not in expected:
        result.template = "foreign"
        result.findings.add("file-unknown-unit", f"表中的单位“{identity.unit}”不在本项目的下发名单中，未读取", **where)
        return result
    layout = layout_of(parsed, identity)
    if layout.signature(key) != identity.signature:
        return _tampered(result, identity, where)
    if identity.signature != expected[identity.unit] or identity.rubric_version != rubric.version:
        result.template = "outdated"
        result.findings.add(
            "file-outdated-template",
            f"{identity.unit_short}使用的是旧版任务分解表，能对应上的数据已采用；请以后使用最新下发的表",
            Severity.WARNING,
            **where,
        )
    try:
        _values(parsed, rubric, result, file, layout.subjects)
        _tasks(parsed, layout, result, file)
    except LayoutForged as forged:
        return _tampered(Extracted(identity, "current"), identity, where, str(forged))
    return result


def _tampered(result: Extracted, identity: Identity, where: dict[str, str], why: str = "") -> Extracted:
    result.template = "tampered"
    result.findings.add(
        "file-tampered",
        f"{identity.unit_short}的表结构被改动过（工作表、填报单元格或任务行与下发时不一致{'：' + why if why else ''}），"
        "未读取；请用原表重新填报",
        **where,
    )
    return result


def _values(parsed: Parsed, rubric: Rubric, result: Extracted, file: str, subjects: dict[str, str]) -> None:
    """`subjects`: a third party's subject rows (row key -> subject), from the signed layout."""
    for name, ref in parsed.defined.items():
        spec = rubric.inputs.get(name)
        subject = ""
        if spec is None and (split := split_name(name)) and split[1] in subjects:
            spec, subject = rubric.inputs.get(split[0]), subjects[split[1]]
        if spec is None:
            if not name.startswith("_xlnm"):
                result.findings.add(
                    "input-unknown",
                    f"表中的数据项“{name}”已不在当前指标体系中，未采用",
                    Severity.WARNING,
                    file=file,
                    input=name,
                )
            continue
        sheet, coords = _cells_of(ref, MAX_NAME_ROWS)
        cells = [parsed.cells.get(sheet, {}).get(c) for c in coords]
        loc = {
            "file": file,
            "sheet": sheet,
            "cell": coords[0],
            "input": spec.id,
            "expected": spec.range_text() or spec.type,
        }
        raws = []
        usable = True
        for coord, cell in zip(coords, cells, strict=True):
            raw, ok = _cell_value(cell, spec, result.findings, {**loc, "cell": coord})
            usable &= ok
            raws.append(raw)
        if not usable:
            continue
        raw_value: object = [r for r in raws if not is_blank(r)] if spec.type == "list" else raws[0]
        if is_blank(raw_value) or raw_value == []:
            continue  # not filled: reported as missing by the summary, not as an error here
        try:
            typed = type_value(spec, raw_value)
        except ValueProblem as problem:
            whose = f"（{subject}）" if subject else ""
            result.findings.add(problem.code, f"“{spec.label}”{whose}填写为“{_show(raw_value)}”：{problem.reason}", **loc)
            continue
        if note := reading_note(spec, raw_value):  # 720件, 24.8亿元: how it was read, in the file's provenance
            whose = f"（{subject}）" if subject else ""
            result.findings.add("input-unit-read", f"“{spec.label}”{whose}{note}", Severity.INFO, **loc)
        if why := implausible(spec, typed):
            whose = f"（{subject}）" if subject else ""
            loc = {**loc, "expected": spec.plausible_text()}
            result.findings.add("input-implausible", f"“{spec.label}”{whose}填写为“{_show(raw_value)}”，{why}", Severity.WARNING, **loc)
        result.values.append(Value(spec.id, typed, _show(raw_value), sheet, coords[0], subject=subject))


def _cell_value(cell: Cell | None, spec: InputSpec, findings: Findings, loc: dict[str, str]) -> tuple[object, bool]:
    if cell is None:
        return None, True
    if cell.kind == "e":
        findings.add("input-wrong-type", f"“{spec.label}”单元格显示错误值 {cell.value}", **loc)
        return None, False
    if cell.formula is not None:
        if cell.kind:
            findings.add(
                "input-formula",
                f"“{spec.label}”单元格是公式（={cell.formula}），采用其保存的计算结果；公式本身未执行",
                Severity.WARNING,
                **loc,
            )
            return cell.value, True
        return _evaluate_constant_formula(cell.formula, spec, findings, loc)
    return cell.value, True


def _evaluate_constant_formula(
    formula: str, spec: InputSpec, findings: Findings, loc: dict[str, str]
) -> tuple[object, bool]:
    """A formula without a saved result: evaluated by `formulas` only when it refers to nothing."""
    from udfs.engines.formulas_engine import FormulasFormula

    try:
        compiled = FormulasFormula("=" + formula)
        if compiled.inputs:
            raise ValueError("refers to cells")
        value = compiled({})
    except Exception:  # noqa: BLE001 - any formula we cannot evaluate safely is reported, not guessed
        findings.add(
            "input-formula-unevaluated",
            f"“{spec.label}”单元格是公式（={formula}）且没有保存结果，无法采用；请填写数值",
            **loc,
        )
        return None, False
    if type(value).__name__ == "XlError":
        findings.add("input-formula-unevaluated", f"“{spec.label}”单元格的公式（={formula}）计算出错，无法采用", **loc)
        return None, False
    findings.add(
        "input-formula",
        f"“{spec.label}”单元格是公式（={formula}）且没有保存结果，已另行计算为 {value}",
        Severity.WARNING,
        **loc,
    )
    return value, True


def _tasks(parsed: Parsed, layout: Layout, result: Extracted, file: str) -> None:
    cells = parsed.cells.get(TASKS, {})
    for item, ref in layout.tasks.items():
        coord = ref.split("!")[1].replace("$", "")
        status_cell = cells.get(coord)
        m = _CELL.fullmatch(coord)
        if m is None or len(m.group(1)) != 1:
            raise LayoutForged(f"任务“{item[:40]}”的状态单元格在 {coord[:20]}")  # the template's columns are A–J
        note_col = chr(ord(m.group(1)) + 1)
        note_cell = cells.get(f"{note_col}{m.group(2)}")
        status = "" if status_cell is None or status_cell.value is None else str(status_cell.value).strip()
        if status and status not in STATUS_CHOICES:
            result.findings.add(
                "task-status-invalid",
                f"任务“{item}”的完成状态“{status}”不是“未开始/推进中/已完成”之一，按未填处理",
                Severity.WARNING,
                file=file,
                sheet=TASKS,
                cell=coord,
                item=item,
            )
            status = ""
        note = "" if note_cell is None or note_cell.value is None else str(note_cell.value)
        if note_cell is not None and note_cell.formula is not None and not note:
            note = f"={note_cell.formula}"  # a note typed with a leading '=' is kept as the text typed, never run
        result.tasks.append(TaskState(item, status, note, coord))


def _show(value: object) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return "、".join(_show(v) for v in value)
    return str(value)


__all__ = ["INPUTS", "Extracted", "TaskState", "Value", "IntakeContext", "extract", "identity_of", "layout_of", "read_and_extract", "read_back"]
