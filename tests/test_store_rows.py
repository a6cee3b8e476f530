"""Row <-> dataclass mapping by name (pipeline.store.rows): what is taken, what must be given."""

from __future__ import annotations

import datetime as dt

import pytest

from pipeline.model.intake import FileIntake
from pipeline.model.people import Teacher
from pipeline.model.record import Record
from pipeline.store.rows import from_row, to_values
from pipeline.store.schema import IntakeRow, RecordRow, TeacherRow


def test_values_hold_the_shared_columns_and_what_is_given_replaces_them() -> None:
    intake = FileIntake("in/a.docx", "record", digest="d1", form_ids=("R1",), pages=None)
    values = to_values(intake, IntakeRow, form_ids=["R1"], batch_id="B1")
    # pages_read (a tuple in the model) was not given, so it passes unchanged; id and
    # created_at are columns the dataclass lacks and stay out (the caller or the table sets them)
    assert values == {
        "path": "in/a.docx",
        "outcome": "record",
        "reason": "",
        "digest": "d1",
        "form_ids": ["R1"],
        "pages": None,
        "pages_read": (),
        "batch_id": "B1",
    }


def test_a_column_the_dataclass_lacks_is_left_out_so_its_server_default_applies() -> None:
    values = to_values(Teacher("T01", "周老师", "班主任", classes=("七年级（1）班",)), TeacherRow)
    assert values == {"teacher_no": "T01", "name": "周老师", "role": "班主任"}  # no school_code, no classes


def test_a_row_becomes_its_dataclass_with_given_values_winning_over_columns() -> None:
    row = IntakeRow(path="in/b.pdf", outcome="rejected", reason="无法识别", digest=None, form_ids=["R2"], pages=3, pages_read=[1, 2])
    intake = from_row(FileIntake, row, form_ids=("R2",), pages_read=(1, 2))
    assert intake == FileIntake("in/b.pdf", "rejected", "无法识别", None, ("R2",), 3, (1, 2))


def test_a_field_the_table_lacks_and_nobody_gives_is_refused() -> None:
    row = RecordRow(form_id="R3", version=1, reader="docx", source_file="x.docx", notes=[], created_at=dt.datetime(2026, 9, 1))
    with pytest.raises(TypeError, match="form"):
        from_row(Record, row)
