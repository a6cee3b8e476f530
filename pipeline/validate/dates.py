"""Dates and time ranges as teachers write them, parsed into the export contract's forms.

Dates: 2025-11-03, 2025/11/3, 2025.11.3, 2025年11月3日, 25/11/3, 20251103, and 11月3日 or
11/3 with the year implied by the school year. Time ranges: 14:30-15:20, 14：30～15：20,
1430-1520, 下午2:30-3:20, 14点30分-15点20分, 晚上7点-8点半. Full-width digits and stray
spaces are fine.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from pipeline.model.policy import Period

_FULL_DATE = re.compile(r"(\d{4}|\d{2})[-/.年](\d{1,2})[-/.月](\d{1,2})")
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
_MONTH_DAY = re.compile(r"(\d{1,2})[-/.月](\d{1,2})")

_RANGE_SEPARATOR = re.compile(r"[-~—–―〜至到]+")
_TIME = re.compile(r"(\d{1,2})(?:[:.点时](\d{1,2}|半)?分?)?")
_COMPACT_TIME = re.compile(r"(\d{1,2})(\d{2})")
# Words before a time that move it past noon, with the hour below which they add 12 h
# (中午1点 is 13:00, 中午11点半 stays 11:30).
_AFTERNOON = {"下午": 12, "晚上": 12, "傍晚": 12, "中午": 6}
_DAYTIME = ("上午", "早上", "早晨", "凌晨")


def canonical_text(text: str) -> str:
    """NFKC (full-width digits and punctuation to ASCII) without any whitespace."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def parse_date(text: str, school_year: Period) -> dt.date | None:
    """The date written as ``text``, or None when it is not a date (or does not exist)."""
    s = canonical_text(text).rstrip("日号")
    if m := _FULL_DATE.fullmatch(s):
        year = int(m.group(1))
        return _date(year + 2000 if year < 100 else year, int(m.group(2)), int(m.group(3)))
    if m := _COMPACT_DATE.fullmatch(s):
        return _date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    if m := _MONTH_DAY.fullmatch(s):
        month = int(m.group(1))
        return _date(implied_year(month, school_year), month, int(m.group(2)))
    return None


def implied_year(month: int, school_year: Period) -> int:
    """Year of a date written without one: months from the school year's start month on
    belong to its first calendar year, the months before to its second."""
    return school_year.start.year if month >= school_year.start.month else school_year.end.year


def _date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def parse_time_range(text: str) -> str | None:
    """"HH:MM-HH:MM" for a written time range, or None when it cannot be read.

    A 下午/晚上 before the first time also applies to the second when that has none of its own.
    """
    s = canonical_text(text)
    parts = [p for p in _RANGE_SEPARATOR.split(s) if p]
    if len(parts) == 1 and re.fullmatch(r"\d{8}", s):
        parts = [s[:4], s[4:]]  # a comb read without its printed separator
    if len(parts) != 2:
        return None
    start_period, start = _split_period(parts[0])
    end_period, end = _split_period(parts[1])
    first = _parse_time(start, start_period)
    second = _parse_time(end, end_period or start_period)
    if first is None or second is None:
        return None
    return f"{first}-{second}"


def _split_period(text: str) -> tuple[str, str]:
    for word in (*_AFTERNOON, *_DAYTIME):
        if text.startswith(word):
            return word, text[len(word) :]
    return "", text


def _parse_time(text: str, period: str) -> str | None:
    m = _COMPACT_TIME.fullmatch(text) if text.isdigit() and len(text) > 2 else _TIME.fullmatch(text)
    if m is None:
        return None
    hour, minute = int(m.group(1)), 30 if m.group(2) == "半" else int(m.group(2) or 0)
    if hour < _AFTERNOON.get(period, 0):
        hour += 12
    if hour > 23 or minute > 59:
        return None
    return f"{hour:02d}:{minute:02d}"
