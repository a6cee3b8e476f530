"""The progress callback every long batch accepts: ``progress(done, total, label)``."""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[int, int, str], None]
