"""Normalisation and validation: a reader's raw values become a record's checked values."""

from pipeline.validate.context import ValidationContext
from pipeline.validate.dates import parse_date, parse_time_range
from pipeline.validate.normalise import Normalised, normalise, raw_text
from pipeline.validate.record import to_record
from pipeline.validate.rules import RULES, check_form_rules

__all__ = [
    "RULES",
    "Normalised",
    "ValidationContext",
    "check_form_rules",
    "normalise",
    "parse_date",
    "parse_time_range",
    "raw_text",
    "to_record",
]
