"""Outline guidance text flowing through a form's content boxes, page after page.

The whole outline is placed before anything is drawn, so a text that does not fit is retried
at a smaller size (defs.OUTLINE_FONT_SIZES) and, failing that, reported instead of cut off.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph

from pipeline import defs
from pipeline.model.filled import BULLET, OutlineContent
from pipeline.model.form import Box
from pipeline.render.fonts import FontSet


@dataclass(frozen=True)
class Placed:
    """A flowable and where its top-left corner goes, in layout mm."""

    flowable: Flowable
    x: float
    top: float
    height: float  # mm


def plan_outline(
    outline: OutlineContent, boxes: Sequence[Box], fonts: FontSet
) -> list[list[Placed]] | None:
    """Placements per content box, at the largest size that fits; None when none does."""
    for size in defs.OUTLINE_FONT_SIZES:
        placed = _place(_story(outline, fonts, size), boxes)
        if placed is not None:
            return placed
    return None


def _story(outline: OutlineContent, fonts: FontSet, size: float) -> list[Flowable]:
    font = fonts.primary
    # The bullet is drawn outside the markup, so it needs its own covering font.
    bullet_font = fonts.runs(BULLET)[0][0]
    leading = size * defs.OUTLINE_LEADING
    heading = ParagraphStyle(
        "heading", fontName=font, fontSize=size + 1, leading=leading + 1,
        spaceBefore=size * 0.6, spaceAfter=size * 0.2, wordWrap="CJK",
    )
    item = ParagraphStyle(
        "item", fontName=font, fontSize=size, leading=leading, wordWrap="CJK",
        leftIndent=size * 1.2, bulletIndent=size * 0.2, bulletFontName=bullet_font, bulletFontSize=size,
    )
    story: list[Flowable] = []
    for section in outline.sections:
        story.append(Paragraph(markup(section.heading, fonts), heading))
        story.extend(Paragraph(markup(text, fonts), item, bulletText=BULLET) for text in section.items)
    return story


def markup(text: str, fonts: FontSet) -> str:
    """Paragraph markup printing each character in the first font that has it."""
    primary = fonts.primary
    return "".join(
        escape(part) if name == primary else f'<font name="{name}">{escape(part)}</font>'
        for name, part in fonts.runs(text)
    )


def _place(story: list[Flowable], boxes: Sequence[Box]) -> list[list[Placed]] | None:
    """Fill the boxes in order the way a platypus Frame would; None when text is left over."""
    pending = list(story)
    pages: list[list[Placed]] = []
    for box in boxes:
        placed: list[Placed] = []
        top = 0.0
        while pending:
            flowable = pending[0]
            space = box.h * mm - top
            gap = flowable.getSpaceBefore() if placed else 0.0
            _, height = flowable.wrap(box.w * mm, space - gap)
            if gap + height <= space + 1e-6:
                placed.append(Placed(flowable, box.x, box.y + (top + gap) / mm, height / mm))
                top += gap + height + flowable.getSpaceAfter()
                pending.pop(0)
                continue
            parts = flowable.split(box.w * mm, space - gap)
            if len(parts) < 2:
                break
            pending[0:1] = parts
        pages.append(placed)
    return None if pending else pages
