"""Handwritten narrative lines that need no one (issue 12 item 4).

A record form is issued, its two page-1 narratives written in a tidy synthetic hand (one of
them with its first line struck through, as a teacher crosses out a sentence), "scanned" by
the scanner model and ingested with the real OCR engine: the clean narrative passes unchecked
line by line, the struck line alone waits for a person, the review station shows that line's
crop over its draft with the doubtful characters marked, and the scan stays with the record
in the dossier whatever the statuses.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pdfplumber
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from pipeline import defs
from pipeline.archive.dossier import build_dossier
from pipeline.archive.packet import build_packet
from pipeline.ingest import ingest
from pipeline.model.form import load_form
from pipeline.model.record import NarrativeLine, Record
from pipeline.recognize.lines import char_confidences
from pipeline.review.app import create_app
from pipeline.review.pages import doubtful_runs
from pipeline.store.records import current_record
from pipeline.store.workspace import Workspace
from pipeline.synth.handwriting import HandwritingStyle, draw_digit_cells, draw_lines, handwriting_font, px_box, strike_through
from pipeline.synth.scanner import ScannerModel
from scan_support import issue_one_form, scanned

FORM = load_form("record")
SCANNER = ScannerModel(dpi=200, rotation=0.8, shift_mm=(1.0, -1.0), blur=0.5, noise=3.0)
TIDY = HandwritingStyle(
    font_path=handwriting_font(), glyph_mm=4.6, digit_fill=0.72, slant=2.0, angle_jitter=1.5,
    size_jitter=0.04, baseline_jitter=0.03, spacing=1.0, stroke_mm=0.04, pen_mm=0.4, ink=40,
)
CLEAN = ("family_situation", "家中共四口人，孩子平时主要由奶奶照看。\n父亲在本地工作，每天能按时接送孩子。")
STRUCK = ("school_feedback", "上课认真听讲，作业能按时完成。\n放学后每天能按时回家。")
TOKEN = "narrative-lines-token"
CLASS = "段落班"
VISIT_DAY = "20251103"
TERM = "2025-2026-1"


@dataclass(frozen=True)
class Returned:
    ws: Workspace
    record: Record
    student_no: str


@pytest.fixture(scope="module")
def returned(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Returned]:
    folder = tmp_path_factory.mktemp("narrative")
    issued = issue_one_form(folder, CLASS)
    rng = np.random.default_rng(4)
    for field_id, text in (CLEAN, STRUCK):
        draw_lines(issued.page, [px_box(b) for b in FORM.field(field_id).lines], text, style=TIDY, rng=rng)
    # a visit date in the term, so that the inspection packet of the term holds the record
    draw_digit_cells(issued.page, [px_box(c) for c in FORM.field("visit_date").cells], VISIT_DAY, style=TIDY, rng=rng)
    x, y, w, h = px_box(FORM.field(STRUCK[0]).lines[0])
    strike_through(issued.page, (x, y + 0.35 * h, 0.6 * w, 0.6 * h), style=TIDY, rng=rng)
    scan = folder / "scan.png"
    Image.fromarray(scanned(issued.page, SCANNER)).save(scan, dpi=(SCANNER.dpi, SCANNER.dpi))
    ingest(issued.ws, [scan], workers=1)
    with issued.ws.session() as s:
        record = current_record(s, issued.form_id)
    assert record is not None, "the written page was read into a record"
    yield Returned(issued.ws, record, record.student_no)
    issued.ws.close()


def test_a_character_another_class_nearly_wins_is_doubtful_and_a_blank_hiding_one_doubts_its_neighbours() -> None:
    # frames over classes (blank, A, B, C): A sure, then B barely beating C, then A again after
    # a blank frame where C holds 40 % (a character the best path may have dropped)
    probs = np.array([
        [0.02, 0.97, 0.005, 0.005], [0.9, 0.05, 0.03, 0.02],
        [0.02, 0.01, 0.5, 0.47], [0.97, 0.01, 0.01, 0.01],
        [0.05, 0.9, 0.03, 0.02], [0.55, 0.03, 0.02, 0.4], [0.02, 0.96, 0.01, 0.01],
    ])
    sure_a, doubtful_b, a_before_gap, a_after_gap = char_confidences(probs)
    assert sure_a == pytest.approx(0.97)
    assert doubtful_b == pytest.approx(0.5)
    assert a_before_gap == a_after_gap == pytest.approx(0.58), "the blank holding 40 % of C doubts both sides"


def test_doubtful_characters_are_picked_out_in_runs() -> None:
    low = defs.NARRATIVE_CHAR_AUTO_MIN / 2
    line = NarrativeLine("作止能按时", (0.99, low, low, 0.999, 1.0), False, (10.0, 20.0, 50.0, 5.0))
    assert doubtful_runs(line) == [("作", False), ("止能", True), ("按时", False)]


@pytest.mark.slow
def test_clean_narrative_is_auto_line_by_line_and_keeps_its_lines(returned: Returned) -> None:
    field_id, text = CLEAN
    fv = returned.record.fields[field_id]
    assert fv.status == "auto", (fv.message, [(line.text, line.chars) for line in fv.lines])
    assert fv.value == text
    assert [line.text for line in fv.lines] == text.split("\n")
    assert all(line.accepted and line.confidence >= defs.NARRATIVE_CHAR_AUTO_MIN for line in fv.lines)
    value_box = FORM.field(field_id).value_box
    for line, band in zip(fv.lines, FORM.field(field_id).lines):
        x, y, w, h = line.box
        assert value_box.x <= x and x + w <= value_box.right, "the line box is in page millimetres"
        assert band.y - 1 <= y + h / 2 <= band.bottom + 1, "each line's box lies on its own guide-line band"


@pytest.mark.slow
def test_a_struck_line_alone_goes_to_review(returned: Returned) -> None:
    fv = returned.record.fields[STRUCK[0]]
    assert fv.status == "review"
    assert [line.accepted for line in fv.lines] == [False, True], [(line.text, line.confidence) for line in fv.lines]
    assert fv.lines[1].text == STRUCK[1].split("\n")[1]
    assert "手写段落第 1 行识别把握不足" in fv.message


@pytest.mark.slow
def test_review_page_shows_the_uncertain_line_crop_over_its_draft_with_doubtful_characters_marked(returned: Returned) -> None:
    client = TestClient(create_app(returned.ws, operator="复核员", token=TOKEN), headers={"Origin": "http://testserver"})
    page = client.get(f"/queue?token={TOKEN}&kind=multiline")
    assert page.status_code == 200
    form_id, field_id = returned.record.form_id, STRUCK[0]
    item = page.text[page.text.index(f'id="i-{form_id}-{field_id}"') :]
    item = item[: item.index('<form class="answer"')]
    line_url = f"/fields/{form_id}/{field_id}/lines/0.png"
    assert f'<img src="{line_url}?v=1"' in item
    assert item.index(line_url) < item.index('<span class="draft">'), "the crop sits above its draft"
    assert re.search(r'<span class="draft">[^<]*<mark>[^<]+</mark>', item), "doubtful characters are marked"
    assert f'<li class="sure">{STRUCK[1].split(chr(10))[1]}</li>' in item, "the accepted line is shown plainly"
    assert f'id="i-{form_id}-{CLEAN[0]}"' not in page.text, "the auto narrative is not in the queue"

    image = client.get(line_url)
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    crop = Image.open(io.BytesIO(image.content))
    _, _, w, h = returned.record.fields[field_id].lines[0].box
    px = defs.REGISTERED_PX_PER_MM
    assert abs(crop.width - (w + 2 * defs.REVIEW_LINE_PAD_MM) * px) <= 2
    assert abs(crop.height - (h + 2 * defs.REVIEW_LINE_PAD_MM) * px) <= 2
    assert client.get(f"/fields/{form_id}/{field_id}/lines/5.png").status_code == 404


def _scan_pages(pdf: Path, form_id: str) -> list[int]:
    """Images on each page that is the record's attached scan of page 1."""
    with pdfplumber.open(pdf) as doc:
        return [len(p.images) for p in doc.pages if (p.extract_text() or "").startswith(f"原件扫描 {form_id} 第 1 页")]


@pytest.mark.slow
def test_dossier_and_packet_keep_the_scan_of_a_record_whose_narrative_passed_unchecked(returned: Returned, tmp_path: Path) -> None:
    assert returned.record.fields[CLEAN[0]].status == "auto"
    assert returned.record.fields["visit_date"].value == "2025-11-03"
    dossier = build_dossier(returned.ws, returned.student_no, tmp_path / "d.pdf")
    assert _scan_pages(dossier, returned.record.form_id) == [1], "the scanned page is attached once, as an image"
    packet = build_packet(returned.ws, scope="class", class_name=CLASS, term=TERM, operator="王主任", out_dir=tmp_path / "packet")
    assert _scan_pages(packet.pdf, returned.record.form_id) == [1]
