"""Narrative lines and their punctuation, and text boxes that only look empty (issue 12, review load).

A handwritten 。 is misread by the recognizer as · ° ○ •, a ， as ’ ‘ ' or a period, and on a
held-out hand at 0.93-1.0 (every error of the narrative lines accepted there). In handwritten
running text such a mark is what a misread 。 or ， looks like: read in a narrative line it is
never sure (``defs.NARRATIVE_MISREAD_MARKS``), so its line waits for a person.

A name in pencil through a 1-bit copy is dots the ordinary ink measure drops: such a box was read
as surely empty (a wrong value `auto` on a held-out hand). It is read from its joined strokes
and reviewed, or, with only a trace left, reviewed as empty.
"""

from __future__ import annotations

import math

from pathlib import Path

import cv2
import numpy as np
import pytest

from pipeline import defs
from pipeline.model.form import load_form
from pipeline.recognize.engine import default_engine
from pipeline.recognize.fields import DOUBT_FAINT_TEXT, DOUBT_TEXT_TRACE, recognize_field
from pipeline.recognize.ink import ink_map
from pipeline.recognize.lines import LineReading, Vocabulary, vocabulary_of
from pipeline.scan.geometry import crop_mm
from pipeline.synth.handwriting import HandwritingStyle, draw_lines, draw_text, px_box

FIELD = load_form("record").field("family_situation")
WRITTEN = "孩子在家能主动完成作业。父母每天陪伴阅读"
PAGE_PX = (2376, 1680)  # A4 at the registered 8 px/mm


def test_a_dot_read_surely_in_running_text_is_not_sure_at_all() -> None:
    vocabulary = Vocabulary(("blank", "。", "·", "家"))
    probs = np.array([[0.01, 0.0, 0.0, 0.99], [0.99, 0.0, 0.0, 0.01], [0.01, 0.0, 0.99, 0.0], [0.99, 0.0, 0.01, 0.0]])
    reading = LineReading(probs, vocabulary)
    assert reading.text == "家·"
    assert reading.char_confidences == pytest.approx((0.99, 0.0))


def test_the_recognizer_vocabulary_knows_the_misread_marks() -> None:
    vocabulary = vocabulary_of(default_engine())
    assert vocabulary.misread_marks == set("·°○•．’‘＇丶")


def _written_line(seed: int, blur: float) -> tuple[str, tuple[float, ...]]:
    """The narrative's one line as read: one writer drawn from ``seed``, the page blurred as a
    scanner's optics blur it (sigma in px at 8 px/mm)."""
    rng = np.random.default_rng(seed)
    page = np.full(PAGE_PX, 255, np.uint8)
    draw_lines(page, [px_box(b) for b in FIELD.lines], WRITTEN, style=HandwritingStyle.random(rng), rng=rng)
    value = recognize_field(cv2.GaussianBlur(page, (0, 0), blur), FIELD, engine=default_engine())
    (line,) = value.lines
    return line.text, line.chars


@pytest.mark.slow
def test_a_full_stop_read_as_a_degree_sign_is_never_sure_and_goes_back_in_the_draft_as_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """The recognizer reads this hand's 。 as ° (and 完 as 究): the draft has both right, the
    full stop never sure."""
    text, chars = _written_line(seed=53, blur=1.6)
    assert text == WRITTEN
    assert chars[text.index("。")] == 0.0
    monkeypatch.setattr(defs, "MARK_CORRECTION_MIN", math.inf)  # the previous release's draft
    monkeypatch.setattr(defs, "WORD_CORRECTION_ODDS", math.inf)
    as_read, _ = _written_line(seed=53, blur=1.6)
    assert "°" in as_read and "究" in as_read, as_read


@pytest.mark.slow
def test_a_comma_read_surely_as_a_period_keeps_its_line_for_a_person() -> None:
    """A Ming hand (a font the thresholds were not tuned on) through a 1-bit copy: its ， is read
    as a period at 0.90 and every other character at 0.93 or more; the line passed unchecked.
    The period is never sure; in the draft it is the punctuation its frames favour."""
    rng = np.random.default_rng(28)
    style = HandwritingStyle.random(rng, font_path=Path("/usr/share/fonts/truetype/arphic/uming.ttc"))
    page = np.full(PAGE_PX, 255, np.uint8)
    draw_lines(page, [px_box(b) for b in FIELD.lines], "孩子在家能主动完成作业，父母每天陪伴阅读。", style=style, rng=rng)
    copy = np.where(cv2.GaussianBlur(page, (0, 0), 1.0) < 150, 0, 255).astype(np.uint8)
    (line,) = recognize_field(copy, FIELD, engine=default_engine()).lines
    assert "．" not in line.text and line.text[11] in defs.NARRATIVE_MARK_MEANINGS, line.text
    stop = 11
    assert line.chars[stop] == 0.0
    assert min(c for i, c in enumerate(line.chars) if i != stop) >= defs.NARRATIVE_CHAR_AUTO_MIN, "the mark alone holds it back"
    assert not line.accepted


NAME_FIELD = load_form("record").field("interviewee")


def _pencil_name_copied(seed: int, above_ink: int) -> np.ndarray:
    """A page whose 受访人 box holds a name in pencil, through a 1-bit copy whose threshold lies
    ``above_ink`` grey levels above the pencil's grey (the paper's tooth breaks the strokes)."""
    rng = np.random.default_rng(seed)
    style = HandwritingStyle.random(rng).in_pencil(rng)
    page = np.full(PAGE_PX, 255, np.uint8)
    draw_text(page, px_box(NAME_FIELD.value_box), "宋美玲", style=style, rng=rng)
    return np.where(page < style.ink + above_ink, 0, 255).astype(np.uint8)


def _no_ordinary_ink(page: np.ndarray) -> bool:
    return not ink_map(crop_mm(page, NAME_FIELD.value_box, pad_mm=-defs.TEXT_INSET)).present


@pytest.mark.slow
def test_a_name_broken_into_dots_by_a_copier_is_read_from_its_joined_strokes_and_reviewed() -> None:
    page = _pencil_name_copied(seed=1, above_ink=25)
    assert _no_ordinary_ink(page), "the ordinary ink measure sees an empty box"
    value = recognize_field(page, NAME_FIELD, engine=default_engine())
    assert DOUBT_FAINT_TEXT in value.doubt
    assert value.confidence < 1.0


@pytest.mark.slow
def test_a_text_box_with_a_trace_of_broken_ink_is_never_surely_empty() -> None:
    page = _pencil_name_copied(seed=0, above_ink=5)
    assert _no_ordinary_ink(page)
    value = recognize_field(page, NAME_FIELD, engine=default_engine())
    assert (value.raw, value.confidence, value.doubt) == ("", 0.5, DOUBT_TEXT_TRACE)


def test_an_unwritten_text_box_stays_surely_empty() -> None:
    page = np.full(PAGE_PX, 255, np.uint8)
    value = recognize_field(page, NAME_FIELD, engine=default_engine())
    assert (value.raw, value.confidence, value.doubt) == ("", 1.0, "")
