"""Windows-like mode: run the packages on this POSIX machine with what Windows lacks taken away, so code
that would fail there fails here too (there is no Windows machine to test on).

Taken away: the modules `fcntl`, `resource`, `termios`, `pwd`, `grp` (importing them raises ImportError);
`os.fork`, `os.killpg`, `os.setsid`, `os.getpgid`, `os.register_at_fork`. Processes start by spawn, as on
Windows, and every spawned child is put in the same mode before it runs anything.

Use `apply()` first thing in a fresh interpreter, or start one with `python_command(code)` (or
`xinyong_command(*args)` for the console command), whose program begins with `PRELUDE`. Never apply it in
the pytest process itself: what it removes stays removed.

Libraries that choose their platform's backend when imported (`PLATFORM_LIBRARIES`) are imported before
anything goes, as on Windows they import their Windows backend: psutil's Linux backend imports `resource`,
click's terminal module (progress bars) `termios`, and filelock without `fcntl` would fall back to a soft
lock Windows never uses, so the project lock would not be the one under test. Our own modules get no such
allowance.
"""

from __future__ import annotations

import sys

HIDDEN_MODULES = ("fcntl", "resource", "termios", "pwd", "grp")
REMOVED_OS_FUNCTIONS = ("fork", "killpg", "setsid", "getpgid", "register_at_fork")
PLATFORM_LIBRARIES = ("click._termui_impl", "filelock", "psutil")  # POSIX backends of others, not ours

# Self-contained (a spawned child has nothing else when it starts): `_XY_SETUP` is this text itself,
# which the spawn command line of every child is prefixed with.
SETUP = f"""\
import importlib as _xy_importlib
import multiprocessing as _xy_mp
import multiprocessing.spawn as _xy_spawn
import os as _xy_os
import sys as _xy_sys

for _xy_name in {PLATFORM_LIBRARIES!r}:
    _xy_importlib.import_module(_xy_name)
for _xy_name in {HIDDEN_MODULES!r}:
    _xy_sys.modules[_xy_name] = None
for _xy_name in {REMOVED_OS_FUNCTIONS!r}:
    if hasattr(_xy_os, _xy_name):
        delattr(_xy_os, _xy_name)
_xy_mp.set_start_method("spawn", force=True)


def _xy_in_windows_mode(plain):
    def command_line(**kwds):
        cmd = plain(**kwds)
        at = cmd.index("-c") + 1
        cmd[at] = "_XY_SETUP = %r\\nexec(_XY_SETUP)\\n" % _XY_SETUP + cmd[at]
        return cmd

    command_line.windows_mode = True
    return command_line


if not getattr(_xy_spawn.get_command_line, "windows_mode", False):
    _xy_spawn.get_command_line = _xy_in_windows_mode(_xy_spawn.get_command_line)
"""

PRELUDE = f"_XY_SETUP = {SETUP!r}\nexec(_XY_SETUP)\n"
"""Put first in a `python -c` program: the rest of it runs in Windows-like mode."""

XINYONG = "import sys\nfrom workbooks.cli import entry\nsys.argv[0] = 'xinyong'\nentry()\n"


def apply() -> None:
    """Put this interpreter (and every child it spawns) in Windows-like mode; nothing undoes it."""
    exec(PRELUDE, {"__name__": "windows_mode"})  # noqa: S102 - our own text, the same a child gets


def python_command(code: str, *args: str) -> list[str]:
    """A command line running `code` in a fresh interpreter in Windows-like mode."""
    return [sys.executable, "-c", PRELUDE + code, *args]


def xinyong_command(*args: str) -> list[str]:
    """The `xinyong` console command in Windows-like mode."""
    return python_command(XINYONG, *args)
