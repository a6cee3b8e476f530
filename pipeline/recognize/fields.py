"""Per-field recognition on a registered page: crop each field's boxes and read them by kind.

Pre-filled fields are not read: their values come from the issuance. Checkboxes and signatures
are OMR (ink measures), everything written is OCR; boxes without ink are empty and cost no OCR.
"""

from __future__ import annotations

import numpy as np

from pipeline import defs
from pipeline.model.form import CHOICE_KINDS, COMB_KINDS, FieldDef, PageDef
from pipeline.model.record import RawValue
from pipeline.recognize.combs import comb_segments, read_digits
from pipeline.recognize.engine import OcrEngine
from pipeline.recognize.ink import ink_map
from pipeline.recognize.lexicon import Lexicon, resolve
from pipeline.recognize.omr import read_choice_group
from pipeline.recognize.text import read_multiline, read_short_text
from pipeline.scan.geometry import crop_mm, mm_to_px

PX = defs.REGISTERED_PX_PER_MM
DOUBT_FAINT_SIGNATURE = "签名处只有少量笔迹"
DOUBT_UNCONFIRMED = "手写文字未能与花名册核对，且识别把握不足，请核对"
DOUBT_DRAFT = "手写段落的识别结果仅作草稿，请对照原图核对"


def recognize_page(
    registered: np.ndarray, page: PageDef, *, engine: OcrEngine, lexicon: Lexicon | None = None, faint_level: float = defs.FAINT_INK_LEVEL
) -> dict[str, RawValue]:
    """Every field a teacher fills on one registered page, by field id; ``faint_level`` is the
    page's level of faint ink (:func:`pipeline.recognize.quality.page_ink`)."""
    return {
        f.id: recognize_field(registered, f, engine=engine, lexicon=lexicon, faint_level=faint_level)
        for f in page.fields
        if f.fillable
    }


def recognize_field(
    registered: np.ndarray, field: FieldDef, *, engine: OcrEngine, lexicon: Lexicon | None = None, faint_level: float = defs.FAINT_INK_LEVEL
) -> RawValue:
    """Read one fillable field from a registered page (8 px/mm, template space)."""
    if not field.fillable:
        raise ValueError(f"field {field.id!r} is pre-filled; its value comes from the issuance")
    if field.kind in COMB_KINDS:
        cells = [crop_mm(registered, c, pad_mm=-defs.CELL_INSET) for c in field.cells]
        segments = comb_segments(field, lexicon.dates if lexicon is not None else None)
        return read_digits(cells, engine, segments=segments, faint_level=faint_level)
    if field.kind in CHOICE_KINDS:
        boxes = [crop_mm(registered, o.box, pad_mm=defs.OMR_PAD) for o in field.options]
        return read_choice_group(boxes, field, faint_level=faint_level)
    if field.kind == "signature":
        return read_signature(crop_mm(registered, field.value_box, pad_mm=-defs.TEXT_INSET))
    if field.kind == "multiline":
        return _multiline(registered, field, engine)
    return _short_text(registered, field, engine, lexicon)


def read_signature(crop: np.ndarray) -> RawValue:
    """Signed or not, by the amount of ink in the signature box."""
    pixels = ink_map(crop).pixels
    least = defs.INK_MIN_AREA * PX * PX
    enough = defs.SIGNATURE_MIN_AREA * PX * PX
    if pixels >= enough:
        return RawValue(raw=True, confidence=min(1.0, 0.9 + 0.1 * pixels / (4 * enough)), source="omr")
    if pixels >= least:
        return RawValue(raw=True, confidence=0.5, source="omr", doubt=DOUBT_FAINT_SIGNATURE)
    return RawValue(raw=False, confidence=1.0 - 0.5 * pixels / least, source="omr")


def _short_text(registered: np.ndarray, field: FieldDef, engine: OcrEngine, lexicon: Lexicon | None) -> RawValue:
    reading = read_short_text(crop_mm(registered, field.value_box, pad_mm=-defs.TEXT_INSET), engine)
    if reading is None:
        return RawValue(raw="", confidence=1.0, source="ocr")
    kind = "teacher" if field.rule("teacher_names") else "person"
    found = resolve(reading, lexicon, kind)
    # Text the roster does not confirm has nothing to be checked against: only a reading the
    # recognizer is all but certain of passes unchecked.
    doubt = DOUBT_UNCONFIRMED if found.text and not found.confirmed and found.confidence < defs.SHORT_TEXT_AUTO_MIN else ""
    return RawValue(raw=found.text, confidence=round(found.confidence, 4), source="ocr", doubt=doubt)


def _multiline(registered: np.ndarray, field: FieldDef, engine: OcrEngine) -> RawValue:
    inset = defs.TEXT_INSET
    crop = crop_mm(registered, field.value_box, pad_mm=-inset)
    top = field.value_box.y + inset
    bands = [(mm_to_px(b.y - top), mm_to_px(b.bottom - top)) for b in field.lines]
    text, confidence = read_multiline(crop, bands, engine)
    # Handwritten paragraphs are read as a draft only (DESIGN §3): a person always confirms them.
    doubt = DOUBT_DRAFT if text else ""
    return RawValue(raw=text, confidence=round(confidence, 4), source="ocr", doubt=doubt)
