"""A sample-school workspace with returned records for the archive tests.

Record forms are issued twice to one class (two visits a student), returns are validated
with to_record and stored with add_record; one return is a "scan": page 1 of its printed
form rasterised and stored as the registered page image of a read ScannedPage.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium

from pipeline.generate import generate
from pipeline.model.form import load_form
from pipeline.model.people import Student
from pipeline.model.record import RawValue, Reading
from pipeline.model.scan import ScannedPage
from pipeline.resources import samples_dir
from pipeline.roster.importer import import_roster
from pipeline.store import repo
from pipeline.store.records import add_record
from pipeline.store.scans import add_scanned_page
from pipeline.store.workspace import Workspace, init_workspace
from pipeline.validate import ValidationContext, to_record

CLASS = "七年级（1）班"
RARE = "G994624201301120010"  # 李𬱖
GROUPED = "G994624201302170001"  # 吴明: 留守儿童、经济困难, 身份证号 on the roster
TODAY = dt.date(2026, 4, 1)
ID_NUMBER = "110101200501011234"
FAMILY = "父母在外务工，属留守儿童，由祖母照看；父亲电话 139 1234 5678。"

VALUES: dict[str, Any] = {
    "visit_time": "14:30-15:20",
    "place": "学生家中",
    "mode": ("入户走访",),
    "visit_type": ("普访",),
    "student_present": ("是",),
    "teachers": "林春燕、王德明",
    "interviewee": "母亲",
    "attachments": (),
    "topics": ("学习情况", "心理健康"),
    "family_situation": FAMILY,
    "school_feedback": f"上课认真，作业按时完成。家长留的手机 13912345678，身份证 {ID_NUMBER}。",
    "parent_opinion": "希望多沟通。",
    "problems": "有心理困扰，单亲家庭，情绪低落",
    "consensus": "每周电话沟通一次。",
    "measures": "班主任每周谈心",
    "followup_measures": ("心理健康辅导",),
    "followup_due": "",
    "teacher_signature": True,
    "parent_signature": False,
}


@dataclass
class School:
    ws: Workspace
    root: Path
    rare: Student
    grouped: Student
    scanned_form: str  # form id of the record whose page 1 is a stored scan
    dates: dict[str, list[str]]  # student_no -> visit dates stored


def build_school(root: Path) -> School:
    ws = init_workspace(root / "ws", policy_path=samples_dir() / "policy.yaml")
    import_roster(ws, [samples_dir() / "roster.xlsx"])
    reports = [
        generate(ws, forms=["record"], formats=["pdf"], out_dir=root / f"print{i}", class_name=CLASS) for i in (1, 2)
    ]
    with ws.session() as s:
        students = {st.student_no: st for st in repo.list_students(s, class_name=CLASS)}
        teachers = repo.list_teachers(s)
        issued = {st: sorted(repo.issued_forms_for(s, st), key=lambda i: i.created_at) for st in (RARE, GROUPED)}
    plan = {
        RARE: [("2025-10-10", {}), ("2025-11-03", {"mode": ("电话",), "phone": "13900001111"})],
        GROUPED: [("2025-10-12", {}), ("2026-03-10", {})],
    }
    for student_no, visits in plan.items():
        for issued_form, (day, changes) in zip(issued[student_no], visits, strict=True):
            reading = Reading(
                issued_form.form_id,
                {k: RawValue(v, 1.0, "docx") for k, v in {**VALUES, "visit_date": day, **changes}.items()},
                reader="docx",
            )
            context = ValidationContext(policy=ws.policy, student=students[student_no], teachers=teachers, today=TODAY)
            record = to_record(reading, form=load_form("record"), issued=issued_form, context=context, source_file=f"{day}.docx")
            with ws.session() as s:
                add_record(s, record)
    scanned = issued[RARE][0].form_id
    _store_scan(ws, scanned, reports[0])
    return School(ws, root, students[RARE], students[GROUPED], scanned, {k: [d for d, _ in v] for k, v in plan.items()})


def _store_scan(ws: Workspace, form_id: str, report: Any) -> None:
    entry = next(e for e in report.entries if e.form_id == form_id)
    pdf = pdfium.PdfDocument(report.out_dir / entry.file)
    image = pdf[entry.first_page - 1].render(scale=150 / 72).to_pil().convert("L")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    name = ws.files.put_bytes(buffer.getvalue(), ".png") + ".png"
    with ws.session() as s:
        add_scanned_page(
            s,
            ScannedPage(
                digest=name[:64], source_file=name, page_index=0, status="read", form_id=form_id,
                page_no=1, image=name, registered=name,
            ),
        )
