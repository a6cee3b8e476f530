"""The district 统计表 as sheets (pipeline.report.stats.sheet's layout, written by its xlsx
writer): schools with the district total, special groups by school, leaders' quotas by school."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pipeline.district.table import DistrictTable
from pipeline.report.office_workbook import SIGN_BLANK, cn_date, cn_month
from pipeline.report.stats.count import TOTAL
from pipeline.report.stats.sheet import NAME, NUMBER, WIDE, Grid, Heading, Sheet, tally_grid
from pipeline.report.stats.xlsx import write_sheets_xlsx


def write_district_xlsx(table: DistrictTable, out: Path, *, filled_on: dt.date | None = None) -> Path:
    """Write the district table to ``out`` (atomically); ``filled_on`` is the 填报日期 (today)."""
    return write_sheets_xlsx(district_sheets(table, filled_on=filled_on or dt.date.today()), out)


def district_sheets(table: DistrictTable, *, filled_on: dt.date) -> tuple[Sheet, ...]:
    month = cn_month(table.month_range.start)
    info = (f"填报单位：{table.district}", f"统计时间：{month}", "单位：人、人次")
    signature = f"填报人：{SIGN_BLANK}    审核人：{SIGN_BLANK}    填报日期：{cn_date(filled_on)}"
    main = tally_grid("学校", (*table.schools, table.total), table.modes, table.month_range.start, table.year_range)
    return (
        Sheet("区统计表", f"{table.district} 家访工作统计表（{month}）", info, (main,), _notes(table), signature),
        Sheet("特殊群体", f"{table.district} 特殊群体学生家访情况（{month}）", info, (_group_grid(table),), (), signature),
        Sheet("任务完成", f"{table.district} 校领导、中层家访任务完成情况（{month}）", info, (_quota_grid(table),), (), signature),
    )


def _notes(table: DistrictTable) -> tuple[str, ...]:
    missing = f"未报送的学校（{len(table.missing)} 所）：{'、'.join(table.missing)}。" if table.missing else "各校均已报送。"
    return (
        missing,
        "合计只含已报送的学校；覆盖率、入户率按合计的人数重新计算。",
        f"另有 {table.pending_review} 份记录待复核，未计入。" if table.pending_review else "已报送学校没有待复核的记录。",
        "各校一行即该校统计表的“合计”行，计数规则与学校统计表相同；本表只有计数，不含学生个人信息。",
    )


def _group_grid(table: DistrictTable) -> Grid:
    labels = ("学校", "群体", "应访（人）", "已访（人）", "未访（人）", "覆盖率")
    headings = tuple(Heading(t, 0, i) for i, t in enumerate(labels))
    rows = tuple(
        ("全区" if g.school == TOTAL else g.school, f"{TOTAL}（去重）" if g.group == TOTAL else g.group,
         g.expected, g.visited, g.expected - g.visited, g.rate)
        for g in table.groups
    )
    district_lines = sum(g.school == TOTAL for g in table.groups)
    caption = "特殊群体学生入户家访情况（各校按本校政策配置的群体与周期统计）"
    return Grid(caption, headings, 1, (WIDE, WIDE, NAME, NAME, NAME, NUMBER), rows, total_rows=district_lines)


def _quota_grid(table: DistrictTable) -> Grid:
    labels = ("学校", "职务", "年度任务（人次/人）", "人数", "已完成（人）", "未完成（人）", "本学年累计（人次）")
    headings = tuple(Heading(t, 0, i) for i, t in enumerate(labels))
    rows = tuple((q.school, q.role, q.quota, q.leaders, q.done, q.leaders - q.done, q.visits) for q in table.quotas)
    caption = "校领导、中层家访任务（各校按本校政策配置的任务数）"
    return Grid(caption, headings, 1, (WIDE, NAME, WIDE, NUMBER, NAME, NAME, WIDE), rows, total_rows=0)
