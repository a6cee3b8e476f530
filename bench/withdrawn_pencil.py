"""Choices withdrawn in pencil on 1-bit copies: how the OMR reads what the copy kept (issue 12).

The form asks a writer to withdraw a choice by filling its box. In graphite pencil, copied in
1-bit mode, such a box keeps only islands and nets of its fill, and the tick in the box chosen
instead may be lost. On the hard stack (seed 13) one such box read as a sure tick and the wrong
choice was stored ``auto``. This draws the student_present pair (是 ticked and filled in, 否
ticked, one pencil writer) on a rendered record page for every pencil grey, copier threshold,
pen width and seed below, copies it in 1-bit mode at the registered resolution, and counts the
withdrawn box's readings (sure: confidence 1.0; auto: at least ``AUTO_MIN_CONFIDENCE``) and the
field's readings that would pass unchecked as 是, alone and once the page's own faintness is
judged as ingest judges it (a faint page keeps only sure readings).

Run it with another checkout first on ``PYTHONPATH`` to see that checkout's figures::

    PYTHONPATH=$PWD .venv/bin/python bench/withdrawn_pencil.py
"""

from __future__ import annotations

import tempfile
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

GREYS = (100, 120, 140)  # pencil grey on a grey scan (synth settings PENCIL_GREY spans 80-140)
THRESHOLDS = (150, 158, 170)  # 1-bit copier thresholds (synth settings SCAN_BW_THRESHOLD spans 150-185)
PENS_MM = (0.4, 0.6)
SEEDS = range(4)


def record_page() -> np.ndarray:
    """Page 1 of a record form as printed, at the registered resolution."""
    import pypdfium2 as pdfium

    from pipeline import defs
    from pipeline.generate.batch import filled_form
    from pipeline.model.form import load_form
    from pipeline.model.people import Student
    from pipeline.model.policy import load_policy
    from pipeline.render.pdf import render_pdf
    from pipeline.resources import samples_dir

    policy = load_policy(samples_dir() / "policy.yaml")
    student = Student("G330102201201010011", "李明", "七年级(1)班")
    with tempfile.TemporaryDirectory(prefix="jiafang-withdrawn-") as tmp:
        pdf = Path(tmp) / "record.pdf"
        render_pdf([filled_form(load_form("record"), student, policy)], pdf, batch_id="W1")
        doc = pdfium.PdfDocument(pdf)
        try:
            image = doc[0].render(scale=defs.REGISTERED_PX_PER_MM * 25.4 / 72, grayscale=True).to_pil().convert("L")
        finally:
            doc.close()
    return np.array(image)


def measure() -> tuple[Counter[str], Counter[str]]:
    """(readings of the withdrawn box, outcomes of the field) over every case."""
    from pipeline import defs
    from pipeline.ingest.scan_page import faint_hand_doubts
    from pipeline.model.form import load_form
    from pipeline.recognize.omr import read_checkbox, read_choice_group
    from pipeline.recognize.quality import page_ink
    from pipeline.scan.geometry import crop_mm
    from pipeline.synth.handwriting import (
        HandwritingStyle,
        draw_correction,
        draw_tick,
        handwriting_font,
        px_box,
    )
    from pipeline.synth.scanner import ScannerModel, scan

    form = load_form("record")
    printed, field = record_page(), form.field("student_present")
    withdrawn, chosen = field.options
    boxes: Counter[str] = Counter()
    fields: Counter[str] = Counter()
    for grey in GREYS:
        for threshold in THRESHOLDS:
            for pen_mm in PENS_MM:
                for seed in SEEDS:
                    hand = HandwritingStyle(
                        font_path=handwriting_font(), glyph_mm=4.6, digit_fill=0.72, slant=2.0, angle_jitter=1.5,
                        size_jitter=0.04, baseline_jitter=0.03, spacing=1.0, stroke_mm=0.04, pen_mm=pen_mm, ink=grey,
                    )
                    pencil = replace(hand, pencil=True)
                    page = printed.copy()
                    draw_correction(page, px_box(withdrawn.box), style=pencil, rng=np.random.default_rng(seed))
                    draw_tick(page, px_box(chosen.box), style=pencil, rng=np.random.default_rng(seed + 100))
                    copier = ScannerModel(dpi=defs.REGISTERED_PX_PER_MM * 25.4, mode="bw", bw_threshold=threshold, noise=6.5, blur=0.95)
                    copy = scan(page, copier, rng=np.random.default_rng(seed), px_per_mm=defs.REGISTERED_PX_PER_MM)
                    crops = [crop_mm(copy, o.box, pad_mm=defs.OMR_PAD) for o in field.options]
                    box = read_checkbox(crops[0])
                    sure = "sure" if box.confidence >= 1.0 else "auto" if box.confidence >= defs.AUTO_MIN_CONFIDENCE else "unsure"
                    boxes[f"{box.state}, {sure}"] += 1
                    group = read_choice_group(crops, field)
                    fields[f"alone: {_outcome(group)}"] += 1
                    if page_ink(copy, form.pages[0]).is_faint:
                        group = faint_hand_doubts({field.id: group})[field.id]
                    fields[f"on its page: {_outcome(group)}"] += 1
    return boxes, fields


def _outcome(value: Any) -> str:
    from pipeline import defs

    if value.doubt or value.confidence < defs.AUTO_MIN_CONFIDENCE:
        return "review"
    return "passes as 是 (wrong)" if value.raw == ("是",) else "passes as read"


def main() -> None:
    boxes, fields = measure()
    cases = sum(boxes.values())
    print(f"{cases} withdrawn boxes (pencil grey {GREYS}, copier thresholds {THRESHOLDS}, pens {PENS_MM} mm, {len(SEEDS)} seeds)")
    for reading, n in sorted(boxes.items()):
        print(f"  box read {reading:<28}{n:>4}")
    for outcome, n in sorted(fields.items()):
        print(f"  field {outcome:<32}{n:>4}")


if __name__ == "__main__":
    main()
