"""Normalisation and validation: a reader's raw values become a record's checked values."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import pytest

from pipeline.errors import FormDefinitionError
from pipeline.model.form import FormDef, form_ids, load_form
from pipeline.model.issuance import IssuedForm
from pipeline.model.people import Student, Teacher
from pipeline.model.policy import load_policy
from pipeline.model.record import RawValue, Reading, Record
from pipeline.validate import ValidationContext, check_form_rules, normalise, to_record

POLICY = load_policy()  # the sample school: school year 2025-09-01 .. 2026-07-15
YEAR = POLICY.school_year
TODAY = dt.date(2025, 11, 10)
FORM = load_form("record")
STUDENT = Student(
    student_no="G994624201302170001",
    name="吴明",
    class_name="七年级（1）班",
    guardian_name="蒋红霞",
    guardian_relation="祖母",
    phone="13338488671",
    address="青禾市清源区白沙镇马家坳村四组48号",
)
TEACHERS = (
    Teacher("QHMD001", "林春燕", "校长"),
    Teacher("QHMD003", "王德明", "中层"),
    Teacher("QHMD010", "李娜", "科任"),
    Teacher("QHMD011", "李娜", "班主任"),
)
ISSUED = IssuedForm(
    form_id="RTEST0001",
    form="record",
    form_version=FORM.version,
    layout_hash=FORM.layout_hash,
    student_no=STUDENT.student_no,
    class_name=STUDENT.class_name,
    pages=FORM.page_count,
    batch_id="test",
    files=(),
    created_at=dt.datetime(2025, 10, 1, tzinfo=dt.timezone.utc),
)
CONTEXT = ValidationContext(policy=POLICY, student=STUDENT, teachers=TEACHERS, today=TODAY)

# What a teacher writes on a complete, correct record form.
GOOD: dict[str, Any] = {
    "visit_date": "2025年11月3日",
    "visit_time": "14:30-15:20",
    "place": "学生家中",
    "mode": ("入户走访",),
    "visit_type": ("普访",),
    "student_present": ("是",),
    "teachers": "林春燕、王德明",
    "interviewee": "祖母 蒋红霞",
    "attachments": (),
    "topics": ("学习情况", "安全教育(防溺水·交通·防诈)"),
    "family_situation": "父母在外务工，祖母照看。",
    "school_feedback": "上课认真。",
    "parent_opinion": "",
    "problems": "",
    "consensus": "每周电话沟通一次。",
    "measures": "",
    "followup_measures": (),
    "followup_due": "",
    "teacher_signature": True,
    "parent_signature": True,
}


def record_of(confidence: float = 1.0, context: ValidationContext = CONTEXT, **changes: Any) -> Record:
    """Validate the GOOD form with some fields changed (a RawValue passes through as is)."""
    raws = {**GOOD, **changes}
    values = {
        fid: raw if isinstance(raw, RawValue) else RawValue(raw, confidence, "docx") for fid, raw in raws.items()
    }
    reading = Reading(ISSUED.form_id, values, reader="docx")
    return to_record(reading, form=FORM, issued=ISSUED, context=context, source_file="abc.docx")


def norm(field_id: str, raw: Any, form: FormDef = FORM) -> Any:
    return normalise(form.field(field_id), raw, school_year=YEAR)


# --- normalisation by kind -----------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    [
        "2025-11-03",
        "2025/11/3",
        "2025.11.3",
        "2025年11月3日",
        "2025年11月03日",
        "25/11/3",
        "25.11.3",
        "20251103",
        "11月3日",
        "11/3",
        "２０２５年１１月３日",
        " 2025 - 11 - 03 ",
        "2025年11月3号",
    ],
)
def test_date_forms_normalise_to_iso(written: str) -> None:
    assert norm("visit_date", written).value == "2025-11-03"


@pytest.mark.parametrize("written, expected", [("3月5日", "2026-03-05"), ("9/1", "2025-09-01"), ("8.31", "2026-08-31")])
def test_date_without_year_takes_the_school_years_calendar_year(written: str, expected: str) -> None:
    assert norm("visit_date", written).value == expected


@pytest.mark.parametrize("written", ["2025-02-30", "2025-13-03", "2025-11", "十一月三日", "2O25-11-03"])
def test_invalid_date_is_not_normalised_and_names_what_was_read(written: str) -> None:
    n = norm("visit_date", written)
    assert n.value is None
    assert n.problem == f"日期“{written}”无法识别，请核对"


@pytest.mark.parametrize(
    "written",
    ["14:30-15:20", "14:30—15:20", "14：30～15：20", "1430-1520", "下午2:30-3:20", "14点30分-15点20分", "14301520"],
)
def test_time_range_forms_normalise(written: str) -> None:
    assert norm("visit_time", written).value == "14:30-15:20"


@pytest.mark.parametrize(
    "written, expected",
    [("晚上7点-8点半", "19:00-20:30"), ("上午9:00-9:40", "09:00-09:40"), ("中午12:30-1:10", "12:30-13:10")],
)
def test_time_of_day_words_set_the_hour(written: str, expected: str) -> None:
    assert norm("visit_time", written).value == expected


@pytest.mark.parametrize("written", ["14:30", "25:00-26:00", "14:61-15:00", "下午"])
def test_unreadable_time_range_is_a_problem(written: str) -> None:
    n = norm("visit_time", written)
    assert n.value is None and "无法识别" in n.problem


@pytest.mark.parametrize(
    "written",
    ["13812345678", "138 1234 5678", "138-1234-5678", "+86 138 1234 5678", "8613812345678", "１３８１２３４５６７８"],
)
def test_phone_forms_normalise_to_eleven_digits(written: str) -> None:
    assert norm("phone", written) == normalise(FORM.field("phone"), "13812345678", school_year=YEAR)
    assert norm("phone", written).value == "13812345678"


@pytest.mark.parametrize("written", ["0571-88886666", "88886666"])
def test_landline_phone_is_kept_but_flagged(written: str) -> None:
    n = norm("phone", written)
    assert n.value == written.replace("-", "")
    assert "座机" in n.problem


def test_misread_phone_is_not_normalised() -> None:
    n = norm("phone", "138l2345678")
    assert n.value is None and "11 位手机号" in n.problem


def test_digits_kind_keeps_only_a_digit_string() -> None:
    digits = replace(FORM.field("phone"), kind="digits")
    assert normalise(digits, " 0012-34 ", school_year=YEAR).value == "001234"
    assert normalise(digits, "12a4", school_year=YEAR).value is None


def test_single_choice_takes_the_one_ticked_option() -> None:
    assert norm("mode", ("电话",)).value == "电话"


def test_single_choice_with_two_ticks_is_a_problem() -> None:
    n = norm("mode", ("入户走访", "电话"))
    assert n.value is None and "选了多个" in n.problem


@pytest.mark.parametrize("text, expected", [("视频（线上）", "视频(线上)"), ("☑电话", "电话"), (" 入户走访 ", "入户走访")])
def test_single_choice_from_text_matches_the_option_by_normalised_text(text: str, expected: str) -> None:
    assert norm("mode", text).value == expected


def test_choice_text_that_is_no_option_is_a_problem() -> None:
    n = norm("mode", "上门")
    assert n.value is None and "“上门”不是可选项" in n.problem


def test_multi_choice_lists_options_in_definition_order() -> None:
    assert norm("topics", ("资助政策", "学习情况")).value == ["学习情况", "资助政策"]
    assert norm("topics", "资助政策、学习情况").value == ["学习情况", "资助政策"]
    assert norm("topics", ()).value is None


def test_signature_is_a_bool_and_text_is_stripped_with_inner_lines_kept() -> None:
    assert norm("teacher_signature", True).value is True
    assert norm("teacher_signature", False).value is False
    assert norm("consensus", "  第一行\r\n第二行\n ").value == "第一行\n第二行"
    assert norm("consensus", "   ").value is None


# --- records: status and messages ------------------------------------------------------------


def test_complete_correct_form_is_accepted_field_by_field() -> None:
    record = record_of()
    assert {fid: fv.message for fid, fv in record.fields.items() if fv.status != "auto"} == {}
    assert record.status == "auto"
    assert record.fields["visit_date"].value == "2025-11-03"
    assert record.fields["visit_date"].raw == "2025年11月3日"
    assert record.fields["topics"].raw == "学习情况、安全教育(防溺水·交通·防诈)"
    assert record.fields["parent_signature"].raw == "是"
    assert record.fields["parent_opinion"].value is None
    assert (record.form_id, record.student_no) == (ISSUED.form_id, STUDENT.student_no)
    assert record.class_name == STUDENT.class_name


def test_record_status_is_its_weakest_field() -> None:
    record = record_of(place=RawValue("学生家中", 0.5, "ocr"))
    assert record.fields["place"].status == "review"
    assert "置信度 0.50" in record.fields["place"].message
    assert sum(fv.status == "review" for fv in record.fields.values()) == 1
    assert record.status == "review"


def test_invalid_date_goes_to_review_with_the_text_read() -> None:
    fv = record_of(visit_date="2025-13-03").fields["visit_date"]
    assert (fv.status, fv.value, fv.raw) == ("review", None, "2025-13-03")
    assert fv.message == "日期“2025-13-03”无法识别，请核对"


def test_visit_date_in_the_future_goes_to_review() -> None:
    fv = record_of(visit_date="2025-11-20").fields["visit_date"]
    assert fv.status == "review" and fv.value == "2025-11-20"
    assert fv.message.startswith("家访日期晚于今天")


def test_visit_date_outside_the_school_year_goes_to_review() -> None:
    fv = record_of(visit_date="2025-08-20").fields["visit_date"]
    assert fv.status == "review"
    assert "不在2025—2026学年" in fv.message


def test_due_date_before_the_visit_goes_to_review() -> None:
    record = record_of(followup_due="2025-11-01")
    assert record.fields["followup_due"].status == "review"
    assert record.fields["followup_due"].message.startswith("跟进期限早于家访日期")
    assert record_of(followup_due="11月3日").fields["followup_due"].status == "auto", "the same day is fine"


def test_time_range_ending_before_it_starts_goes_to_review() -> None:
    fv = record_of(visit_time="15:20-14:30").fields["visit_time"]
    assert fv.status == "review" and "不早于结束时间" in fv.message


@pytest.mark.parametrize(
    "field_id, empty, message",
    [("visit_date", "", "必填项为空"), ("mode", (), "必填项未勾选"), ("teacher_signature", False, "缺少签名")],
)
def test_empty_required_field_goes_to_review(field_id: str, empty: Any, message: str) -> None:
    fv = record_of(**{field_id: empty}).fields[field_id]
    assert (fv.status, fv.message) == ("review", message)


def test_two_ticks_in_a_single_choice_go_to_review() -> None:
    fv = record_of(mode=("入户走访", "电话")).fields["mode"]
    assert fv.status == "review" and fv.value is None and "选了多个" in fv.message
    assert fv.raw == "入户走访、电话"


def test_teacher_names_resolve_to_teacher_numbers() -> None:
    fv = record_of(teachers="林春燕老师，王德明 ").fields["teachers"]
    assert fv.status == "auto"
    assert fv.refs == ("QHMD001", "QHMD003")


def test_unknown_teacher_goes_to_review() -> None:
    fv = record_of(teachers="林春燕、王某某").fields["teachers"]
    assert fv.status == "review"
    assert fv.message == "教师“王某某”不在教师名单中"
    assert fv.refs == ("QHMD001",)


def test_teacher_name_shared_by_two_teachers_goes_to_review() -> None:
    fv = record_of(teachers="李娜").fields["teachers"]
    assert fv.status == "review" and "重名" in fv.message and "QHMD010" in fv.message
    assert fv.refs == ()


CLASSMATE = Student("G994624201302170002", "王小明", STUDENT.class_name, guardian_name="王建国", guardian_relation="父亲", caregiver="赵桂芝")


@pytest.mark.parametrize(
    ("interviewee", "named"),
    [
        ("父亲 王建国", "王建国"),
        ("王小明的奶奶赵桂芝", "王小明"),
        ("父亲王 建国", "王建国"),
        ("祖母 蒋红霞", None),
        ("祖母", None),
        ("父母", None),
        ("蒋红霞、王建国", None),
        ("吴明和王小明的家长", None),
    ],
)
def test_an_interviewee_of_a_classmates_family_not_this_students_sends_the_field_to_review(interviewee: str, named: str | None) -> None:
    """A visit written on a classmate's form was `auto` as this student's; now it waits for a person."""
    cared_for_by_kin = Student("G994624201302170003", "陈晨", STUDENT.class_name, guardian_name="陈刚", caregiver="父母")
    context = replace(CONTEXT, classmates=(STUDENT, CLASSMATE, cared_for_by_kin))
    fv = record_of(context=context, interviewee=interviewee).fields["interviewee"]
    if named is None:
        assert fv.status == "auto", fv.message
    else:
        assert fv.status == "review" and f"“{named}”是同班学生王小明" in fv.message and "填错了学生" in fv.message


def test_changed_prefilled_phone_is_kept_and_goes_to_review_with_the_roster_value() -> None:
    fv = record_of(phone="139 0000 1111").fields["phone"]
    assert (fv.value, fv.status) == ("13900001111", "review")
    assert fv.message == "与花名册不同：花名册为 13338488671"


def test_unchanged_prefilled_values_are_accepted_even_when_read_unsurely() -> None:
    record = record_of(
        phone=RawValue("133 3848 8671", 0.6, "ocr"),
        class_name=RawValue("七年级(1)班", 0.7, "ocr"),
    )
    assert record.fields["phone"].status == "auto" and record.fields["phone"].value == "13338488671"
    assert record.fields["class_name"].status == "auto"


def test_prefilled_field_not_read_back_keeps_the_roster_value() -> None:
    record = record_of()  # GOOD has no pre-filled fields
    assert record.fields["student_name"].value == "吴明"
    assert record.fields["form_id"].value == ISSUED.form_id
    assert record.fields["student_name"].status == "auto"


def test_fillable_field_the_reader_did_not_see_goes_to_review() -> None:
    values = {fid: RawValue(raw, 1.0, "docx") for fid, raw in GOOD.items() if fid != "place"}
    record = to_record(
        Reading(ISSUED.form_id, values, reader="docx"), form=FORM, issued=ISSUED, context=CONTEXT, source_file="x"
    )
    assert record.fields["place"].status == "review"
    assert "未读到" in record.fields["place"].message
    assert record.fields["place"].source == "docx"


def test_reader_doubt_forces_review_even_for_a_valid_value() -> None:
    doubt = "控件已丢失，按标签读取"
    fv = record_of(place=RawValue("学生家中", 1.0, "docx", doubt=doubt)).fields["place"]
    assert (fv.status, fv.value, fv.message) == ("review", "学生家中", doubt)


def test_crop_is_carried_to_the_field_value() -> None:
    fv = record_of(place=RawValue("学生家中", 0.95, "ocr", crop="abc.png")).fields["place"]
    assert (fv.crop, fv.source, fv.confidence) == ("abc.png", "ocr", 0.95)


def test_reading_of_another_form_is_refused() -> None:
    with pytest.raises(ValueError):
        to_record(Reading("ROTHER001", {}, reader="docx"), form=FORM, issued=ISSUED, context=CONTEXT, source_file="x")


# --- the rule registry -----------------------------------------------------------------------


def test_every_rule_named_in_the_shipped_forms_is_implemented() -> None:
    for form_id in form_ids():
        check_form_rules(load_form(form_id))


def test_rule_without_an_implementation_is_a_form_definition_error() -> None:
    place = replace(FORM.field("place"), rules=(("checks_weather", True),))
    page = replace(FORM.pages[0], fields=(place,))
    with pytest.raises(FormDefinitionError, match="checks_weather"):
        check_form_rules(replace(FORM, pages=(page,)))
