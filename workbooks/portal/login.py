"""The office's password: set with `xinyong serve --set-password`, kept in the project folder only
as an scrypt hash with its own salt (the standard library's hashlib, no extra package), compared
in constant time. Changing it signs everyone out: the session key is derived from the hash."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer

from ..project import ARCHIVE, Project, signing_key

PASSWORD_FILE = ".门户登录"  # in 归档/, beside the project key
N, R, P = 2**14, 8, 1  # scrypt's cost: about 16 MiB and a few tens of milliseconds per try
MIN_LENGTH = 8


class PasswordRefused(ValueError):
    """A password too weak to protect the office's page."""


@dataclass(frozen=True)
class Stored:
    salt: bytes
    digest: bytes
    set_at: str


def _hash(password: str, salt: bytes) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=N, r=R, p=P, maxmem=64 * 1024 * 1024, dklen=32)


def path_of(project: Project) -> Path:
    return project.archive / PASSWORD_FILE


def set_password(project: Project, password: str, now: datetime | None = None) -> None:
    if len(password) < MIN_LENGTH:
        raise PasswordRefused(f"密码至少 {MIN_LENGTH} 位")
    salt = secrets.token_bytes(16)
    record = {
        "scheme": "scrypt",
        "n": N,
        "r": R,
        "p": P,
        "salt": salt.hex(),
        "hash": _hash(password, salt).hex(),
        "set_at": (now or datetime.now()).isoformat(timespec="seconds"),
    }
    project.archive.mkdir(parents=True, exist_ok=True)
    tmp = path_of(project).with_suffix(".tmp")
    tmp.write_text(json.dumps(record), encoding="utf-8")
    os.replace(tmp, path_of(project))


def stored(project: Project) -> Stored | None:
    try:
        record = json.loads(path_of(project).read_text(encoding="utf-8"))
        return Stored(bytes.fromhex(record["salt"]), bytes.fromhex(record["hash"]), str(record["set_at"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def check(project: Project, password: str) -> bool:
    record = stored(project)
    if record is None:
        return False
    return hmac.compare_digest(_hash(password, record.salt), record.digest)


def session_key(project: Project) -> bytes:
    """What signs the office's session cookie: the project key and the password's hash, so a new
    password (or a new project key) ends every session."""
    record = stored(project)
    key = signing_key(project) or b""
    return hmac.new(key, b"xinyong-portal-session\x00" + (record.digest if record else b""), hashlib.sha256).digest()


@dataclass(frozen=True)
class Folder:
    """A project folder as the session needs it (its 归档/ only), without reading its settings on
    every request."""

    root: Path

    @property
    def archive(self) -> Path:
        return self.root / ARCHIVE


class ProjectSessions(SecureCookieSessionInterface):
    """Flask's signed cookie sessions, signed with `session_key` read when each request opens its
    session (a password changed while the portal runs takes effect at once)."""

    def get_signing_serializer(self, app):  # noqa: ANN001, ANN201 - Flask's own signature
        key = session_key(Folder(app.extensions["xinyong"].root))  # type: ignore[arg-type]
        return URLSafeTimedSerializer(
            key, salt=self.salt, serializer=self.serializer,
            signer_kwargs={"key_derivation": self.key_derivation, "digest_method": self.digest_method},
        )  # fmt: skip
