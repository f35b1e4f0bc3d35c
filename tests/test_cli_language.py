"""The command line speaks the office's language: click's own usage lines, help headings and errors
in Chinese, a wrong rubric or registry name answered with the valid ones and the near one, and
options that are checked instead of silently ignored (nothing written when refused)."""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import date
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from workbooks.cli import main
from workbooks.ledger import LEDGER_FILE
from workbooks.project import init_project

CLICK_ENGLISH = re.compile(
    r"Usage:|Error:|Try '|Invalid value|Missing (argument|option|parameter)|No such|Show this message|does not exist|"
    r"Did you mean|Options:|Commands:|is not a valid|is a file|is a directory|\[OPTIONS\]|COMMAND \[ARGS\]|"
    r"\bTEXT\b|\bINTEGER\b|\brequired\b"
)


def run(*args: object) -> tuple[int, str]:
    result = CliRunner().invoke(main, [str(a) for a in args], prog_name="xinyong")
    return result.exit_code, result.stdout if "--json" in args else result.output


def commands(group: click.Group, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = [path]
    for name, command in group.commands.items():
        out += commands(command, (*path, name)) if isinstance(command, click.Group) else [(*path, name)]
    return out


def test_every_help_is_chinese_throughout() -> None:
    for path in commands(main):
        code, out = run(*path, "--help")
        assert code == 0 and "用法：xinyong" in out and not CLICK_ENGLISH.search(out), (path, out)


def test_help_never_breaks_a_name_a_clerk_types() -> None:
    """At any terminal width, a hyphenated name (a rubric, a default, an option) stays on one line."""
    hyphen_break = re.compile(r"[A-Za-z0-9]-\n")
    for width in (30, 44, 60, 80):
        for path in commands(main):
            done = CliRunner().invoke(main, [*path, "--help"], prog_name="xinyong", terminal_width=width)
            assert not hyphen_break.search(done.output), (width, path, done.output)
            assert "national-2019" in done.output or "national-" not in done.output


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["scroe"], "没有“scroe”这个命令。 是不是要写 'score'？"),
        (["report", "不存在的文件夹"], "'项目文件夹' 的值不对：文件夹“不存在的文件夹”不存在"),
        (["rubric", "show"], "缺少参数 '指标体系'"),
        (["report", "--top", "十"], "“十”不是有效的数字"),
        (["rubric", "check", "--nope"], "没有“--nope”这个选项"),
        (["round"], "用法：xinyong round [选项] 命令 [参数]..."),
    ],
)
def test_clicks_own_errors_are_chinese(args: list[str], said: str) -> None:
    code, out = run(*args)
    assert not CLICK_ENGLISH.search(out), out
    assert said in out


def test_a_wrong_rubric_or_registry_name_lists_the_valid_ones_and_the_near_one(tmp_path: Path) -> None:
    code, out = run("init", tmp_path / "新项目", "--rubric", "nationl-2019")
    assert code == 2 and "national-2019、wangyi-district" in out and "是不是“national-2019”？" in out
    code, out = run("init", tmp_path / "新项目", "--registry", "yichang2")
    assert code == 2 and "wangyi、yichang、zhengzhou" in out and "是不是“yichang”？" in out
    assert not (tmp_path / "新项目").exists()


def test_options_are_checked_not_ignored(tmp_path: Path) -> None:
    p = init_project(tmp_path / "项目", "national-2019", today=date(2019, 3, 1))
    code, out = run("report", p.root, "--top", "0")
    assert code == 2 and "--top" in out
    code, out = run("score", "--subject", "金水区")
    assert code == 2 and "--subject 要和项目文件夹一起用" in out
    code, out = run("init", tmp_path / "又一个项目", "--year", "20")
    assert code == 2 and "--year" in out and "2000" in out and not (tmp_path / "又一个项目").exists()
    code, out = run("resolve", p.root, "npl_rate", "2.8%", "--unit", "不存在的单位")
    assert code == 2 and "单位名录中没有“不存在的单位”这个单位" in out
    ledger = p.root / LEDGER_FILE
    if ledger.exists():
        with sqlite3.connect(ledger) as db:
            assert db.execute("SELECT COUNT(*) FROM resolutions").fetchone()[0] == 0  # nothing recorded
    code, out = run("resolve", p.root, "npl_rate", "2.8%", "--unit", "人行")
    assert code == 0 and "（人行宜昌中心支行）" in out  # recorded under the name office staff know


def test_rubric_import_refuses_a_workbook_that_is_not_a_rubric_and_writes_nothing(tmp_path: Path) -> None:
    form = tmp_path / "填报.xlsx"
    assert run("inputs", "template", form)[0] == 0
    code, out = run("rubric", "import", form, tmp_path / "r.yaml")
    assert code == 2 and "不是指标体系工作簿" in out and not (tmp_path / "r.yaml").exists()


def test_a_many_subject_project_counts_per_subject_and_the_demo_names_reports_late_units(tmp_path: Path) -> None:
    from workbooks.demo_subjects import run_subjects_demo, subjects_summary_text

    demo = run_subjects_demo(tmp_path / "考核", "zhengzhou-2019-counties")
    root = demo.project.root
    code, out = run("consolidate", root, "--json")
    per_subject = json.loads(out)["subject_values"]
    assert set(per_subject) == set(demo.project.subjects)
    assert sum(len(v) for v in per_subject.values()) > 0 and per_subject[demo.missing] == {}
    code, out = run("consolidate", root)
    assert f"逐一考核 {len(demo.project.subjects)} 个对象，已确定的数据项每个对象 0–" in out
    late = [u.label for u in demo.master.state.units if u.late]
    assert len(late) >= 2  # the staged late file and the resubmission after the deadline
    assert f"逾期：{'、'.join(late)}；" in subjects_summary_text(demo)
    assert f"逾期单位 {len(late)} 个：{'、'.join(late)}" in run("report", root)[1]


README = Path(__file__).resolve().parents[1] / "README.md"


def readme_table() -> tuple[dict[tuple[str, ...], set[str]], set[str]]:
    """The README's table of commands (“能做什么”): each row's command and the options it names; and
    the options the lines around the table give every command (“加 `--json` …”)."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("### 能做什么") : text.index("#### 退出码")]
    rows: dict[tuple[str, ...], set[str]] = {}
    general: set[str] = set()
    for line in section.splitlines():
        options = set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", line))
        if not line.startswith("| `xinyong "):
            general |= options
            continue
        words = line.split("`")[1].split()[1:]
        path: tuple[str, ...] = ()
        group: click.Command = main
        while words and isinstance(group, click.Group) and words[0] in group.commands:
            group = group.commands[words[0]]
            path, words = (*path, words[0]), words[1:]
        rows.setdefault(path, set()).update(options)
    return rows, general


def test_the_readme_lists_every_command_and_option_a_user_can_type() -> None:
    rows, general = readme_table()
    for path in commands(main):
        command: click.Command = main
        for word in path:
            command = command.commands[word]  # type: ignore[attr-defined]
        if isinstance(command, click.Group):
            continue
        assert path in rows, f"README 的命令表缺 xinyong {' '.join(path)}"
        for param in command.params:
            if not isinstance(param, click.Option) or param.hidden:
                continue
            names = {*param.opts, *param.secondary_opts} - {"-h"}
            assert names & (rows[path] | general), f"README 的命令表缺 xinyong {' '.join(path)} 的 {param.opts[0]}"
    known = {"--help"} | {o for path in commands(main) for o in _options(path)}
    unknown = (set().union(*rows.values()) | general) - known
    assert not unknown, f"README 写了命令行没有的选项：{unknown}"


def _options(path: tuple[str, ...]) -> set[str]:
    command: click.Command = main
    for word in path:
        command = command.commands[word]  # type: ignore[attr-defined]
    return {o for p in command.params if isinstance(p, click.Option) for o in (*p.opts, *p.secondary_opts)}
