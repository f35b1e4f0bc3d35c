"""Content hashes and the archive under 归档/: a file a user gave the tool is copied under its hash
(temporary name, then rename) before anything reads it, so it is never lost or half-copied."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from .project import Project


def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def archive_copy(project: Project, path: Path, digest: str, subfolder: str) -> str:
    """Copy `path` to 归档/<subfolder>/<digest><suffix> unless it is there; the path relative to the project."""
    folder = project.archive / subfolder
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{digest}{path.suffix.lower()}"
    if not target.exists():
        tmp = folder / f".{digest}.part"
        shutil.copyfile(path, tmp)
        os.replace(tmp, target)
    return str(target.relative_to(project.root))
