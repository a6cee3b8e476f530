"""For the visit plan tests: the sample profile with other plan settings, a small fixture
school whose schedule is known, and returned record forms stored as counted visits
(generated schools of any size: pipeline.synth.school)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml

from pipeline.model.form import load_form
from pipeline.model.issuance import IssuedForm
from pipeline.model.people import Student, Teacher
from pipeline.model.policy import Policy, load_policy
from pipeline.model.record import FieldValue, Record
from pipeline.plan.calendar import Holiday, TermCalendar
from pipeline.resources import samples_dir
from pipeline.store import repo
from pipeline.store.records import add_record
from pipeline.store.workspace import Workspace

TERM = "2025-2026-1"


def policy_with(*, quotas: dict[str, int] | None = None, **plan: object) -> Policy:
    """The sample profile with other plan settings (and quotas by role)."""
    base = load_policy()
    update: dict[str, object] = {"plan": base.plan.model_copy(update=plan)}
    if quotas is not None:
        update["quotas"] = tuple(q.model_copy(update={"visits_per_year": quotas.get(q.role, 0)}) for q in base.quotas if q.role in quotas)
    return base.model_copy(update=update)


def policy_file(folder: Path, **plan: object) -> Path:
    """The sample profile's YAML with these ``plan:`` settings, written into ``folder``."""
    data = yaml.safe_load((samples_dir() / "policy.yaml").read_text(encoding="utf-8"))
    data["plan"] = {**data.get("plan", {}), **plan}
    path = folder / "policy.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


# The fixture school: six families of one class whose schedule is known (test_plan_schedule).
CLASS = "七年级（1）班"
VILLAGE = "青禾市清源区柳塘镇柳树村{}组{}号"
FIXTURE_STUDENTS = (
    Student("S1", "王堃", CLASS, address=VILLAGE.format("一", 3), groups=("留守儿童",)),
    Student("S2", "李娜", CLASS, address=VILLAGE.format("二", 8), groups=("困境儿童",)),
    Student("S3", "张伟", CLASS, address="青禾市清源区文昌路12号锦绣花园3栋", groups=("学习困难",)),
    Student("S4", "刘洋", CLASS, address="青禾市清源区文昌路15号锦绣花园1栋"),
    Student("S5", "陈静", CLASS, address=VILLAGE.format("三", 1)),
    Student("S6", "赵敏", CLASS, address="青禾市清源区学府街8号翠湖苑2栋"),
)
FIXTURE_TEACHERS = (Teacher("T01", "林春燕", "班主任", (CLASS,)), Teacher("T02", "周平", "科任", (CLASS,)), Teacher("L01", "高校长", "校长"))
# Six weeks from 1 September 2025: exam week 3, 国庆 1-7 October; visits on Tuesdays and Wednesdays.
FIXTURE_CALENDAR = TermCalendar(
    TERM, "测试学期", dt.date(2025, 9, 1), dt.date(2025, 10, 12), (Holiday("国庆节", dt.date(2025, 10, 1), dt.date(2025, 10, 7)),), (3,)
)
FIXTURE_POLICY = policy_with(quotas={"校长": 2}, weekly_visits=2, evening_visits=2, visit_days=(2, 3), focus_gap_weeks=2)


def store_record(ws: Workspace, form_id: str, student: Student, day: dt.date, mode: str, teacher_nos: tuple[str, ...], visit_type: str = "普访") -> None:
    """A returned 家访记录表 for ``student``, every field ``auto`` (a counted visit)."""
    form = load_form("record")
    issued = IssuedForm(form_id, "record", form.version, form.layout_hash, student.student_no, student.class_name, form.page_count, "b1", (), dt.datetime.now(dt.timezone.utc))

    def fv(value: object, refs: tuple[str, ...] = ()) -> FieldValue:
        return FieldValue(value, str(value or ""), 1.0, "docx", "auto", refs=refs)

    fields = {
        "student_name": fv(student.name),
        "visit_date": fv(day.isoformat()),
        "visit_time": fv("18:30-19:30"),
        "mode": fv(mode),
        "visit_type": fv(visit_type),
        "teachers": fv("、".join(teacher_nos), refs=teacher_nos),
        "followup_measures": fv([]),
    }
    record = Record(form_id=form_id, form="record", student_no=student.student_no, class_name=student.class_name, layout_hash=form.layout_hash, fields=fields, source_file=f"{form_id}.docx", reader="docx")
    with ws.session() as s:
        repo.save_layout(s, form)
        repo.add_issued_forms(s, [issued])
        add_record(s, record)
