"""Recognition of field crops from registered pages: OMR for checkboxes and signatures, OCR
for digit combs, short text and multi-line boxes, checked against the roster as a lexicon."""

from pipeline.recognize.combs import read_digits
from pipeline.recognize.engine import OcrEngine, RapidOcrEngine, TextLine, default_engine
from pipeline.recognize.fields import read_signature, recognize_field, recognize_page
from pipeline.recognize.ink import has_ink, ink_map, ink_ratio, trim_to_ink
from pipeline.recognize.lexicon import Lexicon
from pipeline.recognize.omr import CheckboxReading, read_checkbox, read_choice_group
from pipeline.recognize.text import read_multiline, read_short_text

__all__ = [
    "CheckboxReading",
    "Lexicon",
    "OcrEngine",
    "RapidOcrEngine",
    "TextLine",
    "default_engine",
    "has_ink",
    "ink_map",
    "ink_ratio",
    "read_checkbox",
    "read_choice_group",
    "read_digits",
    "read_multiline",
    "read_short_text",
    "read_signature",
    "recognize_field",
    "recognize_page",
    "trim_to_ink",
]
