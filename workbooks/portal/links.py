"""Each unit's secret link: derived from the project key, so no account has to be managed and a new
key revokes every link at once.

A link's path carries HMAC-SHA256(project key, unit name), 160 bits in base32: guessing one is as
hopeless as guessing the key. A request's link is compared with every unit's in constant time, the
whole list every time, so neither the comparison nor its position in the list tells anything.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from ..project import Project, signing_key

PURPOSE = b"xinyong-portal-unit\x00"
UNIT_PATH = "/u/"


class NoKey(Exception):
    """A project made before keys existed: no link can be derived."""


def unit_token(key: bytes, unit: str) -> str:
    mac = hmac.new(key, PURPOSE + unit.encode("utf-8"), hashlib.sha256).digest()
    return base64.b32encode(mac[:20]).decode("ascii").lower()


def tokens(project: Project, units: list[str]) -> dict[str, str]:
    """unit -> its link's secret."""
    key = signing_key(project)
    if key is None:
        raise NoKey("项目没有签名密钥（较早版本建立的项目），无法生成网页报送链接；请重新建立项目")
    return {unit: unit_token(key, unit) for unit in units}


def unit_of(given: str, known: dict[str, str]) -> str | None:
    """The unit whose secret `given` is; every secret compared, in constant time each."""
    found = None
    probe = given.encode("ascii", "replace")
    for unit, token in known.items():
        if hmac.compare_digest(probe, token.encode("ascii")):
            found = unit
    return found


def link(address: str, token: str) -> str:
    """The address a unit opens: the office's intranet address (a project setting) and the secret."""
    return f"{address.rstrip('/')}{UNIT_PATH}{token}"


def fingerprint(token: str) -> str:
    """What the upload log keeps of a link: enough to tell links apart, nothing to open one with."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()[:12]
