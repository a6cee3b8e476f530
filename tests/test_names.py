"""Names and places on a returned page: what the school knows confirms them, what nothing
confirms goes to review below the shipped floor (real pages, real OCR, real SQLite)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from pipeline import defs
from pipeline.generate import generate
from pipeline.ingest import ingest
from pipeline.model.form import load_form
from pipeline.recognize import Lexicon, default_engine
from pipeline.recognize.fields import DOUBT_LONE_CHARACTER, DOUBT_NEAR_MISS, DOUBT_UNCONFIRMED, recognize_field
from pipeline.review.corrections import review_field
from pipeline.store.history import verified_values
from pipeline.store.records import current_record
from pipeline.store.workspace import Workspace
from pipeline.synth.handwriting import HandwritingStyle, draw_text, handwriting_font, px_box
from ingest_support import CLASS, make_workspace
from scan_support import RECORD_PAGES, STUDENT, TEMPLATE_DPI, print_batch, rasterise

pytestmark = pytest.mark.slow
FORM = load_form("record")
HAND = HandwritingStyle(  # a tidy, fixed writer: the readings below do not hinge on a draw
    font_path=handwriting_font(), glyph_mm=4.6, digit_fill=0.72, slant=2.0, angle_jitter=1.5,
    size_jitter=0.04, baseline_jitter=0.03, spacing=1.0, stroke_mm=0.04, pen_mm=0.4, ink=40,
)


@pytest.fixture(scope="module")
def blank_page(tmp_path_factory: pytest.TempPathFactory) -> np.ndarray:
    """Page 1 of a record form for scan_support.STUDENT as a registered page."""
    return rasterise(print_batch(tmp_path_factory.mktemp("names")).pdf, RECORD_PAGES[0])


def written(page: np.ndarray, field_id: str, text: str, seed: int) -> np.ndarray:
    page = page.copy()
    draw_text(page, px_box(FORM.field(field_id).value_box), text, style=HAND, rng=np.random.default_rng(seed))
    return page


def read(page: np.ndarray, field_id: str):
    return recognize_field(page, FORM.field(field_id), engine=default_engine(), lexicon=Lexicon.from_roster(STUDENT, (), STUDENT.class_name))


def test_a_place_nothing_confirms_read_at_097_goes_to_review(blank_page: np.ndarray) -> None:
    value = read(written(blank_page, "place", "镇卫生院", seed=2), "place")
    assert value.raw == "镇卫生院"
    assert 0.95 <= value.confidence < defs.SHORT_TEXT_AUTO_MIN  # passed unchecked before the 0.99 floor
    assert value.doubt == DOUBT_UNCONFIRMED


def test_a_name_one_character_from_the_guardians_goes_to_review_whatever_its_confidence(blank_page: np.ndarray) -> None:
    value = read(written(blank_page, "interviewee", "李建民", seed=1), "interviewee")
    assert value.raw == "李建民"
    assert value.doubt == DOUBT_NEAR_MISS.format(known="李建国")


def test_a_lone_character_nothing_confirms_goes_to_review_even_at_0999(blank_page: np.ndarray) -> None:
    value = read(written(blank_page, "place", "宁", seed=1), "place")  # 守→宁 at 0.997 on real writing
    assert value.raw == "宁" and value.confidence >= defs.SHORT_TEXT_AUTO_MIN
    assert value.doubt == DOUBT_LONE_CHARACTER


def _issue(ws: Workspace, root: Path) -> list[tuple[str, np.ndarray]]:
    """Page 1 of the record form of each student of CLASS, as printed."""
    generate(ws, forms=["record"], formats=["pdf"], out_dir=root / "forms", class_name=CLASS)
    manifest = json.loads((root / "forms" / "manifest.json").read_text(encoding="utf-8"))
    return [(e["form_id"], rasterise(root / "forms" / e["file"], e["first_page"] - 1)) for e in manifest]


def _returned(ws: Workspace, folder: Path, page: np.ndarray, form_id: str):
    folder.mkdir()
    Image.fromarray(page).save(folder / "scan.png", dpi=(TEMPLATE_DPI, TEMPLATE_DPI))
    ingest(ws, [folder], workers=1)  # one page: read in this process, no pool to start
    with ws.session() as s:
        record = current_record(s, form_id)
    assert record is not None
    return record


def test_a_place_a_person_verified_makes_the_same_handwritten_place_auto_on_the_next_form(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws")
    (first_id, first), (second_id, second) = _issue(ws, tmp_path)
    before = _returned(ws, tmp_path / "first", written(first, "place", "学生家中", seed=1), first_id)
    assert before.fields["place"].value == "学生家中" and before.fields["place"].status == "review"
    review_field(ws, first_id, "place", "学生家中", version=before.version, operator="班主任")
    with ws.session() as s:
        assert verified_values(s, "place") == ("学生家中",)
    after = _returned(ws, tmp_path / "second", written(second, "place", "学生家中", seed=1), second_id)
    assert after.fields["place"].value == "学生家中" and after.fields["place"].status == "auto"
