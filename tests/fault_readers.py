"""Page readers for fault injection: the real reader, except on pages of one marked width,
where the worker raises, dies or hangs. Passed to ``ingest(page_reader=...)``; top-level
functions, so the spawned worker processes can import them."""

from __future__ import annotations

import os
import time

import numpy as np

from pipeline.ingest.scan_page import PageOutcome, ScanContext, read_page

RAISES_WIDTH = 601  # px: a page this wide makes the reader raise
CRASHES_WIDTH = 602  # px: ... kills the worker process
HANGS_WIDTH = 603  # px: ... never returns


def faulty_reader(image: np.ndarray, dpi: float, ctx: ScanContext) -> PageOutcome:
    width = image.shape[1]
    if width == RAISES_WIDTH:
        raise RuntimeError("injected reader fault")
    if width == CRASHES_WIDTH:
        os._exit(3)  # as a native library's segfault would end it
    if width == HANGS_WIDTH:
        time.sleep(3600)
    return read_page(image, dpi, ctx)
