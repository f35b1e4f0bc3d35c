"""Reading a returned workbook's few parts that matter, in a child process with limits.

Only what the consolidator needs is parsed, straight from the zip with a DTD-refusing streaming
XML parser: the workbook part (sheet names, defined names), shared strings, and the identity,
task and input sheets. Formulas are never evaluated here: a formula cell yields its formula text
and its cached value, if any. The parse runs in a forked child with an address-space limit and a
time limit, so a file that slips past the pre-scan can only fail itself, never the batch.
"""

from __future__ import annotations

import multiprocessing
import posixpath
import resource
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
WANTED_SHEETS = ("任务清单", "数据填报", "xinyong_id")
MEMORY_LIMIT = 768 * 1024 * 1024
TIME_LIMIT = 30.0


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
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _iter(archive, name: str):  # noqa: ANN001, ANN202
    with archive.open(name) as fh:
        yield from iterparse(fh, events=("end",), forbid_dtd=True, forbid_entities=True, forbid_external=True)


def _text(elem) -> str:  # noqa: ANN001
    return "".join(t.text or "" for t in elem.iter(f"{NS}t"))


def parse_workbook(path: str) -> Parsed:
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
        for sheet in WANTED_SHEETS:
            part = sheet_paths.get(sheet)
            if part and part in names:
                result.cells[sheet] = _cells(archive, part, shared)
    return result


def _cells(archive, part: str, shared: list[str]) -> dict[str, Cell]:  # noqa: ANN001
    cells: dict[str, Cell] = {}
    for _, el in _iter(archive, part):
        if el.tag != f"{NS}c":
            continue
        ref, kind = el.get("r", ""), el.get("t", "n")
        f = el.find(f"{NS}f")
        v = el.find(f"{NS}v")
        raw = v.text if v is not None else None
        formula = (f.text or "") if f is not None else None
        if kind == "s" and raw is not None:
            cell = Cell(shared[int(raw)] if int(raw) < len(shared) else "", "s", formula)
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
        cells[ref] = cell
        el.clear()
    return cells


def _die_with_parent() -> None:
    """Linux: the child is killed when the consolidator dies, so it never outlives it holding the lock."""
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _child(path: str, conn, parent_end) -> None:  # noqa: ANN001
    # The parent's end is closed at once: if the consolidator dies, a write here fails instead of
    # blocking forever on a full pipe (which kept the inherited project lock held).
    parent_end.close()
    _die_with_parent()
    try:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
        cpu = int(TIME_LIMIT) + 5
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
        message: tuple[str, object] = ("ok", parse_workbook(path))
    except DefusedXmlException:
        message = ("error", ("file-unsafe-xml", "文件含有不安全的 XML 声明（DTD/实体），未读取"))
    except MemoryError:
        message = ("error", ("file-too-large", "读取时超出内存上限（疑似压缩炸弹），未读取"))
    except Exception as exc:  # noqa: BLE001 - any failure of an untrusted file is a finding, not a crash
        message = ("error", ("file-damaged", f"文件内容无法解析：{type(exc).__name__}"))
    try:
        conn.send(message)
    except OSError:
        pass  # the consolidator is gone; nothing to report to
    finally:
        conn.close()


def read_isolated(path: Path, timeout: float = TIME_LIMIT) -> Parsed:
    """Parse in a forked child with memory and time limits; ReadFailure on anything but success."""
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(str(path), child, parent), daemon=True)
    proc.start()
    child.close()
    try:
        if not parent.poll(timeout):
            proc.kill()
            raise ReadFailure("file-timeout", f"读取超过 {timeout:g} 秒未完成，已中止")
        try:
            status, payload = parent.recv()
        except EOFError:
            raise ReadFailure("file-damaged", "读取文件的进程意外退出（文件可能已损坏或过大）") from None
    finally:
        proc.join(5)
        if proc.is_alive():
            proc.kill()
        parent.close()
    if status == "ok":
        return payload
    code, message = payload
    raise ReadFailure(code, message)
