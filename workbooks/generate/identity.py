"""The identity a unit workbook carries, so a returned file is recognised whatever its name.

A very hidden, protected sheet holds key/value pairs (rubric and version, project, round, unit)
and a signature of the template's structure: sheet names, the cell of every input (its defined
name), the row of every task. The consolidator recomputes the signature from what it reads back;
a difference means the structure was tampered with or the template is outdated. The signature is
keyed with a secret kept in the project folder (never in a workbook), so only the tool can make one.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field, fields

IDENTITY_SHEET = "xinyong_id"
SUBJECT_MARK = "__s"  # an input's cell for one subject is named <input id>__s<k> (k: the subject's row key)
FORMAT = "xinyong-unit-workbook/1"


def norm_ref(ref: str) -> str:
    """One spelling of a reference, whichever suite saved it ('数据填报'!$F$3 or 数据填报!$F$3)."""
    return ref.strip().lstrip("=").replace("'", "")


def _fields(obj: object) -> dict[str, object]:
    """A dataclass's fields by name: for these records of strings, string dicts and lists, what
    `asdict` gives, without its recursive copy, once per workbook and sheet row."""
    return {f.name: getattr(obj, f.name) for f in fields(obj)}


@dataclass
class Layout:
    """What the signature covers: the structure a consolidator relies on to read the file."""

    rubric: str
    rubric_version: str
    unit: str
    sheets: list[str]
    inputs: dict[str, str] = field(default_factory=dict)  # input id -> absolute reference
    tasks: dict[str, str] = field(default_factory=dict)  # item id -> status cell reference
    # a third party's rows in a many-subject project: row key (SUBJECT_MARK's suffix) -> subject
    subjects: dict[str, str] = field(default_factory=dict)

    def signature(self, key: bytes | None = None) -> str:
        """With the project's key, an HMAC: a layout forged outside the tool (say, a defined name made
        to cover two billion rows) cannot carry a valid signature, since the key never leaves the
        project folder. Without one (projects made before keys), a plain hash that only detects
        accidental changes."""
        signed = _fields(self)
        if not self.subjects:  # workbooks without subject rows keep the signatures they always had
            del signed["subjects"]
        text = json.dumps(signed, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
        digest = hmac.new(key, text, hashlib.sha256) if key else hashlib.sha256(text)
        return digest.hexdigest()[:32]


@dataclass
class Identity:
    project_id: str
    round: str
    unit: str
    unit_short: str
    rubric: str
    rubric_version: str
    signature: str
    format: str = FORMAT
    generator: str = ""
    subjects: str = ""  # JSON of Layout.subjects, for a third party's rows; absent otherwise

    def rows(self) -> list[tuple[str, str]]:
        return [(k, v) for k, v in _fields(self).items() if v or k != "subjects"]

    def subject_rows(self) -> dict[str, str]:
        """Layout.subjects as this identity states it ({} when it states none or garbage)."""
        try:
            rows = json.loads(self.subjects) if self.subjects else {}
        except ValueError:
            return {}
        return {str(k): str(v) for k, v in rows.items()} if isinstance(rows, dict) else {}

    @classmethod
    def from_rows(cls, rows: dict[str, str]) -> Identity:
        known = set(cls.__dataclass_fields__)
        return cls(**{k: str(v) for k, v in rows.items() if k in known})
