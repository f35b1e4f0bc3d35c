"""提分空间 never ranks an item it cannot score: on a project with no returns (every item 未计分) and
with part of the returns, the CLI text, the JSON, the master's 提分空间 sheet and the overview's top
list rank only plans that win points back (gain > 0) and name the unscored items 未计分, after them."""

from __future__ import annotations

import json
import re
from datetime import date, datetime

import pytest
from click.testing import CliRunner
from python_calamine import CalamineWorkbook

from tests.test_master_manual import EXAMPLE
from tests.test_recovery import plan
from udfs.recovery import UNSCORED, grouped
from workbooks.cli import main
from workbooks.generate.fill import fill_returns, outgoing_files
from workbooks.generate.run import generate
from workbooks.intake.consolidate import consolidate
from workbooks.master import layout as L
from workbooks.master.state import MasterState
from workbooks.project import Project, init_project

RANKED_LINE = re.compile(r"^  (\d+)\. (.+)：得 ([\d.]+) / ([\d.]+)，可挽回 ([\d.]+) 分")


def cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def recovery_rows(project: Project) -> list[list[object]]:
    rows = CalamineWorkbook.from_path(str(project.root / L.MASTER_FILE)).get_sheet_by_name(L.RECOVERY).to_python()
    first = next(k for k, row in enumerate(rows) if row[0] == "排名") + 1
    end = next((k for k in range(first, len(rows)) if rows[k][0] == ""), len(rows))  # the risks table follows
    return rows[first:end]


def overview_texts(project: Project) -> list[str]:
    rows = CalamineWorkbook.from_path(str(project.root / L.MASTER_FILE)).get_sheet_by_name(L.OVERVIEW).to_python()
    return [str(c) for row in rows for c in row if c != ""]


# ---- no returns yet ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def empty(tmp_path_factory: pytest.TempPathFactory) -> Project:
    project = init_project(tmp_path_factory.mktemp("unscored") / "项目", "national-2019", today=date(2019, 3, 1))
    generate(project)
    return project


def test_report_without_returns_ranks_nothing_and_names_the_unscored(empty: Project) -> None:
    code, out = cli("report", str(empty.root))
    assert code == 1
    assert "可挽回 0 分" not in out and not [line for line in out.splitlines() if RANKED_LINE.match(line)]
    assert "暂无可通过调整数据挽回的分值" in out
    assert f"{UNSCORED}的指标（66 项" in out
    assert "  · 贯彻落实党中央国务院决策部署（满分 4 分）：未计分，缺数据（市信用办）" in out
    assert "补报后才能计分" in out


def test_master_without_returns_names_no_best_item(empty: Project) -> None:
    code, out = cli("master", str(empty.root))
    assert code == 1
    assert "提分空间最大" not in out and "可挽回 0 分" not in out
    assert f"{UNSCORED}的指标 66 项（缺数据 66 项）" in out
    rows = recovery_rows(empty)
    assert len(rows) == 66 and {r[0] for r in rows} == {UNSCORED} and {r[4] for r in rows} == {UNSCORED}
    assert {r[6] for r in rows} == {""}  # 可挽回: not known, not 0
    texts = overview_texts(empty)
    assert not [t for t in texts if "可挽回 0 分" in t or re.match(r"1\. ", t)]
    assert f"{UNSCORED}的指标 66 项" in texts and "暂无可通过调整数据挽回的分值" in texts


def test_json_without_returns_has_no_rank_and_no_gain(empty: Project) -> None:
    _, out = cli("master", str(empty.root), "--json")
    recoveries = json.loads(out)["recoveries"]
    assert len(recoveries) == 66
    assert all(r["status"] == "unscored" and r["rank"] is None and r["gain"] is None for r in recoveries)
    assert {r["unscored"] for r in recoveries} == {"缺数据"}


# ---- part of the returns -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def partial(tmp_path_factory: pytest.TempPathFactory) -> tuple[Project, MasterState]:
    project = init_project(tmp_path_factory.mktemp("partial") / "项目", "national-2019", today=date(2019, 3, 1))
    generate(project)
    fill_returns(project, EXAMPLE, units=sorted(outgoing_files(project))[::2])  # every other unit returns
    outcome = consolidate(project, now=datetime(2019, 3, 20, 9, 0)).master
    assert outcome is not None
    return project, outcome.state


def test_partial_data_has_both_ranked_and_unscored_items(partial: tuple[Project, MasterState]) -> None:
    _, state = partial
    ranked, fixed, unscored = grouped(state.recoveries)
    assert ranked and unscored
    assert all(r.gain > 0 and r.score is not None for r in ranked)
    assert all(r.score is None and r.status.startswith(f"{UNSCORED}，") for r in unscored)
    assert all(r.score is not None and r.gain == 0 for r in fixed)
    assert state.recoveries == ranked + fixed + unscored  # recover() already lists unscored items last


def test_partial_report_ranks_only_items_that_gain(partial: tuple[Project, MasterState]) -> None:
    project, state = partial
    ranked, _, unscored = grouped(state.recoveries)
    _, out = cli("report", str(project.root), "--top", "100")
    lines = [m for line in out.splitlines() if (m := RANKED_LINE.match(line))]
    assert [int(m[1]) for m in lines] == list(range(1, len(ranked) + 1))
    assert all(float(m[5]) > 0 for m in lines) and "可挽回 0 分" not in out
    assert [m[2] for m in lines] == [r.title for r in ranked]
    section = out.split(f"{UNSCORED}的指标（", 1)[1]
    for rec in unscored:
        assert f"  · {rec.title}（满分" in section and rec.title not in [m[2] for m in lines]
    _, master = cli("master", str(project.root))
    assert f"提分空间最大：{ranked[0].title}" in master


def test_partial_sheet_and_json_rank_only_items_that_gain(partial: tuple[Project, MasterState]) -> None:
    project, state = partial
    ranked, fixed, unscored = grouped(state.recoveries)
    _, out = cli("master", str(project.root), "--json")
    data = json.loads(out)["recoveries"]
    assert [r["rank"] for r in data] == list(range(1, len(ranked) + 1)) + [None] * (len(fixed) + len(unscored))
    assert all(r["gain"] > 0 for r in data if r["rank"] is not None)
    assert [r["item"] for r in data if r["status"] == "unscored"] == [r.item for r in unscored]
    rows = recovery_rows(project)
    numbered = [r for r in rows if isinstance(r[0], float)]
    assert [int(r[0]) for r in numbered] == list(range(1, len(ranked) + 1)) and all(r[6] > 0 for r in numbered)
    assert [r[1] for r in rows if r[0] == UNSCORED] == [r.item for r in unscored]
    top = [t for t in overview_texts(project) if re.match(r"\d\. ", t)]
    assert top == [f"{k}. {r.title}" for k, r in enumerate(ranked[:5], 1)]


# ---- the plans themselves ----------------------------------------------------------------------------------


def test_why_an_item_is_not_scored() -> None:
    recoveries, _ = plan(cs_archived=None, npl_rate=None, gov_events_total=1, gov_events_rectified=3)
    by_item = {r.item: r for r in recoveries}
    assert by_item["s03_archives"].status == "未计分，缺数据" and not by_item["s03_archives"].ranked
    assert by_item["s07_npl"].status == "未计分，缺数据"
    assert by_item["s03_gov_events"].status == "未计分，数据有误"  # rectified more than the total
    assert all(r.status == "" for r in recoveries if r.score is not None)
    kinds = [r.score is None for r in recoveries]
    assert kinds == sorted(kinds)  # every unscored item after every scored one
