"""The OCR engine behind a small interface, and its RapidOCR (ONNX Runtime) implementation.

Readers need three things from an engine: recognise one tightly trimmed line, recognise many
such lines in one batch (the cells of a comb, the bands of a box), and, where handwriting
ignores the printed bands, detect the lines in a crop and recognise each.

Why ``rapidocr_onnxruntime`` (1.4.x, PP-OCRv4) rather than ``rapidocr`` 3.x (PP-OCRv6-small):
bench/ocr_engines.py (12 seeded writers in a jittered AR PL UKai hand, crops trimmed as the
readers trim them, one thread, both at the same 96 px minimum recognizer width) measured

    kind (n)           v4 exact / chars / CPU ms   v6 exact / chars / ms   v6+OpenCC exact / chars
    short text (168)   83.3% / 93.1% /  46         76.8% / 90.2% /  25     82.1% / 92.0%
    narrative (72)     61.1% / 90.7% / 167         56.9% / 90.9% /  70     59.7% / 91.6%
    digit cell (396)   100%  / 100%  /  14         100%  / 100%  /  16

and, of narrative lines read with confidence >= 0.95, 93% right with v4 against 82-84% with v6.
v4 reads names (the text that can be accepted automatically) best, answers in simplified
characters without an OpenCC pass, and its confidence is the more honest; v6 is ~2.4x faster
on narrative lines, which always go to review as drafts. Precision first, so v4; the models
ship inside the wheel, so nothing is ever downloaded. Its costs: Python < 3.13, and it pulls in
opencv-python beside the headless build. Swapping engines touches only this module.

A PaddleOCR engine with local models would implement the same Protocol: build
``paddleocr.PaddleOCR`` once per process with ``text_detection_model_dir`` and
``text_recognition_model_dir`` pointing at the user's model folders (so it never downloads),
answer ``recognize_lines`` with its text-recognition module on the list of crops (one
predict call, batch size set), and ``detect_and_recognize`` with the full pipeline, turning
each result's polygon into an axis-aligned ``box_px``. It would ship as an optional extra and be
chosen by a setting; nothing else in the readers changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Protocol

import cv2
import numpy as np

from pipeline import defs


@dataclass(frozen=True)
class TextLine:
    """A line found by detection: its box in the crop's pixels (x, y, w, h) and reading."""

    box_px: tuple[int, int, int, int]
    text: str
    confidence: float


class OcrEngine(Protocol):
    def recognize_line(self, img: np.ndarray) -> tuple[str, float]:
        """Text and confidence of one tightly trimmed single-line image (recognizer only)."""
        ...

    def recognize_lines(self, imgs: Sequence[np.ndarray]) -> list[tuple[str, float]]:
        """``recognize_line`` for many images in as few model calls as possible."""
        ...

    def detect_and_recognize(self, img: np.ndarray) -> list[TextLine]:
        """Every text line found in ``img``, top to bottom."""
        ...


class RapidOcrEngine:
    """PP-OCRv4 detection and recognition from the ``rapidocr_onnxruntime`` wheel."""

    def __init__(self, *, threads: int = defs.OCR_THREADS) -> None:
        from rapidocr_onnxruntime import RapidOCR

        # limit_type "max": crops are only ever scaled down (the wheel then caps the long side
        # at 960/1500/2000 px by crop size); the default ("min", 736) blows a small crop up
        # ~7x, which is slow and makes the detector miss handwriting. The narrow
        # recognizer width stops every digit cell being padded out to a 320 px line.
        self._ocr = RapidOCR(
            intra_op_num_threads=threads,
            inter_op_num_threads=1,
            det_limit_type="max",
            rec_batch_num=defs.OCR_REC_BATCH,
            rec_img_shape=[3, 48, defs.OCR_REC_MIN_WIDTH],
            print_verbose=False,
        )

    def recognize_line(self, img: np.ndarray) -> tuple[str, float]:
        return self.recognize_lines([img])[0]

    def recognize_lines(self, imgs: Sequence[np.ndarray]) -> list[tuple[str, float]]:
        if not imgs:
            return []
        # The pipeline's own call takes one image; its recognizer takes a batch.
        results, _ = self._ocr.text_rec([_bgr(i) for i in imgs])
        return [(str(text), float(score)) for text, score, *_ in results]

    def detect_and_recognize(self, img: np.ndarray) -> list[TextLine]:
        found, _ = self._ocr(
            _bgr(img), use_det=True, use_cls=False, use_rec=True,
            text_score=0.0, box_thresh=0.5, unclip_ratio=1.6,
        )
        lines = [_text_line(points, text, score) for points, text, score in found or []]
        return sorted(lines, key=lambda line: (line.box_px[1], line.box_px[0]))


@cache
def default_engine() -> RapidOcrEngine:
    """The process's one engine (models load once; worker processes each build their own)."""
    return RapidOcrEngine()


def _text_line(points: list[list[float]], text: str, score: float) -> TextLine:
    pts = np.asarray(points, dtype=np.float32)
    x0, y0 = pts.min(axis=0)
    x1, y1 = pts.max(axis=0)
    return TextLine((int(x0), int(y0), int(x1 - x0), int(y1 - y0)), str(text), float(score))


def _bgr(img: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(img, cv2.COLOR_GRAY2BGR) if img.ndim == 2 else img
