"""Start-up worth a click: the command line and the ribbon import what a command needs when it runs.

Timing is measured in benchmarks/bench_startup.py (BENCHMARKS.md, Start-up), never here; these tests
hold the cause instead: which modules a fresh interpreter has loaded after `xinyong --help` or a
button's import, which does not depend on the machine's speed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from udfs.rubric import list_builtin, resolve
from udfs.yamlfile import safe_load
from workbooks.plan import registry as registries
from workbooks.project import init_project

ROOT = Path(__file__).resolve().parents[1]
# what scoring, reading and writing workbooks cost to import; none is needed to show help
HEAVY = (
    "openpyxl",
    "xlsxwriter",
    "yaml",
    "numpy",
    "pandas",
    "formulas",
    "udfs.rubric",
    "udfs.evaluate",
    "workbooks.project",
)


def loaded_after(code: str) -> set[str]:
    """The modules a fresh interpreter holds after running `code` (which may print; the last line is ours)."""
    script = f"import sys, json\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))


def test_help_and_version_load_no_service() -> None:
    for argv in (["--help"], ["--version"], ["consolidate", "--help"], ["round", "new", "--help"]):
        code = f"from workbooks.cli import main\ntry:\n    main({argv!r}, prog_name='xinyong')\nexcept SystemExit:\n    pass"
        assert heavy(loaded_after(code)) == [], argv


def test_a_button_loads_only_its_own_job(tmp_path: Path) -> None:
    """帮助 answers without any job's services; 重新计分 scores and writes the master without the
    consolidation or the feedback writer (it does use the generator's plan and the guarded reader)."""
    jobs = (
        "workbooks.generate",
        "workbooks.intake",
        "workbooks.report",
        "workbooks.master.run",
        "xlsxwriter",
        "openpyxl",
    )
    helped = loaded_after("import addin.callbacks\nprint(addin.callbacks.on_action('xy_help', None).message[:4])")
    assert sorted(m for m in helped if m.startswith(jobs)) == []
    project = init_project(tmp_path / "项目", "national-2019")
    workbook = str(project.root / "评分总表.xlsx")
    rescored = loaded_after(f"import addin.callbacks\nprint(addin.callbacks.on_action('xy_rescore', {workbook!r}).ok)")
    assert "workbooks.master.run" in rescored  # the job's own service is imported when clicked
    assert (
        sorted(
            m
            for m in rescored
            if m.startswith(("workbooks.intake.consolidate", "workbooks.intake.batch", "workbooks.report.feedback"))
        )
        == []
    )


def test_the_c_yaml_loader_reads_every_shipped_file_as_the_python_loader_does() -> None:
    """libyaml (when PyYAML's wheel has it) parses the rubrics ten times faster; the data must be the same."""
    files = [resolve(ref) for ref in list_builtin()] + sorted(registries.builtin_dir().glob("*.yaml"))
    assert len(files) >= 7
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert safe_load(text) == yaml.safe_load(text), path.name


@pytest.mark.parametrize("text", ["a: [1, 2", "a: b: c", "- x\ny: 1"])
def test_broken_yaml_is_refused_as_the_python_loader_refuses_it(text: str) -> None:
    with pytest.raises(yaml.YAMLError):
        yaml.safe_load(text)
    with pytest.raises(yaml.YAMLError):
        safe_load(text)
