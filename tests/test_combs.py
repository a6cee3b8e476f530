"""Digit combs: every cell read with a digits-only vocabulary, the comb judged by its grammar."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from pipeline import defs
from pipeline.model.form import load_form
from pipeline.recognize import default_engine, read_digits
from pipeline.recognize.combs import Segment, cell_posterior, comb_confidence, comb_segments
from pipeline.recognize.lines import vocabulary_of
from pipeline.scan.geometry import crop_mm
from pipeline.synth.handwriting import HandwritingStyle, draw_digit_cells, handwriting_font, px_box

FORM = load_form("record")
SCHOOL_YEAR = (dt.date(2024, 9, 1), dt.date(2026, 7, 15))
PX = defs.REGISTERED_PX_PER_MM


def sure(digit: int, p: float = 0.999) -> np.ndarray:
    out = np.full(10, (1 - p) / 9)
    out[digit] = p
    return out


def cells_reading(text: str) -> list[np.ndarray]:
    return [sure(int(c)) for c in text]


def test_a_cell_the_recognizer_reads_as_a_letter_is_still_a_digit() -> None:
    vocabulary = vocabulary_of(default_engine())
    frames = np.zeros((6, len(vocabulary.charset)), np.float32)
    frames[:, 0] = 1.0
    frames[2:4, 0], frames[2:4, vocabulary.index["O"]] = 0.1, 0.9  # "O" where a 0 is written
    posterior = cell_posterior(frames, vocabulary)
    assert posterior.argmax() == 0 and posterior[0] > 0.99


def test_a_date_digit_the_grammar_allows_only_one_way_costs_no_confidence() -> None:
    cells = cells_reading("20251103")
    cells[0] = np.where(np.arange(10) == 2, 0.6, np.where(np.arange(10) == 7, 0.4, 0.0))  # 2 or 7?
    segments = comb_segments(FORM.field("visit_date"), SCHOOL_YEAR)
    assert comb_confidence(cells, "20251103", ()) == pytest.approx(0.6 * 0.999**7)
    assert comb_confidence(cells, "20251103", segments) > 0.99


def test_a_day_that_could_be_another_valid_day_stays_unsure() -> None:
    cells = cells_reading("20251118")
    cells[7] = np.where(np.arange(10) == 8, 0.6, np.where(np.arange(10) == 6, 0.4, 0.0))  # 18 or 16?
    segments = comb_segments(FORM.field("visit_date"), SCHOOL_YEAR)
    assert comb_confidence(cells, "20251118", segments) == pytest.approx(0.6, abs=0.01)


def test_a_date_outside_the_grammar_keeps_its_digits_and_their_own_confidence() -> None:
    cells = cells_reading("20251318")  # month 13
    segments = comb_segments(FORM.field("visit_date"), SCHOOL_YEAR)
    assert comb_confidence(cells, "20251318", segments) == pytest.approx(0.999**8)


def test_time_ranges_are_judged_per_half_and_other_combs_cell_by_cell() -> None:
    assert [(s.start, s.stop, len(s.values)) for s in comb_segments(FORM.field("visit_time"), None)] == [
        (0, 4, 1440), (4, 8, 1440),
    ]
    assert comb_segments(FORM.field("phone"), SCHOOL_YEAR) == ()
    assert comb_segments(FORM.field("visit_date"), None) == ()  # no school year known


def test_a_two_digit_year_comb_takes_its_dates_from_the_pattern() -> None:
    segment = Segment(0, ("250901", "250902"))
    assert comb_confidence(cells_reading("250902"), "250902", [segment]) == pytest.approx(1.0, abs=1e-3)


@pytest.mark.slow
def test_a_handwritten_date_is_read_digit_by_digit_and_accepted_when_clear() -> None:
    field = FORM.field("visit_date")
    page = np.full((round(297 * PX), round(210 * PX)), 255, np.uint8)
    hand = HandwritingStyle(
        font_path=handwriting_font(), glyph_mm=4.6, digit_fill=0.72, slant=2.0, angle_jitter=1.5,
        size_jitter=0.04, baseline_jitter=0.03, spacing=1.0, stroke_mm=0.04, pen_mm=0.4, ink=40,
    )
    draw_digit_cells(page, [px_box(c) for c in field.cells], "20251018", style=hand, rng=np.random.default_rng(2))
    cells = [crop_mm(page, c, pad_mm=-defs.CELL_INSET) for c in field.cells]
    reading = read_digits(cells, default_engine(), segments=comb_segments(field, SCHOOL_YEAR))
    assert reading.raw == "20251018"
    assert reading.confidence >= defs.AUTO_MIN_CONFIDENCE and not reading.doubt
