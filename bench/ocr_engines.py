"""Compare OCR engines on handwriting-style crops: rapidocr_onnxruntime (v4) vs rapidocr 3.x.

Crops are written with pipeline.synth.handwriting (AR PL UKai, jittered per glyph, several
seeded writers) onto white boxes at the registered resolution, trimmed to their ink exactly as
the readers do (pipeline.recognize.ink), and read with each engine's recognizer alone, batched
per kind. Reports exact-line accuracy, character accuracy (1 - CER) and ms per line, side by
side in one run, on one thread.

    python bench/ocr_engines.py [--writers 6]

``rapidocr`` 3.x is only needed for the comparison (pip install "rapidocr>=3,<4"); its output is
also scored after OpenCC traditional-to-simplified when ``opencc`` (opencc-python-reimplemented)
is importable, since v6 tends to answer kaiti in traditional characters.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence

import numpy as np
from rapidfuzz.distance import Levenshtein

from pipeline import defs
from pipeline.recognize.engine import RapidOcrEngine
from pipeline.recognize.ink import ink_map
from pipeline.synth.handwriting import HandwritingStyle, draw_digit_cells, draw_text

PX = defs.REGISTERED_PX_PER_MM
SHORT = (
    "李明轩", "王芳", "张建国", "欧阳娜娜", "陈思远", "刘晓燕", "赵磊", "孙丽华",
    "学生家中", "青山镇下溪村", "学校会议室", "父亲 李建国", "母亲 王芳", "社区活动室",
)
LINES = (
    "孩子在家能按时完成作业",
    "家长希望学校多关注孩子的心理健康",
    "父母在外务工由祖父母照顾",
    "双方约定每周电话沟通一次",
    "建议减少手机使用时间",
    "家庭经济困难已申请资助",
)
DIGITS = ("2024", "09", "15", "1830", "13912345678", "0730", "2025", "11")

SURE = 0.95  # confidence from which a reading is counted as "sure" in the calibration columns

Recognizer = Callable[[Sequence[np.ndarray]], list[tuple[str, float]]]


def written_crops(writers: int) -> dict[str, list[tuple[np.ndarray, str]]]:
    """Trimmed crops by kind: short text, one narrative line, single digit cells."""
    rng = np.random.default_rng(20240915)
    kinds: dict[str, list[tuple[np.ndarray, str]]] = {"short": [], "line": [], "digit": []}
    pad = round(defs.LINE_PAD * PX)
    for _ in range(writers):
        style = HandwritingStyle.random(rng)
        for kind, texts, width in (("short", SHORT, 80), ("line", LINES, 170)):
            for text in texts:
                page = np.full((round(9 * PX), round(width * PX)), 255, np.uint8)
                draw_text(page, (0, 0, page.shape[1], page.shape[0]), text, style=style, rng=rng)
                kinds[kind].append((ink_map(page).line_image(pad), text))
        for digits in DIGITS:
            cells = [(i * 6 * PX, 0, 6 * PX, 8 * PX) for i in range(len(digits))]
            page = np.full((round(8 * PX), round(len(digits) * 6 * PX)), 255, np.uint8)
            draw_digit_cells(page, cells, digits, style=style, rng=rng)
            for (x, _, w, _h), digit in zip(cells, digits):
                cell = page[:, round(x) : round(x + w)]
                kinds["digit"].append((ink_map(cell).line_image(pad), digit))
    return kinds


def v4_recognizer() -> Recognizer:
    return RapidOcrEngine(threads=1).recognize_lines


def v6_recognizer() -> Recognizer:
    from rapidocr import RapidOCR

    ocr = RapidOCR(params={
        "Global.log_level": "error",
        "EngineConfig.onnxruntime.intra_op_num_threads": 1,
        "Rec.rec_img_shape": [3, 48, defs.OCR_REC_MIN_WIDTH],  # as our v4 engine, for a fair race
    })

    def recognize(imgs: Sequence[np.ndarray]) -> list[tuple[str, float]]:
        out = ocr.recognize_txt([np.dstack([i, i, i]) for i in imgs])
        return list(zip(out.txts or (), out.scores))

    return recognize


def score(
    recognize: Recognizer, crops: list[tuple[np.ndarray, str]], fix: Callable[[str], str]
) -> tuple[float, float, float, float, float]:
    """Exact-line accuracy, character accuracy, ms per line, and for lines read with
    confidence >= SURE: their share and their exact accuracy (what auto-acceptance would see)."""
    imgs = [c for c, _ in crops]
    recognize(imgs[:2])  # warm-up: first calls allocate
    start = time.process_time()
    results = [r for i in range(0, len(imgs), 8) for r in recognize(imgs[i : i + 8])]
    ms = (time.process_time() - start) * 1000 / len(imgs)
    texts = [fix(t).replace(" ", "") for t, _ in results]
    truths = [t.replace(" ", "") for _, t in crops]
    right = [a == b for a, b in zip(texts, truths)]
    errors = sum(Levenshtein.distance(a, b) for a, b in zip(texts, truths))
    sure = [ok for ok, (_, conf) in zip(right, results) if conf >= SURE]
    sure_right = sum(sure) / len(sure) if sure else 1.0
    return sum(right) / len(crops), 1 - errors / sum(len(t) for t in truths), ms, len(sure) / len(crops), sure_right


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", type=int, default=6)
    args = parser.parse_args()
    crops = written_crops(args.writers)
    engines: dict[str, tuple[Recognizer, Callable[[str], str]]] = {
        "rapidocr_onnxruntime 1.4 (PP-OCRv4)": (v4_recognizer(), str),
    }
    try:
        v6 = v6_recognizer()
        engines["rapidocr 3.x (PP-OCRv6-small)"] = (v6, str)
        try:
            from opencc import OpenCC

            engines["rapidocr 3.x + OpenCC t2s"] = (v6, OpenCC("t2s").convert)
        except ImportError:
            pass
    except ImportError:
        print("rapidocr 3.x not installed: comparing nothing against v4")
    print(f"{'engine':38} {'kind':6} {'n':>4} {'exact':>7} {'chars':>7} {'ms/line':>8} {'sure':>6} {'sure ok':>8}")
    for name, (recognize, fix) in engines.items():
        for kind, items in crops.items():
            exact, chars, ms, sure, sure_ok = score(recognize, items, fix)
            print(f"{name:38} {kind:6} {len(items):4d} {exact:7.1%} {chars:7.1%} {ms:8.1f} {sure:6.1%} {sure_ok:8.1%}")


if __name__ == "__main__":
    main()
