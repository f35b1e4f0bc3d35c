"""LibreOffice headless as an independent calculator for the workbooks we generate.

Why: our workbooks carry cached values computed in Python. To check them independently we let
LibreOffice recalculate every formula, save a copy, and read the results back with openpyxl.

LibreOffice by default does NOT recalculate .xlsx files on load; it repeats the cached values.
An oracle run with a default profile would therefore echo our own numbers and pass falsely.
Each process uses a private profile that sets the "recalculate on load" mode to 0 (always).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

import openpyxl

__all__ = [
    "CellError",
    "RecalcError",
    "convert_many",
    "find_soffice",
    "read_values",
    "recalculate",
    "recalculated_values",
]

SOFFICE_NAMES = ("soffice", "libreoffice")
XLSX_FILTER = "xlsx:Calc MS Excel 2007 XML"

# 0 = always recalculate, 1 = never (the default for .xlsx), 2 = ask the user.
_RECALC_ITEM = (
    '<item oor:path="/org.openoffice.Office.Calc/Formula/Load">'
    '<prop oor:name="{name}" oor:op="fuse"><value>{mode}</value></prop></item>\n'
)
_PROFILE_XCU = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<oor:items xmlns:oor="http://openoffice.org/2001/registry"'
    ' xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
    + "{items}"
    + "</oor:items>\n"
)


class RecalcError(RuntimeError):
    """LibreOffice could not load, recalculate or save a workbook (message carries soffice stderr)."""


class CellError(str):
    """An Excel error value read back from a cell, e.g. ``"#N/A"`` or ``"#DIV/0!"``.

    It compares equal to its text, so ``value == "#N/A"`` works, while ``isinstance(value, CellError)``
    tells a real error apart from a text cell that merely holds the same characters.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return f"CellError({str.__repr__(self)})"


# soffice is a launcher (a shell script and oosplash here, soffice.exe on Windows) that starts soffice.bin:
# it runs in its own process group so a timeout can end the whole tree.
if sys.platform == "win32":
    _OWN_GROUP: dict[str, Any] = {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
else:
    _OWN_GROUP = {"start_new_session": True}

# One profile per process: a profile's first start is slow, and one profile cannot serve two
# running LibreOffice instances, so calls are serialised by _lock and forked children make their own.
_lock = threading.Lock()
_profiles: dict[bool, tuple[int, Path]] = {}


def find_soffice() -> str | None:
    """Return the LibreOffice executable found on PATH, or None so callers can skip cleanly."""
    for name in SOFFICE_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def _remove_profile(owner_pid: int, root: Path) -> None:
    """atexit hook; only the creating process may delete, never a forked child that inherited it."""
    if os.getpid() == owner_pid:
        shutil.rmtree(root, ignore_errors=True)


def _profile_dir(recalc: bool = True) -> Path:
    """Create (once per process) a private profile: recalculating on load (the oracle), or never
    recalculating, which is what a person's LibreOffice does with an .xlsx. Caller holds _lock."""
    known = _profiles.get(recalc)
    if known is not None and known[0] == os.getpid() and known[1].is_dir():
        return known[1]
    root = Path(tempfile.mkdtemp(prefix="xinyong-lo-profile-"))
    (root / "user").mkdir()
    mode = 0 if recalc else 1
    items = "".join(_RECALC_ITEM.format(name=name, mode=mode) for name in ("OOXMLRecalcMode", "ODFRecalcMode"))
    (root / "user" / "registrymodifications.xcu").write_text(_PROFILE_XCU.replace("{items}", items), encoding="utf-8")
    atexit.register(_remove_profile, os.getpid(), root)
    _profiles[recalc] = (os.getpid(), root)
    return root


def _discard_profile() -> None:
    """Drop the profiles a killed instance may have left locked or half-written."""
    for _, root in _profiles.values():
        shutil.rmtree(root, ignore_errors=True)
    _profiles.clear()


def _kill(proc: subprocess.Popen[bytes]) -> bytes:
    """Kill the launcher and everything it started (the process group; on Windows the process tree)."""
    if sys.platform == "win32":
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            subprocess.run(["taskkill", "/F", "/T", "/PID", str(proc.pid)], capture_output=True, timeout=60)
        proc.kill()  # taskkill missing or refused: the launcher at least
    else:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    _, err = proc.communicate()
    return err or b""


def _run_soffice(
    sources: list[Path], convert_to: str, scratch: str, timeout: float, recalc: bool = True
) -> tuple[int, bytes, bytes]:
    """One soffice process converting every source into ``scratch``; the whole group dies on timeout."""
    soffice = find_soffice()
    if soffice is None:
        raise RecalcError("LibreOffice not found: neither soffice nor libreoffice is on PATH")
    cmd = [
        soffice,
        f"-env:UserInstallation={_profile_dir(recalc).as_uri()}",
        "--headless",
        "--norestore",
        "--nologo",
        "--nodefault",
        "--convert-to",
        convert_to,
        "--outdir",
        scratch,
        *(str(s) for s in sources),
    ]
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **_OWN_GROUP)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        err = _kill(proc)
        _discard_profile()
        names = ", ".join(s.name for s in sources[:3])
        raise RecalcError(
            f"soffice timed out after {timeout:g}s converting {names} (process killed); "
            f"stderr: {err.decode(errors='replace').strip() or '<empty>'}"
        ) from None
    return proc.returncode, out, err


def recalculate(src: Path, out_dir: Path, timeout: float = 180) -> Path:
    """Recalculate ``src`` with LibreOffice and save it as ``out_dir/<stem>.xlsx``; return that path.

    The conversion writes into a scratch directory first, so a stale file in ``out_dir`` is never
    mistaken for success (soffice exits 0 even when it cannot load the source) and ``src`` may
    itself live in ``out_dir`` (it is then replaced by the recalculated copy).
    """
    src = Path(src).resolve()
    if not src.is_file():
        raise RecalcError(f"source workbook not found: {src}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{src.stem}.xlsx"
    with _lock, tempfile.TemporaryDirectory(prefix="xinyong-recalc-") as scratch:
        code, out, err = _run_soffice([src], XLSX_FILTER, scratch, timeout)
        produced = Path(scratch) / f"{src.stem}.xlsx"
        if code != 0 or not produced.is_file():
            raise RecalcError(
                f"soffice failed to recalculate {src.name} (exit code {code}, no output written); "
                f"stderr: {err.decode(errors='replace').strip() or '<empty>'}; "
                f"stdout: {out.decode(errors='replace').strip() or '<empty>'}"
            )
        shutil.move(produced, target)
    return target


def convert_many(
    sources: list[Path], out_dir: Path, to: str = "pdf", timeout: float = 600, recalc: bool = True
) -> dict[Path, Path | None]:
    """Open every source in one LibreOffice run and save it as ``to``; None where it failed to load.

    Used to prove that LibreOffice opens each generated workbook, and to render them for people.
    ``recalc=False`` opens them as a person's LibreOffice does (cached values shown, not recomputed).
    """
    sources = [Path(s).resolve() for s in sources]
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    result: dict[Path, Path | None] = {}
    with _lock, tempfile.TemporaryDirectory(prefix="xinyong-convert-") as scratch:
        _run_soffice(sources, to, scratch, timeout, recalc)
        for src in sources:
            produced = Path(scratch) / f"{src.stem}.{to.split(':')[0]}"
            if produced.is_file() and produced.stat().st_size > 0:
                target = out_dir / produced.name
                shutil.move(produced, target)
                result[src] = target
            else:
                result[src] = None
    return result


def read_values(xlsx: Path, sheet: str | None = None) -> dict[str, dict[str, object]]:
    """Read every non-empty cell value as ``{sheet_name: {"E2": 1.5, ...}}``.

    Formula cells give their saved results (openpyxl ``data_only``); error results come back as
    ``CellError``. Numbers saved by LibreOffice carry 15 significant digits, so compare floats
    with a tolerance. ``sheet`` restricts the result to one sheet (KeyError if it is missing).
    """
    wb = openpyxl.load_workbook(xlsx, data_only=True, read_only=True)
    try:
        if sheet is not None and sheet not in wb.sheetnames:
            raise KeyError(f"sheet {sheet!r} not in {wb.sheetnames}")
        result: dict[str, dict[str, object]] = {}
        for name in [sheet] if sheet is not None else wb.sheetnames:
            cells: dict[str, object] = {}
            for row in wb[name].iter_rows():
                for cell in row:
                    if cell.value is None:
                        continue
                    cells[cell.coordinate] = CellError(cell.value) if cell.data_type == "e" else cell.value
            result[name] = cells
        return result
    finally:
        wb.close()


def recalculated_values(src: Path, sheet: str | None = None, timeout: float = 180) -> dict[str, dict[str, object]]:
    """Recalculate ``src`` in a scratch directory and return its values (see ``read_values``)."""
    with tempfile.TemporaryDirectory(prefix="xinyong-recalc-out-") as tmp:
        return read_values(recalculate(src, Path(tmp), timeout), sheet)
