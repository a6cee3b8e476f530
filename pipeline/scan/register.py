"""Registration: the four ArUco markers → a homography from page pixels to template mm → a check.

Marker ids (0..3 clockwise from top-left) fix which printed corner each detected corner is, so
the fit maps any rotation (upright, 90°, 180°, 270°) straight onto the template without
turning the image first. With four markers all 16 corners fit a homography (RANSAC). With
three (a corner cut off by a skewed sheet, or covered), the 12 corners fit an affine map — a
flatbed scan has no perspective — and because three corner clusters cannot show perspective,
the printed field frames nearest the missing marker must then sit where the fit puts them.
A fit is usable only when its residual, print scale, shear, aspect and perspective are all
plausible — a page that fails is quarantined, never read with misplaced boxes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import cv2
import numpy as np
from PIL import Image

from pipeline import defs
from pipeline.model.form import Box, FormDef, PageDef
from pipeline.render.overlay import draw_layout_overlay
from pipeline.scan.geometry import registered_shape, sheet_size_mm

_NO_FIT = math.inf
_CORNERS_CUT = "页角可能被裁掉、遮挡或污损，请完整地重新扫描这一页"
# Our QR code found and not one of our markers: the Word form printed (its header has the QR code)
WORD_PRINTOUT = (
    "若这是用 Word 文件打印的表（Word 版没有四角的定位标记），无法按版面自动识读，请改用系统打印的 PDF 版表格，"
    "或交回填好的 Word 文件；若是 PDF 版的表，请完整地重新扫描或拍照（四个角都要在内）"
)


@dataclass(frozen=True, eq=False)
class Registration:
    # 3x3, page px → template mm; None when no fit was possible. Page px are continuous image
    # coordinates: pixel (row r, column c) covers [c, c+1] x [r, r+1], its centre is at c + 0.5.
    homography: np.ndarray | None
    markers_found: int
    residual_mm: float  # RMS reprojection error of the marker corners; inf without a fit
    ok: bool
    reason: str = ""  # Chinese, why the page cannot be used (empty when ok)
    marker_ids: tuple[int, ...] = ()
    px_per_mm: float = 0.0  # scan pixels per template mm at the page centre
    scale: float | None = None  # printed size / template size there; None when the dpi is unknown
    rotation: int = 0  # clockwise turn (0/90/180/270) the markers say makes the image upright


def register_page(
    page: np.ndarray, form_page: PageDef, *, dpi: float | None, rotation: int | None = None
) -> Registration:
    """Fit ``page`` (grayscale, scanned at ``dpi``) to ``form_page``'s template geometry.

    ``dpi`` None (unknown, e.g. a phone photo) skips the print-scale check; ``rotation`` (from
    the QR, when read) must agree with the markers' own orientation, and a page whose QR was
    read but none of whose markers is found is said to be, most likely, the Word form printed.
    """
    found = find_markers(page, dpi=dpi or _dpi_guess(page))
    expected = {m.id: corners_mm(m.box) for m in form_page.markers}
    ids = tuple(sorted(set(found) & set(expected)))
    if len(ids) < defs.MARKER_MIN_FOUND:
        found_text = f"只找到 {len(ids)} 个定位标记（至少需要 {defs.MARKER_MIN_FOUND} 个）"
        reason = _smaller_than_the_sheet(page, dpi, form_page) or (WORD_PRINTOUT if rotation is not None and not ids else _CORNERS_CUT)
        return Registration(None, len(ids), _NO_FIT, False, f"{found_text}：{reason}", ids)
    src = np.concatenate([found[i] for i in ids]).astype(np.float64)
    dst = np.concatenate([expected[i] for i in ids])
    homography = _fit(src, dst, perspective=len(ids) == len(expected))
    if homography is None:
        return Registration(None, len(ids), _NO_FIT, False, "定位标记的位置互相矛盾，无法配准：请重新扫描这一页", ids)
    residual = float(np.sqrt(np.mean(np.sum((_project(homography, src) - dst) ** 2, axis=1))))
    shape = shape_of(homography, form_page, dpi)
    reason = _problem(residual, shape, rotation)
    if not reason and len(ids) < len(expected):
        reason = _missing_corner_problem(page, homography, form_page, ids)
    return Registration(
        homography, len(ids), residual, not reason, reason, ids, shape.px_per_mm, shape.scale, shape.rotation
    )


def _fit(src: np.ndarray, dst: np.ndarray, *, perspective: bool) -> np.ndarray | None:
    if perspective:
        homography, _ = cv2.findHomography(src, dst, cv2.RANSAC, defs.MARKER_RANSAC)
        return homography
    affine, _ = cv2.estimateAffine2D(src, dst, method=cv2.RANSAC, ransacReprojThreshold=defs.MARKER_RANSAC)
    return None if affine is None else np.vstack([affine, [0.0, 0.0, 1.0]])


def _project(homography: np.ndarray, points: np.ndarray) -> np.ndarray:
    return cv2.perspectiveTransform(points.reshape(-1, 1, 2), homography).reshape(-1, 2)


@dataclass(frozen=True)
class _Shape:
    px_per_mm: float
    scale: float | None
    shear: float  # degrees
    anisotropy: float
    spread: float  # largest / smallest local scale over the markers - 1
    mirrored: bool
    rotation: int


def shape_of(homography: np.ndarray, form_page: PageDef, dpi: float | None) -> _Shape:
    """How the template is drawn on the scan: local scale, shear, aspect and perspective."""
    to_page = np.linalg.inv(homography)
    centres = [m.center for m in form_page.markers]
    centre = tuple(np.mean(centres, axis=0))
    jac = jacobian(to_page, centre)
    ax, ay = jac[:, 0], jac[:, 1]  # the template's x and y axes as drawn on the scan, px per mm
    det = float(np.linalg.det(jac))
    px_per_mm = math.sqrt(abs(det))
    cosine = float(ax @ ay) / (np.linalg.norm(ax) * np.linalg.norm(ay))
    local = [math.sqrt(abs(np.linalg.det(jacobian(to_page, c)))) for c in centres]
    angle = math.degrees(math.atan2(ax[1], ax[0]))
    return _Shape(
        px_per_mm=px_per_mm,
        scale=px_per_mm / (dpi / 25.4) if dpi else None,
        shear=abs(90.0 - math.degrees(math.acos(float(np.clip(cosine, -1.0, 1.0))))),
        anisotropy=abs(float(np.linalg.norm(ax) / np.linalg.norm(ay)) - 1),
        spread=max(local) / min(local) - 1,
        mirrored=det < 0,
        rotation=round(-angle / 90) % 4 * 90,
    )


def jacobian(g: np.ndarray, point: tuple[float, float]) -> np.ndarray:
    """Derivative of the projective map ``g`` at ``point``: columns are d/dx and d/dy."""
    x, y = point
    w = g[2, 0] * x + g[2, 1] * y + g[2, 2]
    u = (g[0, 0] * x + g[0, 1] * y + g[0, 2]) / w
    v = (g[1, 0] * x + g[1, 1] * y + g[1, 2]) / w
    rows = [[g[0, 0] - u * g[2, 0], g[0, 1] - u * g[2, 1]], [g[1, 0] - v * g[2, 0], g[1, 1] - v * g[2, 1]]]
    return np.array(rows) / w


def _problem(residual: float, shape: _Shape, rotation: int | None) -> str:
    """Why the fit must not be used, in Chinese; empty when it may."""
    low, high = defs.REGISTER_SCALE_RANGE
    rescan = "请把纸放平、按 100% 比例重新扫描这一页"
    if shape.mirrored:
        return "页面是镜像的（定位标记顺序颠倒）：请检查扫描设置"
    if residual > defs.REGISTER_MAX_RESIDUAL:
        return f"定位标记拟合误差 {residual:.2f} mm，超过 {defs.REGISTER_MAX_RESIDUAL} mm（纸张弯折或扫描变形）：{rescan}"
    if shape.spread > defs.REGISTER_MAX_SCALE_SPREAD:
        return f"透视变形过大（页面各处比例相差 {shape.spread:.0%}）：请平放扫描，或正对纸面拍照"
    if shape.scale is not None and not low <= shape.scale <= high:
        return f"页面比例 {shape.scale:.0%} 不在 {low:.0%}–{high:.0%} 之间（打印缩放或分辨率不对）：{rescan}"
    if shape.shear > defs.REGISTER_MAX_SHEAR:
        return f"页面剪切变形 {shape.shear:.1f}°，超过 {defs.REGISTER_MAX_SHEAR}°：{rescan}"
    if shape.anisotropy > defs.REGISTER_MAX_ANISOTROPY:
        return f"页面横竖比例相差 {shape.anisotropy:.1%}，超过 {defs.REGISTER_MAX_ANISOTROPY:.0%}：{rescan}"
    if rotation is not None and rotation != shape.rotation:
        return f"二维码方向（{rotation}°）与定位标记方向（{shape.rotation}°）不一致：这一页可能被拼接或贴改过"
    return ""


def _missing_corner_problem(page: np.ndarray, homography: np.ndarray, form_page: PageDef, ids: tuple[int, ...]) -> str:
    """Check a 3-marker (affine) fit where it is weakest: the frames near the missing marker.

    Three corner clusters cannot reveal perspective, which moves the fourth corner; the
    printed field frames there must sit where the fit puts them.
    """
    (missing,) = [m for m in form_page.markers if m.id not in ids]
    shift = _frame_shift(page, homography, form_page, near=_framed_corner(form_page, missing.center))
    if shift is None:
        return f"缺少第 {missing.id + 1} 个定位标记，附近也没有可核对的表格线：请完整地重新扫描这一页"
    if shift > defs.FRAME_CHECK_MAX_SHIFT:
        return (
            f"缺少第 {missing.id + 1} 个定位标记，且该角的表格线偏离 {shift:.1f} mm（页面有透视或变形）："
            "请把纸放平、完整地重新扫描这一页"
        )
    return ""


def _framed_corner(form_page: PageDef, point: tuple[float, float]) -> tuple[float, float]:
    """The centre of the check window nearest ``point`` that lies over the page's field frames.

    Fields are where misplaced boxes would matter, so the corner of the framed area nearest a
    missing marker is where a 3-marker fit is checked.
    """
    boxes = [f.box for f in form_page.fields]
    if not boxes:
        return point
    half = defs.FRAME_CHECK_WINDOW / 2
    x0, x1 = min(b.x for b in boxes) + half, max(b.right for b in boxes) - half
    y0, y1 = min(b.y for b in boxes) + half, max(b.bottom for b in boxes) - half
    return (min(max(point[0], x0), max(x0, x1)), min(max(point[1], y0), max(y0, y1)))


def _frame_shift(
    page: np.ndarray, homography: np.ndarray, form_page: PageDef, *, near: tuple[float, float]
) -> float | None:
    """How far (mm) the printed field frames in a window around ``near`` lie from where
    ``homography`` puts them; None when there are none there or they cannot be found.
    """
    k, search, half = defs.FRAME_CHECK_PX_PER_MM, defs.FRAME_CHECK_SEARCH, defs.FRAME_CHECK_WINDOW / 2
    left, top = near[0] - half - search, near[1] - half - search
    size = round((2 * half + 2 * search) * k)
    expected = np.zeros((size, size), np.float32)
    for f in form_page.fields:
        top_left = (round((f.box.x - left) * k), round((f.box.y - top) * k))
        bottom_right = (round((f.box.right - left) * k), round((f.box.bottom - top) * k))
        cv2.rectangle(expected, top_left, bottom_right, 1.0, 1)
    pad = round(search * k)
    template = cv2.GaussianBlur(expected, (0, 0), 1.0)[pad:-pad, pad:-pad]
    if template.max() == 0:
        return None
    mm_to_region = np.array([[k, 0, -left * k], [0, k, -top * k], [0, 0, 1.0]])
    to_region = _translation(-0.5) @ mm_to_region @ homography @ _translation(0.5)
    region = cv2.warpPerspective(page, to_region, (size, size), flags=cv2.INTER_LINEAR, borderValue=255)
    ink = cv2.GaussianBlur(255 - region.astype(np.float32), (0, 0), 1.0)
    scores = cv2.matchTemplate(ink, template, cv2.TM_CCOEFF_NORMED)
    _, best, _, (x, y) = cv2.minMaxLoc(scores)
    if best < defs.FRAME_CHECK_MIN_SCORE:
        return None
    return math.hypot(x - pad, y - pad) / k


def find_markers(page: np.ndarray, *, dpi: float) -> dict[int, np.ndarray]:
    """Detected markers by id: 4x2 corners in page px, clockwise from the marker's own top-left.

    The four image corners are searched first (where the markers print at any rotation), the
    whole page only when that misses one. Of two detections with one id, the one nearer an
    image corner is kept.
    """
    rows, cols = page.shape
    side = min(round(defs.MARKER_SEARCH_SIZE * dpi / 25.4), rows, cols)
    found: dict[int, np.ndarray] = {}
    for top, left in ((0, 0), (0, cols - side), (rows - side, cols - side), (rows - side, 0)):
        _merge(found, _detect(page[top : top + side, left : left + side], top, left), page.shape)
    if len(found) < 4:
        _merge(found, _detect(page, 0, 0), page.shape)
    return found


def _detect(image: np.ndarray, top: int, left: int) -> list[tuple[int, np.ndarray]]:
    if min(image.shape) < defs.QR_MIN_SEARCH_PX:  # OpenCV raises on an empty view
        return []
    corners, ids, _ = _detector().detectMarkers(np.ascontiguousarray(image))
    if ids is None:
        return []
    offset = np.array([left, top], dtype=np.float64) + 0.5  # OpenCV puts pixel centres at integers
    return [(int(i), quad.reshape(4, 2).astype(np.float64) + offset) for i, quad in zip(ids.ravel(), corners)]


def _merge(found: dict[int, np.ndarray], new: list[tuple[int, np.ndarray]], shape: tuple[int, ...]) -> None:
    centre = np.array([shape[1], shape[0]], dtype=np.float64) / 2
    for marker_id, quad in new:
        old = found.get(marker_id)
        if old is None or np.linalg.norm(quad.mean(0) - centre) > np.linalg.norm(old.mean(0) - centre) + 1:
            found[marker_id] = quad


@cache
def _detector() -> cv2.aruco.ArucoDetector:
    params = cv2.aruco.DetectorParameters()
    # Sub-pixel corners: 1-bit scans have stair-stepped edges and the fit needs ~0.1 mm.
    params.cornerRefinementMethod = cv2.aruco.CORNER_REFINE_SUBPIX
    params.perspectiveRemoveIgnoredMarginPerCell = defs.MARKER_CELL_MARGIN
    params.adaptiveThreshConstant = defs.MARKER_THRESHOLD_CONSTANT
    dictionary = cv2.aruco.getPredefinedDictionary(getattr(cv2.aruco, defs.MARKER_DICTIONARY))
    return cv2.aruco.ArucoDetector(dictionary, params)


def corners_mm(box: Box) -> np.ndarray:
    return np.array([[box.x, box.y], [box.right, box.y], [box.right, box.bottom], [box.x, box.bottom]])


def _smaller_than_the_sheet(page: np.ndarray, dpi: float | None, form_page: PageDef) -> str:
    """Why a flat scan lacks markers when it is smaller than the sheet: the scanner's paper size
    (Letter, a US default, cuts 18 mm off an A4 page's foot); "" when it is not smaller."""
    if dpi is None:
        return ""
    short, long = (side / dpi * 25.4 for side in sorted(page.shape[:2]))
    sheet_short, sheet_long = sorted(sheet_size_mm(form_page))
    if short >= sheet_short - defs.SCAN_SIZE_SLACK and long >= sheet_long - defs.SCAN_SIZE_SLACK:
        return ""
    return (
        f"扫描区域只有 {short:.0f}×{long:.0f} mm，比表格的纸（{sheet_short:.0f}×{sheet_long:.0f} mm）小，页面有一部分没有扫进来"
        "（扫描纸张尺寸可能设成了 Letter 或 B5）：请把扫描尺寸设为 A4 后重新扫描这一页"
    )


def _dpi_guess(page: np.ndarray) -> float:
    return min(page.shape[:2]) * 25.4 / defs.SCAN_PAGE_SHORT_SIDE


def warp_to_template(page: np.ndarray, registration: Registration, page_size_mm: tuple[float, float]) -> np.ndarray:
    """The page resampled into template space at REGISTERED_PX_PER_MM, white outside the scan."""
    if registration.homography is None:
        raise ValueError("warp_to_template needs a registration with a homography")
    px = defs.REGISTERED_PX_PER_MM
    source = page
    to_page = np.eye(3)  # source pixel indices → page px
    ratio = registration.px_per_mm / px
    if ratio > defs.SCAN_DOWNSCALE_ABOVE:
        # warpPerspective samples without averaging; area-average a fine scan first so thin
        # lines and 1-bit dithering turn into grey instead of aliasing away.
        source = cv2.resize(page, None, fx=1 / ratio, fy=1 / ratio, interpolation=cv2.INTER_AREA)
        to_page = np.diag([page.shape[1] / source.shape[1], page.shape[0] / source.shape[0], 1.0])
    # Both images index pixels by their centres (OpenCV), the fit works on continuous coordinates.
    centre_in, centre_out = _translation(0.5), _translation(-0.5)
    to_registered = centre_out @ np.diag([px, px, 1.0]) @ registration.homography @ to_page @ centre_in
    rows, cols = registered_shape(page_size_mm)
    return cv2.warpPerspective(
        source, to_registered, (cols, rows), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=255
    )


def _translation(d: float) -> np.ndarray:
    return np.array([[1.0, 0.0, d], [0.0, 1.0, d], [0.0, 0.0, 1.0]])


def overlay_registered(registered: np.ndarray, form_page: PageDef) -> Image.Image:
    """Debug view: the layout's boxes of ``form_page`` drawn over a registered page."""
    rows, cols = registered.shape[:2]
    size = (cols / defs.REGISTERED_PX_PER_MM, rows / defs.REGISTERED_PX_PER_MM)
    # draw_layout_overlay takes a form and page number; a one-page form carries this page.
    single = FormDef(id="", title="", version=0, page_size=size, pages=(form_page,))
    return draw_layout_overlay(Image.fromarray(registered), single, 1, dpi=defs.REGISTERED_PX_PER_MM * 25.4)
