"""Synthetic returns: our issued forms filled programmatically, as a teacher would fill them.

Used by tests, the demo and the benchmark to produce realistic returned files.
"""

from pipeline.synth.docx_fill import SIGNED_NAME, FillValue, fill_docx

__all__ = ["SIGNED_NAME", "FillValue", "fill_docx"]
