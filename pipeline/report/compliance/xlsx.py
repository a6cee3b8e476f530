"""The compliance to-do list as the workbook a school office hands in: a summary sheet grouped
by class then responsible teacher, and one sheet per kind (office chrome and list layout:
pipeline.report.office_workbook)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipeline.report.compliance.todo import LEADERS_GROUP, ComplianceItem, ComplianceReport, teacher_label
from pipeline.report.office_workbook import ListSheet, write_list_sheets
from pipeline.report.visits import pending_fields_note

SUMMARY_SHEET = "待办汇总"
TODO_HEADERS = ("序号", "班级", "责任教师", "类别", "学籍号", "学生", "说明", "期限", "逾期天数")


def write_compliance_xlsx(report: ComplianceReport, out: Path) -> Path:
    """The to-do list: a summary sheet grouped by class then responsible teacher, and one
    sheet per kind (an empty kind keeps its sheet, saying there is nothing to do)."""
    info = _compliance_info(report)
    notes = [*report.notes]
    if report.pending_review:
        notes.append(f"另有 {report.pending_review} 份记录待复核，复核通过前不计为家访。")
    notes.extend(pending_fields_note(report.counted_with_pending))
    sheets = [
        ListSheet(
            SUMMARY_SHEET,
            f"{report.school}{report.class_name or ''}家访工作待办清单",
            info,
            TODO_HEADERS,
            [_todo_row(n, i, report.labels[i.kind]) for n, i in enumerate(report.items, start=1)],
            merge_runs=(1, 2),
            notes=notes,
        ),
        *(
            ListSheet(
                label,
                f"{report.school}{report.class_name or ''}家访待办：{label}",
                info,
                [h for h in TODO_HEADERS if h != "类别"],
                [_todo_row(n, i) for n, i in enumerate(report.of_kind(kind), start=1)],
                merge_runs=(1, 2),
            )
            for kind, label in report.labels.items()
        ),
    ]
    return write_list_sheets(sheets, out)


def _compliance_info(report: ComplianceReport) -> str:
    semester = f"    学期：{report.semester}" if report.semester else "    （假期，不在学期内）"
    return f"统计日期：{report.as_of:%Y-%m-%d}    学年：{report.school_year}{semester}    待办 {len(report.items)} 项"


def _todo_row(n: int, item: ComplianceItem, label: str | None = None) -> list[Any]:
    return [
        n,
        item.class_name or LEADERS_GROUP,
        teacher_label(item),
        *([label] if label is not None else []),
        item.student_no,
        item.student_name,
        item.detail,
        item.due,
        item.overdue_days or None,
    ]
