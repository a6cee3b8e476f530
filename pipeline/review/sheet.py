"""Review by spreadsheet, for offices that prefer Excel/WPS to the web page.

Export: one row per field waiting for review, with the crop image embedded, the value as read,
and a 核对值 column pre-filled with it. The reviewer changes 核对值 where the paper says
otherwise, writes 无法辨认 where the ink cannot be read, and ticks 已核对 (√) for values
checked and found right. Import applies each row like the web page would, validated the same
way; a bad cell is reported with its row number and the other rows go on. A row is left
alone when nothing was changed or ticked, when the field was decided meanwhile, or when the
record got a newer version after the export.
"""

from __future__ import annotations

import io
import zipfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.drawing.image import Image as SheetImage
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from PIL import Image

from pipeline import defs
from pipeline.errors import CorrectionError, ReviewError, ReviewSheetError, StaleVersionError
from pipeline.model.audit import AuditEvent
from pipeline.review.corrections import accept_field, correct_field, mark_unreadable
from pipeline.review.queue import QueueItem, review_queue
from pipeline.roster.reader import cell_text
from pipeline.store.audit import file_sha256, log_event
from pipeline.store.records import current_record
from pipeline.store.workspace import Workspace
from pipeline.workbook import save_workbook

SHEET = "待复核"
CHECKED_MARKS = frozenset({"√", "✓", "✔", "是", "y", "yes", "1", "ok"})
UNREADABLE_WORD = "无法辨认"
# (header, column width in characters); the last three identify the field and stay as exported
COLUMNS = (
    ("序号", 6),
    ("学生", 10),
    ("班级", 14),
    ("表单", 12),
    ("字段", 12),
    ("原件图像 / 读到的文字", 44),
    ("识别值", 18),
    ("置信度", 8),
    ("说明", 24),
    ("核对值", 22),
    ("已核对", 8),
    ("表单编号", 14),
    ("字段编号", 16),
    ("版本", 6),
)
HEADERS = tuple(h for h, _ in COLUMNS)
_COL = {h: i + 1 for i, h in enumerate(HEADERS)}
_EDIT_FILL = PatternFill("solid", fgColor="FFF7D6")
_KEY_FONT = Font(color="808080")


@dataclass(frozen=True)
class RowProblem:
    row: int  # spreadsheet row number as Excel shows it
    message: str


@dataclass
class SheetImport:
    decided: Counter[str] = field(default_factory=Counter)  # accept / correction / unreadable
    untouched: int = 0  # rows neither changed nor ticked: still waiting for review
    already: int = 0  # rows whose field was decided meanwhile (web page, another sheet)
    problems: list[RowProblem] = field(default_factory=list)


def export_sheet(
    ws: Workspace,
    out: Path,
    *,
    operator: str,
    class_name: str | None = None,
    form: str | None = None,
    kind: str | None = None,
) -> int:
    """Write the review queue (filtered) to ``out``; returns the number of rows. Audit-logged."""
    items = review_queue(ws, class_name=class_name, form=form, kind=kind)
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = SHEET
    _write_header(sheet)
    for row, item in enumerate(items, start=2):
        _write_item(ws, sheet, row, item)
    _add_checked_validation(sheet, len(items))
    _write_instructions(book.create_sheet("说明"))
    save_workbook(book, out)
    with ws.session() as session:
        log_event(
            session,
            AuditEvent(
                action="export",
                operator=operator,
                scope=f"class {class_name}" if class_name else "school",
                options={"export": "review_sheet", "form": form, "kind": kind, "rows": len(items)},
                output=str(out.resolve()),
                output_sha256=file_sha256(out),
            ),
        )
    return len(items)


def import_sheet(ws: Workspace, path: Path, *, operator: str) -> SheetImport:
    """Apply the reviewer's rows of a sheet made by :func:`export_sheet`."""
    sheet = _open_sheet(path)
    result = SheetImport()
    for row_no, cells in enumerate(sheet.iter_rows(min_row=2, values_only=True), start=2):
        values = {h: cell_text(v) for h, v in zip(HEADERS, cells, strict=False)}
        if not values.get("表单编号") and not values.get("字段编号"):
            continue
        try:
            _apply_row(ws, values, operator, result)
        except ReviewError as exc:
            result.problems.append(RowProblem(row_no, _row_message(exc)))
    return result


def _write_header(sheet: Worksheet) -> None:
    sheet.append(list(HEADERS))
    for i, (_, width) in enumerate(COLUMNS, start=1):
        cell = sheet.cell(1, i)
        cell.font = Font(bold=True)
        sheet.column_dimensions[cell.column_letter].width = width
    sheet.freeze_panes = "B2"


def _write_item(ws: Workspace, sheet: Worksheet, row: int, item: QueueItem) -> None:
    values: list[Any] = [
        row - 1,
        item.student_name,
        item.class_name,
        item.form_title,
        item.label,
        "" if item.crop else item.raw,
        item.text,
        round(item.confidence, 2),
        item.message,
        item.text,
        "",
        item.form_id,
        item.field_id,
        item.version,
    ]
    for col, value in enumerate(values, start=1):
        cell = sheet.cell(row, col, value)
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    for header in ("识别值", "核对值"):
        sheet.cell(row, _COL[header]).number_format = "@"  # Excel must not turn 2025-11-03 into a date
    for header in ("核对值", "已核对"):
        sheet.cell(row, _COL[header]).fill = _EDIT_FILL
    for header in ("表单编号", "字段编号", "版本"):
        sheet.cell(row, _COL[header]).font = _KEY_FONT
    sheet.row_dimensions[row].height = defs.REVIEW_SHEET_ROW_HEIGHT_PT
    if item.crop:
        image = _crop_image(ws, item.crop)
        if image is not None:
            sheet.add_image(image, f"{sheet.cell(row, _COL['原件图像 / 读到的文字']).coordinate}")


def _crop_image(ws: Workspace, name: str) -> SheetImage | None:
    digest, _, suffix = name.partition(".")
    path = ws.files.path_of(digest, suffix)
    if not path.is_file():
        return None
    with Image.open(path) as crop:
        height = defs.REVIEW_SHEET_CROP_HEIGHT_PX
        scaled = crop.convert("RGB").resize((max(1, round(crop.width * height / crop.height)), height))
    buffer = io.BytesIO()
    scaled.save(buffer, format="PNG")
    return SheetImage(buffer)


def _add_checked_validation(sheet: Worksheet, rows: int) -> None:
    if not rows:
        return
    letter = sheet.cell(1, _COL["已核对"]).column_letter
    check = DataValidation(type="list", formula1='"√"', allow_blank=True)
    check.error = "只能填 √（已对照原件核对）或留空"
    check.add(f"{letter}2:{letter}{rows + 1}")
    sheet.add_data_validation(check)


def _write_instructions(sheet: Worksheet) -> None:
    lines = (
        "复核表使用说明",
        "1. 对照“原件图像”检查每一行：识别正确的，在“已核对”列选 √。",
        "2. 识别有误的，直接在“核对值”列改成原件上的内容（日期可写 2025年11月3日 或 2025-11-03；选项可写选项名或编号，如 1、3）。",
        "3. 原件字迹无法辨认的，在“核对值”列写“无法辨认”。",
        "4. 改过或打 √ 的行会被导入；既没改也没打 √ 的行保持待复核。",
        "5. 规则提示（如日期不在本学年）时，若原件确实如此，请在“已核对”列打 √ 后重新导入。",
        "6. 请勿修改“表单编号”“字段编号”“版本”三列。导入：jiafang review import 本文件.xlsx",
    )
    for line in lines:
        sheet.append([line])
    sheet.column_dimensions["A"].width = 110
    sheet["A1"].font = Font(bold=True, size=13)


def _open_sheet(path: Path) -> Worksheet:
    """The review sheet of ``path``, after checking the file is a sane xlsx made by export."""
    _check_container(path)
    try:
        book = openpyxl.load_workbook(path, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for damaged files
        raise ReviewSheetError(f"{path}：无法读取（{type(exc).__name__}）。请用 Excel 或 WPS 另存为 .xlsx 后再导入") from exc
    if SHEET not in book.sheetnames:
        raise ReviewSheetError(f"{path}：没有“{SHEET}”工作表，不是 jiafang review export 导出的复核表")
    sheet = book[SHEET]
    header = [cell_text(c.value) for c in sheet[1]]
    missing = [h for h in HEADERS if h not in header]
    if missing or tuple(header[: len(HEADERS)]) != HEADERS:
        raise ReviewSheetError(
            f"{path}：“{SHEET}”表的列与导出时不同（缺少或移动了：{'、'.join(missing) or '列的顺序'}）。请勿增删列，或重新导出"
        )
    return sheet


def _check_container(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (OSError, zipfile.BadZipFile) as exc:
        raise ReviewSheetError(f"{path}：不是有效的 .xlsx 文件（{exc}）。请导入 jiafang review export 导出的复核表") from exc
    total = sum(i.file_size for i in infos)
    if len(infos) > defs.DOCX_MAX_ENTRIES or total > defs.DOCX_MAX_UNCOMPRESSED:
        raise ReviewSheetError(f"{path}：解压后过大（{total / 2**20:.0f} MB），疑似压缩炸弹，已拒绝导入")


def _apply_row(ws: Workspace, values: dict[str, str], operator: str, result: SheetImport) -> None:
    typed, checked = values.get("核对值", ""), values.get("已核对", "").casefold() in CHECKED_MARKS
    decision = _decision(typed, values.get("识别值", ""), checked)
    if decision is None:
        result.untouched += 1
        return
    form_id, field_id = values.get("表单编号", ""), values.get("字段编号", "")
    version = _version(values.get("版本", ""))
    with ws.session() as session:
        record = current_record(session, form_id)
    if record is None or field_id not in record.fields:
        raise ReviewError(f"表单 {form_id} 没有字段 {field_id} 的记录，请勿修改表单编号、字段编号两列")
    if record.version == version and record.fields[field_id].status != "review":
        result.already += 1
        return
    # the decision functions refuse a version that is no longer current (StaleVersionError)
    if decision == "unreadable":
        mark_unreadable(ws, form_id, field_id, version=version, operator=operator)
    elif decision == "correction":
        correct_field(ws, form_id, field_id, typed, version=version, operator=operator, confirm=checked)
    else:
        accept_field(ws, form_id, field_id, version=version, operator=operator)
    result.decided[decision] += 1


def _version(text: str) -> int:
    if not text.isdigit():
        raise ReviewError(f"“版本”列为“{text or '空'}”，不是导出时的版本号。请勿修改表单编号、字段编号、版本三列，或重新导出复核表")
    return int(text)


def _decision(typed: str, read: str, checked: bool) -> str | None:
    """What the reviewer did on a row: None when it was neither changed nor ticked."""
    if typed == UNREADABLE_WORD:
        return "unreadable"
    if typed != read:
        return "correction"
    return "accept" if checked else None


def _row_message(exc: ReviewError) -> str:
    if isinstance(exc, CorrectionError) and exc.overridable:
        return f"{exc}（如原件确实如此，请在“已核对”列选 √ 后重新导入）"
    if isinstance(exc, StaleVersionError):
        return f"{exc}。此行未导入，请重新导出复核表"
    return str(exc)


def import_summary(result: SheetImport) -> Sequence[tuple[str, int]]:
    """(Chinese label, count) lines for the CLI's summary."""
    return (
        ("确认", result.decided["accept"]),
        ("更正", result.decided["correction"]),
        ("无法辨认", result.decided["unreadable"]),
        ("未处理（仍待复核）", result.untouched),
        ("已由他人处理", result.already),
        ("有问题的行", len(result.problems)),
    )
