"""The `xinyong` console command never fails on a character its output stream cannot encode: on Windows
a redirected stream is in the ANSI code page (GBK on Chinese Windows, cp1252 elsewhere), and file names
may hold characters outside it ('✔', '𠀀'). The real console script runs in a subprocess with
PYTHONIOENCODING set; what the stream cannot encode becomes '?', and the exit code is the command's own."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from workbooks.console import tolerate_unencodable

OUTSIDE_GBK = "✔𠀀"
COMMANDS = {
    "show": ("rubric", "show", "national-2019"),
    "export": ("rubric", "export", "national-2019", f"指标体系{OUTSIDE_GBK}.xlsx"),
}


def console_script() -> str:
    """The installed `xinyong` entry point of this interpreter (what office staff and scripts run)."""
    found = shutil.which("xinyong", path=sysconfig.get_path("scripts")) or shutil.which("xinyong")
    assert found, "the xinyong console script is not installed: pip install -e ."
    return found


def run(args: tuple[str, ...], encoding: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    cwd.mkdir()
    env = {**os.environ, "PYTHONIOENCODING": encoding}
    return subprocess.run([console_script(), *args], cwd=cwd, env=env, capture_output=True, timeout=300)


@pytest.mark.parametrize("encoding", ["gbk", "cp1252"])
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_output_the_stream_cannot_encode_is_replaced_not_fatal(command: str, encoding: str, tmp_path: Path) -> None:
    reference = run(COMMANDS[command], "utf-8", tmp_path / "utf-8")
    assert reference.returncode == 0, reference.stderr.decode("utf-8", "replace")
    done = run(COMMANDS[command], encoding, tmp_path / encoding)
    assert b"Traceback" not in done.stderr, done.stderr.decode(encoding, "replace")
    assert done.returncode == reference.returncode
    expected = reference.stdout.decode("utf-8").encode(encoding, "replace")
    assert done.stdout == expected  # everything written, only the unencodable characters as '?'
    if command == "export":
        assert (tmp_path / encoding / COMMANDS[command][-1]).is_file()


@pytest.mark.parametrize("encoding", ["gbk", "cp1252"])
def test_a_project_named_with_characters_outside_the_code_page(encoding: str, tmp_path: Path) -> None:
    done = run(("init", f"项目{OUTSIDE_GBK}", "--rubric", "national-2019"), encoding, tmp_path / "cwd")
    assert b"Traceback" not in done.stderr and done.returncode == 0, done.stderr.decode(encoding, "replace")
    assert (tmp_path / "cwd" / f"项目{OUTSIDE_GBK}" / "项目设置.yaml").is_file()
    first = done.stdout.decode(encoding).splitlines()[0]
    assert first == f"已新建评估项目：项目{OUTSIDE_GBK}".encode(encoding, "replace").decode(encoding)


def test_streams_are_made_tolerant_only_where_they_were_strict(monkeypatch: pytest.MonkeyPatch) -> None:
    strict = io.TextIOWrapper(io.BytesIO(), encoding="gbk", errors="strict")
    escaping = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="surrogateescape")
    monkeypatch.setattr(sys, "stdout", strict)
    monkeypatch.setattr(sys, "stderr", None)  # as under pythonw.exe (Excel's Python)
    tolerate_unencodable()
    assert strict.errors == "replace" and strict.encoding == "gbk"
    strict.write(f"单位{OUTSIDE_GBK}\n")
    strict.flush()
    assert strict.buffer.getvalue() == "单位??\n".encode("gbk")
    monkeypatch.setattr(sys, "stdout", escaping)
    tolerate_unencodable()
    assert escaping.errors == "surrogateescape"
