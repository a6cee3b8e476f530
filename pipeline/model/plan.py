"""The visit plan as plain data: what pipeline.plan makes, the store keeps and documents show."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

# What a planned visit is for; one student has at most one of each (the focus contacts are
# numbered: contact2, contact3 …), which is how a plan update tells its visits apart.
HOME = "home"  # the 入户 visit the year / semester rules ask for
CALL = "call"  # the three-stage model's first contact with a family
CONTACT = "contact"  # a 重点 student's further contact (prefix of contact2, contact3 …)

# Tracking states of a planned visit (pipeline.plan.tracking).
DONE, DONE_EARLY, DONE_LATE, OVERDUE, DUE, NOT_YET_DUE = "done", "early", "late", "overdue", "due", "not_yet_due"
STATE_WORDS = {
    DONE: "按时完成",
    DONE_EARLY: "提前完成",
    DONE_LATE: "推迟完成",
    OVERDUE: "已逾期",
    DUE: "本周待访",
    NOT_YET_DUE: "未到期",
}
STATE_HEADINGS = {DONE: "按时", DONE_EARLY: "提前", DONE_LATE: "推迟", OVERDUE: "逾期", DUE: "本周", NOT_YET_DUE: "未到期"}  # table columns


@dataclass(frozen=True)
class PlannedVisit:
    student_no: str
    student_name: str
    class_name: str
    purpose: str  # HOME, CALL or contactN
    mode: str  # an option of the record form's visit_mode field
    visit_type: str  # 普访 / 重点 (the record form's visit_type options)
    week: int
    day: dt.date
    time: str  # "HH:MM" the visit is planned to start
    teacher_no: str
    teacher_name: str
    teacher_role: str
    reasons: tuple[str, ...]  # the rules this visit meets, in Chinese
    area: str = ""  # address area (pipeline.plan.address) the evening is chosen from
    companion_no: str = ""  # second teacher, "" for none
    companion_name: str = ""
    companion_why: str = ""  # why two go (安全保障, leader's quota)
    stage: str = ""  # stage of the three-stage model, "" without it
    confirmed: bool = False  # date agreed with the family: a plan update keeps it
    done_form_id: str = ""  # the record that carried it out
    done_date: dt.date | None = None
    done_mode: str = ""

    @property
    def done(self) -> bool:
        return bool(self.done_form_id)

    @property
    def kept(self) -> bool:
        """Kept as it is by a plan update: carried out or agreed with the family."""
        return self.done or self.confirmed

    @property
    def teacher_nos(self) -> tuple[str, ...]:
        return (self.teacher_no, self.companion_no) if self.companion_no else (self.teacher_no,)


@dataclass(frozen=True)
class Shortfall:
    """A rule the capacity given cannot meet: who, which rule, and what would fix it."""

    rule: str  # Chinese, e.g. "特殊群体每学期入户一次"
    class_name: str  # "" for a leader's quota
    who: tuple[str, ...]  # student names (学籍号), or the leader
    visits: int  # visits that found no room
    extra_hours: float  # teacher-hours that would place them

    @property
    def text(self) -> str:
        people = "、".join(self.who[:8]) + (f" 等 {len(self.who)} 人" if len(self.who) > 8 else "")
        where = f"{self.class_name}：" if self.class_name else ""
        return f"{where}{self.rule}，{self.visits} 次家访排不下（{people}）；约需再增加 {self.extra_hours:g} 个教师工时"


@dataclass(frozen=True)
class VisitPlan:
    term: str
    seed: int
    stages: bool
    visits: tuple[PlannedVisit, ...]  # in schedule order: week, day, teacher, area, student
    shortfalls: tuple[Shortfall, ...] = ()
    plan_id: str = ""  # set once stored
    created_at: dt.datetime | None = None

    @property
    def feasible(self) -> bool:
        return not self.shortfalls

    def of_class(self, class_name: str) -> tuple[PlannedVisit, ...]:
        return tuple(v for v in self.visits if v.class_name == class_name)

    def of_teacher(self, teacher_no: str) -> tuple[PlannedVisit, ...]:
        return tuple(v for v in self.visits if teacher_no in v.teacher_nos)
