"""`jiafang ingest`: returned files become records once; failures are reported, never silent."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document
from sqlalchemy import text

from pipeline.cli import main
from pipeline.generate import generate
from pipeline.ingest import ingest
from pipeline.readback import docx_form_id
from pipeline.store import records as record_store
from pipeline.store import repo
from pipeline.store.workspace import Workspace
from ingest_support import CLASS, VALUES, filled_docx, make_workspace
from tests.pg_support import own_database

pytestmark = pytest.mark.both_databases  # the same tests on SQLite and PostgreSQL


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return make_workspace(tmp_path / "ws")


@pytest.fixture
def issued_docx(ws: Workspace, tmp_path: Path) -> list[Path]:
    report = generate(ws, forms=["record"], formats=["docx"], out_dir=tmp_path / "out", class_name=CLASS)
    return [tmp_path / "out" / e.file for e in report.entries]


def _tables(ws: Workspace) -> dict[str, list[tuple]]:
    with ws.engine.connect() as db:
        return {t: sorted((tuple(r) for r in db.execute(text(f"SELECT * FROM {t}"))), key=repr) for t in ("records", "field_values", "returned_files")}


def test_a_filled_docx_becomes_a_record_with_values_by_kind(ws: Workspace, issued_docx: list[Path], tmp_path: Path) -> None:
    path = filled_docx(issued_docx[0], tmp_path / "back" / "a.docx")
    report = ingest(ws, [path])
    assert [i.outcome for i in report.items] == ["new"]
    with ws.session() as s:
        record = record_store.list_records(s)[0]
    f = record.fields
    assert f["visit_date"].value == "2025-11-03" and f["visit_date"].source == "docx"
    assert f["visit_time"].value == "19:00-20:10"
    assert f["mode"].value == "入户走访"
    assert f["topics"].value == ["学习情况", "安全教育(防溺水·交通·防诈)"]
    assert f["family_situation"].value == VALUES["family_situation"]
    assert f["teacher_signature"].value is True
    assert f["teachers"].refs, "teacher names resolve to teacher ids"
    assert record.version == 1
    assert ws.files.has(record.source_file.split(".")[0], ".docx"), "the original is kept"


def test_a_visit_written_on_a_classmates_word_form_waits_for_a_person(ws: Workspace, issued_docx: list[Path], tmp_path: Path) -> None:
    """The interviewee is the other student's guardian: before, the field was `auto` and the
    visit counted for the wrong student without a word."""
    with ws.session() as s:
        owner = repo.get_issued_form(s, docx_form_id(issued_docx[0])).student_no
        other = next(st for st in repo.list_students(s, class_name=CLASS) if st.student_no != owner)
    path = filled_docx(issued_docx[0], tmp_path / "back" / "a.docx", {**VALUES, "interviewee": f"{other.guardian_relation} {other.guardian_name}"})
    ingest(ws, [path])
    with ws.session() as s:
        [record] = record_store.list_records(s)
    field = record.fields["interviewee"]
    assert field.status == "review" and f"同班学生{other.name}" in field.message


def test_a_note_typed_below_a_word_form_waits_for_a_person_with_its_text(ws: Workspace, issued_docx: list[Path], tmp_path: Path) -> None:
    """Before, the record was stored with every field `auto` and the note in none of them."""
    path = filled_docx(issued_docx[0], tmp_path / "back" / "a.docx")
    document = Document(str(path))
    document.add_paragraph("补充：家长反映孩子在家玩手机到深夜")
    document.save(str(path))
    ingest(ws, [path])
    with ws.session() as s:
        [record] = record_store.list_records(s)
    noted = [fv for fv in record.fields.values() if "玩手机到深夜" in fv.message]
    assert record.status == "review" and len(noted) == 1 and noted[0].status == "review"


def test_ingesting_the_same_file_twice_changes_nothing(ws: Workspace, issued_docx: list[Path], tmp_path: Path) -> None:
    path = filled_docx(issued_docx[0], tmp_path / "back" / "a.docx")
    ingest(ws, [path])
    before = _tables(ws)
    again = ingest(ws, [path, tmp_path / "back"])
    assert [i.outcome for i in again.items] == ["duplicate"]
    assert "已跳过" in again.items[0].message
    assert _tables(ws) == before


def test_a_second_return_is_a_new_version_and_the_first_stays_in_history(
    ws: Workspace, issued_docx: list[Path], tmp_path: Path
) -> None:
    first = filled_docx(issued_docx[0], tmp_path / "back" / "first.docx")
    second = filled_docx(issued_docx[0], tmp_path / "back" / "second.docx", {**VALUES, "place": "学校会议室"})
    ingest(ws, [first])
    report = ingest(ws, [second])
    assert report.items[0].outcome == "updated" and report.items[0].version == 2
    with ws.session() as s:
        form_id = report.items[0].form_id
        history = record_store.record_history(s, form_id)
        current = record_store.current_record(s, form_id)
    assert [r.version for r in history] == [1, 2]
    assert history[0].fields["place"].value == "学生家中"
    assert current.fields["place"].value == "学校会议室"


def test_a_folder_of_mixed_returns_reports_every_file_and_goes_on(
    ws: Workspace, issued_docx: list[Path], tmp_path: Path
) -> None:
    back = tmp_path / "back"
    filled_docx(issued_docx[0], back / "good.docx")
    (back / "sub").mkdir()
    (back / "sub" / "empty.docx").write_bytes(b"")
    (back / "sub" / "notes.txt").write_text("家访心得")
    (back / "sub" / "photo.png").write_bytes(_png())
    foreign = Document()
    foreign.add_paragraph("这是一份普通的 Word 文档")
    foreign.save(back / "sub" / "foreign.docx")
    report = ingest(ws, [back], workers=1)
    outcome = {i.path.name: i for i in report.items}
    assert outcome["good.docx"].outcome == "new"
    for name in ("empty.docx", "notes.txt", "foreign.docx"):
        assert outcome[name].outcome == "rejected" and name in outcome[name].message, name
    assert outcome["photo.png"].outcome == "blank", "a blank scan is recognised and skipped"
    with ws.session() as s:
        assert len(record_store.list_records(s)) == 1


def test_ingest_command_exits_non_zero_when_a_file_is_rejected(ws: Workspace, tmp_path: Path) -> None:
    (tmp_path / "empty.docx").write_bytes(b"")
    result = CliRunner().invoke(main, ["ingest", "-w", str(ws.root), str(tmp_path / "empty.docx")])
    assert result.exit_code == 1
    assert "empty.docx" in result.output and "拒收" in result.output


def _png() -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("L", (210, 297), 255).save(buf, format="PNG")
    return buf.getvalue()


def test_a_form_never_issued_here_is_rejected(ws: Workspace, issued_docx: list[Path], tmp_path: Path) -> None:
    with own_database():
        other = make_workspace(tmp_path / "other")
    path = filled_docx(issued_docx[0], tmp_path / "back" / "a.docx")
    report = ingest(other, [path])
    assert report.items[0].outcome == "rejected"
    assert "从未在本工作区发放" in report.items[0].message and "a.docx" in report.items[0].message


def test_another_schools_form_is_rejected_as_such(ws: Workspace, issued_docx: list[Path], tmp_path: Path) -> None:
    with own_database():
        other = make_workspace(tmp_path / "other", school_code="ZZXX09")
    path = filled_docx(issued_docx[0], tmp_path / "back" / "a.docx")
    report = ingest(other, [path])
    assert report.items[0].outcome == "rejected"
    assert "另一所学校" in report.items[0].message


def test_a_zip_of_returns_is_unpacked_and_each_file_stored_once(ws: Workspace, issued_docx: list[Path], tmp_path: Path) -> None:
    filled_docx(issued_docx[0], tmp_path / "good.docx")
    with zipfile.ZipFile(tmp_path / "一班.zip", "w") as zf:
        zf.write(tmp_path / "good.docx", "一班/good.docx")
        zf.writestr("一班/说明.txt", "家访心得")
    report = ingest(ws, [tmp_path / "一班.zip"], workers=1)
    assert {Path(f.path).name: f.outcome for f in report.files} == {"一班.zip": "unpacked", "good.docx": "read", "说明.txt": "refused"}
    again = ingest(ws, [tmp_path / "一班.zip"], workers=1)
    assert {Path(f.path).name: f.outcome for f in again.files} == {"一班.zip": "unpacked", "good.docx": "already_read", "说明.txt": "refused"}
    with ws.engine.connect() as db:
        stored = dict(db.execute(text("SELECT name, outcome FROM returned_files")).all())
    assert stored == {"一班.zip": "unpacked", "good.docx": "record", "说明.txt": "rejected"}
