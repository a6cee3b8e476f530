"""The scan debug commands on real files: a generated form, written on, "scanned" and ingested."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from pipeline.cli import main
from pipeline.ingest import ingest
from pipeline.model.form import load_form
from pipeline.scan.geometry import registered_shape
from pipeline.ingest.inspect import checkbox_gallery, stored_checkbox_tiles
from pipeline.store.workspace import Workspace
from pipeline.synth.scanner import ScannerModel
from pipeline.model.form import Box
from pipeline.synth.handwriting import HandwritingStyle, draw_text, px_box
from tests.scan_support import TEMPLATE_DPI, issue_one_form, mark_options, rasterise, scanned

CLASS = "调试班"
FORM = load_form("record")
MARKS = {("mode", "电话"): "tick", ("topics", "学习情况"): "cross", ("topics", "资助政策"): "fill"}


@dataclass(frozen=True)
class Scanned:
    ws: Workspace
    forms_dir: Path
    scan: Path  # one PNG: page 1 of the record form, written on and scanned
    form_id: str


@pytest.fixture(scope="module")
def scanned_form(tmp_path_factory: pytest.TempPathFactory) -> Scanned:
    tmp = tmp_path_factory.mktemp("inspect")
    issued = issue_one_form(tmp, CLASS)
    page, ws = issued.page, issued.ws
    mark_options(page, FORM, MARKS)
    image = scanned(page, ScannerModel(dpi=200, rotation=1.5, shift_mm=(2.0, 1.0), blur=0.5, noise=3.0))
    scan = tmp / "scan.png"
    Image.fromarray(image).save(scan, dpi=(200, 200))
    ingest(ws, [scan], workers=1)
    return Scanned(ws, issued.forms_dir, scan, issued.form_id)


def run(*args: object):
    return CliRunner().invoke(main, ["scan", *map(str, args)])


@pytest.mark.parametrize("how", ["workspace", "manifest", "layout_hash"])
def test_overlay_draws_the_layout_on_the_identified_registered_page(scanned_form: Scanned, tmp_path: Path, how: str) -> None:
    out = tmp_path / "overlay.png"
    where = {"workspace": ["-w", scanned_form.ws.root], "manifest": ["--forms-dir", scanned_form.forms_dir], "layout_hash": []}
    result = run("overlay", scanned_form.scan, "--out", out, *where[how])
    assert result.exit_code == 0, result.output
    assert f"表单 {scanned_form.form_id}（record）第 1 页" in result.output
    rows, cols = registered_shape(FORM.page_size)
    with Image.open(out) as image:
        assert image.width == cols and image.height > rows  # the registered page under a caption
        option = FORM.field("mode").options[0].box  # its outline is drawn in colour on the grey page
        r, g, b = image.convert("RGB").getpixel((round(option.x * 8), round(option.y * 8) + image.height - rows))
        assert len({r, g, b}) > 1
    assert "填写栏以外的手写字迹" not in result.output  # a page written only in its boxes


def test_overlay_with_the_workspace_draws_the_writing_outside_the_boxes(scanned_form: Scanned, tmp_path: Path) -> None:
    """The page as ingest sees it: a note written above the table is framed and counted (it
    needs the page as printed, so the student's issue in the workspace); without the workspace
    the layout alone is drawn."""
    page = rasterise(scanned_form.forms_dir / "pdf" / "record" / f"{CLASS}.pdf", 0)
    mark_options(page, FORM, MARKS)
    px = TEMPLATE_DPI / 25.4
    draw_text(page, px_box(Box(45, 28, 70, 7.5), px), "学生已搬家", style=HandwritingStyle.random(np.random.default_rng(3)), rng=np.random.default_rng(4), px_per_mm=px)
    Image.fromarray(page).save(tmp_path / "note.png", dpi=(TEMPLATE_DPI, TEMPLATE_DPI))
    found = run("overlay", tmp_path / "note.png", "--out", tmp_path / "with.png", "-w", scanned_form.ws.root)
    assert found.exit_code == 0, found.output
    assert "填写栏以外的手写字迹 1 处" in found.output
    alone = run("overlay", tmp_path / "note.png", "--out", tmp_path / "alone.png", "--forms-dir", scanned_form.forms_dir)
    assert alone.exit_code == 0 and "填写栏以外的手写字迹" not in alone.output


def test_overlay_of_a_blank_page_names_file_and_page_and_exits_1(tmp_path: Path) -> None:
    blank = tmp_path / "blank.png"
    Image.new("L", (1654, 2339), 255).save(blank, dpi=(200, 200))
    result = run("overlay", blank, "--out", tmp_path / "o.png")
    assert result.exit_code == 1
    assert f"{blank} 第 1 页" in result.output and "空白页" in result.output
    assert not (tmp_path / "o.png").exists()


def test_overlay_of_an_image_that_is_no_form_says_why(tmp_path: Path) -> None:
    photo = tmp_path / "photo.jpg"
    rng = np.random.default_rng(1)
    Image.fromarray(rng.integers(0, 256, (1200, 900), dtype=np.uint8)).save(photo)
    result = run("overlay", photo, "--out", tmp_path / "o.png")
    assert result.exit_code == 1
    assert f"{photo} 第 1 页：无法识别：找不到可读的二维码" in result.output


def test_overlay_of_a_page_beyond_the_file_says_how_many_there_are(scanned_form: Scanned, tmp_path: Path) -> None:
    result = run("overlay", scanned_form.scan, "--page", 2, "--out", tmp_path / "o.png")
    assert result.exit_code == 1 and "文件只有 1 页" in result.output


def test_overlay_of_a_scan_of_two_pages_side_by_side_draws_the_half_asked_for(scanned_form: Scanned, tmp_path: Path) -> None:
    """A form printed 每版打印 2 页 is read half by half; the overlay shows the half named."""
    entry = json.loads((scanned_form.forms_dir / "manifest.json").read_text(encoding="utf-8"))[0]
    pages = [rasterise(scanned_form.forms_dir / entry["file"], entry["first_page"] - 1 + n) for n in (0, 1)]
    height, width = pages[0].shape
    sheet = np.full((width, height), 255, np.uint8)
    for n, page in enumerate(pages):
        small = np.asarray(Image.fromarray(page).resize((round(width * 0.7), round(height * 0.7))))
        sheet[: small.shape[0], n * height // 2 : n * height // 2 + small.shape[1]] = small
    two_up = tmp_path / "2-up.png"
    Image.fromarray(sheet).save(two_up, dpi=(TEMPLATE_DPI, TEMPLATE_DPI))
    asked = run("overlay", two_up, "--out", tmp_path / "o.png")
    assert asked.exit_code == 1 and "并排有两页（左半页、右半页）" in asked.output and "--half" in asked.output
    right = run("overlay", two_up, "--half", 2, "--out", tmp_path / "right.png")
    assert right.exit_code == 0, right.output
    assert f"表单 {scanned_form.form_id}（record）第 2 页" in right.output and (tmp_path / "right.png").exists()
    single = run("overlay", scanned_form.scan, "--half", 1, "--out", tmp_path / "o.png")
    assert single.exit_code == 1 and "不是并排两页" in single.output


def test_gallery_shows_the_stored_checkboxes_sorted_by_fill(scanned_form: Scanned, tmp_path: Path) -> None:
    out = tmp_path / "gallery.png"
    result = run("gallery", "-w", scanned_form.ws.root, "--out", out)
    assert result.exit_code == 0, result.output
    options = sum(len(f.options) for f in FORM.pages[0].fields if f.options)
    assert f"{options} 个复选框" in result.output
    gallery = checkbox_gallery(stored_checkbox_tiles(scanned_form.ws))
    with Image.open(out) as image:
        assert image.size == gallery.image.size
    fills = [t.reading.fill_ratio for t in gallery.tiles]
    assert fills == sorted(fills)
    states = {t.label: t.reading.state for t in gallery.tiles}
    assert states["mode·电话"] == states["topics·学习情况"] == "ticked"
    assert states["topics·资助政策"] == "crossed_out"
    assert [t.label for t in gallery.tiles][-1] == "topics·资助政策"


def test_gallery_of_one_field_with_a_limit_spreads_over_the_fills(scanned_form: Scanned, tmp_path: Path) -> None:
    tiles = stored_checkbox_tiles(scanned_form.ws, field_id="topics")
    assert {t.label.split("·")[0] for t in tiles} == {"topics"}
    shown = checkbox_gallery(tiles, limit=3).tiles
    assert len(shown) == 3 and shown[0].reading.state == "empty" and shown[-1].reading.state == "crossed_out"
    result = run("gallery", "-w", scanned_form.ws.root, "--out", tmp_path / "g.png", "--field", "topics", "--limit", 3)
    assert result.exit_code == 0 and "3 个复选框" in result.output


def test_gallery_of_a_workspace_without_scans_says_so(workspace: Workspace, tmp_path: Path) -> None:
    result = run("gallery", "-w", workspace.root, "--out", tmp_path / "g.png")
    assert result.exit_code == 1 and "没有已识读的扫描页" in result.output
    unknown = run("gallery", "-w", workspace.root, "--out", tmp_path / "g.png", "--field", "nope")
    assert unknown.exit_code == 1 and "没有名为 'nope' 的勾选字段" in unknown.output
