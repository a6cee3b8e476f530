"""How often the word check of narrative lines (pipeline/recognize/wording.py) catches a character
read as another real character, and what it costs on lines read right.

Sentences not written for this project (the project's source texts on home visits, ../shared/seeds,
or any UTF-8 text given) are set in each installed CJK font, one line each. Every line is read
twice by the recognizer as the scan reader does: as written, and with one character's left part
(``--cut`` of its width: a radical such as 讠 氵 扌 亻) erased, as a faint or detached radical is
lost in a light pen or a 1-bit copy. For each word weight, the table counts

- wrong lines the recognizer alone would pass (every character >= NARRATIVE_CHAR_AUTO_MIN) and how
  many of them still pass after the word check (the defect it exists to stop), and
- lines read right that the recognizer alone would pass and the word check sends to review
  (the cost).

    .venv/bin/python bench/dropped_radicals.py                       # 200 sentences per font
    .venv/bin/python bench/dropped_radicals.py --text some.txt --sentences 400 --weights 1,1.5,2
"""

from __future__ import annotations

import argparse
import re
import unicodedata
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from pipeline import defs
from pipeline.recognize import default_engine
from pipeline.recognize.ink import ink_map
from pipeline.recognize.lines import LineReading, read_lines
from pipeline.recognize.wording import word_checked
from pipeline.render.fonts import discover_font_files

from narrative_lines import wilson_upper

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"
FULL_WIDTH = str.maketrans(",;:!?()", "，；：！？（）")  # the seeds' ASCII punctuation, as Chinese text writes it
SIZE = 40  # px to the em: a 5 mm character at the registered 8 px/mm


def sentences(paths: list[Path], count: int, rng: np.random.Generator) -> list[str]:
    """Clauses of 10-24 characters ending at Chinese punctuation, mostly Chinese characters."""
    text = "".join(p.read_text(encoding="utf-8") for p in paths)
    text = unicodedata.normalize("NFKC", text).translate(FULL_WIDTH)
    found = [s.strip() for s in re.findall(r"[^。！？；\n]{10,24}[。！？；，]", text)]
    found = [s for s in dict.fromkeys(found) if sum(_han(c) for c in s) >= 0.85 * len(s)]
    picked = rng.permutation(len(found))[:count]
    return [found[int(i)] for i in picked]


def _han(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff"


def render(text: str, font: ImageFont.FreeTypeFont, cut: tuple[int, float] | None) -> np.ndarray:
    """``text`` in ``font`` on white; with ``cut`` (position, share) that character's left part erased."""
    left = SIZE // 2
    image = Image.new("L", (int(font.getlength(text)) + 2 * left, SIZE + 24), 255)
    ImageDraw.Draw(image).text((left, 10), text, font=font, fill=30)
    pixels = np.array(image)
    if cut is not None:
        position, share = cut
        x0 = left + int(font.getlength(text[:position]))
        pixels[:, x0 : x0 + int(share * font.getlength(text[position]))] = 255
    return pixels


def line_image(pixels: np.ndarray) -> np.ndarray:
    """What the scan reader hands the recognizer for a written line: its ink, trimmed and padded."""
    return ink_map(pixels).line_image(round(defs.LINE_PAD * defs.REGISTERED_PX_PER_MM))


def passes(confidences: list[float] | tuple[float, ...]) -> bool:
    return bool(confidences) and min(confidences) >= defs.NARRATIVE_CHAR_AUTO_MIN


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--text", type=Path, nargs="*", help="UTF-8 text files (default: ../shared/seeds/*.txt)")
    parser.add_argument("--sentences", type=int, default=200)
    parser.add_argument("--cut", type=float, default=0.4, help="share of the character's width erased from its left")
    parser.add_argument("--weights", default="0,1,1.5,2", help="word weights to compare (0: no word evidence)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--verbose", action="store_true", help="print the lines counted in the last columns")
    args = parser.parse_args()
    paths = args.text or sorted(SEEDS.glob("*.txt"))
    if not paths:
        raise SystemExit(f"no text: give --text FILE (looked in {SEEDS})")
    rng = np.random.default_rng(args.seed)
    engine = default_engine()
    lines = sentences(paths, args.sentences, rng)
    fonts = [f for f in discover_font_files() if f.suffix.lower() in (".ttc", ".ttf")][:3]
    started = time.perf_counter()
    cases: list[tuple[bool, str, LineReading]] = []  # (erased, truth, reading)
    for path in fonts:
        font = ImageFont.truetype(str(path), SIZE)
        for text in lines:
            hans = [i for i, c in enumerate(text) if _han(c)]
            position = hans[int(rng.integers(len(hans)))]
            images = [line_image(render(text, font, None)), line_image(render(text, font, (position, args.cut)))]
            cases.extend(zip((False, True), (text, text), read_lines(engine, images)))
    print(f"{len(lines)} sentences x {len(fonts)} fonts ({', '.join(f.name for f in fonts)}), cut {args.cut}, {time.perf_counter() - started:.0f} s")
    print("weight  erased: wrong, recognizer passes, still passes (upper95)   as written: right, recognizer passes, sent to review")
    for weight in (float(w) for w in args.weights.split(",")):
        defs.WORD_WEIGHT = weight
        row = {True: [0, 0, 0], False: [0, 0, 0]}
        for erased, truth, reading in cases:
            checked = [p for _, p in word_checked([[reading]])[0]]
            wrong = reading.text.strip() != reading.vocabulary.spelled(truth)
            if wrong != erased:
                continue  # an erased character read right anyway, or a clean line misread
            before, after = passes(reading.char_confidences), passes(checked)
            counts = row[erased]
            counts[0] += 1
            counts[1] += before
            counts[2] += before and (after if erased else not after)
            if args.verbose and before and (after if erased else not after):
                print("   ", "erased" if erased else "flagged", reading.text, "| truth", truth, f"{min(checked):.3f}")
        (wrong, wrong_before, wrong_after), (right, right_before, flagged) = row[True], row[False]
        print(
            f"{weight:>6}  {wrong:>6} {wrong_before:>6} {wrong_after:>6} ({wilson_upper(wrong_after, wrong_before):6.1%})"
            f"      {right:>6} {right_before:>6} {flagged:>6} ({flagged / max(right_before, 1):.1%})"
        )


if __name__ == "__main__":
    main()
