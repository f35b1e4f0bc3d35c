"""A bounded load on the portal: many uploads at once, from a fixed number of concurrent senders on
loopback, each waiting for its answer (the unit's page with what intake made of its file).

Used by tests/test_portal_load.py (200 uploads of 63 units' returns: the ledger must be the one
`consolidate` makes of the same files) and runnable on its own against a running `xinyong serve`:

    python benchmarks/portal_load.py http://127.0.0.1:8765 JOBS.json [--senders 16]
    python benchmarks/portal_load.py demo 200 [--senders 16]

JOBS.json: [[link secret, file path], ...]. `demo` builds a national-2019 project with its 63 returns
and serves it here first. Prints how many uploads were answered and how long the whole load took.
"""

from __future__ import annotations

import argparse
import json
import re
import secrets
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

SENDERS = 16
OUTCOME = re.compile(r'id="outcome">([^<]*)<')


def multipart(field: str, filename: str, data: bytes) -> tuple[bytes, str]:
    """One file as a browser's form sends it (urllib has no encoder of its own)."""
    boundary = "----xinyong" + secrets.token_hex(12)
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    return head + data + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def upload(base: str, token: str, path: Path, timeout: float = 600.0) -> str:
    """Send one file through a unit's link; the outcome its page then shows ("" when none)."""
    body, kind = multipart("file", path.name, path.read_bytes())
    request = urllib.request.Request(f"{base}/u/{token}/upload", data=body, headers={"Content-Type": kind})
    with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310 - the portal under test
        found = OUTCOME.search(answer.read().decode("utf-8"))
    return found.group(1) if found else ""


def upload_all(base: str, jobs: list[tuple[str, Path]], senders: int = SENDERS) -> list[str]:
    """Every job sent by at most `senders` at a time; the outcomes, in the jobs' order."""
    with ThreadPoolExecutor(max_workers=senders) as pool:
        return list(pool.map(lambda job: upload(base, job[0], job[1]), jobs))


def demo(uploads: int) -> tuple[str, list[tuple[str, Path]], object]:
    """A national-2019 project in a temporary folder, its 63 returns filled (the built-in example)
    and sent `uploads` times in all (the rest again, as units do), the portal serving it on loopback."""
    import tempfile
    import threading
    from datetime import date

    from udfs.rubric.loader import builtin_dir
    from workbooks.cli_portal import make_server
    from workbooks.generate.fill import fill_returns
    from workbooks.generate.run import generate
    from workbooks.input_files import read_inputs
    from workbooks.portal import links
    from workbooks.project import init_project

    work = Path(tempfile.mkdtemp(prefix="xinyong-load-"))
    project = init_project(work / "项目", "national-2019", today=date(2019, 3, 1))
    generate(project)
    staged = work / "待上传"
    staged.mkdir()
    values = read_inputs(builtin_dir() / "national-2019" / "example.json")[1]
    files = {u: path.rename(staged / path.name) for u, path in fill_returns(project, values).items()}
    tokens = links.tokens(project, list(files))
    units = sorted(files)
    jobs = [(tokens[units[k % len(units)]], files[units[k % len(units)]]) for k in range(uploads)]
    server = make_server(project.root, "127.0.0.1", 0)
    threading.Thread(target=server.run, daemon=True).start()
    return f"http://127.0.0.1:{server.effective_port}", jobs, project


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", help="the portal's address, or demo (a project built and served here)")
    parser.add_argument("jobs", nargs="?", help="JOBS.json, or with demo the number of uploads (200)")
    parser.add_argument("--senders", type=int, default=SENDERS)
    args = parser.parse_args()
    project = None
    if args.base == "demo":
        args.base, jobs, project = demo(int(args.jobs or 200))
    else:
        jobs = [(token, Path(path)) for token, path in json.loads(Path(args.jobs).read_text(encoding="utf-8"))]
    start = time.perf_counter()
    outcomes = upload_all(args.base.rstrip("/"), jobs, args.senders)
    took = time.perf_counter() - start
    answered = sum(1 for o in outcomes if o)
    print(
        f"{answered}/{len(jobs)} uploads answered in {took:.1f} s ({len(jobs) / took:.1f} per second, {args.senders} senders)"
    )
    if project is not None:  # how many consolidations served them (each writes the master once)
        import sqlite3

        with sqlite3.connect(project.root / "台账.sqlite") as db:
            runs = db.execute("SELECT COUNT(*) FROM masters").fetchone()[0]
        print(f"consolidation runs: {runs} (one master written per run)")


if __name__ == "__main__":
    main()
