"""The identity a unit workbook carries, so a returned file is recognised whatever its name.

A very hidden, protected sheet holds key/value pairs (rubric and version, project, round, unit)
and a signature of the template's structure: sheet names, the cell of every input (its defined
name), the row of every task. The consolidator recomputes the signature from what it reads back;
a difference means the structure was tampered with or the template is outdated.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field

IDENTITY_SHEET = "xinyong_id"
FORMAT = "xinyong-unit-workbook/1"


def norm_ref(ref: str) -> str:
    """One spelling of a reference, whichever suite saved it ('数据填报'!$F$3 or 数据填报!$F$3)."""
    return ref.strip().lstrip("=").replace("'", "")


@dataclass
class Layout:
    """What the signature covers: the structure a consolidator relies on to read the file."""

    rubric: str
    rubric_version: str
    unit: str
    sheets: list[str]
    inputs: dict[str, str] = field(default_factory=dict)  # input id -> absolute reference
    tasks: dict[str, str] = field(default_factory=dict)  # item id -> status cell reference

    def signature(self) -> str:
        text = json.dumps(asdict(self), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


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

    def rows(self) -> list[tuple[str, str]]:
        return list(asdict(self).items())

    @classmethod
    def from_rows(cls, rows: dict[str, str]) -> Identity:
        known = set(cls.__dataclass_fields__)
        return cls(**{k: str(v) for k, v in rows.items() if k in known})


def read_back(path: str) -> tuple[Identity | None, Layout | None]:
    """The identity a file claims and the layout it actually has, read without trusting either.

    Used to recognise a returned file and to tell a good template from a tampered one: the claimed
    signature must equal the signature of the layout found in the file.
    """
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=False, data_only=True, keep_links=False)
    try:
        if IDENTITY_SHEET not in wb.sheetnames:
            return None, None
        rows = {str(r[0]): str(r[1]) for r in wb[IDENTITY_SHEET].iter_rows(values_only=True) if r and r[0] is not None}
        identity = Identity.from_rows(rows) if {"unit", "rubric", "signature"} <= rows.keys() else None
        if identity is None:
            return None, None
        layout = Layout(identity.rubric, identity.rubric_version, identity.unit, list(wb.sheetnames))
        for name, defined in wb.defined_names.items():
            layout.inputs[name] = norm_ref(defined.attr_text)
        tasks_sheet = wb["任务清单"] if "任务清单" in wb.sheetnames else None
        if tasks_sheet is not None:
            header = [c.value for c in tasks_sheet[2]]
            if "item_id" in header and "完成状态" in header:
                id_col, status_col = header.index("item_id"), header.index("完成状态")
                for row in tasks_sheet.iter_rows(min_row=3):
                    if row[id_col].value:
                        cell = row[status_col]
                        layout.tasks[str(row[id_col].value)] = f"任务清单!${cell.column_letter}${cell.row}"
        return identity, layout
    finally:
        wb.close()
