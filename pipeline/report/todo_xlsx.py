"""The compliance to-do list and the problem ledger as the spreadsheets a school office hands in.

Each sheet: a merged title row, a line with the school and the date, a bold shaded header
with borders, frozen below the header, columns sized to their text, numbers and dates as
numbers and dates, and a 填报人 line at the foot. Files are written atomically.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.worksheet import Worksheet

from pipeline import defs
from pipeline.export.records import display_width
from pipeline.report.compliance import LEADERS_GROUP, ComplianceItem, ComplianceReport, teacher_label
from pipeline.report.ledger import LedgerItem, status_counts
from pipeline.report.stats.sheet import SIGN_BLANK, cn_date, pending_fields_note
from pipeline.workbook import save_workbook

SUMMARY_SHEET = "待办汇总"
LEDGER_SHEET = "问题台账"
TODO_HEADERS = ("序号", "班级", "责任教师", "类别", "学籍号", "学生", "说明", "期限", "逾期天数")
LEDGER_HEADERS = (
    "序号", "班级", "学生", "学籍号", "发现的问题", "四措施", "责任教师", "发现日期", "跟进期限", "跟进记录", "状态",
)
_THIN = Side(style="thin")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")
_BODY = Alignment(vertical="center", wrap_text=True)
_DATE_FORMAT = "yyyy-mm-dd"
_CELL_STYLE, _DATE_STYLE = "jiafang-cell", "jiafang-date"
_FIRST_DATA_ROW = 4  # title, info line, header


@dataclass(frozen=True)
class _Sheet:
    name: str
    title: str
    info: str
    headers: Sequence[str]
    rows: Sequence[Sequence[Any]]
    merge_runs: Sequence[int] = ()  # 0-based columns whose equal consecutive cells are merged
    notes: Sequence[str] = ()


def write_compliance_xlsx(report: ComplianceReport, out: Path) -> Path:
    """The to-do list: a summary sheet grouped by class then responsible teacher, and one
    sheet per kind (an empty kind keeps its sheet, saying there is nothing to do)."""
    info = _compliance_info(report)
    notes = [*report.notes]
    if report.pending_review:
        notes.append(f"另有 {report.pending_review} 份记录待复核，复核通过前不计为家访。")
    notes.extend(pending_fields_note(report.counted_with_pending))
    sheets = [
        _Sheet(
            SUMMARY_SHEET,
            f"{report.school}{report.class_name or ''}家访工作待办清单",
            info,
            TODO_HEADERS,
            [_todo_row(n, i, report.labels[i.kind]) for n, i in enumerate(report.items, start=1)],
            merge_runs=(1, 2),
            notes=notes,
        ),
        *(
            _Sheet(
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
    return save_workbook(_workbook(sheets), out)


def write_ledger_xlsx(
    items: Sequence[LedgerItem], out: Path, *, school: str, as_of: dt.date, scope: str, counted_with_pending: int = 0
) -> Path:
    """The 问题台账 sheet, one row per problem found, with its follow-up and status;
    ``counted_with_pending`` counted records still have other fields (a problem found among
    them) in review."""
    summary = "，".join(f"{k} {v} 项" for k, v in status_counts(items).items())
    sheet = _Sheet(
        LEDGER_SHEET,
        f"{school}家访问题台账",
        f"范围：{scope}    统计日期：{as_of:%Y-%m-%d}    共 {len(items)} 项（{summary}）",
        LEDGER_HEADERS,
        [_ledger_row(n, i) for n, i in enumerate(items, start=1)],
        merge_runs=(1,),
        notes=pending_fields_note(counted_with_pending),
    )
    return save_workbook(_workbook([sheet]), out)


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


def _ledger_row(n: int, item: LedgerItem) -> list[Any]:
    followups = "\n".join(f"{f.date:%Y-%m-%d} {f.visit_type or ''}（{f.mode or '方式未填'}）" for f in item.followups)
    return [
        n,
        item.class_name,
        item.student_name,
        item.student_no,
        item.problem,
        "、".join(item.measures),
        item.responsible or "（未登记）",
        item.opened,
        item.due,
        followups,
        item.status_label + (f"（{item.overdue_days} 天）" if item.overdue_days else ""),
    ]


def _workbook(sheets: Sequence[_Sheet]) -> Workbook:
    wb = Workbook()
    wb.remove(wb.active)
    # One named style per kind of body cell: setting border and alignment cell by cell costs
    # seconds for a school-size list.
    wb.add_named_style(NamedStyle(_CELL_STYLE, border=_BORDER, alignment=_BODY))
    wb.add_named_style(NamedStyle(_DATE_STYLE, border=_BORDER, alignment=_BODY, number_format=_DATE_FORMAT))
    for sheet in sheets:
        _fill(wb.create_sheet(sheet.name), sheet)
    return wb


def _fill(ws: Worksheet, sheet: _Sheet) -> None:
    width = len(sheet.headers)
    last = get_column_letter(width)
    ws.append([sheet.title])
    ws.merge_cells(f"A1:{last}1")
    ws["A1"].font = Font(bold=True, size=16)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = defs.TODO_TITLE_ROW_HEIGHT
    ws.append([sheet.info])
    ws.merge_cells(f"A2:{last}2")
    ws.append(list(sheet.headers))
    for cell in ws[3]:
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = _BORDER
    for row in sheet.rows:
        ws.append(list(row))
    for line in ws.iter_rows(min_row=_FIRST_DATA_ROW, max_row=ws.max_row):
        for cell in line:
            _style_cell(cell)
    if not sheet.rows:
        ws.append(["无待办事项"])
        ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=width)
    _merge_runs(ws, sheet.rows, sheet.merge_runs)
    ws.append([])
    for note in sheet.notes:
        ws.append([f"说明：{note}"])
    ws.append([f"填报人：{SIGN_BLANK}    审核人：{SIGN_BLANK}    填报日期：{cn_date(dt.date.today())}"])
    ws.freeze_panes = f"A{_FIRST_DATA_ROW}"
    ws.print_title_rows = f"{_FIRST_DATA_ROW - 1}:{_FIRST_DATA_ROW - 1}"  # the header on every printed page
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    _size_columns(ws, sheet)


def _style_cell(cell: Any) -> None:
    cell.style = _DATE_STYLE if isinstance(cell.value, dt.date) else _CELL_STYLE


def _merge_runs(ws: Worksheet, rows: Sequence[Sequence[Any]], columns: Sequence[int]) -> None:
    """Merge the runs of equal cells in ``columns`` (the office's grouping); a later column's
    runs stay inside the earlier columns' runs (a teacher's cells never span two classes)."""
    for depth, column in enumerate(columns):
        keys = [tuple(r[c] for c in columns[: depth + 1]) for r in rows]
        start = 0
        for n in range(1, len(keys) + 1):
            if n < len(keys) and keys[n] == keys[start]:
                continue
            if n - start > 1:
                _merge_column(ws, column + 1, _FIRST_DATA_ROW + start, _FIRST_DATA_ROW + n - 1)
            start = n


def _merge_column(ws: Worksheet, column: int, top: int, bottom: int) -> None:
    """Merge rows ``top``..``bottom`` of ``column``: the value stays in the top cell.

    Not ws.merge_cells: it restyles every cell of the range (seconds for a school-size list),
    and these cells already carry their borders.
    """
    for row in range(top + 1, bottom + 1):
        ws.cell(row, column).value = None
    ws.merged_cells.add(CellRange(min_col=column, min_row=top, max_col=column, max_row=bottom))


def _size_columns(ws: Worksheet, sheet: _Sheet) -> None:
    for i, header in enumerate(sheet.headers):
        texts = {header, *(_text(r[i]) for r in sheet.rows)}
        width = max(display_width(t) for t in texts)
        ws.column_dimensions[get_column_letter(i + 1)].width = min(
            max(width + 2, defs.XLSX_MIN_COLUMN_WIDTH), defs.XLSX_MAX_COLUMN_WIDTH
        )


def _text(value: Any) -> str:
    if value is None:
        return ""
    return f"{value:%Y-%m-%d}" if isinstance(value, dt.date) else str(value)
