"""The compliance to-do list: what the policy profile asks for that has not happened yet
(todo), the visit plan's overdue and due visits (plan), as the office's workbook (xlsx), and
end to end with the audit entry (report)."""

from pipeline.report.compliance.report import ComplianceResult, make_compliance_report
from pipeline.report.compliance.todo import (
    KINDS,
    LEADERS_GROUP,
    ComplianceItem,
    ComplianceReport,
    by_class,
    by_teacher,
    compliance_todo,
    default_as_of,
    item_order,
    teacher_label,
)
from pipeline.report.compliance.xlsx import SUMMARY_SHEET, TODO_HEADERS, write_compliance_xlsx

__all__ = [
    "KINDS",
    "LEADERS_GROUP",
    "SUMMARY_SHEET",
    "TODO_HEADERS",
    "ComplianceItem",
    "ComplianceReport",
    "ComplianceResult",
    "by_class",
    "by_teacher",
    "compliance_todo",
    "default_as_of",
    "item_order",
    "make_compliance_report",
    "teacher_label",
    "write_compliance_xlsx",
]
