"""The phone-photo model of the synthetic returns (pipeline/synth/photo.py): deterministic, and
what it claims to be — EXIF-oriented JPEG and HEIC, a sheet in perspective on a desk."""

from __future__ import annotations

import io
import json
import re
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageOps

from pipeline import defs
from pipeline.model.form import page_markers
from pipeline.model.record import FieldValue, Record
from pipeline.scan.register import find_markers
from pipeline.synth import settings as synth_defs
from pipeline.synth.kinds import score_kinds
from pipeline.synth.photo import PhotoModel, chat_screenshot, photo_bytes, photograph, random_photo, sheet_corners
from pipeline.synth.returns import StackEvents, fill_returns
from tests.scan_support import issue_one_form

SMALL = (900, 1200)  # a small frame keeps the byte-level checks quick; geometry scales with it


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> np.ndarray:
    return issue_one_form(tmp_path_factory.mktemp("photo"), "拍照班").page


def _model(seed: int, **changes: object) -> PhotoModel:
    return replace(random_photo(np.random.default_rng(seed), "IMG_1001.jpg", heic_share=0.0), **{"frame": SMALL, **changes})


def _photo(page: np.ndarray, model: PhotoModel, seed: int = 1) -> np.ndarray:
    return photograph(page, model, rng=np.random.default_rng(seed), px_per_mm=defs.REGISTERED_PX_PER_MM)


def test_the_same_model_page_and_seed_give_the_same_bytes_and_another_seed_another_photo(page: np.ndarray) -> None:
    model = _model(3)
    first, again = photo_bytes(_photo(page, model), model), photo_bytes(_photo(page, model), model)
    assert first == again
    other = _model(4)
    assert other != model and photo_bytes(_photo(page, other), other) != first


@pytest.mark.parametrize("orientation", [6, 8, 3])
def test_a_turned_photo_stores_turned_pixels_and_the_exif_tag_that_turns_them_upright(page: np.ndarray, orientation: int) -> None:
    model = _model(5, orientation=orientation)
    picture = _photo(page, model)
    stored = Image.open(io.BytesIO(photo_bytes(picture, model)))
    assert stored.getexif()[0x0112] == orientation
    assert stored.size == (SMALL if orientation == 3 else SMALL[::-1])
    upright = np.asarray(ImageOps.exif_transpose(stored).convert("RGB"), np.int16)
    assert np.abs(upright - picture).mean() < 4, "the tag turns the stored pixels back to the picture"


def test_a_heic_photo_is_coded_turned_and_decodes_upright(page: np.ndarray) -> None:
    from pillow_heif import register_heif_opener

    register_heif_opener()
    model = _model(6, format="heic", orientation=6, name="IMG_1002.HEIC")
    picture = _photo(page, model)
    data = photo_bytes(picture, model)
    assert data[4:12] == b"ftypheic"
    # As an iPhone does: the coded pixels are turned, and the container's rotation (the EXIF
    # orientation moved into HEIF's "irot" transform) turns them upright on decoding.
    assert b"irot" in data
    stored = Image.open(io.BytesIO(data))
    assert stored.format == "HEIF"
    upright = np.asarray(ImageOps.exif_transpose(stored).convert("RGB"), np.int16)
    assert upright.shape[:2] == picture.shape[:2] and np.abs(upright - picture).mean() < 6


def test_a_hand_held_photo_shows_the_sheet_in_perspective_where_the_model_says(page: np.ndarray) -> None:
    frame = (1800, 2400)
    model = _model(7, frame=frame, tilt=(22.0, 8.0), turn=6.0, fill=0.6, blur=0.5, motion=(0.0, 0.0), shadow=(), bend_mm=0.0)
    gray = cv2.cvtColor(_photo(page, model), cv2.COLOR_RGB2GRAY)
    found = find_markers(gray, dpi=25.4 * 6)
    assert len(found) == 4, "all four markers are in the picture"
    page_mm = (210.0, 297.0)
    markers = {m.id: (m.box.x + m.box.w / 2, m.box.y + m.box.h / 2) for m in page_markers(page_mm)}
    ids = sorted(found)
    seen = np.array([found[i].mean(axis=0) + 0.5 for i in ids])  # pixel centres at +0.5
    corners_mm = np.array([[0, 0], [page_mm[0], 0], [page_mm[0], page_mm[1]], [0, page_mm[1]]], np.float32)
    to_frame = cv2.getPerspectiveTransform(corners_mm, sheet_corners(model, page_mm).astype(np.float32))
    predicted = cv2.perspectiveTransform(np.array([[markers[i] for i in ids]], np.float64), to_frame)[0]
    assert np.linalg.norm(seen - predicted, axis=1).max() < 4, "the markers are where the model's camera puts them"
    # An affine map (scale, turn, shear) keeps parallel sides parallel; a leaning phone does not.
    affine, _ = cv2.estimateAffine2D(np.array([markers[i] for i in ids[:3]]), seen[:3])
    fourth = np.array(markers[ids[3]]) @ affine[:, :2].T + affine[:, 2]
    assert np.linalg.norm(fourth - seen[3]) > 0.02 * max(frame), "no affine map explains the four markers"
    share = cv2.contourArea(sheet_corners(model, page_mm).astype(np.float32)) / (frame[0] * frame[1])
    assert share == pytest.approx(0.6, abs=0.03), "the sheet covers the share of the frame drawn"


def test_a_chat_screenshot_is_a_phone_sized_picture_with_no_marker(page: np.ndarray) -> None:
    shot = chat_screenshot(np.random.default_rng(2))
    assert shot.size == synth_defs.PHOTO_SCREENSHOT
    assert find_markers(np.asarray(shot.convert("L")), dpi=150) == {}


@pytest.mark.slow
def test_photo_returns_carry_phone_names_a_screenshot_and_the_values_the_scans_carry(tmp_path: Path) -> None:
    issued = issue_one_form(tmp_path / "issue", "拍照班")
    manifest = issued.forms_dir / "manifest.json"
    events = StackEvents(blank_back_rate=0.0, duplicates=1, missing=0, foreign=0, upside_down=0, screenshots=1)
    photos = fill_returns(manifest, tmp_path / "photos", seed=5, photos=True, photo_frame=SMALL, events=events, policy=issued.ws.policy)
    scans = fill_returns(manifest, tmp_path / "scans", seed=5, events=events, policy=issued.ws.policy)
    truth = json.loads(photos.truth_path.read_text(encoding="utf-8"))
    assert truth["forms"][issued.form_id]["values"] == json.loads(scans.truth_path.read_text(encoding="utf-8"))["forms"][issued.form_id]["values"]
    pages = truth["stack"][0]["pages"]
    assert sorted(p["kind"] for p in pages) == ["duplicate", "form", "form", "screenshot"]
    names = [Path(p["file"]).name for p in pages]
    phone = re.compile(r"^(IMG_\d{4}\.(jpg|HEIC)|mmexport\d{13}\.jpg|微信图片_\d{14}\.jpg|Screenshot_\d{8}_\d{6}\.png)$")
    assert all(phone.match(n) for n in names), names
    assert all((tmp_path / "photos" / p["file"]).is_file() for p in pages)
    for p in pages:
        if p["kind"] != "screenshot" and p["scan"]["format"] == "jpeg":  # (HEIC holds the turn as "irot")
            with Image.open(tmp_path / "photos" / p["file"]) as image:
                assert image.getexif()[0x0112] == p["scan"]["orientation"]


def test_the_bench_splits_photographed_pages_by_format_and_shadow_not_as_scanner_modes() -> None:
    shadowed = replace(PhotoModel(), format="heic", name="IMG_1.HEIC", shadow=(10.0, 0.2, 0.1, 0.4)).as_json()
    truth = {"forms": {"F1": {
        "form": "record", "missing_pages": [], "scan": {"1": PhotoModel().as_json(), "2": shadowed},
        "values": {"visit_date": "2025-10-09", "consensus": "按时完成作业"},
    }}}
    fields = {"visit_date": FieldValue("2025-10-09", "2025-10-09", 0.99, "ocr", "auto", ""),
              "consensus": FieldValue("按时完成作业", "按时完成作业", 0.99, "ocr", "auto", "")}
    scored = score_kinds([Record("F1", "record", "G1", "七年级（1）班", "hash", fields, "IMG_1.jpg")], [truth])
    assert {k: v["fields"] for k, v in scored["by_scan"].items()} == {"phone photo, jpeg": 1, "phone photo, heic, phone's shadow": 1}
