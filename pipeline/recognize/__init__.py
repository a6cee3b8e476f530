"""Recognition of field crops from registered pages: OMR for checkboxes and signatures, OCR
for digit combs, short text and multi-line boxes, checked against the roster as a lexicon."""

from pipeline.recognize.combs import comb_segments, digit_posteriors, read_digits
from pipeline.recognize.engine import OcrEngine, RapidOcrEngine, TextLine, default_engine
from pipeline.recognize.fields import read_signature, recognize_field, recognize_page
from pipeline.recognize.ink import has_ink, ink_map, ink_ratio
from pipeline.recognize.lexicon import Lexicon, Resolved, resolve
from pipeline.recognize.lines import LineReading, line_text, read_line, read_lines
from pipeline.recognize.omr import CheckboxReading, read_checkbox, read_choice_group
from pipeline.recognize.text import read_multiline, read_short_text

__all__ = [
    "CheckboxReading",
    "Lexicon",
    "LineReading",
    "OcrEngine",
    "RapidOcrEngine",
    "Resolved",
    "TextLine",
    "comb_segments",
    "default_engine",
    "digit_posteriors",
    "has_ink",
    "ink_map",
    "ink_ratio",
    "line_text",
    "read_checkbox",
    "read_choice_group",
    "read_digits",
    "read_line",
    "read_lines",
    "read_multiline",
    "read_short_text",
    "read_signature",
    "recognize_field",
    "recognize_page",
    "resolve",
]
