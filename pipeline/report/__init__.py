"""Reports over the stored records: the monthly 统计表 (stats/), the compliance to-do list
(compliance/), the 台账 (ledger), all in the office's workbook (office_workbook).

Every report starts from :func:`pipeline.report.visits.load_visits` (the current version of
each returned 家访记录表); only counted records (``auto``/``verified``) count, the rest are
reported as pending review.
"""

from pipeline.report.compliance import (
    ComplianceItem,
    ComplianceReport,
    compliance_todo,
    make_compliance_report,
    write_compliance_xlsx,
)
from pipeline.report.ledger import LedgerItem, build_ledger, make_ledger_report, write_ledger_xlsx
from pipeline.report.stats import (
    StatsReport,
    StatsTable,
    compute_stats,
    make_stats_report,
    without_groups,
    write_stats_pdf,
    write_stats_xlsx,
)
from pipeline.report.visits import Visit, load_visits

__all__ = [
    "StatsReport",
    "StatsTable",
    "Visit",
    "compute_stats",
    "load_visits",
    "make_stats_report",
    "without_groups",
    "write_stats_pdf",
    "write_stats_xlsx",
    "ComplianceItem",
    "ComplianceReport",
    "LedgerItem",
    "build_ledger",
    "compliance_todo",
    "make_compliance_report",
    "make_ledger_report",
    "write_compliance_xlsx",
    "write_ledger_xlsx",
]
