"""The deterministic assignment: every need gets a week, an evening, a teacher and a reason.

Greedy and in a fixed order, so the same roster, profile, calendar and seed give the same plan:

1. each class's 入户 needs, special-group / 重点 / new students first, grouped by address area
   into evenings of at most ``plan.evening_visits`` (the seed only orders the areas);
2. each evening goes to the class's 班主任, else a 科任 teaching the class, in the usable week
   where that teacher has least booked (earliest on a tie) and the weekly capacity holds; a
   two-teacher evening also needs a companion free that evening, a leader still short of their
   share first (fewest in this class first), else another teacher of the class;
3. leaders still short join special-group visits (then others) that go alone, spread over the
   classes and at most ``plan.leader_weekly_visits`` a week;
4. 重点 students' further contacts, each ``plan.focus_gap_weeks`` after the one before, by
   the teacher who visited; with stages, the first calls.

What finds no room is not forced in: it becomes a :class:`Shortfall` naming the students, the
rule and the teacher-hours that would place it.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from itertools import groupby

from pipeline import defs
from pipeline.model.classes import class_sort_key
from pipeline.model.people import Student, Teacher
from pipeline.model.plan import CALL, HOME, PlannedVisit, Shortfall, VisitPlan
from pipeline.model.policy import Policy
from pipeline.plan.calendar import TermCalendar
from pipeline.plan.requirements import (
    LeaderNeed,
    Need,
    leader_needs,
    stage_of,
    stage_weeks,
    student_needs,
)

__all__ = ["make_plan", "class_visitors"]

HEAD, SUBJECT = "班主任", "科任"
LEADER_WHY = "学校领导家访任务"


@dataclass
class _Book:
    """What is booked so far: visits and calls per teacher and week, evenings per teacher and day."""

    visits: defaultdict[tuple[str, int], int] = field(default_factory=lambda: defaultdict(int))
    calls: defaultdict[tuple[str, int], int] = field(default_factory=lambda: defaultdict(int))
    evenings: dict[tuple[str, dt.date], str] = field(default_factory=dict)  # (teacher, day) → area
    led: defaultdict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))  # (leader, class)

    def book(self, v: PlannedVisit, leaders: set[str]) -> None:
        if v.purpose == CALL:
            self.calls[(v.teacher_no, v.week)] += 1
            return
        for no in v.teacher_nos:
            self.visits[(no, v.week)] += 1
            if v.purpose == HOME:  # a 约谈 at school takes no evening in the family's area
                self.evenings[(no, v.day)] = v.area
            if no in leaders:
                self.led[(no, v.class_name)] += 1


def make_plan(
    students: Sequence[Student],
    teachers: Sequence[Teacher],
    policy: Policy,
    calendar: TermCalendar,
    *,
    seed: int = defs.PLAN_DEFAULT_SEED,
    stages: bool | None = None,
    kept: Sequence[PlannedVisit] = (),
    home_done_this_year: Iterable[str] = (),
    leader_done_this_year: dict[str, int] | None = None,
    from_week: int = 1,
) -> VisitPlan:
    """The term's plan for ``students`` (see the module note). ``kept`` visits (done or agreed
    with the family) stay as they are and their needs are met; the others go in ``from_week``
    or later (a plan update does not plan into the past); ``stages`` defaults to the
    profile's ``plan.stages``."""
    stages = policy.plan.stages if stages is None else stages
    planner = _Planner(policy, calendar, teachers, random.Random(seed), stages, from_week)
    for v in kept:
        planner.keep(v)
    needs = [n for n in student_needs(students, policy, calendar, home_done_this_year=set(home_done_this_year), stages=stages) if (n.student.student_no, n.purpose) not in planner.kept_keys]
    leaders = leader_needs(teachers, policy, calendar.term, done_this_year=_led_in_kept(kept, leader_done_this_year or {}))
    planner.leader_left = {n.teacher.teacher_no: n.visits for n in leaders}
    classes = max(1, len({n.student.class_name for n in needs}))
    planner.leader_per_class = {n.teacher.teacher_no: -(-n.visits // classes) for n in leaders}
    for cls, members in groupby(sorted(needs, key=lambda n: class_sort_key(n.student.class_name)), key=lambda n: n.student.class_name):
        planner.place_class(cls, list(members))
    planner.fill_leader_quotas(leaders)
    planner.place_contacts()
    return VisitPlan(
        term=calendar.term,
        seed=seed,
        stages=stages,
        visits=tuple(sorted(planner.placed, key=_schedule_order)),
        shortfalls=tuple(planner.shortfalls()),
    )


def class_visitors(teachers: Sequence[Teacher], class_name: str) -> list[Teacher]:
    """Who visits a class's families: its 班主任, then the 科任 teaching it, by 工号."""
    ordered = sorted(teachers, key=lambda t: t.teacher_no)
    return [t for role in (HEAD, SUBJECT) for t in ordered if t.role == role and class_name in t.classes]


def _led_in_kept(kept: Sequence[PlannedVisit], done: dict[str, int]) -> dict[str, int]:
    counts = dict(done)
    for v in kept:
        for no in v.teacher_nos:
            counts[no] = counts.get(no, 0) + 1
    return counts


def _schedule_order(v: PlannedVisit) -> tuple[object, ...]:
    return (v.week, v.day, v.teacher_no, v.area, v.time, class_sort_key(v.class_name), v.student_no, v.purpose)


class _Planner:
    def __init__(
        self, policy: Policy, calendar: TermCalendar, teachers: Sequence[Teacher], rng: random.Random, stages: bool, from_week: int
    ) -> None:
        self.policy, self.rules, self.calendar, self.rng = policy, policy.plan, calendar, rng
        self.teachers = {t.teacher_no: t for t in teachers}
        self.leader_nos = {t.teacher_no for t in teachers if policy.quota_for(t.role)}
        # weeks before from_week have no days to give: a plan update never plans into the past
        self.days = {w.number: calendar.visit_days(w, self.rules.visit_days) if w.number >= from_week else () for w in calendar.weeks}
        self.stage_map = stage_weeks(calendar, policy) if stages else {}
        self.book = _Book()
        self.placed: list[PlannedVisit] = []
        self.kept_keys: set[tuple[str, str]] = set()
        self.unplaced: list[Need] = []
        self.pending_contacts: list[Need] = []
        self.leader_left: dict[str, int] = {}
        self.leader_per_class: dict[str, int] = {}  # while classes are placed: a leader's share spread over them
        self.leader_short: list[LeaderNeed] = []
        self.visitors: dict[str, list[Teacher]] = {}
        self.others = [t for t in sorted(teachers, key=lambda t: t.teacher_no) if t.role in (HEAD, SUBJECT)]

    # --- kept visits ----------------------------------------------------------------------

    def keep(self, v: PlannedVisit) -> None:
        self.placed.append(v)
        self.kept_keys.add((v.student_no, v.purpose))
        self.book.book(v, self.leader_nos)

    # --- home visits, evening by evening --------------------------------------------------

    def place_class(self, cls: str, needs: list[Need]) -> None:
        self.visitors[cls] = class_visitors(list(self.teachers.values()), cls)
        homes = [n for n in needs if n.purpose == HOME]
        self.pending_contacts += [n for n in needs if n.purpose != HOME]
        for batch in self._evenings(homes):
            if self._place_evening(cls, batch):
                continue
            for single in batch:  # a week with room for one visit but not two
                if len(batch) == 1 or not self._place_evening(cls, [single]):
                    self.unplaced.append(single)

    def _evenings(self, homes: list[Need]) -> list[list[Need]]:
        """Needs cut into evenings: same two-teacher rule, same area, at most
        ``evening_visits``, urgent students first within an area; evenings holding an urgent
        student go first, areas in the seed's order. An evening takes the weeks all its
        visits may take (none in common: each is placed alone)."""
        areas = sorted({n.address.area for n in homes})
        self.rng.shuffle(areas)
        rank = {a: i for i, a in enumerate(areas)}

        def group(n: Need) -> tuple[object, ...]:
            return (bool(n.two_teachers), rank[n.address.area])

        batches: list[list[Need]] = []
        for _, members in groupby(sorted(homes, key=lambda n: (group(n), not n.urgent, n.student.student_no)), key=group):
            same = list(members)
            size = self.rules.evening_visits
            batches += [same[i : i + size] for i in range(0, len(same), size)]
        return sorted(batches, key=lambda b: (not b[0].urgent, group(b[0])))

    def _place_evening(self, cls: str, batch: list[Need]) -> bool:
        n = len(batch)
        weeks = tuple(w for w in batch[0].weeks if all(w in other.weeks for other in batch[1:]))
        for teacher in self.visitors[cls]:
            for week, day in self._free_evenings(teacher.teacher_no, weeks, n):
                companion, why = (None, "")
                if batch[0].two_teachers:
                    companion = self._companion(cls, teacher.teacher_no, week, day, n)
                    if companion is None:
                        continue
                    why = batch[0].two_teachers
                for i, need in enumerate(batch):
                    self._add(need, teacher, week, day, i, companion, why)
                return True
        return False

    def _free_evenings(self, teacher_no: str, weeks: tuple[int, ...], n: int) -> list[tuple[int, dt.date]]:
        """(week, day) where ``teacher_no`` has room for ``n`` visits, least booked week first."""
        found = []
        for w in weeks:
            booked = self.book.visits[(teacher_no, w)]
            if booked + n > self.rules.weekly_visits:
                continue
            for d in self.days[w]:
                if (teacher_no, d) not in self.book.evenings:
                    found.append((booked, w, d))
        return [(w, d) for _, w, d in sorted(found, key=lambda x: (x[0], x[1], x[2]))]

    def _companion(self, cls: str, teacher_no: str, week: int, day: dt.date, n: int) -> Teacher | None:
        """A second teacher free on ``day``: a leader short of their share and of its part for
        this class, fewest visits in this class first, else another teacher of the class with room that week, else any
        班主任 or 科任 of the school with room."""
        leaders = [
            no
            for no, left in self.leader_left.items()
            if left >= 1 and no != teacher_no and self._leader_free(no, week, day, n) and self.book.led[(no, cls)] < self.leader_per_class[no]
        ]
        if leaders:
            best = min(leaders, key=lambda no: (self.book.led[(no, cls)], -self.leader_left[no], no))
            return self.teachers[best]
        for t in (*self.visitors[cls], *self.others):
            if t.teacher_no != teacher_no and (t.teacher_no, day) not in self.book.evenings and self.book.visits[(t.teacher_no, week)] + n <= self.rules.weekly_visits:
                return t
        return None

    def _leader_free(self, no: str, week: int, day: dt.date, n: int = 1) -> bool:
        return (no, day) not in self.book.evenings and self.book.visits[(no, week)] + n <= self.rules.leader_weekly_visits

    def _add(self, need: Need, teacher: Teacher, week: int, day: dt.date, slot: int, companion: Teacher | None, why: str) -> None:
        s = need.student
        visit = PlannedVisit(
            student_no=s.student_no,
            student_name=s.name,
            class_name=s.class_name,
            purpose=need.purpose,
            mode=need.mode,
            visit_type=need.visit_type,
            week=week,
            day=day,
            time=_clock(self.rules.visit_time, slot * self.rules.visit_hours) if need.purpose == HOME else defs.PLAN_CONTACT_TIME,
            teacher_no=teacher.teacher_no,
            teacher_name=teacher.name,
            teacher_role=teacher.role,
            reasons=need.reasons,
            area=need.address.area,
            companion_no=companion.teacher_no if companion else "",
            companion_name=companion.name if companion else "",
            companion_why=why,
            stage=stage_of(week, self.stage_map),
        )
        self.placed.append(visit)
        self.book.book(visit, self.leader_nos)
        if companion is not None and companion.teacher_no in self.leader_left:
            self.leader_left[companion.teacher_no] -= 1

    # --- leaders ---------------------------------------------------------------------------

    def fill_leader_quotas(self, needs: list[LeaderNeed]) -> None:
        for need in needs:
            no = need.teacher.teacher_no
            while self.leader_left.get(no, 0) > 0:
                if not self._join_one(need.teacher):
                    self.leader_short.append(replace(need, visits=self.leader_left[no]))
                    break

    def _join_one(self, leader: Teacher) -> bool:
        """Join one visit that goes alone: special-group first, the class the leader has
        visited least, the week they have least booked."""
        no = leader.teacher_no
        options = [
            (i, v)
            for i, v in enumerate(self.placed)
            if v.purpose == HOME and not v.companion_no and not v.kept and v.teacher_no != no and self._leader_free(no, v.week, v.day)
        ]
        if not options:
            return False
        i, v = min(options, key=lambda o: (o[1].visit_type != "重点", self.book.led[(no, o[1].class_name)], self.book.visits[(no, o[1].week)], o[1].week, o[1].day, o[1].student_no))
        joined = replace(v, companion_no=no, companion_name=leader.name, companion_why=LEADER_WHY)
        self.placed[i] = joined
        self.book.visits[(no, v.week)] += 1
        self.book.evenings[(no, v.day)] = v.area
        self.book.led[(no, v.class_name)] += 1
        self.leader_left[no] -= 1
        return True

    # --- further contacts and calls --------------------------------------------------------

    def place_contacts(self) -> None:
        homes = {(v.student_no, v.purpose): v for v in self.placed}
        for need in sorted(self.pending_contacts, key=lambda n: (class_sort_key(n.student.class_name), n.purpose, n.student.student_no)):
            if not self._place_contact(need, homes):
                self.unplaced.append(need)
            else:
                homes[(need.student.student_no, need.purpose)] = self.placed[-1]

    def _place_contact(self, need: Need, placed: dict[tuple[str, str], PlannedVisit]) -> bool:
        cls = need.student.class_name
        earliest = 0
        first = placed.get((need.student.student_no, HOME))
        teachers = list(self.visitors.get(cls) or class_visitors(list(self.teachers.values()), cls))
        if need.purpose != CALL:
            before = placed.get((need.student.student_no, _previous(need.purpose)))
            if before is None:
                return False
            earliest = before.week + self.rules.focus_gap_weeks
            if first is not None:
                teachers.sort(key=lambda t: t.teacher_no != first.teacher_no)
        load, cap = (self.book.calls, self.rules.weekly_calls) if need.purpose == CALL else (self.book.visits, self.rules.weekly_visits)
        for teacher in teachers:
            weeks = [w for w in need.weeks if w >= earliest and self.days[w] and load[(teacher.teacher_no, w)] < cap]
            if weeks:
                week = min(weeks, key=lambda w: (load[(teacher.teacher_no, w)], w))
                free = [d for d in self.days[week] if (teacher.teacher_no, d) not in self.book.evenings]
                self._add(need, teacher, week, (free or self.days[week])[0], 0, None, "")
                return True
        return False

    # --- what did not fit -----------------------------------------------------------------

    def shortfalls(self) -> list[Shortfall]:
        hours = self.rules.visit_hours
        out = []
        key = lambda n: (class_sort_key(n.student.class_name), n.rule)  # noqa: E731
        for (_, rule), group in groupby(sorted(self.unplaced, key=key), key=key):
            needs = list(group)
            cls = needs[0].student.class_name
            reason = rule if self.visitors.get(cls) else f"{rule}（本班没有登记班主任或任课教师）"
            who = tuple(f"{n.student.name}（{n.student.student_no}）" for n in needs)
            teacher_hours = sum(hours * (2 if n.two_teachers else 1) * (0.25 if n.purpose == CALL else 1) for n in needs)
            out.append(Shortfall(reason, cls, who, len(needs), round(teacher_hours, 2)))
        for lead in self.leader_short:
            rule = f"{lead.teacher.role}每年家访不少于 {lead.quota} 人次（本学期还差 {lead.visits} 次）"
            out.append(Shortfall(rule, "", (lead.teacher.name,), lead.visits, lead.visits * hours))
        return out


def _previous(purpose: str) -> str:
    n = int(purpose.removeprefix("contact"))
    return HOME if n == 2 else f"contact{n - 1}"


def _clock(start: str, hours: float) -> str:
    h, m = map(int, start.split(":"))
    total = h * 60 + m + round(hours * 60)
    return f"{min(total // 60, 23):02d}:{total % 60:02d}"
