"""Records in the database: versions keep history, filters, field values round-trip."""

from __future__ import annotations

import datetime as dt

import pytest

from pipeline.model.form import load_form
from pipeline.model.issuance import IssuedForm
from pipeline.model.people import Student
from pipeline.model.record import FieldValue, Record
from pipeline.store import repo
from pipeline.store.records import add_record, current_record, list_records, record_history
from pipeline.store.workspace import Workspace

pytestmark = pytest.mark.both_databases  # the same tests on SQLite and PostgreSQL

STUDENTS = (
    Student("S001", "吴明", "七年级（1）班"),
    Student("S002", "梁雅婷", "七年级（1）班"),
    Student("S003", "彭欣然", "七年级（2）班"),
)


def _issue(ws: Workspace, form_id: str, student: Student, form: str = "record") -> None:
    definition = load_form(form)
    with ws.session() as s:
        repo.save_layout(s, definition)
        repo.add_issued_forms(
            s,
            [
                IssuedForm(
                    form_id=form_id,
                    form=form,
                    form_version=definition.version,
                    layout_hash=definition.layout_hash,
                    student_no=student.student_no,
                    class_name=student.class_name,
                    pages=definition.page_count,
                    batch_id="b1",
                    files=(),
                    created_at=dt.datetime.now(dt.timezone.utc),
                )
            ],
        )


@pytest.fixture
def ws(workspace: Workspace) -> Workspace:
    """Three students of two classes; record forms R1..R3 and a memo M1 issued to them."""
    with workspace.session() as s:
        repo.upsert_students(s, STUDENTS)
    for i, student in enumerate(STUDENTS, start=1):
        _issue(workspace, f"R{i}", student)
    _issue(workspace, "M1", STUDENTS[0], form="memo")
    return workspace


def _record(form_id: str, *, status: str = "auto", form: str = "record", source_file: str = "a.docx") -> Record:
    student = {"R1": STUDENTS[0], "R2": STUDENTS[1], "R3": STUDENTS[2], "M1": STUDENTS[0]}[form_id]
    fields = {
        "visit_date": FieldValue(
            "2025-11-03", "2025年11月3日", 1.0, "docx", status, "家访日期晚于今天" if status == "review" else ""
        ),
        "topics": FieldValue(["学习情况", "资助政策"], "学习情况、资助政策", 0.97, "omr", "auto", crop="c1.png"),
        "teachers": FieldValue("林春燕、王德明", "林春燕、王德明", 1.0, "docx", "auto", refs=("QHMD001", "QHMD003")),
        "teacher_signature": FieldValue(True, "是", 1.0, "docx", "auto"),
        "followup_due": FieldValue(None, "", 1.0, "docx", "auto"),
    }
    return Record(
        form_id=form_id,
        form=form,
        student_no=student.student_no,
        class_name=student.class_name,
        layout_hash=load_form(form).layout_hash,
        fields=fields,
        source_file=source_file,
        reader="docx",
        notes=("控件完整",),
    )


def test_field_values_round_trip_with_refs_crop_and_message(ws: Workspace) -> None:
    original = _record("R1", status="review")
    with ws.session() as s:
        stored = add_record(s, original)
    with ws.session() as s:
        loaded = current_record(s, "R1")
    assert loaded is not None
    assert dict(loaded.fields) == dict(original.fields)
    assert loaded.fields["topics"].value == ["学习情况", "资助政策"]
    assert loaded.fields["teachers"].refs == ("QHMD001", "QHMD003")
    assert loaded.fields["topics"].crop == "c1.png"
    assert loaded.fields["visit_date"].message == "家访日期晚于今天"
    assert loaded.fields["teacher_signature"].value is True
    assert (loaded.version, loaded.status, loaded.reader, loaded.notes) == (1, "review", "docx", ("控件完整",))
    assert loaded.created_at == stored.created_at


def test_second_return_becomes_current_and_the_first_stays_in_history(ws: Workspace) -> None:
    with ws.session() as s:
        first = add_record(s, _record("R1", status="review", source_file="first.docx"))
    with ws.session() as s:
        second = add_record(s, _record("R1", source_file="second.docx"))
    assert (first.version, second.version) == (1, 2)
    with ws.session() as s:
        history = record_history(s, "R1")
        current = current_record(s, "R1")
        listed = list_records(s)
    assert [(r.version, r.source_file, r.status) for r in history] == [
        (1, "first.docx", "review"),
        (2, "second.docx", "auto"),
    ]
    assert current is not None and current.source_file == "second.docx"
    assert [r.form_id for r in listed] == ["R1"], "only the current version is listed"


def test_current_version_flips_on_each_return(ws: Workspace) -> None:
    for n in range(3):
        with ws.session() as s:
            add_record(s, _record("R2", source_file=f"{n}.docx"))
        with ws.session() as s:
            assert current_record(s, "R2").source_file == f"{n}.docx"  # type: ignore[union-attr]


def test_list_filters_by_class_status_form_and_student(ws: Workspace) -> None:
    with ws.session() as s:
        add_record(s, _record("R1", status="review"))
        add_record(s, _record("R2"))
        add_record(s, _record("R3"))
        add_record(s, _record("M1", form="memo"))
    with ws.session() as s:
        assert [r.form_id for r in list_records(s)] == ["M1", "R1", "R2", "R3"]
        assert [r.form_id for r in list_records(s, class_name="七年级（2）班")] == ["R3"]
        assert [r.form_id for r in list_records(s, status="review")] == ["R1"]
        assert [r.form_id for r in list_records(s, form="memo")] == ["M1"]
        assert [r.form_id for r in list_records(s, student_no="S001", form="record")] == ["R1"]
        assert list_records(s, class_name="九年级（9）班") == []


def test_unknown_form_has_no_record_and_no_history(ws: Workspace) -> None:
    with ws.session() as s:
        assert current_record(s, "R3") is None
        assert record_history(s, "NOPE") == []
