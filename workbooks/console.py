"""Console output that never stops a command: a stream redirected on Windows is in the ANSI code page
(GBK, cp1252), and a unit's or a file's name may hold a character it lacks ('✔', '𠀀')."""

from __future__ import annotations

import sys
import traceback
from datetime import datetime
from pathlib import Path

LOG_FILE = "xinyong-错误记录.log"


def tolerate_unencodable() -> None:
    """Keep each standard stream's encoding, but write '?' for what it cannot encode instead of raising.

    For the console entry point only: test runners swap the streams for their own. A stream is None
    under pythonw.exe (Excel's Python) and is left alone.
    """
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is None or getattr(stream, "errors", None) != "strict":
            continue  # None, not a text wrapper, or already tolerant (e.g. surrogateescape)
        try:
            reconfigure(errors="replace")
        except (ValueError, OSError):  # a detached or closed stream: nothing will be written to it
            continue


def log_failure(what: str, folders: list[Path]) -> Path:
    """The current exception's traceback, appended to the log in the first of `folders` that can be
    written (then the home folder): for whoever maintains the tool, while the user reads one line."""
    entry = f"\n[{datetime.now():%Y-%m-%d %H:%M:%S}] {what}\n{traceback.format_exc()}"
    for folder in [*folders, Path.home()]:
        try:
            with (folder / LOG_FILE).open("a", encoding="utf-8", errors="backslashreplace") as fh:
                fh.write(entry)
            return folder / LOG_FILE
        except OSError:
            continue
    return Path.home() / LOG_FILE
