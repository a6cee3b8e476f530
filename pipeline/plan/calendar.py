"""The term calendar: teaching weeks, holidays and exam weeks, a small YAML a school edits.

Week 1 begins on the Monday of the week the term starts. A holiday frees its days; an exam
week is left free of visits altogether (seed 003 篇二 visits after the mid-term, not during
it). Without a file, :func:`default_calendar` derives one from the policy profile's semester:
mid-term in the middle week, finals in the last two, and the fixed-date national holidays
(国庆节, 元旦, 清明, 劳动节) — lunar ones (端午, 中秋) move every year, so the school adds
them when it edits the file.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import yaml

from pipeline import defs
from pipeline.errors import PlanError
from pipeline.model.policy import Period, Policy

__all__ = ["Holiday", "TermCalendar", "Week", "calendar_yaml", "default_calendar", "load_calendar", "term_period"]


@dataclass(frozen=True)
class Holiday:
    name: str
    start: dt.date
    end: dt.date  # inclusive

    def covers(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class Week:
    number: int  # 1-based teaching week
    monday: dt.date
    exam: bool

    @property
    def sunday(self) -> dt.date:
        return self.monday + dt.timedelta(days=6)


@dataclass(frozen=True)
class TermCalendar:
    term: str  # semester id of the policy profile, e.g. 2025-2026-1
    name: str
    start: dt.date
    end: dt.date
    holidays: tuple[Holiday, ...]
    exam_weeks: tuple[int, ...]

    @cached_property
    def weeks(self) -> tuple[Week, ...]:
        first = self.start - dt.timedelta(days=self.start.weekday())
        count = (self.end - first).days // 7 + 1
        return tuple(Week(n, first + dt.timedelta(weeks=n - 1), n in self.exam_weeks) for n in range(1, count + 1))

    def week_of(self, day: dt.date) -> int:
        """The teaching week holding ``day`` (0 before the term, past the last after it)."""
        first = self.start - dt.timedelta(days=self.start.weekday())
        return (day - first).days // 7 + 1 if day >= first else 0

    def visit_days(self, week: Week, weekdays: tuple[int, ...]) -> tuple[dt.date, ...]:
        """The days of ``week`` on which visits may be planned: a visiting weekday inside the
        term, not a holiday, in a week without exams."""
        if week.exam:
            return ()
        days = (week.monday + dt.timedelta(days=d - 1) for d in weekdays)
        return tuple(d for d in days if self.start <= d <= self.end and not any(h.covers(d) for h in self.holidays))

    @cached_property
    def midterm_week(self) -> int | None:
        """The exam week nearest the middle of the term, if one is inside its middle half."""
        total = len(self.weeks)
        inner = [w for w in self.exam_weeks if total / 4 <= w <= 3 * total / 4]
        return min(inner, key=lambda w: abs(w - total / 2)) if inner else None


def term_period(policy: Policy, term: str) -> Period:
    """The semester ``term`` names in the policy profile; PlanError listing the known ones."""
    for s in policy.semesters:
        if s.id == term:
            return s
    known = "、".join(s.id for s in policy.semesters)
    raise PlanError(f"政策配置中没有学期“{term}”（已有：{known}）：请用 --term 指定其中之一，或在政策配置 semesters 中添加该学期。")


def default_calendar(policy: Policy, term: str) -> TermCalendar:
    """The calendar of ``term`` derived from the profile's semester dates (see the module note)."""
    period = term_period(policy, term)
    bare = TermCalendar(term, period.name, period.start, period.end, (), ())
    total = len(bare.weeks)
    exams = tuple(sorted({(total + 1) // 2, *range(max(1, total - defs.PLAN_FINAL_EXAM_WEEKS + 1), total + 1)}))
    holidays = _fixed_holidays(period)
    return TermCalendar(term, period.name, period.start, period.end, holidays, exams)


def _fixed_holidays(period: Period) -> tuple[Holiday, ...]:
    found = []
    for year in range(period.start.year, period.end.year + 1):
        for name, (m1, d1), (m2, d2) in defs.PLAN_FIXED_HOLIDAYS:
            holiday = Holiday(name, dt.date(year, m1, d1), dt.date(year, m2, d2))
            if holiday.start <= period.end and holiday.end >= period.start:
                found.append(holiday)
    return tuple(found)


def calendar_yaml(calendar: TermCalendar) -> str:
    """The calendar as the YAML file a school edits (read back by :func:`load_calendar`)."""
    data = {
        "term": calendar.term,
        "name": calendar.name,
        "start": calendar.start,
        "end": calendar.end,
        "holidays": [{"name": h.name, "start": h.start, "end": h.end} for h in calendar.holidays],
        "exam_weeks": list(calendar.exam_weeks),
    }
    head = (
        f"# {calendar.name} 校历：教学周从开学那一周的周一算起。\n"
        "# holidays：放假日期（含首尾两天），当天不安排家访；exam_weeks：考试周（周次），整周不安排家访。\n"
        "# 端午、中秋等农历节日每年不同，请按本年校历补上。\n"
    )
    return head + yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def load_calendar(path: Path, policy: Policy) -> TermCalendar:
    """Read a term calendar file; PlanError naming the file and what to fix."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PlanError(f"{path}：无法读取校历文件（{exc.strerror}）。") from exc
    except yaml.YAMLError as exc:
        raise PlanError(f"{path}：校历文件不是有效的 YAML，请检查缩进与冒号：{exc}") from exc
    if not isinstance(raw, dict):
        raise PlanError(f"{path}：校历文件应包含 term、start、end、holidays、exam_weeks 各项。")
    try:
        period = term_period(policy, str(raw["term"]))
        calendar = TermCalendar(
            term=period.id,
            name=str(raw.get("name") or period.name),
            start=_date(raw.get("start", period.start), "start"),
            end=_date(raw.get("end", period.end), "end"),
            holidays=tuple(_holiday(h) for h in raw.get("holidays") or ()),
            exam_weeks=tuple(sorted(int(w) for w in raw.get("exam_weeks") or ())),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise PlanError(f"{path}：校历有误（{_why(exc)}）。请对照 jiafang plan calendar 写出的样例修改。") from exc
    if calendar.end <= calendar.start:
        raise PlanError(f"{path}：校历的 end（{calendar.end}）须晚于 start（{calendar.start}）。")
    return calendar


def _holiday(item: object) -> Holiday:
    if not isinstance(item, dict) or "name" not in item:
        raise ValueError("每个假期须写 name、start、end")
    start = _date(item["start"], f"{item['name']} 的 start")
    end = _date(item.get("end", start), f"{item['name']} 的 end")
    if end < start:
        raise ValueError(f"假期“{item['name']}”结束早于开始")
    return Holiday(str(item["name"]), start, end)


def _date(value: object, what: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"{what} 不是日期（应写成 2025-09-01）") from None


def _why(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return f"缺少 {exc.args[0]}"
    return str(exc) if isinstance(exc, ValueError) else "周次须是数字"
