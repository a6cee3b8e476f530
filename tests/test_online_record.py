"""Records typed online: derived from the same form definition as the print form, validated by
the same rules, stored as ``verified`` web versions, counted in the 统计表."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import yaml

from fastapi.testclient import TestClient

from pipeline.access import Operator, acting
from pipeline.console.app import create_console_app
from pipeline.errors import AccessDeniedError, StaleVersionError
from pipeline.generate.batch import filled_form
from pipeline.model.form import form_from_file
from pipeline.model.layout import layout_dict
from pipeline.readback.web_form import OnlineRecordError, online_form, submit_online_record, web_form
from pipeline.render.pdf import render_pdf
from pipeline.report.stats.report import make_stats_report
from pipeline.resources import forms_dir
from pipeline.store import repo
from pipeline.store.records import current_record, record_history
from pipeline.store.workspace import Workspace
from tests.online_support import CLASS, OTHER, TEACHER, as_posted, issued_in, record_post
from tests.online_support import lan_template_dir, ws  # noqa: F401 (fixtures)

LATER = dt.date(2025, 11, 20)  # "today" for validation: after VISIT_DAY, inside the school year


def _unreturned(ws: Workspace, class_name: str = CLASS) -> tuple[str, str]:
    """(form id, 学籍号) of an issued record form of ``class_name`` that nothing came back for."""
    with ws.session() as session:
        for form_id, student_no in issued_in(ws, class_name):
            if current_record(session, form_id) is None:
                return form_id, student_no
    raise AssertionError("every issued form has a record")


def _submit(ws: Workspace, student_no: str, **kwargs: object) -> object:
    changes = kwargs.pop("changes", {})
    return submit_online_record(ws, student_no, as_posted(record_post(**changes)), operator=TEACHER, today=LATER, **kwargs)  # type: ignore[arg-type]


def test_a_field_added_to_the_form_definition_appears_in_the_web_form_the_print_pdf_and_the_layout(tmp_path: Path, ws: Workspace) -> None:
    spec = yaml.safe_load((forms_dir() / "record.yaml").read_text(encoding="utf-8"))
    added = {"id": "callback_result", "label": "回访电话结果", "kind": "single_choice", "box": [15, 256, 180, 10], "options": ["已接通", "未接通"]}
    spec["pages"][1]["fields"].append(added)
    copy = tmp_path / "record.yaml"
    copy.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    form = form_from_file(copy)
    _, student_no = _unreturned(ws)
    with ws.session() as session:
        student = repo.get_student(session, student_no)
    assert student is not None

    page = web_form(form, student, school_name=ws.policy.school.name)
    assert [f.id for f in page.fields] == [f.id for f in form.fields]
    web = next(f for f in page.fields if f.id == "callback_result")
    assert (web.label, web.control, web.options) == ("回访电话结果", "radio", ("已接通", "未接通"))

    pdf = tmp_path / "print.pdf"
    render_pdf([filled_form(form, student, ws.policy)], pdf, batch_id="GTEST")
    document = pdfium.PdfDocument(str(pdf))
    text = document[1].get_textpage().get_text_range()
    document.close()
    assert "回访电话结果" in text and "未接通" in text
    assert "callback_result" in {f["id"] for p in layout_dict(form)["pages"] for f in p["fields"]}


def test_an_online_record_is_stored_verified_from_the_web_and_counts_in_the_statistics(ws: Workspace, tmp_path: Path) -> None:
    _, student_no = _unreturned(ws)
    record = _submit(ws, student_no)
    with ws.session() as session:
        stored = current_record(session, record.form_id)  # type: ignore[attr-defined]
    assert stored is not None and stored.version == 1 and stored.reader == "web"
    assert {fv.status for fv in stored.fields.values()} == {"verified"}
    assert {fv.source for fv in stored.fields.values()} == {"web"}
    assert stored.fields["visit_time"].value == "19:00-19:25"
    assert stored.fields["topics"].value == ["学习情况", "安全教育(防溺水·交通·防诈)"]
    assert stored.fields["teachers"].refs == ("QHMD006",)  # 唐春燕's 工号, resolved like any return

    report = make_stats_report(ws, month="2025-11", out=tmp_path / "统计表.xlsx", class_name=CLASS)
    month = report.table.total.month
    assert month.visits == 1 and month.by_mode[report.table.modes.index("电话")] == 1


def test_the_form_an_online_record_gets_is_an_unreturned_issued_one_else_a_new_one(ws: Workspace) -> None:
    form_id, student_no = _unreturned(ws)
    assert online_form(ws, student_no).form_id == form_id
    first = _submit(ws, student_no)
    assert first.form_id == form_id  # type: ignore[attr-defined]

    second = _submit(ws, student_no)  # a second visit: the student's printed form is used up
    assert second.form_id != form_id and second.version == 1  # type: ignore[attr-defined]
    with ws.session() as session:
        issued = repo.get_issued_form(session, second.form_id)  # type: ignore[attr-defined]
    assert issued is not None and issued.student_no == student_no and issued.files == ()


def test_submitting_an_online_record_again_makes_a_new_version(ws: Workspace) -> None:
    _, student_no = _unreturned(ws)
    first = _submit(ws, student_no)
    again = _submit(ws, student_no, form_id=first.form_id, version=1, changes={"mode": "视频(线上)"})  # type: ignore[attr-defined]
    assert again.version == 2 and again.fields["mode"].value == "视频(线上)"  # type: ignore[attr-defined]
    with ws.session() as session:
        assert [r.fields["mode"].value for r in record_history(session, first.form_id)] == ["电话", "视频(线上)"]  # type: ignore[attr-defined]
    with pytest.raises(StaleVersionError):  # a page still showing version 1
        _submit(ws, student_no, form_id=first.form_id, version=1)  # type: ignore[attr-defined]


def test_rules_refuse_a_submission_field_by_field_and_nothing_is_stored(ws: Workspace) -> None:
    form_id, student_no = _unreturned(ws)
    changes = {"visit_date": "2025-12-01", "mode": "", "teachers": "唐老", "teacher_signature": ""}
    with pytest.raises(OnlineRecordError) as refused:
        _submit(ws, student_no, changes=changes)
    problems = refused.value.problems
    assert set(problems) == {"visit_date", "mode", "teachers", "teacher_signature"}
    assert "晚于今天" in problems["visit_date"] and "不在教师名单中" in problems["teachers"]
    with ws.session() as session:
        assert current_record(session, form_id) is None


def test_a_paper_return_is_not_overwritten_online(ws: Workspace) -> None:
    form_id, student_no = issued_in(ws, CLASS)[0]  # the scanned return in review
    with pytest.raises(OnlineRecordError, match="复核页面"):
        _submit(ws, student_no, form_id=form_id, version=1)


def test_a_teacher_fills_online_records_only_for_their_own_classes(ws: Workspace) -> None:
    teacher = Operator(TEACHER, "teacher", (CLASS,))
    _, own = _unreturned(ws, CLASS)
    _, other = _unreturned(ws, OTHER)
    with acting(teacher):
        assert _submit(ws, own).version == 1  # type: ignore[attr-defined]
        with pytest.raises(AccessDeniedError):
            _submit(ws, other)
        with pytest.raises(AccessDeniedError):
            online_form(ws, other)


def test_the_local_console_serves_the_online_form_behind_its_one_time_token(ws: Workspace) -> None:
    client = TestClient(create_console_app(ws, operator="办公室", token="tok"), headers={"Origin": "http://testserver"})
    client.get("/online?token=tok")
    _, student_no = _unreturned(ws)
    listing = client.get(f"/online?class_name={CLASS}").text
    assert f"/online/students/{student_no}" in listing
    page = client.get(f"/online/students/{student_no}").text
    assert 'name="visit_date"' in page and 'value="视频(线上)"' in page and "家庭住址" in page
    refused = client.post(f"/online/students/{student_no}", data={"visit_date": "2025-11-03"})
    assert refused.status_code == 422 and "必填项未勾选" in refused.text and 'value="2025-11-03"' in refused.text
