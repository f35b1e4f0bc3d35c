"""200 uploads of 63 units' returns sent at once through the portal (16 concurrent senders on
loopback, benchmarks/portal_load.py) give the ledger `consolidate` gives over the same 200 files:
the same files accepted for the same units, the same current figures and task statuses; and every
upload is answered and logged."""

from __future__ import annotations

import shutil
import sqlite3
import threading
from pathlib import Path

from benchmarks.portal_load import upload_all
from tests.conftest import builtin_inputs, copy_project
from workbooks.cli_portal import make_server
from workbooks.generate.fill import fill_returns
from workbooks.intake.consolidate import consolidate
from workbooks.ledger import LEDGER_FILE
from workbooks.portal import links
from workbooks.project import Project

UPLOADS = 200


def ledger_facts(project: Project) -> dict[str, object]:
    with sqlite3.connect(project.root / LEDGER_FILE) as db:
        files = sorted(db.execute("SELECT hash, status, template, unit, round FROM files").fetchall())
        values = sorted(db.execute(
            "SELECT f.hash, v.input, v.subject, v.value, v.sheet, v.cell FROM input_values v JOIN files f ON f.seq = v.file_seq"
        ).fetchall())  # fmt: skip
        tasks = sorted(db.execute(
            "SELECT f.hash, t.item, t.status, t.note FROM task_states t JOIN files f ON f.seq = t.file_seq"
        ).fetchall())  # fmt: skip
    return {"files": files, "values": values, "tasks": tasks}


def test_200_concurrent_uploads_give_the_ledger_consolidate_gives(generated_national: Project, tmp_path: Path) -> None:
    portal = generated_national
    office = copy_project(portal.root, tmp_path / "对照项目")  # the same project, fed through 回收/
    staged = tmp_path / "待上传"
    staged.mkdir()
    returns = fill_returns(portal, builtin_inputs("national-2019", "example"))
    files = {unit: Path(shutil.move(path, staged / path.name)) for unit, path in returns.items()}
    tokens = links.tokens(portal, list(files))
    units = sorted(files)
    jobs = [(tokens[u], files[u]) for u in units]
    jobs += [(tokens[units[k % len(units)]], files[units[k % len(units)]]) for k in range(UPLOADS - len(units))]
    for k, (_token, path) in enumerate(jobs):  # what the office would have in 回收/: every file sent
        shutil.copy(path, office.inbox / f"{k:03d}-{path.name}")

    server = make_server(portal.root, "127.0.0.1", 0)
    threading.Thread(target=server.run, daemon=True).start()
    try:
        outcomes = upload_all(f"http://127.0.0.1:{server.effective_port}", jobs)
    finally:
        server.close()
    consolidate(office)

    assert all(outcomes), "every upload answered with its outcome"
    assert outcomes.count("已采用") == len(units) and outcomes.count("与此前收到的文件相同，已处理过") == UPLOADS - len(
        units
    )
    assert ledger_facts(portal) == ledger_facts(office)
    with sqlite3.connect(portal.root / LEDGER_FILE) as db:
        logged = db.execute("SELECT outcome, COUNT(*) FROM uploads GROUP BY outcome").fetchall()
    assert dict(logged) == {"accepted": len(units), "duplicate": UPLOADS - len(units)}
