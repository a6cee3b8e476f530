"""One .ics calendar per teacher (icalendar), so the planned visits appear on their phones.

Phones sync calendars to cloud accounts, so an event says who and when but never why (no
special-group label): the reasons stay in the plan documents inside the school. Each visit is an event at the planned start, ``plan.visit_hours`` long, in China time
(Asia/Shanghai, no daylight saving), with a stable UID (term, student, purpose), so importing
an updated plan's file replaces the events instead of doubling them.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from pipeline.atomic import atomic_write
from pipeline.model.plan import PlannedVisit, VisitPlan
from pipeline.model.policy import Policy
from pipeline.plan.explain import weekday_word

__all__ = ["teacher_calendar", "write_teacher_ics"]

CHINA = ZoneInfo("Asia/Shanghai")


def teacher_calendar(plan: VisitPlan, teacher_no: str, policy: Policy) -> Calendar:
    """The teacher's visits (responsible or going along) as a calendar."""
    cal = Calendar()
    cal.add("prodid", "-//jiafang//visit plan//ZH")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"家访安排 {plan.term}")
    for visit in plan.of_teacher(teacher_no):
        cal.add_component(_event(visit, plan.term, policy))
    return cal


def write_teacher_ics(plan: VisitPlan, teacher_no: str, policy: Policy, out: Path) -> Path:
    data = teacher_calendar(plan, teacher_no, policy).to_ical()
    return atomic_write(out, lambda tmp: tmp.write_bytes(data))


def _event(visit: PlannedVisit, term: str, policy: Policy) -> Event:
    hour, minute = map(int, visit.time.split(":"))
    start = dt.datetime.combine(visit.day, dt.time(hour, minute), tzinfo=CHINA)
    event = Event()
    event.add("uid", f"{term}-{visit.student_no}-{visit.purpose}@{policy.school.code}.jiafang")
    event.add("dtstamp", dt.datetime.now(dt.timezone.utc))
    event.add("dtstart", start)
    event.add("dtend", start + dt.timedelta(hours=policy.plan.visit_hours))
    event.add("summary", f"{visit.mode}：{visit.class_name} {visit.student_name}")
    event.add("description", _description(visit))
    if visit.area:
        event.add("location", visit.area)
    return event


def _description(visit: PlannedVisit) -> str:
    text = f"第 {visit.week} 周{weekday_word(visit)} {visit.visit_type}；负责：{visit.teacher_name}"
    return text + (f"；同去：{visit.companion_name}" if visit.companion_no else "")
