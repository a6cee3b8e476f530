"""Compliance to-do lists on a school with known gaps (tests/report_support.py), as data,
as xlsx and through `jiafang report compliance`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.errors import ReportError
from pipeline.model.policy import load_policy
from pipeline.report.compliance import (
    SUMMARY_SHEET,
    TODO_HEADERS,
    ComplianceReport,
    by_class,
    by_teacher,
    compliance_todo,
    write_compliance_xlsx,
)
from pipeline.report.visits import Visit, load_visits
from pipeline.store import repo
from pipeline.store.audit import file_sha256, list_events
from pipeline.store.workspace import Workspace
from report_support import AS_OF, CLASS_1, CLASS_2, build_school

WIDE = {"COLUMNS": "200"}  # rich tables on one line per row


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    yield from build_school(tmp_path_factory.mktemp("school"))


def _todo(ws: Workspace, as_of: dt.date = AS_OF, class_name: str | None = None) -> ComplianceReport:
    with ws.session() as s:
        return compliance_todo(
            visits=load_visits(s),
            students=repo.list_students(s),
            teachers=repo.list_teachers(s),
            policy=ws.policy,
            as_of=as_of,
            class_name=class_name,
        )


def _who(report: ComplianceReport) -> list[tuple[str, str, str, str]]:
    return [(i.class_name, i.responsible_no, i.kind, i.student_no) for i in report.items]


def test_compliance_lists_exactly_the_known_gaps_grouped_by_class_and_teacher(ws: Workspace) -> None:
    assert _who(_todo(ws)) == [
        (CLASS_1, "T03", "no_home_visit", "S03"),  # phone only
        (CLASS_1, "T03", "no_home_visit", "S04"),  # no record at all
        (CLASS_1, "T03", "special_group", "S02"),  # home visit last semester only
        (CLASS_1, "T03", "special_group", "S04"),
        (CLASS_1, "T05", "followup_overdue", "S05"),  # the visiting 科任 follows up, not the 班主任
        (CLASS_2, "T04", "no_home_visit", "S08"),  # only a review record
        (CLASS_2, "T04", "late_entry", "S07"),
        ("", "T02", "leader_pace", ""),  # 中层 with 1 visit; the principal's 3 keep pace
    ]


def test_each_item_says_what_is_missing_and_by_when(ws: Workspace) -> None:
    items = {(i.kind, i.student_no): i for i in _todo(ws).items}
    phone_only = items["no_home_visit", "S03"]
    assert (phone_only.responsible, phone_only.student_name) == ("唐春燕", "彭欣然")
    assert phone_only.detail == "2025—2026学年尚无入户走访；已有其他方式 1 次（电话）"
    assert (phone_only.due, phone_only.overdue_days) == (dt.date(2026, 7, 15), 0)
    assert items["special_group", "S02"].detail == (
        "特殊群体（留守儿童）2025—2026学年第二学期尚无入户走访；上次入户走访 2025-11-05"
    )
    overdue = items["followup_overdue", "S05"]
    assert (overdue.form_id, overdue.due, overdue.overdue_days) == ("R05", dt.date(2026, 3, 17), 3)
    assert "作业拖拉" in overdue.detail
    late = items["late_entry", "S07"]
    assert late.detail == "家访 2026-03-05 17:00 结束，2026-03-08 10:00 录入，超过 24 小时时限 41 小时"
    assert (late.form_id, late.due, late.overdue_days) == ("R07", dt.date(2026, 3, 6), 2)
    leader = items["leader_pace", ""]
    assert (leader.responsible, leader.class_name) == ("王德明", "")
    assert leader.detail == "中层：已访 1 人次，按进度到 2026-03-20 应达 6 人次，全年定额 10 人次"


def test_review_records_are_pending_not_visits(ws: Workspace) -> None:
    report = _todo(ws)
    assert report.pending_review == 1
    assert ("no_home_visit", "S08") in {(i.kind, i.student_no) for i in report.items}
    assert "R09" not in {i.form_id for i in report.items}


def test_leader_pace_rises_through_the_year(ws: Workspace) -> None:
    # Day 262 of 318: the principal's pace is 5 × 262 // 318 = 4, and 3 visits fall behind.
    leaders = _todo(ws, dt.date(2026, 5, 20)).of_kind("leader_pace")
    assert [(i.responsible_no, i.detail) for i in leaders] == [
        ("T01", "校长：已访 3 人次，按进度到 2026-05-20 应达 4 人次，全年定额 5 人次"),
        ("T02", "中层：已访 1 人次，按进度到 2026-05-20 应达 8 人次，全年定额 10 人次"),
    ]
    assert _todo(ws, dt.date(2025, 9, 5)).of_kind("leader_pace") == ()


def test_special_groups_are_not_checked_in_the_holiday_and_the_report_says_so(ws: Workspace) -> None:
    report = _todo(ws, dt.date(2026, 2, 1))
    assert report.semester is None
    assert report.of_kind("special_group") == ()
    assert any("未检查特殊群体" in n for n in report.notes)
    assert {i.student_no for i in report.of_kind("no_home_visit")} == {"S03", "S04", "S05", "S06", "S07", "S08"}


def test_a_date_outside_the_school_year_is_refused(ws: Workspace) -> None:
    with pytest.raises(ReportError, match="不在政策配置的学年"):
        _todo(ws, dt.date(2026, 8, 1))


def test_one_class_leaves_out_other_classes_and_leaders(ws: Workspace) -> None:
    report = _todo(ws, class_name=CLASS_2)
    assert _who(report) == [(CLASS_2, "T04", "no_home_visit", "S08"), (CLASS_2, "T04", "late_entry", "S07")]
    assert report.pending_review == 1
    assert _todo(ws, class_name=CLASS_1).pending_review == 0


def test_grouping_helpers_follow_class_then_teacher(ws: Workspace) -> None:
    groups = by_class(_todo(ws).items)
    assert list(groups) == [CLASS_1, CLASS_2, "学校领导"]
    assert {k: len(v) for k, v in by_teacher(groups[CLASS_1]).items()} == {"T03": 4, "T05": 1}
    assert list(by_teacher(_todo(ws).items)) == ["T03", "T05", "T04", "T02"]


def _visit(day: str, end: str | None, entered: dt.datetime) -> Visit:
    return Visit(
        form_id="X1", student_no="S01", class_name=CLASS_1, status="auto", date=dt.date.fromisoformat(day),
        mode="入户走访", visit_type="普访", teacher_nos=("T03",), problems=None, measures=(), followup_due=None,
        recorded_at=entered.astimezone(), end_time=end,
    )


@pytest.mark.parametrize(
    ("end", "entered", "late"),
    [
        ("16:00", dt.datetime(2026, 3, 3, 16, 0), False),  # exactly 24 h after the end
        ("16:00", dt.datetime(2026, 3, 3, 16, 1), True),
        (None, dt.datetime(2026, 3, 3, 23, 59), False),  # no end time: counted from the end of the day
        (None, dt.datetime(2026, 3, 4, 0, 30), True),
    ],
)
def test_late_entry_counts_from_the_visit_end_or_the_end_of_its_day(
    end: str | None, entered: dt.datetime, late: bool
) -> None:
    report = compliance_todo(
        visits=[_visit("2026-03-02", end, entered)], students=[], teachers=[], policy=load_policy(), as_of=AS_OF
    )
    assert bool(report.of_kind("late_entry")) is late


def test_xlsx_has_a_grouped_summary_and_one_sheet_per_kind(ws: Workspace, tmp_path: Path) -> None:
    out = write_compliance_xlsx(_todo(ws), tmp_path / "待办.xlsx")
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == [SUMMARY_SHEET, "本学年无入户家访", "本学期特殊群体未入户", "领导家访进度落后", "跟进逾期", "记录逾期录入"]
    sheet = wb[SUMMARY_SHEET]
    assert sheet["A1"].value == "青禾市明德实验学校家访工作待办清单"
    assert "统计日期：2026-03-20" in sheet["A2"].value
    assert [c.value for c in sheet[3]] == list(TODO_HEADERS)
    rows = [r for r in sheet.iter_rows(min_row=4, max_row=11, values_only=True)]
    assert [(r[0], r[3], r[4], r[5]) for r in rows] == [
        (1, "本学年无入户家访", "S03", "彭欣然"),
        (2, "本学年无入户家访", "S04", "郑浩宇"),
        (3, "本学期特殊群体未入户", "S02", "梁雅婷"),
        (4, "本学期特殊群体未入户", "S04", "郑浩宇"),
        (5, "跟进逾期", "S05", "周琪"),
        (6, "本学年无入户家访", "S08", "周文"),
        (7, "记录逾期录入", "S07", "曹华"),
        (8, "领导家访进度落后", None, None),
    ]
    assert rows[4][7] == dt.datetime(2026, 3, 17) and rows[4][8] == 3, "dates and days as numbers"
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert {"B4:B8", "C4:C7", "B9:B10", "C9:C10"} <= merged, "class, then teacher within the class"
    assert (sheet["B4"].value, sheet["C4"].value, sheet["C8"].value) == (CLASS_1, "唐春燕（T03）", "梁文斌（T05）")
    assert sheet.freeze_panes == "A4"
    texts = [r[0] for r in sheet.iter_rows(min_row=12, values_only=True)]
    assert "说明：另有 1 份记录待复核，复核通过前不计为家访。" in texts
    assert any(str(t).startswith("填报人：") for t in texts)
    late = wb["记录逾期录入"]
    assert [c.value for c in late[4]][:5] == [1, CLASS_2, "张桂兰（T04）", "S07", "曹华"]


def test_xlsx_keeps_the_sheet_of_an_empty_kind(ws: Workspace, tmp_path: Path) -> None:
    out = write_compliance_xlsx(_todo(ws, dt.date(2025, 9, 5)), tmp_path / "开学.xlsx")
    assert openpyxl.load_workbook(out)["领导家访进度落后"]["A4"].value == "无待办事项"


def test_cli_prints_the_list_by_class_and_teacher_writes_xlsx_and_logs_it(ws: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "待办清单.xlsx"
    args = ["report", "compliance", "--as-of", "2026-03-20", "--out", str(out), "--operator", "王老师", "-w", str(ws.root)]
    result = CliRunner().invoke(main, args, env=WIDE)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("家访待办清单  全校  统计日期 2026-03-20")
    assert [line.split("：")[0] for line in lines if line.rstrip().endswith(" 项")] == [CLASS_1, CLASS_2, "学校领导"]
    assert any("唐春燕（T03）" in line and "彭欣然" in line for line in lines)
    assert any("梁文斌（T05）" in line and "周琪" in line for line in lines)
    assert "另有 1 份记录待复核" in result.output
    assert f"已写入 {out.resolve()}" in result.output
    with ws.session() as s:
        event = next(e for e in list_events(s, action="report") if e.output == str(out.resolve()))
    assert (event.operator, event.scope, event.output_sha256) == ("王老师", "school", file_sha256(out))
    assert event.options == {"report": "compliance", "as_of": "2026-03-20", "format": "xlsx"}


def test_cli_one_class_and_clear_errors(ws: Workspace) -> None:
    runner = CliRunner()
    one = runner.invoke(main, ["report", "compliance", "--as-of", "2026-03-20", "--class", "七年级(2)班", "-w", str(ws.root)], env=WIDE)
    assert one.exit_code == 0, one.output
    assert "周文" in one.output and "彭欣然" not in one.output and "王德明" not in one.output
    unknown = runner.invoke(main, ["report", "compliance", "--class", "九年级（9）班", "-w", str(ws.root)])
    assert unknown.exit_code == 1 and "没有班级“九年级（9）班”" in unknown.output
    outside = runner.invoke(main, ["report", "compliance", "--as-of", "2027-01-01", "-w", str(ws.root)])
    assert outside.exit_code == 1 and "不在政策配置的学年" in outside.output
