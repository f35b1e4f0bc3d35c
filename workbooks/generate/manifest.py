"""What `generate` sent, so a consolidation need not render every unit workbook again to learn it.

`generate` records, per unit, the template signature and the input ids of the workbook it built, in
归档/.xinyong-manifest.json, together with everything the workbooks were built from (the basis):
the rubric, the unit registry, the project settings, the signing key and the xinyong version. The
file is only a cache of rendering: a reader takes it when its basis equals the project's basis
today, and renders otherwise (a project generated before manifests existed, a file that cannot be
read, or one left behind by a change of rubric, registry, settings, key or version).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from udfs import __version__

from .identity import FORMAT as WORKBOOK_FORMAT

if TYPE_CHECKING:
    from ..plan.registry import Registry
    from ..project import Project
    from .unit_workbook import Context

MANIFEST_FILE = ".xinyong-manifest.json"  # in 归档/, next to the signing key
FORMAT = "xinyong-generate-manifest/1"

Expected = tuple[dict[str, str], dict[str, list[str]]]  # unit -> signature, unit -> input ids


def _plain(obj: object) -> object:
    if is_dataclass(obj):
        return {f.name: getattr(obj, f.name) for f in fields(obj)}
    return str(obj)  # dates; nothing else in a rubric, a registry or a context


def digest(obj: object) -> str:
    """A content hash of a rubric, registry or context as loaded: any field that could change a
    workbook changes it, whether the file or the object in memory was edited."""
    text = json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=_plain)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def basis(ctx: Context, registry: Registry) -> dict[str, object]:
    """Everything the unit workbooks are built from. The key is recorded as a fingerprint that
    reveals nothing of it; the settings (among them the sheet password) as a hash."""
    settings = {f.name: getattr(ctx, f.name) for f in fields(ctx) if f.name not in ("rubric", "key")}
    return {
        "generator": f"xinyong {__version__}",
        "workbook_format": WORKBOOK_FORMAT,
        "rubric": {"id": ctx.rubric.id, "version": ctx.rubric.version, "digest": digest(ctx.rubric)},
        "registry": digest(registry),
        "settings": digest(settings),
        "key": hmac.new(ctx.key, FORMAT.encode("ascii"), hashlib.sha256).hexdigest()[:32] if ctx.key else None,
    }


def manifest_path(project: Project) -> Path:
    return project.archive / MANIFEST_FILE


def manifest_bytes(built_from: dict[str, object], units: list[dict[str, object]]) -> bytes:
    """`units`: per unit in generation order, {"unit", "file", "signature", "inputs"}."""
    document = {"format": FORMAT, "basis": built_from, "units": units}
    return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def write_manifest(project: Project, data: bytes) -> None:
    """Atomically (a temporary file renamed over the old one), and not at all when unchanged. Not
    synced to disk, and a failure to write it is not an error: the workbooks are already in 下发/,
    and a manifest lost, cut short or left from before is unreadable or stale, so merely not used."""
    path = manifest_path(project)
    try:
        if path.read_bytes() == data:
            return
    except OSError:
        pass
    temporary = path.with_name(f"{MANIFEST_FILE}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)  # no newline translation
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # created as any file the tool writes (the umask applies), readable by whoever shares the folder
        with open(os.open(temporary, flags, 0o666), "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)


def read_manifest(project: Project, built_from: dict[str, object]) -> Expected | None:
    """The recorded signatures and input ids, or None when there is no manifest, it cannot be read,
    or it was built from something other than `built_from`."""
    try:
        document = json.loads(manifest_path(project).read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(document, dict) or document.get("format") != FORMAT or document.get("basis") != built_from:
        return None
    units = document.get("units")
    if not isinstance(units, list):
        return None
    signatures: dict[str, str] = {}
    inputs: dict[str, list[str]] = {}
    for entry in units:
        if not isinstance(entry, dict):
            return None
        unit, signature, asked = entry.get("unit"), entry.get("signature"), entry.get("inputs")
        well_formed = isinstance(unit, str) and isinstance(signature, str) and isinstance(asked, list)
        if not well_formed or unit in signatures or not all(isinstance(i, str) for i in asked):
            return None
        signatures[unit], inputs[unit] = signature, asked
    return signatures, inputs
