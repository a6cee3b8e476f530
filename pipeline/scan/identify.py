"""Page identity: which issued form page a scanned image is, which way up, or that it is blank.

The QR code is looked for where it prints (the top-right corner, or bottom-left on a page
scanned upside down; top-left / bottom-right on a landscape image) at native resolution,
then on the whole page, then on a denoised, binarised copy for noisy 1-bit scans. zxing's QR
detector finds symbols at any angle, so the whole-page passes also cover pages turned by 90°
or 270°; the page's rotation is read from the symbol's own orientation. Blank pages (empty
backs of duplex scans) are recognised by their ink before the costlier whole-page search; an
intentional padding page is blank by its BLANK payload.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import cv2
import numpy as np
import zxingcpp

from pipeline import defs
from pipeline.identity import PagePayload, decode_payload, is_valid_form_id
from pipeline.model.form import PageDef
from pipeline.scan.geometry import crop_mm

Point = tuple[float, float]
ReadText = Callable[[np.ndarray], tuple[str, float]]

_FOREIGN_SHOWN = 40  # characters of another product's QR text quoted in the reason
SEVERAL_FORMS = "一张图片里有 {count} 份表（表单编号 {ids}）：请每页单独拍照或扫描后重新交回"
OTHER_SHEET = "定位到的纸是表单 {found} 第 {found_page} 页，与识别出的 {form_id} 第 {page} 页不是同一张（一张图片里有两页？）：请每页单独拍照或扫描后重新交回"
_FOOTER_PAD = 1.0  # mm around the footer box handed to OCR
_QR_PAD = 3.0  # mm around the QR box cut from a registered page (the quiet zone and some slack)
_QR_ONLY = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)


@dataclass(frozen=True)
class PageIdentity:
    payload: PagePayload | None
    rotation: int  # 0, 90, 180 or 270: clockwise turn that makes the image upright
    blank: bool
    # The QR symbol's corners in page px: top-left, top-right, bottom-right, bottom-left of the
    # upright symbol (so they correspond to the layout's QR corners whatever the rotation).
    qr_points: tuple[Point, Point, Point, Point] | None
    reason: str = ""  # Chinese, why the page is not identified (empty when it is)
    several: tuple[str, ...] = ()  # the form ids of two or more sheets in one picture
    symbols: tuple[tuple[PagePayload, tuple[Point, ...]], ...] = ()  # every symbol of ours found, with its corners


@dataclass(frozen=True)
class _Found:
    text: str
    points: tuple[Point, Point, Point, Point]


def identify_page(page: np.ndarray, *, dpi: float, photo: bool = False) -> PageIdentity:
    """Identify one grayscale page image scanned at ``dpi``. A ``photo`` (or any picture that
    may hold two sheets) is searched whole even when a corner holds a symbol."""
    foreign: _Found | None = None
    blank_checked = False
    seen: list[tuple[PagePayload, _Found]] = []
    for stage, found in _qr_passes(page, dpi):
        if stage == "whole" and not blank_checked:
            blank_checked = True
            if is_blank(page):
                return PageIdentity(None, 0, True, None, "空白页（没有二维码，几乎没有墨迹）")
        for symbol in found:
            payload = decode_payload(symbol.text)
            if payload is not None:
                seen.append((payload, symbol))
            elif foreign is None:
                foreign = symbol
        if seen and not (photo and stage == "corner"):
            return _ours(seen)
    if foreign is not None:
        text = " ".join(foreign.text.split())  # quoted on one line, whatever the symbol holds
        shown = text[:_FOREIGN_SHOWN] + ("…" if len(text) > _FOREIGN_SHOWN else "")
        reason = f"页面上的二维码不是本系统打印的（内容“{shown}”）：这一页可能不是家访表单，或来自其他系统"
        return PageIdentity(None, rotation_of(foreign.points), False, foreign.points, reason)
    reason = "找不到可读的二维码（可能被污损、遮挡、裁掉或扫描太淡）：可用页脚表单编号识别，或人工指定"
    return PageIdentity(None, 0, False, None, reason)


def _ours(seen: list[tuple[PagePayload, _Found]]) -> PageIdentity:
    """The page our symbol names; none when symbols of two forms are on it (two sheets in one
    picture). Two pages of one form may be: the back's symbol shows through, mirrored."""
    forms = list(dict.fromkeys(p.form_id for p, _ in seen if not p.is_blank))
    symbols = tuple((p, s.points) for p, s in seen)
    if len(forms) > 1:
        reason = SEVERAL_FORMS.format(count=len(forms), ids="、".join(forms))
        return PageIdentity(None, 0, False, None, reason, several=tuple(forms), symbols=symbols)
    payload, symbol = seen[0]
    return PageIdentity(payload, rotation_of(symbol.points), payload.is_blank, symbol.points, symbols=symbols)


def registered_payload(registered: np.ndarray, form_page: PageDef) -> PagePayload | None:
    """What the QR code at its printed place on a registered page says (None when unreadable):
    the sheet registration found, whichever symbol identified the picture."""
    crop = np.ascontiguousarray(crop_mm(registered, form_page.qr_box, pad_mm=_QR_PAD))
    return next((p for s in _read_qr(crop, 0, 0, native=True) if (p := decode_payload(s.text)) is not None), None)


def _qr_passes(page: np.ndarray, dpi: float) -> Iterator[tuple[str, list[_Found]]]:
    """QR symbols found by each search pass in turn, cheapest first."""
    for top, left, region in _expected_corners(page, dpi):
        yield "corner", _read_qr(region, top, left, native=True)
    yield "whole", _read_qr(page, 0, 0, native=False)
    yield "denoised", _read_qr(_denoised(page, dpi), 0, 0, native=False)


def _expected_corners(page: np.ndarray, dpi: float) -> Iterator[tuple[int, int, np.ndarray]]:
    """(top, left, view) of the corner squares where the QR prints for each likely rotation."""
    rows, cols = page.shape
    side = min(round(defs.QR_SEARCH_SIZE * dpi / 25.4), rows, cols)
    if rows >= cols:  # portrait: upright (top-right) or upside down (bottom-left)
        corners = ((0, cols - side), (rows - side, 0))
    else:  # landscape: turned 90° (top-left) or 270° (bottom-right)
        corners = ((0, 0), (rows - side, cols - side))
    for top, left in corners:
        yield top, left, page[top : top + side, left : left + side]


def _read_qr(image: np.ndarray, top: int, left: int, *, native: bool) -> list[_Found]:
    if min(image.shape) < defs.QR_MIN_SEARCH_PX:  # zxing raises on an empty view
        return []
    results = zxingcpp.read_barcodes(
        np.ascontiguousarray(image), formats=_QR_ONLY, try_downscale=not native
    )
    found = []
    for result in results:
        p = result.position
        corners = (p.top_left, p.top_right, p.bottom_right, p.bottom_left)
        points = tuple((float(c.x + left), float(c.y + top)) for c in corners)
        found.append(_Found(result.text, points))  # type: ignore[arg-type]
    return found


def _denoised(page: np.ndarray, dpi: float) -> np.ndarray:
    """Speckle removed by a median filter, then Otsu-binarised: rescues noisy 1-bit scans."""
    kernel = max(3, round(defs.QR_DENOISE_KERNEL * dpi / 25.4) | 1)
    smooth = cv2.medianBlur(page, kernel)
    _, binary = cv2.threshold(smooth, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    return binary


def rotation_of(points: tuple[Point, ...]) -> int:
    """Clockwise turn (0/90/180/270) that brings a symbol's top edge to point right."""
    (x0, y0), (x1, y1) = points[0], points[1]
    angle = math.degrees(math.atan2(y1 - y0, x1 - x0))  # image y points down
    return round(-angle / 90) % 4 * 90


def ink_ratio(page: np.ndarray) -> float:
    """Fraction of the page that is ink, judged at one working size whatever the image's size or
    resolution. Dark areas touching the edge count, except thin bands along one edge (the
    scanner lid beside a sheet laid off-centre): a full-bleed photograph is not blank."""
    scale = defs.BLANK_WORK_SIDE / max(page.shape)
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    # Averaging down and a 3x3 median erase speckle, even a noisy 1-bit scan's.
    small = cv2.medianBlur(cv2.resize(page, None, fx=scale, fy=scale, interpolation=interpolation), 3)
    ink = (small < defs.BLANK_INK_LEVEL).astype(np.uint8)
    _, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    x, y, w, h, area = (stats[1:, i] for i in range(5))  # row 0 is the background
    rows, cols = ink.shape
    thin_x, thin_y = w <= cols * defs.BLANK_EDGE_BAND, h <= rows * defs.BLANK_EDGE_BAND
    side_band = thin_x & ((x == 0) | (x + w == cols))
    end_band = thin_y & ((y == 0) | (y + h == rows))
    return float(area.sum() - area[side_band | end_band].sum()) / ink.size


def is_blank(page: np.ndarray) -> bool:
    """Nearly white everywhere (see ink_ratio); whether a form page has ink in its fields is
    the scan reader's question, asked after registration."""
    return ink_ratio(page) < defs.BLANK_INK_RATIO


@dataclass(frozen=True)
class PrintedFooter:
    """What the footer "表单编号 R1234567X  第 1/2 页" of a registered page says."""

    form_id: str
    page: int | None
    pages: int | None
    confidence: float  # the OCR engine's own confidence in the footer line


def read_footer(registered: np.ndarray, form_page: PageDef, read_text: ReadText) -> PrintedFooter | None:
    """The printed footer read by ``read_text`` (an OCR line recognizer) from a registered page.

    None unless a valid form id (check symbol matching) is in the text.
    """
    crop = np.ascontiguousarray(crop_mm(registered, form_page.footer_box, pad_mm=_FOOTER_PAD))
    text, confidence = read_text(crop)
    text = unicodedata.normalize("NFKC", text)  # "1／2" and "1/2" alike
    form_id = form_id_in(text)
    if form_id is None:
        return None
    # The page reference follows the id, so the last "x/y" in the line is it.
    numbers = re.findall(r"(\d{1,2})\s*/\s*(\d{1,2})", text)
    page, pages = (int(numbers[-1][0]), int(numbers[-1][1])) if numbers else (None, None)
    return PrintedFooter(form_id, page, pages, confidence)


def printed_form_id(registered: np.ndarray, form_page: PageDef, read_text: ReadText) -> str | None:
    """Fallback identity for a page with a damaged QR: the form id printed in its footer."""
    footer = read_footer(registered, form_page, read_text)
    return footer.form_id if footer else None


# Crockford base32 reading of letters outside the id alphabet; the prefix letter is never a digit.
_BODY_CONFUSIONS = str.maketrans({"O": "0", "I": "1", "L": "1"})
_PREFIX_CONFUSIONS = str.maketrans({"0": "O"})


def form_id_in(text: str) -> str | None:
    """The first valid form id in OCR text, forgiving O/0 and I/L/1 only where the check symbol agrees."""
    tokens = re.findall(r"[0-9A-Za-z]+", text)
    for token in (*tokens, "".join(tokens)):
        token = token.upper()
        for start in range(len(token) - 8):
            window = token[start : start + 9]
            candidate = window[0].translate(_PREFIX_CONFUSIONS) + window[1:].translate(_BODY_CONFUSIONS)
            if is_valid_form_id(candidate):
                return candidate
    return None
