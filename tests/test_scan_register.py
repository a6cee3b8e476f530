"""Registration of real rendered, rasterised and degraded pages onto the template.

Distorted pages come from the scanner model (pipeline/synth/scanner.py), seeded; the model's
own transform is the ground truth every fit is checked against.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from pipeline import defs
from pipeline.model.form import Box
from pipeline.scan import crop_mm, mm_to_px, overlay_registered, register_page, registered_shape, warp_to_template
from pipeline.synth.scanner import ScannerModel
from scan_support import (
    DISTORTIONS,
    Batch,
    landing_error,
    mm_in_scan,
    print_batch,
    rasterise,
    scanned,
    white_out,
)

FIELD_TOLERANCE = 0.5  # mm, how far any field corner may land from where it truly is


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Batch:
    return print_batch(tmp_path_factory.mktemp("scan-register"))


@pytest.fixture(scope="module")
def templates(batch: Batch) -> list[np.ndarray]:
    # pdfium rounds the bitmap up to whole pixels; the registered page is exactly 8 px/mm.
    rows, cols = registered_shape(batch.form.page_size)
    return [rasterise(batch.pdf, i)[:rows, :cols] for i in range(2)]


def cover_marker(batch: Batch, page: np.ndarray, settings: ScannerModel, marker_id: int) -> np.ndarray:
    marker = batch.form.pages[0].markers[marker_id]
    centre = mm_in_scan(marker.center, settings, batch.form.page_size)
    return white_out(page, centre, radius_px=marker.box.w * settings.dpi / 25.4)


def correlation(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a.astype(np.float64).ravel(), b.astype(np.float64).ravel()
    return float(np.corrcoef(a, b)[0, 1])


def soften(image: np.ndarray) -> np.ndarray:
    """A slight blur (~0.1 mm): two rasterisations draw hairlines on different pixel grids."""
    return cv2.GaussianBlur(image, (0, 0), 1.0)


@pytest.mark.parametrize("name", list(DISTORTIONS))
@pytest.mark.parametrize("page", [1, 2])
def test_registration_puts_every_field_within_half_a_millimetre(batch, templates, name, page) -> None:
    settings = DISTORTIONS[name]
    registration = register_page(scanned(templates[page - 1], settings), batch.form.pages[page - 1], dpi=settings.dpi)
    assert registration.ok, registration.reason
    # A 5° skew on an A4-sized scan area can push one corner marker off the image.
    assert registration.markers_found >= defs.MARKER_MIN_FOUND
    assert registration.residual_mm <= defs.REGISTER_MAX_RESIDUAL
    assert registration.scale == pytest.approx(settings.scale, abs=0.05)
    assert registration.rotation == (180 if settings.upside_down else 0)
    assert landing_error(registration.homography, settings, batch.form, page) < FIELD_TOLERANCE


@pytest.mark.parametrize("name", ["bw_200dpi", "perspective_2pct", "bw_300dpi_upside_down", "blur_noise_jpeg60"])
def test_printed_label_lands_on_its_box_after_warping(batch, templates, name) -> None:
    settings = DISTORTIONS[name]
    page = scanned(templates[0], settings)
    registered = warp_to_template(page, register_page(page, batch.form.pages[0], dpi=settings.dpi), batch.form.page_size)
    assert registered.shape == registered_shape(batch.form.page_size) == templates[0].shape
    label = batch.form.field("visit_date").label_box  # the printed 家访日期 label
    clean = crop_mm(templates[0], label)
    here = correlation(crop_mm(registered, label), clean)
    assert here > 0.7
    for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1)):  # 1 mm off is clearly worse: the peak is here
        moved = Box(label.x + dx, label.y + dy, label.w, label.h)
        assert correlation(crop_mm(registered, moved), clean) < here - 0.2


def test_clean_300_dpi_rasterisation_warps_onto_the_8_px_per_mm_rendering(batch, templates) -> None:
    page = rasterise(batch.pdf, 1, dpi=300)
    registration = register_page(page, batch.form.pages[1], dpi=300)
    registered = warp_to_template(page, registration, batch.form.page_size)
    assert registration.ok and registration.scale == pytest.approx(1.0, abs=0.005)
    assert correlation(soften(registered), soften(templates[1])) > 0.95


def test_page_turned_sideways_registers_by_marker_ids(batch, templates) -> None:
    page = np.ascontiguousarray(np.rot90(scanned(templates[0], ScannerModel(dpi=200, rotation=2.0)), 1))
    registration = register_page(page, batch.form.pages[0], dpi=200, rotation=90)
    assert registration.ok, registration.reason
    assert registration.rotation == 90


@pytest.mark.parametrize("marker_id", [0, 1, 2, 3])
def test_one_covered_marker_still_registers_with_an_affine_fit_checked_by_the_frames(batch, templates, marker_id) -> None:
    settings = DISTORTIONS["scale_94_shift_5mm"]
    page = cover_marker(batch, scanned(templates[0], settings), settings, marker_id)
    registration = register_page(page, batch.form.pages[0], dpi=settings.dpi)
    assert registration.ok, registration.reason
    assert registration.markers_found == 3 and marker_id not in registration.marker_ids
    assert landing_error(registration.homography, settings, batch.form, 1) < FIELD_TOLERANCE


def test_covered_marker_on_a_page_with_perspective_is_refused_not_misread(batch, templates) -> None:
    # Three markers cannot show perspective; the frames near the missing one do.
    settings = ScannerModel(dpi=200, perspective_mm=(0.0, 0.0, 0.0, 0.0, 2.0, 2.0, -2.0, 1.5))
    page = cover_marker(batch, scanned(templates[0], settings), settings, 3)
    registration = register_page(page, batch.form.pages[0], dpi=settings.dpi)
    assert landing_error(registration.homography, settings, batch.form, 1) > FIELD_TOLERANCE  # the affine fit is off
    assert not registration.ok and "表格线偏离" in registration.reason


def test_two_covered_markers_are_refused_with_a_reason(batch, templates) -> None:
    settings = DISTORTIONS["skew_minus_5deg"]
    page = scanned(templates[0], settings)
    page = cover_marker(batch, cover_marker(batch, page, settings, 0), settings, 2)
    registration = register_page(page, batch.form.pages[0], dpi=settings.dpi)
    assert not registration.ok and registration.homography is None
    assert registration.markers_found == 2
    assert "定位标记" in registration.reason and "页角可能被裁掉" in registration.reason
    assert "扫描区域只有" not in registration.reason, "a whole A4 scan is not called too small"


@pytest.mark.parametrize("dpi_known", [True, False], ids=["dpi-in-file", "dpi-from-width"])
def test_a_scan_set_to_letter_size_says_the_foot_of_the_sheet_was_not_scanned(batch, templates, dpi_known: bool) -> None:
    """Letter (216 x 279 mm), a US default on many scanners, cuts 18 mm off an A4 form's foot
    and its two bottom markers with it: the reason names the scan's size, not damaged corners."""
    settings = ScannerModel(dpi=200, rotation=0.5, blur=0.5, noise=2.0)
    page = scanned(templates[0], settings)
    letter = page[: round(279.4 / 25.4 * settings.dpi), :]
    letter = np.pad(letter, ((0, 0), (0, round((215.9 - 210) / 25.4 * settings.dpi))), constant_values=250)
    dpi = settings.dpi if dpi_known else min(letter.shape) * 25.4 / defs.SCAN_PAGE_SHORT_SIDE
    registration = register_page(letter, batch.form.pages[0], dpi=dpi)
    assert not registration.ok and registration.markers_found == 2
    assert "扫描区域只有" in registration.reason and "请把扫描尺寸设为 A4" in registration.reason, registration.reason
    assert "页角可能被裁掉" not in registration.reason


def test_strong_perspective_is_refused_with_a_reason(batch, templates) -> None:
    # A phone held at a steep angle: the top edge comes out a third narrower than the bottom.
    settings = ScannerModel(dpi=200, scale=0.9, perspective_mm=(30, 0, -30, 0, 0, 0, 0, 0))
    registration = register_page(scanned(templates[0], settings), batch.form.pages[0], dpi=200)
    assert registration.markers_found == 4 and not registration.ok
    assert "透视" in registration.reason


def test_print_scale_outside_the_plausible_range_is_refused_unless_the_dpi_is_unknown(batch, templates) -> None:
    page = scanned(templates[0], ScannerModel(dpi=200, scale=0.85))
    refused = register_page(page, batch.form.pages[0], dpi=200)
    assert not refused.ok and "比例" in refused.reason and refused.scale == pytest.approx(0.85, abs=0.01)
    unknown = register_page(page, batch.form.pages[0], dpi=None)
    assert unknown.ok and unknown.scale is None


def test_qr_rotation_contradicting_the_markers_is_refused(batch, templates) -> None:
    page = scanned(templates[0], DISTORTIONS["upside_down"])
    registration = register_page(page, batch.form.pages[0], dpi=200, rotation=0)
    assert not registration.ok and "方向" in registration.reason


def test_crop_mm_cuts_the_box_at_8_px_per_mm_and_clips_at_the_page_edge(templates) -> None:
    box = Box(20.0, 30.5, 12.25, 6.0)
    assert crop_mm(templates[0], box).shape == (mm_to_px(36.5) - mm_to_px(30.5), mm_to_px(32.25) - mm_to_px(20.0))
    assert crop_mm(templates[0], box, pad_mm=1.0).shape == (64, 114)
    assert crop_mm(templates[0], Box(205.0, -3.0, 10.0, 5.0)).shape == (16, 40)


def test_overlay_draws_the_layout_over_a_registered_distorted_page(batch, templates) -> None:
    settings = DISTORTIONS["bw_200dpi"]
    page = scanned(templates[0], settings)
    form_page = batch.form.pages[0]
    registered = warp_to_template(page, register_page(page, form_page, dpi=200), batch.form.page_size)
    overlay = np.asarray(overlay_registered(registered, form_page))
    assert overlay.shape == (*registered.shape, 3)
    place = batch.form.field("place").box
    assert tuple(overlay[mm_to_px(place.y), mm_to_px(place.x + place.w / 2)]) == (220, 30, 30)  # field frame colour
