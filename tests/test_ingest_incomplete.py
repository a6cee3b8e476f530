"""Incomplete scan files: a TIFF or PDF cut short is read up to the cut, reported as incomplete
with the pages read and not read, and each form with a page lost gets its missing-page note."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pypdfium2 as pdfium
import pytest
from click.testing import CliRunner
from PIL import Image

from ingest_support import CLASS, make_workspace
from pipeline.cli import main
from pipeline.generate import generate
from pipeline.ingest import ingest
from pipeline.model.form import load_form
from pipeline.store import records as record_store
from pipeline.store.workspace import Workspace

DPI = 200


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Image.Image]]:
    """A workspace that issued two record forms, and their pages scanned in the order A1, B1,
    A2, B2, each first page with one box ticked (so the form is filled in)."""
    root = tmp_path_factory.mktemp("incomplete")
    ws = make_workspace(root / "ws")
    generate(ws, forms=["record"], formats=["pdf"], out_dir=root / "print", class_name=CLASS)
    pdf = next((root / "print" / "pdf" / "record").glob("*.pdf"))
    doc = pdfium.PdfDocument(pdf)
    try:
        pages = [np.array(doc[i].render(scale=DPI / 72, grayscale=True).to_pil().convert("L")) for i in (0, 2, 1, 3)]
    finally:
        doc.close()
    box = load_form("record").field("mode").options[0].box
    x0, y0, x1, y1 = (round(v * DPI / 25.4) for v in (box.x, box.y, box.x + box.w, box.y + box.h))
    for page in pages[:2]:
        cv2.line(page, (x0 + 4, (y0 + y1) // 2), ((x0 + x1) // 2, y1 - 4), 0, 5)
        cv2.line(page, ((x0 + x1) // 2, y1 - 4), (x1 - 2, y0 + 2), 0, 5)
    ws.close()
    return root / "ws", [Image.fromarray(p) for p in pages]


def _copy(root: Path, tmp_path: Path) -> Workspace:
    import shutil

    from pipeline.store.workspace import open_workspace

    shutil.copytree(root, tmp_path / "ws")
    return open_workspace(tmp_path / "ws")


def _saved_and_cut(pages: list[Image.Image], path: Path, **options: object) -> Path:
    """``pages`` saved to ``path``, then cut short just after the second page (about half way:
    where a copy of the same two pages alone would end)."""
    pages[0].save(path, save_all=True, append_images=pages[1:], **options)
    two = path.with_name(f"two-{path.name}")
    pages[0].save(two, save_all=True, append_images=pages[1:2], **options)
    cut = path.with_name(f"cut-{path.name}")
    cut.write_bytes(path.read_bytes()[: two.stat().st_size])
    return cut


def _check_incomplete(ws: Workspace, report: object, lost: str) -> None:
    [intake] = report.files  # type: ignore[attr-defined]
    assert intake.outcome == "incomplete", intake
    assert intake.pages_read == (1, 2) and "已读第 1、2 页" in intake.reason
    assert lost in intake.reason
    with ws.session() as s:
        records = record_store.list_records(s)
    assert len(records) == 2, "both forms were read from their first page"
    assert all(r.notes == ("缺第 2 页",) for r in records), "each form says its page 2 is missing"


def test_a_tiff_cut_half_way_is_incomplete_and_names_the_pages_lost(stack: tuple[Path, list[Image.Image]], tmp_path: Path) -> None:
    root, pages = stack
    ws = _copy(root, tmp_path)
    cut = _saved_and_cut(pages, tmp_path / "stack.tif", dpi=(DPI, DPI), compression="tiff_lzw")
    report = ingest(ws, [cut], workers=1)
    _check_incomplete(ws, report, "第 3 页起")


def test_a_pdf_cut_half_way_is_incomplete_and_the_cli_says_so(stack: tuple[Path, list[Image.Image]], tmp_path: Path) -> None:
    root, pages = stack
    ws = _copy(root, tmp_path)
    cut = _saved_and_cut(pages, tmp_path / "stack.pdf", resolution=DPI)
    result = CliRunner().invoke(main, ["ingest", "-w", str(ws.root), "--workers", "1", str(cut)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"不完整：{cut}" in result.output and "第 3、4 页：这一页在文件中断处之后" in result.output
    from pipeline.store.workspace import open_workspace

    ws = open_workspace(ws.root)
    with ws.session() as s:
        assert len(record_store.list_records(s)) == 2
