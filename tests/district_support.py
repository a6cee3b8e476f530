"""A district of three schools in one store, with every cell of the district table known.

The workspace's own school is the sample's A 青禾市明德实验学校 (QHMD01; quotas 校长 5, 副校长 5,
中层 10; special groups per semester). Two more are registered with their own profiles:
B 青禾市新苑小学 (QHXY02; quotas 校长 2, 中层 1; only 留守儿童 and 单亲家庭; special groups per
school year) and C 青禾市湖山中学 (QHHS03; quota 校长 4), which has no visit in November 2025:
it has not reported. MONTH is 2025-11 (school year from 2025-09-01).

| school | form | student           | date       | mode     | type | teachers  | status |
| A      | a1   | A01 1班 留守儿童   | 2025-10-08 | 入户走访 | 普访 | TA1 TA3   | auto   |
| A      | a2   | A01               | 2025-11-03 | 电话     | 回访 | TA3       | auto   |
| A      | a3   | A02 1班           | 2025-11-10 | 入户走访 | 普访 | TA2       | auto   |
| A      | a4   | A03 2班 经济困难   | 2025-11-12 | 入户走访 | 普访 | TA1 TA4   | auto   |
| A      | a5   | A04 2班           | 2025-11-20 | 入户走访 | 普访 | TA4       | review |
| B      | b1   | B01 留守儿童       | 2025-11-05 | 入户走访 | 普访 | TB1 TB3   | auto   |
| B      | b2   | B02 单亲家庭       | 2025-11-06 | 视频(线上) | 普访 | TB2     | auto   |
| B      | b3   | B03               | 2025-09-15 | 入户走访 | 普访 | TB1       | auto   |
| B      | b4   | B01               | 2025-11-25 | 入户走访 | 普访 | TB2       | auto   |
| C      | c1   | C01               | 2025-10-20 | 入户走访 | 普访 | TC1       | auto   |

Teachers: TA1 校长, TA2 中层, TA3 班主任 (A 1班), TA4 班主任 (A 2班); TB1 校长, TB2 中层,
TB3 班主任; TC1 校长. Students' phones and the other roster columns are there so that a test
can check none of them leaves in the district workbook.
"""

from __future__ import annotations

import re

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pipeline.scope.schools import register_school
from pipeline.identity import new_form_id
from pipeline.model.form import load_form
from pipeline.model.issuance import IssuedForm
from pipeline.model.people import Student, Teacher
from pipeline.model.record import FieldValue, Record
from pipeline.resources import samples_dir
from pipeline.store import repo
from pipeline.store.records import add_record
from pipeline.store.workspace import Workspace, init_workspace

MONTH = "2025-11"
A, B, C = "QHMD01", "QHXY02", "QHHS03"
NAMES = {A: "青禾市明德实验学校", B: "青禾市新苑小学", C: "青禾市湖山中学"}

STUDENTS = {
    A: (
        Student("A01", "吴明", "七年级（1）班", phone="13800000001", groups=("留守儿童",), address="清源路1号"),
        Student("A02", "梁雅婷", "七年级（1）班", phone="13800000002"),
        Student("A03", "彭欣然", "七年级（2）班", phone="13800000003", groups=("经济困难",)),
        Student("A04", "郑浩宇", "七年级（2）班", phone="13800000004"),
    ),
    B: (
        Student("B01", "曹华", "一年级（1）班", phone="13900000001", groups=("留守儿童",)),
        Student("B02", "周文", "一年级（1）班", phone="13900000002", groups=("单亲家庭",)),
        Student("B03", "马文", "一年级（1）班", phone="13900000003"),
    ),
    C: (Student("C01", "何静", "八年级（1）班", phone="13700000001"),),
}
TEACHERS = {
    A: (
        Teacher("TA1", "林春燕", "校长"),
        Teacher("TA2", "王德明", "中层"),
        Teacher("TA3", "唐春燕", "班主任", ("七年级（1）班",)),
        Teacher("TA4", "张桂兰", "班主任", ("七年级（2）班",)),
    ),
    B: (Teacher("TB1", "梁文斌", "校长"), Teacher("TB2", "赵敏", "中层"), Teacher("TB3", "钱芳", "班主任", ("一年级（1）班",))),
    C: (Teacher("TC1", "孙立", "校长"),),
}


@dataclass(frozen=True)
class Visit:
    school: str
    student_no: str
    date: str
    mode: str
    visit_type: str
    teachers: tuple[str, ...]
    status: str = "auto"


VISITS = (
    Visit(A, "A01", "2025-10-08", "入户走访", "普访", ("TA1", "TA3")),
    Visit(A, "A01", "2025-11-03", "电话", "回访", ("TA3",)),
    Visit(A, "A02", "2025-11-10", "入户走访", "普访", ("TA2",)),
    Visit(A, "A03", "2025-11-12", "入户走访", "普访", ("TA1", "TA4")),
    Visit(A, "A04", "2025-11-20", "入户走访", "普访", ("TA4",), status="review"),
    Visit(B, "B01", "2025-11-05", "入户走访", "普访", ("TB1", "TB3")),
    Visit(B, "B02", "2025-11-06", "视频(线上)", "普访", ("TB2",)),
    Visit(B, "B03", "2025-09-15", "入户走访", "普访", ("TB1",)),
    Visit(B, "B01", "2025-11-25", "入户走访", "普访", ("TB2",)),
    Visit(C, "C01", "2025-10-20", "入户走访", "普访", ("TC1",)),
)


def school_policy_file(folder: Path, code: str) -> Path:
    """B's and C's profiles: the sample's dates with their own school, quotas and groups."""
    text = (samples_dir() / "policy.yaml").read_text(encoding="utf-8")
    text = text.replace("QHMD01", code).replace("青禾市明德实验学校", NAMES[code])
    head, _, rest = text.partition("special_groups:")
    _, _, tail = rest.partition("coverage:")
    if code == B:
        groups = "special_groups:\n  - {name: 留守儿童, aliases: [留守]}\n  - {name: 单亲家庭, aliases: [单亲]}\n"
        quotas = "quotas:\n  - {role: 校长, visits_per_year: 2}\n  - {role: 中层, visits_per_year: 1}\n"
        tail = tail.replace("special_group_per: semester", "special_group_per: school_year")
    else:
        groups = "special_groups:\n  - {name: 留守儿童}\n"
        quotas = "quotas:\n  - {role: 校长, visits_per_year: 4}\n"
    # the sample's plan names groups these schools do not have: theirs plan with their own
    tail = re.sub(r"\n  (two_teacher_groups|focus_groups): \[[^\]]*\]", "", tail)
    path = folder / f"{code}.yaml"
    path.write_text(f"{head}{groups}{quotas}coverage:{tail}", encoding="utf-8")
    return path


def build_district(root: Path) -> Iterator[Workspace]:
    """The workspace of the module docstring (a generator for a fixture: closed afterwards)."""
    ws = init_workspace(root / "ws", policy_path=samples_dir() / "policy.yaml")
    for code in (B, C):
        register_school(ws, school_policy_file(root, code))
    form = load_form("record")
    form_ids = {v: new_form_id("record") for v in VISITS}
    with ws.session() as s:
        repo.save_layout(s, form)
        for code in (A, B, C):
            repo.upsert_students(s, STUDENTS[code], school=code)
            repo.upsert_teachers(s, TEACHERS[code], school=code)
        repo.add_issued_forms(s, [_issued(form_ids[v], v) for v in VISITS])
    for v in VISITS:
        with ws.session() as s:
            add_record(s, _record(form_ids[v], v))
    yield ws
    ws.close()


def student(student_no: str) -> Student:
    return next(s for group in STUDENTS.values() for s in group if s.student_no == student_no)


def _issued(form_id: str, v: Visit) -> IssuedForm:
    form = load_form("record")
    pupil = student(v.student_no)
    return IssuedForm(
        form_id, "record", form.version, form.layout_hash, pupil.student_no, pupil.class_name, form.page_count, "b1", (),
        dt.datetime.now(dt.timezone.utc),
    )


def _record(form_id: str, v: Visit) -> Record:
    """A Word return of ``v``: every field read at full confidence, the date with ``v.status``."""
    pupil = student(v.student_no)
    values = {
        "student_name": pupil.name,
        "visit_date": v.date,
        "visit_time": "15:00-16:00",
        "mode": v.mode,
        "visit_type": v.visit_type,
        "teachers": "、".join(t.name for t in TEACHERS[v.school] if t.teacher_no in v.teachers),
        "problems": None,
        "followup_measures": [],
        "followup_due": None,
    }
    statuses = {"visit_date": v.status}
    refs = {"teachers": v.teachers}
    fields = {
        fid: FieldValue(value, str(value or ""), 1.0, "docx", statuses.get(fid, "auto"), refs=refs.get(fid, ()))
        for fid, value in values.items()
    }
    layout = load_form("record").layout_hash
    return Record(form_id, "record", pupil.student_no, pupil.class_name, layout, fields, f"{form_id}.docx", reader="docx")
