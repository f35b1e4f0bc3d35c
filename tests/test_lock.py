"""The project lock across processes, on any system: a second run is refused naming the process that
holds it (read from the holder file, since Windows keeps the locked file unreadable), and a holder
killed outright leaves nothing that keeps the next run out."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from workbooks.lock import HOLDER_FILE, LOCK_FILE, LockBusy, project_lock

ROOT = Path(__file__).resolve().parents[1]
BOUND = 60.0  # seconds a free lock may take to be granted after its holder is gone (a hang guard, not a measure)
HOLD = """
import sys, time
from pathlib import Path
from types import SimpleNamespace
from workbooks.lock import project_lock
with project_lock(SimpleNamespace(archive=Path(sys.argv[1]))):
    print("held", flush=True)
    time.sleep(600)
"""


def test_a_second_run_names_the_holder_and_a_killed_holder_leaves_the_lock_free(tmp_path: Path) -> None:
    archive = tmp_path / "归档"
    project = SimpleNamespace(archive=archive)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(archive)], cwd=ROOT, stdout=subprocess.PIPE, text=True, encoding="utf-8"
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(LockBusy) as busy, project_lock(project, wait=0):
            pass
        assert busy.value.holder.startswith(f"进程 {holder.pid}（") and "开始于" in busy.value.holder
    finally:
        holder.kill()  # SIGKILL; TerminateProcess on Windows: no release code runs
        holder.wait()
    with project_lock(project, wait=BOUND):
        assert (archive / HOLDER_FILE).read_text(encoding="utf-8").startswith("进程 ")
    assert (archive / LOCK_FILE).is_file() and not (archive / HOLDER_FILE).exists()
