"""Recognition scored per kind of field, with the `auto` precision's lower confidence bound.

The bench's view of a read stack (``bench/ingest.py``): for each kind a reader handles
differently — checkboxes, digit combs, dates, names and short text, places, narratives — how
many values were right, how many went through without a person (right and ``auto``), how
precise ``auto`` was and how low that precision may really be (one-sided 95 % Wilson bound),
and how many fields a person must look at per form. Every value is decided twice from the same
reading: as the workspace stored it (today's thresholds), and by the confidence thresholds the
previous release shipped, so a change of thresholds shows on one stack: there a value is
``auto`` when its confidence reaches that release's threshold for its kind and the stored value
carries no other reason to look (a rule, a partly filled comb, a faint page) — the reasons that
only restate a threshold are set aside, and narratives with text are drafts, as they were then.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pipeline.calibrate.fit import wilson_lower_bound
from pipeline.model.form import CHOICE_KINDS, FieldDef, load_form
from pipeline.model.record import FieldValue, Record
from pipeline.synth.evaluate import credit

KINDS = ("checkbox", "digits/comb", "date", "name/short text", "place", "narrative")
BOUND_LEVEL = 0.95  # one-sided confidence level of the precision bounds reported
PREVIOUS_RELEASE = "08b72e1"
# The confidence a value needed to pass as `auto` at PREVIOUS_RELEASE (its pipeline/defs.py):
# AUTO_MIN_CONFIDENCE 0.9 for checkboxes, COMB_AUTO_MIN 0.95 for combs and dates,
# SHORT_TEXT_AUTO_MIN 0.95 for text (the roster-confirmed names it let pass from 0.9 cannot be
# told apart afterwards, so this side counts them at 0.95); narratives never passed.
PREVIOUS_AUTO_MIN = {
    "checkbox": 0.9, "digits/comb": 0.95, "date": 0.95, "name/short text": 0.95, "place": 0.95, "narrative": 0.9,
}
# Review messages of that release that say no more than "below the threshold" (its
# DOUBT_UNSURE, DOUBT_UNCONFIRMED and the validator's low-confidence note), as they began.
PREVIOUS_THRESHOLD_MESSAGES = ("有数字写得不够清楚", "手写文字未能与花名册核对，且识别把握不足", "识别把握不足")


def wilson_lower(successes: int, trials: int) -> float:
    """One-sided 95 % Wilson lower bound of a proportion, the level every bench figure uses."""
    return wilson_lower_bound(successes, trials, BOUND_LEVEL)


def kind_of(f: FieldDef) -> str | None:
    """The bench's kind of a fillable field (None: signatures, scored elsewhere)."""
    if f.kind in CHOICE_KINDS:
        return "checkbox"
    if f.kind == "date":
        return "date"
    if f.kind in ("time_range", "phone", "digits"):
        return "digits/comb"
    if f.kind == "multiline":
        return "narrative"
    if f.kind == "text":
        return "place" if f.id == "place" else "name/short text"
    return None


@dataclass
class Decisions:
    """How one kind's values fared under one set of decisions."""

    auto: int = 0
    auto_right: int = 0
    review: int = 0

    @property
    def precision_lower(self) -> float:
        return wilson_lower(self.auto_right, self.auto)

    def as_json(self, fields: int, forms: int) -> dict[str, float | int]:
        return {
            "auto": self.auto, "auto_right": self.auto_right, "wrong_auto": self.auto - self.auto_right,
            "straight_through": self.auto_right / fields if fields else 0.0,
            "auto_precision": self.auto_right / self.auto if self.auto else 1.0,
            "auto_precision_lower95": self.precision_lower,
            "review_per_form": self.review / forms if forms else 0.0,
        }


@dataclass
class KindScore:
    fields: int = 0
    credit: float = 0.0  # narratives add their character accuracy, others 0 or 1
    now: Decisions = field(default_factory=Decisions)
    previous: Decisions = field(default_factory=Decisions)

    def add(self, kind: str, value_credit: float, got: FieldValue) -> None:
        self.fields += 1
        self.credit += value_credit
        right = value_credit == 1.0
        for decisions, auto in ((self.now, got.status == "auto"), (self.previous, previous_auto(kind, got))):
            decisions.auto += auto
            decisions.auto_right += auto and right
            decisions.review += not auto


def previous_auto(kind: str, got: FieldValue) -> bool:
    """Would the previous release have accepted this reading as ``auto``?"""
    if kind == "narrative" and got.value:
        return False  # handwritten paragraphs were drafts for a person, whatever their confidence
    others = [m for m in got.message.split("；") if m and not m.startswith(PREVIOUS_THRESHOLD_MESSAGES)]
    return got.confidence >= PREVIOUS_AUTO_MIN[kind] and not others


def score_kinds(records: Sequence[Record], truths: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Per kind: fields, accuracy, and today's and the previous release's decisions (JSON);
    the same figures over all kinds by who wrote (stroke or font hand, pen or pencil) and by
    how the page was scanned (1-bit or grey, show-through, folds), where truth says so."""
    scores = {k: KindScore() for k in KINDS}
    by_writer: dict[str, KindScore] = {}
    by_scan: dict[str, KindScore] = {}
    by_id = {r.form_id: r for r in records}
    forms = 0
    for truth in truths:
        for form_id, expected in truth["forms"].items():
            record = by_id.get(form_id)
            if record is None:
                continue
            forms += 1
            pages = {f.id: p.number for p in load_form(expected["form"]).pages for f in p.fields}
            for f, want, got in scored_fields(record, expected):
                kind = kind_of(f)
                if kind:
                    value_credit = credit(f, want, got.value)
                    scores[kind].add(kind, value_credit, got)
                    scan = expected["scan"].get(str(pages[f.id]), {})
                    for split, key in ((by_writer, _writer_of(truth, expected)), (by_scan, _paper_of(scan))):
                        if key:
                            split.setdefault(key, KindScore()).add(kind, value_credit, got)
    return {
        "forms": forms, "kinds": {k: _kind_json(s, forms) for k, s in scores.items()},
        "by_writer": {k: _kind_json(s, forms) for k, s in sorted(by_writer.items())},
        "by_scan": {k: _kind_json(s, forms) for k, s in sorted(by_scan.items())},
    }


def _writer_of(truth: Mapping[str, Any], expected: Mapping[str, Any]) -> str:
    """The form's teacher (who writes all but the parent's signature): "stroke, pencil"."""
    if "writers" not in expected:
        return ""
    writer = truth["writers"][expected["writers"]["teacher"]]
    return f"{writer['hand']} hand, {'pencil' if writer['pencil'] else 'pen'}"


def _paper_of(scan: Mapping[str, Any]) -> str:
    if not scan:
        return ""
    if scan.get("photo"):
        return f"phone photo, {scan['format']}" + (", phone's shadow" if scan["shadow"] else "")
    mode = f"1-bit {scan['dpi']} dpi" if scan["mode"] == "bw" else f"{scan['mode']} {scan['dpi']} dpi"
    return mode + (", show-through" if scan.get("show_through") else "") + (", folded" if scan.get("folds") else "")


def scored_fields(record: Record, expected: Mapping[str, Any]) -> Iterator[tuple[FieldDef, Any, FieldValue]]:
    """(field, true value, stored value) of the record's handwritten fields on scanned pages."""
    form = load_form(expected["form"])
    missing = {f.id for p in form.pages if p.number in expected["missing_pages"] for f in p.fields}
    for fid, want in expected["values"].items():
        f, got = form.field(fid), record.fields.get(fid)
        if got is not None and f.prefill is None and fid not in missing:
            yield f, want, got


def _kind_json(s: KindScore, forms: int) -> dict[str, Any]:
    return {
        "fields": s.fields, "accuracy": s.credit / s.fields if s.fields else 1.0,
        "now": s.now.as_json(s.fields, forms), "previous": s.previous.as_json(s.fields, forms),
    }
