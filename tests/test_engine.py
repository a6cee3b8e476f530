"""The OCR engine behind its interface: the wheel's PP-OCRv4, or one a user plugs in."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pipeline import defs
from pipeline.errors import OcrEngineError
from pipeline.recognize import default_engine, read_short_text
from pipeline.synth.handwriting import HandwritingStyle, draw_text, handwriting_font

PX = defs.REGISTERED_PX_PER_MM


def written_line(text: str) -> np.ndarray:
    hand = HandwritingStyle.random(np.random.default_rng(5), font_path=handwriting_font())
    box = np.full((round(8 * PX), round(80 * PX)), 255, np.uint8)
    draw_text(box, (0, 0, box.shape[1], box.shape[0]), text, style=hand, rng=np.random.default_rng(1))
    return box


def test_line_probabilities_cover_each_image_and_sum_to_one_per_frame() -> None:
    engine = default_engine()
    narrow, wide = written_line("王芳")[:, :200], written_line("学生家中父亲")
    probs = engine.line_probabilities([wide, narrow])
    assert [p.shape[1] for p in probs] == [len(engine.charset)] * 2
    assert probs[0].shape[0] > probs[1].shape[0], "a wider line has more frames"
    assert np.allclose(probs[0].sum(axis=1), 1.0, atol=1e-3)


@pytest.fixture
def plugged(monkeypatch: pytest.MonkeyPatch):
    """default_engine() rebuilt under a JIAFANG_OCR_ENGINE setting, and restored after."""

    def use(spec: str):
        monkeypatch.setenv(defs.OCR_ENGINE_ENV, spec)
        default_engine.cache_clear()
        return default_engine()

    monkeypatch.syspath_prepend(str(Path(__file__).parent))
    yield use
    default_engine.cache_clear()


def test_an_engine_named_in_the_environment_reads_instead_of_the_wheel(plugged) -> None:
    import plugged_engine

    engine = plugged("plugged_engine:build")
    assert type(engine).__name__ == "MarkingEngine"
    before = len(plugged_engine.CALLS)
    assert read_short_text(written_line("林春燕"), default_engine()) is not None
    assert len(plugged_engine.CALLS) == before + 1


@pytest.mark.parametrize("spec", ["no_such_module:build", "plugged_engine:missing", "plugged_engine:incomplete"])
def test_an_engine_setting_that_cannot_be_used_says_what_is_wrong(plugged, spec: str) -> None:
    with pytest.raises(OcrEngineError, match=defs.OCR_ENGINE_ENV):
        plugged(spec)
