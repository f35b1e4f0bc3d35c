"""The portal killed while uploads are in flight (SIGKILL, mid-consolidation or mid-request) and
started again: no upload it had answered is lost, and one it had not answered is simply sent again.
A real server process, real requests on loopback."""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

import pytest

from benchmarks.portal_load import upload
from tests.conftest import builtin_inputs
from workbooks.generate.fill import fill_returns
from workbooks.ledger import LEDGER_FILE
from workbooks.portal import links
from workbooks.portal.receiver import UPLOAD_FOLDER
from workbooks.project import Project

pytestmark = pytest.mark.posix_only
SERVER = (
    "import sys; from pathlib import Path; from workbooks.cli_portal import make_server; "
    "s = make_server(Path(sys.argv[1]), '127.0.0.1', 0); print(s.effective_port, flush=True); s.run()"
)
ANSWERED_BEFORE_KILL = 5


def start(root: Path) -> tuple[subprocess.Popen, str]:
    server = subprocess.Popen([sys.executable, "-c", SERVER, str(root)], stdout=subprocess.PIPE, text=True)
    port = server.stdout.readline().strip()  # printed once it listens
    return server, f"http://127.0.0.1:{port}"


def test_a_killed_portal_loses_no_answered_upload(generated_national: Project, tmp_path: Path) -> None:
    p = generated_national
    staged = tmp_path / "待上传"
    staged.mkdir()
    returns = fill_returns(p, builtin_inputs("national-2019", "example"))
    files = {unit: path.rename(staged / path.name) for unit, path in returns.items()}
    tokens = links.tokens(p, list(files))
    jobs = [(tokens[u], files[u]) for u in sorted(files)]

    server, base = start(p.root)
    answered: dict[int, str] = {}
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            sent = {pool.submit(upload, base, token, path): k for k, (token, path) in enumerate(jobs)}
            for done in as_completed(sent):
                try:
                    answered[sent[done]] = done.result()
                except OSError:  # the server died under this request: not answered
                    continue
                if len(answered) == ANSWERED_BEFORE_KILL:
                    os.kill(server.pid, signal.SIGKILL)
    finally:
        server.kill()
        server.wait()
    assert len(answered) >= ANSWERED_BEFORE_KILL and len(answered) < len(jobs)
    assert all(outcome == "已采用" for outcome in answered.values())

    with sqlite3.connect(p.root / LEDGER_FILE) as db:  # what the killed server had answered is recorded
        hashes = {h for (h,) in db.execute("SELECT hash FROM files WHERE status = 'accepted'")}
    digest = {k: hashlib.sha256(jobs[k][1].read_bytes()).hexdigest() for k in range(len(jobs))}
    assert {digest[k] for k in answered} <= hashes

    server, base = start(p.root)  # started again: the rest sent again
    try:
        again = [upload(base, *jobs[k]) for k in range(len(jobs)) if k not in answered]
    finally:
        server.kill()
        server.wait()
    assert all(o in ("已采用", "与此前收到的文件相同，已处理过") for o in again)
    with sqlite3.connect(p.root / LEDGER_FILE) as db:
        units = {u for (u,) in db.execute("SELECT unit FROM files WHERE status = 'accepted'")}
        rejected = db.execute("SELECT original_name FROM files WHERE status = 'rejected'").fetchall()
    assert units == set(files) and not rejected  # a half-written upload left by the kill is never taken for a return
    assert not [q for q in (p.inbox / UPLOAD_FOLDER).iterdir() if not q.name.startswith(".") and q.stat().st_size == 0]
