"""Each input file's one outcome: scan pages rolled up into their file, and the batch's files
written out as a CSV or XLSX report."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from pipeline.errors import OutputError
from pipeline.ingest.scan_run import PageEvent
from pipeline.model.intake import FileIntake
from pipeline.workbook import csv_safe, save_workbook

__all__ = ["REPORT_HEADERS", "scan_file_intake", "write_intake_report"]

_TAKEN = ("read", "blank", "skipped", "duplicate")  # a page whose content was taken in or knowingly set aside
REPORT_HEADERS = ("文件", "结果", "原因", "表单编号", "页数", "已读的页")


def scan_file_intake(path: Path, digest: str, events: Sequence[PageEvent]) -> FileIntake:
    """One scan file's outcome from its pages' events (``events`` are the file's own).

    A file that could not be opened, none of whose pages could be decoded, or that is a picture
    of anything but our form, is refused; one that broke off or has pages that could not be
    decoded is incomplete (naming the pages read and not read); a page that needs a person
    makes the file quarantined; otherwise read, a duplicate, blank or already read.
    """
    pages = {e.index: e for e in events if e.index is not None}
    broke = [e for e in events if e.index is None and e.outcome in ("refused", "incomplete")]
    taken = sorted(i + 1 for i, e in pages.items() if e.outcome in _TAKEN)
    lost = [e for e in pages.values() if e.outcome == "unreadable"]
    held = [e for e in pages.values() if e.outcome == "quarantined"]
    form_ids = tuple(sorted({e.form_id for e in pages.values() if e.form_id}))
    count = len(pages)
    if not pages:
        return FileIntake(str(path), "refused", broke[0].message if broke else f"{path}：文件中没有可读的页面", digest)
    if lost and not taken and not held and not broke:
        return FileIntake(str(path), "refused", _by_reason(path, lost), digest, (), count)
    if broke or lost:
        read = f"已读第 {_page_list(taken)} 页" if taken else "没有读到任何一页"
        reason = f"{path}：文件不完整，{read}；" + "；".join([_by_reason(path, [*lost, *held]), *(e.message for e in broke)])
        return FileIntake(str(path), "incomplete", reason, digest, form_ids, count, tuple(taken))
    refused = [e for e in pages.values() if e.outcome == "refused"]
    if len(refused) == count:  # a picture that is no form of ours
        return FileIntake(str(path), "refused", _by_reason(path, refused), digest, (), count)
    outcome, reason = _rolled_up(path, pages, held)
    return FileIntake(str(path), outcome, reason, digest, form_ids, count, tuple(taken))


def _rolled_up(path: Path, pages: dict[int, PageEvent], held: list[PageEvent]) -> tuple[str, str]:
    outcomes = {e.outcome for e in pages.values()}
    if held:
        return "quarantined", _by_reason(path, held)
    if "read" in outcomes:
        return "read", "；".join(e.message for e in pages.values() if e.outcome == "read" and e.message)
    if outcomes == {"skipped"}:
        return "already_read", f"{path}：每一页都已在此前的读入中读过"
    blank = [e for e in pages.values() if e.outcome == "blank"]
    if blank:
        return "blank", _by_reason(path, blank)
    return "duplicate", _by_reason(path, [e for e in pages.values() if e.outcome == "duplicate"])


def _by_reason(path: Path, events: Sequence[PageEvent]) -> str:
    """Page events as "path 第 1、3 页：reason", one clause per distinct reason."""
    pages: dict[str, list[int]] = {}
    for e in sorted(events, key=lambda e: e.index or 0):
        index = e.index or 0
        reason = e.message.removeprefix(f"{path} 第 {index + 1} 页：")
        pages.setdefault(reason, []).append(index + 1)
    return "；".join(f"{path} 第 {_page_list(numbers)} 页：{reason}" for reason, numbers in pages.items())


def _page_list(pages: Sequence[int]) -> str:
    return "、".join(map(str, pages))


def write_intake_report(files: Sequence[FileIntake], out: Path) -> Path:
    """Every file with its outcome and reason, as ``.csv`` (UTF-8 with BOM, opens in Excel) or
    ``.xlsx``. Raises OutputError for another suffix or an unwritable path."""
    rows = [_row(f) for f in files]
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise OutputError(f"{out}：读入报告只能是 .csv 或 .xlsx 文件，请换一个文件名")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        if suffix == ".csv":
            with out.open("w", encoding="utf-8-sig", newline="") as fh:
                csv.writer(fh).writerows([REPORT_HEADERS, *([csv_safe(c) for c in row] for row in rows)])
        else:
            _write_xlsx(rows, out)
    except OSError as exc:
        raise OutputError(f"{out}：无法写入读入报告（目录不存在、没有权限，或文件正在 Excel 中打开）。请关闭该文件或换一个位置") from exc
    return out


def _row(f: FileIntake) -> tuple[str, ...]:
    return (f.path, f.label, f.reason, "、".join(f.form_ids), "" if f.pages is None else str(f.pages), _page_list(f.pages_read))


def _write_xlsx(rows: list[tuple[str, ...]], out: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "读入结果"
    for row in [REPORT_HEADERS, *rows]:
        sheet.append(row)
    for column, width in zip("ABCDEF", (50, 10, 80, 14, 6, 14)):
        sheet.column_dimensions[column].width = width
    save_workbook(book, out)
