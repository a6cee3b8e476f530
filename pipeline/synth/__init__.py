"""Synthetic returns: our issued forms filled programmatically, as a teacher would fill them.

Used by tests, the demo and the benchmark to produce realistic returned files.
"""

from pipeline.synth.docx_fill import SIGNED_NAME, FillValue, fill_docx
from pipeline.synth.pdf_fill import fill_fillable_pdf, fill_print_pdf
from pipeline.synth.handwriting import HandwritingStyle
from pipeline.synth.returns import FillReport, HandMix, StackEvents, fill_returns
from pipeline.synth.scanner import ScannerModel, random_settings, scan

__all__ = [
    "SIGNED_NAME", "FillValue", "fill_docx", "fill_fillable_pdf", "fill_print_pdf",
    "HandwritingStyle", "FillReport", "HandMix", "StackEvents", "fill_returns", "ScannerModel", "random_settings", "scan",
]
