"""PaddleOCR's models through Paddle Inference (the optional ``paddle`` extra).

The checks of bad settings run everywhere. Reading needs Paddle and model folders: point
JIAFANG_TEST_PADDLE_MODELS at a folder with ``rec/`` and ``det/`` Paddle exports of the
PP-OCRv4 models (e.g. the wheel's ONNX models converted with x2paddle); where they are not
there, those tests are skipped with that reason."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from pipeline import defs
from pipeline.errors import OcrEngineError
from pipeline.recognize import RapidOcrEngine, read_line
from pipeline.recognize.engine import plugged_engine
from pipeline.recognize.paddle_engine import DICT_ENV, REC_DIR_ENV, PaddleEngine, from_environment
from tests.test_engine import written_line

SPEC = "pipeline.recognize.paddle_engine:from_environment"


def test_missing_model_folder_setting_says_which_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(REC_DIR_ENV, raising=False)
    with pytest.raises(OcrEngineError, match=REC_DIR_ENV):
        from_environment()


def test_folder_without_a_paddle_model_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "inference.pdmodel").write_bytes(b"")  # no .pdiparams beside it
    monkeypatch.setenv(REC_DIR_ENV, str(tmp_path))
    with pytest.raises(OcrEngineError, match="没有 Paddle 推理模型") as caught:
        plugged_engine(SPEC)
    assert str(tmp_path) in str(caught.value)


@pytest.fixture(scope="module")
def models() -> Path:
    pytest.importorskip("paddle.inference", reason="the paddle extra is not installed")
    folder = Path(os.environ.get("JIAFANG_TEST_PADDLE_MODELS", "/nonexistent"))
    if not (folder / "rec").is_dir():
        pytest.skip("JIAFANG_TEST_PADDLE_MODELS names no folder with rec/ and det/ Paddle models")
    return folder


@pytest.mark.slow
def test_paddle_engine_reads_as_the_wheels_engine_does(models: Path) -> None:
    paddle = PaddleEngine(models / "rec", models / "det", threads=1)
    onnx = RapidOcrEngine(threads=1)
    lines = [written_line("王芳、陈思远"), written_line("学生家中"), written_line("20251103")[:, :400]]
    for ours, theirs in zip(paddle.line_probabilities(lines), onnx.line_probabilities(lines)):
        assert ours.shape == theirs.shape and np.abs(ours - theirs).max() < 1e-3
    assert [read_line(paddle, i).text for i in lines] == [read_line(onnx, i).text for i in lines]
    page = np.vstack([written_line("父母在外务工"), written_line("由祖父母照顾")])
    assert paddle.detect_lines(page) == onnx.detect_lines(page)


@pytest.mark.slow
def test_plugged_through_the_environment(models: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(REC_DIR_ENV, str(models / "rec"))
    engine = plugged_engine(SPEC)
    assert isinstance(engine, PaddleEngine)
    assert read_line(engine, written_line("学生家中")).text == "学生家中"


@pytest.mark.slow
def test_dictionary_that_does_not_fit_the_model_is_refused(models: Path, tmp_path: Path) -> None:
    wrong = tmp_path / "keys.txt"
    wrong.write_text("\n".join("0123456789"), encoding="utf-8")
    with pytest.raises(OcrEngineError, match=DICT_ENV):
        PaddleEngine(models / "rec", dictionary=wrong, threads=defs.OCR_THREADS)
