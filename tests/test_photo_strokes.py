"""A phone photo's pen strokes are restored before they are read (issue 17, straight-through):
digits written with a thin pen, photographed hand-held (defocus, shake, sensor noise, a JPEG),
read as clear writing and pass unchecked, as the same digits scanned do; the photo's noise is
not sharpened into marks in the boxes left blank."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import numpy as np
import pytest

from pipeline import defs
from pipeline.model.form import CHOICE_KINDS, FieldDef, load_form
from pipeline.recognize.combs import comb_segments, read_digits
from pipeline.recognize.engine import default_engine
from pipeline.recognize.ink import writing
from pipeline.recognize.omr import read_checkbox
from pipeline.recognize.quality import page_ink
from pipeline.scan.geometry import crop_mm
from pipeline.scan.load import scan_pages
from pipeline.scan.rectify import rectify_photo
from pipeline.synth.handwriting import HandwritingStyle, draw_digit_cells, handwriting_font, px_box
from pipeline.synth.photo import random_photo, write_photo
from scan_support import issue_one_form

pytestmark = pytest.mark.slow
DIGITS = {"date": "20251018", "time_range": "10251150"}
SCHOOL_DATES = (dt.date(2025, 8, 1), dt.date(2026, 8, 31))
# A thin dark-grey pen, the font's own strokes (no thickening): bench/ingest.py --photos seed 11
# had such digits judged faint on 2 of 39 form photos.
THIN_PEN = HandwritingStyle(
    font_path=handwriting_font(), glyph_mm=4.6, digit_fill=0.7, slant=2.0, angle_jitter=1.5, size_jitter=0.04,
    baseline_jitter=0.03, spacing=1.0, stroke_mm=0.0, pen_mm=0.35, ink=50,
)


@pytest.fixture(scope="module")
def photographed(tmp_path_factory: pytest.TempPathFactory) -> np.ndarray:
    """Page 1 of a record form with its date and time combs written, photographed by the phone
    model as one of the bench's (half the frame, defocus 1.25 px, 2 px shake, noise 3.5, JPEG
    84), and rectified as ingest does."""
    folder = tmp_path_factory.mktemp("strokes")
    page = issue_one_form(folder, "笔迹班").page.copy()
    for i, field in enumerate(_combs()):
        draw_digit_cells(page, [px_box(c) for c in field.cells], DIGITS[field.kind], style=THIN_PEN, rng=np.random.default_rng(i))
    model = replace(
        random_photo(np.random.default_rng(1), "IMG_1001.jpg", heic_share=0.0),
        fill=0.5, blur=1.25, motion=(2.1, 96.0), noise=3.5, quality=84, orientation=1, shadow=(),
    )
    path = write_photo(page, model, folder / model.name, rng=np.random.default_rng(1))
    image = next(scan_pages(path)).image
    assert image is not None
    form = load_form("record")
    rectified = rectify_photo(image, form.pages[0], form.page_size)
    assert rectified.ok and rectified.registered is not None, rectified.registration.reason
    assert rectified.registration.px_per_mm >= defs.PHOTO_SHARPEN_MIN_PX_PER_MM, "a hand-held 12 MP photo is sharpened"
    return rectified.registered


def _combs() -> list[FieldDef]:
    return [f for f in load_form("record").pages[0].fields if f.fillable and f.kind in DIGITS]


def test_thin_pen_digits_in_a_hand_held_photo_are_clear_writing_not_faint(photographed: np.ndarray) -> None:
    level = page_ink(photographed, load_form("record").pages[0]).faint_level
    faint = [
        (field.id, i)
        for field in _combs()
        for i, cell in enumerate(field.cells)
        if writing(crop_mm(photographed, cell, pad_mm=-defs.CELL_INSET), level).faint
    ]
    assert faint == []


def test_thin_pen_dates_and_times_in_a_hand_held_photo_read_right_and_pass_unchecked(photographed: np.ndarray) -> None:
    level = page_ink(photographed, load_form("record").pages[0]).faint_level
    for field in _combs():
        cells = [crop_mm(photographed, c, pad_mm=-defs.CELL_INSET) for c in field.cells]
        got = read_digits(cells, default_engine(), segments=comb_segments(field, SCHOOL_DATES), faint_level=level)
        assert (got.raw, got.doubt) == (DIGITS[field.kind], ""), field.id


def test_the_photos_noise_is_not_sharpened_into_marks_in_blank_checkboxes(photographed: np.ndarray) -> None:
    page = load_form("record").pages[0]
    level = page_ink(photographed, page).faint_level
    marked = [
        (field.id, option.value)
        for field in page.fields
        if field.kind in CHOICE_KINDS
        for option in field.options
        if read_checkbox(crop_mm(photographed, option.box, pad_mm=defs.OMR_PAD), faint_level=level).state != "empty"
    ]
    assert marked == []
