"""The 家访安排表: the plan as sheets, one per week and one per teacher, written as .xlsx (all
sheets, after an overview) and as two printable PDFs (按周, 按教师), through the same sheet
layout the 统计表 uses (pipeline.report.stats.sheet), so xlsx and PDF cannot disagree."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from pipeline.model.plan import PlannedVisit, VisitPlan
from pipeline.model.policy import Policy
from pipeline.plan.calendar import TermCalendar
from pipeline.plan.explain import weekday_word
from pipeline.plan.plan_doc import short_date
from pipeline.render.fonts import FontSet
from pipeline.report.office_workbook import SIGN_BLANK, cn_date
from pipeline.report.stats.pdf import write_sheets_pdf
from pipeline.report.stats.sheet import Grid, Heading, Sheet
from pipeline.report.stats.xlsx import write_sheets_xlsx

__all__ = ["teacher_sheets", "week_sheets", "write_timetable"]

_WEEK_COLUMNS = (("日期", 9.0), ("星期", 5.0), ("时间", 6.0), ("班级", 13.0), ("学生", 8.0), ("方式", 8.0), ("类型", 5.0), ("负责教师", 8.0), ("同去教师", 8.0), ("片区", 20.0), ("事由", 34.0))
_TEACHER_COLUMNS = (("周次", 5.0), ("日期", 9.0), ("星期", 5.0), ("时间", 6.0), ("班级", 13.0), ("学生", 8.0), ("方式", 8.0), ("同行", 10.0), ("片区", 20.0), ("事由", 34.0))


def week_sheets(plan: VisitPlan, policy: Policy, calendar: TermCalendar, *, scope: str = "全校") -> tuple[Sheet, ...]:
    """One sheet per week that has visits."""
    sheets = []
    for week in calendar.weeks:
        visits = [v for v in plan.visits if v.week == week.number]
        if not visits:
            continue
        span = f"{week.monday.month}月{week.monday.day}日—{week.sunday.month}月{week.sunday.day}日"
        rows = tuple(_week_row(v) for v in visits)
        sheets.append(
            Sheet(
                name=f"第{week.number}周",
                title=f"{policy.school.name} 家访安排表　第 {week.number} 周（{span}）",
                info=(f"学期：{calendar.name}", f"范围：{scope}", f"共 {len(visits)} 次"),
                grids=(_grid(_WEEK_COLUMNS, rows),),
                notes=("两位教师同去的家访，两人都须在场；同一晚的家庭在同一片区。",),
                signature=f"制表：{SIGN_BLANK}    制表日期：{cn_date(dt.date.today())}",
            )
        )
    return tuple(sheets)


def teacher_sheets(plan: VisitPlan, policy: Policy, calendar: TermCalendar) -> tuple[Sheet, ...]:
    """One sheet per teacher (responsible or going along), by 工号."""
    names = {v.teacher_no: v.teacher_name for v in plan.visits} | {v.companion_no: v.companion_name for v in plan.visits if v.companion_no}
    sheets = []
    for no in sorted(names):
        visits = plan.of_teacher(no)
        rows = tuple(_teacher_row(v, no) for v in visits)
        sheets.append(
            Sheet(
                name=f"{names[no]}{no}"[:31],
                title=f"{names[no]} 家访安排（{calendar.name}）",
                info=(f"学校：{policy.school.name}", f"工号：{no}", f"共 {len(visits)} 次"),
                grids=(_grid(_TEACHER_COLUMNS, rows),),
                notes=("“同行”一栏写着另一位教师时，请提前约好一同前往。",),
                signature=f"教师签名：{SIGN_BLANK}",
            )
        )
    return tuple(sheets)


def write_timetable(
    plan: VisitPlan, policy: Policy, calendar: TermCalendar, out_dir: Path, *, stem: str, scope: str = "全校", fonts: FontSet | None = None
) -> tuple[Path, ...]:
    """``<stem>.xlsx`` (every week and teacher), ``<stem>_按周.pdf`` and ``<stem>_按教师.pdf``."""
    weeks = week_sheets(plan, policy, calendar, scope=scope)
    teachers = teacher_sheets(plan, policy, calendar)
    return (
        write_sheets_xlsx(weeks + teachers, out_dir / f"{stem}.xlsx"),
        write_sheets_pdf(weeks, out_dir / f"{stem}_按周.pdf", fonts=fonts),
        write_sheets_pdf(teachers, out_dir / f"{stem}_按教师.pdf", fonts=fonts),
    )


def _grid(columns: Sequence[tuple[str, float]], rows: tuple[tuple[str, ...], ...]) -> Grid:
    headings = tuple(Heading(name, 0, i) for i, (name, _) in enumerate(columns))
    return Grid("", headings, 1, tuple(w for _, w in columns), rows, 0)


def _week_row(v: PlannedVisit) -> tuple[str, ...]:
    return (short_date(v), weekday_word(v), v.time, v.class_name, v.student_name, v.mode, v.visit_type, v.teacher_name, v.companion_name, v.area, v.reasons[0])


def _teacher_row(v: PlannedVisit, teacher_no: str) -> tuple[str, ...]:
    along = v.companion_name if v.teacher_no == teacher_no else f"随{v.teacher_name}"
    return (str(v.week), short_date(v), weekday_word(v), v.time, v.class_name, v.student_name, v.mode, along, v.area, v.reasons[0])
