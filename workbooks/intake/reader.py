"""Reading a returned workbook's few parts that matter, in a child process with limits.

Only what the consolidator needs is parsed, straight from the zip with a DTD-refusing streaming
XML parser: the workbook part (sheet names, defined names), shared strings, and the identity,
task and input sheets. Formulas are never evaluated here: a formula cell yields its formula text
and its cached value, if any. The parse runs in a forked child with an address-space limit and a
time limit, so a file that slips past the pre-scan can only fail itself, never the batch.

The limits hold on their own, without the pre-scan: each part is inflated only up to the pre-scan's
per-part cap, only cells with content are kept and their number is capped, and the result handed
back is capped in size, so what the consolidating process receives stays small whatever the file.
The address-space limit is a budget on top of what the process already maps when it forks (a
process that has loaded numpy can map far more than it uses), not an absolute figure.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import posixpath
import resource
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from .prescan import MAX_PART_BYTES

NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
WANTED_SHEETS = ("任务清单", "数据填报", "xinyong_id")
MEMORY_LIMIT = 768 * 1024 * 1024  # what the reading child may map beyond what it inherits
TIME_LIMIT = 30.0
MAX_CELLS = 100_000  # cells with content over the sheets read; a unit workbook has a few thousand
MAX_RESULT_BYTES = 32 * 1024 * 1024  # the parse result handed back to the consolidating process


@dataclass
class Cell:
    value: Any  # str, float, bool, or None; error values as "#DIV/0!" with kind "e"
    kind: str  # "s" text, "n" number, "b" boolean, "e" error, "" blank
    formula: str | None = None


@dataclass
class Parsed:
    sheets: list[str] = field(default_factory=list)
    defined: dict[str, str] = field(default_factory=dict)
    structure_locked: bool = False
    cells: dict[str, dict[str, Cell]] = field(default_factory=dict)  # sheet -> coordinate -> cell


class ReadFailure(Exception):
    """Why a file could not be read; `detail`: a traceback for the log (file-internal-error only)."""

    def __init__(self, code: str, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.detail = detail


class InternalError(Exception):
    """In the child: the tool's own code failed on this file (not the file's fault as far as we know);
    carries the exception type and the traceback out of the child."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(kind)
        self.kind, self.detail = kind, detail


class TooLarge(Exception):
    """In the child: a part, the cells kept or the result exceed their cap."""


class _Capped:
    """A part's stream that refuses to inflate more than the per-part cap."""

    def __init__(self, fh, name: str) -> None:  # noqa: ANN001
        self.fh, self.name, self.seen = fh, name, 0

    def read(self, size: int = -1) -> bytes:
        data = self.fh.read(65536 if size is None or size < 0 else min(size, 65536))
        self.seen += len(data)
        if self.seen > MAX_PART_BYTES:
            raise TooLarge(f"部件 {self.name} 解压后超过 {MAX_PART_BYTES // 1048576} MB（疑似压缩炸弹），未读取")
        return data


def _iter(archive, name: str):  # noqa: ANN001, ANN202
    with archive.open(name) as fh:
        yield from iterparse(
            _Capped(fh, name), events=("end",), forbid_dtd=True, forbid_entities=True, forbid_external=True
        )


def _text(elem) -> str:  # noqa: ANN001
    return "".join(t.text or "" for t in elem.iter(f"{NS}t"))


def parse_workbook(path: str, sheets: tuple[str, ...] = WANTED_SHEETS) -> Parsed:
    """The parse itself (runs in the child)."""
    import zipfile

    result = Parsed()
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        rels: dict[str, str] = {}
        if "xl/_rels/workbook.xml.rels" in names:
            for _, el in _iter(archive, "xl/_rels/workbook.xml.rels"):
                if el.tag == f"{PKG_REL}Relationship":
                    target = el.get("Target", "")
                    # relative to xl/ (Excel, XlsxWriter) or absolute from the package root (openpyxl)
                    path = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
                    rels[el.get("Id", "")] = posixpath.normpath(path)
        sheet_paths: dict[str, str] = {}
        for _, el in _iter(archive, "xl/workbook.xml"):
            if el.tag == f"{NS}sheet":
                name = el.get("name", "")
                result.sheets.append(name)
                sheet_paths[name] = rels.get(el.get(f"{REL_NS}id", ""), "")
            elif el.tag == f"{NS}definedName" and el.get("localSheetId") is None:
                result.defined[el.get("name", "")] = (el.text or "").strip()
            elif el.tag == f"{NS}workbookProtection":
                result.structure_locked = el.get("lockStructure") in ("1", "true")
        shared: list[str] = []
        if "xl/sharedStrings.xml" in names:
            for _, el in _iter(archive, "xl/sharedStrings.xml"):
                if el.tag == f"{NS}si":
                    shared.append(_text(el))
                    el.clear()
        budget = [MAX_CELLS]
        for sheet in sheets:
            part = sheet_paths.get(sheet)
            if part and part in names:
                result.cells[sheet] = _cells(archive, part, shared, budget)
    return result


def _cells(archive, part: str, shared: list[str], budget: list[int]) -> dict[str, Cell]:  # noqa: ANN001
    """The cells with content (a value or a formula): a blank cell reads the same as an absent one."""
    cells: dict[str, Cell] = {}
    for _, el in _iter(archive, part):
        if el.tag == f"{NS}row":
            el.clear()  # its cells are read: let them go
            continue
        if el.tag != f"{NS}c":
            continue
        ref, kind = el.get("r", ""), el.get("t", "n")
        f = el.find(f"{NS}f")
        v = el.find(f"{NS}v")
        raw = v.text if v is not None else None
        formula = (f.text or "") if f is not None else None
        if kind == "s" and raw is not None:
            index = int(raw)
            cell = Cell(shared[index] if 0 <= index < len(shared) else "", "s", formula)
        elif kind == "inlineStr":
            cell = Cell(_text(el), "s", formula)
        elif kind == "str":
            cell = Cell(raw, "s" if raw is not None else "", formula)
        elif kind == "b":
            cell = Cell(raw == "1", "b", formula) if raw is not None else Cell(None, "", formula)
        elif kind == "e":
            cell = Cell(raw, "e", formula)
        elif raw is not None:
            cell = Cell(float(raw), "n", formula)
        else:
            cell = Cell(None, "", formula)
        el.clear()
        if cell.value is None and cell.formula is None:
            continue
        if ref not in cells:
            budget[0] -= 1
            if budget[0] < 0:
                raise TooLarge(f"工作表中有内容的单元格超过 {MAX_CELLS} 个（不是下发的任务分解表或被改动过），未读取")
        cells[ref] = cell
    return cells


def _address_space() -> int:
    """Bytes this process maps now (Linux); 0 where that cannot be read."""
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _limit_memory() -> None:
    """MEMORY_LIMIT more than the child maps when it starts (an absolute limit below what the consolidator
    already maps would fail every allocation, and every good file with it)."""
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = _address_space() + MEMORY_LIMIT
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _die_with_parent() -> None:
    """Linux: the child is killed when the consolidator dies, so it never outlives it holding the lock."""
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _child(job: Callable[[], Any], conn, parent_end) -> None:  # noqa: ANN001
    # The parent's end is closed at once: if the consolidator dies, a write here fails instead of
    # blocking forever on a full pipe (which kept the inherited project lock held).
    parent_end.close()
    _die_with_parent()
    try:
        _limit_memory()
        cpu = int(TIME_LIMIT) + 5
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
        data = pickle.dumps(("ok", job()), protocol=pickle.HIGHEST_PROTOCOL)
        if len(data) > MAX_RESULT_BYTES:
            raise TooLarge(f"文件内容超过 {MAX_RESULT_BYTES // 1048576} MB（不是下发的任务分解表或被改动过），未读取")
        message: bytes | tuple[str, object] = data
    except TooLarge as exc:
        message = ("error", ("file-too-large", str(exc), ""))
    except DefusedXmlException:
        message = ("error", ("file-unsafe-xml", "文件含有不安全的 XML 声明（DTD/实体），未读取", ""))
    except MemoryError:
        message = ("error", ("file-too-large", "读取时超出内存上限（疑似压缩炸弹），未读取", ""))
    except InternalError as exc:
        message = ("error", ("file-internal-error", f"处理文件时工具内部出错（{exc.kind}），已跳过此文件", exc.detail))
    except Exception as exc:  # noqa: BLE001 - any failure of an untrusted file is a finding, not a crash
        message = ("error", ("file-damaged", f"文件内容无法解析：{type(exc).__name__}", ""))
    try:
        conn.send_bytes(message if isinstance(message, bytes) else pickle.dumps(message))
    except OSError:
        pass  # the consolidator is gone; nothing to report to
    finally:
        conn.close()


def run_isolated(job: Callable[[], Any], timeout: float = TIME_LIMIT) -> Any:
    """`job()` in a forked child with memory and time limits: its result, or ReadFailure on anything
    else. Everything computed from a returned file's content runs this way, so a file can only fail
    itself, never the consolidating process."""
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(job, child, parent), daemon=True)
    proc.start()
    child.close()
    try:
        if not parent.poll(timeout):
            proc.kill()
            raise ReadFailure("file-timeout", f"读取超过 {timeout:g} 秒未完成，已中止")
        try:
            status, payload = pickle.loads(parent.recv_bytes(MAX_RESULT_BYTES))
        except (EOFError, OSError):
            raise ReadFailure("file-damaged", "读取文件的进程意外退出（文件可能已损坏或过大）") from None
    finally:
        proc.join(5)
        if proc.is_alive():
            proc.kill()
        parent.close()
    if status == "ok":
        return payload
    raise ReadFailure(*payload)


def read_isolated(path: Path, timeout: float = TIME_LIMIT, sheets: tuple[str, ...] = WANTED_SHEETS) -> Parsed:
    """Parse in the limited child; ReadFailure on anything but success.
    `sheets`: the sheets whose cells are read (a unit workbook's by default; the master's for read-back)."""
    return run_isolated(partial(parse_workbook, str(path), sheets), timeout)
