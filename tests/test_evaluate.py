"""Evaluation against truth.json: what counts as a recognition error and what does not."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from pipeline.model.form import FieldDef, load_form
from pipeline.model.record import FieldValue, Record
from pipeline.synth.evaluate import Evaluation, evaluate

FORM = load_form("record")
SAMPLE = {
    "date": "2025-10-18",
    "time_range": "10:25-11:50",
    "text": "李建国",
    "multiline": "家中共四口人，孩子平时主要由奶奶照看。",
    "signature": True,
}


def _truth_value(f: FieldDef) -> Any:
    if f.kind == "single_choice":
        return f.option_values[0]
    if f.kind == "multi_choice":
        return [f.option_values[-1]]
    return SAMPLE[f.kind]


def _truth(form_id: str, *, missing_pages: list[int]) -> dict[str, Any]:
    values = {f.id: _truth_value(f) for f in FORM.fields if f.fillable}
    form = {"form": "record", "missing_pages": missing_pages, "values": values}
    pages = [{"file": "scans/a.pdf", "index": n, "kind": "form", "form_id": form_id, "page": n} for n in (1, 2) if n not in missing_pages]
    return {"forms": {form_id: form}, "stack": [{"file": "scans/a.pdf", "pages": pages}]}


def _record(form_id: str, truth: dict[str, Any], *, unscanned: int | None) -> Record:
    """A record that read every scanned field right (auto) and sent an unscanned page's to review."""
    values = truth["forms"][form_id]["values"]
    fields = {
        f.id: FieldValue(None, "", 0.0, "ocr", "review", f"第 {unscanned} 页没有扫描到")
        if f.page == unscanned
        else FieldValue(values[f.id], str(values[f.id]), 0.99, "omr" if f.options else "ocr", "auto")
        for f in FORM.fields
        if f.fillable
    }
    return Record(form_id, "record", "S000000001", "扫描班", FORM.layout_hash, fields, "x.pdf")


def test_fields_on_a_page_never_scanned_are_counted_apart_not_as_errors() -> None:
    truth = _truth("RAAAAAAAA", missing_pages=[2])
    result = evaluate([_record("RAAAAAAAA", truth, unscanned=2)], truth)
    page_two = [f for f in FORM.pages[1].fields if f.fillable]
    assert result.missing_page_fields == result.missing_page_review == len(page_two)
    scored = sum(s.fields for s in result.groups.values())
    assert scored == len([f for f in FORM.pages[0].fields if f.fillable])
    assert "signature" not in result.groups, "both signatures are on the missing page"
    for group, _n, accuracy, straight, precision in result.rows():
        assert (accuracy, straight, precision) == (1.0, 1.0, 1.0), group


def test_a_missing_page_field_accepted_unchecked_shows_in_the_review_count() -> None:
    truth = _truth("RAAAAAAAA", missing_pages=[2])
    record = _record("RAAAAAAAA", truth, unscanned=2)
    fields = dict(record.fields)
    fields["followup_due"] = FieldValue("2025-11-01", "2025-11-01", 0.99, "ocr", "auto")
    result = evaluate([replace(record, fields=fields)], truth)
    assert result.missing_page_review == result.missing_page_fields - 1


def test_page_identification_counts_right_wrong_and_foreign_pages() -> None:
    truth = _truth("RAAAAAAAA", missing_pages=[])
    truth["stack"][0]["pages"] += [
        {"file": "scans/a.pdf", "index": 3, "kind": "duplicate", "form_id": "RAAAAAAAA", "page": 2},
        {"file": "scans/a.pdf", "index": 4, "kind": "foreign", "form_id": None, "page": None},
        {"file": "scans/a.pdf", "index": 5, "kind": "blank_back", "form_id": None, "page": None},
    ]
    identified = {
        ("scans/a.pdf", 1): ("RAAAAAAAA", 1),
        ("scans/a.pdf", 2): ("RAAAAAAAA", 1),  # page 2 taken for page 1
        ("scans/a.pdf", 3): ("RAAAAAAAA", 2),
        ("scans/a.pdf", 4): ("RAAAAAAAA", 2),  # a foreign sheet taken for a form page
        ("scans/a.pdf", 5): (None, None),
    }
    pages = evaluate([], truth, identified=identified).pages
    assert pages is not None
    assert (pages.form_pages, pages.identified, pages.misidentified) == (3, 2, 1)
    assert (pages.other_pages, pages.other_claimed) == (2, 1)


def test_evaluations_of_two_stacks_add_up() -> None:
    first, second = _truth("RAAAAAAAA", missing_pages=[2]), _truth("RBBBBBBBB", missing_pages=[])
    one = evaluate([_record("RAAAAAAAA", first, unscanned=2)], first)
    two = evaluate([], second)
    total = sum([one, two], Evaluation())
    assert (total.forms_expected, total.forms_read) == (2, 1)
    assert total.missing_page_fields == one.missing_page_fields
    assert total.rows() == one.rows()
