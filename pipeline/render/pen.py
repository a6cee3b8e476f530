"""Drawing in layout coordinates (mm, origin top-left) on a reportlab canvas.

Text is drawn run by run (:meth:`FontSet.runs`), so a rare character printed from a fallback
font sits at the right x position, and its width counts when a value is fitted or wrapped.
"""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from pipeline import defs
from pipeline.model.form import Box
from pipeline.render.fonts import FontSet, string_width

PT = 25.4 / 72  # mm per point


@dataclass(frozen=True)
class Pen:
    canvas: Canvas
    fonts: FontSet
    page_height: float  # mm

    def y(self, y_mm: float) -> float:
        """Canvas y (points, bottom-up) of a layout y (mm, top-down)."""
        return (self.page_height - y_mm) * mm

    def width(self, text: str, size: float) -> float:
        """Printed width of ``text`` in mm."""
        return string_width(self.fonts.runs(text), size) * PT

    def text(
        self,
        text: str,
        x: float,
        baseline: float,
        size: float,
        *,
        align: str = "left",
        bold: bool = False,
        grey: float = 0.0,
    ) -> None:
        """Draw one line; ``x`` is its left edge, centre or right edge as ``align`` says."""
        runs = self.fonts.runs(text)
        if align != "left":
            shift = string_width(runs, size) * PT
            x -= shift / 2 if align == "center" else shift
        styled = bold or grey != 0.0
        if styled:
            self.canvas.saveState()  # render mode and colours outlive the text object
            self.canvas.setFillGray(grey)
            self.canvas.setStrokeGray(grey)
            self.canvas.setLineWidth(defs.BOLD_STROKE * size)
        obj = self.canvas.beginText(x * mm, self.y(baseline))
        if bold:
            # CJK fonts ship without a bold face: fill and stroke the outline instead.
            obj.setTextRenderMode(2)
        for name, part in runs:
            obj.setFont(name, size)
            obj.textOut(part)
        self.canvas.drawText(obj)
        if styled:
            self.canvas.restoreState()

    def centred_baseline(self, box: Box, size: float) -> float:
        """Baseline (mm) that centres a line of CJK text of ``size`` points in ``box``."""
        return box.y + box.h / 2 + defs.TEXT_CENTER_RISE * size * PT

    def rect(self, box: Box, *, line: float = defs.FRAME_LINE, grey: float = 0.0) -> None:
        self.canvas.setLineWidth(line)
        self.canvas.setStrokeGray(grey)
        self.canvas.rect(box.x * mm, self.y(box.bottom), box.w * mm, box.h * mm, stroke=1, fill=0)

    def hline(self, x: float, y: float, length: float, *, line: float, grey: float = 0.0) -> None:
        self.canvas.setLineWidth(line)
        self.canvas.setStrokeGray(grey)
        self.canvas.line(x * mm, self.y(y), (x + length) * mm, self.y(y))

    def vline(self, x: float, y: float, length: float, *, line: float, grey: float = 0.0) -> None:
        self.canvas.setLineWidth(line)
        self.canvas.setStrokeGray(grey)
        self.canvas.line(x * mm, self.y(y), x * mm, self.y(y + length))

    def wrap(self, text: str, size: float, width: float) -> list[str]:
        """Greedy character wrap (CJK has no word spaces) of ``text`` to ``width`` mm."""
        lines: list[str] = []
        line: list[str] = []
        used = 0.0
        for name, part in self.fonts.runs(text):
            for char in part:
                advance = pdfmetrics.stringWidth(char, name, size) * PT
                if line and used + advance > width:
                    lines.append("".join(line).rstrip())
                    line, used = [], 0.0
                    if char.isspace():
                        continue
                line.append(char)
                used += advance
        if line:
            lines.append("".join(line))
        return lines
