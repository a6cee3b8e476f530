"""The 统计表 as the office hands it in: titles, merged headings, cells and notes.

One description serves both outputs (xlsx and the printed PDF), so they cannot disagree. A
cell is text, an ``int`` (a count) or a ``float`` (a rate 0..1, shown as a percentage).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pipeline.report.office_workbook import cn_date, cn_month, signature
from pipeline.report.stats.count import TOTAL, ClassRow, DateRange, StatsTable, Tally
from pipeline.report.visits import pending_fields_note

Cell = str | int | float

FIXED_PERIOD_COLUMNS = 6  # per period: 人, 人次, two rates, two ledger counts (then one per mode)
WIDE, NUMBER, NAME = 14.0, 7.0, 12.0  # column widths in Excel character units


@dataclass(frozen=True)
class Heading:
    """One header cell, spanning ``rows`` × ``cols`` from (row, col) of the header block;
    a newline in ``text`` is a line break."""

    text: str
    row: int
    col: int
    rows: int = 1
    cols: int = 1


@dataclass(frozen=True)
class Grid:
    caption: str  # printed above the table; "" for none
    headings: tuple[Heading, ...]
    header_rows: int
    widths: tuple[float, ...]  # Excel character units; the PDF scales them to the page
    rows: tuple[tuple[Cell, ...], ...]
    total_rows: int  # the last rows printed bold


@dataclass(frozen=True)
class Sheet:
    name: str  # worksheet name
    title: str
    info: tuple[str, ...]  # 填报单位 / 统计时间 / 单位
    grids: tuple[Grid, ...]
    notes: tuple[str, ...]
    signature: str  # 填报人 … 审核人 … 填报日期


def stats_sheets(table: StatsTable, *, filled_on: dt.date) -> tuple[Sheet, ...]:
    """The sheets of the 统计表: the main table, special groups (if included), teachers."""
    foot = signature(filled_on)
    info = (f"填报单位：{table.school}", f"统计时间：{cn_month(table.month_range.start)}", "单位：人、人次")
    scope = f"{table.class_name} " if table.class_name else ""
    month = cn_month(table.month_range.start)
    sheets = [
        Sheet("统计表", f"{table.school} {scope}家访工作统计表（{month}）", info, (_main_grid(table),), _notes(table), foot)
    ]
    if table.groups_included:
        sheets.append(
            Sheet("特殊群体", f"{table.school} {scope}特殊群体学生家访情况（{month}）", info, (_group_grid(table),), (), foot)
        )
    sheets.append(
        Sheet(
            "教师参与",
            f"{table.school} {scope}教师参与家访情况（{month}）",
            info,
            (_role_grid(table), _leader_grid(table)),
            (),
            foot,
        )
    )
    return tuple(sheets)


def cell_text(value: Cell) -> str:
    """A cell as printed: counts as digits, rates as percentages with one decimal."""
    if isinstance(value, float):
        return f"{value:.1%}"
    return str(value)


def _main_grid(table: StatsTable) -> Grid:
    return tally_grid("班级", (*table.classes, table.total), table.modes, table.month_range.start, table.year_range)


def tally_grid(first: str, rows: tuple[ClassRow, ...], modes: tuple[str, ...], month: dt.date, year: DateRange) -> Grid:
    """The main table: one line per ``rows`` (classes, or schools in the district table; the
    last is the total) headed ``first``, with the month's and the school year's tallies."""
    periods = (f"本月（{cn_month(month)}）", f"本学年累计（{cn_date(year.start)}至{cn_date(year.end)}）")
    width = FIXED_PERIOD_COLUMNS + len(modes)
    headings = [Heading(first, 0, 0, rows=3), Heading("学生数", 0, 1, rows=3)]
    for i, label in enumerate(periods):
        headings += _period_headings(label, 2 + i * width, modes)
    widths = (WIDE, NUMBER) + (NUMBER,) * (2 * width)
    return Grid("", tuple(headings), 3, widths, tuple(class_cells(r) for r in rows), total_rows=1)


def _period_headings(label: str, col: int, modes: tuple[str, ...]) -> list[Heading]:
    after = col + 2 + len(modes)
    return [
        Heading(label, 0, col, cols=FIXED_PERIOD_COLUMNS + len(modes)),
        Heading("走访\n学生数", 1, col, rows=2),
        Heading("家访\n人次", 1, col + 1, rows=2),
        Heading("其中：按家访方式（人次）", 1, col + 2, cols=len(modes)),
        *(Heading(_two_lines(m), 2, col + 2 + i) for i, m in enumerate(modes)),
        Heading("覆盖率", 1, after, rows=2),
        Heading("入户率", 1, after + 1, rows=2),
        Heading("台账问题", 1, after + 2, cols=2),
        Heading("新增", 2, after + 2),
        Heading("办结", 2, after + 3),
    ]


def class_cells(row: ClassRow) -> tuple[Cell, ...]:
    return (row.class_name, row.students, *_tally_cells(row.month), *_tally_cells(row.year))


def _two_lines(label: str) -> str:
    """A short heading broken where a reader would break it: before "(", else in the middle."""
    cut = label.find("(")
    if cut <= 0:
        cut = len(label) // 2 if len(label) >= 4 else 0
    return f"{label[:cut]}\n{label[cut:]}" if cut else label


def _tally_cells(t: Tally) -> tuple[Cell, ...]:
    return (t.visited, t.visits, *t.by_mode, t.coverage, t.home_rate, t.ledger_opened, t.ledger_closed)


def _group_grid(table: StatsTable) -> Grid:
    headings = tuple(Heading(t, 0, i) for i, t in enumerate(("群体", "应访（人）", "已访（人）", "未访（人）")))
    rows = tuple(
        (f"{TOTAL}（去重）" if g.group == TOTAL else g.group, g.expected, g.visited, g.missing) for g in table.groups
    )
    caption = f"特殊群体学生{table.home_mode}情况（{table.group_period}，截至{cn_date(table.month_range.end)}）"
    return Grid(caption, headings, 1, (WIDE, NAME, NAME, NAME), rows, total_rows=1)


def _role_grid(table: StatsTable) -> Grid:
    labels = ("职务", "教师数（人）", "本月参与（人）", "本学年累计参与（人）")
    headings = tuple(Heading(t, 0, i) for i, t in enumerate(labels))
    rows = tuple((r.role, r.teachers, r.month, r.year) for r in table.roles)
    return Grid("教师参与情况（在有效记录中署名的教师）", headings, 1, (WIDE, NAME, NAME, WIDE), rows, total_rows=1)


def _leader_grid(table: StatsTable) -> Grid:
    labels = ("工号", "姓名", "职务", "本月（人次）", "本学年累计（人次）", "年度任务（人次）", "完成情况")
    headings = tuple(Heading(t, 0, i) for i, t in enumerate(labels))
    rows = tuple(
        (r.teacher_no, r.name, r.role, r.month, r.year, r.quota, "完成" if r.done else "未完成") for r in table.leaders
    )
    widths = (NAME, NAME, NAME, NAME, WIDE, WIDE, NAME)
    return Grid("校领导、中层家访任务完成情况（全校）", headings, 1, widths, rows, total_rows=0)


def _notes(table: StatsTable) -> tuple[str, ...]:
    pending = (
        f"另有 {table.pending_review} 份记录待复核，未计入。" if table.pending_review else "没有待复核的记录，所有记录均已计入。"
    )
    notes = [
        pending,
        *pending_fields_note(table.counted_with_pending),
        "说明：家访记录的学生、日期、方式、类型和四措施均为“自动通过”或“已核实”即计入；走访学生数按人计，家访人次按次计。",
        f"覆盖率＝走访学生数÷学生数；入户率＝有{table.home_mode}的学生数÷学生数。",
        "台账问题：记录中填有“发现的问题”即为新增；此后同一学生有回访，或在跟进期限内再次家访，即为办结。",
    ]
    if not table.groups_included:
        notes.append("特殊群体统计属敏感信息，外发版本未列出。")
    return tuple(notes)
