"""Choice groups marked only by filled boxes, read end to end: an issued record form is
rasterised, marked with the synthetic pen, ingested as a scan and stored as a record.

The form says a filled box withdraws a choice, but many teachers fill boxes to choose, as on
an answer sheet: with no tick anywhere in the group, a person must decide."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from pipeline import defs
from pipeline.generate import generate
from pipeline.ingest import ingest
from pipeline.model.form import load_form
from pipeline.model.record import Record
from pipeline.recognize.omr import DOUBT_FILLED_ONLY
from pipeline.resources import samples_dir
from pipeline.roster.importer import import_roster
from pipeline.store import repo
from pipeline.store.records import current_record
from pipeline.store.workspace import Workspace, init_workspace
from pipeline.synth.handwriting import HandwritingStyle, draw_tick, handwriting_font, px_box
from scan_support import TEMPLATE_DPI, rasterise

pytestmark = pytest.mark.slow
CLASS = "涂框班"
FORM = load_form("record")
TOPICS = ("学习情况", "心理健康")
HAND = HandwritingStyle(
    font_path=handwriting_font(), glyph_mm=4.6, digit_fill=0.72, slant=2.0, angle_jitter=1.5,
    size_jitter=0.04, baseline_jitter=0.03, spacing=1.0, stroke_mm=0.04, pen_mm=0.4, ink=40,
)


@pytest.fixture
def issued(tmp_path: Path) -> Iterator[tuple[Workspace, str, np.ndarray]]:
    """A workspace with one record form issued; its form id and page 1 as printed."""
    ws = init_workspace(tmp_path / "ws", policy_path=samples_dir() / "policy.yaml")
    import_roster(ws, [samples_dir() / "roster.xlsx"])
    with ws.session() as s:
        first = repo.list_students(s, class_name="七年级（1）班")[0]
        repo.upsert_students(s, [replace(first, class_name=CLASS)])
    generate(ws, forms=["record"], formats=["pdf"], out_dir=tmp_path / "forms", class_name=CLASS)
    (entry,) = json.loads((tmp_path / "forms" / "manifest.json").read_text(encoding="utf-8"))
    page = rasterise(tmp_path / "forms" / entry["file"], entry["first_page"] - 1)
    yield ws, entry["form_id"], page
    ws.close()


def _mark_and_ingest(ws: Workspace, form_id: str, page: np.ndarray, marks: dict[str, str], folder: Path) -> Record:
    """Mark the topics boxes (option value -> pen kind), ingest the page, return the record."""
    marked = page.copy()
    for n, option in enumerate(o for o in FORM.field("topics").options if o.value in marks):
        draw_tick(marked, px_box(option.box), style=HAND, rng=np.random.default_rng(n), kind=marks[option.value])
    scan = folder / "scan.png"
    Image.fromarray(marked).save(scan, dpi=(TEMPLATE_DPI, TEMPLATE_DPI))
    ingest(ws, [scan], workers=1)
    with ws.session() as s:
        record = current_record(s, form_id)
    assert record is not None, "the marked page was read into a record"
    return record


def test_group_with_only_filled_boxes_goes_to_review(issued: tuple[Workspace, str, np.ndarray], tmp_path: Path) -> None:
    ws, form_id, page = issued
    topics = _mark_and_ingest(ws, form_id, page, dict.fromkeys(TOPICS, "fill"), tmp_path).fields["topics"]
    assert topics.status == "review"
    assert topics.message == DOUBT_FILLED_ONLY == "只有涂满的框，没有勾选：请核对是改选还是选中"
    assert not topics.value, "neither reading is guessed: the reviewer decides"


def test_group_with_ticks_is_read_as_chosen(issued: tuple[Workspace, str, np.ndarray], tmp_path: Path) -> None:
    ws, form_id, page = issued
    topics = _mark_and_ingest(ws, form_id, page, dict.fromkeys(TOPICS, "tick"), tmp_path).fields["topics"]
    assert topics.status == "auto", topics.message
    assert topics.value == list(TOPICS)
    assert topics.confidence >= defs.AUTO_MIN_CONFIDENCE


def test_filled_box_beside_a_tick_is_withdrawn(issued: tuple[Workspace, str, np.ndarray], tmp_path: Path) -> None:
    ws, form_id, page = issued
    marks = {TOPICS[0]: "fill", TOPICS[1]: "tick"}
    topics = _mark_and_ingest(ws, form_id, page, marks, tmp_path).fields["topics"]
    assert topics.status == "auto", topics.message
    assert topics.value == [TOPICS[1]]
