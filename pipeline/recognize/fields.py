"""Per-field recognition on a registered page: crop each field's boxes and read them by kind.

Pre-filled fields are not read: their values come from the issuance. Checkboxes and signatures
are OMR (ink measures), everything written is OCR; boxes without ink are empty and cost no OCR.
"""

from __future__ import annotations

import numpy as np

from pipeline import defs
from pipeline.model.form import CHOICE_KINDS, COMB_KINDS, FieldDef, PageDef
from pipeline.model.record import NarrativeLine, RawValue
from pipeline.recognize.combs import comb_segments, read_digits
from pipeline.recognize.engine import OcrEngine
from pipeline.recognize.ink import ink_map, writing
from pipeline.recognize.lexicon import Lexicon, Resolved, resolve
from pipeline.recognize.lines import read_line
from pipeline.recognize.omr import read_choice_group
from pipeline.recognize.text import WrittenLine, read_multiline, read_short_text
from pipeline.scan.geometry import crop_mm, mm_to_px

PX = defs.REGISTERED_PX_PER_MM
DOUBT_FAINT_SIGNATURE = "签名处只有少量笔迹"
DOUBT_UNCONFIRMED = "手写文字未能与花名册或本校已核对的记录对上，且识别把握不足，请核对"
DOUBT_NEAR_MISS = "手写文字与“{known}”只差一个字，无法确定是哪一个，请核对"
DOUBT_LONE_CHARACTER = "只写了一个字，无法与花名册或本校已核对的记录对照，请核对"
DOUBT_LINES = "手写段落第 {lines} 行识别把握不足，请对照原图核对这几行"
DOUBT_FAINT_TEXT = "此栏笔迹过淡或断续（铅笔、浅色笔或黑白复印），请对照原图核对"
DOUBT_TEXT_TRACE = "此栏有少量笔迹，未能识读，请对照原图核对"
# What a text field is checked against, by its role in the form definition (others: people)
LEXICON_KINDS = {"teachers": "teacher", "interviewee": "person", "place": "place"}


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
    return _short_text(registered, field, engine, lexicon, faint_level)


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


def _short_text(
    registered: np.ndarray, field: FieldDef, engine: OcrEngine, lexicon: Lexicon | None, faint_level: float
) -> RawValue:
    """A single-line text; a box without ordinary ink is read from its joined strokes when faint
    or broken writing is there (pencil, a 1-bit copy of a thin pen) and sent to review, and is
    read as surely empty only when not even a trace of faint ink is in it."""
    crop = crop_mm(registered, field.value_box, pad_mm=-defs.TEXT_INSET)
    reading, faint = read_short_text(crop, engine), ""
    if reading is None:
        joined = writing(crop, faint_level)
        if joined.ink is None and joined.trace:
            return RawValue(raw="", confidence=0.5, source="ocr", doubt=DOUBT_TEXT_TRACE)
        if joined.ink is None:
            return RawValue(raw="", confidence=1.0, source="ocr")
        reading, faint = read_line(engine, joined.ink.line_image(round(defs.LINE_PAD * PX))), DOUBT_FAINT_TEXT
    found = resolve(reading, lexicon, _lexicon_kind(field))
    doubt = "；".join(d for d in (_unconfirmed(found), faint) if d)
    return RawValue(raw=found.text, confidence=round(found.confidence, 4), source="ocr", doubt=doubt)


def _lexicon_kind(field: FieldDef) -> str:
    if field.rule("teacher_names"):
        return "teacher"
    return LEXICON_KINDS.get(field.role or "", "person")


def _unconfirmed(found: Resolved) -> str:
    """Why text nothing known confirms goes to review: one character from a known value (what a
    misreading looks like, at any confidence), a lone character (where real writing was misread
    at 0.99 and above), or short of the floor for unchecked text."""
    if not found.text or found.confirmed:
        return ""
    if found.near_miss:
        return DOUBT_NEAR_MISS.format(known=found.near_miss)
    if len(found.text) < defs.SHORT_TEXT_MIN_CHARS:
        return DOUBT_LONE_CHARACTER
    return DOUBT_UNCONFIRMED if found.confidence < defs.SHORT_TEXT_AUTO_MIN else ""


def _multiline(registered: np.ndarray, field: FieldDef, engine: OcrEngine) -> RawValue:
    """A handwritten paragraph, line by line: a line passes unchecked only when every one of its
    characters is at least ``NARRATIVE_CHAR_AUTO_MIN`` sure (by its frames and by the words
    around it) and no faint ink after its end went unread; the others are what a person checks."""
    inset = defs.TEXT_INSET
    crop = crop_mm(registered, field.value_box, pad_mm=-inset)
    left, top = field.value_box.x + inset, field.value_box.y + inset
    bands = [(mm_to_px(b.y - top), mm_to_px(b.bottom - top)) for b in field.lines]
    lines = tuple(_narrative_line(w, left, top) for w in read_multiline(crop, bands, engine))
    if not lines:
        return RawValue(raw="", confidence=1.0, source="ocr")
    doubtful = [str(i) for i, line in enumerate(lines, 1) if not line.accepted]
    doubt = DOUBT_LINES.format(lines="、".join(doubtful)) if doubtful else ""
    confidence = min(line.confidence for line in lines)
    text = "\n".join(line.text for line in lines if line.text)
    return RawValue(raw=text, confidence=round(confidence, 4), source="ocr", doubt=doubt, lines=lines)


def _narrative_line(written: WrittenLine, left_mm: float, top_mm: float) -> NarrativeLine:
    x, y, w, h = written.box_px
    accepted = bool(written.chars) and min(written.chars) >= defs.NARRATIVE_CHAR_AUTO_MIN and not written.unseen_ink
    return NarrativeLine(written.text, written.chars, accepted, (left_mm + x / PX, top_mm + y / PX, w / PX, h / PX))
