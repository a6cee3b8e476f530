"""Faint and broken ink, and comb cells that hold a lone stroke (issue 12, items 1 and 2).

Pencil and light pens (grey 170-200 on white paper) fall under the ordinary ink level, and a
1-bit copy of them breaks strokes into dots: such a cell or box is read from its joined
strokes and sent to review, never taken for an empty one; a page whose writing is faint says
so once. A "1" written beside a cell's side is writing, not the cell's printed frame, and a 1
or a 7 is checked against the cell's own ink. A page scanned at too low a resolution loses thin
strokes for want of pixels: it says so, and what to do, instead of blaming the pen or the paper."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path

import cv2
import numpy as np
import pypdfium2 as pdfium
import pytest
from PIL import Image

from pipeline import defs
from pipeline.ingest import ingest
from pipeline.ingest.scan_page import (
    BILEVEL_NARRATIVE, DOUBT_BILEVEL, DOUBT_FAINT_HAND, DOUBT_LOW_RESOLUTION, DOUBT_STRAY_PRINTED, FAINT_HAND, LOW_RESOLUTION,
    MISPLACED,
)
from pipeline.model.form import Box, load_form
from pipeline.model.record import Record
from pipeline.recognize import default_engine
from pipeline.recognize.combs import ONE, SEVEN, comb_segments, read_digits, shape_checked
from pipeline.recognize.fields import recognize_field
from pipeline.recognize.ink import InkMap
from pipeline.recognize.omr import read_checkbox, read_choice_group
from pipeline.recognize.quality import page_ink, thresholded
from pipeline.recognize.stray import stray_writing
from pipeline.scan.geometry import crop_mm
from pipeline.scan.load import scan_pages
from pipeline.store.records import current_record
from pipeline.synth.handwriting import (
    HandwritingStyle, draw_correction, draw_digit_cells, draw_text, draw_tick, handwriting_font, px_box,
)
from pipeline.synth.scanner import ScannerModel
from scan_support import TEMPLATE_DPI, issue_one_form, rasterise, scanned

FORM = load_form("record")
PX = defs.REGISTERED_PX_PER_MM
SCHOOL_YEAR = (dt.date(2025, 9, 1), dt.date(2026, 7, 15))
DATE, TIME, VISIT_TYPE = "20251117", "14101530", "重点"
GREY = ScannerModel(dpi=200, rotation=1.0, shift_mm=(1.5, -1.0), blur=0.5, noise=3.0)
PENCIL_SCANS = {  # (pencil grey, scanner): the grey scan, and 1-bit copies whose threshold breaks the strokes
    "grey": (185, GREY),
    "1-bit 175": (178, ScannerModel(dpi=200, mode="bw", bw_threshold=175, noise=6.0, blur=0.6, rotation=1.0)),
    "1-bit 185": (185, ScannerModel(dpi=200, mode="bw", bw_threshold=185, noise=6.0, blur=0.6, rotation=1.0)),
}


def _hand(ink: int) -> HandwritingStyle:
    return HandwritingStyle(
        font_path=handwriting_font(), glyph_mm=4.6, digit_fill=0.72, slant=2.0, angle_jitter=1.5,
        size_jitter=0.04, baseline_jitter=0.03, spacing=1.0, stroke_mm=0.04, pen_mm=0.4, ink=ink,
    )


def _write_visit(page: np.ndarray, ink: int, *, tick: bool = True) -> None:
    """Date and time in their combs and a tick for the visit type, in one pen of grey ``ink``."""
    hand = _hand(ink)
    draw_digit_cells(page, [px_box(c) for c in FORM.field("visit_date").cells], DATE, style=hand, rng=np.random.default_rng(1))
    draw_digit_cells(page, [px_box(c) for c in FORM.field("visit_time").cells], TIME, style=hand, rng=np.random.default_rng(2))
    if tick:
        option = next(o for o in FORM.field("visit_type").options if o.value == VISIT_TYPE)
        draw_tick(page, px_box(option.box), style=hand, rng=np.random.default_rng(3), kind="tick")


def _with_paragraph(page: np.ndarray, ink: int) -> None:
    """The visit in ``ink`` and the first line of a paragraph in a dark pen."""
    _write_visit(page, ink)
    line = px_box(FORM.field("family_situation").lines[0])
    draw_text(page, line, "家长支持孩子学习", style=_hand(40), rng=np.random.default_rng(4))


def _ingested(
    folder: Path, scanner: ScannerModel, write: Callable[[np.ndarray], None], *, suffix: str = ".png", dpi_tag: bool = True
) -> tuple[Record, str]:
    """The record and the file's ingest reason after ``write`` on page 1 and scanning it (the
    scan's dpi in the file's metadata unless not ``dpi_tag``; page 2 as printed on its back)."""
    issued = issue_one_form(folder, "淡笔班")
    write(issued.page)
    back = rasterise(next((issued.forms_dir / "pdf" / "record").glob("*.pdf")), 1) if scanner.show_through else None
    scan = folder / f"scan{suffix}"
    Image.fromarray(scanned(issued.page, scanner, back=back)).save(scan, **({"dpi": (scanner.dpi, scanner.dpi)} if dpi_tag else {}))
    report = ingest(issued.ws, [scan], workers=1)
    with issued.ws.session() as s:
        record = current_record(s, issued.form_id)
    issued.ws.close()
    assert record is not None, "the written page was read into a record"
    return record, report.files[0].reason


def _withdrawn_in_pencil(page: np.ndarray, *, pen_mm: float = 0.4, seed: int = 0) -> None:
    """是 of student_present ticked and then filled in (the form's way to withdraw a choice)
    and 否 ticked, in graphite pencil."""
    field = FORM.field("student_present")
    withdrawn, chosen = field.options
    pencil = replace(_hand(140), pen_mm=pen_mm, pencil=True)
    draw_correction(page, px_box(withdrawn.box), style=pencil, rng=np.random.default_rng(seed))
    draw_tick(page, px_box(chosen.box), style=pencil, rng=np.random.default_rng(seed + 100))


def _says(value: object, written: str) -> bool:
    """A stored value (a date, a time range, a chosen option) is what was written."""
    return value in (written, [written]) or str(value) == written


@pytest.fixture(scope="module")
def print_page(tmp_path_factory: pytest.TempPathFactory) -> np.ndarray:
    """Page 1 of an issued record form as printed, at the registered resolution."""
    issued = issue_one_form(tmp_path_factory.mktemp("print"), "单笔班")
    issued.ws.close()
    return rasterise(next((issued.forms_dir / "pdf" / "record").glob("*.pdf")), 0)


@pytest.mark.slow
@pytest.mark.parametrize("scan", PENCIL_SCANS)
def test_pencil_combs_and_tick_are_never_auto_empty_nor_auto_wrong(tmp_path: Path, scan: str) -> None:
    ink, scanner = PENCIL_SCANS[scan]
    record, _ = _ingested(tmp_path, scanner, partial(_write_visit, ink=ink))
    truth = {"visit_date": "2025-11-17", "visit_time": "14:10-15:30", "visit_type": VISIT_TYPE}
    for field_id, want in truth.items():
        got = record.fields[field_id]
        assert got.status == "review" or _says(got.value, want), f"{field_id}: {got.value!r} accepted, {want!r} written"
        assert got.status == "review" or got.value, f"{field_id}: pencil writing accepted as empty"


@pytest.mark.slow
def test_a_page_written_in_pencil_says_so_once_and_sends_its_fields_to_review(tmp_path: Path) -> None:
    record, reason = _ingested(tmp_path, GREY, partial(_write_visit, ink=185))
    assert reason.count(FAINT_HAND) == 1 and FAINT_HAND == "字迹过淡（铅笔或浅色笔）：请用灰度重新扫描"
    for field_id in ("visit_date", "visit_time", "visit_type", "place"):
        assert record.fields[field_id].status == "review"
        assert DOUBT_FAINT_HAND in record.fields[field_id].message


@pytest.mark.slow
def test_a_correction_in_pencil_beside_a_printed_value_on_a_pencil_page_is_shown_not_lost(tmp_path: Path) -> None:
    """A teacher who writes in pencil writes the family's new address beside the printed one in
    pencil too. Pencil is lighter than the ink writing outside the boxes was looked for at, so
    the correction was lost and the printed address stood `auto`. On a page whose writing is
    faint the pre-printed fields are searched at the page's faint level: the address goes to a
    person. The same page without the correction, its back seen through the sheet and folded
    across the address (the back's QR code and the fold's shadow are as dark as pencil), leaves
    the address as printed and finds nothing."""
    address = FORM.field("address").value_box
    pencil = replace(_hand(185), pencil=True)

    def corrected(page: np.ndarray) -> None:
        _write_visit(page, 185)
        draw_text(page, px_box(Box(address.x + 100, address.y + 1.5, 55, 9)), "现住幸福里5栋", style=pencil, rng=np.random.default_rng(4))

    record, reason = _ingested(tmp_path / "corrected", GREY, corrected)
    assert record.fields["address"].status == "review" and DOUBT_STRAY_PRINTED.format(label="家庭住址") in record.fields["address"].message
    assert FAINT_HAND in reason and "1 处手写字迹不在填写栏里" in reason
    # the back's QR code and frames seen through the sheet, and a fold's shadow across the address
    handled = replace(GREY, show_through=0.15, folds=((address.y + 9.7, 0.2, 0.8, 0.4),))
    record, reason = _ingested(tmp_path / "as-printed", handled, partial(_write_visit, ink=185))
    assert record.fields["address"].status == "auto" and "手写字迹不在填写栏里" not in reason


def test_the_backs_qr_code_seen_through_a_printed_field_is_not_taken_for_a_pencil_correction(tmp_path: Path) -> None:
    """On a page written faintly the printed fields are searched at the faint level, where the
    QR code on the sheet's back, seen through the paper (mirrored, and 3 mm lower where a duplex
    printer set the back off), lies on 表单编号 as dark as pencil: it is not writing. Pencil
    beside the printed address on the same page is."""
    issued = issue_one_form(tmp_path, "淡笔班")
    issued.ws.close()
    printed, page = issued.page, FORM.pages[0]
    qr = page.qr_box
    rows, cols = slice(round(qr.y * PX), round(qr.bottom * PX)), slice(round(qr.x * PX), round(qr.right * PX))
    seen = np.full(printed.shape, 255.0)
    top, left = round((qr.y + 3) * PX), printed.shape[1] - cols.stop
    seen[top : top + rows.stop - rows.start, left : left + cols.stop - cols.start] = printed[rows, cols][:, ::-1]
    seen = cv2.GaussianBlur(255 - 0.15 * (255 - seen), (0, 0), 0.3 * PX)
    scan = np.minimum(printed, seen).astype(np.uint8)
    assert stray_writing(scan, printed, page, faint_level=defs.FAINT_INK_LEVEL) == []
    address = FORM.field("address").value_box
    pencil = replace(_hand(185), pencil=True)
    draw_text(scan, px_box(Box(address.x + 100, address.y + 1.5, 55, 9)), "现住幸福里5栋", style=pencil, rng=np.random.default_rng(4))
    assert [s.field_id for s in stray_writing(scan, printed, page, faint_level=defs.FAINT_INK_LEVEL)] == ["address"]


@pytest.mark.slow
def test_a_page_with_only_pencil_digits_is_read_not_skipped_as_unfilled(tmp_path: Path) -> None:
    record, _ = _ingested(tmp_path, GREY, partial(_write_visit, ink=190, tick=False))
    assert record.fields["visit_date"].raw, "the pencil date was read"
    assert record.fields["visit_date"].status == "review"


@pytest.mark.slow
def test_combs_a_1_bit_copy_wiped_clean_of_pencil_are_not_auto_empty(tmp_path: Path) -> None:
    """The copier's threshold lies above the pencil's grey: the combs and the tick are gone,
    only the paragraph written in ink is left. What the page shows empty may not be."""
    scanner = ScannerModel(dpi=200, mode="bw", bw_threshold=160, noise=4.0, rotation=1.0)
    record, reason = _ingested(tmp_path, scanner, partial(_with_paragraph, ink=195))
    assert FAINT_HAND in reason
    for field_id in ("visit_time", "visit_type"):
        assert record.fields[field_id].status == "review", f"{field_id} accepted as empty"


@pytest.mark.slow
@pytest.mark.parametrize("threshold", [150, 158])
def test_what_a_1_bit_copy_kept_of_a_choice_withdrawn_in_pencil_is_not_accepted(tmp_path: Path, threshold: int) -> None:
    """The visit written in pencil, 是 withdrawn and 否 ticked; the copy wipes the digits and
    the tick and keeps islands of the filled box, in pieces: the page is faint, and 是 goes to a
    person (it was stored ``auto`` at confidence 0.95-1.0)."""

    def write(page: np.ndarray) -> None:
        _write_visit(page, 140, tick=False)
        _withdrawn_in_pencil(page, seed=2)

    copier = ScannerModel(dpi=200, mode="bw", bw_threshold=threshold, noise=6.5, blur=0.95, rotation=1.0)
    record, reason = _ingested(tmp_path, copier, write)
    assert FAINT_HAND in reason
    assert record.fields["student_present"].status == "review", record.fields["student_present"]


@pytest.mark.slow
@pytest.mark.parametrize("suffix", [".png", ".jpg"])
def test_a_paragraph_on_a_1_bit_scan_goes_to_a_person_and_the_same_page_in_grey_does_not_say_so(tmp_path: Path, suffix: str) -> None:
    """A 1-bit copy may drop a final 。 or break one into a ： while the rest of the line reads
    surely: its paragraphs are checked, also when it was saved as JPEG (as a phone scanner
    app's black-and-white mode saves); its digits and ticks are not held for that."""
    copier = ScannerModel(dpi=200, mode="bw", bw_threshold=128, noise=3.0, rotation=1.0)
    bw, bw_reason = _ingested(tmp_path / "bw", copier, partial(_with_paragraph, ink=40), suffix=suffix)
    grey, grey_reason = _ingested(tmp_path / "grey", GREY, partial(_with_paragraph, ink=40))
    assert bw_reason.count(BILEVEL_NARRATIVE.format(count=1)) == 1
    assert bw.fields["family_situation"].status == "review"
    assert DOUBT_BILEVEL in bw.fields["family_situation"].message
    assert bw.fields["family_situation"].lines and not any(line.accepted for line in bw.fields["family_situation"].lines), (
        "every line is shown to the reviewer with its image, not as a sure line"
    )
    assert "家长支持孩子" in bw.fields["family_situation"].raw
    assert not any(DOUBT_BILEVEL in bw.fields[f].message for f in ("visit_date", "visit_time", "visit_type"))
    assert BILEVEL_NARRATIVE.split("：")[0] not in grey_reason
    assert DOUBT_BILEVEL not in grey.fields["family_situation"].message


def test_a_1_bit_scan_on_a_turned_pdf_page_is_still_seen_as_thresholded(tmp_path: Path) -> None:
    """A copier that turns a page (/Rotate) has it rendered rather than taken as stored; a
    smoothed rendering would give the 1-bit image a grey scan's soft edges."""
    issued = issue_one_form(tmp_path, "淡笔班")
    issued.ws.close()
    _with_paragraph(issued.page, ink=40)
    copier = ScannerModel(dpi=200, mode="bw", bw_threshold=128, noise=3.0, rotation=1.0)
    Image.fromarray(scanned(issued.page, copier)).convert("1").save(tmp_path / "flat.pdf", resolution=copier.dpi)
    doc = pdfium.PdfDocument(tmp_path / "flat.pdf")
    doc[0].set_rotation(180)
    doc.save(tmp_path / "turned.pdf")
    doc.close()
    flat, turned = (next(scan_pages(tmp_path / name)) for name in ("flat.pdf", "turned.pdf"))
    assert turned.dpi == defs.SCAN_RENDER_DPI != flat.dpi, "the turned page is rendered, the flat one taken as stored"
    assert flat.image is not None and thresholded(flat.image)
    assert turned.image is not None and thresholded(turned.image)


@pytest.mark.slow
@pytest.mark.parametrize("dpi_tag", [True, False], ids=["dpi-in-file", "dpi-from-size"])
def test_a_page_scanned_at_100_dpi_says_to_rescan_and_sends_its_writing_and_empty_boxes_to_a_person(tmp_path: Path, dpi_tag: bool) -> None:
    """Thin strokes and box outlines lost for want of pixels read as faint pencil and bent paper;
    the page names its resolution once instead, whether the file says it or its size does."""
    scanner = replace(GREY, dpi=100)
    record, reason = _ingested(tmp_path, scanner, partial(_with_paragraph, ink=40), dpi_tag=dpi_tag)
    assert reason.count(LOW_RESOLUTION.split("（")[0]) == 1 and LOW_RESOLUTION.format(dpi=100) in reason
    assert FAINT_HAND not in reason and MISPLACED.split("：")[0] not in reason
    for field_id in ("visit_date", "visit_time", "family_situation", "place", "mode", "school_feedback"):
        assert record.fields[field_id].status == "review", field_id
        assert DOUBT_LOW_RESOLUTION in record.fields[field_id].message, field_id
    assert "家长支持孩子" in record.fields["family_situation"].raw, "the paragraph is still read as a draft"
    for field_id, field in record.fields.items():  # pre-printed roster values have no reading (raw)
        assert not (field.status == "auto" and field.source == "ocr" and field.raw), f"{field_id}: handwriting accepted at 100 dpi"


@pytest.mark.slow
def test_a_page_scanned_at_150_dpi_is_read_as_a_200_dpi_one(tmp_path: Path) -> None:
    record, reason = _ingested(tmp_path, replace(GREY, dpi=150), partial(_with_paragraph, ink=40))
    assert LOW_RESOLUTION.split("（")[0] not in reason
    assert record.fields["visit_time"].status == "auto" and record.fields["visit_time"].value == "14:10-15:30"
    assert not any(DOUBT_LOW_RESOLUTION in f.message for f in record.fields.values())


@pytest.mark.slow
def test_a_page_written_in_ink_is_not_called_faint(tmp_path: Path) -> None:
    record, reason = _ingested(tmp_path, GREY, partial(_write_visit, ink=40))
    assert FAINT_HAND not in reason
    assert record.fields["visit_time"].status == "auto", record.fields["visit_time"].message
    assert _says(record.fields["visit_type"].value, VISIT_TYPE)


def test_a_pencil_tick_reads_unclear_not_empty(print_page: np.ndarray) -> None:
    page = print_page.copy()
    _write_visit(page, 190)
    option = next(o for o in FORM.field("visit_type").options if o.value == VISIT_TYPE)
    reading = read_checkbox(crop_mm(page, option.box, pad_mm=defs.OMR_PAD))
    assert reading.state == "ambiguous_light" and reading.confidence <= 0.5


@pytest.mark.parametrize("pen_mm", [0.4, 0.6])
@pytest.mark.parametrize("seed", range(4))
def test_a_choice_withdrawn_in_pencil_on_a_1_bit_copy_is_never_read_as_a_sure_choice(
    print_page: np.ndarray, pen_mm: float, seed: int
) -> None:
    """是 ticked and then filled in (the form's way to withdraw a choice), 否 ticked, all in
    pencil, copied in 1-bit mode: the copy keeps islands of the fill with bare gaps between them
    and may drop the tick. The islands are no tick: the field goes to a person, never ``auto``
    as 是 (hard stack, seed 13: 是 read at 1.0 where 否 was meant)."""
    field = FORM.field("student_present")
    page = print_page.copy()
    _withdrawn_in_pencil(page, pen_mm=pen_mm, seed=seed)
    copier = ScannerModel(dpi=TEMPLATE_DPI, mode="bw", bw_threshold=158, noise=6.5, blur=0.95)
    copy = scanned(page, copier, seed=seed)
    group = read_choice_group([crop_mm(copy, o.box, pad_mm=defs.OMR_PAD) for o in field.options], field)
    assert group.doubt or group.confidence < defs.AUTO_MIN_CONFIDENCE, group


def test_a_lone_upright_stroke_beside_a_cells_side_is_a_one(print_page: np.ndarray) -> None:
    field = FORM.field("visit_time")
    for offset_mm in (0.9, 3.0, 5.0):  # by the left side, in the middle, by the right side
        page = print_page.copy()
        for cell in field.cells:
            x = round((cell.x + offset_mm) * PX)
            cv2.line(page, (x, round((cell.y + 1.6) * PX)), (x, round((cell.y + 6.4) * PX)), 30, 2, cv2.LINE_AA)
        reading = recognize_field(page, field, engine=default_engine())
        assert reading.raw == "11111111", f"strokes {offset_mm} mm from the cell's side read {reading.raw!r}"


def test_a_seven_with_its_bar_under_the_cells_top_is_not_a_sure_one(print_page: np.ndarray) -> None:
    field = FORM.field("visit_time")
    page = print_page.copy()
    for cell in field.cells:
        x0, y0 = (cell.x + 1.0) * PX, (cell.y + 0.8) * PX
        corner = (round(x0 + 3.8 * PX), round(y0))
        cv2.line(page, (round(x0), round(y0)), corner, 30, 2, cv2.LINE_AA)
        cv2.line(page, corner, (round(x0 + 1.6 * PX), round(y0 + 5.6 * PX)), 30, 2, cv2.LINE_AA)
    reading = recognize_field(page, field, engine=default_engine())
    assert "1" not in reading.raw or reading.doubt, f"sevens read {reading.raw!r} surely"


def test_a_slanted_stroke_in_a_date_is_no_sure_one(print_page: np.ndarray) -> None:
    """A "/" where the day's last digit goes: the grammar would welcome a 1 there (the 11th)."""
    field = FORM.field("visit_date")
    page = print_page.copy()
    draw_digit_cells(page, [px_box(c) for c in field.cells], "2025111 ", style=_hand(40), rng=np.random.default_rng(1))
    cell = field.cells[7]
    bottom = (round((cell.x + 1.0) * PX), round((cell.y + 6.6) * PX))
    cv2.line(page, bottom, (round(bottom[0] + 3.0 * PX), round((cell.y + 1.4) * PX)), 30, 2, cv2.LINE_AA)
    cells = [crop_mm(page, c, pad_mm=-defs.CELL_INSET) for c in field.cells]
    reading = read_digits(cells, default_engine(), segments=comb_segments(field, SCHOOL_YEAR))
    assert reading.confidence < defs.COMB_AUTO_MIN and reading.doubt, f"'/' read as {reading.raw!r} surely"


def test_the_cells_ink_decides_between_one_and_seven() -> None:
    seven = np.zeros((40, 30), bool)
    seven[2:5, 4:26] = True  # the bar
    for y in range(5, 38):
        seven[y, 24 - (y - 5) * 14 // 33 : 27 - (y - 5) * 14 // 33] = True
    one = np.zeros((40, 30), bool)
    one[2:38, 13:16] = True
    leaning_one = np.array([0.05, 0.6, 0, 0, 0, 0, 0, 0.35, 0, 0])
    assert shape_checked(leaning_one, InkMap(np.where(seven, 0, 255).astype(np.uint8), seven)).argmax() == SEVEN
    leaning_seven = np.array([0.05, 0.35, 0, 0, 0, 0, 0, 0.6, 0, 0])
    assert shape_checked(leaning_seven, InkMap(np.where(one, 0, 255).astype(np.uint8), one)).argmax() == ONE
    sure_one = np.array([0.0, 0.99, 0, 0, 0, 0, 0, 0.01, 0, 0])
    assert shape_checked(sure_one, InkMap(np.where(one, 0, 255).astype(np.uint8), one))[ONE] == pytest.approx(0.99)


def test_faint_ink_is_judged_against_the_pages_blank_boxes(print_page: np.ndarray) -> None:
    """A grey copy's speckle is in every box of the page, written or not: it is the page's
    baseline, not writing, while pencil darker than it still is writing."""
    page = print_page.copy()
    speckle = np.random.default_rng(5).random(page.shape) < 0.05
    page[speckle & (page > 200)] = 215
    draw_digit_cells(page, [px_box(c) for c in FORM.field("visit_date").cells], DATE, style=_hand(185), rng=np.random.default_rng(1))
    ink = page_ink(page, FORM.pages[0])
    assert defs.INK_LEVEL < ink.faint_level < defs.FAINT_INK_LEVEL
    empty = recognize_field(page, FORM.field("visit_time"), engine=default_engine(), faint_level=ink.faint_level)
    assert (empty.raw, empty.confidence) == ("", 1.0)
    pencil = recognize_field(page, FORM.field("visit_date"), engine=default_engine(), faint_level=ink.faint_level)
    assert pencil.raw == DATE and pencil.doubt
    speckled = recognize_field(page, FORM.field("visit_time"), engine=default_engine())
    assert speckled.confidence < defs.AUTO_MIN_CONFIDENCE, "counted from white paper, the speckle would be writing"


def test_a_page_scanned_too_faintly_sends_its_empty_boxes_to_a_person_and_keeps_clear_ticks() -> None:
    from pipeline.ingest.scan_page import DOUBT_FAINT_SCAN, faint_scan_doubts
    from pipeline.model.record import RawValue

    read = {
        "topics": RawValue(None, 0.95, "omr"),  # a pencil tick the 1-bit copy dropped reads as none
        "attachments": RawValue((), 1.0, "omr"),
        "mode": RawValue("电话", 1.0, "omr"),
        "visit_type": RawValue("重点", 0.95, "omr"),  # a tick in pieces: maybe what the copy kept of a filled box
        "place": RawValue("学生家中", 0.99, "ocr"),
    }
    doubted = faint_scan_doubts(read)
    assert {fid for fid, v in doubted.items() if DOUBT_FAINT_SCAN in v.doubt} == {"topics", "attachments", "place", "visit_type"}
    assert doubted["mode"] == read["mode"], "a clear tick stands"


def test_the_other_page_of_a_faintly_scanned_form_in_the_same_file_has_its_empty_boxes_reviewed() -> None:
    from pipeline.ingest.scan_page import FAINT_SCAN
    from pipeline.ingest.scan_run import DOUBT_FAINT_SHEET, sheet_values
    from pipeline.model.record import RawValue
    from pipeline.model.scan import ScannedPage

    def page(no: int, source: str, reason: str = "") -> ScannedPage:
        values = {f"measures{no}": RawValue(None, 1.0, "ocr"), f"due{no}": RawValue("2025-10-02", 1.0, "ocr")}
        return ScannedPage(f"d{no}{source}", source, no - 1, "read", reason, "R1", no, values=values)

    faint_one, two = page(1, "a.pdf", FAINT_SCAN.format(share=0.58)), page(2, "a.pdf")
    taken = sheet_values(two, [faint_one, two])
    assert DOUBT_FAINT_SHEET in taken["measures2"].doubt and not taken["due2"].doubt
    elsewhere = page(2, "b.pdf")
    assert sheet_values(elsewhere, [faint_one, elsewhere]) == elsewhere.values, "another scan file went through another copier run"
