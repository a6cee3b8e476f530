"""Exports of records for people and other systems: JSON, CSV and XLSX, masked when outward."""

from pipeline.export.mask import mask_number, mask_text, mask_value
from pipeline.export.records import (
    FORMATS,
    STATUS_LABELS,
    cell_text,
    export_records,
    record_table,
    review_labels,
    student_name,
)

__all__ = [
    "FORMATS",
    "STATUS_LABELS",
    "cell_text",
    "export_records",
    "mask_number",
    "mask_text",
    "mask_value",
    "record_table",
    "review_labels",
    "student_name",
]
