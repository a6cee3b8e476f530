"""Calibrated ``auto`` thresholds: what a reviewer decision teaches, and which threshold a
value is judged by.

A threshold belongs to a reader and a field kind together ("ocr:date", "docx:single_choice"):
a confidence means something different for each reader (0.85 from the Word reader says "read
by its label", from OCR "the recognizer's probability"), so they are never pooled. Without a
calibrated value the shipped thresholds of :mod:`pipeline.defs` apply.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache

from pipeline import defs
from pipeline.model.form import COMB_KINDS, load_form

# Handwritten paragraphs are drafts for a person whatever their confidence (DESIGN §3)
UNCALIBRATED_KINDS = frozenset({"multiline"})


@dataclass(frozen=True)
class Example:
    """One reviewer decision as a labelled example: the reader's value was right or not."""

    key: str  # threshold_key(source, kind)
    confidence: float
    correct: bool


@cache
def field_kinds(form: str) -> dict[str, str]:
    """Field id → kind of a form definition."""
    return {f.id: f.kind for f in load_form(form).fields}


def threshold_key(source: str, kind: str) -> str:
    return f"{source}:{kind}"


def shipped_threshold(key: str) -> float:
    """The threshold a value of ``key`` passes at in a workspace nobody has calibrated."""
    source, _, kind = key.partition(":")
    if source == "ocr" and kind in COMB_KINDS:  # read as digits in a comb: the comb's own gate
        return defs.COMB_AUTO_MIN
    if source == "ocr" and kind == "text":
        return defs.SHORT_TEXT_AUTO_MIN
    return defs.AUTO_MIN_CONFIDENCE


@dataclass(frozen=True)
class AutoThresholds:
    """The workspace's calibrated thresholds by key (empty: the shipped ones everywhere)."""

    calibrated: Mapping[str, float] = field(default_factory=dict)

    def calibrated_for(self, source: str, kind: str) -> float | None:
        return self.calibrated.get(threshold_key(source, kind))

    def threshold(self, source: str, kind: str) -> float:
        """The confidence a value read by ``source`` of a ``kind`` field needs to pass (an OCR
        name the roster confirms passes from defs.AUTO_MIN_CONFIDENCE while uncalibrated)."""
        key = threshold_key(source, kind)
        return self.calibrated.get(key, shipped_threshold(key))
