"""Filling a unit workbook as a unit's clerk would, with openpyxl: figures into the named input
cells (yes/no as 是/否), a status and a note per task. Used wherever returned workbooks have to be
made (tests, benchmarks, the demo); the values go in as typed, untyped, so intake meets them as
people leave them."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path

import openpyxl
from openpyxl.utils import get_column_letter

from .unit_workbook import FIRST_ROW, ID_COL, NOTE_COL, STATUS_COL, TASKS

TaskFill = Callable[[int, str], tuple[str, str]]  # (task number from 1, item id) -> (status, note)


def as_typed(value: object) -> object:
    return "是" if value is True else "否" if value is False else value


def fill_workbook(
    source: Path,
    target: Path,
    values: Mapping[str, object],
    tasks: TaskFill | None = None,
    cells: Mapping[str, object] | None = None,
) -> None:
    """`values`: input id -> value (a list fills consecutive period rows); `cells`: "sheet!A1" -> value."""
    wb = openpyxl.load_workbook(source)
    for name, value in values.items():
        sheet, ref = next(iter(wb.defined_names[name].destinations))
        column, row = re.match(r"([A-Z]+)(\d+)", ref.replace("$", "").split(":")[0]).groups()
        for k, v in enumerate(value if isinstance(value, list) else [value]):
            wb[sheet][f"{column}{int(row) + k}"] = as_typed(v)
    if tasks is not None:
        ws = wb[TASKS]
        id_col, status_col, note_col = (get_column_letter(c + 1) for c in (ID_COL, STATUS_COL, NOTE_COL))
        row = FIRST_ROW + 1
        while ws[f"{id_col}{row}"].value:
            status, note = tasks(row - FIRST_ROW, str(ws[f"{id_col}{row}"].value))
            ws[f"{status_col}{row}"] = status
            ws[f"{note_col}{row}"] = note
            row += 1
    for ref, value in (cells or {}).items():
        sheet, addr = ref.split("!")
        wb[sheet][addr] = value
    wb.save(target)


def outgoing_files(project) -> dict[str, tuple[Path, list[str]]]:  # noqa: ANN001 - project.Project
    """unit -> (its workbook in 下发/, the input ids of its own cells), named as `generate` names them
    (a third party's cells per subject are named by `subject_rows.cell_name`)."""
    from .run import file_name, packages

    taken: set[str] = set()
    out = {}
    for package in packages(project)[0]:
        name = file_name(package.unit.label, taken, package.unit.name)
        out[package.unit.name] = (project.outbox / name, [s.id for s in package.inputs])
    return out


def fill_returns(
    project,  # noqa: ANN001 - project.Project
    values: Mapping[str, object],
    units: list[str] | None = None,
    tasks: TaskFill | None = None,
    received: datetime | None = None,
) -> dict[str, Path]:
    """Every unit (or `units`) returns its workbook into 回收/ with its share of `values` filled in;
    `received`: the time the files arrived (their modification time, which intake reads)."""
    written = {}
    for unit, (source, asked) in outgoing_files(project).items():
        if units is not None and unit not in units:
            continue
        target = project.inbox / source.name
        fill_workbook(source, target, {i: values[i] for i in asked if i in values}, tasks=tasks)
        if received is not None:
            os.utime(target, (received.timestamp(), received.timestamp()))
        written[unit] = target
    return written
