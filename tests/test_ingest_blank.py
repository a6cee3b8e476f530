"""Blank, unfilled and foreign inputs: judged by ink and by our own markings, never by page size.

Our blank print PDF and a raster scan of an unfilled form are not returns; a picture that is
not our form is quarantined as foreign, not skipped as blank.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pypdfium2 as pdfium
import pytest
from PIL import Image

from ingest_support import CLASS, make_workspace
from pipeline import defs
from pipeline.generate import generate
from pipeline.ingest import ingest
from pipeline.ingest.scan_page import UNCHECKED_PADDING, UNFILLED_PAGE, WRITTEN_BACK, WRITTEN_PADDING
from pipeline.model.form import Box
from pipeline.synth.handwriting import HandwritingStyle, draw_text, px_box
from pipeline.ingest.scan_run import FOREIGN_PICTURE
from pipeline.readback.pdf_reader import BLANK_PRINT
from pipeline.scan.identify import is_blank
from pipeline.store import records as record_store
from pipeline.store.workspace import Workspace


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return make_workspace(tmp_path / "ws")


@pytest.fixture
def print_pdf(ws: Workspace, tmp_path: Path) -> Path:
    """The class's print file, as generate writes it (two students, two pages each)."""
    generate(ws, forms=["record"], formats=["pdf"], out_dir=tmp_path / "print", class_name=CLASS)
    return next((tmp_path / "print" / "pdf" / "record").glob("*.pdf"))


def _no_records(ws: Workspace) -> bool:
    with ws.session() as s:
        return record_store.list_records(s) == []


def test_our_blank_print_pdf_is_refused_as_the_print_file(ws: Workspace, print_pdf: Path) -> None:
    report = ingest(ws, [print_pdf], workers=1)
    [intake] = report.files
    assert intake.outcome == "refused" and BLANK_PRINT in intake.reason
    assert _no_records(ws)


def test_a_raster_scan_of_our_unfilled_form_is_blank_not_a_record(ws: Workspace, print_pdf: Path, tmp_path: Path) -> None:
    doc = pdfium.PdfDocument(print_pdf)
    try:
        for index in (0, 1):
            image = doc[index].render(scale=200 / 72, grayscale=True).to_pil().convert("L")
            image.save(tmp_path / f"unfilled-{index + 1}.png", dpi=(200, 200))
    finally:
        doc.close()
    report = ingest(ws, [tmp_path / "unfilled-1.png", tmp_path / "unfilled-2.png"], workers=1)
    assert [f.outcome for f in report.files] == ["blank", "blank"]
    assert all(UNFILLED_PAGE in f.reason for f in report.files)
    assert _no_records(ws)


def _text_line_photo(path: Path) -> None:
    """A phone photo of one line of writing: small, grey paper, nothing of our form."""
    image = np.full((160, 900), 205, np.uint8)
    cv2.putText(image, "Meeting notes: call parents on Friday", (20, 100), cv2.FONT_HERSHEY_SIMPLEX, 1.2, 30, 3)
    Image.fromarray(image).save(path, quality=90)


def _full_bleed_photo(path: Path) -> None:
    """A photograph whose dark areas run off every edge."""
    y, x = np.mgrid[0:1200, 0:1600]
    image = (110 + 70 * np.sin(x / 110) * np.cos(y / 90)).clip(0, 255).astype(np.uint8)
    Image.fromarray(image).save(path, quality=90)


def test_pictures_that_are_not_our_form_are_foreign_not_blank(ws: Workspace, tmp_path: Path) -> None:
    _text_line_photo(tmp_path / "line.jpg")
    _full_bleed_photo(tmp_path / "photo.jpg")
    report = ingest(ws, [tmp_path / "line.jpg", tmp_path / "photo.jpg"], workers=1)
    for intake in report.files:  # a picture that is no form is refused (issue 17: photos in bunches)
        assert intake.outcome == "refused", intake
        assert FOREIGN_PICTURE in intake.reason
    assert _no_records(ws)


@pytest.mark.parametrize("shape", [(140, 100), (850, 600), (3508, 2480), (2480, 3508)], ids=str)
def test_a_white_page_is_blank_at_any_size_and_orientation(shape: tuple[int, int]) -> None:
    page = np.full(shape, 250, np.uint8)
    assert is_blank(page)


@pytest.mark.parametrize("shape", [(160, 900), (850, 600), (3508, 2480)], ids=str)
def test_a_short_line_of_writing_is_not_blank_at_any_size(shape: tuple[int, int]) -> None:
    page = np.full(shape, 250, np.uint8)
    rows, cols = shape
    cv2.putText(page, "call back", (cols // 4, rows // 2), cv2.FONT_HERSHEY_SIMPLEX, cols / 600, 0, max(2, cols // 300))
    assert not is_blank(page)


def test_dark_areas_running_off_the_edges_are_not_blank_but_a_scanner_lid_band_is() -> None:
    photo = np.full((1200, 900), 250, np.uint8)
    photo[:500, :] = 40  # a dark sky across the top half, touching three edges
    assert not is_blank(photo)
    lid = np.full((1200, 900), 250, np.uint8)
    lid[:, :40] = 20  # the lid showing beside a sheet laid off-centre
    assert is_blank(lid)


def test_handwriting_on_a_scan_that_lost_its_thin_lines_is_doubted_not_dropped() -> None:
    from pipeline.ingest.scan_page import DOUBT_FAINT_SCAN, _doubted
    from pipeline.model.record import RawValue

    doubted = _doubted(RawValue("林春燕", 0.99, "ocr", doubt="字迹潦草"))
    assert doubted.raw == "林春燕"
    assert doubted.doubt == f"字迹潦草；{DOUBT_FAINT_SCAN}"


def _with_note(page: np.ndarray, text: str, dpi: float = 200) -> np.ndarray:
    """``page`` with one short line handwritten near its top."""
    out, px = page.copy(), dpi / 25.4
    style = HandwritingStyle.random(np.random.default_rng(3))
    draw_text(out, px_box(Box(40, 60, 120, 9), px), text, style=style, rng=np.random.default_rng(4), px_per_mm=px)
    return out


def _padding_page(ws: Workspace, tmp_path: Path) -> np.ndarray:
    """The "此页有意留空" page after a one-page memo, as printed, at 200 dpi."""
    generate(ws, forms=["memo"], formats=["pdf"], out_dir=tmp_path / "print", class_name=CLASS)
    doc = pdfium.PdfDocument(next((tmp_path / "print" / "pdf" / "memo").glob("*.pdf")))
    try:
        return np.asarray(doc[1].render(scale=200 / 72, grayscale=True).to_pil().convert("L"))
    finally:
        doc.close()


def test_a_note_on_the_back_of_a_sheet_or_on_the_padding_page_is_held_not_skipped(ws: Workspace, tmp_path: Path) -> None:
    """A teacher writes "同上" on the back of a sheet printed on one side, and continues the memo on
    its "此页有意留空" back. Before, both were skipped as blank pages: the first has too little ink
    to count as a page, the second was blank by its QR code whatever was written on it. Unwritten,
    both are still blank."""
    padding = _padding_page(ws, tmp_path)
    white = np.full_like(padding, 248)
    pages = {"back": white, "padding": padding, "back-written": _with_note(white, "同上"), "padding-written": _with_note(padding, "家长说孩子最近睡眠不好")}
    for name, page in pages.items():
        Image.fromarray(page).save(tmp_path / f"{name}.png", dpi=(200, 200))
    report = ingest(ws, [tmp_path / f"{name}.png" for name in pages], workers=1)
    outcomes = {Path(f.path).stem: (f.outcome, f.reason) for f in report.files}
    assert outcomes["back"][0] == outcomes["padding"][0] == "blank"
    assert outcomes["back-written"][0] == "quarantined" and WRITTEN_BACK in outcomes["back-written"][1]
    assert outcomes["padding-written"][0] == "quarantined" and WRITTEN_PADDING in outcomes["padding-written"][1]


def test_a_padding_page_read_on_a_pc_without_fonts_is_blank_saying_it_was_not_checked(ws: Workspace, tmp_path: Path) -> None:
    """Without a font the padding page cannot be drawn as printed to look for writing on it:
    it is skipped as before, saying so, not failed as 程序错误."""
    Image.fromarray(_with_note(_padding_page(ws, tmp_path), "家长说孩子最近睡眠不好")).save(tmp_path / "padding.png", dpi=(200, 200))
    ws.close()
    env = {**os.environ, defs.FONTS_ENV: str(tmp_path / "没有这个字体.ttf")}
    run = subprocess.run(
        [sys.executable, "-m", "pipeline", "ingest", "-w", str(ws.root), "--report", str(tmp_path / "结果.csv"), str(tmp_path / "padding.png")],
        env=env, capture_output=True, text=True, timeout=300,
    )
    said = run.stdout + run.stderr + (tmp_path / "结果.csv").read_text(encoding="utf-8-sig")
    assert "程序错误" not in said and UNCHECKED_PADDING in said
