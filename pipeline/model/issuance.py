"""Issued forms: one row per printed/written form, so a returned page finds its student."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class IssuedForm:
    form_id: str  # unique per issued form (pipeline.identity.new_form_id)
    form: str  # form definition id: record / outline / memo
    form_version: int
    layout_hash: str
    student_no: str
    class_name: str
    pages: int
    batch_id: str
    files: tuple[str, ...]  # generated documents, as manifest paths relative to the output folder
    created_at: dt.datetime  # UTC
