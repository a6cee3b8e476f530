"""Reviewer decisions: what a person did to one field, with the value it had before.

A person looking at a field under review either accepts the value as read, corrects it, or
marks it unreadable. Each decision sets the field to ``verified`` with source ``human`` in the
record version it was made on, and is kept here (and in the audit log) with the old value.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

# accept: the value as read is right; correction: a person typed the right value;
# unreadable: the ink cannot be read (value None, message UNREADABLE).
CORRECTION_ACTIONS = ("accept", "correction", "unreadable")
UNREADABLE = "无法辨认（人工确认）"


@dataclass(frozen=True)
class Correction:
    form_id: str
    version: int  # the record version the decision was made on
    field_id: str
    action: str  # one of CORRECTION_ACTIONS
    old_value: Any
    old_raw: str
    old_source: str
    old_status: str
    new_value: Any
    operator: str
    at: dt.datetime | None = None  # set by the store
    evidence: str | None = None  # what the person judged (see store.records.field_evidence); set by the store
    old_confidence: float | None = None  # the reader's confidence in old_value: with action, a labelled example
    kind: str | None = None  # the field's kind (pipeline.model.form)
    seconds: float | None = None  # from showing the field to the decision (None: not measured)
