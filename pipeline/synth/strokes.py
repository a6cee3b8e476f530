"""A second handwriting generator that is not a font: characters re-drawn as pen strokes.

A character's outline (from any installed CJK font) is thinned to its centre line, the centre
line is traced into strokes, and each stroke is drawn again the way a pen moves: ordered roughly
top to bottom and left to right (as Chinese stroke order mostly goes), every stroke displaced by
the writer's slow wobble, its width following the pen's pressure (pressed at the start, lighter
as it runs, lifted at the end), and with the writer's habit of joining one stroke to the next
without lifting the pen. The ink therefore has the writer's pen width everywhere, never the
font's brush shape, and no two glyphs of the same character are the same.

Coordinates: a skeleton is kept in em units relative to the glyph's advance centre on the
baseline (x right, y down), so one traced skeleton serves every size.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from pipeline import defs
from pipeline.synth import settings as synth_defs

Stroke = np.ndarray  # (n, 2) points x, y in em units from the advance centre on the baseline
_NEIGHBOURS = ((-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1))


@dataclass(frozen=True)
class StrokeHabits:
    """How one writer moves the pen (all lengths in em of the written glyph)."""

    wobble_em: float  # amplitude of the slow wander of the pen off the centre line
    misplace_em: float  # sd of where a whole stroke lands against where it belongs
    pressure: float  # 0..1, how much the width swells and thins along a stroke
    joining: float  # chance the pen stays down from one stroke to the next nearby one


def stroke_glyph(
    char: str,
    font_path: Path,
    size_px: float,
    pen_px: float,
    habits: StrokeHabits,
    rng: np.random.Generator,
    *,
    angle: float = 0.0,
    slant: float = 0.0,
    aspect: float = 1.0,
) -> tuple[np.ndarray, float, float]:
    """A 0..1 ink mask of ``char`` drawn stroke by stroke ``size_px`` pixels to the em with a
    pen ``pen_px`` wide.

    ``angle`` (degrees, clockwise) rotates and ``slant`` (degrees, leaning right) shears the
    glyph; ``aspect`` widens it. Returns the mask and the point in it at the glyph's advance
    centre on the baseline, as :func:`pipeline.synth.handwriting._glyph` does.
    """
    wander = _Wander(habits.wobble_em, rng)
    strokes = []
    for part in skeleton(char, font_path):
        offset = rng.normal(0, habits.misplace_em, 2)  # a connected part lands as one piece
        strokes += [wander(_resample(s, synth_defs.STROKE_STEP_EM)) + offset for s in part]
    if not strokes:
        return np.zeros((1, 1), np.float32), 0.0, 0.0
    shear = math.tan(math.radians(slant))
    turn = math.radians(angle)
    cos, sin = math.cos(turn), math.sin(turn)
    matrix = np.array([[aspect, -shear], [0.0, 1.0]]) * size_px
    matrix = np.array([[cos, -sin], [sin, cos]]) @ matrix
    placed = [s @ matrix.T for s in strokes]
    return _render(placed, strokes, pen_px, habits, rng)


@cache
def skeleton(char: str, font_path: Path) -> tuple[tuple[Stroke, ...], ...]:
    """The centre-line strokes of ``char`` in ``font_path``, grouped by the connected part of
    the character they belong to, the parts in a plausible writing order."""
    size = synth_defs.STROKE_TRACE_EM_PX
    side = int(size * 1.6)
    origin = (side / 2, side / 2 + defs.TEXT_CENTER_RISE * size)
    layer = Image.new("L", (side, side), 0)
    font = ImageFont.truetype(str(font_path), size, index=0)
    ImageDraw.Draw(layer).text(origin, char, fill=255, font=font, anchor="ms")
    thin = _thin(np.asarray(layer) > 127)
    _, labels = cv2.connectedComponents(thin.astype(np.uint8), connectivity=8)
    paths = _trace(thin)
    spur = synth_defs.STROKE_SPUR_EM * size
    parts: dict[int, list[Stroke]] = {}
    for path in paths:
        if _length(path) >= spur or len(paths) == 1:
            stroke = (np.asarray(path, np.float64)[:, ::-1] - origin) / size
            parts.setdefault(int(labels[path[0]]), []).append(_oriented(stroke))
    return tuple(tuple(_in_writing_order(p)) for p in _in_writing_order_parts(list(parts.values())))


# --- thinning and tracing ---------------------------------------------------------------------


def _thin(ink: np.ndarray) -> np.ndarray:
    """Zhang-Suen thinning: the one-pixel centre line of a binary image."""
    img = np.pad(ink.astype(np.uint8), 1)
    while True:
        changed = False
        for step in (0, 1):
            p = _ring(img)
            count = sum(p)
            transitions = sum(((p[i] == 0) & (p[(i + 1) % 8] == 1)).astype(np.uint8) for i in range(8))
            p2, p4, p6, p8 = p[0], p[2], p[4], p[6]
            if step == 0:
                gate = (p2 * p4 * p6 == 0) & (p4 * p6 * p8 == 0)
            else:
                gate = (p2 * p4 * p8 == 0) & (p2 * p6 * p8 == 0)
            remove = (img[1:-1, 1:-1] == 1) & (count >= 2) & (count <= 6) & (transitions == 1) & gate
            if remove.any():
                img[1:-1, 1:-1][remove] = 0
                changed = True
        if not changed:
            return img[1:-1, 1:-1].astype(bool)


def _ring(img: np.ndarray) -> list[np.ndarray]:
    """The 8 neighbours P2..P9 of every inner pixel, clockwise from north."""
    h, w = img.shape
    at = lambda dy, dx: img[1 + dy : h - 1 + dy, 1 + dx : w - 1 + dx].astype(np.int32)  # noqa: E731
    return [at(-1, 0), at(-1, 1), at(0, 1), at(1, 1), at(1, 0), at(1, -1), at(0, -1), at(-1, -1)]


def _trace(skel: np.ndarray) -> list[list[tuple[int, int]]]:
    """Pixel paths (y, x) of a skeleton, each running between ends and junctions; loops too."""
    pixels = {(int(y), int(x)) for y, x in zip(*np.nonzero(skel))}
    near = {p: [(p[0] + dy, p[1] + dx) for dy, dx in _NEIGHBOURS if (p[0] + dy, p[1] + dx) in pixels] for p in pixels}
    nodes = sorted(p for p in pixels if len(near[p]) != 2)
    used: set[frozenset[tuple[int, int]]] = set()
    paths = []
    for start in nodes + sorted(pixels):  # nodes first; then whatever is left lies on loops
        for step in near[start]:
            if frozenset((start, step)) not in used:
                paths.append(_walk(start, step, near, set(nodes), used))
    return paths


def _walk(
    start: tuple[int, int],
    step: tuple[int, int],
    near: dict[tuple[int, int], list[tuple[int, int]]],
    nodes: set[tuple[int, int]],
    used: set[frozenset[tuple[int, int]]],
) -> list[tuple[int, int]]:
    path, previous, current = [start], start, step
    used.add(frozenset((start, step)))
    while True:
        path.append(current)
        if current in nodes:
            return path
        ahead = [q for q in near[current] if q != previous and frozenset((current, q)) not in used]
        if not ahead:
            return path
        used.add(frozenset((current, ahead[0])))
        previous, current = current, ahead[0]


def _length(path: Iterable[tuple[int, int]]) -> float:
    points = np.asarray(list(path), np.float64)
    return float(np.hypot(*np.diff(points, axis=0).T).sum()) if len(points) > 1 else 0.0


def _oriented(stroke: Stroke) -> Stroke:
    """Strokes run left to right and top to bottom (横 and 竖), as a pen draws them."""
    dx, dy = stroke[-1] - stroke[0]
    return stroke[::-1] if dx < -abs(dy) * 0.5 or (abs(dx) <= abs(dy) * 0.5 and dy < 0) else stroke


def _in_writing_order(strokes: list[Stroke]) -> list[Stroke]:
    """Roughly top to bottom, then left to right within a band a fifth of an em high."""
    return sorted(strokes, key=lambda s: _order_key(s[:, 0], s[:, 1]))


def _in_writing_order_parts(parts: list[list[Stroke]]) -> list[list[Stroke]]:
    """Connected parts in the same order, by where their top-left-most ink lies."""
    return sorted(parts, key=lambda p: _order_key(np.concatenate([s[:, 0] for s in p]), np.concatenate([s[:, 1] for s in p])))


def _order_key(xs: np.ndarray, ys: np.ndarray) -> tuple[int, float]:
    return round(float(ys.min()) * 5), float(xs.min())


# --- the pen ----------------------------------------------------------------------------------


class _Wander:
    """A slow, smooth displacement of the whole glyph plane: the pen wanders off the centre
    line the same way wherever strokes meet, so junctions stay joined."""

    def __init__(self, amplitude_em: float, rng: np.random.Generator) -> None:
        self.amplitude = amplitude_em / 2
        self.waves = rng.uniform(0.4, 1.4, (2, 2, 2))  # axis, wave, (cycles per em in x, in y)
        self.phases = rng.uniform(0, 2 * np.pi, (2, 2))

    def __call__(self, points: Stroke) -> Stroke:
        out = points.copy()
        for axis in (0, 1):
            for wave in (0, 1):
                fx, fy = self.waves[axis, wave]
                out[:, axis] += self.amplitude * np.sin(2 * np.pi * (fx * points[:, 0] + fy * points[:, 1]) + self.phases[axis, wave])
        return out


def _resample(stroke: Stroke, step: float) -> Stroke:
    """Points every ``step`` em along a stroke (at least its two ends)."""
    if len(stroke) < 2:
        return stroke
    seg = np.hypot(*np.diff(stroke, axis=0).T)
    along = np.concatenate([[0.0], np.cumsum(seg)])
    count = max(2, int(math.ceil(along[-1] / step)) + 1)
    at = np.linspace(0.0, along[-1], count)
    return np.column_stack([np.interp(at, along, stroke[:, 0]), np.interp(at, along, stroke[:, 1])])


def _render(
    placed: list[np.ndarray], strokes_em: list[Stroke], pen_px: float, habits: StrokeHabits, rng: np.random.Generator
) -> tuple[np.ndarray, float, float]:
    """Draw the strokes (pixel points around the origin) into a cropped anti-aliased mask."""
    scale = synth_defs.STROKE_SUPERSAMPLE
    points = np.vstack(placed)
    margin = pen_px + 2
    low = np.floor(points.min(axis=0) - margin)
    high = np.ceil(points.max(axis=0) + margin)
    w, h = (high - low).astype(int) + 1
    layer = np.zeros((h * scale, w * scale), np.uint8)
    for i, stroke in enumerate(placed):
        _pen_line(layer, (stroke - low) * scale, pen_px * scale, habits.pressure, rng)
        if i + 1 < len(placed) and _joined(strokes_em[i], strokes_em[i + 1], habits, rng):
            bridge = np.vstack([stroke[-1], placed[i + 1][0]])
            _pen_line(layer, (bridge - low) * scale, pen_px * scale * 0.45, 0.0, rng)
    mask = cv2.resize(layer, (w, h), interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0
    return mask, float(-low[0]), float(-low[1])


def _joined(a: Stroke, b: Stroke, habits: StrokeHabits, rng: np.random.Generator) -> bool:
    """The pen stays down between two strokes when they are close and the writer hurries."""
    close = float(np.hypot(*(b[0] - a[-1]))) < synth_defs.STROKE_JOIN_EM
    return close and rng.random() < habits.joining


def _pen_line(layer: np.ndarray, points: np.ndarray, pen: float, pressure: float, rng: np.random.Generator) -> None:
    """A stroke of round pen dabs whose width follows the pressure along the stroke."""
    pts = np.round(points).astype(np.int32)
    if len(pts) == 1:
        cv2.circle(layer, (int(pts[0, 0]), int(pts[0, 1])), max(1, int(round(pen / 2))), 255, -1)
        return
    t = np.linspace(0.0, 1.0, len(pts))
    press = 1 + pressure * (0.35 * np.exp(-t * 6) - 0.25 * t**2 + rng.normal(0, 0.04))
    thick = np.maximum(1, np.round(pen * press)).astype(int)
    cuts = np.flatnonzero(np.diff(thick[:-1])) + 1  # runs of one width are drawn as one polyline
    for start, stop in zip([0, *cuts], [*cuts, len(pts) - 1]):
        cv2.polylines(layer, [pts[start : stop + 1].reshape(-1, 1, 2)], False, 255, int(thick[start]), cv2.LINE_8)
