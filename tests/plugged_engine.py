"""An OCR engine plugged in through JIAFANG_OCR_ENGINE, as a user's PaddleOCR adapter would be:
here the wheel's own engine, marking what it read so a test can tell it was used."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from pipeline.recognize.engine import BoxPx, RapidOcrEngine

CALLS: list[int] = []


class MarkingEngine:
    def __init__(self) -> None:
        self.inner = RapidOcrEngine()

    @property
    def charset(self) -> Sequence[str]:
        return self.inner.charset

    def line_probabilities(self, imgs: Sequence[np.ndarray]) -> list[np.ndarray]:
        CALLS.append(len(imgs))
        return self.inner.line_probabilities(imgs)

    def detect_lines(self, img: np.ndarray) -> list[BoxPx]:
        return self.inner.detect_lines(img)


def build() -> MarkingEngine:
    return MarkingEngine()


def incomplete() -> object:
    return object()
