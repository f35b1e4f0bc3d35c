"""The ribbon buttons' Python side, driven with real project folders: each job runs the same service
as the CLI and ends in the message a user would see, including when things go wrong."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from addin.callbacks import BUTTONS, master_to_release, on_action
from tests.test_consolidate import lock_held_elsewhere
from tests.test_master_manual import EXAMPLE
from workbooks.console import LOG_FILE
from workbooks.generate.fill import fill_returns
from workbooks.master.layout import MASTER_FILE
from workbooks.project import Project, init_project


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return init_project(tmp_path / "宜昌2019", "national-2019", today=date(2019, 3, 1))


def test_every_button_runs_its_job_for_the_active_workbooks_project(project: Project) -> None:
    settings = str(project.root / "项目设置.yaml")
    reply = on_action("xy_generate", settings)
    assert "个单位生成任务分解表" in reply.message and len(list(project.outbox.glob("*.xlsx"))) == 64
    # the settings' contact and phone are still blank: generated, with the warning the command line gives too
    assert not reply.ok and "settings-contact-missing" in reply.message and "联系人" in reply.message
    again = on_action("xy_generate", settings)
    assert "未变化 63" in again.message
    fill_returns(project, EXAMPLE)
    returned = str(next(project.inbox.glob("*.xlsx")))  # a returned workbook is active: its project is found
    check = on_action("xy_check", returned)
    assert "校验模式，未写入任何内容" in check.message and not (project.root / MASTER_FILE).exists()
    done = on_action("xy_consolidate", returned)
    assert "已采用 63" in done.message and "评分总表" in done.message and (project.root / MASTER_FILE).exists()
    master = str(project.root / MASTER_FILE)
    rescore = on_action("xy_rescore", master)
    assert rescore.ok and "总分" in rescore.message
    recovery = on_action("xy_report", master)
    assert "提分空间" in recovery.message and "可挽回" in recovery.message
    assert len(recovery.message) <= 1024
    folder = on_action("xy_open_folder", master)
    assert folder.open_path == project.root
    assert "生成下发表" in on_action("xy_help", None).message
    one_whole = on_action("xy_feedback", master)
    assert not one_whole.ok and "评估的是一个整体" in one_whole.message  # feedback is for many-subject projects
    assert set(BUTTONS) == {"xy_generate", "xy_consolidate", "xy_check", "xy_new_round", "xy_rescore", "xy_report", "xy_feedback", "xy_open_folder", "xy_help"}  # fmt: skip


def test_the_feedback_button_writes_one_workbook_per_subject(tmp_path: Path) -> None:
    """In a counties project the button runs `report --feedback`'s service and opens the folder it wrote."""
    counties = init_project(tmp_path / "县区考核", "zhengzhou-2019-counties", today=date(2019, 3, 1))
    reply = on_action("xy_feedback", str(counties.root / "项目设置.yaml"))
    written = sorted(p.name for p in (counties.root / "反馈").glob("*.xlsx"))
    assert reply.ok and reply.open_path == counties.root / "反馈" and "16 个考核对象" in reply.message
    assert len(written) == 16 and all(name.endswith("-考核结果反馈.xlsx") for name in written)


def test_buttons_explain_what_is_wrong(project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    unsaved = on_action("xy_consolidate", "工作簿1")
    assert not unsaved.ok and "还没有保存" in unsaved.message
    elsewhere = tmp_path / "别处" / "表.xlsx"
    elsewhere.parent.mkdir()
    outside = on_action("xy_rescore", str(elsewhere))
    assert not outside.ok and "不在评估项目文件夹中" in outside.message
    assert not on_action("xy_unknown", str(elsewhere)).ok
    settings = str(project.root / "项目设置.yaml")
    with lock_held_elsewhere(project):
        monkeypatch.setattr("workbooks.lock.LOCK_WAIT", 0.3)
        busy = on_action("xy_rescore", settings)
    assert not busy.ok and "正在进行" in busy.message

    def broken(*_args: object, **_kw: object) -> None:
        raise RuntimeError("磁盘已满")

    monkeypatch.setattr("workbooks.master.run.write_master", broken)  # imported by the button when clicked
    failed = on_action("xy_rescore", settings)
    assert not failed.ok and "磁盘已满" in failed.message
    log = project.root / LOG_FILE
    assert log.exists() and "RuntimeError" in log.read_text(encoding="utf-8")


def test_the_master_is_released_only_by_buttons_that_rewrite_it(project: Project, tmp_path: Path) -> None:
    """Excel must save and close the open master before these jobs (Windows will not replace an open
    file; unsaved entries would not be read back) and only before these: 校验 writes nothing."""
    inside = str(project.inbox / "某单位.xlsx")
    rewriting = {b for b in BUTTONS if master_to_release(b, inside) == project.root / MASTER_FILE}
    assert rewriting == {"xy_consolidate", "xy_rescore", "xy_report", "xy_feedback"}  # feedback reads the master back first
    assert all(master_to_release(b, inside) is None for b in set(BUTTONS) - rewriting)
    assert master_to_release("xy_rescore", str(tmp_path / "别处.xlsx")) is None  # not in a project: the job says so
    assert master_to_release("xy_rescore", None) is None


class FakeBook:
    """Stands in for an xlwings Book only where no Excel runs (the glue's own logic, not Excel's)."""

    def __init__(self, fullname: str, saved: bool | None, log: list[str]) -> None:
        self.fullname, self.log = fullname, log
        self.api = type("Api", (), {"Saved": saved})() if saved is not None else object()  # no Saved: not Windows

    def save(self) -> None:
        self.log.append(f"save {Path(self.fullname).name}")

    def close(self) -> None:
        self.log.append(f"close {Path(self.fullname).name}")


def test_release_saves_only_a_changed_master_and_closes_only_the_master(project: Project) -> None:
    from addin.callbacks import _release

    master = project.root / MASTER_FILE
    for saved, expected in ((False, (True, True)), (True, (True, False)), (None, (True, False))):
        log: list[str] = []
        app = type("App", (), {"books": [FakeBook(str(project.inbox / "回执.xlsx"), False, log), FakeBook(str(master), saved, log)]})()
        assert _release(app, master) == expected
        assert log == ([f"save {MASTER_FILE}"] if expected[1] else []) + [f"close {MASTER_FILE}"]
    log = []
    app = type("App", (), {"books": [FakeBook(str(project.inbox / "回执.xlsx"), False, log)]})()
    assert _release(app, master) == (False, False) and log == []


def test_the_new_round_button_starts_next_month_or_says_how(tmp_path: Path) -> None:
    """A task list's monthly round starts from the ribbon with the suggested name and deadline; a
    project whose round name says no month asks for the command line's name and --deadline."""
    monthly = init_project(tmp_path / "要点", "yichang-2020", today=date(2020, 3, 1))
    on_action("xy_generate", str(monthly.root / "项目设置.yaml"))
    reply = on_action("xy_new_round", str(monthly.root / "项目设置.yaml"))
    assert reply.ok and "已开始新轮次：2020年4月（上一轮：2020年3月）" in reply.message and "2020-04-23" in reply.message
    assert reply.open_path == monthly.outbox and (monthly.archive / "下发" / "2020年3月").is_dir()
    yearly = init_project(tmp_path / "年度", "national-2019", today=date(2019, 3, 1))
    refused = on_action("xy_new_round", str(yearly.root / "项目设置.yaml"))
    assert not refused.ok and "2019年度" in refused.message and "xinyong round new" in refused.message
