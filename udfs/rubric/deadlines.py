"""Deadlines (工作进度要求) and reporting cadences as the documents write them, made usable.

The original text always stays in the rubric; these functions only read it. "N月前" is read as
"before month N begins" (the last day of month N−1), the stricter of the two readings an office
could take; `before_month="end"` takes the other (the last day of month N).
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

BEFORE_MONTH = re.compile(r"(\d{1,2})月(?:前|之前|以前)")  # “10月前”: see the module docstring for its reading
ONGOING_WORDS = ("全年持续工作", "全年工作", "全年", "持续", "长期", "及时报送", "注重质量", "常态化")


@dataclass(frozen=True)
class Deadline:
    text: str
    kind: str  # "date" | "ongoing" | "none" | "unreadable"
    date: date | None = None

    def label(self) -> str:
        if self.kind == "date" and self.date:
            return self.date.isoformat()
        return {"ongoing": "持续推进", "none": "未规定", "unreadable": f"无法识别：{self.text}"}.get(
            self.kind, self.text
        )


def _last_day(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _plain(text: str) -> str:
    return unicodedata.normalize("NFKC", (text or "").strip()).replace(" ", "")


def reads_before_month(text: str) -> bool:
    """Whether a deadline is written “N月前”, the one form with two readings (rubric check lists it)."""
    return BEFORE_MONTH.fullmatch(_plain(text)) is not None


def normalise_deadline(text: str, year: int, before_month: str = "previous") -> Deadline:
    raw = (text or "").strip()
    t = _plain(raw)
    if not t:
        return Deadline(raw, "none")
    if m := re.fullmatch(r"(\d{1,2})月(\d{1,2})日(?:前|之前|以前)?", t):
        month, day = int(m.group(1)), int(m.group(2))
        if 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]:
            return Deadline(raw, "date", date(year, month, day))
    if m := re.fullmatch(r"(\d{1,2})月(?:底|末)(?:前|之前|以前)?", t):
        month = int(m.group(1))
        if 1 <= month <= 12:
            return Deadline(raw, "date", _last_day(year, month))
    if m := BEFORE_MONTH.fullmatch(t):
        month = int(m.group(1))
        if 1 <= month <= 12:
            if before_month == "end":
                return Deadline(raw, "date", _last_day(year, month))
            if month == 1:
                return Deadline(raw, "date", date(year - 1, 12, 31))
            return Deadline(raw, "date", _last_day(year, month - 1))
    if any(word in t for word in ONGOING_WORDS):
        return Deadline(raw, "ongoing")
    return Deadline(raw, "unreadable")


@dataclass(frozen=True)
class Cadence:
    text: str
    every: str | None  # "month" | "quarter" | "year" | None when the text states none
    day: int | None = None  # day of the month by which to report

    def label(self) -> str:
        if self.every == "month":
            return f"每月{self.day}日前" if self.day else "每月"
        return {"quarter": "每季度", "year": "每年"}.get(self.every or "", "")


def parse_cadence(text: str) -> Cadence:
    t = unicodedata.normalize("NFKC", text or "").replace(" ", "")
    if m := re.search(r"每月(\d{1,2})日", t):
        return Cadence(text, "month", int(m.group(1)))
    if "每月" in t:
        return Cadence(text, "month")
    if "季度" in t:
        return Cadence(text, "quarter")
    if "每年" in t or "年度" in t:
        return Cadence(text, "year")
    return Cadence(text, None)
