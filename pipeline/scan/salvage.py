"""A PDF cut short (a copy or download interrupted): its complete objects, made readable again.

A truncated file has lost its cross-reference table and trailer, which sit at the end, so
PDFium cannot open it. The objects that are whole ("N G obj … endobj") are found by scanning
the bytes, and a new cross-reference table and trailer pointing at the surviving catalog are
appended. Pages whose objects were cut off then fail to load, or load without any content,
and are reported as lost; the pages before the cut are read as usual.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from pipeline import defs

__all__ = ["cut_short", "has_eof", "salvaged_copy"]

_OBJECT = re.compile(rb"(\d{1,10})\s+(\d{1,5})\s+obj\b")
_CATALOG = re.compile(rb"/Type\s*/Catalog\b")
_END = b"endobj"


def has_eof(path: Path) -> bool:
    """Whether the file ends with the "%%EOF" marker a complete PDF has (in its last bytes)."""
    size = path.stat().st_size
    with path.open("rb") as fh:
        fh.seek(max(0, size - defs.PDF_EOF_WINDOW))
        return b"%%EOF" in fh.read()


def cut_short(path: Path) -> bool:
    """A PDF (by its header) without its end: the pages before the cut may still be read."""
    with path.open("rb") as fh:
        return fh.read(5) == b"%PDF-" and not has_eof(path)


def salvaged_copy(path: Path) -> Path | None:
    """A temporary PDF of the complete objects of ``path`` with a rebuilt cross-reference
    table (the caller deletes it); None when no document catalog survived the cut."""
    data = path.read_bytes()
    objects, root, end = _complete_objects(data)
    if root is None:
        return None
    body = data[:end] + b"\n"
    xref_at = len(body)
    size = max(objects) + 1
    entries = [b"0000000000 65535 f\r\n"] + [
        f"{objects[n][0]:010d} {objects[n][1]:05d} n\r\n".encode() if n in objects else b"0000000000 65535 f\r\n"
        for n in range(1, size)
    ]
    trailer = f"trailer\n<< /Size {size} /Root {root} 0 R >>\nstartxref\n{xref_at}\n%%EOF\n".encode()
    with tempfile.NamedTemporaryFile(prefix="jiafang-salvage-", suffix=".pdf", delete=False) as out:
        out.write(body + f"xref\n0 {size}\n".encode() + b"".join(entries) + trailer)
    return Path(out.name)


def _complete_objects(data: bytes) -> tuple[dict[int, tuple[int, int]], int | None, int]:
    """Offsets and generations of the whole objects, the catalog's number, and where the last
    whole object ends."""
    objects: dict[int, tuple[int, int]] = {}
    root: int | None = None
    pos = end = 0
    while (match := _OBJECT.search(data, pos)) is not None:
        stop = data.find(_END, match.end())
        if stop < 0:
            break  # the object the file was cut in
        number = int(match[1])
        objects[number] = (match.start(), int(match[2]))
        if root is None and _CATALOG.search(data, match.end(), stop):
            root = number
        pos = end = stop + len(_END)
    return objects, root, end
