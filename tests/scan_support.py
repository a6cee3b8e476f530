"""Real pages for the scan tests: a rendered batch, rasterised, then "scanned" by the scanner model."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np
import pypdfium2 as pdfium

from pipeline import defs
from pipeline.generate import generate
from pipeline.generate.batch import filled_form
from pipeline.model.filled import FilledForm
from pipeline.model.form import FormDef, load_form
from pipeline.model.people import Student
from pipeline.model.policy import load_policy
from pipeline.render.pdf import render_pdf
from pipeline.resources import samples_dir
from pipeline.roster.importer import import_roster
from pipeline.store import repo
from pipeline.store.workspace import Workspace, init_workspace
from pipeline.synth.handwriting import HandwritingStyle, draw_tick, handwriting_font, px_box
from pipeline.synth.scanner import ScannerModel, page_transform, scan

STUDENT = Student(
    "G330102201201010011", "李明", "七年级(1)班", address="青山镇下溪村五组", guardian_name="李建国",
    guardian_relation="父亲", phone="13912345678",
)
TEMPLATE_DPI = defs.REGISTERED_PX_PER_MM * 25.4  # a clean page rasterised here is a registered page
RECORD_PAGES = (0, 1)  # batch page index of the record form's pages 1 and 2
MEMO_PAGE, PADDING_PAGE = 2, 3  # the one-page memo, then its duplex padding page


@dataclass(frozen=True)
class Batch:
    pdf: Path
    record: FilledForm
    memo: FilledForm

    @property
    def form(self) -> FormDef:
        return self.record.form


def print_batch(folder: Path) -> Batch:
    """A record form (2 pages) and a memo (1 page + duplex padding page) for one student."""
    policy = load_policy(samples_dir() / "policy.yaml")
    record = filled_form(load_form("record"), STUDENT, policy)
    memo = filled_form(load_form("memo"), STUDENT, policy)
    pdf = folder / "batch.pdf"
    render_pdf([record, memo], pdf, batch_id="B7")
    return Batch(pdf, record, memo)


@dataclass(frozen=True)
class IssuedPage:
    ws: Workspace
    forms_dir: Path  # the print PDF and manifest.json
    form_id: str
    page: np.ndarray  # page 1 of the record form as printed, at TEMPLATE_DPI


def issue_one_form(folder: Path, class_name: str, form: str = "record") -> IssuedPage:
    """A workspace with the sample roster whose first student of 七年级（1）班, moved alone
    to ``class_name``, has been issued a ``form`` (page 1 as printed)."""
    ws = init_workspace(folder / "ws", policy_path=samples_dir() / "policy.yaml")
    import_roster(ws, [samples_dir() / "roster.xlsx"])
    with ws.session() as s:
        student = repo.list_students(s, class_name="七年级（1）班")[0]
        repo.upsert_students(s, [replace(student, class_name=class_name)])
    generate(ws, forms=[form], formats=["pdf"], out_dir=folder / "forms", class_name=class_name)
    entry = json.loads((folder / "forms" / "manifest.json").read_text(encoding="utf-8"))[0]
    page = rasterise(folder / "forms" / entry["file"], entry["first_page"] - 1)
    return IssuedPage(ws, folder / "forms", entry["form_id"], page)


def mark_options(page: np.ndarray, form: FormDef, marks: Mapping[tuple[str, str], str]) -> None:
    """Mark option boxes of a page at TEMPLATE_DPI: (field id, option value) -> tick kind
    (tick, cross, fill, stray_tick), in a tidy fixed hand."""
    hand = HandwritingStyle(
        font_path=handwriting_font(), glyph_mm=4.6, digit_fill=0.72, slant=2.0, angle_jitter=1.5,
        size_jitter=0.04, baseline_jitter=0.03, spacing=1.0, stroke_mm=0.04, pen_mm=0.4, ink=40,
    )
    for i, ((field_id, value), kind) in enumerate(marks.items()):
        option = next(o for o in form.field(field_id).options if o.value == value)
        draw_tick(page, px_box(option.box), style=hand, rng=np.random.default_rng(i), kind=kind)


def rasterise(pdf: Path, index: int, dpi: float = TEMPLATE_DPI) -> np.ndarray:
    doc = pdfium.PdfDocument(pdf)
    try:
        return np.array(doc[index].render(scale=dpi / 72, grayscale=True).to_pil().convert("L"))
    finally:
        doc.close()


def scanned(template: np.ndarray, settings: ScannerModel, seed: int = 7, *, back: np.ndarray | None = None) -> np.ndarray:
    """A grayscale scan of a template page (at TEMPLATE_DPI) made by the scanner model; ``back``,
    the other side of the sheet, shows through where ``settings`` say."""
    image = scan(template, settings, rng=np.random.default_rng(seed), back=back)
    return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) if image.ndim == 3 else image


def truth(settings: ScannerModel, page_mm: tuple[float, float]) -> np.ndarray:
    """The true homography template mm → scan px (continuous, pixel centres at +0.5) applied.

    The scanner model maps pixel indices to pixel indices; a rasterised pixel index i has
    its centre at (i + 0.5) / TEMPLATE px per mm.
    """
    px = defs.REGISTERED_PX_PER_MM
    mm_to_index = np.array([[px, 0, -0.5], [0, px, -0.5], [0, 0, 1.0]])
    index_to_px = np.array([[1.0, 0, 0.5], [0, 1.0, 0.5], [0, 0, 1.0]])
    return index_to_px @ page_transform(settings, page_mm, px_per_mm=px) @ mm_to_index


def landing_error(homography: np.ndarray, settings: ScannerModel, form: FormDef, page: int) -> float:
    """Largest distance (mm) between where every field corner of ``page`` is and where the fit puts it."""
    corners = np.array(
        [(x, y) for f in form.pages[page - 1].fields for x in (f.box.x, f.box.right) for y in (f.box.y, f.box.bottom)],
        dtype=np.float64,
    )
    in_scan = cv2.perspectiveTransform(corners[None], truth(settings, form.page_size))
    back = cv2.perspectiveTransform(in_scan, homography)[0]
    return float(np.max(np.linalg.norm(back - corners, axis=1)))


def white_out(image: np.ndarray, centre_px: tuple[float, float], radius_px: float) -> np.ndarray:
    """A copy with a white disc painted over ``centre_px`` (a damaged or covered area)."""
    out = image.copy()
    cv2.circle(out, (round(centre_px[0]), round(centre_px[1])), round(radius_px), 255, -1)
    return out


def mm_in_scan(point_mm: tuple[float, float], settings: ScannerModel, page_mm: tuple[float, float]) -> tuple[float, float]:
    mapped = cv2.perspectiveTransform(np.array([[point_mm]], dtype=np.float64), truth(settings, page_mm))[0, 0]
    return float(mapped[0]), float(mapped[1])


# Distortions the issue asks registration to tolerate (and identification to see through).
DISTORTIONS = {
    "clean_300dpi": ScannerModel(dpi=300),
    "skew_plus_5deg": ScannerModel(dpi=200, rotation=5.0, shift_mm=(2.0, -1.0)),
    "skew_minus_5deg": ScannerModel(dpi=200, rotation=-5.0),
    "scale_94_shift_5mm": ScannerModel(dpi=200, scale=0.94, shift_mm=(5.0, 5.0)),
    "scale_100_shift_5mm": ScannerModel(dpi=300, shift_mm=(-5.0, 5.0)),
    "upside_down": ScannerModel(dpi=200, upside_down=True, rotation=1.5),
    "perspective_2pct": ScannerModel(
        dpi=200, perspective_mm=(4.2, 3.0, -4.2, 5.9, -3.0, -5.9, 4.2, -4.0), rotation=1.0
    ),
    "blur_noise_jpeg60": ScannerModel(dpi=200, blur=1.3, noise=8.0, jpeg_quality=60, rotation=-2.0),
    "colour_jpeg": ScannerModel(dpi=200, mode="colour", jpeg_quality=75, noise=3.0, rotation=1.0),
    "bw_200dpi": ScannerModel(dpi=200, mode="bw", blur=0.6, noise=6.0, rotation=2.5, scale=0.97),
    "bw_300dpi_upside_down": ScannerModel(dpi=300, mode="bw", noise=4.0, upside_down=True, scale=0.96),
}
