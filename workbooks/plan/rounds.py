"""Progress rounds of a task list followed month after month: the next round's name and a return
deadline suggested from the document.

A task list (yichang-2020's work points) is followed with a progress return every month; its rounds
are named by month ("2020年4月"). Where the document asks for something on a recurring date ("每月23日前"
of points 13 and 28), that day of the round's month is the suggested return deadline, so the monthly
report and the recurring obligations fall due together; otherwise the previous deadline moves on by a
month. The office can always give its own name and deadline.
"""

from __future__ import annotations

import calendar
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date

from udfs.rubric import Rubric
from udfs.rubric.deadlines import parse_cadence
from udfs.rubric.model import Item

MONTH_ROUND = re.compile(r"^(\d{4})年(\d{1,2})月$")
NUMBERED_ROUND = re.compile(r"^(.*第)(\d+)(轮|期|次)$")


@dataclass(frozen=True)
class Suggested:
    deadline: date
    why: str  # where the date comes from, said to the office


def month_of(name: str) -> tuple[int, int] | None:
    """(year, month) of a round named by month, such as 2020年4月."""
    m = MONTH_ROUND.match(name.strip())
    if m and 1 <= int(m.group(2)) <= 12:
        return int(m.group(1)), int(m.group(2))
    return None


def next_round_name(name: str) -> str | None:
    """The round after `name`: the next month (2020年12月 -> 2021年1月) or the next number (第2轮 -> 第3轮);
    None when the name says neither, and the office names the round itself."""
    month = month_of(name)
    if month:
        return "{}年{}月".format(*next_month(*month))
    numbered = NUMBERED_ROUND.match(name.strip())
    if numbered:
        return f"{numbered.group(1)}{int(numbered.group(2)) + 1}{numbered.group(3)}"
    return None


def recurring_due_day(item: Item) -> int | None:
    """The day of every month a task is due on ("每月23日前"), when its cadence gives one."""
    cadence = parse_cadence(item.cadence)
    return cadence.day if cadence.every == "month" else None


def recurring_day(rubric: Rubric) -> tuple[int, list[str]] | None:
    """The day of the month the document asks monthly reports by (the most common one), and the
    numbers of the items that ask it."""
    days: dict[int, list[str]] = {}
    for item in rubric.items:
        if day := recurring_due_day(item):
            days.setdefault(day, []).append(item.number or item.id)
    if not days:
        return None
    day = Counter({d: len(items) for d, items in days.items()}).most_common(1)[0][0]
    return day, days[day]


def next_month(year: int, month: int) -> tuple[int, int]:
    return year + month // 12, month % 12 + 1


def day_of_month(year: int, month: int, day: int) -> date:
    """That day of the month, or its last day when the month is shorter (每月31日 in April: the 30th)."""
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def suggested_deadline(rubric: Rubric, name: str, previous: date | None) -> Suggested | None:
    """The return deadline for round `name`: the document's recurring day in the round's month, or
    the previous deadline a month on. None when neither can be worked out."""
    month = month_of(name)
    if month is None and previous is not None:
        month = next_month(previous.year, previous.month)
    if month is None:
        return None
    recurring = recurring_day(rubric)
    if recurring:
        day, items = recurring
        return Suggested(day_of_month(*month, day), f"文件要求每月{day}日前报送（第{'、'.join(items)}项）")
    if previous is not None:
        return Suggested(day_of_month(*month, previous.day), "上一轮回收截止日期推后一个月")
    return None


def first_month_round(rubric: Rubric, year: int, today: date) -> tuple[str, Suggested] | None:
    """A new task-list project's first round: this month's (the next month's once the document's
    recurring day has passed), or January of the document's year when that year is not this one."""
    recurring = recurring_day(rubric)
    if recurring is None:
        return None
    month = today.month if today.year == year else 1
    name = f"{year}年{month}月"
    suggested = suggested_deadline(rubric, name, None)
    if suggested and today.year == year and suggested.deadline < today:
        name = next_round_name(name) or name
        suggested = suggested_deadline(rubric, name, None)
    return (name, suggested) if suggested else None
