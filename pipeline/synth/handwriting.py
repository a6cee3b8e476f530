"""Handwriting drawn onto page images: glyphs, digits, ticks, corrections and signatures.

Pure drawing in pixel space on a grayscale ``uint8`` page (255 = paper) at a known px/mm.
A writer is a :class:`HandwritingStyle` (a kaiti font and seeded habits, or — a hand that is no
font — characters redrawn stroke by stroke by :mod:`pipeline.synth.strokes`; in pen or in
pencil); every call also takes an explicit ``numpy.random.Generator`` so the same seed draws
the same page. Ink is drawn into a canvas the size of the target box and then laid on the
page, so nothing but a stray tick ever leaves its box.

Boxes are ``(x, y, w, h)`` in pixels, origin top-left (:func:`px_box` converts a form Box).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

import cv2
import numpy as np
from fontTools.ttLib import TTFont as ToolsFont
from PIL import Image, ImageDraw, ImageFont

from pipeline import defs
from pipeline.errors import FontCoverageError
from pipeline.model.form import Box
from pipeline.render.fonts import discover_font_files, font_dirs
from pipeline.synth import settings as synth_defs
from pipeline.synth.strokes import StrokeHabits, stroke_glyph

PxBox = tuple[float, float, float, float]  # x, y, w, h in pixels
TICK_KINDS = ("tick", "cross", "fill", "stray_tick")
_RISE = defs.TEXT_CENTER_RISE  # em from the baseline to the visual middle of a CJK glyph
_DIGIT_EM = 0.72  # ink height of a digit as a fraction of the em in kaiti fonts
_MAX_DRIFT = 0.15  # em a written line may rise or fall from its start to its end
_MAX_WOBBLE = 0.12  # em a glyph may sit above or below the line's baseline


def px_box(box: Box, px_per_mm: float = synth_defs.SYNTH_PX_PER_MM) -> PxBox:
    """A form box in mm as a pixel box on a page rasterised at ``px_per_mm``."""
    return (box.x * px_per_mm, box.y * px_per_mm, box.w * px_per_mm, box.h * px_per_mm)


@dataclass(frozen=True)
class HandwritingStyle:
    """One writer's habits; draw a new writer with :meth:`random`."""

    font_path: Path
    glyph_mm: float  # nominal em size of CJK characters
    digit_fill: float  # fraction of a comb cell's height a digit's ink fills
    slant: float  # degrees, positive leans right
    angle_jitter: float  # degrees, sd of per-glyph rotation
    size_jitter: float  # fraction, sd of per-glyph size
    baseline_jitter: float  # fraction of em, sd of per-glyph baseline offset
    spacing: float  # advance as a multiple of the glyph's own advance
    stroke_mm: float  # added to the font's stroke width (negative thins it)
    pen_mm: float  # width of drawn strokes (ticks, scribbles, signatures)
    ink: int  # grey level of the ink, 0 = black
    pencil: bool = False  # graphite: grey, grainy, broken by the paper's tooth
    strokes: StrokeHabits | None = None  # set: glyphs are redrawn as pen strokes, not the font

    @classmethod
    def random(cls, rng: np.random.Generator, *, font_path: Path | None = None) -> HandwritingStyle:
        """A plausible writer drawn from the ranges in ``synth_defs`` (pipeline/synth/settings.py)."""
        return cls(
            font_path=font_path or handwriting_font(),
            glyph_mm=float(rng.uniform(*synth_defs.HAND_GLYPH_HEIGHT)),
            digit_fill=float(rng.uniform(*synth_defs.HAND_DIGIT_HEIGHT)),
            slant=float(rng.uniform(-synth_defs.HAND_SLANT, synth_defs.HAND_SLANT)),
            angle_jitter=float(rng.uniform(*synth_defs.HAND_ANGLE_JITTER)),
            size_jitter=float(rng.uniform(*synth_defs.HAND_SIZE_JITTER)),
            baseline_jitter=float(rng.uniform(*synth_defs.HAND_BASELINE_JITTER)),
            spacing=float(rng.uniform(*synth_defs.HAND_SPACING)),
            stroke_mm=float(rng.uniform(*synth_defs.HAND_STROKE)),
            pen_mm=float(rng.uniform(*synth_defs.HAND_PEN)),
            ink=int(rng.integers(synth_defs.HAND_INK_GREY[0], synth_defs.HAND_INK_GREY[1] + 1)),
        )

    @classmethod
    def random_stroke(cls, rng: np.random.Generator, *, pencil: bool = False) -> HandwritingStyle:
        """A writer whose characters are drawn stroke by stroke (:mod:`pipeline.synth.strokes`)
        from the centre lines of one of the installed skeleton fonts; a pencil writer writes grey."""
        fonts = skeleton_fonts()
        base = cls.random(rng, font_path=fonts[int(rng.integers(len(fonts)))])
        pen_mm = float(rng.uniform(*synth_defs.STROKE_PEN_MM))
        habits = StrokeHabits(
            wobble_em=float(rng.uniform(*synth_defs.STROKE_WOBBLE)),
            misplace_em=float(rng.uniform(*synth_defs.STROKE_MISPLACE)),
            pressure=float(rng.uniform(*synth_defs.STROKE_PRESSURE)),
            joining=float(rng.uniform(*synth_defs.STROKE_JOINING)),
        )
        writer = replace(base, stroke_mm=0.0, pen_mm=pen_mm, strokes=habits)
        return writer.in_pencil(rng) if pencil else writer

    def in_pencil(self, rng: np.random.Generator) -> HandwritingStyle:
        """The same writer with a pencil: grey graphite that the paper's tooth breaks up."""
        return replace(self, pencil=True, ink=int(rng.integers(synth_defs.PENCIL_GREY[0], synth_defs.PENCIL_GREY[1] + 1)))

    @property
    def hand(self) -> str:
        """Which generator writes this hand's characters: "stroke" or "font"."""
        return "stroke" if self.strokes else "font"


@cache
def skeleton_fonts() -> tuple[Path, ...]:
    """Installed fonts whose outlines stroke writers trace, else every CJK font found."""
    wanted = {n.lower() for n in synth_defs.STROKE_SKELETON_FONTS}
    found = discover_font_files()
    return tuple(p for p in found if p.name.lower() in wanted) or tuple(found)


@cache
def handwriting_font() -> Path:
    """A kaiti (brush-script) font from the system folders, else the first CJK font found."""
    wanted = [n.lower() for n in synth_defs.HANDWRITING_FONT_FILES]
    found: dict[str, Path] = {}
    for folder in font_dirs():
        if folder.is_dir():
            for path in folder.rglob("*"):
                if path.name.lower() in wanted and path.name.lower() not in found:
                    found[path.name.lower()] = path
    for name in wanted:
        if name in found:
            return found[name]
    fallback = discover_font_files()
    if not fallback:
        raise FontCoverageError("没有找到可用于模拟手写的中文字体：请安装 fonts-arphic-ukai 或楷体字体")
    return fallback[0]


# --- text ---------------------------------------------------------------------------------


def draw_text(
    image: np.ndarray,
    box_px: PxBox,
    text: str,
    *,
    style: HandwritingStyle,
    rng: np.random.Generator,
    align: str = "left",
    px_per_mm: float = synth_defs.SYNTH_PX_PER_MM,
) -> None:
    """Write one line of ``text`` inside ``box_px``, shrunk to fit, vertically centred."""
    canvas = _Canvas(box_px)
    margin = synth_defs.HAND_MARGIN * px_per_mm
    em = min(style.glyph_mm * px_per_mm, 0.78 * (canvas.h - 2 * margin))
    em = _fit_em(text, em, canvas.w - 2 * margin, style)
    baseline = canvas.h / 2 + _RISE * em
    _write_line(canvas, text, em, baseline, margin, style, rng, align=align, px_per_mm=px_per_mm)
    canvas.apply(image, style, rng)


def draw_lines(
    image: np.ndarray,
    bands_px: Sequence[PxBox],
    text: str,
    *,
    style: HandwritingStyle,
    rng: np.random.Generator,
    px_per_mm: float = synth_defs.SYNTH_PX_PER_MM,
) -> list[str]:
    """Write ``text`` wrapped onto the guide-line bands, sitting on each band's bottom line.

    The writer shrinks their hand (to two thirds at most) until the text fits the bands;
    whatever still does not fit is left off. Returns the lines as written, one per band used.
    """
    if not bands_px or not text:
        return []
    margin = synth_defs.HAND_MARGIN * px_per_mm
    width = bands_px[0][2] - 2 * margin
    em = min(style.glyph_mm * px_per_mm, 0.62 * bands_px[0][3])
    lines = _wrap(text, em, width, style)
    for _ in range(8):
        if len(lines) <= len(bands_px):
            break
        em *= 0.95
        lines = _wrap(text, em, width, style)
    lines = lines[: len(bands_px)]
    for band, line in zip(bands_px, lines):
        canvas = _Canvas(band)
        baseline = canvas.h - margin - 0.2 * em - abs(rng.normal(0, 0.05 * em))
        _write_line(canvas, line, em, baseline, margin, style, rng, align="left", px_per_mm=px_per_mm)
        canvas.apply(image, style, rng)
    return lines


def draw_digit_cells(
    image: np.ndarray,
    cells_px: Sequence[PxBox],
    digits: str,
    *,
    style: HandwritingStyle,
    rng: np.random.Generator,
    px_per_mm: float = synth_defs.SYNTH_PX_PER_MM,
) -> None:
    """Write one digit per comb cell (a space leaves its cell empty), jittered inside the cell."""
    if len(digits) > len(cells_px):
        raise ValueError(f"{len(digits)} digits for {len(cells_px)} cells")
    margin = synth_defs.HAND_MARGIN * px_per_mm
    for cell, digit in zip(cells_px, digits):
        if digit == " ":
            continue
        canvas = _Canvas(cell)
        target = style.digit_fill * (canvas.h - 2 * margin) * (1 + rng.normal(0, style.size_jitter))
        mask, _, _ = _glyph(digit, target / _DIGIT_EM, style, _glyph_angle(style, rng), px_per_mm, rng=rng)
        mask = _fit_mask(mask, canvas.w - 2 * margin, canvas.h - 2 * margin)
        slack_x = max(0.0, canvas.w - 2 * margin - mask.shape[1])
        slack_y = max(0.0, canvas.h - 2 * margin - mask.shape[0])
        x = margin + slack_x * float(np.clip(rng.normal(0.5, 0.15), 0, 1))
        y = margin + slack_y * float(np.clip(rng.normal(0.55, 0.15), 0, 1))
        canvas.paste(mask, x, y)
        canvas.apply(image, style, rng)


def strike_through(
    image: np.ndarray,
    box_px: PxBox,
    *,
    style: HandwritingStyle,
    rng: np.random.Generator,
    px_per_mm: float = synth_defs.SYNTH_PX_PER_MM,
) -> None:
    """Strike out a written word: one or two wavering lines across the middle of ``box_px``."""
    canvas = _Canvas(box_px)
    for _ in range(int(rng.integers(1, 3))):
        y = canvas.h * rng.uniform(0.35, 0.65)
        xs = np.linspace(canvas.w * 0.02, canvas.w * 0.98, 5)
        points = [(x, y + rng.normal(0, canvas.h * 0.06)) for x in xs]
        canvas.stroke(points, style.pen_mm * px_per_mm)
    canvas.apply(image, style, rng)


# --- marks --------------------------------------------------------------------------------


def draw_tick(
    image: np.ndarray,
    box_px: PxBox,
    *,
    style: HandwritingStyle,
    rng: np.random.Generator,
    kind: str = "tick",
    px_per_mm: float = synth_defs.SYNTH_PX_PER_MM,
) -> None:
    """Mark a checkbox: a tick, a cross, a filled box, or a tick whose long arm leaves the box."""
    if kind not in TICK_KINDS:
        raise ValueError(f"unknown tick kind {kind!r} (one of {', '.join(TICK_KINDS)})")
    pen = style.pen_mm * px_per_mm
    if kind == "stray_tick":
        _draw_stray_tick(image, box_px, style, rng, pen)
        return
    canvas = _Canvas(box_px)
    if kind == "fill":
        _scribble_fill(canvas, pen, rng)
    else:
        inner = _inner(canvas, pen, rng)
        paths = _tick_path(inner, rng) if kind == "tick" else _cross_paths(inner, rng)
        for path in paths:
            canvas.stroke(path, pen)
    canvas.apply(image, style, rng)


def draw_correction(
    image: np.ndarray,
    box_px: PxBox,
    *,
    style: HandwritingStyle,
    rng: np.random.Generator,
    px_per_mm: float = synth_defs.SYNTH_PX_PER_MM,
) -> None:
    """A box ticked and then filled in, as the form asks for withdrawing a choice."""
    draw_tick(image, box_px, style=style, rng=rng, kind="tick", px_per_mm=px_per_mm)
    draw_tick(image, box_px, style=style, rng=rng, kind="fill", px_per_mm=px_per_mm)


def draw_signature(
    image: np.ndarray,
    box_px: PxBox,
    *,
    style: HandwritingStyle,
    rng: np.random.Generator,
    px_per_mm: float = synth_defs.SYNTH_PX_PER_MM,
) -> None:
    """A signature: a few fast looping strokes across part of the box."""
    canvas = _Canvas(box_px)
    pen = style.pen_mm * px_per_mm
    width = canvas.w * rng.uniform(0.35, 0.7)
    height = canvas.h * rng.uniform(0.35, 0.65)
    x = canvas.w * rng.uniform(0.05, 0.9) * (1 - width / canvas.w)
    y = (canvas.h - height) * rng.uniform(0.3, 0.7)
    words = int(rng.integers(2, 4))
    word_w = width / words
    for i in range(words):
        canvas.stroke(_loops(x + i * word_w, y, word_w * 0.9, height, rng), pen)
    flourish_y = y + height * rng.uniform(0.8, 1.0)
    canvas.stroke(
        [(x, flourish_y), (x + width * 0.5, flourish_y + rng.normal(0, height * 0.1)), (x + width, flourish_y - height * 0.2)],
        pen * 0.8,
    )
    canvas.apply(image, style, rng)


# --- internals ----------------------------------------------------------------------------


class _Canvas:
    """A float ink mask covering one pixel box of the page; ink outside it is cut off."""

    def __init__(self, box_px: PxBox) -> None:
        self.x0 = int(round(box_px[0]))
        self.y0 = int(round(box_px[1]))
        self.w = max(1, int(round(box_px[0] + box_px[2])) - self.x0)
        self.h = max(1, int(round(box_px[1] + box_px[3])) - self.y0)
        self.mask = np.zeros((self.h, self.w), np.float32)

    def paste(self, glyph: np.ndarray, x: float, y: float) -> None:
        """Lay ``glyph`` (a 0..1 mask) with its top-left at canvas point (x, y)."""
        gx, gy = int(round(x)), int(round(y))
        x0, y0 = max(gx, 0), max(gy, 0)
        x1, y1 = min(gx + glyph.shape[1], self.w), min(gy + glyph.shape[0], self.h)
        if x1 <= x0 or y1 <= y0:
            return
        part = glyph[y0 - gy : y1 - gy, x0 - gx : x1 - gx]
        np.maximum(self.mask[y0:y1, x0:x1], part, out=self.mask[y0:y1, x0:x1])

    def stroke(self, points: Sequence[tuple[float, float]], pen_px: float) -> None:
        """Draw a smooth pen stroke through ``points`` (canvas pixels)."""
        layer = np.zeros((self.h, self.w), np.uint8)
        curve = _smooth(np.asarray(points, np.float64))
        shift = 4  # sub-pixel precision of cv2's anti-aliased lines
        pts = np.round(curve * (1 << shift)).astype(np.int32).reshape(-1, 1, 2)
        cv2.polylines(layer, [pts], False, 255, max(1, int(round(pen_px))), cv2.LINE_AA, shift)
        np.maximum(self.mask, layer.astype(np.float32) / 255.0, out=self.mask)

    def apply(self, image: np.ndarray, style: HandwritingStyle, rng: np.random.Generator) -> None:
        """Darken the page under the mask towards the writer's ink (graphite: grainy, broken)."""
        mask = _graphite(self.mask, rng) if style.pencil else self.mask
        _lay_ink(image, mask, self.x0, self.y0, style.ink)


def _graphite(mask: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A pencil line: the paper's tooth (blurred white noise) leaves part of the stroke white
    and the rest unevenly grey."""
    tooth = cv2.GaussianBlur(rng.random(mask.shape, dtype=np.float32), (0, 0), synth_defs.PENCIL_GRAIN_PX)
    tooth = (tooth - tooth.mean()) / max(float(tooth.std()), 1e-6)  # unit normal per pixel
    gap = float(rng.uniform(*synth_defs.PENCIL_BREAK))
    cut = float(np.quantile(tooth, gap))
    grain = np.where(tooth < cut, 0.0, np.clip(0.7 + 0.25 * tooth, 0.35, 1.0))
    return (mask * grain).astype(np.float32)


def _lay_ink(image: np.ndarray, mask: np.ndarray, x0: int, y0: int, ink: int) -> None:
    h, w = mask.shape
    ix0, iy0 = max(x0, 0), max(y0, 0)
    ix1, iy1 = min(x0 + w, image.shape[1]), min(y0 + h, image.shape[0])
    if ix1 <= ix0 or iy1 <= iy0:
        return
    alpha = mask[iy0 - y0 : iy1 - y0, ix0 - x0 : ix1 - x0]
    region = image[iy0:iy1, ix0:ix1].astype(np.float32)
    inked = region - alpha * np.maximum(region - ink, 0)
    image[iy0:iy1, ix0:ix1] = np.clip(np.rint(inked), 0, 255).astype(np.uint8)


def _write_line(
    canvas: _Canvas,
    text: str,
    em: float,
    baseline: float,
    margin: float,
    style: HandwritingStyle,
    rng: np.random.Generator,
    *,
    align: str,
    px_per_mm: float,
) -> None:
    advances = [_advance(c, em, style) for c in text]
    slack = max(0.0, canvas.w - 2 * margin - sum(advances))
    start = {"left": min(slack, em) * rng.uniform(0, 0.6), "center": slack / 2, "right": slack}[align]
    limit = _MAX_DRIFT * em / max(sum(advances), 1.0)  # slope: the line runs off level, as hands do
    drift = float(np.clip(rng.normal(0, limit / 2), -limit, limit))
    pen_x = margin + start
    for char, advance in zip(text, advances):
        advance *= 1 + rng.normal(0, 0.04)
        if not char.isspace():
            size = em * (1 + rng.normal(0, style.size_jitter))
            aspect = 1 + rng.normal(0, style.size_jitter)
            mask, ox, oy = _glyph(char, size, style, _glyph_angle(style, rng), px_per_mm, aspect, rng=rng)
            centre_x = pen_x + advance / 2
            wobble = float(np.clip(rng.normal(0, style.baseline_jitter), -_MAX_WOBBLE, _MAX_WOBBLE)) * em
            y = baseline + drift * (pen_x - margin) + wobble
            canvas.paste(mask, centre_x - ox, y - oy)
        pen_x += advance


def _glyph_angle(style: HandwritingStyle, rng: np.random.Generator) -> float:
    return float(rng.normal(0, style.angle_jitter))


def _advance(char: str, em: float, style: HandwritingStyle) -> float:
    font = _font(_font_for(char, style.font_path), 64)
    return font.getlength(char) / 64 * em * style.spacing


def _fit_em(text: str, em: float, width: float, style: HandwritingStyle) -> float:
    total = sum(_advance(c, em, style) for c in text)
    return em if total <= width or total == 0 else em * width / total * 0.97


def _wrap(text: str, em: float, width: float, style: HandwritingStyle) -> list[str]:
    """Greedy wrap by character (Chinese text breaks anywhere), honouring newlines."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line, used = "", 0.0
        for char in paragraph:
            advance = _advance(char, em, style)
            if line and used + advance > width * 0.93:
                lines.append(line)
                line, used = "", 0.0
            line += char
            used += advance
        lines.append(line)
    return [line for line in lines if line]


def _glyph(
    char: str, em: float, style: HandwritingStyle, angle: float, px_per_mm: float, aspect: float = 1.0,
    *, rng: np.random.Generator,
) -> tuple[np.ndarray, float, float]:
    """A 0..1 ink mask of one character, rotated, slanted, ``aspect`` times as wide, stroked
    (or, for a stroke writer, drawn again stroke by stroke).

    Returns the mask and the point in it that lies at the glyph's advance-centre on the baseline.
    """
    if style.strokes:
        return stroke_glyph(
            char, _font_for(char, style.font_path), em, style.pen_mm * px_per_mm, style.strokes, rng,
            angle=angle, slant=style.slant, aspect=aspect,
        )
    size = max(4, int(round(em)))
    font = _font(_font_for(char, style.font_path), size)
    side = int(size * 2.2) + 4
    layer = Image.new("L", (side, side), 0)
    centre = side / 2
    ImageDraw.Draw(layer).text((centre, centre + _RISE * size), char, fill=255, font=font, anchor="ms")
    shear = math.tan(math.radians(style.slant))
    turn = cv2.getRotationMatrix2D((centre, centre), -angle, 1.0)
    slant = np.array(
        [[aspect, -shear, centre * (1 - aspect) + shear * centre], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    )
    matrix = turn @ slant
    mask = cv2.warpAffine(np.asarray(layer), matrix, (side, side), flags=cv2.INTER_LINEAR)
    mask = _stroke_weight(mask, style.stroke_mm * px_per_mm)
    ys, xs = np.nonzero(mask)
    if len(xs) == 0:
        return np.zeros((1, 1), np.float32), 0.0, 0.0
    x0, x1, y0, y1 = xs.min(), xs.max() + 1, ys.min(), ys.max() + 1
    origin_y = centre + _RISE * size
    return mask[y0:y1, x0:x1].astype(np.float32) / 255.0, centre - x0, origin_y - y0


def _stroke_weight(mask: np.ndarray, extra_px: float) -> np.ndarray:
    """Thicken (dilate) or thin (erode) strokes by about ``extra_px`` pixels."""
    steps = int(round(abs(extra_px)))
    if steps == 0:
        return mask
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * steps + 1, 2 * steps + 1))
    return cv2.dilate(mask, kernel) if extra_px > 0 else cv2.erode(mask, kernel)


def _fit_mask(mask: np.ndarray, width: float, height: float) -> np.ndarray:
    """Scale a glyph mask down (never up) so it fits width x height pixels."""
    scale = min(1.0, width / mask.shape[1], height / mask.shape[0])
    if scale >= 1.0:
        return mask
    size = (max(1, int(mask.shape[1] * scale)), max(1, int(mask.shape[0] * scale)))
    return cv2.resize(mask, size, interpolation=cv2.INTER_AREA)


@cache
def _font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size, index=0)


@cache
def _cmap(path: Path) -> frozenset[int]:
    try:
        return frozenset(ToolsFont(path, fontNumber=0, lazy=True).getBestCmap() or {})
    except Exception:  # fontTools raises many types for a foreign file; such a font is skipped
        return frozenset()


@cache
def _font_for(char: str, preferred: Path) -> Path:
    """The writer's font when it draws ``char``, else the first system CJK font that does."""
    if char.isspace():
        return preferred
    for path in (preferred, *discover_font_files()):
        if _draws(path, char):
            return path
    raise FontCoverageError(f"没有字体能写出字符 {char!r}（U+{ord(char):04X}）")


def _draws(path: Path, char: str) -> bool:
    """True when the font maps ``char`` to a glyph with ink: some fonts (SetoFont) map
    characters they lack to an empty glyph."""
    return ord(char) in _cmap(path) and _font(path, 32).getmask(char).getbbox() is not None


def _smooth(points: np.ndarray, per_segment: int = 12) -> np.ndarray:
    """Catmull-Rom curve through ``points`` (n x 2), as a dense polyline."""
    if len(points) < 3:
        return points
    padded = np.vstack([points[0], points, points[-1]])
    t = np.linspace(0, 1, per_segment, endpoint=False)[:, None]
    out = []
    for p0, p1, p2, p3 in zip(padded, padded[1:], padded[2:], padded[3:]):
        out.append(
            0.5
            * (
                2 * p1
                + (p2 - p0) * t
                + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t**2
                + (3 * p1 - p0 - 3 * p2 + p3) * t**3
            )
        )
    out.append(points[-1][None, :])
    return np.vstack(out)


def _inner(canvas: _Canvas, pen: float, rng: np.random.Generator) -> tuple[float, float, float, float]:
    """The part of a checkbox a mark covers: (x, y, w, h), shrunk and shifted a little."""
    keep = pen / 2 + 1
    scale = rng.uniform(0.65, 0.95)
    w, h = (canvas.w - 2 * keep) * scale, (canvas.h - 2 * keep) * scale
    x = keep + (canvas.w - 2 * keep - w) * rng.uniform(0, 1)
    y = keep + (canvas.h - 2 * keep - h) * rng.uniform(0, 1)
    return x, y, w, h


def _tick_path(inner: tuple[float, float, float, float], rng: np.random.Generator) -> list[list[tuple[float, float]]]:
    x, y, w, h = inner
    j = lambda v: float(np.clip(v + rng.normal(0, 0.05), 0, 1))  # noqa: E731 - a local jitter
    start = (x + w * j(0.05), y + h * j(0.5))
    bottom = (x + w * j(0.38), y + h * j(0.95))
    end = (x + w * j(0.97), y + h * j(0.03))
    return [[start, bottom, end]]


def _cross_paths(inner: tuple[float, float, float, float], rng: np.random.Generator) -> list[list[tuple[float, float]]]:
    x, y, w, h = inner
    j = lambda v: float(np.clip(v + rng.normal(0, 0.04), 0, 1))  # noqa: E731 - a local jitter
    return [
        [(x + w * j(0.02), y + h * j(0.02)), (x + w * j(0.98), y + h * j(0.98))],
        [(x + w * j(0.98), y + h * j(0.02)), (x + w * j(0.02), y + h * j(0.98))],
    ]


def _scribble_fill(canvas: _Canvas, pen: float, rng: np.random.Generator) -> None:
    """Fill a box with a dense zigzag, as a pen does when told to blacken a box."""
    keep = 1.0
    rows = max(3, int(math.ceil((canvas.h - 2 * keep) / (pen * 0.7))))
    ys = np.linspace(keep + pen / 2, canvas.h - keep - pen / 2, rows)
    points = []
    for i, y in enumerate(ys):
        left, right = keep + pen / 2, canvas.w - keep - pen / 2
        xs = (left, right) if i % 2 == 0 else (right, left)
        points += [(xs[0] + rng.normal(0, 0.5), y), (xs[1] + rng.normal(0, 0.5), y + rng.normal(0, 0.3))]
    layer = np.zeros((canvas.h, canvas.w), np.uint8)
    pts = np.round(np.asarray(points)).astype(np.int32).reshape(-1, 1, 2)
    cv2.polylines(layer, [pts], False, 255, max(1, int(round(pen))), cv2.LINE_AA)
    np.maximum(canvas.mask, layer.astype(np.float32) / 255.0, out=canvas.mask)


def _draw_stray_tick(
    image: np.ndarray, box_px: PxBox, style: HandwritingStyle, rng: np.random.Generator, pen: float
) -> None:
    """A tick that starts in the box and whose long arm runs out over the border."""
    x, y, w, h = box_px
    reach = rng.uniform(0.4, 0.9)
    canvas = _Canvas((x - w, y - h * (1 + reach), w * (3 + reach), h * (3 + reach)))
    ox, oy = w, h * (1 + reach)
    start = (ox + w * rng.uniform(0.1, 0.3), oy + h * rng.uniform(0.4, 0.6))
    bottom = (ox + w * rng.uniform(0.35, 0.5), oy + h * rng.uniform(0.8, 0.95))
    end = (ox + w * (1 + reach * rng.uniform(0.6, 1.0)), oy - h * reach * rng.uniform(0.6, 1.0))
    canvas.stroke([start, bottom, end], pen)
    canvas.apply(image, style, rng)


def _loops(x: float, y: float, w: float, h: float, rng: np.random.Generator) -> list[tuple[float, float]]:
    """Points of one cursive 'word': a trochoid whose loops vary in height, slanted forward."""
    loops = int(rng.integers(2, 6))
    t = np.linspace(0, 2 * np.pi * loops, loops * 16)
    radius = w / (2 * np.pi * loops) * rng.uniform(1.3, 2.2)  # > advance per radian: the pen loops back
    heights = np.interp(t, np.linspace(0, t[-1], loops + 2), rng.uniform(0.35, 1.0, loops + 2))
    px = w * t / t[-1] - radius * np.sin(t)
    py = h / 2 - heights * h / 2 * np.cos(t)
    slant = rng.uniform(0.1, 0.4)
    px = px + (h - py) * slant
    scale_x = w / max(px.max() - px.min(), 1e-6)
    px = (px - px.min()) * scale_x
    return [(float(x + a), float(y + b)) for a, b in zip(px, py)]
