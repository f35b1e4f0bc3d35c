"""The master of a many-subject assessment: 评分表 with a column per subject whose every score cell is
the rubric's formula over that subject's cells on 数据, cached values equal to each subject's own
score, LibreOffice recalculating the native master to the same numbers; the office's 考核分 (and any
corrected figure) typed into one subject's block changes that subject alone, is read back per subject,
and clears; `resolve --subject` settles one subject's figure."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from openpyxl.utils import column_index_from_string, get_column_letter

from addin.callbacks import on_action
from tests.test_consolidate_e2e import has_uno, libreoffice_edit
from tests.test_subjects_e2e import assessment, figures, headless, scores_json  # noqa: F401 - the fixture is used by name
from workbooks.cli import main
from workbooks.demo_subjects import enter_in_master
from workbooks.generate.fill import fill_workbook, outgoing_files
from workbooks.generate.run import generate
from workbooks.intake.consolidate import consolidate
from workbooks.ledger import LEDGER_FILE, Ledger
from workbooks.master import layout as L
from workbooks.master.recalc import find_soffice, read_values, recalculated_values
from workbooks.master.run import write_master
from workbooks.project import SETTINGS_FILE, Project, open_project


def subject_columns(ws: openpyxl.worksheet.worksheet.Worksheet) -> dict[str, int]:
    """short name -> first column (1-based) of its block, from the subject row."""
    return {c.value: c.column for c in ws[L.MX_SUBJECT_ROW + 1] if c.value and c.value != L.MX_SUBJECTS_LABEL}


def totals(project: Project) -> dict[str, float | None]:
    return {s["subject"]: s["total"] for s in scores_json(project)["subjects"]}


@pytest.fixture(scope="module")
def consolidated(assessment):  # noqa: ANN001, ANN201, F811
    project, sent, tmp = assessment
    consolidate(project)
    return project, sent, tmp


def test_every_score_cell_is_the_rubrics_formula_over_its_subjects_cells(consolidated) -> None:  # noqa: ANN001
    project, sent, _ = consolidated
    listed = {s["short"]: s for s in scores_json(project)["subjects"]}
    formulas = openpyxl.load_workbook(project.root / L.MASTER_FILE)
    cached = openpyxl.load_workbook(project.root / L.MASTER_FILE, data_only=True)
    scores, data = formulas[L.SCORES], formulas[L.DATA]
    columns, blocks = subject_columns(scores), subject_columns(data)
    # on paper: pages across, each repeating the item (input) columns and the subject names
    assert (scores.print_title_cols, data.print_title_cols, scores.print_title_rows) == ("$A:$C", "$A:$B", "$3:$4")
    assert list(columns) == [project.registry.units[s].short for s in project.subjects] == list(blocks)
    total_row = next(r for r in range(1, scores.max_row + 1) if scores.cell(r, 3).value == "总分")
    item_rows = {scores.cell(r, 1).value: r for r in range(L.MX_FIRST + 1, total_row) if scores.cell(r, 4).value}
    items = {i.id for i in project.rubric.scored_items}
    for short, col in columns.items():
        entry = listed[short]
        adopted = get_column_letter(blocks[short] + 2)
        if entry["total"] is not None:
            assert cached[L.SCORES].cell(total_row, col).value == pytest.approx(entry["total"], abs=1e-6)
        for item_id, r in item_rows.items():
            if item_id not in items:
                continue
            text = scores.cell(r, col).value
            # bound to this subject's adopted column on 数据, never to a defined name of an input
            refs = set(re.findall(r"数据'?!\$([A-Z]+)\$\d+", text))
            needs = [i for i in project.rubric.inputs if re.search(rf"\b{i}\b", text)]
            assert not needs, (short, item_id, needs)
            if refs:
                assert refs == {adopted}, (short, item_id, refs)


@pytest.mark.skipif(find_soffice() is None, reason="LibreOffice not installed")
def test_libreoffice_recalculating_the_native_master_agrees_on_every_subject(consolidated) -> None:  # noqa: ANN001
    project, _, _ = consolidated
    done = CliRunner().invoke(main, ["master", str(project.root)])
    assert done.exit_code in (0, 1), done.output
    path = project.root / L.MASTER_FILE
    cached, recalculated = read_values(path), recalculated_values(path)
    compared = 0
    for sheet in (L.SCORES, L.DATA):
        for cell, value in cached[sheet].items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                assert recalculated[sheet].get(cell) == pytest.approx(value, abs=1e-6), (sheet, cell)
                compared += 1
            elif value == L.NOT_SCORED:
                assert recalculated[sheet].get(cell) == L.NOT_SCORED, (sheet, cell)
    assert compared > 20 * len(project.subjects)


def test_an_assessors_score_and_a_corrected_figure_change_only_their_subject(consolidated, tmp_path: Path) -> None:  # noqa: ANN001
    project, sent, _ = consolidated
    before = totals(project)
    complete = [s for s, v in sent.items() if len(v) == len(project.rubric.inputs)]
    a, b = complete[3], complete[4]
    discretionary = next(i for i, spec in project.rubric.inputs.items() if spec.type == "discretionary")
    count = next(i for i, spec in project.rubric.inputs.items() if spec.type in ("count", "amount"))
    top = float(project.rubric.inputs[discretionary].max or 0)
    assessed = 0.5 if sent[a][discretionary] != 0.5 else top
    enter_in_master(project, {(a, discretionary): assessed, (b, count): 0})
    outcome = write_master(project)
    read = [(f.code, f.message.split("：")[0]) for f in outcome.findings]
    short = project.registry.units
    assert sorted(read) == sorted([("manual-entry", short[a].short), ("manual-entry", short[b].short)])
    after = totals(project)
    assert after[a] == pytest.approx(headless(tmp_path, project.rubric.id, {**sent[a], discretionary: assessed})["total"])
    assert after[b] == pytest.approx(headless(tmp_path, project.rubric.id, {**sent[b], count: 0})["total"])
    assert {k: v for k, v in after.items() if k not in (a, b)} == {k: v for k, v in before.items() if k not in (a, b)}
    one = scores_json(project, "--subject", short[a].short)
    provisional = {f["input"] for f in one["findings"] if f["code"] == "self-score-provisional"}
    own = {i for i, spec in project.rubric.inputs.items() if spec.type == "discretionary" and i in sent[a]}
    assert provisional == own - {discretionary}  # the assessed item no longer scores from the 自评分
    ledger = Ledger(project.root / LEDGER_FILE)
    try:
        assert ledger.manual(project.settings.round, a)[discretionary].value == assessed
        assert ledger.manual(project.settings.round) == {}  # nothing became the whole project's
    finally:
        ledger.close()
    done = CliRunner().invoke(main, ["report", str(project.root), "--feedback", "--json"])
    assert done.exit_code in (0, 1), done.output
    path = next(Path(w["file"]) for w in json.loads(done.output)["feedback"] if w["subject"] == a)
    rows = [r for r in openpyxl.load_workbook(path)["考核结果"].iter_rows(values_only=True)]
    start = next(k for k, r in enumerate(rows) if r[0] == "酌情计分：考核分与自评分不同的项目")
    labels = {spec.label: i for i, spec in project.rubric.inputs.items()}
    listed = [r for r in rows[start + 2 :] if r[1] in labels]
    assert [(labels[r[1]], r[3], r[4]) for r in listed] == [(discretionary, sent[a][discretionary], assessed)]
    enter_in_master(project, {(a, discretionary): None, (b, count): None})  # both cleared
    outcome = write_master(project)
    assert sorted(f.code for f in outcome.findings) == ["manual-entry-cleared"] * 2
    assert totals(project) == before


def test_a_subject_name_changed_in_the_master_is_a_finding_and_its_block_is_not_read(consolidated) -> None:  # noqa: ANN001
    project, sent, _ = consolidated
    first = list(sent)[5]
    short = project.registry.units[first].short
    discretionary = next(i for i, spec in project.rubric.inputs.items() if spec.type == "discretionary")
    before = totals(project)  # `score` reads the master back: asked before the master is edited
    enter_in_master(project, {(first, discretionary): 0})
    path = project.root / L.MASTER_FILE
    wb = openpyxl.load_workbook(path)
    col = subject_columns(wb[L.DATA])[short]
    wb[L.DATA].cell(L.MX_SUBJECT_ROW + 1, col).value = "不存在的区"
    wb.save(path)
    outcome = write_master(project)
    assert [(f.code, f.cell) for f in outcome.findings] == [
        ("master-subject-unknown", f"{get_column_letter(col)}{L.MX_SUBJECT_ROW + 1}")
    ]
    assert totals(project) == before


def test_resolve_with_a_subject_settles_that_subjects_figure_only(consolidated, tmp_path: Path) -> None:  # noqa: ANN001
    project, sent, _ = consolidated
    before = totals(project)
    subject = [s for s, v in sent.items() if len(v) == len(project.rubric.inputs)][5]
    count = next(i for i, spec in project.rubric.inputs.items() if spec.type == "count")
    runner = CliRunner()
    refused = runner.invoke(main, ["resolve", str(project.root), count, "0"])
    assert refused.exit_code == 2 and "--subject" in refused.output
    done = runner.invoke(main, ["resolve", str(project.root), count, "0", "--subject", project.registry.units[subject].short])
    assert done.exit_code == 0, done.output
    after = totals(project)
    assert after[subject] == pytest.approx(headless(tmp_path, project.rubric.id, {**sent[subject], count: 0})["total"])
    assert {k: v for k, v in after.items() if k != subject} == {k: v for k, v in before.items() if k != subject}


@pytest.mark.skipif(not has_uno(), reason="LibreOffice's Python bridge not installed")
def test_an_assessors_score_saved_by_libreoffice_is_read_back(consolidated, tmp_path: Path) -> None:  # noqa: ANN001
    """The other office suite saves the master (merged subject names, its own writer): the 考核分 is
    read back for the right subject and no formula is reported as overwritten."""
    project, sent, _ = consolidated
    write_master(project)
    subject = [s for s, v in sent.items() if len(v) == len(project.rubric.inputs)][6]
    short = project.registry.units[subject].short
    discretionary = [i for i, spec in project.rubric.inputs.items() if spec.type == "discretionary"][-1]
    path = project.root / L.MASTER_FILE
    ws = openpyxl.load_workbook(path)[L.DATA]
    row = next(r for r in range(L.MX_FIRST + 1, ws.max_row + 1) if ws.cell(r, 1).value == discretionary)
    manual = get_column_letter(subject_columns(ws)[short] + 1)
    libreoffice_edit(path, {f"{L.DATA}!{manual}{row}": "0"})
    outcome = write_master(project)
    assert [(f.code, f.message.split("：")[0], f.cell) for f in outcome.findings] == [("manual-entry", short, f"{manual}{row}")]
    assert column_index_from_string(manual) > len(L.MX_DATA_FIXED)
    assert totals(project)[subject] == pytest.approx(
        headless(tmp_path, project.rubric.id, {**sent[subject], discretionary: 0})["total"]
    )


def test_a_ledger_from_before_subjects_gains_the_columns_and_keeps_its_entries(tmp_path: Path) -> None:
    path = tmp_path / LEDGER_FILE
    old = sqlite3.connect(path)
    old.executescript(
        """
        CREATE TABLE manual_entries (seq INTEGER PRIMARY KEY AUTOINCREMENT, round TEXT NOT NULL, input TEXT NOT NULL,
            value TEXT, raw TEXT NOT NULL, sheet TEXT NOT NULL, cell TEXT NOT NULL, master_hash TEXT NOT NULL,
            entered_at TEXT NOT NULL);
        CREATE TABLE resolutions (seq INTEGER PRIMARY KEY AUTOINCREMENT, round TEXT NOT NULL, input TEXT NOT NULL,
            value TEXT NOT NULL, unit TEXT, note TEXT NOT NULL, resolved_at TEXT NOT NULL, after_file_seq INTEGER NOT NULL);
        INSERT INTO manual_entries (round, input, value, raw, sheet, cell, master_hash, entered_at)
            VALUES ('2019', 'x', '4', '4', '数据', 'I5', 'h', '2019-03-01T00:00:00');
        INSERT INTO resolutions (round, input, value, unit, note, resolved_at, after_file_seq)
            VALUES ('2019', 'y', '7', NULL, '', '2019-03-01T00:00:00', 0);
        CREATE TABLE files (seq INTEGER PRIMARY KEY AUTOINCREMENT, hash TEXT NOT NULL UNIQUE,
            original_name TEXT NOT NULL, size INTEGER NOT NULL, received_at TEXT NOT NULL, processed_at TEXT NOT NULL,
            status TEXT NOT NULL, template TEXT NOT NULL, unit TEXT, round TEXT, project_id TEXT, rubric TEXT,
            rubric_version TEXT, signature TEXT, archived_as TEXT);
        CREATE TABLE input_values (file_seq INTEGER NOT NULL REFERENCES files(seq), unit TEXT NOT NULL,
            round TEXT NOT NULL, input TEXT NOT NULL, value TEXT NOT NULL, raw TEXT NOT NULL, sheet TEXT NOT NULL,
            cell TEXT NOT NULL, PRIMARY KEY (file_seq, input));
        INSERT INTO files (hash, original_name, size, received_at, processed_at, status, template, unit, round)
            VALUES ('h1', 'a.xlsx', 1, '2019-03-01T00:00:00', '2019-03-01T00:00:00', 'accepted', 'current', '市人社局', '2019');
        INSERT INTO input_values VALUES (1, '市人社局', '2019', 'z', '0.5', '50%', '数据填报', 'F3');
        """
    )
    old.commit()
    old.close()
    ledger = Ledger(path)
    try:
        assert ledger.manual("2019")["x"].value == 4 and ledger.resolutions("2019") == {"y": (7, 0)}
        assert ledger.manual("2019", "中原区人民政府") == {} and ledger.resolutions("2019", "中原区人民政府") == {}
        ledger.resolve("2019", "y", 8, None, "", "2019-03-02T00:00:00", "中原区人民政府")
        assert ledger.resolutions("2019", "中原区人民政府") == {"y": (8, 1)} and ledger.resolutions("2019")["y"][0] == 7
        (kept,) = ledger.current_values("2019")["z"]  # the values table rebuilt with the subject in its key
        assert (kept.unit, kept.value, kept.subject, kept.cell) == ("市人社局", 0.5, "", "F3")
        keys = [row[1] for row in ledger.db.execute("PRAGMA table_info(input_values)") if row[5]]
        assert keys == ["file_seq", "input", "subject"]
        # a second process that saw the old ledger before this one upgraded it checks again under the
        # write lock: nothing is rebuilt twice, no subject lost
        ledger.db.execute("INSERT INTO input_values VALUES (1, '市人社局', '2019', 'z', '1', '1', '分对象填报', 'C3', '中原区人民政府')")
        ledger._outdated = lambda: True  # type: ignore[method-assign]
        ledger._upgrade()
        subjects = sorted(r[0] for r in ledger.db.execute("SELECT subject FROM input_values"))
        assert subjects == ["", "中原区人民政府"]
    finally:
        ledger.close()


def test_recovery_and_findings_sheets_name_each_subject(consolidated) -> None:  # noqa: ANN001
    """提分空间: each ranked subject's items with the most points to win back (at most 3, by gain, the
    same as its own 提分空间); 问题清单: a 考核对象 column naming whose problem each row is (scoring's
    findings and those of the subject's own files)."""
    project, _, _ = consolidated
    write_master(project)
    listed = {s["short"]: s for s in scores_json(project)["subjects"]}
    wb = openpyxl.load_workbook(project.root / L.MASTER_FILE, read_only=True)
    try:
        recovery = [r for r in wb[L.RECOVERY].iter_rows(min_row=4, values_only=True) if r[1]]
        problems = list(wb[L.FINDINGS].iter_rows(min_row=3, values_only=True))
    finally:
        wb.close()
    for short, entry in listed.items():
        mine = [r for r in recovery if r[1] == short and isinstance(r[2], int)]
        ranked = sorted((r for r in entry["recoveries"] if r["rank"] is not None), key=lambda r: r["rank"])[:3]
        assert [(r[3], r[8]) for r in mine] == [(r["item"], pytest.approx(r["gain"])) for r in ranked], short
    assert problems[0][:3] == ("严重程度", "考核对象", "代码")
    shorts = {project.registry.units[s].label: project.registry.units[s].short for s in project.subjects}
    named = [r for r in problems[1:] if r[1]]
    assert named and all(r[3].startswith(f"{shorts[r[1]]}：") for r in named if not r[4])  # scoring's, by name
    own_files = {project.registry.units[s].label: s for s in project.subjects}
    assert all(r[1] in own_files for r in named if r[4])  # a subject's own file: its findings are about it


def test_report_shows_each_subjects_top_items_and_one_subject_whole(consolidated) -> None:  # noqa: ANN001
    """`xinyong report` on a many-subject project: every subject in rank order with its items of most
    points to win back (the whole project has no figures of its own); `--subject` one subject's whole
    plan; `--json` every subject's document; the ribbon's 提分空间 button says the same."""
    project, _, _ = consolidated
    listed = {s["short"]: s for s in scores_json(project)["subjects"]}
    runner = CliRunner()
    done = runner.invoke(main, ["report", str(project.root)])
    assert done.exit_code in (0, 1), done.output
    lines = done.output.splitlines()
    for short, entry in listed.items():
        head = next(k for k, line in enumerate(lines) if line.split()[1:2] == [short])
        top = [r["title"] for r in sorted((r for r in entry["recoveries"] if r["rank"]), key=lambda r: r["rank"])[:3]]
        shown = [line.split("：")[0].split(". ", 1)[1] for line in lines[head + 1 : head + 1 + len(top)]]
        assert shown == top, short
    ranked = sorted((s for s in listed.values() if s["rank"] is not None), key=lambda s: s["rank"])
    one = runner.invoke(main, ["report", str(project.root), "--subject", ranked[0]["short"]])
    assert one.exit_code in (0, 1) and one.output.startswith("提分空间（按可挽回分值排序）：")
    best = next(r for r in ranked[0]["recoveries"] if r["rank"] == 1)
    assert f"1. {best['title']}：" in one.output
    as_json = json.loads(runner.invoke(main, ["report", str(project.root), "--json"]).output)
    assert [s["subject"] for s in as_json["subjects"]] == project.subjects
    reply = on_action("xy_report", str(project.root / SETTINGS_FILE))
    assert reply.ok and f"1. {best['title']}" in reply.message


def test_a_new_round_carries_each_subjects_own_figures_over(consolidated, tmp_path: Path) -> None:  # noqa: ANN001
    """With carry_over, a subject's figure missing in a new round is its own from the round before, never
    another subject's; a subject that never reported has nothing to carry. (Last in this module: it moves
    the project to a second round.)"""
    project, sent, _ = consolidated
    before = totals(project)
    text = (project.root / SETTINGS_FILE).read_text(encoding="utf-8")
    text = re.sub(r"(?m)^round: .*$", "round: 第二轮", text).replace("carry_over: false", "carry_over: true")
    (project.root / SETTINGS_FILE).write_text(text, encoding="utf-8")
    second, _ = open_project(project.root)
    generate(second, force=True)
    complete = [s for s, v in sent.items() if len(v) == len(project.rubric.inputs)]
    changed = complete[0]
    half = {i: v for n, (i, v) in enumerate(figures(second, 99).items()) if n % 2}
    source, _ = outgoing_files(second)[changed]
    fill_workbook(source, second.inbox / "第二轮回执.xlsx", half)
    consolidate(second)
    after = totals(second)
    assert after[changed] == pytest.approx(headless(tmp_path, project.rubric.id, {**sent[changed], **half})["total"])
    for subject, total in before.items():
        if subject != changed:
            assert after[subject] == total  # everything carried over from its own first round (or nothing)


@pytest.mark.oracle
@pytest.mark.skipif(not has_uno(), reason="LibreOffice's Python bridge not installed")
def test_score_reads_back_an_assessors_score_saved_by_libreoffice(consolidated, tmp_path: Path) -> None:  # noqa: ANN001
    """`xinyong score` on a many-subject project reads the 考核分 back as `master` and 重新计分 do: the subject's
    total, its rank among the others and the ledger all follow the typed score."""
    project, sent, _ = consolidated
    write_master(project)
    before = {s["subject"]: s for s in scores_json(project)["subjects"]}
    leader = min((s for s in before.values() if s["rank"] is not None), key=lambda s: s["rank"])
    subject = leader["subject"]
    discretionary = [i for i, spec in project.rubric.inputs.items() if spec.type == "discretionary"]
    path = project.root / L.MASTER_FILE
    ws = openpyxl.load_workbook(path)[L.DATA]
    manual = get_column_letter(subject_columns(ws)[leader["short"]] + 1)
    rows = {ws.cell(r, 1).value: r for r in range(L.MX_FIRST + 1, ws.max_row + 1)}
    libreoffice_edit(path, {f"{L.DATA}!{manual}{rows[i]}": "0" for i in discretionary})
    after = {s["subject"]: s for s in scores_json(project)["subjects"]}
    expected = headless(tmp_path, project.rubric.id, {**sent[subject], **dict.fromkeys(discretionary, 0)})["total"]
    assert after[subject]["total"] == pytest.approx(expected) and expected < leader["total"]
    higher = sum(1 for s in after.values() if s["total"] is not None and s["total"] > after[subject]["total"] + 1e-9)
    assert after[subject]["rank"] == higher + 1 > 1
    ledger = Ledger(project.root / LEDGER_FILE)
    try:  # the round as the settings say now (another test of this module may have started a new one)
        entered = ledger.manual(open_project(project.root)[0].settings.round, subject)
    finally:
        ledger.close()
    assert {i: entered[i].value for i in discretionary} == dict.fromkeys(discretionary, 0)
    assert after[subject]["provisional"] == 0


@pytest.mark.oracle
@pytest.mark.skipif(find_soffice() is None, reason="LibreOffice not installed")
def test_the_ranking_follows_a_typed_score_when_the_workbook_recalculates(consolidated) -> None:  # noqa: ANN001
    """排名's rank and total are formulas over 评分表: a 考核分 typed into 数据 and recalculated (no rewrite)
    changes the subject's total there and its rank, in place."""
    project, sent, _ = consolidated
    write_master(project)
    path = project.root / L.MASTER_FILE
    earlier = openpyxl.load_workbook(path, data_only=True)["排名"]["D4"].value  # the leader's total as written
    wb = openpyxl.load_workbook(path)
    ranking = wb["排名"]
    row_of = {ranking.cell(r, 2).value: r for r in range(4, ranking.max_row + 1) if ranking.cell(r, 2).value}
    first = next(subject for subject, r in row_of.items() if r == 4)
    short = project.registry.units[first].short
    discretionary = [i for i, spec in project.rubric.inputs.items() if spec.type == "discretionary"]
    data = wb[L.DATA]
    col = subject_columns(data)[short] + 1
    for r in range(L.MX_FIRST + 1, data.max_row + 1):
        if data.cell(r, 1).value in discretionary:
            data.cell(r, col).value = 0
    wb.save(path)
    values = recalculated_values(path)
    shown = values["排名"]
    totals = {s: float(shown[f"D{r}"]) for s, r in row_of.items() if isinstance(shown.get(f"D{r}"), int | float)}
    lower = totals[first]
    assert lower < earlier
    assert shown["A4"] == 1 + sum(1 for t in totals.values() if t > lower + 1e-9)
    assert shown["A4"] > 1  # the former leader, now lower, keeps its row but not its rank
