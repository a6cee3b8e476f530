"""Scan inputs and page identity on real rendered, rasterised and degraded pages.

Distorted pages come from the scanner model (pipeline/synth/scanner.py), seeded.
"""

from __future__ import annotations


from dataclasses import replace

import cv2
import numpy as np
import pytest
import segno
from PIL import Image

from pipeline import defs
from pipeline.errors import UnreadableFileError
from pipeline.identity import BLANK, is_valid_form_id
from pipeline.recognize.engine import model_paths
from pipeline.ingest.scan_page import _another_sheet
from pipeline.scan import (
    form_id_in,
    identify_page,
    printed_form_id,
    register_page,
    scan_pages,
    warp_to_template,
)
from pipeline.scan.identify import registered_payload
from pipeline.synth.scanner import ScannerModel
from scan_support import (
    DISTORTIONS,
    MEMO_PAGE,
    PADDING_PAGE,
    TEMPLATE_DPI,
    Batch,
    mm_in_scan,
    print_batch,
    rasterise,
    scanned,
    white_out,
)


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Batch:
    return print_batch(tmp_path_factory.mktemp("scan-identify"))


@pytest.fixture(scope="module")
def templates(batch: Batch) -> list[np.ndarray]:
    return [rasterise(batch.pdf, i) for i in range(4)]


@pytest.mark.parametrize("name", list(DISTORTIONS))
@pytest.mark.parametrize("page", [1, 2])
def test_qr_identifies_form_page_and_rotation_under_distortion(batch, templates, name, page) -> None:
    settings = DISTORTIONS[name]
    identity = identify_page(scanned(templates[page - 1], settings), dpi=settings.dpi)
    assert identity.payload is not None, identity.reason
    assert (identity.payload.form_id, identity.payload.page, identity.payload.pages) == (batch.record.form_id, page, 2)
    assert identity.payload.layout_hash == batch.form.layout_hash
    assert identity.rotation == (180 if settings.upside_down else 0)
    assert not identity.blank and identity.reason == ""


@pytest.mark.parametrize("turns, rotation", [(1, 90), (3, 270)])
def test_page_scanned_sideways_reports_the_turn_that_makes_it_upright(batch, templates, turns, rotation) -> None:
    sideways = np.ascontiguousarray(np.rot90(scanned(templates[0], ScannerModel(dpi=200)), turns))  # counter-clockwise
    identity = identify_page(sideways, dpi=200)
    assert identity.payload is not None and identity.payload.form_id == batch.record.form_id
    assert identity.rotation == rotation


def test_qr_points_are_the_symbol_corners_in_page_pixels(batch, templates) -> None:
    settings = DISTORTIONS["upside_down"]
    identity = identify_page(scanned(templates[0], settings), dpi=settings.dpi)
    qr = batch.form.pages[0].qr_box
    quiet = defs.QR_BORDER_MODULES * defs.QR_MODULE
    # The upright symbol's top-left corner, wherever the upside-down scan put it.
    expected = mm_in_scan((qr.x + quiet, qr.y + quiet), settings, batch.form.page_size)
    assert identity.qr_points is not None
    assert np.hypot(*np.subtract(identity.qr_points[0], expected)) < 2 * defs.QR_MODULE * settings.dpi / 25.4


def test_noisy_one_bit_scan_is_read_through_the_denoised_pass(batch, templates) -> None:
    settings = ScannerModel(dpi=200, mode="bw", noise=75.0, rotation=1.0)
    identity = identify_page(scanned(templates[0], settings, seed=3), dpi=200)
    assert identity.payload is not None and identity.payload.form_id == batch.record.form_id


def test_damaged_qr_gives_no_payload_with_reason_and_still_registers(batch, templates) -> None:
    settings = DISTORTIONS["skew_plus_5deg"]
    page = scanned(templates[0], settings)
    qr = batch.form.pages[0].qr_box
    centre = mm_in_scan((qr.x + qr.w * 0.3, qr.y + qr.h / 2), settings, batch.form.page_size)
    damaged = white_out(page, centre, radius_px=qr.w * 0.45 * settings.dpi / 25.4)
    identity = identify_page(damaged, dpi=settings.dpi)
    assert identity.payload is None and not identity.blank
    assert "二维码" in identity.reason
    registration = register_page(damaged, batch.form.pages[0], dpi=settings.dpi, rotation=None)
    assert registration.ok, registration.reason


@pytest.mark.parametrize(
    "settings",
    [ScannerModel(dpi=200, noise=10.0, jpeg_quality=60), ScannerModel(dpi=200, mode="bw", noise=80.0)],
    ids=["gray_jpeg", "speckled_1bit"],
)
def test_white_page_with_noise_is_blank(templates, settings) -> None:
    white = np.full_like(templates[0], 255)
    identity = identify_page(scanned(white, settings), dpi=settings.dpi)
    assert identity.blank and identity.payload is None
    assert "空白页" in identity.reason


def test_blank_back_with_scanner_shadow_along_the_edge_is_still_blank(templates) -> None:
    page = scanned(np.full_like(templates[0], 255), ScannerModel(dpi=200, noise=4.0))
    page[:, :60] = 20  # the dark lid showing beside a sheet laid off-centre
    assert identify_page(page, dpi=200).blank


def test_page_with_a_short_handwritten_note_is_not_blank(templates) -> None:
    page = np.full_like(templates[0], 255)
    cv2.putText(page, "call back", (400, 1200), cv2.FONT_HERSHEY_SIMPLEX, 2.0, 0, 3)
    assert not identify_page(scanned(page, ScannerModel(dpi=200, mode="bw")), dpi=200).blank


def test_padding_page_is_blank_by_its_blank_payload(templates) -> None:
    identity = identify_page(scanned(templates[PADDING_PAGE], DISTORTIONS["bw_200dpi"]), dpi=200)
    assert identity.blank
    assert identity.payload is not None and identity.payload.form_id == BLANK and identity.payload.pages == 0


def test_memo_page_identifies_its_own_form(batch, templates) -> None:
    identity = identify_page(scanned(templates[MEMO_PAGE], DISTORTIONS["colour_jpeg"]), dpi=200)
    assert identity.payload is not None
    assert (identity.payload.form_id, identity.payload.page, identity.payload.pages) == (batch.memo.form_id, 1, 1)


def test_another_products_qr_gives_no_payload_and_says_so(templates) -> None:
    page = np.full_like(templates[0], 255)
    symbol = np.array(segno.make_qr("HTTPS://EXAMPLE.COM/FORM/123", error="m").matrix, dtype=np.uint8)
    module = 7
    qr = np.kron(1 - symbol, np.ones((module, module), np.uint8)) * 255
    page[100 : 100 + qr.shape[0], 1300 : 1300 + qr.shape[1]] = qr
    identity = identify_page(page, dpi=TEMPLATE_DPI)
    assert identity.payload is None and not identity.blank
    assert "不是本系统" in identity.reason and "EXAMPLE.COM" in identity.reason


def valid_id(body: str) -> str:
    """``body`` (8 symbols) completed with the check symbol that makes it a valid form id."""
    return next(body + c for c in "0123456789ABCDEFGHJKMNPQRSTVWXYZ" if is_valid_form_id(body + c))


RECORD_ID = valid_id("R0T1ABC7")
OUTLINE_ID = valid_id("O1K0PQ2Z")


@pytest.mark.parametrize(
    "text, expected",
    [
        (f"表单编号 {RECORD_ID}  第 1/2 页", RECORD_ID),
        (f"表单编号{RECORD_ID}第1/2页", RECORD_ID),
        (f"表单编号 R{RECORD_ID[1:].replace('0', 'O').replace('1', 'I')}  第 1/2 页", RECORD_ID),
        (f"表单编号 0{OUTLINE_ID[1:].replace('1', 'l')}  第 2/2 页", OUTLINE_ID),
        (f"表单编号 {RECORD_ID[:5]}{'B' if RECORD_ID[5] != 'B' else 'C'}{RECORD_ID[6:]}  第 1/2 页", None),
        ("表单编号  第 1/2 页", None),
    ],
    ids=["exact", "no_spaces", "o_and_i_for_digits", "zero_for_prefix_l_for_one", "one_symbol_wrong", "no_id"],
)
def test_form_id_in_ocr_text_forgives_confusions_only_when_the_check_matches(text, expected) -> None:
    assert form_id_in(text) == expected


@pytest.mark.slow
def test_printed_form_id_is_read_from_the_footer_of_a_registered_page(batch, templates) -> None:
    from rapidocr import RapidOCR  # the wheel's whole default pipeline on its PP-OCRv4 models

    engine = RapidOCR(params={"Global.log_level": "error", **{f"{k}.model_path": str(v) for k, v in model_paths().items()}})

    def read_text(image: np.ndarray) -> tuple[str, float]:
        result = engine(image)
        boxes = [] if result.boxes is None else list(result.boxes)
        lines = sorted(zip(boxes, result.txts or (), result.scores or ()), key=lambda r: r[0][0][0])
        return "".join(r[1] for r in lines), min((float(r[2]) for r in lines), default=0.0)

    settings = DISTORTIONS["bw_200dpi"]
    page = scanned(templates[1], settings)
    form_page = batch.form.pages[1]
    registered = warp_to_template(page, register_page(page, form_page, dpi=200), batch.form.page_size)
    assert printed_form_id(registered, form_page, read_text) == batch.record.form_id


# Loading inputs ---------------------------------------------------------------------------


def test_multi_page_tiff_loads_every_page_with_its_dpi(tmp_path, templates) -> None:
    pages = [Image.fromarray(t) for t in templates[:3]]
    pages[2] = pages[2].convert("1")
    path = tmp_path / "stack.tif"
    pages[0].save(path, save_all=True, append_images=pages[1:], compression="tiff_lzw", dpi=(203, 203))
    loaded = list(scan_pages(path))
    assert [p.index for p in loaded] == [0, 1, 2]
    assert all(p.ok and p.dpi == pytest.approx(203) and p.dpi_measured for p in loaded)
    assert loaded[0].image.dtype == np.uint8 and loaded[0].image.shape == templates[0].shape
    assert set(np.unique(loaded[2].image)) == {0, 255}  # a 1-bit page stays 0/255


def test_copier_pdf_of_page_images_takes_each_embedded_image_with_its_dpi(tmp_path, batch, templates) -> None:
    scans = [scanned(templates[i], ScannerModel(dpi=300, mode=mode)) for i, mode in ((0, "gray"), (1, "bw"), (2, "colour"))]
    images = [Image.fromarray(s) for s in scans]
    images[1] = images[1].convert("1")
    path = tmp_path / "copier.pdf"
    images[0].save(path, save_all=True, append_images=images[1:], resolution=300)
    loaded = list(scan_pages(path))
    assert len(loaded) == 3
    for page, source in zip(loaded, scans):
        assert page.dpi == pytest.approx(300, rel=1e-3)
        assert page.image.shape == source.shape[:2]  # the image itself, not a re-rendering
    assert set(np.unique(loaded[1].image)) == {0, 255}
    assert identify_page(loaded[2].image, dpi=loaded[2].dpi).payload.form_id == batch.memo.form_id


def test_long_copier_pdf_yields_every_page_in_order_across_reopens(tmp_path) -> None:
    count = defs.PDF_REOPEN_PAGES * 2 + 3
    images = [Image.new("L", (210, 297), 255) for _ in range(count)]
    for i, image in enumerate(images):  # each page marked with its own number of dark rows
        image.paste(0, (0, 0, 210, i + 1))
    path = tmp_path / "长扫描.pdf"
    images[0].save(path, save_all=True, append_images=images[1:], resolution=25.4)
    loaded = list(scan_pages(path))
    assert [p.index for p in loaded] == list(range(count))
    assert [int((p.image[:, 100] < 128).sum()) for p in loaded] == [i + 1 for i in range(count)]


def test_pdf_that_breaks_mid_read_reports_its_remaining_pages(tmp_path) -> None:
    count = defs.PDF_REOPEN_PAGES + 2
    images = [Image.new("L", (210, 297), 255) for _ in range(count)]
    path = tmp_path / "扫描中被改.pdf"
    images[0].save(path, save_all=True, append_images=images[1:], resolution=25.4)
    pages = scan_pages(path)
    first = [next(pages) for _ in range(defs.PDF_REOPEN_PAGES)]
    path.write_bytes(b"%PDF-1.7\n" + b"garbage" * 20)  # replaced while the batch was reading it
    rest = list(pages)
    assert all(p.ok for p in first)
    assert [p.index for p in rest] == [count - 2, count - 1]
    assert not any(p.ok for p in rest) and "无法读取" in rest[-1].error  # the caller names the page by its index


def test_vector_pdf_pages_are_rendered_at_the_scan_dpi(batch) -> None:
    loaded = list(scan_pages(batch.pdf))
    assert len(loaded) == 4
    assert all(p.dpi == defs.SCAN_RENDER_DPI for p in loaded)
    assert identify_page(loaded[0].image, dpi=loaded[0].dpi).payload.form_id == batch.record.form_id


def test_jpeg_without_dpi_gets_it_from_the_a4_width(tmp_path, templates) -> None:
    path = tmp_path / "photo.jpg"
    Image.fromarray(scanned(templates[0], ScannerModel(dpi=300, mode="colour"))).save(path, quality=80)
    (page,) = scan_pages(path)
    assert page.image.ndim == 2 and page.dpi == pytest.approx(300, rel=0.01) and page.dpi_measured


def test_corrupt_file_raises_unreadable_file_error_naming_it(tmp_path) -> None:
    path = tmp_path / "扫描件.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    with pytest.raises(UnreadableFileError) as caught:
        list(scan_pages(path))
    assert "扫描件.png" in str(caught.value)
    broken_pdf = tmp_path / "坏的.pdf"
    broken_pdf.write_bytes(b"%PDF-1.7\n" + b"garbage" * 20)
    with pytest.raises(UnreadableFileError, match="坏的.pdf"):
        list(scan_pages(broken_pdf))


def test_damaged_page_in_a_tiff_is_reported_and_the_rest_still_load(tmp_path, templates) -> None:
    pages = [Image.fromarray(t).reduce(2) for t in templates[:3]]
    path = tmp_path / "stack.tif"
    pages[0].save(path, save_all=True, append_images=pages[1:], compression="tiff_adobe_deflate")
    data = bytearray(path.read_bytes())
    with Image.open(path) as image:
        image.seek(1)
        strips = zip(image.tag_v2[273], image.tag_v2[279])  # StripOffsets, StripByteCounts
        for offset, count in list(strips):
            data[offset : offset + count] = bytes(count)
    path.write_bytes(bytes(data))
    loaded = list(scan_pages(path))
    assert [p.ok for p in loaded] == [True, False, True]
    assert loaded[1].image is None and loaded[1].index == 1 and "无法读取" in loaded[1].error


def test_a_registered_sheet_says_which_page_it_is_so_another_sheet_is_not_read_as_the_identified_one(batch, templates) -> None:
    """A picture of two sheets is identified by whichever QR code is found first; registration
    may find the other sheet. Its own QR code, read at its printed place, tells them apart."""
    form_page = batch.form.pages[1]
    page = scanned(templates[1], DISTORTIONS["bw_200dpi"])
    registered = warp_to_template(page, register_page(page, form_page, dpi=200), batch.form.page_size)
    shown = registered_payload(registered, form_page)
    assert shown is not None and (shown.form_id, shown.page) == (batch.record.form_id, 2)
    identified_as_page_1 = replace(shown, page=1)
    assert "不是同一张" in _another_sheet(registered, form_page, identified_as_page_1)
    assert _another_sheet(registered, form_page, shown) == ""
