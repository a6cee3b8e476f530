"""Synthetic returns: handwriting, the scanner model, and `jiafang samples fill` with its truth."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pytest
import zxingcpp
from click.testing import CliRunner
from PIL import Image

from pipeline.cli import main
from pipeline.generate import generate
from pipeline.identity import decode_payload
from pipeline.model import load_form
from pipeline.render.fonts import discover_font_files
from pipeline.resources import samples_dir
from pipeline.roster.importer import import_roster
from pipeline.roster.reader import read_roster
from pipeline.store.workspace import init_workspace
from pipeline.synth import handwriting as hw
from pipeline.synth.returns import fill_returns
from pipeline.synth.scanner import ScannerModel, output_size, random_settings, scan

CLASS = "七年级（1）班"
BOX = (40.0, 30.0, 200.0, 60.0)  # px: x, y, w, h
INK = 250  # a pixel darker than this carries ink


def _page() -> np.ndarray:
    return np.full((160, 300), 255, np.uint8)


def _ink_outside(image: np.ndarray, box: tuple[float, float, float, float]) -> int:
    x, y, w, h = (round(v) for v in box)
    outside = image.copy()
    outside[y : y + h, x : x + w] = 255
    return int((outside < INK).sum())


def _style(seed: int) -> hw.HandwritingStyle:
    return hw.HandwritingStyle.random(np.random.default_rng(seed))


@pytest.mark.parametrize(
    "draw",
    [
        lambda img, s, r: hw.draw_text(img, BOX, "学生家中（奶奶家）很远很远的地方", style=s, rng=r),
        lambda img, s, r: hw.draw_lines(img, [(40, 30, 200, 30), (40, 60, 200, 30)], "家中共四口人" * 8, style=s, rng=r),
        lambda img, s, r: hw.draw_tick(img, BOX, style=s, rng=r, kind="tick"),
        lambda img, s, r: hw.draw_tick(img, BOX, style=s, rng=r, kind="cross"),
        lambda img, s, r: hw.draw_tick(img, BOX, style=s, rng=r, kind="fill"),
        lambda img, s, r: hw.draw_correction(img, BOX, style=s, rng=r),
        lambda img, s, r: hw.draw_signature(img, BOX, style=s, rng=r),
        lambda img, s, r: hw.strike_through(img, BOX, style=s, rng=r),
    ],
    ids=["text", "lines", "tick", "cross", "fill", "correction", "signature", "strike"],
)
def test_handwriting_inks_only_inside_its_box(draw) -> None:
    for seed in range(3):
        image = _page()
        draw(image, _style(seed), np.random.default_rng(seed))
        assert (image < INK).sum() > 50, "something was written"
        assert _ink_outside(image, BOX) == 0


def test_stray_tick_crosses_the_box_border() -> None:
    box = (130.0, 70.0, 36.0, 36.0)
    image = _page()
    hw.draw_tick(image, box, style=_style(1), rng=np.random.default_rng(1), kind="stray_tick")
    assert _ink_outside(image, box) > 20


def test_handwriting_differs_between_seeds_and_repeats_with_the_same_seed() -> None:
    def write(seed: int) -> np.ndarray:
        image = _page()
        hw.draw_text(image, BOX, "蒋建国、邓玉梅", style=_style(seed), rng=np.random.default_rng(seed))
        return image

    assert np.array_equal(write(4), write(4))
    assert not np.array_equal(write(4), write(5))


def test_digit_cells_get_one_digit_each_and_a_space_leaves_its_cell_empty() -> None:
    cells = [(10.0 + i * 56, 40.0, 48.0, 64.0) for i in range(5)]
    image = _page()
    hw.draw_digit_cells(image, cells, "20 51", style=_style(2), rng=np.random.default_rng(2))
    inked = [int((image[round(y) : round(y + h), round(x) : round(x + w)] < 128).sum()) for x, y, w, h in cells]
    assert [n > 30 for n in inked] == [True, True, False, True, True]
    gaps = image[:, 58:66], image[:, 114:122]
    assert all((gap < INK).sum() == 0 for gap in gaps), "no digit spills into the gap between cells"


@pytest.mark.parametrize("dpi", [200, 300])
def test_scan_has_the_size_of_an_a4_page_at_the_dpi(dpi: int) -> None:
    template = np.full((2376, 1680), 255, np.uint8)
    template[400:420, 200:1400] = 0
    rng = np.random.default_rng(0)
    gray = scan(template, ScannerModel(dpi=dpi, rotation=2.0, noise=4.0, jpeg_quality=80), rng=rng)
    assert gray.shape == (round(297 * dpi / 25.4), round(210 * dpi / 25.4)) == output_size(ScannerModel(dpi=dpi))[::-1]
    colour = scan(template, ScannerModel(dpi=dpi, mode="colour"), rng=rng)
    assert colour.shape == (*gray.shape, 3)
    bw = scan(template, ScannerModel(dpi=dpi, mode="bw", blur=1.0, noise=10.0), rng=rng)
    assert set(np.unique(bw)) == {0, 255}


def test_random_settings_stay_within_the_issue_tolerances() -> None:
    rng = np.random.default_rng(9)
    for profile in ("clean", "office", "harsh"):
        for _ in range(50):
            s = random_settings(rng, profile)
            assert abs(s.rotation) <= 5 and 0.94 <= s.scale <= 1.0 and max(map(abs, s.shift_mm)) <= 6
            assert s.dpi in (200, 300) and (s.mode != "bw" or s.jpeg_quality is None)


# --- fill_returns on a tiny issued batch ----------------------------------------------------------


def _tiny_roster(folder: Path) -> list[Path]:
    """The sample roster cut down to two students of one class and that class's teachers."""
    sheets = {s.kind: s for s in read_roster(samples_dir() / "roster.xlsx")}
    students = [r.values for r in sheets["students"].rows if r.values["班级"] == CLASS][:2]
    teachers = [r.values for r in sheets["teachers"].rows if CLASS in r.values["任教班级"] or not r.values["任教班级"]]
    paths = []
    for name, rows in (("students.csv", students), ("teachers.csv", teachers)):
        path = folder / name
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
            writer.writeheader()
            for row in rows:
                writer.writerow({**row, "任教班级": CLASS} if "任教班级" in row and row["任教班级"] else row)
        paths.append(path)
    return paths


@pytest.fixture(scope="module")
def issued(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """manifest.json of a record form issued to each of two students (one class PDF)."""
    folder = tmp_path_factory.mktemp("issued")
    ws = init_workspace(folder / "ws", policy_path=samples_dir() / "policy.yaml")
    report = import_roster(ws, _tiny_roster(folder))
    assert report.rejected_rows == 0
    generate(ws, forms=["record"], formats=["pdf"], out_dir=folder / "out", class_name=CLASS)
    ws.close()
    return folder / "out" / "manifest.json"


@pytest.fixture(scope="module")
def filled(issued: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("filled")
    fill_returns(issued, out, seed=11, profile="clean")
    return out


def _truth(out: Path) -> dict:
    return json.loads((out / "truth.json").read_text(encoding="utf-8"))


def test_fill_writes_a_copier_pdf_per_class_and_truth_for_every_form(issued: Path, filled: Path) -> None:
    truth = _truth(filled)
    manifest = json.loads(issued.read_text(encoding="utf-8"))
    assert set(truth["forms"]) == {e["form_id"] for e in manifest}
    [stack] = truth["stack"]
    pdf = pdfium.PdfDocument(filled / stack["file"])
    assert len(pdf) == len(stack["pages"])
    kinds = [p["kind"] for p in stack["pages"]]
    assert {"form", "duplicate", "foreign"} <= set(kinds), "the default stack has its accidents"
    missing = [(fid, p) for fid, f in truth["forms"].items() for p in f["missing_pages"]]
    assert len(missing) == 1
    scanned_pages = {(p["form_id"], p["page"]) for p in stack["pages"] if p["kind"] == "form"}
    assert scanned_pages.isdisjoint(missing) and len(scanned_pages) == 2 * len(manifest) - 1
    assert any(p["scan"]["upside_down"] for p in stack["pages"] if p["kind"] == "form")


def test_same_seed_gives_identical_truth_and_page_bytes(issued: Path, tmp_path: Path) -> None:
    def fill(name: str, seed: int) -> tuple[bytes, bytes]:
        out = tmp_path / name
        fill_returns(issued, out, seed=seed, profile="harsh", limit=1)
        return (out / "truth.json").read_bytes(), (out / _truth(out)["stack"][0]["file"]).read_bytes()

    first = fill("first", 5)
    assert fill("again", 5) == first
    other = fill("other", 6)
    assert other[0] != first[0] and other[1] != first[1]


def _other_font() -> Path:
    """An installed CJK font that is not the default handwriting font."""
    return next(p for p in discover_font_files() if p != hw.handwriting_font())


def test_a_held_out_hand_font_writes_the_same_forms_in_another_hand(issued: Path, tmp_path: Path) -> None:
    def fill(name: str, fonts: list[Path] | None) -> tuple[dict, bytes]:
        out = tmp_path / name
        fill_returns(issued, out, seed=5, profile="clean", limit=1, hand_fonts=fonts)
        truth = _truth(out)
        return truth, (out / truth["stack"][0]["file"]).read_bytes()

    font = _other_font()
    held_out, pages = fill("held-out", [font])
    assert fill("again", [font]) == (held_out, pages), "same seed and font, same stack"
    default, default_pages = fill("default", None)
    assert held_out["hand_fonts"] == [font.name] and default["hand_fonts"] == [hw.handwriting_font().name]
    assert {k: f["values"] for k, f in held_out["forms"].items()} == {k: f["values"] for k, f in default["forms"].items()}
    assert pages != default_pages, "the font reaches the drawing"
    assert fill("kaiti", [hw.handwriting_font()])[1] == default_pages, "and nothing but the font changed"


def test_samples_fill_rejects_a_hand_font_that_is_no_font(issued: Path, tmp_path: Path) -> None:
    bogus = tmp_path / "hand.ttf"
    bogus.write_text("not a font", encoding="utf-8")
    result = CliRunner().invoke(
        main, ["samples", "fill", "--manifest", str(issued), "--out", str(tmp_path / "x"), "--hand-font", str(bogus)]
    )
    assert result.exit_code == 1
    assert "无法作为手写字体打开" in result.output


def test_clean_scanned_pages_still_carry_a_readable_qr(filled: Path) -> None:
    [stack] = _truth(filled)["stack"]
    pdf = pdfium.PdfDocument(filled / stack["file"])
    for index, page in enumerate(stack["pages"]):
        if page["kind"] not in ("form", "duplicate"):
            continue
        image = np.array(pdf[index].render(scale=200 / 72, grayscale=True).to_pil().convert("L"))
        codes = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
        assert codes, f"no QR on scanned page {index + 1}"
        payload = decode_payload(codes[0].text)
        assert (payload.form_id, payload.page) == (page["form_id"], page["page"])


def test_truth_values_follow_the_export_contract(filled: Path) -> None:
    form = load_form("record")
    patterns = {
        "date": r"20\d\d-\d\d-\d\d",
        "time_range": r"\d\d:\d\d-\d\d:\d\d",
        "phone": r"1\d{10}",
        "digits": r"\d+",
    }
    for truth in _truth(filled)["forms"].values():
        assert set(truth["values"]) == {f.id for f in form.fields if f.fillable}
        for field_id, value in truth["values"].items():
            f = form.field(field_id)
            states = truth["checkbox_states"].get(field_id, {})
            if f.kind == "signature":
                assert isinstance(value, bool)
            elif value is None:
                assert not f.required or f.kind == "date" and f.rule("after_field")
            elif f.kind in patterns:
                assert re.fullmatch(patterns[f.kind], value), (field_id, value)
            elif f.kind == "single_choice":
                assert value in f.option_values
            elif f.kind == "multi_choice":
                assert isinstance(value, list) and set(value) <= set(f.option_values)
            else:
                assert isinstance(value, str) and value
            if f.kind in ("single_choice", "multi_choice"):
                marked = [o for o, s in states.items() if s in ("ticked", "stray")]
                chosen = [value] if isinstance(value, str) else value or []
                assert marked == chosen and set(states) == set(f.option_values)
        assert truth["values"]["visit_date"] < (truth["values"]["followup_due"] or "9999")
        assert "2025-09-01" <= truth["values"]["visit_date"] <= "2026-01-25"


def test_samples_fill_command_writes_image_files_and_reports_where_truth_is(issued: Path, tmp_path: Path) -> None:
    out = tmp_path / "cli"
    result = CliRunner().invoke(
        main,
        ["samples", "fill", "--manifest", str(issued), "--out", str(out), "--seed", "3", "--limit", "1",
         "--profile", "harsh", "--images", "--tidy-stack"],
    )
    assert result.exit_code == 0, result.output
    assert "truth.json" in result.output
    [stack] = _truth(out)["stack"]
    assert [p["kind"] for p in stack["pages"]] == ["form", "form"]
    for page in stack["pages"]:
        image = Image.open(out / page["file"])
        assert image.size == tuple(output_size(ScannerModel(dpi=page["scan"]["dpi"])))
        assert image.mode == ("1" if page["scan"]["mode"] == "bw" else image.mode)


def test_samples_fill_rejects_a_manifest_without_pdf_forms(issued: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["samples", "fill", "--manifest", str(issued), "--out", str(tmp_path / "x"), "--forms", "memo"]
    )
    assert result.exit_code == 1
    assert "没有可填写的 PDF 表单" in result.output
