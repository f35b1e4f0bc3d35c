"""The Windows workflow (it cannot run here) says what the README says: windows-latest, Python 3.11, the
package installed with its test extras, and pytest deselecting exactly the oracle and posix_only tests,
both registered markers."""

from __future__ import annotations

import shlex
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "windows.yml"
SELECTION = "not oracle and not posix_only"


def steps() -> tuple[dict, list[dict]]:
    document = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    assert set(document.get("on", document.get(True))) >= {"push", "pull_request"}  # YAML reads `on` as True
    (job,) = document["jobs"].values()
    return job, job["steps"]


def commands(all_steps: list[dict], program: str) -> list[list[str]]:
    """Each `run` line that starts `python -m <program>`, split as a shell would."""
    lines = [line for step in all_steps for line in step.get("run", "").splitlines()]
    return [words for words in map(shlex.split, lines) if words[:3] == ["python", "-m", program]]


def test_it_runs_on_windows_with_python_3_11() -> None:
    job, all_steps = steps()
    assert job["runs-on"] == "windows-latest"
    pythons = [step["with"]["python-version"] for step in all_steps if "setup-python" in step.get("uses", "")]
    assert pythons == ["3.11"]  # a string: 3.11 unquoted would be read as 3.1
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["requires-python"]
    assert requires == ">=3.11"
    assert [words[3:] for words in commands(all_steps, "pip")] == [["install", "-e", ".[test]"]]


def test_it_deselects_the_oracle_and_posix_only_tests_and_nothing_else() -> None:
    _, all_steps = steps()
    (pytest_words,) = commands(all_steps, "pytest")
    options = pytest_words[3:]  # after `python -m pytest`
    selections = [options[i + 1] for i, word in enumerate(options) if word == "-m"]
    assert selections == [SELECTION]
    assert not [word for word in options if word.startswith(("-k", "--deselect", "--ignore", "tests"))]
    ini = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["pytest"]["ini_options"]
    registered = {marker.split(":")[0] for marker in ini["markers"]}
    assert {"oracle", "posix_only"} <= registered and "--strict-markers" in ini["addopts"]
    assert f'-m "{SELECTION}"' in (ROOT / "README.md").read_text(encoding="utf-8")
