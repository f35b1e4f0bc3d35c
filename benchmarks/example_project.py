"""Shared by the master benchmarks: a national-2019 project (63 units) with every unit's workbook
returned, filled with the built-in example input set, not yet consolidated."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

from udfs.rubric.loader import builtin_dir
from workbooks.generate.fill import fill_returns
from workbooks.generate.run import generate
from workbooks.project import Project, init_project


def returned_example_project(root: Path) -> Project:
    example = json.loads((builtin_dir() / "national-2019" / "example.json").read_text(encoding="utf-8"))["inputs"]
    project = init_project(root, "national-2019", today=date(2019, 3, 1))
    generate(project)
    fill_returns(project, example, received=datetime(2019, 3, 20))
    return project
