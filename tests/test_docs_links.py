"""The repository's documents stand alone: every relative link in README.md, BENCHMARKS.md and
docs/ points at a file (and section) that exists in the repository, and every repository file they
name in backticks exists. A document that sends a reader to a file outside the repository fails."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DOCS = [REPO / "README.md", REPO / "BENCHMARKS.md", *sorted((REPO / "docs").glob("*.md"))]
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
CODE = re.compile(r"`([^`\s]+)`")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
TOP = {p.name for p in REPO.iterdir() if not p.name.startswith(".git")}
PATH_SUFFIXES = (".py", ".md", ".sh", ".yaml", ".toml", ".json", ".xml", ".bas", ".png", ".txt", ".cfg")


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped (CJK kept), spaces to hyphens."""
    text = re.sub(r"`|\*\*|\[|\]\([^)]*\)", "", heading).strip().lower()
    kept = "".join(ch for ch in text if ch in " -_" or unicodedata.category(ch)[0] in "LN")
    return kept.replace(" ", "-")


def anchors(doc: Path) -> set[str]:
    out: set[str] = set()
    fenced = False
    for line in doc.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and (m := HEADING.match(line)):
            base, n = slug(m.group(2)), 1
            name = base
            while name in out:  # GitHub numbers repeated headings
                name, n = f"{base}-{n}", n + 1
            out.add(name)
    return out


def prose(doc: Path) -> str:
    """The document without fenced blocks (commands and sample output are not references)."""
    return re.sub(r"^```.*?^```", "", doc.read_text(encoding="utf-8"), flags=re.S | re.M)


def relative_links(doc: Path) -> list[str]:
    return [t for t in LINK.findall(prose(doc)) if not re.match(r"[a-z][a-z0-9+.-]*:", t)]


def named_files(doc: Path) -> list[str]:
    """Backticked tokens that name a repository file or folder: a path under a top-level entry of the
    repository, or a bare document name (`design.md`)."""
    out = []
    for token in CODE.findall(prose(doc)):
        token = token.rstrip(".,;:)")
        if any(ch in token for ch in "<>*{}$%=") or token.startswith(("-", "~")):
            continue
        first = token.split("/", 1)[0]
        if "/" in token and first in TOP:
            out.append(token)
        elif "/" not in token and token.endswith(".md"):
            out.append(token)
        elif "/" not in token and token in TOP and token.endswith(PATH_SUFFIXES):
            out.append(token)
    return out


def resolve(doc: Path, target: str) -> Path | None:
    """The file a reference means: relative to the document, or to the repository root."""
    for base in (doc.parent, REPO):
        candidate = (base / target).resolve()
        if candidate.exists() and (candidate == REPO or REPO in candidate.parents):
            return candidate
    return None


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: str(d.relative_to(REPO)))
def test_every_relative_link_resolves(doc: Path) -> None:
    broken = []
    for target in relative_links(doc):
        path_part, _, fragment = target.partition("#")
        path = resolve(doc, path_part) if path_part else doc
        if path is None:
            broken.append(f"{target}: no such file")
        elif fragment and path.suffix == ".md" and fragment not in anchors(path):
            broken.append(f"{target}: no section #{fragment} in {path.relative_to(REPO)}")
    assert not broken, broken


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: str(d.relative_to(REPO)))
def test_every_named_repository_file_exists(doc: Path) -> None:
    missing = [name for name in named_files(doc) if resolve(doc, name) is None]
    assert not missing, missing


def test_the_checks_find_what_they_look_for(tmp_path: Path) -> None:
    """The two checks see links, anchors and names, and would flag a file outside the repository."""
    doc = tmp_path / "x.md"
    doc.write_text(
        "# 快速开始（Quick start）\n[a](#快速开始quick-start) [b](docs/design.md) ![c](pic.png) [d](https://x.org)\n"
        "`DESIGN.md` `workbooks/cli.py` `项目设置.yaml` `udfs/rubrics/<id>.yaml`\n```\n`inside.md`\n```\n",
        encoding="utf-8",
    )
    assert relative_links(doc) == ["#快速开始quick-start", "docs/design.md", "pic.png"]
    assert "快速开始quick-start" in anchors(doc)
    assert named_files(doc) == ["DESIGN.md", "workbooks/cli.py"]
    assert resolve(REPO / "README.md", "DESIGN.md") is None
    assert resolve(REPO / "README.md", "workbooks/cli.py") is not None
