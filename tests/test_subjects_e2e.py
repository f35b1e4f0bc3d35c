"""Assessments of many subjects end to end, the 16 counties (zhengzhou-2019-counties) and the 44 city
units (zhengzhou-2019-units): each subject returns its workbook with its own figures under a scrambled
name (most filled with openpyxl, three by LibreOffice, which saves them with its own writer); every subject's score from the ledger equals the headless score of its own figures alone
(`xinyong score --rubric … --inputs one-subject.json`), nothing conflicts across subjects, two subjects
with the same figures share a rank, one with figures missing ranks after the complete ones, one that
never returned has no rank, and a resubmission changes only its own subject."""

from __future__ import annotations

import json
import os
import random
import subprocess
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from tests.test_consolidate_e2e import has_uno, libreoffice_fill
from udfs.sampling import sample_value
from workbooks.cli import main
from workbooks.generate.fill import fill_workbook
from workbooks.generate.run import generate, packages
from workbooks.intake.consolidate import consolidate
from workbooks.master.layout import MASTER_FILE
from workbooks.master.recalc import find_soffice
from workbooks.project import Project, init_project

RUBRIC = "zhengzhou-2019-counties"
SEED = 20261129
LIBREOFFICE = (5, 6, 7)  # the subjects (in return order) whose workbooks LibreOffice fills and saves
T0 = 1_560_000_000


def figures(project: Project, k: int) -> dict[str, object]:
    rng = random.Random(f"{SEED}/{k}")
    return {i: sample_value(spec, rng) for i, spec in project.rubric.inputs.items()}


def headless(tmp: Path, rubric: str, values: dict[str, object]) -> dict:
    path = tmp / "one-subject.json"
    path.write_text(json.dumps({"rubric": rubric, "inputs": values}, ensure_ascii=False), encoding="utf-8")
    done = CliRunner().invoke(main, ["score", "--rubric", rubric, "--inputs", str(path), "--json"])
    assert done.exit_code in (0, 1), done.output
    return json.loads(done.output)


@pytest.fixture(scope="module", params=[(RUBRIC, 16), ("zhengzhou-2019-units", 44)], ids=lambda p: p[0])
def assessment(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> tuple[Project, dict[str, dict[str, object]], Path]:
    rubric, count = request.param
    tmp = tmp_path_factory.mktemp("subjects")
    project = init_project(tmp / "项目", rubric, today=date(2019, 3, 1))
    generate(project)
    assert len(project.subjects) == count
    books = {p.unit.name: p for p in packages(project)[0]}
    outbox = {p.name.removesuffix("-任务分解表.xlsx"): p for p in project.outbox.glob("*-任务分解表.xlsx")}
    sent: dict[str, dict[str, object]] = {}
    rng = random.Random(SEED)
    order = rng.sample(project.subjects, len(project.subjects))
    by_libreoffice, targets = [], []
    for k, subject in enumerate(order[:-1]):  # the last one never returns
        values = figures(project, k)
        if k == 2:
            values = dict(sent[order[1]])  # the same figures as the one before: a tie
        if k == 3:
            values = {i: v for n, (i, v) in enumerate(values.items()) if n % 5}  # some figures left out
        label = books[subject].unit.label
        target = project.inbox / f"回执{rng.randrange(10**6):06d}.xlsx"
        if k in LIBREOFFICE and has_uno():  # the other office suite fills and saves these
            by_libreoffice.append({"source": str(outbox[label]), "target": str(target), "values": values})
        else:
            fill_workbook(outbox[label], target, values)
        sent[subject] = values
        targets.append(target)
    if by_libreoffice:
        libreoffice_fill(by_libreoffice)
    for k, target in enumerate(targets):
        os.utime(target, (T0 + k, T0 + k))
    return project, sent, tmp


def scores_json(project: Project, *extra: str) -> dict:
    done = CliRunner().invoke(main, ["score", str(project.root), "--json", *extra])
    assert done.exit_code in (0, 1), done.output
    return json.loads(done.output)


def test_each_subjects_score_is_the_score_of_its_own_figures_alone(assessment, tmp_path: Path) -> None:  # noqa: ANN001
    project, sent, _ = assessment
    summary = consolidate(project)
    assert [o.status for o in summary.outcomes] == ["accepted"] * (len(project.subjects) - 1)
    assert not [f for f in summary.findings if f.code == "value-conflict"]  # subjects never conflict
    listed = scores_json(project)["subjects"]
    assert [s["subject"] for s in listed] == project.subjects  # in the project's order
    for entry in listed:
        if entry["subject"] not in sent:
            assert (entry["rank"], entry["total"]) == (None, None)
            continue
        alone = headless(tmp_path, project.rubric.id, sent[entry["subject"]])
        assert entry["total"] == pytest.approx(alone["total"])
        assert [s["score"] for s in entry["sections"]] == [s["score"] for s in alone["sections"]]


def test_ranks_follow_totals_share_ties_and_say_why_a_rank_is_provisional(assessment) -> None:  # noqa: ANN001
    """The rule on 排名 and in the README: by current total, highest first, ties share a rank (1, 2, 2, 4); a
    subject with unscored items is marked 待补 with the count and reason; nothing scored, no total, no rank."""
    project, sent, _ = assessment
    listed = scores_json(project)["subjects"]
    ranked = sorted((s for s in listed if s["rank"] is not None), key=lambda s: s["rank"])
    assert len(ranked) == len(project.subjects) - 1
    for a, b in zip(ranked, ranked[1:], strict=False):
        assert a["total"] >= b["total"]  # a higher total is never printed below a lower one
        assert (a["rank"] == b["rank"]) == (a["total"] == pytest.approx(b["total"]))
    same = [s for s in listed if s["subject"] in sent and sent[s["subject"]] == sent[list(sent)[1]]]
    assert len(same) == 2 and same[0]["rank"] == same[1]["rank"]  # the tie shares one rank
    ranks = [s["rank"] for s in ranked]
    assert all(r == k + 1 or r == ranks[k - 1] for k, r in enumerate(ranks))  # 1, 2, 2, 4: the next rank skips
    for s in ranked:
        unscored = sum(1 for item in s["score"]["items"] if item["score"] is None)
        assert sum(s["pending"].values()) == unscored and s["complete"] == (not unscored)
    (silent,) = [s for s in listed if s["rank"] is None]
    assert silent["total"] is None and silent["score"]["total"] is None
    text = CliRunner().invoke(main, ["score", str(project.root)]).output
    incomplete = next(s for s in ranked if s["pending"])
    reason, count = next(iter(incomplete["pending"].items()))
    assert f"{incomplete['short']}" in text and f"{reason} {count} 项" in text


def test_one_subject_by_short_name_and_a_resubmission_changes_only_that_subject(assessment) -> None:  # noqa: ANN001
    project, sent, _ = assessment
    before = {s["subject"]: s["total"] for s in scores_json(project)["subjects"]}
    first = list(sent)[0]
    short = project.registry.units[first].short
    one = scores_json(project, "--subject", short)
    assert one["subject"] == first and one["total"] == before[first]
    outbox = next(p for p in project.outbox.glob("*.xlsx") if p.name.startswith(project.registry.units[first].label))
    lowered = {i: (0 if isinstance(v, int | float) and not isinstance(v, bool) else v) for i, v in sent[first].items()}
    again = project.inbox / "更正后重新报送.xlsx"
    fill_workbook(outbox, again, lowered)
    os.utime(again, (T0 + 100, T0 + 100))
    consolidate(project)
    after = {s["subject"]: s["total"] for s in scores_json(project)["subjects"]}
    assert after[first] != before[first]
    assert {k: v for k, v in after.items() if k != first} == {k: v for k, v in before.items() if k != first}


def test_the_master_ranks_the_subjects_as_score_does(assessment) -> None:  # noqa: ANN001
    """The master of a many-subject project opens on 排名: one row per subject in rank order with the totals
    `score --json` gives, then 评分表 per subject (tests/test_subjects_master.py); no whole-project 总览 or
    硬指标 (there is no whole-project score)."""
    project, _, _ = assessment
    consolidate(project)
    listed = scores_json(project)["subjects"]
    wb = openpyxl.load_workbook(project.root / MASTER_FILE, read_only=True, data_only=True)  # what it shows
    try:
        assert wb.sheetnames[:2] == ["排名", "评分表"] and "总览" not in wb.sheetnames and "硬指标" not in wb.sheetnames
        rows = [r for r in wb["排名"].iter_rows(min_row=4, values_only=True) if r[1]]
    finally:
        wb.close()
    expected = sorted(listed, key=lambda s: (s["rank"] is None, s["rank"] or 0))
    assert [(r[0], r[1], r[3]) for r in rows] == [
        (s["rank"] if s["rank"] is not None else "—", s["subject"], s["total"] if s["total"] is not None else "未计分")
        for s in expected
    ]


def test_the_counties_demo_prints_the_top_and_bottom_of_the_ranking(tmp_path: Path) -> None:
    root = tmp_path / "演示"
    done = CliRunner().invoke(main, ["demo", str(root), "--rubric", RUBRIC])
    assert done.exit_code == 0, done.output
    listed = scores_json(init_free(root))["subjects"]
    ranked = sorted((s for s in listed if s["rank"] is not None), key=lambda s: s["rank"])
    assert len(ranked) == 15 and sum(s["rank"] is None for s in listed) == 1  # one never returned
    lines = done.output.splitlines()
    top = lines[lines.index("排名前 3 名：") + 1 : lines.index("排名前 3 名：") + 4]
    bottom = lines[lines.index("排名后 3 名：") + 1 : lines.index("排名后 3 名：") + 4]
    assert [line.split()[:2] for line in top] == [[f"第{s['rank']}名", s["short"]] for s in ranked[:3]]
    assert [line.split()[:2] for line in bottom] == [[f"第{s['rank']}名", s["short"]] for s in ranked[-3:]]
    wb = openpyxl.load_workbook(root / MASTER_FILE, read_only=True)
    try:
        head = next(wb["排名"].iter_rows(min_row=3, max_row=3, values_only=True))
        rows = {r[1]: r for r in wb["排名"].iter_rows(min_row=4, values_only=True) if r[1]}
    finally:
        wb.close()
    returned_line = next(line for line in done.output.splitlines() if line.startswith("收回文件"))
    said = dict(part.split("：") for part in returned_line.split("；")[1:])
    assert set(said) == {"逾期", "重新报送", "未报送"}
    # past the deadline (31 March, master on 5 April): the late file, the correction sent on 2 April, and
    # the county that never returned are all 逾期, as the summary says and 排名 marks
    late = head.index("逾期")
    assert sorted(r[2] for r in rows.values() if r[late] == "是") == sorted(said["逾期"].split("、"))
    assert {said["重新报送"], said["未报送"]} <= set(said["逾期"].split("、"))


def init_free(root: Path) -> Project:
    from workbooks.project import open_project

    return open_project(root)[0]


def test_feedback_workbooks_say_each_subjects_rank_sections_and_lost_points(assessment) -> None:  # noqa: ANN001
    """`report --feedback`: one protected A4 workbook per subject, named by its short name, with its
    total and rank of N as `score --json` gives them, each section against the average of the subjects
    with a score, and every item with its lost points."""
    project, _, _ = assessment
    consolidate(project)
    listed = {s["subject"]: s for s in scores_json(project)["subjects"]}
    done = CliRunner().invoke(main, ["report", str(project.root), "--feedback", "--json"])
    assert done.exit_code in (0, 1), done.output
    written = json.loads(done.output)["feedback"]
    assert [w["subject"] for w in written] == project.subjects
    if find_soffice() is not None:  # a PDF beside each workbook, as offices send them
        for w in written:
            text = subprocess.run(["pdftotext", w["pdf"], "-"], capture_output=True, text=True, check=True).stdout
            assert Path(w["pdf"]).parent == Path(w["file"]).parent and w["subject"] in text.replace("\n", "")
    else:
        assert all(w["pdf"] is None for w in written)
    scored = [s for s in listed.values() if s["total"] is not None]
    for w in written:
        s = listed[w["subject"]]
        path = Path(w["file"])
        assert path.name == f"{s['short']}-考核结果反馈.xlsx" and w["rank"] == s["rank"]
        wb = openpyxl.load_workbook(path)
        try:
            ws = wb["考核结果"]
            assert ws.protection.sheet and ws.page_setup.paperSize == 9
            cells = [[c.value for c in row] for row in ws.iter_rows()]
        finally:
            wb.close()
        ranked = sum(1 for x in listed.values() if x["rank"] is not None)  # the count 排名 shows
        assert cells[4][1].startswith(f"第 {s['rank']} 名（{ranked} 个排名对象中" if s["rank"] else "未排名")
        start = next(k for k, r in enumerate(cells) if r[0] == "部分") + 1
        for k, section in enumerate(s["sections"]):
            row = cells[start + k]
            average = sum(x["sections"][k]["score"] for x in scored) / len(scored)
            assert row[1] == section["title"] and row[4] == pytest.approx(average)
            assert row[3] == (pytest.approx(section["score"]) if s["total"] is not None else None)
        first = next(k for k, r in enumerate(cells) if r[0] == "逐项得分（失分及原因）")
        last = next(k for k, r in enumerate(cells) if r[0] == "提分空间（按可挽回分值排序）")
        items = {r[1]: r for r in cells[first:last]}  # by the item's name, as a county reads it
        for rec in s["recoveries"]:
            if rec["score"] is not None:
                assert items[rec["title"]][4] == pytest.approx(rec["lost"], abs=1e-6)  # JSON rounds to 6 places


def test_scoring_findings_are_each_subjects_and_name_it(assessment) -> None:  # noqa: ANN001
    """No finding about the whole of a many-subject project's figures (it has none); each subject's
    scoring findings (a figure missing, …) are there, named by the subject, in `consolidate` and the
    master's 问题清单 alike."""
    project, sent, _ = assessment
    summary = consolidate(project)
    assert summary.master is not None
    shorts = {project.registry.units[s].short for s in project.subjects}
    scoring = [f for f in summary.master.state.findings if f.code == "input-missing"]
    assert scoring and all(f.message.split("：")[0] in shorts for f in scoring)
    incomplete = next(s for s, values in sent.items() if len(values) < len(project.rubric.inputs))
    short = project.registry.units[incomplete].short
    missing = {i for i in project.rubric.inputs if i not in sent[incomplete]}
    assert {f.input for f in scoring if f.message.startswith(f"{short}：")} == missing
    wb = openpyxl.load_workbook(project.root / MASTER_FILE, read_only=True)
    try:
        listed = [str(c) for row in wb["问题清单"].iter_rows(values_only=True) for c in row if c]
    finally:
        wb.close()
    assert any(text.startswith(f"{short}：") for text in listed)
