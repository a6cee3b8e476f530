"""File names that come from outside (a browser's upload, a zip's members) made safe to write
under a folder of ours, and names kept free of what is already there."""

from __future__ import annotations

import re
from pathlib import Path

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def safe_parts(name: str) -> list[str]:
    """``name`` (maybe with folders, "/" or "\\") as path parts that stay inside a folder: no
    "..", no drive, no absolute path, no characters Windows forbids. Empty when nothing is left."""
    parts = [_UNSAFE.sub("_", p).strip(" .") for p in re.split(r"[\\/]+", name)]
    return [p for p in parts if p and p not in (".", "..")]


def free_name(target: Path) -> Path:
    """``target``, or ``name (2).ext``, ``name (3).ext`` … when a file of that name is there."""
    n, candidate = 1, target
    while candidate.exists():
        n += 1
        candidate = target.with_name(f"{target.stem} ({n}){target.suffix}")
    return candidate
