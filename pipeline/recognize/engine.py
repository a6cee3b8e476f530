"""The OCR engine behind a small interface, and its RapidOCR (ONNX Runtime) implementation.

Readers need two things from an engine: the recognizer's per-frame character probabilities for
tightly trimmed single-line images (many in one batch: the cells of a comb, the bands of a box),
and, where handwriting ignores the printed bands, the text lines a detector finds in a crop.
Everything else (best-path text, how sure it is, which roster name or date it most likely says)
is computed from those probabilities in :mod:`pipeline.recognize.ctc`, the same for any engine.

Why PP-OCRv4 (rapidocr 3.8, whose wheel carries the PP-OCRv4 models) rather than PP-OCRv6-small
(rapidocr 3.9+): bench/ocr_engines.py (12 seeded writers in a jittered AR PL UKai hand, crops
trimmed as the readers trim them, one thread, both at the same 96 px minimum recognizer width)
measured

    kind (n)           v4 exact / chars / CPU ms   v6 exact / chars / ms   v6+OpenCC exact / chars
    short text (168)   83.3% / 93.1% /  46         76.8% / 90.2% /  25     82.1% / 92.0%
    narrative (72)     61.1% / 90.7% / 167         56.9% / 90.9% /  70     59.7% / 91.6%
    digit cell (396)   100%  / 100%  /  14         100%  / 100%  /  16

and, of narrative lines read with confidence >= 0.95, 93% right with v4 against 82-84% with v6.
v4 reads names (the text that can be accepted automatically) best, answers in simplified
characters without an OpenCC pass, and its confidence is the more honest; v6 is ~2.4x faster
on narrative lines, which pass only line by line above a calibrated bar. Precision first, so v4. Its model
files are byte for byte those of ``rapidocr_onnxruntime`` 1.4.4 (which stops at Python 3.12),
and the engine is given their paths, so nothing is ever downloaded. rapidocr requires
opencv-python (not the headless build), so that is the one OpenCV wheel jiafang installs.
Swapping engines touches only this module.

PaddleOCR's own models, where a school keeps them locally, run through
:mod:`pipeline.recognize.paddle_engine` (the ``paddle`` extra). Any other engine is plugged in
without touching jiafang: a factory function that builds it, named in the environment as
``JIAFANG_OCR_ENGINE=module:factory`` (the module importable from the user's Python path), is
what :func:`default_engine` builds in every process instead; nothing else in the readers
changes.
"""

from __future__ import annotations

import importlib
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from pipeline import defs
from pipeline.errors import OcrEngineError

BoxPx = tuple[int, int, int, int]  # x, y, w, h in the image's pixels


@dataclass(frozen=True)
class TextLine:
    """A line found by detection: its box in the crop's pixels (x, y, w, h) and reading."""

    box_px: BoxPx
    text: str
    confidence: float


class OcrEngine(Protocol):
    @property
    def charset(self) -> Sequence[str]:
        """The recognizer's classes by index; index 0 is the CTC blank."""
        ...

    def line_probabilities(self, imgs: Sequence[np.ndarray]) -> list[np.ndarray]:
        """For each single-line image, its (frames, classes) matrix of character probabilities
        (each row sums to 1), cut to the frames that cover the image itself."""
        ...

    def detect_lines(self, img: np.ndarray) -> list[BoxPx]:
        """Boxes of the text lines a detector finds in ``img``."""
        ...


# The PP-OCRv4 model files inside the rapidocr 3.8 wheel, by the section that runs each.
_MODELS = {
    "Det": "ch_PP-OCRv4_det_mobile.onnx",
    "Cls": "ch_ppocr_mobile_v2.0_cls_mobile.onnx",
    "Rec": "ch_PP-OCRv4_rec_mobile.onnx",
}


class RapidOcrEngine:
    """PP-OCRv4 detection and recognition from the ``rapidocr`` wheel."""

    def __init__(self, *, threads: int = defs.OCR_THREADS) -> None:
        from rapidocr import RapidOCR

        # limit_type "max": crops are only ever scaled down (the wheel then caps the long side
        # at 960/1500/2000 px by crop size); the default ("min", 736) blows a small crop up
        # ~7x, which is slow and makes the detector miss handwriting. The narrow
        # recognizer width stops every digit cell being padded out to a 320 px line.
        self._ocr = RapidOCR(params={
            "Global.log_level": "error",
            "Global.use_cls": False,
            "EngineConfig.onnxruntime.intra_op_num_threads": threads,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
            "Det.limit_type": "max",
            "Rec.rec_batch_num": defs.OCR_REC_BATCH,
            "Rec.rec_img_shape": [3, 48, defs.OCR_REC_MIN_WIDTH],
            **{f"{section}.model_path": str(path) for section, path in model_paths().items()},
        })
        self._rec = self._ocr.text_rec

    @property
    def charset(self) -> Sequence[str]:
        return self._rec.postprocess_op.character

    def line_probabilities(self, imgs: Sequence[np.ndarray]) -> list[np.ndarray]:
        images = [_bgr(i) for i in imgs]
        _, height, min_width = self._rec.rec_image_shape
        ratios = [max(i.shape[1] / max(i.shape[0], 1), min_width / height) for i in images]
        out: list[np.ndarray] = [np.empty((0, 0), np.float32)] * len(images)
        for batch in _batches(ratios):
            widest = max(ratios[i] for i in batch)
            tensor = np.stack([self._rec.resize_norm_img(images[i], widest) for i in batch]).astype(np.float32)
            probs = self._rec.session(tensor)
            frames_per_px = probs.shape[1] / tensor.shape[3]
            for row, i in zip(probs, batch):
                used = min(math.ceil(height * ratios[i]), tensor.shape[3])
                out[i] = row[: max(1, min(len(row), math.ceil(used * frames_per_px) + 1))]
        return out

    def detect_lines(self, img: np.ndarray) -> list[BoxPx]:
        found = self._ocr(_bgr(img), use_det=True, use_cls=False, use_rec=False, box_thresh=0.5, unclip_ratio=1.6)
        return [_axis_box(points) for points in _boxes(found)]

    def detect_and_recognize(self, img: np.ndarray) -> list[TextLine]:
        """The wheel's own whole pipeline (detection, then recognition with its own decoding):
        the whole-page OCR that bench/ingest.py measures the field readers against."""
        found = self._ocr(
            _bgr(img), use_det=True, use_cls=False, use_rec=True, text_score=0.0, box_thresh=0.5, unclip_ratio=1.6,
        )
        lines = [
            TextLine(_axis_box(points), str(text), float(score))
            for points, text, score in zip(_boxes(found), found.txts or (), found.scores or ())
        ]
        return sorted(lines, key=lambda line: (line.box_px[1], line.box_px[0]))


def model_paths() -> dict[str, Path]:
    """The wheel's own model files; a missing one (a damaged install) is said, never fetched."""
    from importlib.resources import files

    folder = Path(str(files("rapidocr") / "models"))
    paths = {section: folder / name for section, name in _MODELS.items()}
    missing = [path.name for path in paths.values() if not path.is_file()]
    if missing:
        raise OcrEngineError(
            f"OCR 模型文件缺失（{folder} 中没有 {'、'.join(missing)}）：请重新安装 jiafang（pip install --force-reinstall 'rapidocr>=3.8.4,<3.9'）"
        )
    return paths


def _boxes(found: object) -> Sequence[Sequence[Sequence[float]]]:
    """The detected boxes of a rapidocr result; an empty result has none."""
    boxes = getattr(found, "boxes", None)
    return [] if boxes is None else boxes


def _batches(ratios: Sequence[float]) -> list[list[int]]:
    """Image indices in batches of similar width: every image of a batch is padded to its
    widest, and the recognizer's time grows with the padded width."""
    batches: list[list[int]] = []
    for i in np.argsort(ratios):
        batch = batches[-1] if batches else None
        if batch and len(batch) < defs.OCR_REC_BATCH and ratios[i] <= ratios[batch[0]] * defs.OCR_REC_WIDTH_SPREAD:
            batch.append(int(i))
        else:
            batches.append([int(i)])
    return batches


@cache
def default_engine() -> OcrEngine:
    """The process's one engine (models load once; worker processes each build their own):
    the one ``JIAFANG_OCR_ENGINE`` names ("module:factory"), else PP-OCRv4 from the wheel."""
    spec = os.environ.get(defs.OCR_ENGINE_ENV, "").strip()
    return plugged_engine(spec) if spec else RapidOcrEngine()


def plugged_engine(spec: str) -> OcrEngine:
    """The engine a user's factory builds, checked against the interface the readers use."""
    module, _, name = spec.partition(":")
    how = f"{defs.OCR_ENGINE_ENV}={spec}"
    try:
        factory = getattr(importlib.import_module(module), name or "engine")
    except (ImportError, AttributeError, ValueError) as exc:
        raise OcrEngineError(f"{how}：无法加载 OCR 引擎（{exc}）。格式为“模块:函数”，例如 my_engines:paddle") from exc
    engine = factory()
    missing = [m for m in _INTERFACE if not hasattr(engine, m)]
    if missing:
        raise OcrEngineError(f"{how}：引擎缺少 {'、'.join(missing)}，请按 pipeline/recognize/engine.py 中 OcrEngine 的说明实现")
    return engine


_INTERFACE = ("charset", "line_probabilities", "detect_lines")


def _axis_box(points: Sequence[Sequence[float]]) -> BoxPx:
    pts = np.asarray(points, dtype=np.float32)
    x0, y0 = pts.min(axis=0)
    x1, y1 = pts.max(axis=0)
    return int(x0), int(y0), int(math.ceil(x1 - x0)), int(math.ceil(y1 - y0))


def _bgr(img: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(img, cv2.COLOR_GRAY2BGR) if img.ndim == 2 else img
