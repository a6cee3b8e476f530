"""Page readers for cluster tests, importable by `dask worker` processes started on this repo."""

from __future__ import annotations

import time

import numpy as np

from pipeline.ingest.scan_page import PageOutcome, ScanContext

SLOW_READ = 30.0  # s a page takes: long enough to stop the scheduler while it is being read


def slow_reader(image: np.ndarray, dpi: float | None, ctx: ScanContext) -> PageOutcome:
    time.sleep(SLOW_READ)
    return PageOutcome("blank")
