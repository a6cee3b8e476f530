"""Records: what a returned form says, field by field, with how sure we are of each value.

A reader (Word, PDF, scan) produces a :class:`Reading` of raw values; normalisation and
validation (pipeline.validate) turn it into a :class:`Record` of :class:`FieldValue`s. Values
follow the layout contract by kind: ``date`` "YYYY-MM-DD", ``time_range`` "HH:MM-HH:MM",
``phone``/``digits`` digit strings, ``single_choice`` the option value, ``multi_choice`` a
list of option values, ``signature`` true/false, text kinds a string; None when empty.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

SOURCES = ("docx", "pdf-text", "acroform", "ocr", "omr", "human", "web")  # web: typed online by the teacher
# Weakest first: a record is as uncertain as its least certain field.
STATUSES = ("review", "auto", "verified")

Raw = str | tuple[str, ...] | bool | None


def weakest(statuses: Iterable[str]) -> str:
    """The weakest of ``statuses`` (``verified`` for none: nothing left to check)."""
    return min(statuses, key=STATUSES.index, default="verified")


@dataclass(frozen=True)
class NarrativeLine:
    """One handwritten line of a narrative field as read from a scan: its text, how sure the
    recognizer is of each character, whether it passed unchecked, and where it is on the page."""

    text: str
    chars: tuple[float, ...]  # confidence of each character of ``text``
    accepted: bool
    box: tuple[float, float, float, float]  # mm on the page: x, y, w, h (top-left origin)

    @property
    def confidence(self) -> float:
        """The weakest character's confidence: a line is as sure as its least sure character."""
        return min(self.chars, default=0.0)

    def as_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "chars": [round(c, 4) for c in self.chars],
            "confidence": round(self.confidence, 4),
            "accepted": self.accepted,
            "box": [round(v, 2) for v in self.box],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> NarrativeLine:
        x, y, w, h = (float(v) for v in data["box"])
        return cls(str(data["text"]), tuple(float(c) for c in data["chars"]), bool(data["accepted"]), (x, y, w, h))


@dataclass(frozen=True)
class RawValue:
    """One field as a reader saw it, before normalisation.

    ``raw`` is text for text-like kinds, the tuple of ticked option values for choice kinds,
    and ink presence for signatures. ``doubt`` is the reader's own reason to have a person
    look (e.g. a control lost in a LibreOffice round trip); it forces ``review``.
    """

    raw: Raw
    confidence: float
    source: str
    doubt: str = ""
    crop: str | None = None  # file-store name of the field's image crop (scans)
    lines: tuple[NarrativeLine, ...] = ()  # a scanned narrative's lines, in reading order

    @property
    def written(self) -> bool:
        """Whether the field holds anything: text, a ticked option, a signature."""
        return bool(self.raw.strip()) if isinstance(self.raw, str) else bool(self.raw)


@dataclass(frozen=True)
class Reading:
    """Everything one reader got from one returned form."""

    form_id: str
    values: Mapping[str, RawValue]
    reader: str  # which reader produced it, e.g. "docx", "docx-labels", "acroform", "pdf-text"
    notes: tuple[str, ...] = ()  # things the user should know about the whole document


@dataclass(frozen=True)
class FieldValue:
    value: Any
    raw: str  # as read, rendered as text for display and export
    confidence: float  # 0..1
    source: str  # one of SOURCES
    status: str  # one of STATUSES
    message: str = ""  # why a person should look (Chinese); empty when accepted
    crop: str | None = None
    refs: tuple[str, ...] = ()  # roster keys the value resolved to (teacher 工号 for teacher names)
    lines: tuple[NarrativeLine, ...] = ()  # a scanned narrative's lines: which passed, which wait

    def as_json(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "raw": self.raw,
            "confidence": round(self.confidence, 4),
            "source": self.source,
            "status": self.status,
            **({"refs": list(self.refs)} if self.refs else {}),
        }


def is_empty(value: Any) -> bool:
    """A normalised value that holds nothing: None for every kind, False for an unsigned
    signature box."""
    return value is None or value is False


def value_text(value: Any) -> str:
    """A normalised value or a raw reading as text: option lists or ticked options joined with
    、, signatures 是/否, None empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (list, tuple)):
        return "、".join(str(v) for v in value)
    return str(value)


def display_text(fv: FieldValue) -> str:
    """The text a reviewer sees in the input: the value by kind, else what was read."""
    return fv.raw if fv.value is None else value_text(fv.value)


@dataclass(frozen=True)
class Record:
    form_id: str
    form: str
    student_no: str
    class_name: str
    layout_hash: str
    fields: Mapping[str, FieldValue]
    source_file: str  # file-store name ("<sha256>.docx") of the returned document
    version: int = 0  # assigned by the store: 1 for the first return, then 2, 3 …
    created_at: dt.datetime | None = None
    reader: str = ""
    notes: tuple[str, ...] = field(default=())

    @property
    def status(self) -> str:
        return weakest(f.status for f in self.fields.values())

    def status_counts(self) -> dict[str, int]:
        """How many fields have each status."""
        return dict(Counter(f.status for f in self.fields.values()))

    def as_json(self) -> dict[str, Any]:
        """The export contract: one record with every field's value, raw text and status."""
        return {
            "form_id": self.form_id,
            "form": self.form,
            "student_id": self.student_no,
            "class": self.class_name,
            "version": self.version,
            "status": self.status,
            "fields": {fid: fv.as_json() for fid, fv in self.fields.items()},
        }


@dataclass(frozen=True)
class ReturnedFile:
    """A file handed to ingest, known by its content hash (what makes ingest idempotent)."""

    digest: str
    suffix: str
    name: str  # the name it arrived under
    kind: str  # word / pdf / image / archive / scan / unknown
    size: int
    outcome: str  # record / rejected / unpacked (its files have their own rows)
    message: str
    form_id: str | None
    batch_id: str
    received_at: dt.datetime
