"""The monthly 统计表: counted (count), laid out as the office's sheets (sheet), written as a
workbook (xlsx) or printed (pdf), and end to end with the audit entry (report).

The sheet layout is shared: the district 统计表 and the visit plan's 家访安排表 print through it.
"""

from pipeline.report.stats.count import StatsTable, compute_stats, without_groups
from pipeline.report.stats.pdf import write_sheets_pdf, write_stats_pdf
from pipeline.report.stats.report import StatsReport, make_stats_report
from pipeline.report.stats.sheet import Grid, Heading, Sheet, stats_sheets
from pipeline.report.stats.xlsx import write_sheets_xlsx, write_stats_xlsx

__all__ = [
    "Grid",
    "Heading",
    "Sheet",
    "StatsReport",
    "StatsTable",
    "compute_stats",
    "make_stats_report",
    "stats_sheets",
    "without_groups",
    "write_sheets_pdf",
    "write_sheets_xlsx",
    "write_stats_pdf",
    "write_stats_xlsx",
]
