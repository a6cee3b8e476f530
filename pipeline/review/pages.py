"""Images for the reviewer: the registered scan with every field's box drawn in the colour of
its status, or the returned PDF's page as it is; and one line of a narrative cut from its
field's crop, with the characters the recognizer doubts picked out of its draft."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pypdfium2 as pdfium
from PIL import Image, ImageDraw

from pipeline import defs
from pipeline.model.form import FormDef, load_form
from pipeline.model.layout import as_printed
from pipeline.model.record import NarrativeLine, Record
from pipeline.store import repo
from pipeline.store.scans import read_pages
from pipeline.store.workspace import Workspace

# RGB by field status; the field the reviewer is looking at is drawn thicker in its own colour.
STATUS_COLOURS = {"review": (230, 120, 0), "auto": (40, 110, 220), "verified": (20, 150, 60)}
HIGHLIGHT = (220, 0, 90)
MM_PER_INCH = 25.4


@dataclass(frozen=True)
class PageSource:
    page_no: int
    name: str  # file-store name "<sha256>.<suffix>"
    registered: bool  # in template space (scans): the layout's boxes fall on the ink


def page_sources(ws: Workspace, record: Record) -> dict[int, PageSource]:
    """Page number → the image to show: registered scans first, then the returned PDF."""
    with ws.session() as session:
        scans = read_pages(session, record.form_id)
    found = {
        p.page_no: PageSource(p.page_no, p.registered or p.image or "", bool(p.registered))
        for p in scans
        if p.page_no is not None and (p.registered or p.image)
    }
    if not found and record.source_file.lower().endswith(".pdf"):
        pages = load_form(record.form).page_count
        found = {n: PageSource(n, record.source_file, False) for n in range(1, pages + 1)}
    return found


def page_png(ws: Workspace, record: Record, source: PageSource, *, highlight: str | None = None) -> bytes:
    """PNG of one page at the review scale, with field boxes when the page is registered."""
    image = _load(ws, source).convert("RGB")
    if source.registered:
        _draw_boxes(image, _printed_form(ws, record), record, source.page_no, highlight)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False, compress_level=1)
    return buffer.getvalue()


def _load(ws: Workspace, source: PageSource) -> Image.Image:
    digest, _, suffix = source.name.partition(".")
    path = ws.files.path_of(digest, suffix)
    scale = defs.REVIEW_PAGE_PX_PER_MM
    if suffix.lower() == "pdf":
        pdf = pdfium.PdfDocument(str(path))
        try:
            return pdf[source.page_no - 1].render(scale=scale * MM_PER_INCH / 72).to_pil()
        finally:
            pdf.close()
    image = Image.open(path)
    if source.registered:
        factor = scale / defs.REGISTERED_PX_PER_MM
        return image.resize((round(image.width * factor), round(image.height * factor)), Image.Resampling.BILINEAR)
    image.thumbnail((round(210 * scale * 1.5), round(297 * scale * 1.5)))
    return image


def _printed_form(ws: Workspace, record: Record) -> FormDef:
    """The form as the record's copy was printed: a copy issued before the form's definition
    changed has its boxes where its own layout put them."""
    with ws.session() as session:
        layout = repo.get_layout(session, record.layout_hash)
    return as_printed(load_form(record.form), record.layout_hash, layout)


def _draw_boxes(image: Image.Image, form: FormDef, record: Record, page_no: int, highlight: str | None) -> None:
    pen = ImageDraw.Draw(image)
    scale = defs.REVIEW_PAGE_PX_PER_MM
    for field in form.pages[page_no - 1].fields:
        fv = record.fields.get(field.id)
        if fv is None:
            continue
        box = [field.box.x * scale, field.box.y * scale, field.box.right * scale, field.box.bottom * scale]
        if field.id == highlight:
            pen.rectangle(box, outline=HIGHLIGHT, width=4)
        else:
            pen.rectangle(box, outline=STATUS_COLOURS.get(fv.status, (0, 0, 0)), width=2)


def line_png(ws: Workspace, record: Record, field_id: str, index: int) -> bytes | None:
    """PNG of line ``index`` (from 0) of a scanned narrative, cut from the field's stored crop;
    None when the field has no such line or no crop."""
    fv = record.fields.get(field_id)
    if fv is None or not fv.crop or not 0 <= index < len(fv.lines):
        return None
    digest, _, suffix = fv.crop.partition(".")
    box = _printed_form(ws, record).field(field_id).box
    x, y, w, h = fv.lines[index].box
    px, pad = defs.REGISTERED_PX_PER_MM, defs.REVIEW_LINE_PAD_MM
    # The crop starts CROP_PAD_MM before the field's box (pipeline.ingest.scan_page).
    left, top = box.x - defs.CROP_PAD_MM, box.y - defs.CROP_PAD_MM
    with Image.open(ws.files.path_of(digest, suffix)) as crop:
        cut = crop.crop((
            max(0, round((x - pad - left) * px)), max(0, round((y - pad - top) * px)),
            min(crop.width, round((x + w + pad - left) * px)), min(crop.height, round((y + h + pad - top) * px)),
        ))
    buffer = io.BytesIO()
    cut.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def doubtful_runs(line: NarrativeLine) -> list[tuple[str, bool]]:
    """The line's text in runs of characters, each run doubtful (below the confidence a line
    needs to pass unchecked) or not, for the draft shown under its crop."""
    runs: list[tuple[str, bool]] = []
    for char, confidence in zip(line.text, line.chars):
        doubtful = confidence < defs.NARRATIVE_CHAR_AUTO_MIN
        if runs and runs[-1][1] == doubtful:
            runs[-1] = (runs[-1][0] + char, doubtful)
        else:
            runs.append((char, doubtful))
    return runs
