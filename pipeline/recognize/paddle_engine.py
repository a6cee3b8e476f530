"""PaddleOCR's own models run by Paddle Inference, for a school that keeps them on its PC.

Install the extra (``pip install 'jiafang[paddle]'``), then plug the engine in; nothing is
downloaded, the models are the folders PaddleOCR exports (``inference.json`` or
``inference.pdmodel`` with ``inference.pdiparams``)::

    JIAFANG_OCR_ENGINE=pipeline.recognize.paddle_engine:from_environment
    JIAFANG_PADDLE_REC_DIR=/path/to/PP-OCRv4_mobile_rec_infer
    JIAFANG_PADDLE_DET_DIR=/path/to/PP-OCRv4_mobile_det_infer   # optional
    JIAFANG_PADDLE_DICT=/path/to/ppocr_keys_v1.txt              # when the folder has no inference.yml

Only the networks change: image pre- and post-processing stay the wheel's (RapidOCR is a port
of PaddleOCR's), and without a detection folder the wheel's detector is kept.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from pipeline import defs
from pipeline.errors import OcrEngineError
from pipeline.recognize.engine import RapidOcrEngine

REC_DIR_ENV = "JIAFANG_PADDLE_REC_DIR"
DET_DIR_ENV = "JIAFANG_PADDLE_DET_DIR"
DICT_ENV = "JIAFANG_PADDLE_DICT"
# Model files in the order they are looked for: PaddleOCR 3.x, 2.x, then generic exports.
_MODEL_FILES = ("inference.json", "inference.pdmodel", "model.json", "model.pdmodel")
_REC_PROBE = (1, 3, 48, defs.OCR_REC_MIN_WIDTH)  # one blank line image
_DET_PROBE = (1, 3, 64, 64)  # a small blank crop


class PaddleEngine(RapidOcrEngine):
    """The OcrEngine of :mod:`pipeline.recognize.engine` with Paddle Inference networks."""

    def __init__(
        self, rec_dir: Path, det_dir: Path | None = None, *, dictionary: Path | None = None, threads: int = defs.OCR_THREADS
    ) -> None:
        from rapidocr.ch_ppocr_rec.utils import CTCLabelDecode

        super().__init__(threads=threads)
        self._rec.session = PaddleSession(rec_dir, threads, _REC_PROBE)
        characters = _characters(rec_dir, dictionary)
        if characters is not None:
            self._rec.postprocess_op = CTCLabelDecode(character=characters)
        _check_classes(rec_dir, self._rec.session, self.charset)
        if det_dir is not None:
            self._ocr.text_det.session = PaddleSession(det_dir, threads, _DET_PROBE)


class PaddleSession:
    """A Paddle Inference predictor called like the wheel's ONNX session: tensor in, outputs out."""

    def __init__(self, folder: Path, threads: int, probe_shape: tuple[int, ...]) -> None:
        model = _model_file(folder)
        try:
            import paddle.inference as paddle_inference
        except ImportError as exc:
            raise OcrEngineError("未安装 Paddle Inference：请运行 pip install 'jiafang[paddle]'") from exc
        self._bind(_predictor(paddle_inference, model, threads, onednn=True))
        try:
            self(np.zeros(probe_shape, np.float32))
        except (NotImplementedError, RuntimeError):
            # oneDNN is ~2.7x faster on the recognizer, but Paddle 3's oneDNN executor cannot
            # run every exported graph (resize attributes of some detectors): then plain CPU.
            self._bind(_predictor(paddle_inference, model, threads, onednn=False))

    def _bind(self, predictor: Any) -> None:
        self._predictor = predictor
        self._input = predictor.get_input_handle(predictor.get_input_names()[0])
        self._output = predictor.get_output_handle(predictor.get_output_names()[0])

    def __call__(self, tensor: np.ndarray) -> np.ndarray:
        self._input.reshape(list(tensor.shape))
        self._input.copy_from_cpu(np.ascontiguousarray(tensor, dtype=np.float32))
        self._predictor.run()
        return self._output.copy_to_cpu()


def _predictor(paddle_inference: Any, model: Path, threads: int, *, onednn: bool) -> Any:
    config = paddle_inference.Config(str(model), str(model.with_suffix(".pdiparams")))
    config.disable_gpu()
    config.set_cpu_math_library_num_threads(threads)
    config.disable_glog_info()
    if onednn:
        config.enable_mkldnn()
    else:
        config.disable_mkldnn()
    return paddle_inference.create_predictor(config)


def from_environment() -> PaddleEngine:
    """The engine the ``JIAFANG_PADDLE_*`` variables describe (see the module docstring)."""
    rec = os.environ.get(REC_DIR_ENV, "").strip()
    if not rec:
        raise OcrEngineError(f"请用 {REC_DIR_ENV} 指定 PaddleOCR 识别模型所在的文件夹")
    det = os.environ.get(DET_DIR_ENV, "").strip()
    dictionary = os.environ.get(DICT_ENV, "").strip()
    return PaddleEngine(Path(rec), Path(det) if det else None, dictionary=Path(dictionary) if dictionary else None)


def _model_file(folder: Path) -> Path:
    for name in _MODEL_FILES:
        model = folder / name
        if model.is_file() and model.with_suffix(".pdiparams").is_file():
            return model
    raise OcrEngineError(
        f"{folder} 中没有 Paddle 推理模型（需要 {' 或 '.join(_MODEL_FILES[:2])}，以及同名的 .pdiparams）"
    )


def _characters(rec_dir: Path, dictionary: Path | None) -> list[str] | None:
    """The recognizer's characters without blank and space: from ``dictionary`` (one per line),
    else the folder's ``inference.yml``; None keeps the wheel's PP-OCRv4 dictionary."""
    if dictionary is not None:
        try:
            return [line.rstrip("\r\n") for line in dictionary.read_text(encoding="utf-8").splitlines()]
        except OSError as exc:
            raise OcrEngineError(f"无法读取字典文件 {dictionary}（{exc.strerror}）") from exc
    described = rec_dir / "inference.yml"
    if not described.is_file():
        return None
    post = (yaml.safe_load(described.read_text(encoding="utf-8")) or {}).get("PostProcess", {})
    characters = post.get("character_dict")
    return [str(c) for c in characters] if characters else None


def _check_classes(rec_dir: Path, session: PaddleSession, charset: Sequence[str]) -> None:
    classes = session(np.zeros(_REC_PROBE, np.float32)).shape[-1]
    if classes != len(charset):
        raise OcrEngineError(
            f"{rec_dir} 的识别模型输出 {classes} 类，字典有 {len(charset)} 个字符（含空白与空格）："
            f"请用 {DICT_ENV} 指定这个模型自带的字典文件"
        )
