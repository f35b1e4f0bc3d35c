"""Every finding code the source can raise is in the catalogue, and every catalogued code is raised
somewhere: the catalogue (and the findings reference built from it) cannot drift from the code."""

from __future__ import annotations

import re
from pathlib import Path

from udfs.finding_codes import CATALOGUE
from udfs.findings import Findings

ROOT = Path(__file__).resolve().parents[1]
PATTERNS = [
    re.compile(r'\.add\(\s*"([a-z][a-z0-9-]+)"'),
    re.compile(r'notice\(\s*"([a-z][a-z0-9-]+)"'),
    re.compile(r'ValueProblem\(\s*"([a-z][a-z0-9-]+)"'),
    re.compile(r'compare\(\s*"([a-z][a-z0-9-]+)"'),
]


def codes_in_source() -> set[str]:
    found: set[str] = set()
    for package in ("udfs", "workbooks", "addin"):
        for path in (ROOT / package).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            for pattern in PATTERNS:
                found |= set(pattern.findall(text))
    return found


def test_source_codes_are_catalogued() -> None:
    assert codes_in_source() - set(CATALOGUE) == set()


def quoted_strings_in_source() -> set[str]:
    found: set[str] = set()
    for package in ("udfs", "workbooks", "addin"):
        for path in (ROOT / package).rglob("*.py"):
            if path.name != "finding_codes.py":
                found |= set(re.findall(r'"([a-z]+(?:-[a-z]+)+)"', path.read_text(encoding="utf-8")))
    return found


def test_catalogued_codes_are_used() -> None:
    assert set(CATALOGUE) - quoted_strings_in_source() == set()


def test_catalogue_entries_are_chinese_and_kebab_case() -> None:
    for code, (meaning, action) in CATALOGUE.items():
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", code), code
        assert re.search(r"[\u4e00-\u9fff]", meaning) and re.search(r"[\u4e00-\u9fff]", action), code


def test_unknown_code_is_refused() -> None:
    try:
        Findings().add("no-such-code", "x")
    except ValueError:
        return
    raise AssertionError("an uncatalogued code was accepted")
