"""Digit combs (dates, times, phones): one handwritten digit per printed cell.

Empty cells are found by ink alone and never reach the recognizer. The written cells of one
comb, each cut to its ink, go to the recognizer in one batch (so a cell's reading cannot
shift to its neighbour, as it can when a whole comb is read as one line). Each cell is then
read with a digits-only vocabulary: the recognizer's classes folded into the ten digits (with
the letters and CJK signs a handwritten digit is commonly taken for: O/〇 for 0, l/| for 1 …),
and the cell's probability of being each digit computed from its frames.

A comb whose value has a grammar (a date inside a window of years, a time of day) is then
judged as a whole: the digits read cell by cell are kept, and their confidence is the
probability of that value among all the values the grammar allows — so the "2" of "2025",
which can only be a 2 in this school's years, costs no confidence, while a day that could be
16 or 18 does. The value itself is never bent to fit the grammar: a reading the grammar does
not allow keeps its own digits and the validator sends it to review.

Faint or broken writing (pencil, a 1-bit copy) is read from its joined strokes
(:func:`pipeline.recognize.ink.faint_map`) and always sent to review; a comb whose cells hold
any trace of faint ink is never an empty comb read surely. A cell read as 1 or 7 is checked
against its own ink (a 7 has a bar on top, a 1 stands upright), so the recognizer's first
guess alone does not decide between them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np

from pipeline import defs
from pipeline.model.form import FieldDef
from pipeline.model.record import RawValue
from pipeline.recognize import ctc
from pipeline.recognize.engine import OcrEngine
from pipeline.recognize.ink import InkMap, writing
from pipeline.recognize.lines import Vocabulary, vocabulary_of

PX = defs.REGISTERED_PX_PER_MM
# what a recognizer may answer for each handwritten digit, the digit first
DIGIT_SHAPES = ("0OoDQ〇○口()", "1lI|i!丨", "2Zz", "3", "4", "5Ss", "6bG", "7", "8B", "9gq")
EMPTY_CELL = "_"  # stands for an unwritten cell in a partly filled comb
DOUBT_PARTIAL = "数字格未填满"
DOUBT_UNSURE = "有数字写得不够清楚"
DOUBT_FAINT = "数字笔迹过淡或断续（铅笔、浅色笔或黑白复印），请对照原图核对"
DOUBT_TRACE = "数字格里有少量笔迹，未能识读，请对照原图核对"
ONE, SEVEN = 1, 7
DateWindow = tuple[dt.date, dt.date]


@dataclass(frozen=True)
class Segment:
    """A run of cells whose digits together must be one of ``values`` (equal-length strings)."""

    start: int
    values: tuple[str, ...]

    @property
    def stop(self) -> int:
        return self.start + len(self.values[0])


def read_digits(
    cells: Sequence[np.ndarray], engine: OcrEngine, *, segments: Sequence[Segment] = (), faint_level: float = defs.FAINT_INK_LEVEL
) -> RawValue:
    """The digits written in a comb's cells (crops inset from each cell's printed outline);
    ``faint_level`` is the page's level of faint ink (see :func:`pipeline.recognize.ink.writing`)."""
    inks = [writing(c, faint_level) for c in cells]
    pad = round(defs.CELL_PAD * PX)
    written = [i for i, c in enumerate(inks) if c.ink is not None]
    if not written:
        if any(c.trace for c in inks):
            return RawValue(raw="", confidence=0.5, source="ocr", doubt=DOUBT_TRACE)
        return RawValue(raw="", confidence=1.0, source="ocr")
    posteriors = digit_posteriors([m.line_image(pad) for i in written if (m := inks[i].ink) is not None], engine)
    cell_probs: list[np.ndarray | None] = [None] * len(cells)
    for i, p in zip(written, posteriors):
        cell_probs[i] = shape_checked(p, inks[i].ink)
    text = "".join(EMPTY_CELL if p is None else str(int(p.argmax())) for p in cell_probs)
    faint = [DOUBT_FAINT] if any(c.faint for c in inks) else []
    if len(written) < len(cells):
        return RawValue(raw=text, confidence=0.5, source="ocr", doubt="；".join([DOUBT_PARTIAL, *faint]))
    full = [p for p in cell_probs if p is not None]
    confidence = comb_confidence(full, text, segments)
    doubts = [DOUBT_UNSURE] if confidence < defs.COMB_AUTO_MIN else []
    return RawValue(raw=text, confidence=round(confidence, 4), source="ocr", doubt="；".join([*doubts, *faint]))


def shape_checked(posterior: np.ndarray, ink: InkMap | None) -> np.ndarray:
    """``posterior`` with a 1 or 7 reading weighed against the cell's own ink: a bar across
    the top speaks against a 1 and for a 7, an upright stroke without one against a 7 and for
    a 1, and a stroke leaning far from upright (a "/") against a 1. The contradicted reading
    keeps ``SHAPE_DOUBT`` of its probability; the rest goes to the digit the ink speaks for."""
    guess = int(posterior.argmax())
    if guess not in (ONE, SEVEN) or ink is None or ink.bbox() is None:
        return posterior
    bar, tilt = _top_bar(ink.mask), _tilt(ink.mask)
    others = np.arange(10) != guess
    if guess == ONE and bar >= defs.ONE_BAR_MAX:
        towards = np.arange(10) == SEVEN
    elif guess == ONE and tilt > defs.ONE_TILT_MAX:
        towards = others
    elif guess == SEVEN and bar < defs.SEVEN_BAR_MIN:
        towards = np.arange(10) == ONE
    else:
        return posterior
    moved = posterior[guess] * (1 - defs.SHAPE_DOUBT)
    doubted = posterior.copy()
    doubted[guess] -= moved
    doubted[towards] += moved / towards.sum()
    return doubted


def _top_bar(mask: np.ndarray) -> float:
    """Longest run of ink along a row in the writing's top quarter, as a share of its height."""
    ys, xs = np.nonzero(mask)
    top, height = int(ys.min()), int(ys.max()) - int(ys.min()) + 1
    band = mask[top : top + max(1, height // 4), xs.min() : xs.max() + 1]
    longest = max((_longest_run(row) for row in band), default=0)
    return longest / height


def _longest_run(row: np.ndarray) -> int:
    edges = np.diff(np.concatenate(([0], row.astype(np.int8), [0])))
    starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    return int((stops - starts).max()) if len(starts) else 0


def _tilt(mask: np.ndarray) -> float:
    """Degrees from vertical of the writing's main axis (principal component of its pixels)."""
    ys, xs = np.nonzero(mask)
    if len(xs) < 3:
        return 0.0
    cov = np.cov(np.stack([xs, ys]).astype(np.float64))
    values, vectors = np.linalg.eigh(cov)
    dx, dy = vectors[:, int(values.argmax())]
    return float(np.degrees(np.arctan2(abs(dx), abs(dy))))


def digit_posteriors(images: Sequence[np.ndarray], engine: OcrEngine) -> list[np.ndarray]:
    """For each single-digit image, the probability that it is 0, 1, … 9."""
    vocabulary = vocabulary_of(engine)
    return [cell_posterior(p, vocabulary) for p in engine.line_probabilities(images)]


def cell_posterior(probs: np.ndarray, vocabulary: Vocabulary) -> np.ndarray:
    """P(0) … P(9) of one cell's recognizer frames, read with the digits-only vocabulary."""
    folded = ctc.fold(vocabulary.canonical(probs), _digit_groups(vocabulary.charset))
    return ctc.single_symbol_posteriors(folded)


def comb_confidence(cells: Sequence[np.ndarray], text: str, segments: Sequence[Segment]) -> float:
    """Probability that ``text`` (the digits read, one per cell) is what was written: per
    grammar segment, its share among the values the segment allows; elsewhere per cell."""
    confidence, covered = 1.0, set[int]()
    for seg in segments:
        covered.update(range(seg.start, seg.stop))
        confidence *= _segment_probability(cells[seg.start : seg.stop], text[seg.start : seg.stop], seg.values)
    for i, p in enumerate(cells):
        if i not in covered:
            confidence *= float(p[int(text[i])])
    return confidence


def comb_segments(field: FieldDef, dates: DateWindow | None) -> tuple[Segment, ...]:
    """The grammar of a comb from its kind and cell groups: a date's cells together spell a
    day inside ``dates``; each half of a time range spells a time of day."""
    groups = tuple(field.cell_groups)
    if field.kind == "date" and dates is not None and groups in DATE_FORMATS:
        return (Segment(0, _dates(DATE_FORMATS[groups], *dates)),)
    if field.kind == "time_range" and groups == (2, 2, 2, 2):
        return (Segment(0, _TIMES), Segment(4, _TIMES))
    return ()


def _segment_probability(cells: Sequence[np.ndarray], text: str, values: Sequence[str]) -> float:
    if text not in values:
        return float(np.prod([p[int(d)] for p, d in zip(cells, text)]))
    digits = _as_matrix(tuple(values))
    table = np.stack(cells)  # (cells, 10)
    scores = table[np.arange(len(cells))[None, :], digits].prod(axis=1)
    total = scores.sum()
    return float(scores[values.index(text)] / total) if total > 0 else 0.0


DATE_FORMATS = {(4, 2, 2): "%Y%m%d", (2, 2, 2): "%y%m%d", (2, 2): "%m%d"}
_TIMES = tuple(f"{h:02d}{m:02d}" for h in range(24) for m in range(60))


@cache
def _dates(pattern: str, first: dt.date, last: dt.date) -> tuple[str, ...]:
    days = (last - first).days + 1
    return tuple(dict.fromkeys((first + dt.timedelta(days=d)).strftime(pattern) for d in range(days)))


@cache
def _as_matrix(values: tuple[str, ...]) -> np.ndarray:
    return np.array([[int(c) for c in v] for v in values], np.int64)


@cache
def _digit_groups(charset: tuple[str, ...]) -> tuple[tuple[int, ...], ...]:
    index = {c: i for i, c in enumerate(charset) if i}
    return tuple(tuple(index[c] for c in shapes if c in index) for shapes in DIGIT_SHAPES)
