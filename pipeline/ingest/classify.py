"""Sort the paths handed to ingest into files of a kind a reader takes, and tell a phone's
picture from a scanner's page."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from pipeline.scan.load import ScanPage

WORD_SUFFIXES = {".docx", ".docm", ".doc", ".dotx", ".wps"}
PDF_SUFFIXES = {".pdf"}
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".heic", ".heif", ".webp"}
PICTURE_FORMATS = ("JPEG", "PNG", "HEIF", "MPO", "BMP", "WEBP")  # one picture per file, as phones and chat apps save
_HEIF_BRANDS = (b"heic", b"heix", b"heim", b"heis", b"hevc", b"mif1", b"msf1")  # ISO-BMFF "ftyp" brands of HEIC/HEIF

_MAGIC = (
    (b"%PDF-", "pdf"),
    (b"PK\x03\x04", "word"),  # every OOXML file is a zip; the Word reader checks the rest
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "word"),  # OLE: legacy .doc or an encrypted .docx
    (b"\x89PNG\r\n\x1a\n", "image"),
    (b"\xff\xd8\xff", "image"),
    (b"II*\x00", "image"),
    (b"MM\x00*", "image"),
    (b"BM", "image"),
)


def collect(paths: Iterable[Path]) -> list[Path]:
    """Files under ``paths`` (folders recursively), skipping hidden and Office lock files."""
    found: list[Path] = []
    for path in paths:
        candidates = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        found += [p for p in candidates if not _ignored(p)]
    return list(dict.fromkeys(found))


def _ignored(path: Path) -> bool:
    # "~$name.docx" is the lock file Word leaves beside an open document.
    return path.name.startswith((".", "~$")) or path.name in ("manifest.json", "Thumbs.db")


def kind_of(path: Path, head: bytes) -> str:
    """``word``, ``pdf``, ``image`` or ``unknown``, from the file's first bytes, else its suffix."""
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return "image"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":  # as chat apps and browsers save pictures
        return "image"
    suffix = path.suffix.lower()
    if suffix in WORD_SUFFIXES:
        return "word"
    if suffix in PDF_SUFFIXES:
        return "pdf"
    if suffix in IMAGE_SUFFIXES:
        return "image"
    return "unknown"


def is_picture(path: Path, page: ScanPage) -> bool:
    """Whether a page is a picture taken or saved by a phone (a photo, a screenshot) rather than
    a scanner's page: the only picture of its file, and a photo by :attr:`ScanPage.photo`."""
    if page.index != 0 or page.image is None or not page.photo:
        return False
    try:
        with Image.open(path) as image:
            return image.format in PICTURE_FORMATS
    except Exception:  # Pillow raises many types on damaged files; the loader says why
        return False


def sharpness(image: np.ndarray) -> float:
    """Variance of the Laplacian: higher for a sharper picture with more pixels on fine detail;
    ranks two pictures of one form page (see scan_run._rank)."""
    return float(cv2.Laplacian(image, cv2.CV_32F).var())
