"""Fault isolation: one bad file or page never ends a batch, and every input file is accounted for.

Bad files are made here from real images (truncated, bytes flipped, fuzzed, a decompression
bomb); worker faults are injected through ``ingest(page_reader=...)`` with tests/fault_readers.py
running in real worker processes.
"""

from __future__ import annotations

import csv
import io
import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from fault_readers import CRASHES_WIDTH, HANGS_WIDTH, RAISES_WIDTH, faulty_reader
from ingest_support import make_workspace
from pipeline import defs
from pipeline.cli import main
from pipeline.ingest import ingest
from pipeline.model.intake import FILE_OUTCOMES
from pipeline.store import records as record_store
from pipeline.store.workspace import Workspace

DEVELOPER_TEXT = ("Error", "error", "errno", "Traceback", "startxref", "decoder", "cannot identify")


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return make_workspace(tmp_path / "ws")


def _white(width: int, height: int) -> Image.Image:
    return Image.new("L", (width, height), 255)


def _png_bytes(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()


def _noise(width: int, height: int, seed: int = 1) -> Image.Image:
    return Image.fromarray(np.random.default_rng(seed).integers(0, 256, (height, width), dtype=np.uint8))


def _bad_files(folder: Path) -> dict[str, str]:
    """Each kind of undecodable input, by file name, with the outcome it must get."""
    folder.mkdir(parents=True, exist_ok=True)
    png = _png_bytes(_noise(300, 400))
    (folder / "truncated.png").write_bytes(png[: len(png) // 2])
    jpeg = io.BytesIO()
    _noise(300, 400).save(jpeg, format="JPEG")
    (folder / "truncated.jpg").write_bytes(jpeg.getvalue()[: len(jpeg.getvalue()) // 2])
    bomb = io.BytesIO()
    Image.new("1", (20000, 20000), 1).save(bomb, format="PNG")  # 400 Mpx in 90 kB
    (folder / "bomb.png").write_bytes(bomb.getvalue())
    text_bomb = PngInfo()
    text_bomb.add_text("Comment", "a" * (8 << 20), zip=True)  # 8 MB of text in a few kB
    _white(600, 850).save(folder / "text_bomb.png", pnginfo=text_bomb)
    (folder / "fuzzed.tif").write_bytes(b"II*\x00" + np.random.default_rng(5).bytes(4000))
    _white(1, 1).save(folder / "child_ifd_like.tif")  # a 1-pixel page, as a TIFF's child IFD can be
    _flipped_tiff(folder / "flipped.tif")
    _white(600, 850).save(folder / "blank.png")
    return {
        "truncated.png": "refused",
        "truncated.jpg": "refused",
        "bomb.png": "refused",
        "text_bomb.png": "refused",
        "fuzzed.tif": "refused",
        "child_ifd_like.tif": "refused",
        "flipped.tif": "incomplete",
        "blank.png": "blank",
    }


def _flipped_tiff(path: Path) -> None:
    """Three deflate-compressed white pages; page 2's compressed data has flipped bytes."""
    pages = [_white(600, 850) for _ in range(3)]
    pages[0].save(path, save_all=True, append_images=pages[1:], compression="tiff_adobe_deflate")
    with Image.open(path) as image:
        image.seek(1)
        start, length = image.tag_v2[273][0], image.tag_v2[279][0]  # StripOffsets, StripByteCounts
    data = bytearray(path.read_bytes())
    for i in range(start + 2, start + min(length, 200)):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))


def test_undecodable_files_are_refused_with_clerk_reasons_and_the_batch_goes_on(ws: Workspace, tmp_path: Path) -> None:
    expected = _bad_files(tmp_path / "in")
    report = ingest(ws, [tmp_path / "in"], workers=1)
    outcomes = {Path(f.path).name: f for f in report.files}
    assert {name: f.outcome for name, f in outcomes.items()} == expected
    for name, f in outcomes.items():
        assert name in f.reason, name
        assert not any(word in f.reason for word in DEVELOPER_TEXT), f.reason
    assert "解压炸弹" in outcomes["bomb.png"].reason and "解压炸弹" in outcomes["text_bomb.png"].reason
    flipped = outcomes["flipped.tif"]
    assert "已读第 1、3 页" in flipped.reason and "第 2 页：无法读取" in flipped.reason
    assert flipped.pages_read == (1, 3)
    with ws.session() as s:
        assert record_store.list_records(s) == []


def test_a_roster_saved_as_a_web_page_or_a_csv_among_the_returns_is_named_as_a_spreadsheet(ws: Workspace, tmp_path: Path) -> None:
    folder = tmp_path / "交回"
    folder.mkdir()
    shutil.copy(Path(__file__).parent / "data" / "rosters" / "花名册-libreoffice-7.4-网页.xls", folder / "学籍导出.xls")
    (folder / "花名册.csv").write_text("学籍号,姓名,班级\nG001,王浩宇,七年级（1）班\n", encoding="utf-8")
    report = ingest(ws, [folder], workers=1)
    assert {Path(f.path).name: f.outcome for f in report.files} == {"学籍导出.xls": "refused", "花名册.csv": "refused"}
    for f in report.files:
        assert "这是电子表格，不是交回的家访表" in f.reason and "jiafang roster import" in f.reason, f.reason


def test_every_file_gets_one_outcome_in_the_cli_and_in_the_report_file(ws: Workspace, tmp_path: Path) -> None:
    expected = _bad_files(tmp_path / "in")
    (tmp_path / "in" / "notes.txt").write_text("家访心得", encoding="utf-8")
    (tmp_path / "in" / "copy-of-blank.png").write_bytes((tmp_path / "in" / "blank.png").read_bytes())
    out = tmp_path / "结果.csv"
    args = ["ingest", "-w", str(ws.root), "--workers", "1", "--report", str(out), str(tmp_path / "in")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    assert "Traceback" not in result.output and "读入结果" in result.output
    for name, outcome in expected.items():
        if outcome != "blank":
            assert f"{FILE_OUTCOMES[outcome]}：{tmp_path / 'in' / name}" in result.output, name
    with out.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    by_name = {Path(r["文件"]).name: r for r in rows}
    assert len(rows) == len(expected) + 2 == len(by_name), "every file exactly once"
    assert by_name["notes.txt"]["结果"] == "拒收"
    assert {by_name["blank.png"]["结果"], by_name["copy-of-blank.png"]["结果"]} == {"空白跳过", "重复"}
    assert all(r["原因"] for r in rows if r["结果"] != "空白跳过"), "every file not read says why"
    again = CliRunner().invoke(main, args)
    with out.open(encoding="utf-8-sig") as fh:
        assert {r["结果"] for r in csv.DictReader(fh) if Path(r["文件"]).name.startswith(("blank", "copy"))} == {"已读过"}
    assert "Traceback" not in again.output


def test_the_intake_rows_in_the_database_are_what_the_report_says(ws: Workspace, tmp_path: Path) -> None:
    _bad_files(tmp_path / "in")
    report = ingest(ws, [tmp_path / "in"], workers=1)
    db = sqlite3.connect(ws.root / "jiafang.sqlite")
    try:
        rows = db.execute("SELECT path, outcome, reason FROM intake WHERE batch_id = ? ORDER BY id", (report.batch_id,)).fetchall()
    finally:
        db.close()
    assert rows == [(f.path, f.outcome, f.reason) for f in report.files]
    assert len(rows) == len(report.files) == 8


def _pages_folder(folder: Path, widths: list[int]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for n, width in enumerate(widths):
        page = _white(width, 850)
        page.putpixel((10 + n, 10), 0)  # a speck, so that no two files are the same content
        page.save(folder / f"page{n}-{width}.png")
    return folder


def test_a_page_whose_reader_raises_is_quarantined_as_a_program_error_with_the_trace_in_the_log(
    ws: Workspace, tmp_path: Path
) -> None:
    folder = _pages_folder(tmp_path / "in", [600, RAISES_WIDTH, 600])
    report = ingest(ws, [folder], workers=2, page_reader=faulty_reader)
    outcomes = {Path(f.path).name: f for f in report.files}
    culprit = outcomes[f"page1-{RAISES_WIDTH}.png"]
    assert culprit.outcome == "quarantined" and "程序错误" in culprit.reason
    assert str(ws.root / "logs" / "jiafang.log") in culprit.reason
    assert "injected reader fault" in (ws.root / "logs" / "jiafang.log").read_text(encoding="utf-8")
    assert "injected" not in culprit.reason
    assert [outcomes[n].outcome for n in ("page0-600.png", "page2-600.png")] == ["blank", "blank"]


def test_a_worker_crash_quarantines_only_the_page_that_crashed(ws: Workspace, tmp_path: Path) -> None:
    folder = _pages_folder(tmp_path / "in", [600, 600, CRASHES_WIDTH, 600, 600])
    report = ingest(ws, [folder], workers=2, page_reader=faulty_reader)
    outcomes = {Path(f.path).name: f.outcome for f in report.files}
    assert outcomes.pop(f"page2-{CRASHES_WIDTH}.png") == "quarantined"
    assert set(outcomes.values()) == {"blank"} and len(outcomes) == 4
    crashed = next(f for f in report.files if str(CRASHES_WIDTH) in f.path)
    assert "进程意外退出" in crashed.reason


def test_a_page_that_hangs_is_quarantined_after_the_page_timeout(
    ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(defs, "SCAN_PAGE_TIMEOUT", 6.0)
    folder = _pages_folder(tmp_path / "in", [600, HANGS_WIDTH, 600])
    report = ingest(ws, [folder], workers=2, page_reader=faulty_reader)
    outcomes = {Path(f.path).name: f for f in report.files}
    hung = outcomes[f"page1-{HANGS_WIDTH}.png"]
    assert hung.outcome == "quarantined" and "超过 6 秒" in hung.reason
    assert outcomes["page0-600.png"].outcome == outcomes["page2-600.png"].outcome == "blank"


def test_a_workspace_that_cannot_be_written_ends_the_batch_with_its_message(ws: Workspace, tmp_path: Path) -> None:
    folder = _pages_folder(tmp_path / "in", [600, 600])
    store = ws.files.root
    if store.exists():
        for child in sorted(store.rglob("*"), reverse=True):
            child.rmdir() if child.is_dir() else child.unlink()
        store.rmdir()
    store.write_bytes(b"")  # the file store cannot hold anything now
    result = CliRunner().invoke(main, ["ingest", "-w", str(ws.root), "--workers", "1", str(folder)])
    assert result.exit_code == 1
    assert "工作区无法写入" in result.output and "程序错误" not in result.output and "Traceback" not in result.output
    db = sqlite3.connect(ws.root / "jiafang.sqlite")
    try:
        assert db.execute("SELECT count(*) FROM intake").fetchone()[0] == 0, "no file is blamed for the workspace"
    finally:
        db.close()


def test_an_unexpected_error_in_a_command_says_program_error_and_where_the_trace_is(ws: Workspace) -> None:
    db = sqlite3.connect(ws.root / "jiafang.sqlite")
    db.execute("DROP TABLE records")
    db.commit()
    db.close()
    result = CliRunner().invoke(main, ["records", "list", "-w", str(ws.root), "--status", "review"])
    log = ws.root / "logs" / "jiafang.log"
    assert result.exit_code == 1
    assert "程序错误" in result.output and str(log) in result.output
    assert "Traceback" not in result.output and "OperationalError" not in result.output
    assert "OperationalError" in log.read_text(encoding="utf-8")
