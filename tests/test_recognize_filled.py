"""Choice groups marked only by filled boxes, read end to end: an issued record form is
rasterised, marked with the synthetic pen, "scanned" by the scanner model, ingested and
stored as a record.

The form says a filled box withdraws a choice, but many teachers fill boxes to choose, as on
an answer sheet: with no tick anywhere in the group, a person must decide."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from pipeline import defs
from pipeline.ingest import ingest
from pipeline.model.form import load_form
from pipeline.model.record import FieldValue
from pipeline.recognize.omr import DOUBT_FILLED_ONLY
from pipeline.store.records import current_record
from pipeline.synth.scanner import ScannerModel
from scan_support import issue_one_form, mark_options, scanned

pytestmark = pytest.mark.slow
FORM = load_form("record")
TOPICS = ("学习情况", "心理健康")
SCANNER = ScannerModel(dpi=200, rotation=1.0, shift_mm=(1.5, -1.0), blur=0.5, noise=3.0)


def _topics_as_read(folder: Path, marks: dict[str, str]) -> FieldValue:
    """The topics field after marking its boxes (option value -> pen kind) and ingesting page 1."""
    issued = issue_one_form(folder, "涂框班")
    mark_options(issued.page, FORM, {("topics", value): kind for value, kind in marks.items()})
    scan = folder / "scan.png"
    Image.fromarray(scanned(issued.page, SCANNER)).save(scan, dpi=(SCANNER.dpi, SCANNER.dpi))
    ingest(issued.ws, [scan], workers=1)
    with issued.ws.session() as s:
        record = current_record(s, issued.form_id)
    issued.ws.close()
    assert record is not None, "the marked page was read into a record"
    return record.fields["topics"]


def test_group_with_only_filled_boxes_goes_to_review(tmp_path: Path) -> None:
    topics = _topics_as_read(tmp_path, dict.fromkeys(TOPICS, "fill"))
    assert topics.status == "review"
    assert topics.message == DOUBT_FILLED_ONLY == "只有涂满的框，没有勾选：请核对是改选还是选中"
    assert not topics.value, "neither reading is guessed: the reviewer decides"


def test_group_with_ticks_is_read_as_chosen(tmp_path: Path) -> None:
    topics = _topics_as_read(tmp_path, dict.fromkeys(TOPICS, "tick"))
    assert topics.status == "auto", topics.message
    assert topics.value == list(TOPICS)
    assert topics.confidence >= defs.AUTO_MIN_CONFIDENCE


def test_filled_box_beside_a_tick_is_withdrawn(tmp_path: Path) -> None:
    topics = _topics_as_read(tmp_path, {TOPICS[0]: "fill", TOPICS[1]: "tick"})
    assert topics.status == "auto", topics.message
    assert topics.value == [TOPICS[1]]
