"""Nothing POSIX-only at import time: every module of udfs, workbooks and addin imports in a fresh
interpreter in Windows-like mode (tests/windows_mode.py: no fcntl, resource, termios, pwd, grp, no
os.fork/killpg/setsid/getpgid/register_at_fork, spawn), and a control package that does need POSIX is
caught, so the walk can fail."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests import windows_mode

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("udfs", "workbooks", "addin")
CONTROL = "xy_posix_control"  # a package written here that would not import on Windows

WALK = """
import importlib, json, multiprocessing, os, pkgutil, sys, traceback

from tests.windows_mode import HIDDEN_MODULES, REMOVED_OS_FUNCTIONS

failures, imported = {}, []


def failed(name):
    failures[name] = traceback.format_exc(limit=-4)


for package in sys.argv[1:]:
    try:
        root = importlib.import_module(package)
    except Exception:
        failed(package)
        continue
    imported.append(package)
    for info in pkgutil.walk_packages(root.__path__, package + ".", onerror=failed):
        try:
            importlib.import_module(info.name)
            imported.append(info.name)
        except Exception:
            failed(info.name)

with multiprocessing.Pool(1) as pool:  # a spawned child: in the mode too?
    child = pool.apply(eval, ("[hasattr(__import__('os'), 'fork'), __import__('importlib.util').util.find_spec('fcntl') is None]",))
mode = {
    "hidden": [name for name in HIDDEN_MODULES if importlib.util.find_spec(name) is None],
    "os": [name for name in REMOVED_OS_FUNCTIONS if hasattr(os, name)],
    "start": multiprocessing.get_start_method(),
    "child": child,
}
print(json.dumps({"imported": imported, "failures": failures, "mode": mode}))
"""


def modules_on_disk(root: Path, package: str) -> set[str]:
    """Every module a walk must reach: the .py files of the package's directories that are packages."""
    found = set()
    for path in (root / package).rglob("*.py"):
        parts = path.relative_to(root).with_suffix("").parts
        if all((root.joinpath(*parts[:i]) / "__init__.py").is_file() for i in range(1, len(parts))):
            found.add(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return found


@pytest.fixture(scope="module")
def walk(tmp_path_factory: pytest.TempPathFactory) -> dict:
    control = tmp_path_factory.mktemp("control")
    (control / CONTROL).mkdir()
    (control / CONTROL / "__init__.py").write_text("", encoding="utf-8")
    (control / CONTROL / "locks.py").write_text("import fcntl\n", encoding="utf-8")
    (control / CONTROL / "groups.py").write_text("import os\nKILL = os.killpg\n", encoding="utf-8")
    (control / CONTROL / "portable.py").write_text("import os\nKILL = os.kill\n", encoding="utf-8")
    code = f"import sys\nsys.path[:0] = [{str(ROOT)!r}, {str(control)!r}]\n" + WALK
    done = subprocess.run(
        windows_mode.python_command(code, *PACKAGES, CONTROL),
        cwd=control,
        capture_output=True,
        text=True,
        timeout=600,  # hang guard only
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_mode_takes_away_what_windows_lacks_in_spawned_children_too(walk: dict) -> None:
    mode = walk["mode"]
    assert mode["hidden"] == list(windows_mode.HIDDEN_MODULES)
    assert mode["os"] == [] and mode["start"] == "spawn"
    assert mode["child"] == [False, True]  # no os.fork, no fcntl in a child the pool spawned


def test_the_walk_catches_a_module_that_needs_posix(walk: dict) -> None:
    assert {name for name in walk["failures"] if name.startswith(CONTROL)} == {f"{CONTROL}.locks", f"{CONTROL}.groups"}
    assert "fcntl" in walk["failures"][f"{CONTROL}.locks"] and "killpg" in walk["failures"][f"{CONTROL}.groups"]
    assert {CONTROL, f"{CONTROL}.portable"} <= set(walk["imported"])


def test_every_module_of_the_packages_imports_without_posix(walk: dict) -> None:
    expected = set().union(*(modules_on_disk(ROOT, p) for p in PACKAGES))
    assert len(expected) > 50 and {"workbooks.lock", "workbooks.master.recalc", "addin.callbacks"} <= expected
    failed = {name: trace for name, trace in walk["failures"].items() if not name.startswith(CONTROL)}
    assert not failed, "\n\n".join(f"{name}:\n{trace}" for name, trace in sorted(failed.items()))
    assert {name for name in walk["imported"] if name.split(".")[0] in PACKAGES} == expected


def run_demo(folder: Path, windows: bool) -> subprocess.CompletedProcess[str]:
    """`xinyong demo FOLDER` in a fresh interpreter, in Windows-like mode or as it is here."""
    plain = [sys.executable, "-c", windows_mode.XINYONG, "demo", str(folder)]
    command = windows_mode.xinyong_command("demo", str(folder)) if windows else plain
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, encoding="utf-8", timeout=900)


def test_the_whole_job_runs_in_windows_like_mode_as_it_does_here(tmp_path: Path) -> None:
    """The demo end to end (generate 63 workbooks, units fill and return them, consolidate through the
    spawned reading workers under the portable lock, master, 提分空间, reminders) with everything
    Windows lacks taken away: the same story, the same numbers as in the normal mode."""
    windows, plain = run_demo(tmp_path / "windows", True), run_demo(tmp_path / "plain", False)
    assert windows.returncode == plain.returncode == 0, windows.stderr[-3000:]
    assert "Traceback" not in windows.stderr
    assert windows.stdout.replace("windows", "plain") == plain.stdout
    ledger = tmp_path / "windows" / "台账.sqlite"
    assert ledger.exists() and (tmp_path / "windows" / "评分总表.xlsx").exists()


ENTRY_POINTS = ("workbooks.cli", "addin.callbacks", "workbooks.intake.consolidate", "workbooks.master.run", "udfs.excel")
BARE = """
import importlib, json, os, sys, warnings
for name in ("fcntl", "resource", "termios", "pwd", "grp"):
    sys.modules[name] = None
for name in ("fork", "killpg", "setsid", "getpgid", "register_at_fork"):
    if hasattr(os, name):
        delattr(os, name)
warnings.simplefilter("ignore")  # filelock warns that it would fall back to a soft lock here
failed = {}
for module in sys.argv[1:]:
    try:
        importlib.import_module(module)
    except Exception as exc:
        failed[module] = repr(exc)
print(json.dumps(failed))
"""


def test_entry_points_import_without_any_library_pre_imported() -> None:
    """The stricter check: POSIX modules gone and *no* third-party library given its platform backend
    first (the mode above imports psutil, filelock and click's terminal module before hiding anything).
    Importing the CLI, the ribbon callbacks and the pipeline must not need any of them at import time
    (psutil's Linux backend imports `resource`; it is imported only when a worker is watched)."""
    done = subprocess.run(
        [sys.executable, "-c", BARE, *ENTRY_POINTS], cwd=ROOT, capture_output=True, text=True, timeout=300, check=True
    )
    assert json.loads(done.stdout.splitlines()[-1]) == {}
