"""Harder synthetic paper: stroke-drawn hands, pencil, duplex show-through, folds, 1-bit copies,
and the per-kind bench figures (Wilson bound, the previous release's decisions)."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.generate import generate
from pipeline.model.record import FieldValue, Record
from pipeline.resources import samples_dir
from pipeline.roster.importer import import_roster
from pipeline.store.workspace import init_workspace
from pipeline.synth import handwriting as hw
from pipeline.synth import settings as synth_defs
from pipeline.synth.kinds import score_kinds, wilson_lower
from pipeline.synth.returns import HandMix, page_image, writer_pool
from pipeline.synth.scanner import ScannerModel, on_paper, output_size, random_settings, scan
from pipeline.synth.strokes import StrokeHabits, stroke_glyph

BOX = (20.0, 20.0, 560.0, 60.0)  # px: x, y, w, h
TEXT = "学生家中林春燕很远的地方"
PAPER = 250  # a pixel darker than this carries ink
HABITS = StrokeHabits(wobble_em=0.02, misplace_em=0.01, pressure=0.5, joining=0.3)
A4_PX = (round(297 * synth_defs.SYNTH_PX_PER_MM), round(210 * synth_defs.SYNTH_PX_PER_MM))


def _written(style: hw.HandwritingStyle, seed: int) -> np.ndarray:
    image = np.full((100, 600), 255, np.uint8)
    hw.draw_text(image, BOX, TEXT, style=style, rng=np.random.default_rng(seed))
    return image


def _stroke_writer(seed: int) -> hw.HandwritingStyle:
    return hw.HandwritingStyle.random_stroke(np.random.default_rng(seed))


def _stroke_width(mask: np.ndarray) -> float:
    """Median width of the ink in px: twice the distance to paper along the ink's ridge."""
    ink = (mask > 0.5).astype(np.uint8)
    distance = cv2.distanceTransform(ink, cv2.DIST_L2, 3)
    ridge = distance >= cv2.dilate(distance, np.ones((3, 3), np.uint8))
    return float(np.median(distance[ridge & (ink > 0)]) * 2)


# --- the stroke generator ---------------------------------------------------------------------


def test_stroke_glyph_ink_is_as_wide_as_the_writers_pen_not_the_fonts_strokes() -> None:
    font = hw.skeleton_fonts()[0]
    thin = stroke_glyph("家", font, 96, 3.0, HABITS, np.random.default_rng(1))[0]
    thick = stroke_glyph("家", font, 96, 9.0, HABITS, np.random.default_rng(1))[0]
    assert 2.0 <= _stroke_width(thin) <= 4.5
    assert 7.0 <= _stroke_width(thick) <= 12.0


def test_a_stroke_writer_never_writes_the_same_character_twice_alike() -> None:
    font = hw.skeleton_fonts()[0]
    rng = np.random.default_rng(2)
    first, second = (stroke_glyph("春", font, 64, 4.0, HABITS, rng)[0] for _ in range(2))
    h, w = min(first.shape[0], second.shape[0]), min(first.shape[1], second.shape[1])
    assert not np.array_equal(first[:h, :w], second[:h, :w])
    assert first.sum() > 0.03 * first.size, "the character has ink"


def test_stroke_and_font_writers_write_the_same_text_differently_and_each_repeats_with_its_seed() -> None:
    stroke, font = _stroke_writer(5), hw.HandwritingStyle.random(np.random.default_rng(5))
    assert stroke.hand == "stroke" and font.hand == "font"
    a = _written(stroke, 1)
    assert np.array_equal(a, _written(_stroke_writer(5), 1))
    assert not np.array_equal(a, _written(stroke, 2))
    assert not np.array_equal(a, _written(font, 1))
    assert (a < PAPER).sum() > 500


def test_writer_pool_has_forty_distinct_writers_of_both_generators() -> None:
    pool = writer_pool(HandMix(stroke_share=0.5, pencil_share=0.25), np.random.default_rng(3))
    assert len(pool) == synth_defs.HAND_WRITERS == 40
    assert len(set(pool)) == 40
    assert {w.hand for w in pool} == {"stroke", "font"}
    assert 3 <= sum(w.pencil for w in pool) <= 20
    assert pool == writer_pool(HandMix(stroke_share=0.5, pencil_share=0.25), np.random.default_rng(3))


# --- pencil -----------------------------------------------------------------------------------


def test_pencil_writes_grey_grainy_broken_strokes() -> None:
    pen = _stroke_writer(7)
    pencil = pen.in_pencil(np.random.default_rng(7))
    inked, grey = _written(pen, 3), _written(pencil, 3)
    assert synth_defs.PENCIL_GREY[0] <= pencil.ink <= synth_defs.PENCIL_GREY[1]
    pen_ink, pencil_ink = inked[inked < PAPER], grey[grey < PAPER]
    assert np.median(pen_ink) < 120
    assert 130 <= np.median(pencil_ink) <= 230, "graphite is grey, never black"
    # the paper's tooth breaks a pencil line into many pieces where the pen draws few
    pieces = lambda img: cv2.connectedComponents((img < 200).astype(np.uint8), connectivity=8)[0]  # noqa: E731
    assert pieces(grey) > 2 * pieces(inked)
    assert np.array_equal(grey, _written(pencil, 3))


# --- paper and scanner conditions -------------------------------------------------------------


def _back_page() -> np.ndarray:
    back = np.full(A4_PX, 255, np.uint8)
    back[400:800, 100:500] = 0  # a block of ink near the left edge of the back
    return back


def test_show_through_puts_the_mirrored_back_faintly_on_the_front() -> None:
    front = np.full(A4_PX, 255, np.uint8)
    seen = on_paper(front, ScannerModel(show_through=0.1), back=_back_page())
    mirrored = seen[450:750, A4_PX[1] - 450 : A4_PX[1] - 150]
    assert 15 <= 255 - mirrored.mean() <= 30, "the back shows at about a tenth of its darkness"
    assert seen[450:750, 150:450].min() >= 250, "not where the ink is on the back: it is mirrored"
    assert seen.min() >= 255 * 0.85, "a ghost, never ink"
    assert np.array_equal(on_paper(front, ScannerModel(), back=_back_page()), front)


def test_a_fold_shadows_its_crease_and_pushes_the_print_beside_it() -> None:
    page = np.full(A4_PX, 255, np.uint8)
    line_y = round(149.5 * synth_defs.SYNTH_PX_PER_MM)  # a printed line 1 mm below the crease
    page[line_y : line_y + 3, :] = 0
    folded = on_paper(page, ScannerModel(folds=((148.5, 0.25, 0.8, 0.5),)))
    crease = round(148.5 * synth_defs.SYNTH_PX_PER_MM)
    middle = slice(A4_PX[1] // 2 - 50, A4_PX[1] // 2 + 50)
    assert 255 - folded[crease - 2 : crease + 2, middle].mean() >= 30, "a shadow along the crease"
    assert folded[:crease - 100].min() == 255 and folded[crease + 100 :].min() == 255, "the rest of the sheet is paper"

    def line_row(columns: slice) -> float:
        band = 255.0 - folded[line_y - 12 : line_y + 15, columns].astype(np.float64).mean(axis=1)
        band = np.clip(band - np.median(band), 0, None)
        return float((band * np.arange(len(band))).sum() / band.sum())

    assert abs(line_row(middle) - line_row(slice(5, 60))) >= 1.5, "the sheet is warped most mid-line"


def test_hard_profile_scans_at_200_dpi_mixing_1_bit_show_through_and_folds() -> None:
    rng = np.random.default_rng(12)
    settings = [random_settings(rng, "hard") for _ in range(60)]
    assert {s.dpi for s in settings} == {200}
    assert {s.mode for s in settings} == {"gray", "bw"}
    assert 0 < sum(s.show_through > 0 for s in settings) < 60
    assert 0 < sum(bool(s.folds) for s in settings) < 60
    assert all(synth_defs.SHOW_THROUGH_CONTRAST[0] <= s.show_through <= synth_defs.SHOW_THROUGH_CONTRAST[1] for s in settings if s.show_through)
    bw = next(s for s in settings if s.mode == "bw")
    page = np.full(A4_PX, 255, np.uint8)
    page[600:610, 200:1400] = 0
    image = scan(page, bw, rng=np.random.default_rng(1), back=_back_page())
    assert set(np.unique(image)) == {0, 255} and image.shape == output_size(bw)[::-1]
    stored = page_image(image, bw)
    assert stored.mode == "1" and stored.size == output_size(bw)


def test_the_same_seed_scans_the_same_folded_show_through_page() -> None:
    page = np.full(A4_PX, 255, np.uint8)
    page[600:610, 200:1400] = 0
    settings = random_settings(np.random.default_rng(4), "duplex")
    assert settings.show_through > 0
    first = scan(page, settings, rng=np.random.default_rng(8), back=_back_page())
    assert np.array_equal(first, scan(page, settings, rng=np.random.default_rng(8), back=_back_page()))
    assert not np.array_equal(first, scan(page, settings, rng=np.random.default_rng(8)))


def test_profiles_without_paper_conditions_draw_the_settings_they_always_drew() -> None:
    for profile in ("clean", "office", "harsh"):
        s = random_settings(np.random.default_rng(21), profile)
        assert s.show_through == 0.0 and s.folds == ()


# --- a stack --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def issued(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """manifest.json of one class's record forms for the sample school."""
    folder = tmp_path_factory.mktemp("issued")
    ws = init_workspace(folder / "ws", policy_path=samples_dir() / "policy.yaml")
    import_roster(ws, [samples_dir() / "roster.xlsx"])
    generate(ws, forms=["record"], formats=["pdf"], out_dir=folder / "out", class_name="七年级（1）班")
    ws.close()
    return folder / "out" / "manifest.json"


@pytest.mark.slow
def test_a_pencil_show_through_stack_from_the_command_line_gets_its_boxes_drawn(issued: Path, tmp_path: Path) -> None:
    out = tmp_path / "hard"
    filled = CliRunner().invoke(main, [
        "samples", "fill", "--manifest", str(issued), "--out", str(out), "--seed", "5", "--limit", "1", "--profile", "duplex",
        "--images", "--tidy-stack", "--stroke-hands", "1", "--pencil", "1",
    ])
    assert filled.exit_code == 0, filled.output
    truth = json.loads((out / "truth.json").read_text(encoding="utf-8"))
    assert len(truth["writers"]) == 40 and all(w["hand"] == "stroke" and w["pencil"] for w in truth["writers"])
    assert set(next(iter(truth["forms"].values()))["writers"]) == {"teacher", "parent"}
    first = truth["stack"][0]["pages"][0]
    assert first["scan"]["show_through"] > 0 and first["page"] == 1
    drawn = CliRunner().invoke(main, [
        "scan", "overlay", str(out / first["file"]), "-w", str(issued.parent.parent / "ws"), "--out", str(tmp_path / "o.png"),
    ])
    assert drawn.exit_code == 0, drawn.output
    assert f"表单 {first['form_id']}（record）第 1 页" in drawn.output and "定位标记 4 个" in drawn.output
    assert (tmp_path / "o.png").stat().st_size > 0


# --- bench figures --------------------------------------------------------------------------------


def test_wilson_lower_bound_matches_hand_worked_values() -> None:
    # all 100 right: the bound is n / (n + z²) = 100 / (100 + 1.6449²) = 0.97366
    assert wilson_lower(100, 100) == pytest.approx(0.97366, abs=1e-5)
    # 95 of 100: (0.95 + z²/200 − z·√(0.95·0.05/100 + z²/40000)) / (1 + z²/100) = 0.90084
    assert wilson_lower(95, 100) == pytest.approx(0.90084, abs=1e-5)
    assert wilson_lower(0, 0) == 0.0


def test_kinds_decide_the_same_reading_now_and_by_the_previous_release_thresholds() -> None:
    truth = {"writers": [{"hand": "stroke", "pencil": True}], "forms": {"F1": {
        "form": "record", "missing_pages": [], "writers": {"teacher": 0, "parent": 0},
        "scan": {"1": {"mode": "bw", "dpi": 200, "show_through": 0.1, "folds": []}, "2": {"mode": "gray", "dpi": 300, "folds": [[99.0, 0.2, 1, 0.3]]}},
        "values": {"visit_time": "08:00-09:00", "place": "学生家中", "visit_date": "2025-10-09", "consensus": "按时完成作业",
                   "measures": None, "followup_due": "2025-10-20"},
    }}}
    read = lambda value, confidence, status, why="": FieldValue(value, str(value), confidence, "ocr", status, why)  # noqa: E731
    fields = {
        "visit_time": read("08:00-09:00", 0.93, "auto"),  # right; under 0.95 before
        "place": read("学生家", 0.97, "auto"),  # wrong, and auto either way
        "visit_date": read("2025-10-09", 0.99, "review", "本页扫描质量差，细笔画可能丢失"),  # a reason besides confidence
        "consensus": read("按时完成作业", 0.999, "auto"),  # a confident line: a draft in the previous release
        "measures": read(None, 1.0, "auto"),  # nothing written, nothing read
        "followup_due": read("2025-10-20", 0.97, "review", "有数字写得不够清楚"),  # today's threshold is higher
    }
    record = Record("F1", "record", "G1", "七年级（1）班", "hash", fields, "file.png")
    scored = score_kinds([record], [truth])
    kinds = scored["kinds"]
    assert {k: v["fields"] for k, v in scored["by_writer"].items()} == {"stroke hand, pencil": 6}
    assert {k: v["fields"] for k, v in scored["by_scan"].items()} == {"1-bit 200 dpi, show-through": 3, "gray 300 dpi, folded": 3}
    comb, place, date = kinds["digits/comb"], kinds["place"], kinds["date"]
    assert (comb["now"]["auto"], comb["previous"]["auto"]) == (1, 0)
    assert comb["previous"]["review_per_form"] == 1.0
    assert place["now"]["wrong_auto"] == place["previous"]["wrong_auto"] == 1
    assert place["accuracy"] == 0.0 and place["now"]["auto_precision_lower95"] == 0.0
    assert (date["now"]["auto"], date["previous"]["auto"]) == (0, 1)
    narrative = kinds["narrative"]
    assert (narrative["now"]["auto"], narrative["previous"]["auto"]) == (2, 1)
    assert comb["now"]["auto_precision_lower95"] == pytest.approx(wilson_lower(1, 1))
