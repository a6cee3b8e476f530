"""Many schools in one store and the district 统计表 (issue 14, items 2 and 3).

Expected cells are worked out by hand from tests/district_support.py's table of visits.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from alembic import command
from click.testing import CliRunner
from sqlalchemy import select, text

from district_support import A, B, C, MONTH, NAMES, STUDENTS, build_district, school_policy_file
from ingest_support import VALUES, filled_docx
from pipeline.archive.dossier import build_dossier
from pipeline.archive.packet import build_packet
from pipeline.cli import main
from pipeline.scope.access import check_scope
from pipeline.district.merge import merge_stats_workbooks
from pipeline.district.report import make_district_report
from pipeline.generate.batch import generate, unused_form_ids
from pipeline.ingest import ingest
from pipeline.readback.docx_reader import docx_identity
from pipeline.scope.schools import records_in_scope
from pipeline.errors import AccessError, SchoolError
from pipeline.model.form import load_form
from pipeline.model.people import Student, Teacher
from pipeline.report.stats.report import make_stats_report
from pipeline.report.compliance import make_compliance_report
from pipeline.roster import import_roster
from pipeline.store import repo
from pipeline.store import schools as school_store
from pipeline.store.audit import list_events
from pipeline.store.records import current_record, list_records
from pipeline.store.schema import IssuedFormRow
from pipeline.store.workspace import Workspace, alembic_config, init_workspace, open_workspace

BUREAU = "区教育局"
# Columns of a main-table row: name, students, then per period (month, year):
# 人, 人次, 入户走访, 电话, 视频(线上), 邀请来校, 书面联系, 覆盖率, 入户率, 台账新增, 台账办结.
ROW_A = [NAMES[A], 4, 3, 3, 2, 1, 0, 0, 0, 3 / 4, 2 / 4, 0, 0, 3, 4, 3, 1, 0, 0, 0, 3 / 4, 3 / 4, 0, 0]
ROW_B = [NAMES[B], 3, 2, 3, 2, 0, 1, 0, 0, 2 / 3, 1 / 3, 0, 0, 3, 4, 3, 0, 1, 0, 0, 3 / 3, 2 / 3, 0, 0]
ROW_TOTAL = ["合计", 7, 5, 6, 4, 1, 1, 0, 0, 5 / 7, 3 / 7, 0, 0, 6, 8, 6, 1, 1, 0, 0, 6 / 7, 5 / 7, 0, 0]
SAMPLE_GROUPS = ("留守儿童", "困境儿童", "单亲家庭", "经济困难", "残疾学生", "学习困难", "心理问题", "行为偏差")
# A counts by semester (A01 入户 10-08, A03 入户 11-12); B by school year (B01 入户, B02 only by video).
GROUP_ROWS = [
    *[(NAMES[A], g, *{"留守儿童": (1, 1), "经济困难": (1, 1)}.get(g, (0, 0))) for g in SAMPLE_GROUPS],
    (NAMES[A], "合计（去重）", 2, 2),
    (NAMES[B], "留守儿童", 1, 1),
    (NAMES[B], "单亲家庭", 1, 0),
    (NAMES[B], "合计（去重）", 2, 1),
    *[("全区", g, *{"留守儿童": (2, 2), "单亲家庭": (1, 0), "经济困难": (1, 1)}.get(g, (0, 0))) for g in SAMPLE_GROUPS],
    ("全区", "合计（去重）", 4, 3),
]
# school, role, quota, leaders, done, not done, visits this school year
QUOTA_ROWS = [
    (NAMES[A], "校长", 5, 1, 0, 1, 2),  # TA1: a1, a4
    (NAMES[A], "副校长", 5, 0, 0, 0, 0),
    (NAMES[A], "中层", 10, 1, 0, 1, 1),  # TA2: a3
    (NAMES[B], "校长", 2, 1, 1, 0, 2),  # TB1: b1, b3
    (NAMES[B], "中层", 1, 1, 1, 0, 2),  # TB2: b2, b4
]


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    yield from build_district(tmp_path_factory.mktemp("district"))


@pytest.fixture(scope="module")
def district_book(district: Workspace, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("out") / "区统计表.xlsx"
    return make_district_report(district, month=MONTH, out=out, operator=BUREAU).path


@pytest.fixture(scope="module")
def school_books(district: Workspace, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The 统计表 A and B would e-mail to the bureau."""
    folder = tmp_path_factory.mktemp("mail")
    return {code: make_stats_report(district, month=MONTH, out=folder / f"{code}.xlsx", school=code).path for code in (A, B)}


def rows(book: Path, sheet: str, first: int, last: int | None = None) -> list[list[Any]]:
    ws = openpyxl.load_workbook(book)[sheet]
    return [list(r) for r in ws.iter_rows(min_row=first, max_row=last or ws.max_row, values_only=True)]


def assert_row(found: list[Any], expected: list[Any]) -> None:
    assert found[0] == expected[0]
    assert found[1:] == pytest.approx(expected[1:])


# --- the district table -----------------------------------------------------------------------


def test_district_table_has_each_schools_total_row_and_the_district_total(district_book: Path) -> None:
    body = rows(district_book, "区统计表", 6, 8)
    for found, expected in zip(body, (ROW_A, ROW_B, ROW_TOTAL), strict=True):
        assert_row(found, expected)


def test_district_table_names_the_school_that_has_not_reported(district_book: Path) -> None:
    notes = [r[0] for r in rows(district_book, "区统计表", 9) if r[0]]
    assert f"未报送的学校（1 所）：{NAMES[C]}（{C}）。" in notes
    assert "另有 1 份记录待复核，未计入。" in notes  # a5, A's pending visit


def test_district_special_groups_follow_each_schools_own_profile(district_book: Path) -> None:
    body = [r for r in rows(district_book, "特殊群体", 5) if r[0] and r[1]]
    assert [(r[0], r[1], r[2], r[3]) for r in body] == GROUP_ROWS
    assert [r[4] for r in body] == [e - v for _, _, e, v in GROUP_ROWS]
    assert [r[5] for r in body] == pytest.approx([v / e if e else 0 for _, _, e, v in GROUP_ROWS])


def test_district_quotas_are_each_schools_own(district_book: Path) -> None:
    body = [tuple(r) for r in rows(district_book, "任务完成", 5) if r[0] and r[1]]
    assert body == QUOTA_ROWS


def test_district_workbook_holds_no_student_names_phones_or_ids(district_book: Path) -> None:
    cells = " ".join(str(c) for sheet in ("区统计表", "特殊群体", "任务完成") for r in rows(district_book, sheet, 1) for c in r if c)
    pupils = [s for group in STUDENTS.values() for s in group]
    for s in pupils:
        assert s.name not in cells and s.phone not in cells and s.student_no not in cells
    assert "清源路" not in cells


def test_district_report_is_logged(district: Workspace, district_book: Path) -> None:
    with district.session() as s:
        event = next(e for e in list_events(s, action="report") if e.output == str(district_book))
    assert (event.operator, event.scope, event.options["missing"]) == (BUREAU, "district", 1)


# --- scoped school reports ----------------------------------------------------------------------


def test_a_schools_statistics_count_only_its_own_roster_and_records(district: Workspace, school_books: dict[str, Path]) -> None:
    total_b = next(r for r in rows(school_books[B], "统计表", 6) if r[0] == "合计")
    assert_row(total_b, ["合计", *ROW_B[1:]])
    assert rows(school_books[B], "统计表", 1, 1)[0][0] == f"{NAMES[B]} 家访工作统计表（2025年11月）"
    with district.session() as s:
        assert {r.student_no for r in list_records(s, school=B)} == {"B01", "B02", "B03"}
        assert [t.teacher_no for t in repo.list_teachers(s, school=B)] == ["TB1", "TB2", "TB3"]


def test_a_schools_statistics_without_a_school_in_a_district_store_ask_for_one(district: Workspace, tmp_path: Path) -> None:
    with pytest.raises(SchoolError, match="请用 --school 指定学校；全区的统计表请用 jiafang report district"):
        make_stats_report(district, month=MONTH, out=tmp_path / "x.xlsx")
    assert not (tmp_path / "x.xlsx").exists()


def test_unknown_school_is_named_with_the_registered_ones(district: Workspace, tmp_path: Path) -> None:
    with pytest.raises(SchoolError) as err:
        make_stats_report(district, month=MONTH, out=tmp_path / "x.xlsx", school="QHZZ99")
    assert "QHZZ99" in str(err.value) and "jiafang school add" in str(err.value) and NAMES[B] in str(err.value)


def test_compliance_of_one_school_lists_its_own_students_under_its_own_name(district: Workspace) -> None:
    made = make_compliance_report(district, as_of=dt.date(2025, 11, 30), school=B)
    assert made.report.school == NAMES[B]
    assert [i.student_no for i in made.report.of_kind("no_home_visit")] == ["B02"]  # only by video
    assert {i.student_no for i in made.report.items} <= {s.student_no for s in STUDENTS[B]}


def test_cli_export_of_one_school_holds_only_its_records(district: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "新苑.json"
    args = ["records", "export", "--format", "json", "--out", str(out), "--school", B, "-w", str(district.root)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert sorted(r["student_id"] for r in json.loads(out.read_text(encoding="utf-8"))) == ["B01", "B01", "B02", "B03"]
    listed = CliRunner().invoke(main, ["records", "list", "--school", B, "-w", str(district.root)])
    assert listed.exit_code == 0 and "共 4 条记录" in listed.output and "吴明" not in listed.output


@pytest.mark.slow
def test_packet_of_one_school_bears_its_name_and_only_its_records(district: Workspace, tmp_path: Path) -> None:
    made = build_packet(district, scope="school", term="2025-2026-1", out_dir=tmp_path, school=B, today=dt.date(2025, 11, 30))
    assert made.records == 4
    with zipfile.ZipFile(made.zip) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        records = [json.loads(zf.read(n)) for n in zf.namelist() if n.startswith("记录/") and n.endswith(".json")]
    assert manifest["school"] == NAMES[B]
    assert sorted(r["student_id"] for r in records) == ["B01", "B01", "B02", "B03"]


# --- merging the workbooks schools send ---------------------------------------------------------


def test_merge_of_the_schools_workbooks_gives_the_same_district_rows(
    district: Workspace, school_books: dict[str, Path], tmp_path: Path
) -> None:
    merged = merge_stats_workbooks(district, [school_books[A], school_books[B]], out=tmp_path / "汇总.xlsx")
    assert all(f.accepted for f in merged.files)
    for found, expected in zip(rows(merged.path, "区统计表", 6, 8), (ROW_A, ROW_B, ROW_TOTAL), strict=True):
        assert_row(found, expected)
    assert merged.table.missing == (f"{NAMES[C]}（{C}）",)
    assert [(q.school, q.role, q.quota, q.leaders, q.done, q.leaders - q.done, q.visits) for q in merged.table.quotas] == QUOTA_ROWS


def _edited(source: Path, target: Path, edit: Any) -> Path:
    book = openpyxl.load_workbook(source)
    edit(book)
    book.save(target)
    return target


def _retyped(sheet: Any, row: int, cells: dict[int, int]) -> None:
    for column, value in cells.items():
        sheet.cell(row, column, value)


def test_merge_names_every_rejected_file_with_its_reason_and_goes_on(
    district: Workspace, school_books: dict[str, Path], tmp_path: Path
) -> None:
    a, b = school_books[A], school_books[B]
    broken = tmp_path / "损坏.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really")
    bad_total = _edited(b, tmp_path / "合计不符.xlsx", lambda bk: _retyped(bk["统计表"], 7, {4: 4, 5: 3}))  # 合计's 本月人次, 入户
    bad_row = _edited(b, tmp_path / "方式不符.xlsx", lambda bk: _retyped(bk["统计表"], 6, {4: 9}))
    bad_layout = _edited(b, tmp_path / "改了表头.xlsx", lambda bk: bk["统计表"].cell(5, 5, "入户"))
    other_school = _edited(b, tmp_path / "外区.xlsx", lambda bk: bk["统计表"].cell(2, 1, "填报单位：外区某校\u3000\u3000统计时间：2025年11月\u3000\u3000单位：人、人次"))
    other_month = make_stats_report(district, month="2025-10", out=tmp_path / "上月.xlsx", school=B).path
    no_sheet = _edited(b, tmp_path / "无统计表.xlsx", lambda bk: setattr(bk["统计表"], "title", "Sheet1"))
    text_cell = _edited(b, tmp_path / "文字.xlsx", lambda bk: bk["统计表"].cell(6, 3, "两"))
    duplicate = shutil.copyfile(a, tmp_path / "重复.xlsx")
    files = [a, broken, bad_total, bad_row, bad_layout, other_school, other_month, no_sheet, text_cell, duplicate, b]

    merged = merge_stats_workbooks(district, files, out=tmp_path / "汇总.xlsx", month=MONTH)

    reasons = {f.path.name: f.reason for f in merged.files}
    assert reasons[a.name] == reasons[b.name] == ""
    assert "无法作为 Excel 工作簿打开" in reasons["损坏.xlsx"]
    assert "“合计”行与各班之和不符（本月家访人次：各班相加为 3，合计行为 4）" in reasons["合计不符.xlsx"]
    assert "第 6 行：按家访方式的人次之和 3 不等于家访人次 9" in reasons["方式不符.xlsx"]
    assert "表头第 5 行第 5 列应为“入户\n走访”，实为“入户”" in reasons["改了表头.xlsx"]
    assert "填报单位“外区某校”不是本工作区登记的学校" in reasons["外区.xlsx"]
    assert "统计月份是 2025-10，不是本次汇总的 2025-11" in reasons["上月.xlsx"]
    assert "没有“统计表”工作表" in reasons["无统计表.xlsx"]
    assert "第 6 行（一年级（1）班）第 3 列“两”不是数字" in reasons["文字.xlsx"]
    assert f"与 {a.name} 同为{NAMES[A]}（{A}）的统计表，已采用前一个" in reasons["重复.xlsx"]
    assert [r.class_name for r in merged.table.schools] == [NAMES[A], NAMES[B]]


def test_cli_merge_lists_each_file_and_exits_1_when_one_is_rejected(
    district: Workspace, school_books: dict[str, Path], tmp_path: Path
) -> None:
    junk = tmp_path / "说明.xlsx"
    junk.write_text("不是表格", encoding="utf-8")
    out = tmp_path / "区统计表.xlsx"
    args = ["report", "merge", str(school_books[A]), str(junk), "--out", str(out), "-w", str(district.root)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1, result.output
    assert f"[采用] {school_books[A]}（{NAMES[A]}（{A}））" in result.output
    assert f"[拒收] {junk}：无法作为 Excel 工作簿打开" in result.output
    assert f"未报送：{NAMES[C]}（{C}）、{NAMES[B]}（{B}）" in result.output and out.is_file()
    assert "Traceback" not in result.output


# --- who sees which school ----------------------------------------------------------------------


def test_a_schools_operator_sees_only_that_school(district: Workspace, tmp_path: Path) -> None:
    with district.session() as s:
        school_store.bind_operator(s, "王老师", [B])
        school_store.bind_operator(s, BUREAU, [school_store.EVERY_SCHOOL])
    try:
        make_stats_report(district, month=MONTH, out=tmp_path / "b.xlsx", school=B, operator="王老师")
        with pytest.raises(AccessError, match="只能查看本校（QHXY02）的数据，不能查看学校 QHMD01"):
            make_stats_report(district, month=MONTH, out=tmp_path / "a.xlsx", school=A, operator="王老师")
        with pytest.raises(AccessError, match="不能查看全区"):
            make_district_report(district, month=MONTH, out=tmp_path / "d.xlsx", operator="王老师")
        with pytest.raises(AccessError, match="不能查看学校 QHMD01"):
            build_dossier(district, "A01", tmp_path / "a01.pdf", operator="王老师")
        with pytest.raises(AccessError, match="不能查看学校 QHMD01"):
            records_in_scope(district, school=A, operator="王老师")
        listed = CliRunner().invoke(main, ["roster", "list", "--operator", "王老师", "--school", B, "-w", str(district.root)])
        assert listed.exit_code == 0 and "曹华" in listed.output and "吴明" not in listed.output
        refused = CliRunner().invoke(main, ["roster", "list", "--operator", "王老师", "-w", str(district.root)])
        assert refused.exit_code == 1 and "不能查看全区的数据" in refused.output and "吴明" not in refused.output
        with pytest.raises(AccessError, match="未绑定任何学校"):
            make_district_report(district, month=MONTH, out=tmp_path / "d.xlsx", operator="陌生人")
        with district.session() as s:
            check_scope(s, BUREAU, None)
            check_scope(s, BUREAU, A)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["b.xlsx"]  # nothing written for what was refused
    finally:
        with district.session() as s:
            school_store.bind_operator(s, "王老师", [])
            school_store.bind_operator(s, BUREAU, [])


# --- schools, rosters and the migration --------------------------------------------------------


def _roster(path: Path, students: list[list[str]], teachers: list[list[str]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, header, body in (
        ("学生", ["学籍号", "姓名", "班级", "联系电话", "特殊群体"], students),
        ("教师", ["工号", "姓名", "职务", "任教班级"], teachers),
    ):
        sheet = book.create_sheet(title)
        for row in (header, *body):
            sheet.append(row)
    book.save(path)
    return path


def test_roster_import_names_its_school_and_refuses_keys_of_another(tmp_path: Path) -> None:
    ws = init_workspace(tmp_path / "ws")
    runner = CliRunner()
    added = runner.invoke(main, ["school", "add", str(school_policy_file(tmp_path, B)), "-w", str(ws.root)])
    assert added.exit_code == 0 and f"已登记学校：{NAMES[B]}（{B}）" in added.output
    own = _roster(tmp_path / "本校.xlsx", [["G1", "王浩宇", "七年级（1）班", "13812345678", ""]], [["T01", "张明", "班主任", "七年级（1）班"]])
    theirs = _roster(
        tmp_path / "新苑.xlsx",
        [["G1", "王浩宇", "一年级（1）班", "13812345678", ""], ["N1", "李娜", "一年级（1）班", "13812345679", "单亲"]],
        [["T01", "钱芳", "班主任", "一年级（1）班"], ["N01", "赵敏", "校长", ""]],
    )
    assert import_roster(ws, [own]).students_added == 1  # no --school: the workspace's own school
    report = import_roster(ws, [theirs], school=B)
    messages = [str(p) for p in report.errors]
    assert any("学籍号“G1”已属于青禾市明德实验学校（QHMD01）" in m for m in messages)
    assert any("工号“T01”已属于青禾市明德实验学校（QHMD01）" in m and "工号须各不相同" in m for m in messages)
    with ws.session() as s:
        assert repo.list_students(s, school=B) == [Student("N1", "李娜", "一年级（1）班", grade="一年级", phone="13812345679", groups=("单亲家庭",))]
        assert [st.class_name for st in repo.list_students(s, school=A)] == ["七年级（1）班"]  # G1 stayed where it was
        assert [t.teacher_no for t in repo.list_teachers(s, school=B)] == ["N01"]
    unknown = runner.invoke(main, ["roster", "import", str(own), "--school", "QHZZ99", "-w", str(ws.root)])
    assert unknown.exit_code == 1 and "学校代码“QHZZ99”未在本工作区登记" in unknown.output
    ws.close()


def test_upgrade_puts_existing_data_into_the_workspaces_own_school(tmp_path: Path) -> None:
    ws = init_workspace(tmp_path / "ws")
    config = alembic_config()
    with ws.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0008")  # a workspace from before schools
    with ws.engine.begin() as conn:  # rows written by the old program, in the old schema
        conn.execute(text("INSERT INTO classes (name, grade) VALUES ('七年级（1）班', '七年级')"))
        conn.execute(
            text(
                "INSERT INTO students (student_no, name, class_name, grade, gender, address, guardian_name, guardian_relation,"
                " phone, caregiver, groups, extra, created_at, updated_at) VALUES ('OLD1', '老学生', '七年级（1）班', '', '', '',"
                " '', '', '', '', '[]', '[]', '2025-09-01 00:00:00', '2025-09-01 00:00:00')"
            )
        )
        conn.execute(text("INSERT INTO teachers (teacher_no, name, role) VALUES ('OT1', '老教师', '校长')"))
    ws.close()

    upgraded = open_workspace(tmp_path / "ws")
    with upgraded.session() as s:
        assert [x.code for x in school_store.list_schools(s)] == [A]
        assert [x.student_no for x in repo.list_students(s, school=A)] == ["OLD1"]
        assert [t.teacher_no for t in repo.list_teachers(s, school=A)] == ["OT1"]
        assert repo.list_students(s, school=B) == []
    upgraded.close()


# --- printing for one school of the store -------------------------------------------------------


def test_forms_printed_for_a_school_carry_its_code_and_name(district: Workspace, tmp_path: Path) -> None:
    with pytest.raises(SchoolError, match="请用 --school 指定为哪所学校打印"):
        generate(district, forms=["record"], formats=["docx"], out_dir=tmp_path / "all")
    made = generate(district, forms=["record"], formats=["docx"], out_dir=tmp_path / "b", school=B)
    assert sorted(e.student_id for e in made.entries) == ["B01", "B02", "B03"]
    first = made.out_dir / made.entries[0].file
    found = docx_identity(first)
    assert (found.school_code, found.form_id) == (B, made.entries[0].form_id)
    with zipfile.ZipFile(first) as zf:
        xml = "".join(zf.read(n).decode("utf-8") for n in zf.namelist() if n.startswith("word/") and n.endswith(".xml"))
    assert NAMES[B] in xml and NAMES[A] not in xml
    with district.session() as s:
        assert repo.student_school(s, made.entries[0].student_id) == B
        issued = s.scalar(select(IssuedFormRow.school_code).where(IssuedFormRow.form_id == made.entries[0].form_id))
    assert issued == B


def test_form_ids_already_issued_in_the_store_are_drawn_again(district: Workspace) -> None:
    with district.session() as s:
        taken = sorted(s.scalars(select(IssuedFormRow.form_id).limit(2)))
        drawn = iter([taken[0], "R0000001X", taken[1], "R0000001X", "R0000002X"])
        assert unused_form_ids(s, "record", 2, draw=lambda _form: next(drawn)) == ["R0000001X", "R0000002X"]


def test_a_returned_word_form_of_another_school_is_read_into_that_school_by_its_profile_and_teachers(tmp_path: Path) -> None:
    ws = next(build_district(tmp_path))  # its own store: the shared one's counts stay as documented
    made = generate(ws, forms=["record"], formats=["docx"], out_dir=tmp_path / "打印", school=B)
    entry = next(e for e in made.entries if e.student_id == "B03")
    with ws.session() as s:  # a namesake at the workspace's own school must not take B's visit
        repo.upsert_teachers(s, [Teacher("TA9", "钱芳", "科任")], school=A)
    returned = filled_docx(made.out_dir / entry.file, tmp_path / "交回" / "B03.docx", {**VALUES, "teachers": "钱芳"})
    result = ingest(ws, [returned])
    assert [i.outcome for i in result.items] == ["new"]
    with ws.session() as s:
        (record,) = [r for r in list_records(s, school=B) if r.form_id == entry.form_id]
        assert entry.form_id not in {r.form_id for r in list_records(s, school=A)}
    teachers = load_form("record").by_role(record.fields, "teachers")
    assert teachers is not None and (teachers.refs, teachers.status) == (("TB3",), "auto")
    school = load_form("record").by_role(record.fields, "school")  # read against B's profile, not A's
    assert school is not None and (school.value, school.status) == (NAMES[B], "auto")
    ws.close()


def test_cli_binding_decides_who_may_make_the_district_table(district: Workspace, tmp_path: Path) -> None:
    runner = CliRunner()
    root = ["-w", str(district.root)]
    try:
        assert runner.invoke(main, ["school", "bind", "王老师", B, *root]).exit_code == 0
        assert runner.invoke(main, ["school", "bind", BUREAU, "--district", *root]).exit_code == 0
        listed = runner.invoke(main, ["school", "list", *root]).output
        assert f"{B}\t{NAMES[B]}\t3\tpolicies/{B}.yaml" in listed and f"操作人 {BUREAU}：全区" in listed
        out = tmp_path / "区统计表.xlsx"
        refused = runner.invoke(main, ["report", "district", "--month", MONTH, "--out", str(out), "--operator", "王老师", *root])
        assert refused.exit_code == 1 and "不能查看全区的数据" in refused.output and not out.exists()
        made = runner.invoke(main, ["report", "district", "--month", MONTH, "--out", str(out), "--operator", BUREAU, *root])
        assert made.exit_code == 0 and f"未报送：{NAMES[C]}（{C}）" in made.output and out.is_file()
    finally:
        for who in ("王老师", BUREAU):
            runner.invoke(main, ["school", "unbind", who, *root])
    with district.session() as s:
        assert not school_store.any_binding(s)


def test_a_schools_operator_reviews_only_that_schools_fields(district: Workspace) -> None:
    from pipeline.review.corrections import accept_field
    from pipeline.review.queue import review_queue

    with district.session() as s:
        (a04,) = [r for r in list_records(s, status="review") if r.student_no == "A04"]
        school_store.bind_operator(s, "王老师", [B])
        school_store.bind_operator(s, BUREAU, [school_store.EVERY_SCHOOL])
    try:
        assert a04.form_id in {i.form_id for i in review_queue(district, operator=BUREAU)}
        assert a04.form_id not in {i.form_id for i in review_queue(district, operator="王老师")}
        with pytest.raises(AccessError, match="不能查看学校 QHMD01"):
            accept_field(district, a04.form_id, "visit_date", version=a04.version, operator="王老师")
        with district.session() as s:
            assert current_record(s, a04.form_id).fields["visit_date"].status == "review", "nothing decided"
    finally:
        with district.session() as s:
            school_store.bind_operator(s, "王老师", [])
            school_store.bind_operator(s, BUREAU, [])


def test_a_schools_operator_cannot_show_print_or_list_the_audit_of_another_school(district: Workspace, tmp_path: Path) -> None:
    with district.session() as s:
        (a04,) = [r for r in list_records(s, status="review") if r.student_no == "A04"]
        school_store.bind_operator(s, "王老师", [B])
        school_store.bind_operator(s, BUREAU, [school_store.EVERY_SCHOOL])
    root = str(district.root)
    try:
        shown = CliRunner().invoke(main, ["records", "show", a04.form_id, "--operator", "王老师", "-w", root])
        assert shown.exit_code == 1 and "不能查看学校 QHMD01" in shown.output and "A04" not in shown.output
        assert CliRunner().invoke(main, ["records", "show", a04.form_id, "--operator", BUREAU, "-w", root]).exit_code == 0
        audit = CliRunner().invoke(main, ["audit", "list", "--operator", "王老师", "-w", root])
        assert audit.exit_code == 1 and "不能查看全区" in audit.output
        printed = CliRunner().invoke(
            main, ["generate", "--school", A, "--operator", "王老师", "--out", str(tmp_path / "打印"), "-w", root]
        )
        assert printed.exit_code == 1 and "不能查看学校 QHMD01" in printed.output and not (tmp_path / "打印").exists()
    finally:
        with district.session() as s:
            school_store.bind_operator(s, "王老师", [])
            school_store.bind_operator(s, BUREAU, [])
