"""A small school with known gaps for the compliance and ledger tests.

Two classes, a principal, a middle leader, two 班主任 and one 科任; record forms issued and
hand-made records stored with add_record, each with its entry time set in the database (the
visit evening, unless a test is about late entry). On AS_OF (2026-03-20, second semester, day
201 of a 318-day school year) the pace is 3 visits for the principal and 6 for the 中层.

| form | student           | date       | mode | type | teachers | problem / note                     |
| R01  | S01 吴明          | 2025-10-10 | 入户 | 普访 | T01 T03  | 英语偏弱 → R02 回访 10-14: done    |
| R02  | S01               | 2025-10-14 | 电话 | 回访 | T03      |                                    |
| R03  | S02 梁雅婷 留守    | 2025-11-05 | 入户 | 普访 | T03      | last semester only; no end time    |
| R04  | S03 彭欣然        | 2026-03-02 | 电话 | 普访 | T01 T03  | 发现的问题 "无" (not an item)      |
| R05  | S05 周琪          | 2026-03-10 | 入户 | 重点 | T05 T03  | 作业拖拉, due 03-17: overdue 3 d   |
| R06  | S06 马文          | 2026-03-18 | 入户 | 普访 | T01 T02  | 情绪低落, due 03-25 written: open  |
| R07  | S07 曹华 (2 班)   | 2026-03-05 | 入户 | 普访 | T04      | 家里缺少学习空间; entered 03-08 10:00 (late) |
| R08  | S07               | 2026-03-09 | 电话 | 普访 | T04      | inside R07's window: follows it up |
| R09  | S08 周文 (2 班)   | 2026-03-06 | 入户 | 普访 | T04      | status review: pending, not counted |
S04 郑浩宇 (经济困难) has no record at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import update

from pipeline.model.form import load_form
from pipeline.model.issuance import IssuedForm
from pipeline.model.people import Student, Teacher
from pipeline.model.record import FieldValue, Record
from pipeline.resources import samples_dir
from pipeline.store import repo
from pipeline.store.records import add_record
from pipeline.store.schema import RecordRow
from pipeline.store.workspace import Workspace, init_workspace

CLASS_1 = "七年级（1）班"
CLASS_2 = "七年级（2）班"
AS_OF = dt.date(2026, 3, 20)

STUDENTS = (
    Student("S01", "吴明", CLASS_1),
    Student("S02", "梁雅婷", CLASS_1, groups=("留守儿童",)),
    Student("S03", "彭欣然", CLASS_1),
    Student("S04", "郑浩宇", CLASS_1, groups=("经济困难",)),
    Student("S05", "周琪", CLASS_1),
    Student("S06", "马文", CLASS_1),
    Student("S07", "曹华", CLASS_2),
    Student("S08", "周文", CLASS_2),
)
TEACHERS = (
    Teacher("T01", "林春燕", "校长"),
    Teacher("T02", "王德明", "中层"),
    Teacher("T03", "唐春燕", "班主任", (CLASS_1,)),
    Teacher("T04", "张桂兰", "班主任", (CLASS_2,)),
    Teacher("T05", "梁文斌", "科任", (CLASS_1, CLASS_2)),
)


@dataclass(frozen=True)
class Visit:
    form_id: str
    student_no: str
    date: str
    mode: str
    visit_type: str
    teachers: tuple[str, ...]
    problems: str = ""
    measures: tuple[str, ...] = ()
    due: str | None = None
    time: str | None = "15:00-16:00"
    status: str = "auto"
    entered: dt.datetime | None = None  # local time; the visit evening when None


VISITS = (
    Visit("R01", "S01", "2025-10-10", "入户走访", "普访", ("T01", "T03"), "英语偏弱", ("学困生学习提升",)),
    Visit("R02", "S01", "2025-10-14", "电话", "回访", ("T03",)),
    Visit("R03", "S02", "2025-11-05", "入户走访", "普访", ("T03",), time=None),
    Visit("R04", "S03", "2026-03-02", "电话", "普访", ("T01", "T03"), "无"),
    Visit("R05", "S05", "2026-03-10", "入户走访", "重点", ("T05", "T03"), "作业拖拉", ("家庭教育指导",)),
    Visit(
        "R06", "S06", "2026-03-18", "入户走访", "普访", ("T01", "T02"), "情绪低落，睡眠不好",
        ("心理健康辅导", "家庭教育指导"), due="2026-03-25",
    ),
    Visit(
        "R07", "S07", "2026-03-05", "入户走访", "普访", ("T04",), "家里缺少学习空间", ("困难家庭帮扶",),
        time="16:00-17:00", entered=dt.datetime(2026, 3, 8, 10, 0),
    ),
    Visit("R08", "S07", "2026-03-09", "电话", "普访", ("T04",)),
    Visit("R09", "S08", "2026-03-06", "入户走访", "普访", ("T04",), status="review"),
)


def build_school(root: Path) -> Iterator[Workspace]:
    """The workspace of the module docstring (a generator for a fixture: closed afterwards)."""
    ws = init_workspace(root / "ws", policy_path=samples_dir() / "policy.yaml")
    with ws.session() as s:
        repo.upsert_students(s, STUDENTS)
        repo.upsert_teachers(s, TEACHERS)
        repo.save_layout(s, load_form("record"))
        repo.add_issued_forms(s, [_issued(v) for v in VISITS])
    for v in VISITS:
        with ws.session() as s:
            add_record(s, _record(v))
            entered = v.entered or dt.datetime.combine(dt.date.fromisoformat(v.date), dt.time(20, 0))
            s.execute(
                update(RecordRow)
                .where(RecordRow.form_id == v.form_id)
                .values(created_at=entered.astimezone().astimezone(dt.timezone.utc))
            )
    yield ws
    ws.close()


def student(student_no: str) -> Student:
    return next(s for s in STUDENTS if s.student_no == student_no)


def _issued(v: Visit) -> IssuedForm:
    form = load_form("record")
    pupil = student(v.student_no)
    return IssuedForm(
        form_id=v.form_id,
        form="record",
        form_version=form.version,
        layout_hash=form.layout_hash,
        student_no=pupil.student_no,
        class_name=pupil.class_name,
        pages=form.page_count,
        batch_id="b1",
        files=(),
        created_at=dt.datetime.now(dt.timezone.utc),
    )


def _record(v: Visit) -> Record:
    pupil = student(v.student_no)
    names = "、".join(t.name for t in TEACHERS if t.teacher_no in v.teachers)

    def fv(value: object, status: str = "auto", refs: tuple[str, ...] = ()) -> FieldValue:
        return FieldValue(value, str(value or ""), 1.0, "docx", status, refs=refs)

    return Record(
        form_id=v.form_id,
        form="record",
        student_no=pupil.student_no,
        class_name=pupil.class_name,
        layout_hash=load_form("record").layout_hash,
        fields={
            "student_name": fv(pupil.name),
            "visit_date": fv(v.date, v.status),
            "visit_time": fv(v.time),
            "mode": fv(v.mode),
            "visit_type": fv(v.visit_type),
            "teachers": fv(names, refs=v.teachers),
            "problems": fv(v.problems or None),
            "followup_measures": fv(list(v.measures)),
            "followup_due": fv(v.due),
        },
        source_file=f"{v.form_id}.docx",
        reader="docx",
    )
