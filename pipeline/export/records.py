"""Export records as JSON (the contract), CSV or XLSX (one row per record, Chinese headers).

JSON is a list of ``Record.as_json()``. CSV and XLSX have the record's identity and status,
then one column per field of the form definition headed by its label, then the labels of the
fields still waiting for review. Records of several forms go to one XLSX sheet per form, or
one CSV file per form (``<stem>_<form>.csv``). ``outward`` prepares files that leave the
school: phone and ID numbers masked, fields declared ``outward: withheld`` left out.
"""

from __future__ import annotations

import csv
import json
import unicodedata
from collections.abc import Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.access import require_current
from pipeline import defs
from pipeline.atomic import atomic_write
from pipeline.errors import ExportError
from pipeline.export.mask import mask_number, mask_text, mask_value
from pipeline.model.form import FieldDef, FormDef, load_form
from pipeline.model.record import FieldValue, Record, value_text
from pipeline.workbook import csv_safe, save_workbook

if TYPE_CHECKING:
    from openpyxl import Workbook

FORMATS = ("json", "csv", "xlsx")
STATUS_LABELS = {"auto": "自动通过", "review": "待复核", "verified": "已核实"}
BASE_HEADERS = ("表单编号", "表单", "学籍号", "姓名", "班级", "版本", "状态")
REVIEW_HEADER = "待复核字段"
# Pre-filled fields whose values the base columns already show.
_IN_BASE_COLUMNS = frozenset({"form.id", "student.name", "student.student_no", "student.class_name"})

Table = tuple[list[str], list[list[Any]]]


def export_records(
    records: Sequence[Record],
    *,
    fmt: str,
    out: Path,
    outward: bool = False,
    include_sensitive: bool = False,
) -> list[Path]:
    """Write ``records`` to ``out`` in ``fmt``; returns the files written (several for a CSV
    export of more than one form)."""
    require_current("export")
    if fmt not in FORMATS:
        raise ExportError(f"不支持的导出格式 {fmt!r}（可用：{'、'.join(FORMATS)}）")
    sensitive = include_sensitive or not outward
    prepared = [prepare_record(r, outward=outward, sensitive=sensitive) for r in records]
    if fmt == "json":
        data = json.dumps([r.as_json() for r in prepared], ensure_ascii=False, indent=1)
        return [atomic_write(out, lambda tmp: tmp.write_text(data, encoding="utf-8"))]
    tables = [(form, record_table(form, rs, sensitive=sensitive)) for form, rs in _by_form(prepared)]
    if fmt == "xlsx":
        sheets = {form.title: table for form, table in tables} or {"记录": _empty_table()}
        return [save_workbook(_xlsx_book(sheets), out)]
    if len(tables) <= 1:
        table = tables[0][1] if tables else _empty_table()
        return [atomic_write(out, partial(_write_csv, table))]
    return [
        atomic_write(out.with_name(f"{out.stem}_{form.id}{out.suffix}"), partial(_write_csv, table))
        for form, table in tables
    ]


def student_name(record: Record) -> str:
    """The student's name as pre-filled on the form (what the record says, not the roster)."""
    fv = load_form(record.form).by_role(record.fields, "student")
    return str(fv.value) if fv is not None and fv.value is not None else ""


def review_labels(record: Record, form: FormDef) -> list[str]:
    """Labels of the record's fields waiting for review, in the form's order."""
    return [f.label for f in form.fields if f.id in record.fields and record.fields[f.id].status == "review"]


def record_table(form: FormDef, records: Sequence[Record], *, sensitive: bool = True) -> Table:
    """Header and rows of one form's records for CSV and XLSX (without the columns of
    sensitive fields unless ``sensitive``)."""
    columns = [f for f in form.fields if f.prefill not in _IN_BASE_COLUMNS and (sensitive or not f.withheld)]
    headers = [*BASE_HEADERS, *(f.label for f in columns), REVIEW_HEADER]
    rows = [
        [
            r.form_id,
            form.title,
            r.student_no,
            student_name(r),
            r.class_name,
            r.version,
            STATUS_LABELS[r.status],
            *(cell_text(r.fields.get(f.id)) for f in columns),
            "、".join(review_labels(r, form)),
        ]
        for r in records
    ]
    return headers, rows


def cell_text(fv: FieldValue | None) -> str:
    """A value as one spreadsheet cell: lists joined with 、, signatures 是/否, None empty."""
    return value_text(fv.value) if fv is not None else ""


def prepare_record(record: Record, *, outward: bool, sensitive: bool) -> Record:
    """The record as exported: fields in the form's order, sensitive ones only if asked for;
    phone and ID numbers masked when ``outward``."""
    form = load_form(record.form)
    keep = [f for f in form.fields if f.id in record.fields and (sensitive or not f.withheld)]
    fields = {f.id: record.fields[f.id] for f in keep}
    if not outward:
        return replace(record, fields=fields)
    masked = {f.id: _masked(fields[f.id], f) for f in keep}
    return replace(record, student_no=mask_text(record.student_no), fields=masked)


def _masked(fv: FieldValue, field: FieldDef) -> FieldValue:
    """Numbers masked in any text; a field the form declares ``outward: masked`` as a number."""
    if field.masked and isinstance(fv.value, str):
        return replace(fv, value=mask_number(fv.value), raw=mask_number(fv.raw))
    return replace(fv, value=mask_value(fv.value), raw=mask_text(fv.raw))


def _by_form(records: Sequence[Record]) -> list[tuple[FormDef, list[Record]]]:
    groups: dict[str, list[Record]] = {}
    for r in records:
        groups.setdefault(r.form, []).append(r)
    return [(load_form(form_id), rs) for form_id, rs in groups.items()]


def _empty_table() -> Table:
    return [*BASE_HEADERS, REVIEW_HEADER], []


def _write_csv(table: Table, path: Path) -> None:
    headers, rows = table
    # BOM: Excel on Windows opens a UTF-8 CSV as GBK without it.
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(headers)
        writer.writerows([[csv_safe(v) for v in row] for row in rows])


def _xlsx_book(tables: dict[str, Table]) -> Workbook:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    for title, (headers, rows) in tables.items():
        ws = wb.create_sheet(title)
        ws.append(headers)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append(row)
        ws.freeze_panes = "A2"
        for i, header in enumerate(headers, start=1):
            width = max([display_width(header), *(display_width(str(r[i - 1])) for r in rows)])
            ws.column_dimensions[get_column_letter(i)].width = min(
                max(width + 2, defs.XLSX_MIN_COLUMN_WIDTH), defs.XLSX_MAX_COLUMN_WIDTH
            )
    return wb


def display_width(text: str) -> int:
    """Width in Excel character units: CJK characters take two."""
    longest = max(text.split("\n"), key=len, default="")
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in longest)
