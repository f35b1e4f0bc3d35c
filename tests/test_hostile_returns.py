"""Returned files that once stopped a whole consolidation, each derived from a real unit workbook that
`generate` wrote (so it carries a valid identity and reaches the deepest code): figures that overflow
to infinity or are absurdly large, layouts forged with a recomputed signature, a symlink to a local
file, a zip member named ../../evil.xml, a file claiming another unit's identity.

Each variant runs alone and inside a batch of valid returns: the run never fails, the variant is a
finding on its own file, the valid returns score exactly as they score alone, and the command run
twice in a row exits 0 or 1 both times. All variants together stay under 1 GiB of peak memory,
children included.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import traceback
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from tests.test_hostile_files import MEASURE, rezip, run_fresh
from udfs.sampling import sample_value
from workbooks.cli import main
from workbooks.generate.fill import fill_workbook, outgoing_files
from workbooks.generate.identity import IDENTITY_SHEET
from workbooks.generate.run import generate
from workbooks.generate.unit_workbook import TASKS
from workbooks.intake.consolidate import RECEIVED, Summary, consolidate
from workbooks.intake.extract import IntakeContext, read_and_extract, read_back
from workbooks.intake.pool import ReaderPool
from workbooks.intake.reader import ReadFailure
from workbooks.project import ARCHIVE, KEY_FILE, Project, init_project, open_project, signing_key

SEED = 20261128
VALID = 6  # units returning good workbooks in every batch
GiB = 1 << 30
NOW = datetime(2019, 3, 20, 9, 0)


@dataclass
class World:
    keyed: Path  # a generated project (signatures keyed with the project's secret), nothing returned
    legacy: Path  # the same made before keys: plain-hash signatures a forger can recompute
    valid: dict[str, Path]  # unit -> a good filled workbook (outside any inbox)
    reference: Summary  # the valid returns consolidated alone
    spare: str  # a unit that is not among the valid ones: hostile files are its workbook
    twin: tuple[str, str]  # (impostor, victim): two units whose workbooks share a layout; the victim is valid


def values_for(project: Project, asked: list[str]) -> dict[str, object]:
    return {i: sample_value(project.rubric.inputs[i], random.Random(f"{SEED}/{i}")) for i in asked}


def structure(path: Path) -> tuple:
    _, layout = read_back(str(path))
    return (layout.sheets, layout.inputs, layout.tasks)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    tmp = tmp_path_factory.mktemp("hostile-returns")
    keyed = init_project(tmp / "项目", "national-2019", today=date(2019, 3, 1))
    generate(keyed)
    legacy = init_project(tmp / "旧项目", "national-2019", today=date(2019, 3, 1))
    (legacy.root / ARCHIVE / KEY_FILE).unlink()
    legacy, _ = open_project(legacy.root)
    generate(legacy)
    outgoing = outgoing_files(keyed)
    with_inputs = sorted(u for u, (_, asked) in outgoing.items() if asked)
    # two units whose workbooks have one structure (the same kind of unit), the second among the valid ones
    shapes: dict[tuple, list[str]] = {}
    for unit in with_inputs:
        shapes.setdefault(repr(structure(outgoing[unit][0])), []).append(unit)
    impostor, victim = next(units for units in shapes.values() if len(units) >= 2)[:2]
    valid_units = [victim] + [u for u in with_inputs if u not in (impostor, victim)][: VALID - 1]
    spare = next(u for u in with_inputs if u not in valid_units and u != impostor)
    folder = tmp / "valid"
    folder.mkdir()
    valid = {}
    for k, unit in enumerate(valid_units):
        source, asked = outgoing[unit]
        valid[unit] = folder / f"回执{k}.xlsx"
        fill_workbook(source, valid[unit], values_for(keyed, asked))
    alone = copy(keyed.root, tmp / "只有有效回收表")
    put_valid(alone, valid)
    reference = consolidate(alone, now=NOW)
    assert all(o.status == "accepted" for o in reference.outcomes) and reference.master is not None
    return World(keyed.root, legacy.root, valid, reference, spare, (impostor, victim))


def copy(root: Path, target: Path) -> Project:
    shutil.copytree(root, target, symlinks=True)
    return open_project(target)[0]


def put_valid(project: Project, valid: dict[str, Path]) -> None:
    for k, path in enumerate(valid.values()):
        target = project.inbox / path.name
        shutil.copyfile(path, target)
        os.utime(target, (1_550_000_000 + k, 1_550_000_000 + k))


# ---------------------------------------------------------------- the variants


def asked_of(project: Project, unit: str) -> tuple[Path, list[str]]:
    return outgoing_files(project)[unit]


def typed_into(project: Project, unit: str, folder: Path, name: str, pick: Callable, texts: list[str]) -> Path:
    """The unit's workbook with `texts` typed (as text) into the inputs `pick` chooses, nothing else filled."""
    source, asked = asked_of(project, unit)
    chosen = [i for i in asked if pick(project.rubric.inputs[i])][: len(texts)]
    assert chosen, f"{unit} has no input for {name}"
    target = folder / f"{name}.xlsx"
    fill_workbook(source, target, dict(zip(chosen, texts, strict=False)))
    return target


def v_overflow(project: Project, world: World, folder: Path) -> Path:
    texts = ["1e309", "1" + "0" * 400, "1e305万", "１e309"]
    return typed_into(
        project, world.spare, folder, "溢出", lambda s: s.type in ("count", "amount", "number", "ratio"), texts
    )


def v_huge(project: Project, world: World, folder: Path) -> Path:
    return typed_into(project, world.spare, folder, "极大值", lambda s: s.type == "count" and s.max is None, ["1e308"])


def resign(path: Path, key: bytes | None) -> None:
    """Recompute the signature as a forger with the source code can: over the layout the file now has."""
    identity, layout = read_back(str(path))
    wb = openpyxl.load_workbook(path)
    ws = wb[IDENTITY_SHEET]
    for row in ws.iter_rows():
        if row[0].value == "signature":
            row[1].value = layout.signature(key)
    wb.save(path)


def v_header_moved(project: Project, world: World, folder: Path) -> Path:
    """The task sheet's columns (header and rows) moved to column AA and beyond, re-signed."""
    source, _ = asked_of(project, world.spare)
    target = folder / "表头移位.xlsx"
    wb = openpyxl.load_workbook(source)
    wb[TASKS].insert_cols(1, 26)
    wb.save(target)
    resign(target, None)
    return target


def v_huge_range(project: Project, world: World, folder: Path) -> Path:
    """A defined name over two billion rows, re-signed."""
    source, asked = asked_of(project, world.spare)
    target = folder / "超大区域.xlsx"
    wb = openpyxl.load_workbook(source)
    name = wb.defined_names[asked[0]]
    sheet = name.attr_text.split("!")[0]
    column = name.attr_text.split("!")[1].split("$")[1]
    name.attr_text = f"{sheet}!${column}$3:${column}$2000000000"
    wb.save(target)
    resign(target, None)
    return target


def v_symlink(project: Project, world: World, folder: Path) -> Path:
    target = folder / "链接.xlsx"
    os.symlink("/etc/passwd" if Path("/etc/passwd").exists() else world.keyed / "项目设置.yaml", target)
    return target


def v_zip_slip(project: Project, world: World, folder: Path) -> Path:
    source, _ = asked_of(project, world.spare)
    target = folder / "路径穿越.xlsx"
    rezip(source, target, {"../../evil.xml": b"<x/>"})
    with zipfile.ZipFile(target) as z:
        assert "../../evil.xml" in z.namelist()
    return target


def v_impostor(project: Project, world: World, folder: Path) -> Path:
    """One unit's workbook claiming to be another unit of the same kind (three identity cells copied)."""
    impostor, victim = world.twin
    source, asked = asked_of(project, impostor)
    victims = openpyxl.load_workbook(asked_of(project, victim)[0])[IDENTITY_SHEET]
    claimed = {row[0].value: row[1].value for row in victims.iter_rows()}
    target = folder / "冒名.xlsx"
    fill_workbook(source, target, impostor_values(project, asked))
    wb = openpyxl.load_workbook(target)
    for row in wb[IDENTITY_SHEET].iter_rows():
        if row[0].value in ("unit", "unit_short", "signature"):
            row[1].value = claimed[row[0].value]
    wb.save(target)
    return target


def impostor_values(project: Project, asked: list[str]) -> dict[str, object]:
    return {i: sample_value(project.rubric.inputs[i], random.Random(f"impostor/{i}")) for i in asked}


# name -> (builder, projects it runs on, the finding codes its file must carry)
VARIANTS: dict[str, tuple[Callable, tuple[str, ...], set[str]]] = {
    "overflow": (v_overflow, ("keyed",), {"input-not-finite"}),
    "huge-finite": (v_huge, ("keyed",), {"input-out-of-range"}),
    "header-moved": (v_header_moved, ("keyed", "legacy"), {"file-tampered"}),
    "huge-range": (v_huge_range, ("keyed", "legacy"), {"file-tampered"}),
    "symlink": (v_symlink, ("keyed",), {"file-not-regular"}),
    "zip-slip": (v_zip_slip, ("keyed",), {"file-unsafe-zip"}),
}
CASES = [(name, which) for name, (_, projects, _) in VARIANTS.items() for which in projects]


def build(name: str, world: World, project: Project) -> Path:
    return VARIANTS[name][0](project, world, project.inbox)


def codes_of(summary: Summary, name: str) -> set[str]:
    return {f.code for o in summary.outcomes if o.name == name for f in o.findings}


def cli_twice(project: Project) -> list[int]:
    runner = CliRunner()
    return [runner.invoke(main, ["consolidate", str(project.root), "--json"]).exit_code for _ in range(2)]


@pytest.mark.parametrize(("variant", "which"), CASES, ids=[f"{n}-{w}" for n, w in CASES])
def test_variant_alone_is_a_finding_and_the_command_runs_twice(
    world: World, tmp_path: Path, variant: str, which: str
) -> None:
    project = copy(getattr(world, which), tmp_path / "项目")
    path = build(variant, world, project)
    summary = consolidate(project, now=NOW)
    assert VARIANTS[variant][2] <= codes_of(summary, path.name), [o.findings for o in summary.outcomes]
    assert all(o.status != "accepted" or o.values == 0 for o in summary.outcomes if o.name == path.name)
    assert summary.master is not None and summary.master.path is not None
    assert cli_twice(project) in ([1, 1], [0, 0]), "a later run fails on what the first one recorded"


@pytest.mark.parametrize(("variant", "which"), CASES, ids=[f"{n}-{w}" for n, w in CASES])
def test_valid_returns_score_as_alone_beside_a_variant(world: World, tmp_path: Path, variant: str, which: str) -> None:
    project = copy(getattr(world, which), tmp_path / "项目")
    if which == "legacy":  # the same good figures, in the legacy project's own workbooks
        put_valid_legacy(project, world)
    else:
        put_valid(project, world.valid)
    path = build(variant, world, project)
    summary = consolidate(project, now=NOW)
    assert VARIANTS[variant][2] <= codes_of(summary, path.name)
    assert summary.values == world.reference.values
    assert summary.master.state.result.total == world.reference.master.state.result.total
    assert [o.status for o in summary.outcomes if o.name != path.name] == ["accepted"] * VALID


def put_valid_legacy(project: Project, world: World) -> None:
    outgoing = outgoing_files(project)
    for k, unit in enumerate(world.valid):
        source, asked = outgoing[unit]
        target = project.inbox / f"回执{k}.xlsx"
        fill_workbook(source, target, values_for(project, asked))
        os.utime(target, (1_550_000_000 + k, 1_550_000_000 + k))


def test_symlink_target_is_never_read_or_archived(world: World, tmp_path: Path) -> None:
    project = copy(world.keyed, tmp_path / "项目")
    link = v_symlink(project, world, project.inbox)
    target_bytes = Path(os.readlink(link)).read_bytes()
    consolidate(project, now=NOW)
    archived = (
        list((project.root / ARCHIVE / RECEIVED).glob("*")) if (project.root / ARCHIVE / RECEIVED).exists() else []
    )
    assert all(p.read_bytes() != target_bytes for p in archived)
    assert link.is_symlink()  # the inbox is never changed


def test_a_file_claiming_another_units_identity_is_seen(world: World, tmp_path: Path) -> None:
    """Accepted as the unit it claims (its layout and signature are that unit's), but every figure it
    changes is a `resubmission-changed` finding naming the old value and the file it came from."""
    project = copy(world.keyed, tmp_path / "项目")
    put_valid(project, world.valid)
    path = v_impostor(project, world, project.inbox)
    os.utime(path, (1_560_000_000, 1_560_000_000))  # after the victim's own file
    summary = consolidate(project, now=NOW)
    outcome = next(o for o in summary.outcomes if o.name == path.name)
    impostor, victim = world.twin
    assert outcome.unit == victim and outcome.superseded
    changed = [f for f in outcome.findings if f.code == "resubmission-changed"]
    asked = asked_of(project, victim)[1]
    before, after = values_for(project, asked), impostor_values(project, asked)
    differing = {i for i in asked if json.dumps(before[i]) != json.dumps(after[i])}
    assert changed and {f.input for f in changed} >= differing, (changed, differing)
    assert all(world.valid[victim].name in f.message for f in changed)
    listed = {f.code for f in summary.master.state.findings}
    assert "resubmission-changed" in listed  # in the master's 问题清单 too


def test_every_variant_together_stays_under_a_gibibyte(world: World, tmp_path: Path) -> None:
    project = copy(world.keyed, tmp_path / "项目")
    put_valid(project, world.valid)
    for name in VARIANTS:
        folder = tmp_path / name
        folder.mkdir()
        path = VARIANTS[name][0](project, world, folder)
        os.rename(path, project.inbox / f"{name}-{path.name}")
    v_impostor(project, world, project.inbox)
    m = run_fresh(MEASURE, project.root)
    peak = m["after"] + m["children"]
    print(
        f"\npeak RSS {m['after'] / (1 << 20):.0f} MB consolidating, reading children {m['children'] / (1 << 20):.0f} MB"
    )
    assert peak < GiB
    statuses = {name: status for name, (status, _) in m["outcomes"].items()}
    assert sum(s == "accepted" for s in statuses.values()) >= VALID


def reject_constant(text: str) -> object:
    raise ValueError(f"not strict JSON: {text}")


CHILD_FAILS, PARENT_FAILS = "子进程出错.xlsx", "主进程出错.xlsx"


def planted_read(path: str, file: str, ctx: object = None) -> object:
    """What the reading worker runs, with a failure of the tool's own planted for one file (module
    level, so the spawned worker imports it as it imports the real one)."""
    from workbooks.intake.extract import read_and_extract
    from workbooks.intake.reader import InternalError

    if file == CHILD_FAILS:
        try:
            raise ZeroDivisionError("planted")
        except ZeroDivisionError as exc:
            raise InternalError(type(exc).__name__, traceback.format_exc()) from None
    return read_and_extract(path, file, ctx)


def test_the_tools_own_failure_after_a_parse_is_an_internal_error(world: World) -> None:
    """In the worker, an exception after the parse (here: a context without a rubric) is the tool's:
    file-internal-error with its traceback, not a damaged file."""
    project = open_project(world.keyed)[0]
    source, _ = asked_of(project, world.spare)
    s = project.settings
    broken = IntakeContext(None, s.project_id, s.round, {world.spare: "?"}, signing_key(project))  # type: ignore[arg-type]
    with ReaderPool(workers=1) as pool, pytest.raises(ReadFailure) as failure:
        pool.run(partial(read_and_extract, str(source), source.name, broken))
    assert failure.value.code == "file-internal-error" and "AttributeError" in failure.value.detail


def test_json_output_is_strict_and_internal_errors_stay_with_their_file(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tool's own failure on one file, in the reading worker or in the consolidating process, is
    a finding on that file with the traceback in 归档/内部错误.log; the file is recorded, so the next
    run does not fail on it again; every --json output parses with a strict parser."""
    import workbooks.intake.batch as batch_module

    project = copy(world.keyed, tmp_path / "项目")
    put_valid(project, world.valid)
    child_fails, parent_fails = project.inbox / CHILD_FAILS, project.inbox / PARENT_FAILS
    for path, figure in ((child_fails, "12"), (parent_fails, "13")):  # different figures: different files
        typed_into(project, world.spare, path.parent, path.stem, lambda s: s.type == "count", [figure])
    real_write = batch_module._write

    def write(ledger, path, name, *args, **kwargs):  # noqa: ANN001, ANN202
        if name == parent_fails.name and args[5] != "unreadable":  # the first attempt, not the rejected record
            raise KeyError("planted")
        return real_write(ledger, path, name, *args, **kwargs)

    monkeypatch.setattr(batch_module, "read_and_extract", planted_read)
    monkeypatch.setattr(batch_module, "_write", write)
    summary = consolidate(project, now=NOW)
    by_name = {o.name: o for o in summary.outcomes}
    for path, kind in ((child_fails, "ZeroDivisionError"), (parent_fails, "KeyError")):
        outcome = by_name[path.name]
        assert outcome.status == "rejected" and [f.code for f in outcome.findings] == ["file-internal-error"], outcome
        assert kind in outcome.findings[0].message
    log = (project.root / ARCHIVE / "内部错误.log").read_text(encoding="utf-8")
    assert "ZeroDivisionError: planted" in log and "KeyError: 'planted'" in log and "Traceback" in log
    assert [o.status for o in summary.outcomes if o.name.startswith("回执")] == ["accepted"] * VALID
    assert summary.values == world.reference.values
    runner = CliRunner()
    for command in (["consolidate"], ["consolidate", "--dry-run"], ["score"], ["master"], ["report"]):
        result = runner.invoke(main, [*command, str(project.root), "--json"])
        assert result.exit_code in (0, 1), (command, result.output)
        json.loads(result.stdout, parse_constant=reject_constant)
    again = consolidate(project, now=NOW)
    assert {o.name: o.status for o in again.outcomes}[child_fails.name] == "duplicate"  # recorded: not read again


def test_an_identity_sheet_with_the_keys_but_not_every_field_is_no_identity() -> None:
    """Found by fuzzing re-saved files: the four keys checked first, a field the identity needs
    missing; the file is one without identity (a finding), not the tool's internal error."""
    from workbooks.intake.extract import identity_of
    from workbooks.intake.reader import Cell, Parsed

    rows = {"unit": "市人社局", "rubric": "national-2019", "signature": "x", "project_id": "P1"}
    cells = {}
    for n, (key, value) in enumerate(rows.items(), 1):
        cells[f"A{n}"], cells[f"B{n}"] = Cell(key, "s"), Cell(value, "s")
    assert identity_of(Parsed(sheets=[IDENTITY_SHEET], cells={IDENTITY_SHEET: cells})) is None
