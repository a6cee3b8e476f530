"""Debug overlay: the layout's boxes drawn in colour over a rasterised or registered page."""

from __future__ import annotations

from PIL import Image, ImageDraw

from pipeline.model.form import Box, FormDef

# RGB colours by what a box is, so an overlay reads at a glance.
_COLOURS = {
    "field": (220, 30, 30),
    "label": (240, 150, 0),
    "cell": (0, 120, 255),
    "option": (0, 170, 60),
    "line": (170, 0, 200),
    "marker": (0, 200, 200),
    "qr": (255, 0, 160),
    "footer": (120, 120, 120),
    "content": (90, 60, 30),
}


def draw_layout_overlay(image: Image.Image, form: FormDef, page: int, *, dpi: float) -> Image.Image:
    """A copy of ``image`` (page ``page`` at ``dpi``) with every layout box of that page drawn on it."""
    out = image.convert("RGB")
    pen = ImageDraw.Draw(out)
    scale = dpi / 25.4
    width = max(1, round(dpi / 100))

    def outline(box: Box, kind: str) -> None:
        corners = [box.x * scale, box.y * scale, box.right * scale, box.bottom * scale]
        pen.rectangle(corners, outline=_COLOURS[kind], width=width)

    page_def = form.pages[page - 1]
    for marker in page_def.markers:
        outline(marker.box, "marker")
    outline(page_def.qr_box, "qr")
    outline(page_def.footer_box, "footer")
    for box in page_def.content_boxes:
        outline(box, "content")
    for field in page_def.fields:
        outline(field.box, "field")
        outline(field.label_box, "label")
        for cell in field.cells:
            outline(cell, "cell")
        for option in field.options:
            outline(option.box, "option")
        for band in field.lines:
            outline(band, "line")
    return out
