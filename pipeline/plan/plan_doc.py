"""The 班级家访工作计划 as content: sections of paragraphs and tables, one description that
both the Word file (plan_docx) and the PDF (plan_pdf) are written from.

The structure is seed 003 篇一 (指导思想, 工作目标, 家访对象与形式, 家访教师, 日程安排,
保障措施) with 篇二's stages when the plan uses them; every number is the class's own.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.model.people import Student, Teacher
from pipeline.model.plan import CALL, HOME, PlannedVisit, VisitPlan
from pipeline.model.policy import Policy
from pipeline.plan.calendar import TermCalendar
from pipeline.plan.explain import weekday_word
from pipeline.plan.requirements import STAGES, focus_labels, stage_weeks

__all__ = ["ClassPlanDoc", "Section", "Table", "class_plan_doc", "short_date"]

GUIDING = (
    "为密切学校与家庭的联系，形成家校协同育人的合力，本学期通过系统化、制度化的家访，全面了解每一位学生的家庭背景、"
    "成长环境和个性特点，实现教育的精准化与个性化。家访本着“尊重、关爱、平等、真诚”的原则，以沟通为核心，以解决问题为导向。"
)
STAGE_TEXT = {
    "启航适应期": "建立信任，共绘蓝图：新转入和重点学生优先入户，与其余每个家庭完成首次联系。",
    "成长观测期": "聚焦成长，精准施策：期中考试后对重点学生再次约谈，其余家庭陆续入户。",
    "总结展望期": "盘点收获，共话未来：完成剩余家庭的入户家访，布置假期安全与学习安排。",
}


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...]  # relative column widths


@dataclass(frozen=True)
class Section:
    heading: str
    paragraphs: tuple[str, ...] = ()
    tables: tuple[Table, ...] = ()


@dataclass(frozen=True)
class ClassPlanDoc:
    title: str
    subtitle: str
    sections: tuple[Section, ...]


def short_date(visit: PlannedVisit) -> str:
    return f"{visit.day.month}月{visit.day.day}日"


def class_plan_doc(
    plan: VisitPlan, class_name: str, students: Sequence[Student], teachers: Sequence[Teacher], policy: Policy, calendar: TermCalendar
) -> ClassPlanDoc:
    """The class's plan document (see the module note)."""
    visits = plan.of_class(class_name)
    members = [s for s in students if s.class_name == class_name]
    sections = [
        Section("一、指导思想", (GUIDING,)),
        _goals(visits, members, policy),
        _targets(visits, members, policy),
        *((_stages(visits, policy, calendar),) if plan.stages else ()),
        _teachers(visits, {t.teacher_no: t.role for t in teachers}),
        _schedule(visits, calendar),
        _safeguards(visits, policy),
    ]
    numbered = tuple(_renumber(i, s) for i, s in enumerate(sections))
    return ClassPlanDoc(
        title=f"{class_name}班级家访工作计划",
        subtitle=f"{policy.school.name}　{calendar.name}",
        sections=numbered,
    )


def _renumber(index: int, section: Section) -> Section:
    numerals = "一二三四五六七八九十"
    return Section(f"{numerals[index]}、{section.heading.split('、', 1)[1]}", section.paragraphs, section.tables)


def _goals(visits: Sequence[PlannedVisit], members: Sequence[Student], policy: Policy) -> Section:
    homes = [v for v in visits if v.purpose == HOME]
    special = sum(1 for s in members if any(policy.canonical_group(g) for g in s.groups))
    focus = sum(1 for s in members if focus_labels(s, policy))
    text = (
        f"本学期实现全班 {len(members)} 名学生家庭联系全覆盖，计划入户家访 {len(homes)} 人次；"
        f"特殊群体学生 {special} 人本学期全部入户，重点学生 {focus} 人每人至少联系 {policy.plan.focus_contacts} 次；"
        f"建立并完善学生成长档案，家访后 {policy.deadlines.record_within_hours} 小时内完成记录，"
        f"发现的问题在 {policy.deadlines.followup_min_days}—{policy.deadlines.followup_max_days} 天内跟进。"
    )
    return Section("二、工作目标", (text,))


def _targets(visits: Sequence[PlannedVisit], members: Sequence[Student], policy: Policy) -> Section:
    rows: list[tuple[str, ...]] = [("全体学生（普访）", str(len(members)), "每学年入户一次", str(sum(v.purpose == HOME for v in visits)))]
    for group in policy.special_groups:
        who = {s.student_no for s in members if group.name in s.groups}
        if who:
            rows.append((group.name, str(len(who)), "每学期入户一次", str(sum(v.purpose == HOME and v.student_no in who for v in visits))))
    focus = {s.student_no for s in members if focus_labels(s, policy)}
    if focus:
        rows.append(("重点学生", str(len(focus)), f"本学期至少联系 {policy.plan.focus_contacts} 次", str(sum(v.student_no in focus and v.purpose != CALL for v in visits))))
    modes = Counter(v.mode for v in visits)
    mode_rows = tuple((mode, str(n)) for mode, n in modes.most_common())
    return Section(
        "三、家访对象与形式",
        ("坚持“全面覆盖与重点突出相结合”：全面普访覆盖全班家庭，对特殊群体和重点学生重点约访。",),
        (
            Table(("对象", "人数", "要求", "计划家访（次）"), tuple(rows), (3, 1, 3, 2)),
            Table(("家访形式", "计划次数"), mode_rows, (3, 2)),
        ),
    )


def _stages(visits: Sequence[PlannedVisit], policy: Policy, calendar: TermCalendar) -> Section:
    weeks = stage_weeks(calendar, policy)
    rows = []
    for name in STAGES:
        span = weeks[name]
        when = f"第 {span[0]}—{span[-1]} 周" if span else "—"
        rows.append((name, when, STAGE_TEXT[name], str(sum(v.stage == name for v in visits))))
    return Section("四、阶段安排", ("本学期试行“主题式、阶段化”家访，分三个阶段递进开展。",), (Table(("阶段", "周次", "主题与内容", "计划次数"), tuple(rows), (2, 2, 6, 1.5)),))


def _teachers(visits: Sequence[PlannedVisit], roles: dict[str, str]) -> Section:
    names = {v.teacher_no: v.teacher_name for v in visits} | {v.companion_no: v.companion_name for v in visits if v.companion_no}
    lead = Counter(v.teacher_no for v in visits)
    joined = Counter(v.companion_no for v in visits if v.companion_no)
    order = sorted(names, key=lambda no: (-lead[no], -joined[no], no))
    rows = tuple((names[no], roles.get(no, ""), str(lead[no]), str(joined[no])) for no in order)
    return Section("五、家访教师", ("班主任为本班家访第一责任人，任课教师分担部分家庭，学校领导结伴参加特殊群体学生家访。",), (Table(("教师", "职务", "负责（次）", "同去（次）"), rows, (2, 3, 1.5, 1.5)),))


def _schedule(visits: Sequence[PlannedVisit], calendar: TermCalendar) -> Section:
    rows = []
    for week in calendar.weeks:
        these = [v for v in visits if v.week == week.number]
        if not these:
            continue
        span = f"{week.monday.month}月{week.monday.day}日—{week.sunday.month}月{week.sunday.day}日"
        names = "、".join(f"{v.student_name}（{weekday_word(v)}）" for v in these)
        rows.append((f"第 {week.number} 周", span, str(len(these)), names))
    free = [w.number for w in calendar.weeks if w.exam]
    note = f"考试周（第 {'、'.join(map(str, free))} 周）与法定假日不安排家访。" if free else "法定假日不安排家访。"
    return Section("六、日程安排", (note,), (Table(("周次", "日期", "次数", "学生（星期）"), tuple(rows), (1.3, 2.4, 0.8, 7)),))


def _safeguards(visits: Sequence[PlannedVisit], policy: Policy) -> Section:
    rules = policy.plan
    pairs = [v for v in visits if v.companion_no]
    heads = sorted({v.teacher_name for v in visits if v.teacher_role == "班主任"})
    texts = (
        f"组织保障：成立班级家访工作小组，由班主任{'、'.join(heads) or ''}任组长，任课教师参与，共同规划、实施和总结家访工作。",
        f"时间保障：每位教师每周家访不超过 {rules.weekly_visits} 次（每次约 {rules.visit_hours:g} 小时），一个晚上最多 {rules.evening_visits} 户，且同一晚的家庭在同一片区。",
        f"安全保障：家访前与家长确认住址和联系方式；{len(pairs)} 次家访由两位教师结伴（偏远或情况复杂的家庭、学校领导参加的家访）。",
        f"记录与跟进：家访后 {policy.deadlines.record_within_hours} 小时内填写《家访记录表》，商定的措施 {policy.deadlines.followup_min_days}—{policy.deadlines.followup_max_days} 天内回访。",
        "考核与激励：家访完成情况、记录质量纳入班主任工作考核。",
    )
    return Section("七、保障措施", texts)
