"""An OCR engine plugged in through JIAFANG_OCR_ENGINE whose loading never ends, as a worker
PC stuck loading its models would be."""

from __future__ import annotations

import time


def build() -> object:
    time.sleep(3600)
    return object()
