"""Does a new OCR stack read exactly as the old one? Same crops in, outputs compared.

The crops are made once (written by pipeline.synth.handwriting and trimmed as the readers
trim them, see bench/ocr_engines.py; plus multi-line boxes for the detector) and saved, so both
stacks see identical pixels whatever their Pillow or NumPy. Each stack then records what the
engine interface gives the readers: per-frame probabilities of every crop, the lines detected
in every box, and the wheel's whole detect-and-recognize pipeline; ``compare`` reports the
largest probability difference, best-path text agreement and detection agreement.

    python bench/ocr_same.py crops  CROPS.npz [--writers 6]
    python bench/ocr_same.py read   CROPS.npz OUT.npz      # once per stack (venv / Python)
    python bench/ocr_same.py compare OLD.npz NEW.npz
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from pipeline.recognize.ctc import best_path


def make_crops(out: Path, writers: int) -> None:
    from ocr_engines import written_crops  # bench/, the script's own folder

    kinds = written_crops(writers)
    lines = [c for c, _ in kinds["line"]]
    crops = [c for items in kinds.values() for c, _ in items]
    boxes = [_stack(lines[i : i + 4]) for i in range(0, len(lines), 4)]
    np.savez_compressed(out, **{f"c{i}": c for i, c in enumerate(crops)}, **{f"b{i}": b for i, b in enumerate(boxes)})
    print(f"{len(crops)} crops, {len(boxes)} boxes → {out}")


def _stack(lines: list[np.ndarray]) -> np.ndarray:
    """Lines one under the other on white, as a narrative box holds them."""
    width = max(line.shape[1] for line in lines) + 40
    rows = [np.pad(line, ((12, 12), (20, width - 20 - line.shape[1])), constant_values=255) for line in lines]
    return np.vstack(rows)


def read(crops_file: Path, out: Path) -> None:
    from pipeline.recognize.engine import RapidOcrEngine

    data = np.load(crops_file)
    crops = [data[f"c{i}"] for i in range(sum(k.startswith("c") for k in data.files))]
    boxes = [data[f"b{i}"] for i in range(sum(k.startswith("b") for k in data.files))]
    engine = RapidOcrEngine(threads=1)
    probs = [p for i in range(0, len(crops), 8) for p in engine.line_probabilities(crops[i : i + 8])]
    detected = [engine.detect_lines(b) for b in boxes]
    whole = [[(line.box_px, line.text, line.confidence) for line in engine.detect_and_recognize(b)] for b in boxes]
    np.savez_compressed(
        out,
        **{f"p{i}": p for i, p in enumerate(probs)},
        charset=np.array(list(engine.charset)),
        detected=np.array(json.dumps(detected)),
        whole=np.array(json.dumps(whole, ensure_ascii=False)),
    )
    print(f"{len(probs)} crops, {len(boxes)} boxes read → {out}")


def compare(old_file: Path, new_file: Path) -> None:
    old, new = np.load(old_file), np.load(new_file)
    assert list(old["charset"]) == list(new["charset"]), "different character sets"
    n = sum(k.startswith("p") for k in old.files)
    diffs, same_text, same_shape = [], 0, 0
    for i in range(n):
        a, b = old[f"p{i}"], new[f"p{i}"]
        same_shape += a.shape == b.shape
        if a.shape == b.shape:
            diffs.append(float(np.abs(a - b).max()))
        same_text += best_path(a) == best_path(b)
    detected_old, detected_new = json.loads(str(old["detected"])), json.loads(str(new["detected"]))
    whole_old, whole_new = json.loads(str(old["whole"])), json.loads(str(new["whole"]))
    texts = [[t for _, t, _ in box] for box in whole_old], [[t for _, t, _ in box] for box in whole_new]
    conf = max((abs(a[2] - b[2]) for x, y in zip(whole_old, whole_new) for a, b in zip(x, y)), default=0.0)
    print(f"recognizer: {n} crops, same frames {same_shape}/{n}, same best-path text {same_text}/{n}, "
          f"largest probability difference {max(diffs, default=0.0):.2e}")
    print(f"detector: {len(detected_old)} boxes, same line boxes in {sum(a == b for a, b in zip(detected_old, detected_new))}")
    print(f"whole pipeline: same texts in {sum(a == b for a, b in zip(*texts))}/{len(whole_old)} boxes, "
          f"largest confidence difference {conf:.2e}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    made = sub.add_parser("crops")
    made.add_argument("out", type=Path)
    made.add_argument("--writers", type=int, default=6)
    reading = sub.add_parser("read")
    reading.add_argument("crops", type=Path)
    reading.add_argument("out", type=Path)
    both = sub.add_parser("compare")
    both.add_argument("old", type=Path)
    both.add_argument("new", type=Path)
    args = parser.parse_args()
    if args.command == "crops":
        make_crops(args.out, args.writers)
    elif args.command == "read":
        read(args.crops, args.out)
    else:
        compare(args.old, args.new)


if __name__ == "__main__":
    main()
