"""The plan's documents: the class plan in Word (opens, carries the class's numbers) and PDF,
the 家访安排表 workbook and PDFs, one .ics per teacher that a calendar library reads, and the
record forms printed in schedule order with the planned teachers filled in."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pdfplumber
import pytest
from docx import Document
from icalendar import Calendar
from openpyxl import load_workbook

from pipeline.plan.docs import CALENDAR_DIR, CLASS_DIR, FORMS_DIR, PlanDocs, write_plan_docs
from pipeline.plan.run import make_term_plan
from pipeline.store import repo
from pipeline.store.workspace import Workspace, init_workspace
from pipeline.synth.school import generated_school

TERM = "2025-2026-1"
CLASS = "七年级（1）班"


@pytest.fixture(scope="module")
def docs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Workspace, PlanDocs, Path]]:
    root = tmp_path_factory.mktemp("plan_docs")
    ws = init_workspace(root / "ws")
    school = generated_school(40, seed=4, special_share=0.3, focus_share=0.2, middle_leaders=1)
    with ws.session() as s:
        repo.upsert_students(s, school.students)
        repo.upsert_teachers(s, school.teachers)
    assert make_term_plan(ws, TERM).stored
    out = root / "out"
    yield ws, write_plan_docs(ws, TERM, out, class_name=CLASS, forms=True), out
    ws.close()


def test_class_plan_docx_opens_and_carries_the_class_numbers_in_seed_003s_sections(docs: tuple[Workspace, PlanDocs, Path]) -> None:
    _, result, out = docs
    path = out / CLASS_DIR / f"{CLASS}_班级家访工作计划.docx"
    document = Document(str(path))
    text = "\n".join(p.text for p in document.paragraphs)
    homes = sum(v.purpose == "home" for v in result.plan.visits)
    assert f"{CLASS}班级家访工作计划" in text
    assert f"本学期实现全班 40 名学生家庭联系全覆盖，计划入户家访 {homes} 人次" in text
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == ["一、指导思想", "二、工作目标", "三、家访对象与形式", "四、家访教师", "五、日程安排", "六、保障措施"]
    targets = document.tables[0]
    assert [c.text for c in targets.rows[0].cells] == ["对象", "人数", "要求", "计划家访（次）"]
    assert [c.text for c in targets.rows[1].cells] == ["全体学生（普访）", "40", "每学年入户一次", str(homes)]
    schedule = document.tables[3]
    assert sum(int(r.cells[2].text) for r in schedule.rows[1:]) == len(result.plan.visits)


def test_class_plan_pdf_prints_the_same_title_and_sections(docs: tuple[Workspace, PlanDocs, Path]) -> None:
    _, _, out = docs
    with pdfplumber.open(out / CLASS_DIR / f"{CLASS}_班级家访工作计划.pdf") as pdf:
        text = "".join(page.extract_text() or "" for page in pdf.pages)
    for words in (f"{CLASS}班级家访工作计划", "二、工作目标", "五、日程安排", "六、保障措施", "两位教师结伴"):
        assert words.replace(" ", "") in text.replace(" ", "")


def test_each_teachers_ics_parses_with_one_event_per_visit_in_china_time_and_no_group_labels(docs: tuple[Workspace, PlanDocs, Path]) -> None:
    _, result, out = docs
    files = sorted((out / CALENDAR_DIR).glob("*.ics"))
    teachers = {v.teacher_no for v in result.plan.visits} | {v.companion_no for v in result.plan.visits if v.companion_no}
    assert len(files) == len(teachers)
    for path in files:
        calendar = Calendar.from_ical(path.read_bytes())
        events = calendar.walk("VEVENT")
        no = path.stem.rsplit("_", 1)[1]
        mine = result.plan.of_teacher(no)
        assert len(events) == len(mine)
        first = events[0]
        start = first.decoded("dtstart")
        assert start.utcoffset() == dt.timedelta(hours=8)
        assert (start.date(), start.strftime("%H:%M")) == (mine[0].day, mine[0].time)
        text = path.read_bytes().decode("utf-8")
        assert not any(group in text for group in ("留守", "困境", "单亲", "学习困难", "心理", "行为偏差"))


def test_timetable_workbook_has_a_sheet_per_week_and_per_teacher(docs: tuple[Workspace, PlanDocs, Path]) -> None:
    _, result, out = docs
    book = load_workbook(out / f"家访安排表_{CLASS}.xlsx")
    weeks = sorted({v.week for v in result.plan.visits})
    assert [n for n in book.sheetnames if n.startswith("第")] == [f"第{w}周" for w in weeks]
    first = book[f"第{weeks[0]}周"]
    listed = [row for row in first.iter_rows(values_only=True) if row[4] in {v.student_name for v in result.plan.visits}]
    assert len(listed) == sum(v.week == weeks[0] for v in result.plan.visits)
    for name in ("按周", "按教师"):
        assert (out / f"家访安排表_{CLASS}_{name}.pdf").is_file()


def test_record_forms_come_in_schedule_order_with_the_planned_teachers_written_in(docs: tuple[Workspace, PlanDocs, Path]) -> None:
    _, result, out = docs
    assert result.forms is not None and result.forms.forms_issued == len(result.plan.visits)
    manifest = json.loads((out / FORMS_DIR / "manifest.json").read_text(encoding="utf-8"))
    assert [e["student_id"] for e in manifest] == [v.student_no for v in result.plan.visits]
    paired = next(i for i, v in enumerate(result.plan.visits) if v.companion_no)
    visit = result.plan.visits[paired]
    with pdfplumber.open(out / FORMS_DIR / manifest[paired]["file"]) as pdf:
        page = pdf.pages[manifest[paired]["first_page"] - 1].extract_text() or ""
    assert visit.student_name in page
    assert f"{visit.teacher_name}、{visit.companion_name}" in page
