"""Export of records (JSON contract, CSV, XLSX, outward masking) and `jiafang records`.

One sample-school workspace per module: forms generated for one class, returns validated
with to_record and stored with add_record (no reader involved), then exported for real.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.errors import ExportError, OutputError
from pipeline.export import export_records, mask_text
from pipeline.generate import generate
from pipeline.model.form import load_form
from pipeline.model.issuance import IssuedForm
from pipeline.model.people import Student, Teacher
from pipeline.model.record import RawValue, Reading, Record
from pipeline.resources import samples_dir
from pipeline.roster.importer import import_roster
from pipeline.store import repo
from pipeline.store.records import add_record, list_records
from pipeline.store.workspace import Workspace, init_workspace
from pipeline.validate import ValidationContext, to_record

CLASS = "七年级（1）班"
TODAY = dt.date(2025, 11, 10)
CONTRACT_KEYS = {"form_id", "form", "student_id", "class", "version", "status", "fields"}
FIELD_KEYS = {"value", "raw", "confidence", "source", "status"}
FAMILY = "父母在外务工，由祖母照看；父亲电话 139 1234 5678。"

RECORD_VALUES: dict[str, Any] = {
    "visit_date": "2025年11月3日",
    "visit_time": "下午2:30-3:20",
    "place": "学生家中",
    "mode": ("入户走访",),
    "visit_type": ("普访",),
    "student_present": ("是",),
    "teachers": "林春燕、王德明老师",
    "interviewee": "祖母",
    "attachments": (),
    "topics": ("资助政策", "学习情况"),
    "family_situation": FAMILY,
    "school_feedback": "上课认真。\n作业按时完成。",
    "parent_opinion": "",
    "problems": "英语偏弱",
    "consensus": "每周电话沟通一次。",
    "measures": "=每周回访",  # Excel must not run this as a formula
    "followup_measures": ("学困生学习提升",),
    "followup_due": "11/17",
    "teacher_signature": True,
    "parent_signature": True,
}
MEMO_VALUES: dict[str, Any] = {
    "memo_date": "2025-11-03",
    "consensus": "每天阅读半小时。",
    "school_actions": "",
    "home_actions": "",
    "next_review": "2025-12-01",
    "teacher_signature": True,
    "parent_signature": True,
}


@dataclass
class School:
    ws: Workspace
    students: list[Student]
    auto_id: str  # a record form returned twice, the second time correct
    review_id: str  # a record form whose phone was changed by hand
    memo_id: str


def _store(
    ws: Workspace, issued: IssuedForm, student: Student, teachers: list[Teacher], values: dict[str, Any], file: str
) -> Record:
    reading = Reading(issued.form_id, {k: RawValue(v, 1.0, "docx") for k, v in values.items()}, reader="docx")
    context = ValidationContext(policy=ws.policy, student=student, teachers=teachers, today=TODAY)
    record = to_record(reading, form=load_form(issued.form), issued=issued, context=context, source_file=file)
    with ws.session() as s:
        return add_record(s, record)


@pytest.fixture(scope="module")
def school(tmp_path_factory: pytest.TempPathFactory) -> Iterator[School]:
    root = tmp_path_factory.mktemp("school")
    ws = init_workspace(root / "ws", policy_path=samples_dir() / "policy.yaml")
    import_roster(ws, [samples_dir() / "roster.xlsx"])
    generate(ws, forms=["record", "memo"], formats=["pdf"], out_dir=root / "out", class_name=CLASS)
    with ws.session() as s:
        students = repo.list_students(s, class_name=CLASS)[:2]
        teachers = repo.list_teachers(s)
        issued = {(st.student_no, i.form): i for st in students for i in repo.issued_forms_for(s, st.student_no)}
    first, second = students
    auto = issued[first.student_no, "record"]
    _store(ws, auto, first, teachers, {**RECORD_VALUES, "visit_date": "2025-13-03"}, "first.docx")
    _store(ws, auto, first, teachers, RECORD_VALUES, "second.docx")
    review = issued[second.student_no, "record"]
    _store(ws, review, second, teachers, {**RECORD_VALUES, "phone": "13900001111"}, "phone.docx")
    memo = issued[first.student_no, "memo"]
    _store(ws, memo, first, teachers, MEMO_VALUES, "memo.docx")
    yield School(ws, students, auto.form_id, review.form_id, memo.form_id)
    ws.close()


def _records(school: School, **filters: Any) -> list[Record]:
    with school.ws.session() as s:
        return list_records(s, **filters)


def _masked(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}"


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


# --- library ---------------------------------------------------------------------------------


def test_json_export_is_the_record_contract_with_values_by_kind(school: School, tmp_path: Path) -> None:
    [out] = export_records(_records(school), fmt="json", out=tmp_path / "r.json")
    items = {item["form_id"]: item for item in json.loads(out.read_text(encoding="utf-8"))}
    assert set(items) == {school.auto_id, school.review_id, school.memo_id}
    for item in items.values():
        assert set(item) == CONTRACT_KEYS
        for fid, fv in item["fields"].items():
            assert set(fv) - {"refs"} == FIELD_KEYS, fid
    record = items[school.auto_id]
    first = school.students[0]
    assert (record["form"], record["student_id"], record["class"], record["version"], record["status"]) == (
        "record", first.student_no, CLASS, 2, "auto"
    )
    values = {fid: fv["value"] for fid, fv in record["fields"].items()}
    assert values["visit_date"] == "2025-11-03"
    assert values["visit_time"] == "14:30-15:20"
    assert values["phone"] == first.phone and values["phone"].isdigit()
    assert values["mode"] == "入户走访"
    assert values["topics"] == ["学习情况", "资助政策"]
    assert values["followup_due"] == "2025-11-17"
    assert values["teacher_signature"] is True
    assert values["parent_opinion"] is None
    assert record["fields"]["teachers"]["refs"] == ["QHMD001", "QHMD003"]
    assert record["fields"]["visit_time"]["raw"] == "下午2:30-3:20"
    assert list(record["fields"])[:2] == ["form_id", "school"], "fields in the form's order"


def test_csv_export_has_chinese_headers_and_one_row_per_record(school: School, tmp_path: Path) -> None:
    [out] = export_records(_records(school, form="record"), fmt="csv", out=tmp_path / "r.csv")
    assert out.read_bytes().startswith(b"\xef\xbb\xbf"), "BOM, so Excel reads UTF-8"
    rows = {row["表单编号"]: row for row in _read_csv(out)}
    assert set(rows) == {school.auto_id, school.review_id}
    header = list(next(iter(rows.values())))
    assert header[:7] == ["表单编号", "表单", "学籍号", "姓名", "班级", "版本", "状态"]
    assert header[-1] == "待复核字段"
    assert {"家访日期", "起止时间", "联系电话", "交流内容", "家庭情况", "家访教师签名"} <= set(header)
    assert "学生姓名" not in header, "shown once, in 姓名"
    good, changed = rows[school.auto_id], rows[school.review_id]
    assert (good["姓名"], good["状态"], good["版本"]) == (school.students[0].name, "自动通过", "2")
    assert good["交流内容"] == "学习情况、资助政策"
    assert good["家访教师签名"] == "是" and good["家长意见建议"] == ""
    assert good["在校表现反馈"] == "上课认真。\n作业按时完成。"
    assert good["后续措施"] == "'=每周回访", "a cell starting with = is not a formula"
    assert (changed["状态"], changed["联系电话"], changed["待复核字段"]) == ("待复核", "13900001111", "联系电话")


def test_csv_export_of_two_forms_writes_one_file_per_form(school: School, tmp_path: Path) -> None:
    written = export_records(_records(school), fmt="csv", out=tmp_path / "记录.csv")
    assert sorted(p.name for p in written) == ["记录_memo.csv", "记录_record.csv"]
    assert not (tmp_path / "记录.csv").exists()
    memo_rows = _read_csv(tmp_path / "记录_memo.csv")
    assert [r["表单编号"] for r in memo_rows] == [school.memo_id]
    assert memo_rows[0]["签订日期"] == "2025-11-03" and memo_rows[0]["表单"] == "家校合作备忘录"


def test_xlsx_export_reads_back_with_one_sheet_per_form(school: School, tmp_path: Path) -> None:
    [out] = export_records(_records(school), fmt="xlsx", out=tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(out)
    assert set(wb.sheetnames) == {"家访记录表", "家校合作备忘录"}
    sheet = wb["家访记录表"]
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    assert header[:7] == ["表单编号", "表单", "学籍号", "姓名", "班级", "版本", "状态"] and header[-1] == "待复核字段"
    assert len(rows) == 3
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["A"].width >= 9
    by_id = {r[0]: dict(zip(header, r)) for r in rows[1:]}
    assert by_id[school.auto_id]["家访日期"] == "2025-11-03"
    assert by_id[school.auto_id]["后续措施"] == "=每周回访"
    assert sheet.cell(2, header.index("后续措施") + 1).data_type == "s", "text, not a formula"
    assert by_id[school.review_id]["状态"] == "待复核"


def test_outward_export_masks_phones_and_leaves_out_sensitive_fields(school: School, tmp_path: Path) -> None:
    records = _records(school, form="record")
    [out] = export_records(records, fmt="json", out=tmp_path / "out.json", outward=True)
    text = out.read_text(encoding="utf-8")
    first = school.students[0]
    assert first.phone not in text and _masked(first.phone) in text
    assert first.student_no not in text, "学籍号 holds the ID number"
    assert "英语偏弱" not in text and "父母在外务工" not in text
    item = next(i for i in json.loads(text) if i["form_id"] == school.auto_id)
    withheld = {f.id for f in load_form("record").fields if f.outward == "withheld"}
    assert withheld == {"family_situation", "problems", "followup_measures"}, "as forms/record.yaml declares"
    assert not withheld & item["fields"].keys(), "四措施 name the student's difficulty: withheld like 家庭情况"
    assert "学困生学习提升" not in text
    assert item["student_id"] == first.student_no[:7] + "********" + first.student_no[-4:]
    [csv_out] = export_records(records, fmt="csv", out=tmp_path / "out.csv", outward=True)
    rows = _read_csv(csv_out)
    assert not {"家庭情况", "发现的问题", "四措施"} & rows[0].keys()
    assert {r["联系电话"] for r in rows} == {_masked(first.phone), "139****1111"}


TYPED_NUMBERS = {  # how a teacher types into a Word box or a clerk into the roster: (typed, outward)
    "mobile": ("手机 13912345678", "手机 139****5678"),
    "grouped": ("手机 139 1234 5678 或 139.1234.5679", "手机 139****5678 或 139****5679"),
    "country-code": ("+86 139 1234 5678、8613912345678", "+86 139****5678、86139****5678"),
    "full-width": ("全角 １３９１２３４５６７８。", "全角 １３９****５６７８。"),
    "landline": ("座机 0571-88886666，(010)8888 6666，057188886666", "座机 0571-****6666，(010)****6666，0571****6666"),
    "id-number": (
        "身份证 110101 20050101 1234、110101-20050101-123x、11010120050101123Ｘ",
        "身份证 110101********1234、110101********123x、110101********123Ｘ",
    ),
    "student-number": ("学籍号 G994624201209010021", "学籍号 G994624********0021"),
}
NOT_NUMBERS_TO_HIDE = ["2025-11-17 14:10-15:30", "20251117", "访谈 3 次，共 2.5 小时，补助 1200.50 元", "邮编 310000"]


@pytest.mark.parametrize("case", TYPED_NUMBERS)
def test_phone_and_id_numbers_are_masked_however_they_are_typed(case: str) -> None:
    typed, outward = TYPED_NUMBERS[case]
    assert mask_text(typed) == outward


@pytest.mark.parametrize("text", NOT_NUMBERS_TO_HIDE, ids=["date-time", "compact-date", "amounts", "postcode"])
def test_dates_times_amounts_and_postcodes_are_left_as_written(text: str) -> None:
    assert mask_text(text) == text


def test_an_outward_export_masks_a_landline_a_local_number_and_full_width_digits(school: School, tmp_path: Path) -> None:
    """The phone box accepts a landline (with a note) and its value is kept as digits; a local
    number without area code is a phone there, though in free text it could be a date."""
    ws = init_workspace(tmp_path / "ws", policy_path=samples_dir() / "policy.yaml")
    import_roster(ws, [samples_dir() / "roster.xlsx"])
    generate(ws, forms=["record"], formats=["pdf"], out_dir=tmp_path / "forms", class_name=CLASS)
    with ws.session() as s:
        students = repo.list_students(s, class_name=CLASS)[:2]
        teachers = repo.list_teachers(s)
        issued = [next(i for i in repo.issued_forms_for(s, st.student_no) if i.form == "record") for st in students]
    typed = "家长说有事打 ０５７１－８８８８６６６６ 或 139 1234 5678，身份证 110101 20050101 1234。"
    for form, student, phone in zip(issued, students, ("0571-88886666", "88886666"), strict=True):
        _store(ws, form, student, teachers, {**RECORD_VALUES, "phone": phone, "school_feedback": typed}, f"{phone}.docx")
    with ws.session() as s:
        records = list_records(s, form="record")
    ws.close()
    [out] = export_records(records, fmt="json", out=tmp_path / "out.json", outward=True)
    for item in json.loads(out.read_text(encoding="utf-8")):
        fields = item["fields"]
        assert fields["phone"]["value"] in ("0571****6666", "****6666") and "8888" not in fields["phone"]["raw"]
        assert fields["school_feedback"]["value"] == "家长说有事打 ０５７１－****６６６６ 或 139****5678，身份证 110101********1234。"


def test_outward_export_keeps_sensitive_fields_when_asked_but_still_masks(school: School, tmp_path: Path) -> None:
    [out] = export_records(
        _records(school, form="record"), fmt="json", out=tmp_path / "o.json", outward=True, include_sensitive=True
    )
    item = next(i for i in json.loads(out.read_text(encoding="utf-8")) if i["form_id"] == school.auto_id)
    assert item["fields"]["family_situation"]["value"] == FAMILY.replace("139 1234 5678", "139****5678")
    assert item["fields"]["problems"]["value"] == "英语偏弱"


def test_internal_export_keeps_everything_unmasked(school: School, tmp_path: Path) -> None:
    [out] = export_records(_records(school, form="record"), fmt="json", out=tmp_path / "i.json")
    text = out.read_text(encoding="utf-8")
    assert school.students[0].phone in text and FAMILY in json.loads(text)[0]["fields"]["family_situation"]["value"]


def test_export_to_an_unwritable_place_is_a_named_error(school: School, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(OutputError, match="无法写入"):
        export_records(_records(school), fmt="json", out=blocker / "r.json")
    with pytest.raises(ExportError, match="不支持"):
        export_records([], fmt="pdf", out=tmp_path / "r.pdf")


def test_export_of_no_records_writes_headers_only(tmp_path: Path) -> None:
    [out] = export_records([], fmt="csv", out=tmp_path / "none.csv")
    assert out.read_text(encoding="utf-8-sig").splitlines() == ["表单编号,表单,学籍号,姓名,班级,版本,状态,待复核字段"]


# --- CLI -------------------------------------------------------------------------------------


def _run(school: School, *args: str) -> Any:
    return CliRunner().invoke(main, [*args, "--workspace", str(school.ws.root)])


def test_records_list_shows_current_versions_with_review_counts(school: School) -> None:
    result = _run(school, "records", "list")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "表单编号\t学生\t班级\t表单\t版本\t状态\t待复核字段数"
    row = next(line.split("\t") for line in lines if line.startswith(school.review_id))
    assert row[1:] == [school.students[1].name, CLASS, "家访记录表", "1", "待复核", "1"]
    assert lines[-1] == "共 3 条记录"
    review = _run(school, "records", "list", "--status", "review", "--class", "七年级(1)班")
    assert review.exit_code == 0 and review.output.splitlines()[-1] == "共 1 条记录"
    memo = _run(school, "records", "list", "--form", "memo")
    assert school.memo_id in memo.output and school.auto_id not in memo.output


def test_records_show_lists_every_field_and_the_version_history(school: School) -> None:
    result = _run(school, "records", "show", school.review_id)
    assert result.exit_code == 0, result.output
    assert "联系电话 [待复核] 13900001111" in result.output
    assert "说明：与花名册不同：花名册为" in result.output
    assert "家访日期 [自动通过] 2025-11-03" in result.output
    assert "原文：2025年11月3日 · 置信度 1.00 · 来源 docx" in result.output
    assert "对应：QHMD001、QHMD003" in result.output
    history = _run(school, "records", "show", school.auto_id).output
    assert "版本历史" in history
    assert "版本 1" in history and "first.docx" in history
    assert "second.docx（当前）" in history


def test_records_show_unknown_form_id_exits_1_with_a_clear_message(school: School) -> None:
    result = _run(school, "records", "show", "RZZZZZZZZ")
    assert result.exit_code == 1
    assert "没有表单编号为“RZZZZZZZZ”的表单" in result.output
    with school.ws.session() as s:
        unreturned = next(
            i.form_id for i in repo.issued_forms_for(s, school.students[1].student_no) if i.form == "memo"
        )
    result = _run(school, "records", "show", unreturned)
    assert result.exit_code == 1 and "还没有读回的记录" in result.output


def test_records_export_writes_the_filtered_records(school: School, tmp_path: Path) -> None:
    out = tmp_path / "复核.xlsx"
    result = _run(school, "records", "export", "--format", "xlsx", "--out", str(out), "--status", "review")
    assert result.exit_code == 0, result.output
    assert "共导出 1 条记录" in result.output
    rows = list(openpyxl.load_workbook(out)["家访记录表"].iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == [school.review_id]


def test_records_export_outward_through_the_cli(school: School, tmp_path: Path) -> None:
    out = tmp_path / "上报.json"
    result = _run(school, "records", "export", "--format", "json", "--out", str(out), "--form", "record", "--outward")
    assert result.exit_code == 0, result.output
    assert "电话和身份证号已遮盖" in result.output
    items = json.loads(out.read_text(encoding="utf-8"))
    assert all("family_situation" not in i["fields"] for i in items)
    assert all("****" in i["fields"]["phone"]["value"] for i in items)
