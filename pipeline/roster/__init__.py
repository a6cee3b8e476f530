"""Roster import: read .xlsx/.csv rosters, check every row, store students and teachers."""

from pipeline.roster.importer import RosterImportReport, import_roster
from pipeline.roster.reader import RawRow, RawSheet, read_roster
from pipeline.roster.validate import RosterProblem

__all__ = ["RawRow", "RawSheet", "RosterImportReport", "RosterProblem", "import_roster", "read_roster"]
