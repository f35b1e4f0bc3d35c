"""The deadline day belongs to the units. The project's 回收截止日期 (2019-03-31 here, as the cover of
every unit workbook prints it) is the last day a return is on time: a file received at any hour of that
day is not late, nor is a unit that has not returned yet on that day; from the next day both are. The
same holds for a task's own 完成时限 (tests/test_reminders.py).
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from tests.conftest import national_example
from workbooks.generate.fill import fill_returns
from workbooks.intake.consolidate import consolidate
from workbooks.ledger import LEDGER_FILE, Ledger
from workbooks.master.progress import UnitProgress, unit_progress
from workbooks.project import Project

DEADLINE = date(2019, 3, 31)
ON_TIME = "中国人民银行宜昌市中心支行"  # the last second of the deadline day
EARLY = "宜昌市地方金融工作局"  # a week before
LATE = "宜昌市人力资源和社会保障局"  # a minute into the next day
SILENT = "宜昌市司法局"  # never returns


@pytest.fixture
def progress(generated_national: Project) -> dict[date, dict[str, UnitProgress]]:
    project = generated_national
    assert project.settings.deadline == DEADLINE.isoformat()
    values = national_example()
    fill_returns(project, values, units=[ON_TIME], received=datetime(2019, 3, 31, 23, 59, 59))
    fill_returns(project, values, units=[EARLY], received=datetime(2019, 3, 24, 10, 0))
    fill_returns(project, values, units=[LATE], received=datetime(2019, 4, 1, 0, 1))
    consolidate(project, now=datetime(2019, 4, 1, 9, 0))
    ledger = Ledger(project.root / LEDGER_FILE)
    try:
        return {day: {p.unit: p for p in unit_progress(project, ledger, day)} for day in (DEADLINE, date(2019, 4, 1))}
    finally:
        ledger.close()


def test_a_file_received_on_the_deadline_day_is_on_time(progress) -> None:  # noqa: ANN001
    for day in progress:
        p = progress[day][ON_TIME]
        assert not p.late and not p.status.startswith("逾期"), (day, p.status)


def test_a_file_received_the_day_after_is_late(progress) -> None:  # noqa: ANN001
    assert progress[date(2019, 4, 1)][LATE].late and progress[date(2019, 4, 1)][LATE].status.startswith("逾期")


def test_nobody_is_overdue_on_the_deadline_day(progress) -> None:  # noqa: ANN001
    on_the_day = progress[DEADLINE]
    assert [u for u, p in on_the_day.items() if p.late and u != LATE] == []
    assert on_the_day[SILENT].status == "未报送"
    assert all(p.overdue == [] for p in on_the_day.values())


def test_from_the_next_day_a_unit_that_has_not_returned_is_late(progress) -> None:  # noqa: ANN001
    after = progress[date(2019, 4, 1)]
    assert after[SILENT].late and after[SILENT].status == "逾期未报送"
    assert not after[EARLY].late
    assert after[SILENT].reminder and not after[SILENT].overdue  # it owes its return; its tasks have no date
