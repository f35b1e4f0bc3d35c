"""Suite-wide settings and shared projects. Property tests draw the same examples on every run and have no per-example
time limit, so neither chance nor the machine's speed can fail them (a failure is a real bug, and it
comes back on every run until fixed)."""

from __future__ import annotations

import shutil
import sys
from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from udfs.rubric import resolve as resolve_rubric
from workbooks.generate.fill import fill_returns
from workbooks.generate.run import generate
from workbooks.input_files import read_inputs
from workbooks.intake.consolidate import consolidate
from workbooks.project import Project, init_project, open_project

settings.register_profile(
    "xinyong",
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("xinyong")

# Test modules that need POSIX throughout (SIGKILL, /proc and sessions; fifos; resource limits and usage;
# SIGALRM), kept in their own files by whoever owns them: every test in them is marked posix_only, which
# the Windows workflow deselects. They do not even import on Windows, so there they are not collected.
POSIX_ONLY_MODULES = {"test_crash.py", "test_hostile_files.py", "test_hostile_returns.py"}
if sys.platform == "win32":
    collect_ignore = sorted(POSIX_ONLY_MODULES)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.name in POSIX_ONLY_MODULES:
            item.add_marker(pytest.mark.posix_only)


# ---- projects shared across the suite: built once per session, copied for every test that uses one,
# so a test may change its copy freely (file times are kept: intake orders files by them).

NATIONAL_TODAY = date(2019, 3, 1)  # deadline 2019-03-31
CONSOLIDATED_AT = datetime(2019, 3, 20, 9, 0)


def builtin_inputs(rubric_id: str, name: str) -> dict[str, object]:
    """One of a built-in rubric's input sets (example, full-marks), as its file gives it."""
    return read_inputs(resolve_rubric(rubric_id).with_suffix("") / f"{name}.json")[1]


def national_example() -> dict[str, object]:
    return builtin_inputs("national-2019", "example")


def copy_project(source: Path, target: Path) -> Project:
    shutil.copytree(source, target)
    return open_project(target)[0]


@pytest.fixture(scope="session")
def _generated_national(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = init_project(tmp_path_factory.mktemp("shared") / "项目", "national-2019", today=NATIONAL_TODAY)
    generate(project)
    return project.root


@pytest.fixture(scope="session")
def _consolidated_national(_generated_national: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = copy_project(_generated_national, tmp_path_factory.mktemp("shared") / "项目")
    fill_returns(project, national_example())
    consolidate(project, now=CONSOLIDATED_AT)
    return project.root


@pytest.fixture
def generated_national(_generated_national: Path, tmp_path: Path) -> Project:
    """A national-2019 project (Yichang registry) with its 63 unit workbooks generated, nothing returned."""
    return copy_project(_generated_national, tmp_path / "项目")


@pytest.fixture
def consolidated_national(_consolidated_national: Path, tmp_path: Path) -> Project:
    """The same project after every unit returned the built-in example figures and one consolidation."""
    return copy_project(_consolidated_national, tmp_path / "项目")
