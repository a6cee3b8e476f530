"""How well did ingest read a synthetic stack? Records compared with ``truth.json``.

Per kind group: accuracy of all values, the share accepted as ``auto`` (straight-through) and the
precision of those ``auto`` values — the figure the thresholds are set by. Free text is scored by
character accuracy (1 − edit distance / length), since handwritten Chinese is a draft.

Fields on a page that was never scanned (truth's ``missing_pages``) are no recognition result:
they are left out of those figures and counted apart, with how many of them went to ``review``
(all of them must). Page identification compares every scanned image of truth's stack with what
ingest said it was.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz.distance import Levenshtein

from pipeline.model.form import FieldDef, load_form
from pipeline.model.record import Record
from pipeline.validate.dates import canonical_text

GROUPS = {
    "single_choice": "checkbox",
    "multi_choice": "checkbox",
    "date": "digits",
    "time_range": "digits",
    "phone": "digits",
    "digits": "digits",
    "text": "short text",
    "signature": "signature",
    "multiline": "free text",
}
FORM_PAGE_KINDS = ("form", "duplicate")  # stack images that are a page of an issued form

PageKey = tuple[str, int]  # (truth's stack file, 1-based image index in it)
PageId = tuple[str | None, int | None]  # (form id, page number) a page was identified as


@dataclass
class Score:
    fields: int = 0
    correct: float = 0.0  # free text adds its character accuracy, others 0 or 1
    auto: int = 0
    auto_correct: int = 0

    @property
    def accuracy(self) -> float:
        return self.correct / self.fields if self.fields else 1.0

    @property
    def straight_through(self) -> float:
        return self.auto / self.fields if self.fields else 0.0

    @property
    def auto_precision(self) -> float:
        return self.auto_correct / self.auto if self.auto else 1.0

    def __add__(self, other: Score) -> Score:
        return Score(self.fields + other.fields, self.correct + other.correct, self.auto + other.auto, self.auto_correct + other.auto_correct)


@dataclass
class PageIdentification:
    """Scanned images of truth's stack against what ingest identified them as."""

    form_pages: int = 0  # images of a form page (duplicates included)
    identified: int = 0  # ... identified as the right form and page
    misidentified: int = 0  # ... identified as another form or page
    other_pages: int = 0  # blank backs, duplex padding, foreign sheets
    other_claimed: int = 0  # ... taken for a page of some form

    def __add__(self, other: PageIdentification) -> PageIdentification:
        return PageIdentification(
            self.form_pages + other.form_pages,
            self.identified + other.identified,
            self.misidentified + other.misidentified,
            self.other_pages + other.other_pages,
            self.other_claimed + other.other_claimed,
        )


@dataclass
class Evaluation:
    groups: dict[str, Score] = field(default_factory=dict)
    checkbox_options: Score = field(default_factory=Score)  # every option box judged on its own
    forms_expected: int = 0
    forms_read: int = 0
    missing_page_fields: int = 0  # fields of read forms that lie on a page never scanned
    missing_page_review: int = 0  # ... of them sent to review (all must be)
    pages: PageIdentification | None = None  # None when not asked for

    def rows(self) -> list[tuple[str, int, float, float, float]]:
        """(group, fields, accuracy, straight-through, auto precision) for a table."""
        out = [(g, s.fields, s.accuracy, s.straight_through, s.auto_precision) for g, s in sorted(self.groups.items())]
        o = self.checkbox_options
        return out + [("checkbox options", o.fields, o.accuracy, o.straight_through, o.auto_precision)]

    def add(self, f: FieldDef, want: Any, got: Any, status: str) -> None:
        """Score one value read for field ``f`` (status ``auto`` counts it as straight-through)."""
        group = GROUPS[f.kind]
        self.groups[group] = self.groups.get(group, Score()) + _score(credit(f, want, got), status)
        if f.options:
            for right in _option_results(f, want, got):
                self.checkbox_options += _score(float(right), status)

    def __add__(self, other: Evaluation) -> Evaluation:
        """Two evaluations as one (e.g. the stacks of several seeds: ``sum(results, Evaluation())``)."""
        groups = {g: self.groups.get(g, Score()) + other.groups.get(g, Score()) for g in {*self.groups, *other.groups}}
        pages = self.pages + other.pages if self.pages and other.pages else self.pages or other.pages
        return Evaluation(
            groups=groups,
            checkbox_options=self.checkbox_options + other.checkbox_options,
            forms_expected=self.forms_expected + other.forms_expected,
            forms_read=self.forms_read + other.forms_read,
            missing_page_fields=self.missing_page_fields + other.missing_page_fields,
            missing_page_review=self.missing_page_review + other.missing_page_review,
            pages=pages,
        )


def evaluate(
    records: Sequence[Record], truth: Mapping[str, Any], *, identified: Mapping[PageKey, PageId] | None = None
) -> Evaluation:
    """Score ``records`` against the forms of ``truth`` (the dict in truth.json).

    ``identified`` (optional) says what ingest took each scanned image of truth's stack for.
    """
    result = Evaluation(forms_expected=len(truth["forms"]))
    by_id = {r.form_id: r for r in records}
    for form_id, expected in truth["forms"].items():
        record = by_id.get(form_id)
        if record is not None:
            result.forms_read += 1
            _score_record(result, record, expected)
    if identified is not None:
        result.pages = identify_pages(truth, identified)
    return result


def _score_record(result: Evaluation, record: Record, expected: Mapping[str, Any]) -> None:
    form = load_form(expected["form"])
    missing = {f.id for p in form.pages if p.number in expected["missing_pages"] for f in p.fields}
    for fid, want in expected["values"].items():
        f = form.field(fid)
        got = record.fields.get(fid)
        if got is None or f.prefill is not None:
            continue
        if fid in missing:
            result.missing_page_fields += 1
            result.missing_page_review += got.status == "review"
        else:
            result.add(f, want, got.value, got.status)


def identify_pages(truth: Mapping[str, Any], identified: Mapping[PageKey, PageId]) -> PageIdentification:
    """Every image of truth's stack against the (form id, page) it was identified as."""
    result = PageIdentification()
    for stack in truth["stack"]:
        for page in stack["pages"]:
            form_id, page_no = identified.get((page["file"], page["index"]), (None, None))
            if page["kind"] in FORM_PAGE_KINDS:
                result.form_pages += 1
                right = (form_id, page_no) == (page["form_id"], page["page"])
                result.identified += right
                result.misidentified += not right and form_id is not None
            else:
                result.other_pages += 1
                result.other_claimed += form_id is not None and page_no is not None
    return result


def credit(f: FieldDef, want: Any, got: Any) -> float:
    """How right ``got`` is for field ``f`` whose true value is ``want``: 0..1."""
    if f.kind == "multiline":
        a, b = _squash(want), _squash(got)
        return 1.0 if a == b else max(0.0, 1 - Levenshtein.distance(a, b) / max(len(a), 1))
    if f.kind == "signature":
        return float(bool(want) == bool(got))
    if f.kind == "multi_choice":
        return float(sorted(want or []) == sorted(got or []))
    if f.kind == "text":  # "父亲 李建国" and "父亲李建国", "（" and "(" say the same
        return float(_squash(want) == _squash(got))
    return float((want or None) == (got or None))


def _score(credit_: float, status: str) -> Score:
    auto = status == "auto"
    return Score(fields=1, correct=credit_, auto=int(auto), auto_correct=int(auto and credit_ == 1.0))


def _option_results(f: FieldDef, want: Any, got: Any) -> list[bool]:
    """For every option box of ``f``: was its state read right?"""
    chosen = set(want if isinstance(want, list) else [want] if want else [])
    read = set(got if isinstance(got, list) else [got] if got else [])
    return [(option in chosen) == (option in read) for option in f.option_values]


def _squash(text: Any) -> str:
    """Text without spaces and in one width: handwriting has neither (（ and ( say the same)."""
    return canonical_text(str(text or ""))
