"""The monthly 统计表: every cell of a hand-built school checked, xlsx and PDF read back, CLI.

The fixture school (month 2025-11, sample policy with the 中层 quota lowered to 2):

    七年级（1）班  A1 留守儿童 · A2 留守儿童+经济困难 · A3 · A4
    七年级（2）班  B1 心理问题 · B2 · B3
    teachers: T01 校长, T02 中层, T06 中层, T03 班主任(1), T04 班主任(2), T05 科任

    V01 A1 11-03 入户走访 普访  T03+T01  problem          auto      principal's home visit
    V02 A1 11-20 电话     回访  T03                       auto      A1 again: 1 人, 2 人次; closes V01
    V03 A2 10-15 入户走访 普访  T03                       auto      previous month: cumulative only
    V04 A3 11-05 视频(线上) 普访 T05     problem          verified  opened, never followed up
    V05 A4 11-06 入户走访 普访  T03                       review    pending, not counted
    V06 B1 11-10 邀请来校 重点  T04+T02                   auto      group student seen, not at home
    V07 B2 11-12 书面联系 普访  T04                       auto
    V08 B2 09-20 入户走访 普访  T04+T02+T06 problem       auto      opened in September, still open
    V09 B3 12-02 入户走访 普访  T04                       auto      after the month: nowhere
    V10 B3 (no date)  入户走访  T04                       review    pending (date unknown)
    V11 B3 12-05 入户走访 普访  T04                       review    after the month: not pending
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import openpyxl
import pdfplumber
import pypdfium2
import pytest
import yaml
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.errors import ReportError
from pipeline.model.form import FormDef, form_from_file, load_form
from pipeline.model.issuance import IssuedForm
from pipeline.model.people import Student, Teacher
from pipeline.model.policy import load_policy
from pipeline.model.record import FieldValue, Record
from pipeline.report import compute_stats, load_visits, make_stats_report, write_stats_pdf
from pipeline.report.stats.count import TOTAL, StatsTable
from pipeline.report.stats.sheet import class_cells, stats_sheets
from pipeline.report.visits import visit_of
from pipeline.resources import forms_dir, samples_dir
from pipeline.store import repo
from pipeline.store.audit import file_sha256, list_events
from pipeline.store.records import add_record
from pipeline.store.workspace import Workspace, init_workspace

pytestmark = pytest.mark.both_databases  # the same tests on SQLite and PostgreSQL

C1, C2 = "七年级（1）班", "七年级（2）班"
MONTH = "2025-11"
FILLED_ON = dt.date(2025, 11, 28)
LOOK_DIR = Path("/tmp/jiafang-look")

STUDENTS = (
    Student("A1", "李𬱖", C1, groups=("留守儿童",)),
    Student("A2", "吴明", C1, groups=("留守儿童", "经济困难")),
    Student("A3", "梁雅婷", C1),
    Student("A4", "彭欣然", C1),
    Student("B1", "吴梦瑶", C2, groups=("心理问题",)),
    Student("B2", "朱欣怡", C2),
    Student("B3", "田子轩", C2),
)
TEACHERS = (
    Teacher("T01", "林春燕", "校长"),
    Teacher("T02", "王德明", "中层"),
    Teacher("T03", "唐春燕", "班主任", (C1,)),
    Teacher("T04", "张桂兰", "班主任", (C2,)),
    Teacher("T05", "曾翠花", "科任", (C1, C2)),
    Teacher("T06", "叶𬱖", "中层"),
)


@dataclass(frozen=True)
class V:
    form_id: str
    student: str
    date: str | None
    mode: str
    visit_type: str
    teachers: tuple[str, ...]
    problems: str = ""
    status: str = "auto"


VISITS = (
    V("V01", "A1", "2025-11-03", "入户走访", "普访", ("T03", "T01"), problems="英语偏弱，作业常缺交"),
    V("V02", "A1", "2025-11-20", "电话", "回访", ("T03",)),
    V("V03", "A2", "2025-10-15", "入户走访", "普访", ("T03",)),
    V("V04", "A3", "2025-11-05", "视频(线上)", "普访", ("T05",), problems="作业拖延", status="verified"),
    V("V05", "A4", "2025-11-06", "入户走访", "普访", ("T03",), status="review"),
    V("V06", "B1", "2025-11-10", "邀请来校", "重点", ("T04", "T02")),
    V("V07", "B2", "2025-11-12", "书面联系", "普访", ("T04",)),
    V("V08", "B2", "2025-09-20", "入户走访", "普访", ("T04", "T02", "T06"), problems="家长长期外出"),
    V("V09", "B3", "2025-12-02", "入户走访", "普访", ("T04",)),
    V("V10", "B3", None, "入户走访", "普访", ("T04",), status="review"),
    V("V11", "B3", "2025-12-05", "入户走访", "普访", ("T04",), status="review"),
)

# The expected table, written out. Per period: 走访学生数, 家访人次, 入户走访, 电话, 视频(线上),
# 邀请来校, 书面联系, 覆盖率, 入户率, 台账新增, 台账办结.
EXPECTED_CLASS_ROWS = [
    # 班级, 学生数, | 本月 … | 本学年累计 …
    (C1, 4, 2, 3, 1, 1, 1, 0, 0, 2 / 4, 1 / 4, 2, 1, 3, 4, 2, 1, 1, 0, 0, 3 / 4, 2 / 4, 2, 1),
    (C2, 3, 2, 2, 0, 0, 0, 1, 1, 2 / 3, 0 / 3, 0, 0, 2, 3, 1, 0, 0, 1, 1, 2 / 3, 1 / 3, 1, 0),
    (TOTAL, 7, 4, 5, 1, 1, 1, 1, 1, 4 / 7, 1 / 7, 2, 1, 5, 7, 3, 1, 1, 1, 1, 5 / 7, 3 / 7, 3, 1),
]
EXPECTED_GROUPS = [  # 群体, 应访, 已访, 未访 (入户 this semester up to 11-30)
    ("留守儿童", 2, 2, 0),
    ("困境儿童", 0, 0, 0),
    ("单亲家庭", 0, 0, 0),
    ("经济困难", 1, 1, 0),
    ("残疾学生", 0, 0, 0),
    ("学习困难", 0, 0, 0),
    ("心理问题", 1, 0, 1),
    ("行为偏差", 0, 0, 0),
    ("合计（去重）", 3, 2, 1),
]
EXPECTED_ROLES = [  # 职务, 教师数, 本月参与, 本学年累计参与
    ("校长", 1, 1, 1),
    ("副校长", 0, 0, 0),
    ("中层", 2, 1, 2),
    ("班主任", 2, 2, 2),
    ("科任", 1, 1, 1),
    (TOTAL, 6, 5, 6),
]
EXPECTED_LEADERS = [  # 工号, 姓名, 职务, 本月, 累计, 年度任务, 完成情况
    ("T01", "林春燕", "校长", 1, 1, 5, "未完成"),
    ("T02", "王德明", "中层", 1, 2, 2, "完成"),
    ("T06", "叶𬱖", "中层", 0, 1, 2, "未完成"),
]
PENDING = 2  # V05 (dated in the month) and V10 (no date); V11 is after the month


def _record(v: V, student: Student, layout_hash: str) -> Record:
    def fv(value: object, status: str = "auto", refs: tuple[str, ...] = ()) -> FieldValue:
        return FieldValue(value, str(value or ""), 1.0, "human", status, refs=refs)

    fields = {
        "student_name": fv(student.name),
        "visit_date": fv(v.date, v.status),
        "mode": fv(v.mode),
        "visit_type": fv(v.visit_type),
        "teachers": fv("、".join(v.teachers), refs=v.teachers),
        "problems": fv(v.problems or None),
        "followup_measures": fv([]),
        "followup_due": fv(None),
        "teacher_signature": fv(True),
    }
    return Record(v.form_id, "record", student.student_no, student.class_name, layout_hash, fields, "hand.docx", reader="docx")


def _policy_file(folder: Path) -> Path:
    data = yaml.safe_load((samples_dir() / "policy.yaml").read_text(encoding="utf-8"))
    data["quotas"] = [q | {"visits_per_year": 2} if q["role"] == "中层" else q for q in data["quotas"]]
    path = folder / "policy.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def school(tmp_path_factory: pytest.TempPathFactory, module_database: str) -> Iterator[Workspace]:
    root = tmp_path_factory.mktemp("stats")
    ws = init_workspace(root / "ws", policy_path=_policy_file(root))
    form = load_form("record")
    by_no = {s.student_no: s for s in STUDENTS}
    with ws.session() as s:
        repo.upsert_students(s, STUDENTS)
        repo.upsert_teachers(s, TEACHERS)
        repo.save_layout(s, form)
        repo.add_issued_forms(
            s,
            [
                IssuedForm(
                    v.form_id, "record", form.version, form.layout_hash, v.student, by_no[v.student].class_name,
                    form.page_count, "B1", (), dt.datetime(2025, 9, 1, tzinfo=dt.timezone.utc),
                )
                for v in VISITS
            ],
        )
        for v in VISITS:
            add_record(s, _record(v, by_no[v.student], form.layout_hash))
    yield ws
    ws.close()


def _rounded(row: object) -> list[object]:
    """A row with rates to 9 decimals (xlsx keeps 16 significant digits, not all 17)."""
    return [round(v, 9) if isinstance(v, float) else v for v in row]  # type: ignore[attr-defined]


def _table(ws: Workspace, class_name: str | None = None, month: str = MONTH) -> StatsTable:
    with ws.session() as s:
        visits = load_visits(s)
        students = repo.list_students(s)
        teachers = repo.list_teachers(s)
    return compute_stats(
        visits=visits, students=students, teachers=teachers, policy=ws.policy, month=month, class_name=class_name
    )


def test_every_cell_of_the_class_and_total_rows(school: Workspace) -> None:
    table = _table(school)
    got = [class_cells(r) for r in (*table.classes, table.total)]
    assert got == EXPECTED_CLASS_ROWS
    assert table.pending_review == PENDING


RENAMED = {"入户走访": "入户家访", "电话": "电话联系", "回访": "跟进回访"}


def _renamed_record_form(folder: Path) -> FormDef:
    """The record form with the mode field's id and three option texts changed; the options
    keep their declared meaning (counts_as)."""
    text = (forms_dir() / "record.yaml").read_text(encoding="utf-8")
    for old, new in (
        ("      - id: mode\n", "      - id: visit_mode\n"),
        ("{value: 入户走访, counts_as: home_visit}, 电话,", "{value: 入户家访, counts_as: home_visit}, 电话联系,"),
        ("{value: 回访, counts_as: followup}", "{value: 跟进回访, counts_as: followup}"),
    ):
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    (folder / "record.yaml").write_text(text, encoding="utf-8")
    return form_from_file(folder / "record.yaml")


def test_renamed_options_keep_their_columns_home_visits_and_follow_ups(tmp_path: Path) -> None:
    form = _renamed_record_form(tmp_path)
    by_no = {s.student_no: s for s in STUDENTS}

    def record(v: V) -> Record:
        shipped = _record(v, by_no[v.student], form.layout_hash)
        values = {load_form("record").field(fid).role: fv for fid, fv in shipped.fields.items()}
        fields = {
            form.with_role(role).id: replace(fv, value=RENAMED.get(fv.value, fv.value) if isinstance(fv.value, str) else fv.value)  # type: ignore[union-attr, arg-type]
            for role, fv in values.items()
        }
        return replace(shipped, fields=fields)

    policy = load_policy(_policy_file(tmp_path), form=form)
    assert policy.coverage.home_visit_mode == "入户家访", "the option the form declares counts_as: home_visit"
    table = compute_stats(
        visits=[visit_of(record(v), form) for v in VISITS], students=STUDENTS, teachers=TEACHERS,
        policy=policy, month=MONTH, form=form,
    )
    assert table.modes == ("入户家访", "电话联系", "视频(线上)", "邀请来校", "书面联系")
    # The same counts as under the shipped texts: 入户率 and 特殊群体 through counts_as:
    # home_visit, V01's item closed by V02's late 跟进回访 through counts_as: followup.
    assert [class_cells(r) for r in (*table.classes, table.total)] == EXPECTED_CLASS_ROWS
    assert [(g.group if g.group != TOTAL else "合计（去重）", g.expected, g.visited, g.missing) for g in table.groups] == EXPECTED_GROUPS
    headings = {h.text for sheet in stats_sheets(table, filled_on=FILLED_ON) for g in sheet.grids for h in g.headings}
    assert {"入户\n家访", "电话\n联系"} <= headings


def test_repeat_visit_counts_one_student_and_two_visits(school: Workspace) -> None:
    c1 = _table(school).classes[0]
    assert (c1.month.visited, c1.month.visits) == (2, 3)  # A1 twice + A3 once


def test_groups_teachers_and_leader_quotas(school: Workspace) -> None:
    table = _table(school)
    assert table.group_period == "2025—2026学年第一学期"
    assert [(g.group if g.group != TOTAL else "合计（去重）", g.expected, g.visited, g.missing) for g in table.groups] == EXPECTED_GROUPS
    assert [(r.role, r.teachers, r.month, r.year) for r in table.roles] == EXPECTED_ROLES
    assert [
        (r.teacher_no, r.name, r.role, r.month, r.year, r.quota, "完成" if r.done else "未完成") for r in table.leaders
    ] == EXPECTED_LEADERS


def test_one_class_table_counts_that_class_and_leaders_school_wide(school: Workspace) -> None:
    table = _table(school, class_name="七年级(2)班")
    assert [class_cells(r) for r in table.classes] == [EXPECTED_CLASS_ROWS[1]]
    assert class_cells(table.total)[1:] == EXPECTED_CLASS_ROWS[1][1:]
    assert table.pending_review == 1  # V10
    assert [(g.group, g.expected, g.visited) for g in table.groups if g.expected] == [("心理问题", 1, 0), (TOTAL, 1, 0)]
    assert [(r.teacher_no, r.year) for r in table.leaders] == [("T01", 1), ("T02", 2), ("T06", 1)]


def test_first_month_has_no_cumulative_beyond_itself(school: Workspace) -> None:
    table = _table(school, month="2025-09")
    assert table.total.month == table.total.year
    assert (table.total.month.visited, table.total.month.visits, table.total.month.ledger_opened) == (1, 1, 1)


@pytest.mark.parametrize("month", ["2025-08", "2026-08", "2025-13", "11/2025"])
def test_month_outside_the_school_year_or_malformed_is_refused(school: Workspace, month: str) -> None:
    with pytest.raises(ReportError, match=r"月份"):
        _table(school, month=month)


def test_unknown_class_is_refused_naming_the_known_ones(school: Workspace) -> None:
    with pytest.raises(ReportError, match=r"九年级（9）班.*七年级（1）班、七年级（2）班"):
        _table(school, class_name="九年级（9）班")


def test_xlsx_holds_numbers_merged_title_and_the_pending_note(school: Workspace, tmp_path: Path) -> None:
    made = make_stats_report(school, month=MONTH, out=tmp_path / "统计.xlsx", operator="测试员", filled_on=FILLED_ON)
    wb = openpyxl.load_workbook(made.path)
    assert wb.sheetnames == ["统计表", "特殊群体", "教师参与"]
    ws = wb["统计表"]
    assert ws["A1"].value == "青禾市明德实验学校 家访工作统计表（2025年11月）"
    assert "A1:X1" in {str(r) for r in ws.merged_cells.ranges}
    assert "填报单位：青禾市明德实验学校" in ws["A2"].value and "统计时间：2025年11月" in ws["A2"].value
    assert "单位：人、人次" in ws["A2"].value
    assert (ws["A3"].value, ws["C3"].value, ws["C4"].value, ws["E4"].value, ws["E5"].value) == (
        "班级", "本月（2025年11月）", "走访\n学生数", "其中：按家访方式（人次）", "入户\n走访",
    )
    body = [[c.value for c in row] for row in ws.iter_rows(min_row=6, max_row=8)]
    assert [_rounded(r) for r in body] == [_rounded(r) for r in EXPECTED_CLASS_ROWS]
    assert all(type(v) is int for v in body[2][1:9])
    assert isinstance(ws["J8"].value, float) and ws["J8"].number_format == "0.0%"
    texts = [c.value for c in ws["A"] if isinstance(c.value, str)]
    assert f"另有 {PENDING} 份记录待复核，未计入。" in texts
    assert any(t.startswith("填报人：") and "填报日期：2025年11月28日" in t for t in texts)
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
    groups = [[c.value for c in row] for row in wb["特殊群体"].iter_rows(min_row=5, max_row=13)]
    assert [tuple(r[:4]) for r in groups] == EXPECTED_GROUPS
    teachers = wb["教师参与"]
    roles = [tuple(c.value for c in row[:4]) for row in teachers.iter_rows(min_row=5, max_row=10)]
    assert roles == EXPECTED_ROLES
    leaders = [tuple(c.value for c in row[:7]) for row in teachers.iter_rows(min_row=14, max_row=16)]
    assert leaders == EXPECTED_LEADERS


def test_outward_stats_leave_out_special_groups_unless_asked(school: Workspace, tmp_path: Path) -> None:
    outward = make_stats_report(school, month=MONTH, out=tmp_path / "外发.xlsx", outward=True)
    wb = openpyxl.load_workbook(outward.path)
    assert wb.sheetnames == ["统计表", "教师参与"]
    cells = " ".join(str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value is not None)
    assert "外发版本未列出" in cells
    assert not any(g in cells for g in ("留守儿童", "经济困难", "心理问题"))
    kept = make_stats_report(school, month=MONTH, out=tmp_path / "外发含敏感.xlsx", outward=True, include_sensitive=True)
    assert "特殊群体" in openpyxl.load_workbook(kept.path).sheetnames
    with school.session() as s:
        latest = list_events(s, action="report", limit=1)[0]
    assert latest.options["include_sensitive"] is True and latest.options["outward"] is True


def test_pdf_prints_title_numbers_and_rare_characters(school: Workspace, tmp_path: Path) -> None:
    made = make_stats_report(school, month=MONTH, out=tmp_path / "统计.pdf", filled_on=FILLED_ON)
    with pdfplumber.open(made.path) as pdf:
        assert len(pdf.pages) == 3
        assert all(p.width > p.height for p in pdf.pages)  # landscape
        first = pdf.pages[0].extract_text()
        rest = "".join(p.extract_text() for p in pdf.pages[1:])
    assert "家访工作统计表（2025年11月）" in first
    assert "七年级（1）班" in first and "57.1%" in first and "42.9%" in first
    assert "另有 2 份记录待复核，未计入。" in first and "填报日期：2025年11月28日" in first
    assert "留守儿童" in rest and "未完成" in rest and "叶𬱖" in rest  # an Ext-B character prints and extracts
    LOOK_DIR.mkdir(parents=True, exist_ok=True)
    doc = pypdfium2.PdfDocument(made.path)
    try:
        for i in range(len(doc)):
            doc[i].render(scale=150 / 72).to_pil().save(LOOK_DIR / f"stats-p{i + 1}.png")
    finally:
        doc.close()


def test_pdf_repeats_the_headings_when_classes_run_onto_a_second_page(school: Workspace, tmp_path: Path) -> None:
    classes = [f"{g}年级（{i}）班" for g in "七八九" for i in range(1, 11)]
    students = [Student(f"S{n:03d}", f"学生{n}", classes[n % 30]) for n in range(90)]
    table = compute_stats(visits=[], students=students, teachers=TEACHERS, policy=school.policy, month=MONTH)
    with pdfplumber.open(write_stats_pdf(table, tmp_path / "长表.pdf")) as pdf:
        pages = [p.extract_text() for p in pdf.pages]
    assert len(pages) == 4  # the class table takes two pages
    assert "九年级（10）班" not in pages[0] and "九年级（10）班" in pages[1]
    assert all("本学年累计" in p and "班级" in p for p in pages[:2])


def test_cli_writes_the_file_and_an_audit_entry(school: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "cli.xlsx"
    result = CliRunner().invoke(
        main,
        ["report", "stats", "--month", MONTH, "--out", str(out), "--operator", "王老师", "--workspace", str(school.root)],
    )
    assert result.exit_code == 0, result.output
    assert "另有 2 份记录待复核" in result.output
    with school.session() as s:
        event = list_events(s, action="report", limit=1)[0]
    assert (event.operator, event.scope, event.output) == ("王老师", "school", str(out.resolve()))
    assert event.output_sha256 == file_sha256(out)
    assert event.options == {"report": "stats", "month": MONTH, "format": "xlsx", "outward": False, "include_sensitive": False}


def test_cli_refuses_a_month_outside_the_school_year_and_other_suffixes(school: Workspace, tmp_path: Path) -> None:
    runner = CliRunner()
    base = ["report", "stats", "--workspace", str(school.root)]
    outside = runner.invoke(main, [*base, "--month", "2025-08", "--out", str(tmp_path / "a.xlsx")])
    assert outside.exit_code == 1 and "不在 2025—2026学年" in outside.output
    csv = runner.invoke(main, [*base, "--month", MONTH, "--out", str(tmp_path / "a.csv")])
    assert csv.exit_code == 1 and ".xlsx" in csv.output
    assert not (tmp_path / "a.xlsx").exists() and not (tmp_path / "a.csv").exists()
