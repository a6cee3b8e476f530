"""Digit combs (dates, times, phones): one handwritten digit per printed cell.

Empty cells are found by ink alone and never reach the recognizer. The written cells of one
comb, each trimmed to its ink, go to the recognizer in one batch (so a cell's reading cannot
shift to its neighbour, as it can when a whole comb is read as one line). Output is reduced
to the digits 0-9 (full-width forms folded), mapping the letters a handwritten digit is
commonly read as, with lower confidence. The whole value is validated later (a real date, an
11-digit phone) by pipeline.validate.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

import numpy as np

from pipeline import defs
from pipeline.model.record import RawValue
from pipeline.recognize.engine import OcrEngine
from pipeline.recognize.ink import ink_map

PX = defs.REGISTERED_PX_PER_MM
CONFUSIONS = str.maketrans({
    "l": "1", "I": "1", "|": "1", "i": "1", "!": "1",
    "O": "0", "o": "0", "D": "0", "Q": "0",
    "Z": "2", "z": "2", "S": "5", "s": "5", "B": "8", "g": "9", "q": "9", "b": "6", "G": "6",
})
EMPTY_CELL = "_"  # stands for an unwritten cell in a partly filled comb
UNREADABLE = "?"
DOUBT_PARTIAL = "数字格未填满"
DOUBT_UNREADABLE = "有数字看不清"


def read_digits(cells: Sequence[np.ndarray], engine: OcrEngine) -> RawValue:
    """The digits written in a comb's cells (crops inset from each cell's printed outline)."""
    maps = [ink_map(c) for c in cells]
    pad = round(defs.TRIM_PAD * PX)
    written = [i for i, m in enumerate(maps) if m.present]
    if not written:
        return RawValue(raw="", confidence=1.0, source="ocr")
    images = [maps[i].trimmed(pad) for i in written]
    digits = _read_cells(images, engine)
    text = [EMPTY_CELL] * len(cells)
    for i, (digit, _) in zip(written, digits):
        text[i] = digit
    confidence = min(c for _, c in digits)  # a comb is as sure as its least sure digit
    doubts = []
    if UNREADABLE in text:
        doubts.append(DOUBT_UNREADABLE)
    if len(written) < len(cells):
        doubts.append(DOUBT_PARTIAL)
    if doubts:
        confidence = min(confidence, 0.5)
    return RawValue(raw="".join(text), confidence=round(confidence, 4), source="ocr", doubt="；".join(doubts))


def digits_only(text: str) -> tuple[str, bool]:
    """``text`` reduced to 0-9 after mapping look-alike letters; True when a letter was mapped."""
    text = unicodedata.normalize("NFKC", text)
    mapped = text.replace("()", "0").translate(CONFUSIONS)  # a narrow handwritten 0 reads as "()"
    return "".join(c for c in mapped if c.isdigit() and c.isascii()), any(
        c != m and m.isdigit() for c, m in zip(text, mapped)
    )


def _read_cells(images: list[np.ndarray], engine: OcrEngine) -> list[tuple[str, float]]:
    out = []
    for text, confidence in engine.recognize_lines(images):
        digits, mapped = digits_only(text)
        if len(digits) != 1:
            out.append((UNREADABLE, 0.0))
        else:
            out.append((digits, confidence * (defs.DIGIT_CONFUSION_PENALTY if mapped else 1.0)))
    return out

