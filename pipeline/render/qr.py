"""The page-identity QR code: one version-3 symbol at level Q, drawn as vector modules.

Every page carries the same symbol size, so the layout reserves one square for it
(``pipeline.model.form.qr_side_mm``) and a reader knows the module size to expect.
"""

from __future__ import annotations

import io
from functools import lru_cache

import numpy as np
import segno
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from pipeline import defs
from pipeline.errors import RenderError
from pipeline.model.form import Box

QR_VERSION = 3  # the version qr_side_mm() reserves room for (29 modules)
QR_MIN_MODULE = 0.8  # mm; a 200-dpi copier scan still gives > 6 px per module
_SIZE = 17 + 4 * QR_VERSION


def qr_symbol(payload: str) -> segno.QRCode:
    """A version-3 QR symbol (never Micro QR) at level Q in alphanumeric mode."""
    try:
        return _make(payload, mask=best_mask(_make(payload, mask=0)))
    except (ValueError, segno.DataOverflowError) as exc:
        raise RenderError(
            f"二维码内容 {payload!r} 放不进 {QR_VERSION}-{defs.QR_ERROR.upper()} 版本的二维码"
            f"（只能用大写字母、数字和 $%*+-./: 空格，且不超过 47 个字符）：请缩短学校代码或批次号"
        ) from exc


def _make(payload: str, *, mask: int) -> segno.QRCode:
    return segno.make_qr(
        payload, error=defs.QR_ERROR, version=QR_VERSION, mode="alphanumeric", mask=mask, boost_error=False
    )


def best_mask(symbol: segno.QRCode) -> int:
    """The data mask with the lowest ISO/IEC 18004 penalty (N1..N4) for ``symbol``'s data.

    segno scores the eight masks in pure Python, which cost more than the rest of a page;
    here all eight candidates are derived from one encoded symbol and scored at once in numpy.
    Format information is left out of the evaluation, as segno does.
    """
    if symbol.version != QR_VERSION or symbol.mask is None:
        raise ValueError("best_mask expects a version-3 QR symbol")
    region, patterns = _mask_tables()
    matrix = np.array(symbol.matrix, dtype=np.int8)
    data = matrix ^ (region & patterns[symbol.mask])
    fixed = np.where(_format_area(), 0, matrix)
    candidates = np.where(region, data ^ patterns, fixed)
    return int(np.argmin(_penalties(candidates)))


@lru_cache(maxsize=1)
def _mask_tables() -> tuple[np.ndarray, np.ndarray]:
    """The encoding region of a version-3 symbol and the eight mask patterns (row i, col j)."""
    i, j = np.indices((_SIZE, _SIZE))
    conditions = (
        (i + j) % 2 == 0,
        i % 2 == 0,
        j % 3 == 0,
        (i + j) % 3 == 0,
        (i // 2 + j // 3) % 2 == 0,
        (i * j) % 2 + (i * j) % 3 == 0,
        ((i * j) % 2 + (i * j) % 3) % 2 == 0,
        ((i + j) % 2 + (i * j) % 3) % 2 == 0,
    )
    function = np.zeros((_SIZE, _SIZE), dtype=bool)
    for r, c in ((0, 0), (0, _SIZE - 8), (_SIZE - 8, 0)):
        function[r : r + 8, c : c + 8] = True  # finder pattern with its separator
    function[6, :] = function[:, 6] = True  # timing patterns
    function[20:25, 20:25] = True  # the one alignment pattern of version 3, centred at (22, 22)
    function |= _format_area()
    return ~function, np.array(conditions, dtype=np.int8)


@lru_cache(maxsize=1)
def _format_area() -> np.ndarray:
    area = np.zeros((_SIZE, _SIZE), dtype=bool)
    area[8, :9] = area[:9, 8] = True
    area[8, _SIZE - 8 :] = area[_SIZE - 8 :, 8] = True  # includes the dark module at (21, 8)
    return area


# 1:1:3:1:1 finder-like runs with four light modules before or after, as 11-bit numbers.
_N3_CODES = (0b00001011101, 0b10111010000)


def _penalties(candidates: np.ndarray) -> np.ndarray:
    """Penalty score of each of the stacked (n, size, size) matrices."""
    n = len(candidates)
    lines = np.concatenate([candidates, candidates.transpose(0, 2, 1)], axis=1)  # rows, then columns
    # N1: runs of five or more same-coloured modules; a sentinel module ends every line.
    flat = np.pad(lines, ((0, 0), (0, 0), (0, 1)), constant_values=2).ravel()
    starts = np.flatnonzero(np.diff(flat, prepend=-1))
    runs = np.diff(np.append(starts, flat.size))
    long = runs >= 5
    n1 = np.bincount(starts[long] // (flat.size // n), weights=runs[long] - 2, minlength=n)
    # N2: 2x2 blocks of one colour.
    c = candidates
    same = (c[:, :-1, :-1] == c[:, 1:, :-1]) & (c[:, :-1, :-1] == c[:, :-1, 1:]) & (c[:, :-1, :-1] == c[:, 1:, 1:])
    n2 = 3 * same.sum(axis=(1, 2))
    # N3: modules outside the symbol count as light.
    padded = np.pad(lines, ((0, 0), (0, 0), (4, 4))).astype(np.int16)
    width = padded.shape[2] - 10
    code: np.ndarray = sum(padded[:, :, t : t + width] << (10 - t) for t in range(11))  # type: ignore[assignment]  # sum() starts from int 0
    n3 = 40 * sum((code == c3).sum(axis=(1, 2)) for c3 in _N3_CODES)
    # N4: deviation of the dark proportion from 50 %, in 5 % steps.
    dark = candidates.sum(axis=(1, 2)) * 100 / (_SIZE * _SIZE)
    n4 = 10 * (np.abs(dark - 50) // 5)
    return n1 + n2 + n3 + n4


def qr_png(payload: str, *, module_px: int = 8) -> bytes:
    """The symbol with its quiet zone as a PNG (for Word documents and previews)."""
    buffer = io.BytesIO()
    qr_symbol(payload).save(buffer, kind="png", scale=module_px, border=defs.QR_BORDER_MODULES)
    return buffer.getvalue()


def draw_qr(canvas: Canvas, payload: str, box: Box, page_height_mm: float) -> None:
    """Draw the symbol plus its quiet zone so that together they fill ``box`` exactly."""
    rows = qr_symbol(payload).matrix
    count = len(rows) + 2 * defs.QR_BORDER_MODULES
    module = min(box.w, box.h) / count
    if module < QR_MIN_MODULE - 1e-9:
        raise RenderError(f"二维码区域 {box.w:.1f} mm 太小：每个模块只有 {module:.2f} mm（至少 0.8 mm）")
    left = box.x + defs.QR_BORDER_MODULES * module
    top = box.y + defs.QR_BORDER_MODULES * module
    path = canvas.beginPath()
    for r, row in enumerate(rows):
        y = page_height_mm - (top + (r + 1) * module)
        for start, length in _dark_runs(bytes(row)):
            path.rect((left + start * module) * mm, y * mm, length * module * mm, module * mm)
    canvas.saveState()
    canvas.setFillGray(0)
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()


@lru_cache(maxsize=4096)
def _dark_runs(row: bytes) -> tuple[tuple[int, int], ...]:
    """(start, length) of each horizontal run of dark modules; one rectangle per run."""
    runs = []
    start = None
    for i, dark in enumerate(row + b"\0"):
        if dark and start is None:
            start = i
        elif not dark and start is not None:
            runs.append((start, i - start))
            start = None
    return tuple(runs)
