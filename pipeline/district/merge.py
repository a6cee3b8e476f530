"""``jiafang report merge``: the district table from the 统计表 workbooks schools send by e-mail.

Each workbook is checked before it counts: it opens as an xlsx, its 统计表 sheet names a
school registered in this workspace and the month, its headings are exactly those
``jiafang report stats`` writes for that school's profile, every cell is a number, each
row's 人次 by mode add up to its 人次, and the classes add up to the 合计 row. A workbook
that fails is named with its reason and left out; the batch goes on. Of two workbooks of one
school the first (in the order given) is kept; the month is ``month`` or, when not given,
the one most workbooks state.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import zipfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.worksheet.worksheet import Worksheet

from pipeline import defs
from pipeline.scope.access import check_scope
from pipeline.scope.schools import school_policy
from pipeline.district.sheet import write_district_xlsx
from pipeline.district.table import DistrictTable, Reported, SchoolReport, district_table, policy_quotas
from pipeline.errors import ReportError
from pipeline.model.audit import AuditEvent, default_operator
from pipeline.model.form import load_form
from pipeline.model.policy import VISIT_FORM, Policy
from pipeline.report.office_workbook import cn_month
from pipeline.report.stats.count import TOTAL, ClassRow, DateRange, GroupRow, LeaderRow, Tally, month_in_school_year, visit_modes
from pipeline.report.stats.sheet import tally_grid
from pipeline.store import schools as school_store
from pipeline.store.audit import file_sha256, log_event
from pipeline.store.schools import School
from pipeline.store.workspace import Workspace

MAIN_SHEET, GROUP_SHEET, TEACHER_SHEET = "统计表", "特殊群体", "教师参与"
_INFO = re.compile(r"填报单位：(?P<school>.+?)\u3000\u3000统计时间：(?P<year>\d{4})年(?P<month>\d{1,2})月")
_PENDING = re.compile(r"另有 (\d+) 份记录待复核")
_HEADER_TOP = 3  # the first heading row of the main table (title, then the 填报单位 line)


@dataclass(frozen=True)
class MergedFile:
    path: Path
    school: str  # the school's label when its 填报单位 was read, else ""
    month: str  # "YYYY-MM" as the workbook states it, else ""
    reason: str  # why it was left out; "" when it counts

    @property
    def accepted(self) -> bool:
        return not self.reason


@dataclass(frozen=True)
class MergeResult:
    table: DistrictTable
    files: tuple[MergedFile, ...]
    path: Path
    sha256: str


class _Rejected(Exception):
    """One workbook cannot count; the message says why, in Chinese."""


@dataclass(frozen=True)
class _Read:
    school: School
    month: str
    reported: Reported


def merge_stats_workbooks(
    ws: Workspace,
    paths: Sequence[Path],
    *,
    out: Path,
    month: str | None = None,
    operator: str | None = None,
    filled_on: dt.date | None = None,
) -> MergeResult:
    """Check every workbook of ``paths``, then write the district table of those that pass to ``out``."""
    if out.suffix.lower() != ".xlsx":
        raise ReportError(f"{out}：区统计表只能写成 .xlsx，请换一个文件名后缀。")
    who = operator or default_operator()
    with ws.session() as session:
        check_scope(session, who, None)
        schools = school_store.list_schools(session)
    policies = {s.code: school_policy(ws, s) for s in schools}
    by_name = {s.name: s for s in schools}
    read: list[tuple[Path, _Read | str]] = [(p, _read_or_reason(p, by_name, policies)) for p in paths]
    wanted = month or _most_common_month([r for _, r in read if isinstance(r, _Read)])
    files, kept = _judge(read, wanted)
    month_range = month_in_school_year(wanted, ws.policy)
    reports = [SchoolReport(s.code, s.name, kept.get(s.code), policy_quotas(policies[s.code])) for s in schools]
    year = DateRange(ws.policy.school_year.start, month_range.end)
    table = district_table(reports, district=ws.policy.school.district or "全区", month=month_range, year=year)
    path = write_district_xlsx(table, out, filled_on=filled_on).resolve()
    digest = file_sha256(path)
    options = {"report": "merge", "month": table.month, "files": len(files), "rejected": sum(not f.accepted for f in files)}
    with ws.session() as session:
        log_event(session, AuditEvent("report", who, "district", options, str(path), digest))
    return MergeResult(table, tuple(files), path, digest)


def _read_or_reason(path: Path, by_name: dict[str, School], policies: dict[str, Policy]) -> _Read | str:
    try:
        return _read_workbook(path, by_name, policies)
    except _Rejected as exc:
        return str(exc)


def _most_common_month(read: Sequence[_Read]) -> str:
    if not read:
        raise ReportError("没有一个统计表通过检查，无法汇总：请按上面列出的原因让学校改正后重新报送，或用 --month 指定月份。")
    return Counter(r.month for r in read).most_common(1)[0][0]


def _judge(read: Sequence[tuple[Path, _Read | str]], month: str) -> tuple[list[MergedFile], dict[str, Reported]]:
    """Each file's outcome; the reports kept by school code (the first workbook of each school)."""
    files: list[MergedFile] = []
    kept: dict[str, Reported] = {}
    first: dict[str, Path] = {}
    for path, r in read:
        if isinstance(r, str):
            files.append(MergedFile(path, "", "", r))
            continue
        reason = ""
        if r.month != month:
            reason = f"统计月份是 {r.month}，不是本次汇总的 {month}：请学校报送 {month} 的统计表。"
        elif r.school.code in first:
            reason = f"与 {first[r.school.code].name} 同为{r.school.label}的统计表，已采用前一个；如这份才对，请删去前一个后重新汇总。"
        else:
            first[r.school.code] = path
            kept[r.school.code] = r.reported
        files.append(MergedFile(path, r.school.label, r.month, reason))
    return files, kept


# --- one workbook ----------------------------------------------------------------------------


def _read_workbook(path: Path, by_name: dict[str, School], policies: dict[str, Policy]) -> _Read:
    book = _open(path)
    if MAIN_SHEET not in book.sheetnames:
        raise _Rejected(f"没有“{MAIN_SHEET}”工作表（有：{'、'.join(book.sheetnames)}），不是 jiafang report stats 写出的统计表。")
    sheet = book[MAIN_SHEET]
    school, month = _school_and_month(sheet, by_name)
    policy = policies[school.code]
    try:
        month_range = month_in_school_year(month, policy)
    except ReportError as exc:
        raise _Rejected(str(exc)) from exc
    modes = visit_modes(load_form(VISIT_FORM))
    title = f"{school.name} 家访工作统计表（{cn_month(month_range.start)}）"
    if _text(sheet.cell(1, 1).value) != title:
        raise _Rejected(f"标题是“{_text(sheet.cell(1, 1).value)}”，应为“{title}”：请报送全校的统计表（不要只报一个班）。")
    year = DateRange(policy.school_year.start, month_range.end)
    _check_headings(sheet, tally_grid("班级", (), modes, month_range.start, year).headings)
    classes, total, after = _rows(sheet, len(modes))
    _check_sums(classes, total, len(modes))
    reported = Reported(total, _pending(sheet, after), _groups(book), _leaders(book), modes)
    return _Read(school, month, reported)


def _open(path: Path) -> Any:
    try:
        return openpyxl.load_workbook(path, data_only=True)
    except (OSError, zipfile.BadZipFile, KeyError, ValueError, TypeError) as exc:
        raise _Rejected(f"无法作为 Excel 工作簿打开（{type(exc).__name__}）：请确认文件完整且是 .xlsx（旧版 .xls 请另存为 .xlsx）。") from exc


def _school_and_month(sheet: Worksheet, by_name: dict[str, School]) -> tuple[School, str]:
    info = _INFO.search(_text(sheet.cell(2, 1).value))
    if info is None:
        raise _Rejected("第 2 行没有“填报单位：…　　统计时间：…年…月”：不是 jiafang report stats 写出的统计表，或表头被改动。")
    school = by_name.get(info["school"])
    if school is None:
        known = "、".join(by_name) or "（无）"
        raise _Rejected(f"填报单位“{info['school']}”不是本工作区登记的学校（已登记：{known}）：请核对学校名称，或先登记该校。")
    return school, f"{info['year']}-{int(info['month']):02d}"


def _check_headings(sheet: Worksheet, headings: Sequence[Any]) -> None:
    for h in headings:
        row, col = _HEADER_TOP + h.row, 1 + h.col
        found = _text(sheet.cell(row, col).value)
        if found != h.text:
            raise _Rejected(
                f"表头第 {row} 行第 {col} 列应为“{h.text}”，实为“{found}”：统计表格式被改动，请重新用 jiafang report stats 导出。"
            )


def _rows(sheet: Worksheet, modes: int) -> tuple[list[ClassRow], ClassRow, int]:
    """The class rows, the 合计 row and the row after it."""
    width = 2 + 2 * (6 + modes)
    classes: list[ClassRow] = []
    for r in range(_HEADER_TOP + 3, sheet.max_row + 1):
        name = _text(sheet.cell(r, 1).value)
        if not name:
            break
        row = _class_row(name, [sheet.cell(r, c).value for c in range(2, width + 1)], r, modes)
        if name == TOTAL:
            return classes, row, r + 1
        classes.append(row)
    raise _Rejected("没有“合计”行：统计表被改动或不完整，请重新导出。")


def _class_row(name: str, cells: list[Any], row: int, modes: int) -> ClassRow:
    for i, value in enumerate(cells):
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise _Rejected(f"第 {row} 行（{name}）第 {i + 2} 列“{_text(value)}”不是数字：请填写数字，或重新导出。")
    students = int(cells[0])
    half = 6 + modes
    return ClassRow(name, students, _tally(cells[1 : 1 + half], students, row), _tally(cells[1 + half :], students, row))


def _tally(cells: list[Any], students: int, row: int) -> Tally:
    visited, visits, *rest = cells
    by_mode, (coverage, home_rate, opened, closed) = rest[:-4], rest[-4:]
    if sum(by_mode) != visits:
        raise _Rejected(f"第 {row} 行：按家访方式的人次之和 {sum(by_mode)} 不等于家访人次 {visits}。")
    if students and not math.isclose(coverage, visited / students, abs_tol=defs.DISTRICT_RATE_TOLERANCE):
        raise _Rejected(f"第 {row} 行：覆盖率 {coverage:.1%} 与走访学生数 {visited}÷学生数 {students} 不符。")
    home = round(home_rate * students)
    return Tally(int(visited), int(visits), tuple(int(m) for m in by_mode), home, coverage, home_rate, int(opened), int(closed))


def _check_sums(classes: list[ClassRow], total: ClassRow, modes: int) -> None:
    """The classes add up to the 合计 row in every count (students are each in one class)."""
    rows = [_counts(r, modes) for r in classes]
    for label, value in _counts(total, modes).items():
        added = sum(row[label] for row in rows)
        if added != value:
            raise _Rejected(f"“合计”行与各班之和不符（{label}：各班相加为 {added}，合计行为 {value}）：请核对后重新导出。")


def _counts(row: ClassRow, modes: int) -> dict[str, int]:
    """Every count of ``row`` by its label, in the order the check reports them."""
    counts = {"学生数": row.students}
    for period, tally in (("本月", row.month), ("本学年累计", row.year)):
        counts |= {
            f"{period}走访学生数": tally.visited,
            f"{period}家访人次": tally.visits,
            f"{period}台账新增": tally.ledger_opened,
            f"{period}台账办结": tally.ledger_closed,
            **{f"{period}第 {i + 1} 种方式人次": tally.by_mode[i] for i in range(modes)},
        }
    return counts


def _pending(sheet: Worksheet, start: int) -> int:
    for r in range(start, sheet.max_row + 1):
        if found := _PENDING.search(_text(sheet.cell(r, 1).value)):
            return int(found.group(1))
    return 0


def _groups(book: Any) -> tuple[GroupRow, ...]:
    """The 特殊群体 sheet's rows (none when the school's table left them out)."""
    if GROUP_SHEET not in book.sheetnames:
        return ()
    rows = _table_after(book[GROUP_SHEET], "群体")
    try:
        return tuple(GroupRow(TOTAL if name.startswith(TOTAL) else name, int(c[0]), int(c[1])) for name, c in rows)
    except (TypeError, ValueError, IndexError) as exc:
        raise _Rejected(f"“{GROUP_SHEET}”表中有不是数字的人数：请重新导出。") from exc


def _leaders(book: Any) -> tuple[LeaderRow, ...]:
    if TEACHER_SHEET not in book.sheetnames:
        return ()
    rows = _table_after(book[TEACHER_SHEET], "工号")
    try:
        return tuple(LeaderRow(no, str(c[0]), str(c[1]), int(c[2]), int(c[3]), int(c[4])) for no, c in rows)
    except (TypeError, ValueError, IndexError) as exc:
        raise _Rejected(f"“{TEACHER_SHEET}”表中有不是数字的人次：请重新导出。") from exc


def _table_after(sheet: Worksheet, heading: str) -> list[tuple[str, list[Any]]]:
    """The rows under the heading row whose first cell is ``heading``, until a blank first cell."""
    found: list[tuple[str, list[Any]]] = []
    inside = False
    for row in sheet.iter_rows(values_only=True):
        first = _text(row[0]) if row else ""
        if inside and not first:
            break
        if inside:
            found.append((first, list(row[1:])))
        inside = inside or first == heading
    return found


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()
