"""Deadlines and cadences as the documents write them (003 工作进度要求, 002 报送要求)."""

from __future__ import annotations

from datetime import date

import pytest

from udfs.rubric.deadlines import normalise_deadline, parse_cadence


@pytest.mark.parametrize(
    ("text", "kind", "when"),
    [
        ("4月底前", "date", date(2020, 4, 30)),
        ("5月底前", "date", date(2020, 5, 31)),
        ("11月底前", "date", date(2020, 11, 30)),
        ("2月底前", "date", date(2020, 2, 29)),  # 2020 is a leap year
        ("4月25日前", "date", date(2020, 4, 25)),
        ("11月前", "date", date(2020, 10, 31)),  # before November begins
        ("6月前", "date", date(2020, 5, 31)),
        ("１０月前", "date", date(2020, 9, 30)),  # full-width digits
        ("全年持续工作", "ongoing", None),
        ("全年工作", "ongoing", None),
        ("及时报送", "ongoing", None),
        ("注重质量", "ongoing", None),
        ("", "none", None),
        ("尽快", "unreadable", None),
        ("13月底前", "unreadable", None),
    ],
)
def test_deadlines(text: str, kind: str, when: date | None) -> None:
    d = normalise_deadline(text, 2020)
    assert (d.kind, d.date) == (kind, when)
    assert d.text == text


def test_before_month_can_mean_end_of_that_month() -> None:
    assert normalise_deadline("11月前", 2020, before_month="end").date == date(2020, 11, 30)


def test_deadline_year_follows_the_project() -> None:
    assert normalise_deadline("4月底前", 2021).date == date(2021, 4, 30)


@pytest.mark.parametrize(
    ("text", "every", "day"),
    [
        ("每月23日前按规定的格式向市信用办报送信用联合激励案例", "month", 23),
        ("各部门、各县市区每月 23 日前向市信用办报送信用宣传稿件", "month", 23),
        ("市信用办每月将数据报送情况予以公布并纳入年度考核", "month", None),
        ("按季度转发《宜昌市行业信用状况监测报告》", "quarter", None),
        ("", None, None),
    ],
)
def test_cadences(text: str, every: str | None, day: int | None) -> None:
    c = parse_cadence(text)
    assert (c.every, c.day) == (every, day)
