"""Rendering: the print PDF (exact mm geometry), its fonts, QR codes and registration markers;
the Word (.docx) forms and their templates."""

from pipeline.render.docx import render_docx
from pipeline.render.docx_templates import build_docx_template, check_template, template_field_tags
from pipeline.render.fonts import FontSet, default_fonts, load_fonts
from pipeline.render.markers import draw_marker, marker_bits
from pipeline.render.overlay import draw_layout_overlay
from pipeline.render.pdf import PageSpan, check_coverage, render_pdf
from pipeline.render.qr import draw_qr, qr_png, qr_symbol

__all__ = [
    "FontSet",
    "PageSpan",
    "build_docx_template",
    "check_coverage",
    "check_template",
    "default_fonts",
    "draw_layout_overlay",
    "draw_marker",
    "draw_qr",
    "load_fonts",
    "marker_bits",
    "qr_png",
    "qr_symbol",
    "render_docx",
    "render_pdf",
    "template_field_tags",
]
