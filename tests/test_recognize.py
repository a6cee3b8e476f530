"""Recognition on real pages: record forms rendered, rasterised at the registered resolution
(8 px/mm, so a clean page is its own registered page), written on with the synthetic hand,
and read with the real OCR engine."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import cv2
import numpy as np
import pypdfium2 as pdfium
import pytest
from PIL import Image

from pipeline import defs
from pipeline.generate.batch import filled_form
from pipeline.model.form import Box, FieldDef, load_form
from pipeline.model.people import Student, Teacher
from pipeline.model.policy import load_policy
from pipeline.recognize import (
    CheckboxReading,
    Lexicon,
    default_engine,
    has_ink,
    ink_map,
    read_checkbox,
    read_choice_group,
    recognize_field,
    recognize_page,
)
from pipeline.recognize.combs import read_digits
from pipeline.recognize.engine import BoxPx
from pipeline.recognize.lexicon import similarity
from pipeline.render.pdf import render_pdf
from pipeline.scan.load import to_gray
from pipeline.scan.geometry import crop_mm, registered_shape
from pipeline.synth.handwriting import (
    HandwritingStyle,
    draw_correction,
    draw_digit_cells,
    draw_lines,
    draw_signature,
    draw_text,
    draw_tick,
    handwriting_font,
    px_box,
)

PX = defs.REGISTERED_PX_PER_MM
FORM = load_form("record")
STUDENT = Student(
    "G990102201201010011", "孙丽华", "七年级（1）班", address="青山镇下溪村五组18号",
    guardian_name="孙建国", guardian_relation="父亲", phone="13912345678",
)
TEACHERS = (
    Teacher("T001", "王芳", "班主任", ("七年级（1）班",)),
    Teacher("T002", "陈思远", "科任教师", ("七年级（1）班",)),
    Teacher("T003", "赵磊", "科任教师", ("八年级（1）班",)),
)
NARRATIVE = ("父母在外务工由祖父母照顾", "孩子在家能按时完成作业")


class CountingEngine:
    """The real engine, counting how often each stage is asked for."""

    def __init__(self) -> None:
        self.inner = default_engine()
        self.calls = 0
        self.detections = 0

    @property
    def charset(self) -> Sequence[str]:
        return self.inner.charset

    def line_probabilities(self, imgs: Sequence[np.ndarray]) -> list[np.ndarray]:
        self.calls += 1
        return self.inner.line_probabilities(imgs)

    def detect_lines(self, img: np.ndarray) -> list[BoxPx]:
        self.calls += 1
        self.detections += 1
        return self.inner.detect_lines(img)


@pytest.fixture(scope="module")
def blank_pages(tmp_path_factory: pytest.TempPathFactory) -> list[np.ndarray]:
    """Both pages of a record form for STUDENT as registered pages (nothing written)."""
    pdf = tmp_path_factory.mktemp("recognize") / "record.pdf"
    render_pdf([filled_form(FORM, STUDENT, load_policy())], pdf, batch_id="t", duplex=False)
    rows, cols = registered_shape(FORM.page_size)
    doc = pdfium.PdfDocument(pdf)
    try:
        pages = [np.asarray(doc[i].render(scale=PX * 25.4 / 72, grayscale=True).to_pil().convert("L")) for i in range(2)]
    finally:
        doc.close()
    return [np.ascontiguousarray(p[:rows, :cols]) for p in pages]


@pytest.fixture
def pages(blank_pages: list[np.ndarray]) -> list[np.ndarray]:
    return [p.copy() for p in blank_pages]


@pytest.fixture
def hand() -> HandwritingStyle:
    """A tidy, fixed writer, so OCR tests do not hinge on an unlucky draw."""
    return HandwritingStyle(
        font_path=handwriting_font(), glyph_mm=4.6, digit_fill=0.72, slant=2.0, angle_jitter=1.5,
        size_jitter=0.04, baseline_jitter=0.03, spacing=1.0, stroke_mm=0.04, pen_mm=0.4, ink=40,
    )


def lexicon() -> Lexicon:
    return Lexicon.from_roster(STUDENT, TEACHERS, STUDENT.class_name)


def tick(page: np.ndarray, field_id: str, value: str, hand: HandwritingStyle, kind: str = "tick", seed: int = 1) -> None:
    option = next(o for o in FORM.field(field_id).options if o.value == value)
    draw_tick(page, px_box(option.box), style=hand, rng=np.random.default_rng(seed), kind=kind)


def scribble(page: np.ndarray, box: Box, *, gap_mm: float, share: float = 1.0, pen_mm: float = 0.4) -> None:
    """Blacken ``box`` the way a ballpoint does: rows ``gap_mm`` apart joined at alternate ends,
    over the top ``share`` of the box (the synthetic hand's own fill leaves no gaps)."""
    pen = round(pen_mm * PX)
    left, right, top = box.x * PX + pen, (box.x + box.w) * PX - pen, box.y * PX + pen
    rows = np.arange(top, top + (box.h * PX - 2 * pen) * share + 1e-6, (pen_mm + gap_mm) * PX)
    ends = [[(left, y), (right, y)] if i % 2 == 0 else [(right, y), (left, y)] for i, y in enumerate(rows)]
    points = np.round(np.array(ends).reshape(-1, 2) * 16).astype(np.int32)
    cv2.polylines(page, [points], False, 40, pen, cv2.LINE_AA, 4)


def read(page: np.ndarray, field_id: str, engine: object | None = None):
    return recognize_field(page, FORM.field(field_id), engine=engine or default_engine(), lexicon=lexicon())


def option_crops(page: np.ndarray, field: FieldDef) -> list[np.ndarray]:
    return [crop_mm(page, o.box, pad_mm=defs.OMR_PAD) for o in field.options]


@pytest.mark.slow
def test_written_page_reads_every_field_kind_right(pages: list[np.ndarray], hand: HandwritingStyle) -> None:
    rng = np.random.default_rng(7)
    one, two = pages
    draw_digit_cells(one, [px_box(c) for c in FORM.field("visit_date").cells], "20251103", style=hand, rng=rng)
    draw_digit_cells(one, [px_box(c) for c in FORM.field("visit_time").cells], "18301930", style=hand, rng=rng)
    draw_text(one, px_box(FORM.field("teachers").value_box), "王芳、陈思远", style=hand, rng=rng)
    draw_text(one, px_box(FORM.field("interviewee").value_box), "父亲 孙建国", style=hand, rng=rng)
    tick(one, "mode", "入户走访", hand)
    for topic in ("学习情况", "心理健康", "资助政策"):
        tick(one, "topics", topic, hand)
    bands = [px_box(b) for b in FORM.field("family_situation").lines]
    draw_lines(one, bands[:2], "\n".join(NARRATIVE), style=hand, rng=rng)
    draw_signature(two, px_box(FORM.field("teacher_signature").value_box), style=hand, rng=rng)

    engine = CountingEngine()
    values = recognize_page(one, FORM.pages[0], engine=engine, lexicon=lexicon())
    assert values["visit_date"].raw == "20251103" and not values["visit_date"].doubt
    assert values["visit_time"].raw == "18301930"
    assert values["teachers"].raw == "王芳、陈思远"
    assert values["interviewee"].raw.replace(" ", "") == "父亲孙建国"
    assert values["mode"].raw == ("入户走访",) and values["mode"].source == "omr"
    assert values["topics"].raw == ("学习情况", "心理健康", "资助政策")
    narrative = values["family_situation"].raw.split("\n")
    assert len(narrative) == 2
    assert all(similarity(read, truth) >= 0.8 for read, truth in zip(narrative, NARRATIVE))
    assert values["place"].raw == "" and values["school_feedback"].raw == ""
    assert set(values) == {f.id for f in FORM.pages[0].fields if f.fillable}

    assert engine.detections == 0  # writing on the guide lines needs the recognizer alone
    signed = recognize_page(two, FORM.pages[1], engine=engine, lexicon=lexicon())
    assert signed["teacher_signature"].raw is True and not signed["teacher_signature"].doubt
    assert signed["parent_signature"].raw is False
    assert signed["followup_due"].raw == ""


@pytest.mark.slow
@pytest.mark.parametrize("ink_rgb", [(30, 50, 140), (70, 130, 230), (190, 30, 40)], ids=["ballpoint", "light-gel", "red"])
def test_coloured_pen_on_a_colour_scan_reads_as_black_ink_does(
    blank_pages: list[np.ndarray], pages: list[np.ndarray], hand: HandwritingStyle, ink_rgb: tuple[int, int, int]
) -> None:
    rng = np.random.default_rng(5)
    page = pages[0]
    draw_digit_cells(page, [px_box(c) for c in FORM.field("visit_date").cells], "20251103", style=hand, rng=rng)
    draw_text(page, px_box(FORM.field("teachers").value_box), "王芳、陈思远", style=hand, rng=rng)
    tick(page, "mode", "电话", hand)
    draw_lines(page, [px_box(b) for b in FORM.field("family_situation").lines][:1], NARRATIVE[0], style=hand, rng=rng)
    printed = blank_pages[0].astype(np.float32)[:, :, None]
    pen_cover = np.clip(printed - page.astype(np.float32)[:, :, None], 0, 255) / 255.0  # the writing alone
    rgb = printed * (1.0 - pen_cover * (1.0 - np.array(ink_rgb, np.float32) / 255.0))  # black print, coloured pen
    colour_page = to_gray(Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8), "RGB"))
    values = recognize_page(colour_page, FORM.pages[0], engine=default_engine(), lexicon=lexicon())
    assert values["visit_date"].raw == "20251103" and not values["visit_date"].doubt
    assert values["teachers"].raw == "王芳、陈思远"
    assert values["mode"].raw == ("电话",) and not values["mode"].doubt
    assert similarity(values["family_situation"].raw, NARRATIVE[0]) >= 0.8


@pytest.mark.slow
def test_phone_comb_and_short_text_read_with_the_recognizer(pages: list[np.ndarray], hand: HandwritingStyle) -> None:
    rng = np.random.default_rng(3)
    page = pages[0]
    phone = FORM.field("phone")
    for cell in phone.cells:  # rub out the printed number inside the cells, keep their frames
        inner = crop_mm(page, cell, pad_mm=-0.3)
        inner[:] = 255
    draw_digit_cells(page, [px_box(c) for c in phone.cells], "13987654321", style=hand, rng=rng)
    draw_text(page, px_box(FORM.field("place").value_box), "学生家中", style=hand, rng=rng)
    assert read(page, "place").raw == "学生家中"
    cells = [crop_mm(page, c, pad_mm=-defs.CELL_INSET) for c in phone.cells]
    assert read_digits(cells, default_engine()).raw == "13987654321"


@pytest.mark.slow
def test_writing_across_the_guide_lines_is_read_by_detection(pages: list[np.ndarray], hand: HandwritingStyle) -> None:
    field = FORM.field("school_feedback")
    first = field.lines[0]
    rng = np.random.default_rng(9)
    for i, line in enumerate(NARRATIVE):  # each line centred on a guide line, not above it
        straddling = Box(first.x, first.bottom + i * first.h - first.h / 2, first.w, first.h)
        draw_text(pages[0], px_box(straddling), line, style=hand, rng=rng)
    engine = CountingEngine()
    reading = recognize_field(pages[0], field, engine=engine)
    assert engine.detections == 1
    lines = reading.raw.split("\n")
    assert len(lines) == 2
    assert all(similarity(read, truth) >= 0.8 for read, truth in zip(lines, NARRATIVE))


@pytest.mark.slow
def test_partly_filled_comb_is_doubted(pages: list[np.ndarray], hand: HandwritingStyle) -> None:
    due = FORM.field("followup_due")
    draw_digit_cells(pages[1], [px_box(c) for c in due.cells], "2025", style=hand, rng=np.random.default_rng(5))
    reading = read(pages[1], "followup_due")
    assert reading.raw == "2025____" and reading.doubt and reading.confidence <= 0.5


def test_empty_boxes_read_empty_without_any_ocr(pages: list[np.ndarray]) -> None:
    engine = CountingEngine()
    values = {}
    for image, page in zip(pages, FORM.pages):
        values |= recognize_page(image, page, engine=engine, lexicon=lexicon())
    assert engine.calls == 0
    for field_id, value in values.items():
        kind = FORM.field(field_id).kind
        expected = {"single_choice": (), "multi_choice": (), "signature": False}.get(kind, "")
        assert value.raw == expected, field_id
        assert not value.doubt and value.confidence >= 0.9, field_id


def test_guide_lines_of_a_1bit_scan_are_not_ink(blank_pages: list[np.ndarray]) -> None:
    one_bit = np.where(blank_pages[1] < 200, 0, 255).astype(np.uint8)  # guide lines turn black
    for field in FORM.pages[1].fields:
        if field.kind == "multiline":
            assert has_ink(crop_mm(one_bit, field.value_box, pad_mm=-defs.TEXT_INSET)) is False, field.id


def test_broken_guide_line_is_cleared_but_a_stroke_across_it_is_kept() -> None:
    crop = np.full((80, 400), 255, np.uint8)
    row = 40
    rng = np.random.default_rng(3)
    x = 0
    while x < 400:  # a guide line a 1-bit scan broke into uneven dashes
        dash, gap, dy = rng.integers(3, 8), rng.integers(5, 12), rng.integers(-1, 2)
        crop[row - 1 + dy : row + 1 + dy, x : x + dash] = 0
        x += dash + gap
    crop[10:70, 200:204] = 0  # a written stroke crossing the line
    assert ink_map(crop).mask[row - 1 : row + 1, :150].any()
    cleared = ink_map(crop, rules=[row]).mask
    assert not cleared[row - 3 : row + 4, :190].any() and not cleared[row - 3 : row + 4, 215:].any()
    assert cleared[12:68, 200:204].all()


def test_faint_short_mark_is_ambiguous_and_doubted(pages: list[np.ndarray]) -> None:
    field = FORM.field("visit_type")
    box = field.options[1].box
    cx, cy = round((box.x + box.w / 2) * PX), round((box.y + box.h / 2) * PX)
    cv2.line(pages[0], (cx - 4, cy), (cx + 3, cy + 2), 60, 2)
    assert read_checkbox(option_crops(pages[0], field)[1]).state == "ambiguous_light"
    reading = read_choice_group(option_crops(pages[0], field), field)
    assert reading.doubt == "勾选不清：重点" and reading.confidence <= 0.5


def test_two_ticks_in_a_single_choice_are_doubted(pages: list[np.ndarray], hand: HandwritingStyle) -> None:
    tick(pages[0], "visit_type", "普访", hand)
    tick(pages[0], "visit_type", "回访", hand, seed=2)
    reading = read(pages[0], "visit_type")
    assert reading.raw == ("普访", "回访") and reading.doubt == "选了多个"


def test_crossed_out_box_and_another_tick_read_as_the_other(pages: list[np.ndarray], hand: HandwritingStyle) -> None:
    field = FORM.field("mode")
    draw_correction(pages[0], px_box(field.options[0].box), style=hand, rng=np.random.default_rng(4))
    tick(pages[0], "mode", "电话", hand)
    assert read_checkbox(option_crops(pages[0], field)[0]).state == "crossed_out"
    reading = read(pages[0], "mode")
    assert reading.raw == ("电话",) and not reading.doubt


def test_tick_straying_over_the_border_counts_as_ticked(pages: list[np.ndarray], hand: HandwritingStyle) -> None:
    tick(pages[0], "student_present", "否", hand, kind="stray_tick")
    reading = read(pages[0], "student_present")
    assert reading.raw == ("否",) and not reading.doubt


def test_every_writers_ticks_crosses_and_fills_read_sure(pages: list[np.ndarray]) -> None:
    """Ordinary marks of every synthetic writer read in their state, sure enough for ``auto``."""
    field = FORM.field("topics")
    rng = np.random.default_rng(11)
    for kind, state in {"tick": "ticked", "cross": "ticked", "fill": "crossed_out"}.items():
        page = pages[0].copy()
        for option in field.options:
            draw_tick(page, px_box(option.box), style=HandwritingStyle.random(rng), rng=rng, kind=kind)
        for crop in option_crops(page, field):
            reading = read_checkbox(crop)
            assert reading.state == state and reading.confidence >= defs.AUTO_MIN_CONFIDENCE, (kind, reading)
    for crop in option_crops(pages[0], field):
        assert read_checkbox(crop) == CheckboxReading(0.0, "empty", 1.0)


@pytest.mark.parametrize("pen_mm", [1.0, 1.2])
def test_marker_pen_tick_is_never_a_sure_withdrawal(pages: list[np.ndarray], hand: HandwritingStyle, pen_mm: float) -> None:
    field = FORM.field("topics")
    marker = replace(hand, pen_mm=pen_mm)
    for kind in ("tick", "cross"):
        page = pages[0].copy()
        for i, option in enumerate(field.options):
            draw_tick(page, px_box(option.box), style=marker, rng=np.random.default_rng(i), kind=kind)
        for crop in option_crops(page, field):
            reading = read_checkbox(crop)
            assert reading.state in ("ticked", "ambiguous_heavy"), (kind, reading)
        group = read_choice_group(option_crops(page, field), field)
        assert len(group.raw) == len(field.options) or group.doubt, kind


def test_scribbled_fill_with_gaps_is_crossed_out(pages: list[np.ndarray], hand: HandwritingStyle) -> None:
    field = FORM.field("mode")
    tick(pages[0], "mode", "入户走访", hand)
    scribble(pages[0], field.options[0].box, gap_mm=0.4)
    tick(pages[0], "mode", "电话", hand)
    withdrawn = read_checkbox(option_crops(pages[0], field)[0])
    assert withdrawn.fill_ratio < 0.95  # the gaps are there
    assert withdrawn.state == "crossed_out" and withdrawn.confidence >= defs.AUTO_MIN_CONFIDENCE
    reading = read(pages[0], "mode")
    assert reading.raw == ("电话",) and not reading.doubt and reading.confidence >= defs.AUTO_MIN_CONFIDENCE


@pytest.mark.parametrize("gap_mm, share", [(0.6, 1.0), (0.1, 0.7)], ids=["loose", "part_of_the_box"])
def test_box_filled_loosely_or_in_part_is_doubted(pages: list[np.ndarray], gap_mm: float, share: float) -> None:
    field = FORM.field("visit_type")
    scribble(pages[0], field.options[2].box, gap_mm=gap_mm, share=share)
    assert read_checkbox(option_crops(pages[0], field)[2]).state == "ambiguous_heavy"
    reading = read(pages[0], "visit_type")
    assert reading.doubt == "笔迹过重，分不清是勾选还是涂掉：回访" and reading.confidence <= 0.5


def test_mark_just_over_the_tick_threshold_is_read_but_not_sure(pages: list[np.ndarray]) -> None:
    field = FORM.field("student_present")
    box = field.options[0].box
    cx, cy = round((box.x + box.w / 2) * PX), round((box.y + box.h / 2) * PX)
    cv2.line(pages[0], (cx - 5, cy + 3), (cx + 5, cy - 3), 40, 3, cv2.LINE_AA)
    reading = read_checkbox(option_crops(pages[0], field)[0])
    assert defs.OMR_TICK_MIN < reading.fill_ratio < defs.OMR_TICK_MIN + defs.OMR_TICK_SOFT
    assert reading.state == "ticked" and reading.confidence < defs.AUTO_MIN_CONFIDENCE
    group = read(pages[0], "student_present")
    assert group.raw == ("是",) and group.confidence < defs.AUTO_MIN_CONFIDENCE
