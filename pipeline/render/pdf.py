"""The print PDF: pre-filled forms at the exact geometry of their definition.

One call writes one PDF (a class's batch). Everything that is the same on every copy of a
form page (frames, labels, cells, checkboxes, guide lines, static text, markers) is drawn once
per PDF as a reusable form XObject; each printed page adds only its own title, values, QR code,
footer and outline text. All values are checked against the fonts before anything is drawn.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from pipeline import defs
from pipeline.atomic import atomic_path
from pipeline.errors import FontCoverageError, RenderError
from pipeline.identity import BLANK, PagePayload, encode_payload
from pipeline.model.filled import FilledForm
from pipeline.model.form import BOXED_LABEL_KINDS, COMB_KINDS, FieldDef, FormDef, PageDef
from pipeline.render.flow import Placed, plan_outline
from pipeline.render.fonts import FontSet, default_fonts
from pipeline.render.markers import draw_marker
from pipeline.render.pen import PT, Pen
from pipeline.render.qr import draw_qr

BLANK_TEXT = "此页有意留空"
_TITLE_GAP = 3.0  # mm kept clear between the title and the top marker / QR code
_LINE_GAP = 1.4  # line height as a multiple of the font size for wrapped static text
_VALUE_LEADING = 1.15  # line height of a value wrapped to two lines, times the font size
_SIZE_STEP = 0.5  # pt, step when shrinking a value to fit


@dataclass(frozen=True)
class PageSpan:
    """Where one form sits in the batch PDF (pages are 1-based)."""

    form_id: str
    first_page: int
    pages: int


def render_pdf(
    forms: Sequence[FilledForm],
    out: Path,
    *,
    batch_id: str,
    duplex: bool = True,
    fonts: FontSet | None = None,
) -> list[PageSpan]:
    """Write every form in ``forms`` into the one PDF ``out``, in order; return their spans.

    With ``duplex``, a form with an odd page count is followed by a page printed as
    intentionally blank, so every form starts on the front of a sheet.
    """
    fonts = fonts or default_fonts()
    for filled in forms:
        check_coverage(filled, fonts)
    outlines = [_outline_plan(filled, fonts) for filled in forms]
    with atomic_path(Path(out)) as partial:
        canvas = Canvas(str(partial), pageCompression=1)
        canvas.setTitle(f"家访表单 批次 {batch_id}")
        canvas.setCreator("jiafang")
        canvas.setAuthor("jiafang")
        canvas.setSubject(forms[0].title if forms else "")
        spans = _draw_forms(canvas, forms, outlines, fonts, batch_id=batch_id, duplex=duplex)
        canvas.save()
    return spans


def render_page_image(filled: FilledForm, page_no: int, px_per_mm: float, *, fonts: FontSet | None = None) -> np.ndarray:
    """Page ``page_no`` of ``filled`` as printed, grey, at ``px_per_mm``: what a scan of it
    shows before anyone writes on it."""
    fonts = fonts or default_fonts()
    outline = _outline_plan(filled, fonts)[page_no - 1] if filled.outline else []
    page = filled.form.pages[page_no - 1]
    return _page_image(lambda pen: _draw_form_page(pen, filled, page, outline, set()), filled.form, px_per_mm, fonts)


def render_padding_image(after: FilledForm, seq: int, batch_id: str, px_per_mm: float) -> np.ndarray:
    """Duplex padding page ``seq`` of batch ``batch_id`` as printed (see render_page_image)."""
    return _page_image(lambda pen: _draw_blank_page(pen, after, seq, batch_id), after.form, px_per_mm, default_fonts())


def _page_image(draw: Callable[[Pen], None], form: FormDef, px_per_mm: float, fonts: FontSet) -> np.ndarray:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pageCompression=0)
    draw(Pen(canvas, fonts, form.page_size[1]))
    canvas.showPage()
    canvas.save()
    page = pdfium.PdfDocument(buffer.getvalue())[0]
    image = page.render(scale=px_per_mm * PT, grayscale=True).to_numpy()
    return np.ascontiguousarray(image.reshape(image.shape[:2]))


def _draw_forms(
    canvas: Canvas,
    forms: Sequence[FilledForm],
    outlines: list[list[list[Placed]]],
    fonts: FontSet,
    *,
    batch_id: str,
    duplex: bool,
) -> list[PageSpan]:
    templates: set[str] = set()
    spans: list[PageSpan] = []
    page_no = blanks = 0
    for filled, outline in zip(forms, outlines):
        spans.append(PageSpan(filled.form_id, page_no + 1, filled.form.page_count))
        for page in filled.form.pages:
            pen = Pen(canvas, fonts, filled.form.page_size[1])
            _draw_form_page(pen, filled, page, outline[page.number - 1], templates)
            canvas.showPage()
            page_no += 1
        if duplex and filled.form.page_count % 2:
            blanks += 1
            _draw_blank_page(Pen(canvas, fonts, filled.form.page_size[1]), filled, blanks, batch_id)
            canvas.showPage()
            page_no += 1
    return spans


def check_coverage(filled: FilledForm, fonts: FontSet) -> None:
    """Raise FontCoverageError naming the owner and field of any value no font can print."""
    texts = [(f.label, f.id, filled.values.get(f.id, "")) for f in filled.form.fields]
    texts.append(("标题", "title", filled.title))
    if filled.outline:
        texts += [
            ("访谈提纲", "outline", text)
            for s in filled.outline.sections
            for text in (s.heading, *s.items)
        ]
    for label, field_id, text in texts:
        missing = fonts.missing(text)
        if missing:
            codes = "、".join(f"{c}(U+{ord(c):04X})" for c in missing)
            raise FontCoverageError(
                f"{filled.owner or filled.form_id}：字段“{label}”({field_id}) 中的字符 {codes} "
                f"没有可用字体能打印。请安装含这些字的字体（如 fonts-hanazono）并用环境变量 "
                f"{defs.FONTS_ENV} 指定，或更正花名册中的该值"
            )


def _outline_plan(filled: FilledForm, fonts: FontSet) -> list[list[Placed]]:
    pages = filled.form.pages
    if filled.outline is None:
        return [[] for _ in pages]
    boxes = [(p.number, b) for p in pages for b in p.content_boxes]
    plan = plan_outline(filled.outline, [b for _, b in boxes], fonts)
    if plan is None:
        raise RenderError(
            f"{filled.owner or filled.form_id}：访谈提纲内容太长，缩小到 "
            f"{defs.OUTLINE_FONT_SIZES[-1]:g} 磅仍放不下：请精简提纲条目"
        )
    per_page: list[list[Placed]] = [[] for _ in pages]
    for (number, _), placed in zip(boxes, plan):
        per_page[number - 1].extend(placed)
    return per_page


def _draw_form_page(
    pen: Pen, filled: FilledForm, page: PageDef, outline: list[Placed], templates: set[str]
) -> None:
    form = filled.form
    name = f"{form.id}-{form.layout_hash}-p{page.number}"
    pen.canvas.setPageSize((form.page_size[0] * mm, form.page_size[1] * mm))
    if name not in templates:
        pen.canvas.beginForm(name)
        _draw_static(pen, form, page)
        pen.canvas.endForm()
        templates.add(name)
    pen.canvas.doForm(name)
    _draw_title(pen, filled.title, page, form.page_size[0])
    for field in page.fields:
        _draw_value(pen, filled, field)
    payload = PagePayload(filled.school_code, filled.form_id, page.number, form.page_count, form.layout_hash)
    draw_qr(pen.canvas, encode_payload(payload), page.qr_box, pen.page_height)
    footer = f"表单编号 {filled.form_id}  第 {page.number}/{form.page_count} 页"
    _draw_footer(pen, footer, page)
    for placed in outline:
        placed.flowable.drawOn(pen.canvas, placed.x * mm, pen.y(placed.top + placed.height))


def _draw_static(pen: Pen, form: FormDef, page: PageDef) -> None:
    """Everything identical on every copy of this page."""
    for marker in page.markers:
        draw_marker(pen.canvas, marker, pen.page_height)
    width = form.page_size[0]
    for text in page.texts:
        room = width - 2 * text.x if text.align == "left" else width - 2 * defs.MARKER_INSET
        for i, line in enumerate(pen.wrap(text.text, text.size, room)):
            baseline = text.y + i * text.size * _LINE_GAP * PT
            pen.text(line, text.x, baseline, text.size, align=text.align, bold=text.bold)
    for field in page.fields:
        _draw_field(pen, field)


def _draw_field(pen: Pen, field: FieldDef) -> None:
    pen.rect(field.box)
    size = defs.LABEL_FONT_SIZE
    label_x = field.label_box.x + defs.PADDING
    pen.text(field.label, label_x, pen.centred_baseline(field.label_box, size), size)
    if field.kind not in BOXED_LABEL_KINDS:
        pen.vline(field.label_box.right, field.box.y, field.box.h, line=defs.FRAME_LINE / 2)
    for cell in field.cells:
        pen.rect(cell, line=defs.FRAME_LINE / 2)
    for sep in field.separators:
        pen.text(sep.text, sep.box.x + sep.box.w / 2, pen.centred_baseline(sep.box, size), size, align="center")
    for option in field.options:
        pen.rect(option.box)
        pen.text(option.value, option.label_at[0], option.label_at[1], size)
    for band in field.lines:
        pen.hline(band.x + defs.PADDING, band.bottom, band.w - 2 * defs.PADDING, line=defs.GUIDE_LINE, grey=defs.GUIDE_GREY)


def _draw_value(pen: Pen, filled: FilledForm, field: FieldDef) -> None:
    value = filled.values.get(field.id, "")
    if not value:
        return
    if field.kind in COMB_KINDS:
        _draw_comb_value(pen, filled, field, value)
    elif field.kind == "text":
        _draw_text_value(pen, filled, field, " ".join(value.split()))
    else:
        raise RenderError(
            f"{filled.owner or filled.form_id}：字段“{field.label}”({field.id}) 是 {field.kind} 类型，不能预填内容"
        )


def _draw_comb_value(pen: Pen, filled: FilledForm, field: FieldDef, value: str) -> None:
    digits = "".join(value.split()).replace("-", "")
    if len(digits) > len(field.cells):
        raise RenderError(
            f"{filled.owner or filled.form_id}：字段“{field.label}”的值 {value!r} 有 {len(digits)} 位，"
            f"表上只有 {len(field.cells)} 格：请在花名册中更正"
        )
    size = defs.VALUE_FONT_SIZE
    for digit, cell in zip(digits, field.cells):
        pen.text(digit, cell.x + cell.w / 2, pen.centred_baseline(cell, size), size, align="center")


def _draw_text_value(pen: Pen, filled: FilledForm, field: FieldDef, value: str) -> None:
    """At the largest size that fits on one line or, if larger, wrapped to VALUE_MAX_LINES."""
    box = field.value_box
    room = box.w - 2 * defs.PADDING
    x = box.x + defs.PADDING
    for size in _descending(defs.VALUE_FONT_SIZE, defs.MIN_VALUE_FONT_SIZE):
        lines = [value] if pen.width(value, size) <= room else pen.wrap(value, size, room)
        pitch = size * PT * _VALUE_LEADING
        if len(lines) <= defs.VALUE_MAX_LINES and len(lines) * pitch <= box.h - defs.PADDING:
            first = pen.centred_baseline(box, size) - (len(lines) - 1) * pitch / 2
            for i, line in enumerate(lines):
                pen.text(line, x, first + i * pitch, size)
            return
    raise RenderError(
        f"{filled.owner or filled.form_id}：字段“{field.label}”的内容太长（{len(value)} 字），"
        f"缩小并分{defs.VALUE_MAX_LINES}行仍放不下：请在花名册中精简"
    )


def _descending(start: float, stop: float) -> list[float]:
    count = int(round((start - stop) / _SIZE_STEP))
    return [start - i * _SIZE_STEP for i in range(count + 1)]


def _draw_title(pen: Pen, title: str, page: PageDef, page_width: float) -> None:
    """Centred on the page between the top markers, shrunk if it would touch the QR code."""
    centre = page_width / 2
    left_limit = page.markers[0].box.right + _TITLE_GAP
    right_limit = page.qr_box.x - _TITLE_GAP
    room = 2 * min(centre - left_limit, right_limit - centre)
    size = defs.TITLE_FONT_SIZE
    width = pen.width(title, size)
    if width > room:
        size *= room / width
    pen.text(title, centre, defs.TITLE_Y, size, align="center", bold=True)


def _draw_footer(pen: Pen, text: str, page: PageDef) -> None:
    box = page.footer_box
    size = defs.FOOTER_FONT_SIZE
    pen.text(text, box.x + box.w / 2, pen.centred_baseline(box, size), size, align="center")


def _draw_blank_page(pen: Pen, after: FilledForm, seq: int, batch_id: str) -> None:
    """A duplex padding page: markers, its own QR code, and a clear 'intentionally blank'."""
    form = after.form
    page = form.pages[0]
    width, height = form.page_size
    pen.canvas.setPageSize((width * mm, height * mm))
    for marker in page.markers:
        draw_marker(pen.canvas, marker, height)
    payload = PagePayload(after.school_code, BLANK, seq, 0, batch_id)
    draw_qr(pen.canvas, encode_payload(payload), page.qr_box, height)
    size = defs.BLANK_PAGE_TEXT_SIZE
    pen.text(BLANK_TEXT, width / 2, height / 2, size, align="center", grey=defs.BLANK_PAGE_GREY)
    _draw_footer(pen, f"{BLANK_TEXT}  批次 {batch_id}  空白页 {seq}", page)
