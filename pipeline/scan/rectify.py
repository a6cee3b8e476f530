"""Phone photos → the page in template space: markers (or the sheet's edges), a homography, and a
smooth local refinement where the sheet is curved.

A photo has no print scale: the sheet is wherever the phone put it, seen at an angle. Its four
ArUco markers give a homography from photo pixels to the form's millimetres; where a finger or
the frame hides one marker, the sheet's four edges (traced as straight lines, so a finger over a
corner does not move them) give the missing corner. What is checked is what the reader will
get: the resolution left at the page's worst corner in its worst direction, the focus, glare,
and how far the printed field frames lie from where the homography puts them. A curved or
creased sheet bends those frames; they are matched window by window and a thin-plate spline
through the offsets warps the page straight. The residual before and after is reported; only a
page that still fails is quarantined, with one sentence on how to retake it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from pipeline import defs
from pipeline.model.form import BOXED_LABEL_KINDS, PageDef
from pipeline.scan import photo_quality as quality
from pipeline.scan.geometry import mm_to_px, sheet_size_mm
from pipeline.scan.illumination import flatten_light, glare_mask, sharpen
from pipeline.scan.register import WORD_PRINTOUT, Registration, corners_mm, find_markers, jacobian, shape_of, warp_to_template

_NO_FIT = math.inf
_RANSAC_TRIES = 300  # random point pairs tried per sheet edge
_LEAST_SHEET = 0.01  # share of the frame a bright region must cover to be taken for the sheet
_EDGE_INLIER_PX = 1.5  # px of the work image: an outline point this near a line lies on it


@dataclass(frozen=True, eq=False)
class RectifiedPhoto:
    registration: Registration  # homography photo px → mm; px_per_mm is the worst usable resolution
    registered: np.ndarray | None  # the page in template space, refined, light flattened, sharpened; None unless ok
    glare: np.ndarray | None  # bool, template space: saturated areas of the photo
    residual_before_mm: float  # RMS offset of the printed frames under the homography alone
    residual_after_mm: float  # ... after the local refinement (the same when none was needed)
    refined: bool = False  # a thin-plate spline was applied

    @property
    def ok(self) -> bool:
        return self.registration.ok


@dataclass(frozen=True)
class FrameOffsets:
    """Where the printed frames lie, window by window, against where they belong. An axis a
    window's frames do not fix (lines running one way only) is NaN there."""

    points: np.ndarray  # (n, 2) mm, window centres whose frames were found
    offsets: np.ndarray  # (n, 2) mm, x and y: where the frames are minus where they should be

    @property
    def enough(self) -> bool:
        """Whether both axes are fixed in enough windows to say where the page lies."""
        return bool(len(self.offsets)) and int(np.isfinite(self.offsets).sum(axis=0).min()) >= defs.PHOTO_FRAME_MIN_WINDOWS

    @property
    def rms(self) -> float:
        return float(np.sqrt(np.mean(self._lengths() ** 2))) if len(self.offsets) else 0.0

    @property
    def largest(self) -> float:
        return float(np.max(self._lengths())) if len(self.offsets) else 0.0

    def _lengths(self) -> np.ndarray:
        return np.linalg.norm(np.nan_to_num(self.offsets), axis=1)

    def without_mismatches(self) -> FrameOffsets:
        """These offsets less each axis of a window that lies over PHOTO_TPS_OUTLIER from the
        median of its neighbours' (windows up to one diagonal step away, at least two fixing
        that axis). The page is a smooth remap of a sheet, so a lone jump is a frame matched
        to the wrong stroke (a handwritten 1 beside a comb cell's edge), not the paper."""
        offsets = self.offsets.copy()
        reach = defs.PHOTO_FRAME_STEP * 1.5
        for i, point in enumerate(self.points):
            near = (np.linalg.norm(self.points - point, axis=1) <= reach) & (np.arange(len(self.points)) != i)
            for axis in (0, 1):
                around = self.offsets[near, axis]
                around = around[np.isfinite(around)]
                if len(around) >= 2 and abs(self.offsets[i, axis] - np.median(around)) > defs.PHOTO_TPS_OUTLIER:
                    offsets[i, axis] = math.nan
        kept = np.isfinite(offsets).any(axis=1)
        return FrameOffsets(self.points[kept], offsets[kept])


def rectify_photo(
    photo: np.ndarray, form_page: PageDef, page_size: tuple[float, float], *, rotation: int | None = None
) -> RectifiedPhoto:
    """Map a grey phone photo of ``form_page`` onto the template and check it can be read."""
    fit = _fit_page(photo, form_page, qr_read=rotation is not None)
    if isinstance(fit, Registration):
        return _refused(fit)
    homography, ids = fit
    found = len(ids)
    shape = shape_of(homography, form_page, None)
    usable = worst_px_per_mm(homography, page_size)

    def refuse(problem: str, advice: str) -> RectifiedPhoto:
        reason = quality.photo_reason(problem, advice)
        return _refused(Registration(homography, found, _NO_FIT, False, reason, ids, usable, None, shape.rotation))

    if shape.mirrored:
        return refuse("页面是镜像的", quality.RETAKE_MIRROR)
    if rotation is not None and rotation != shape.rotation:
        return refuse(f"二维码方向 {rotation}° 与定位标记方向 {shape.rotation}° 不一致", quality.RETAKE_CORNER)
    if usable < defs.PHOTO_MIN_PX_PER_MM:
        return refuse(*quality.retake(photo, f"纸在照片中太小，最远处每毫米只有 {usable:.1f} 像素，至少需要 {defs.PHOTO_MIN_PX_PER_MM:.1f}", quality.RETAKE_SMALL))
    plain = Registration(homography, found, 0.0, True, "", ids, usable, None, shape.rotation)
    raw = warp_to_template(photo, plain, page_size)
    page, glare = flatten_light(raw), glare_mask(raw)
    sharp = quality.sharpness(page, form_page)
    if sharp < defs.PHOTO_MIN_SHARPNESS:
        return refuse(*quality.retake(photo, f"照片模糊，清晰度 {sharp:.0f}，低于 {defs.PHOTO_MIN_SHARPNESS:.0f}", quality.RETAKE_BLUR))
    covered = glared_fields(glare, form_page)
    fillable = [f for f in form_page.fields if f.fillable]
    if fillable and len(covered) > defs.GLARE_MAX_FIELDS * len(fillable):
        return refuse(f"反光遮住了 {len(covered)} 个填写栏", quality.RETAKE_GLARE)
    before = frame_offsets(page, form_page)
    if not before.enough:
        return refuse("表格线辨认不出，无法核对纸面是否平整", quality.RETAKE_FLAT)
    after, refined = before, False
    if before.largest > defs.PHOTO_REFINE_ABOVE:
        page, glare, after = _refine(page, glare, form_page, before)
        refined = True
    after = after.without_mismatches()
    if not after.enough or after.rms > defs.PHOTO_MAX_RESIDUAL or after.largest > defs.PHOTO_MAX_OFFSET:
        problem = f"纸张弯曲，表格线校正后仍偏离 {after.rms:.2f} mm（最大 {after.largest:.1f} mm）"
        return refuse(problem, quality.RETAKE_FLAT)
    registration = Registration(homography, found, after.rms, True, "", ids, usable, None, shape.rotation)
    page = sharpen(page) if usable >= defs.PHOTO_SHARPEN_MIN_PX_PER_MM else page
    return RectifiedPhoto(registration, page, glare, before.rms, after.rms, refined)


def _refused(registration: Registration) -> RectifiedPhoto:
    return RectifiedPhoto(registration, None, None, registration.residual_mm, registration.residual_mm)


# --- the page's corners: markers, else the sheet's edges -----------------------------------


def _fit_page(photo: np.ndarray, form_page: PageDef, *, qr_read: bool) -> tuple[np.ndarray, tuple[int, ...]] | Registration:
    """(homography photo px → mm, marker ids used), or a refused Registration saying why not."""
    found = find_markers(photo, dpi=min(photo.shape) * 25.4 / defs.SCAN_PAGE_SHORT_SIDE)
    expected = {m.id: corners_mm(m.box) for m in form_page.markers}
    ids = tuple(sorted(set(found) & set(expected)))
    src = [found[i] for i in ids]
    dst = [expected[i] for i in ids]
    if len(ids) < len(expected):
        if len(ids) < defs.MARKER_MIN_FOUND:
            return _no_fit(photo, ids, qr_read)
        missing = [m.id for m in form_page.markers if m.id not in ids]  # ids 0..3 are the corners TL, TR, BR, BL
        sheet = _sheet_corners(photo, _affine(np.concatenate(src), np.concatenate(dst)), form_page)
        if sheet is None or not all(_inside(photo, sheet[i]) for i in missing):
            where = "、".join(str(i + 1) for i in missing)
            reason = quality.photo_reason(f"第 {where} 个角的定位方块被遮住或没拍进去，纸角也不在照片里", quality.RETAKE_CORNER)
            return Registration(None, len(ids), _NO_FIT, False, reason, ids)
        src.append(sheet[missing])
        dst.append(_page_corners_mm(form_page)[missing])
    homography, _ = cv2.findHomography(np.concatenate(src), np.concatenate(dst), cv2.RANSAC, defs.MARKER_RANSAC * 2)
    if homography is None:
        reason = quality.photo_reason("定位方块的位置互相矛盾", quality.RETAKE_CORNER)
        return Registration(None, len(ids), _NO_FIT, False, reason, ids)
    return homography, ids


def _no_fit(photo: np.ndarray, ids: tuple[int, ...], qr_read: bool) -> Registration:
    """Fewer than three markers: out of focus, the back of the sheet, the Word form printed
    (our QR code read, no marker), or corners cut off."""
    if quality.is_blurred(photo):
        reason = quality.photo_reason(*quality.retake(photo, "照片模糊，定位方块无法辨认", quality.RETAKE_BLUR))
    elif _sheet_px_per_mm(photo) < defs.PHOTO_MIN_PX_PER_MM:
        reason = quality.photo_reason(*quality.retake(photo, "纸在照片中太小，定位方块无法辨认", quality.RETAKE_SMALL))
    elif not ids and qr_read:
        reason = quality.photo_reason("照片里有本系统的二维码，却找不到四角的定位方块", WORD_PRINTOUT)
    elif not ids:
        reason = quality.photo_reason("照片里找不到表格正面的四角方块，可能拍的是背面或别的纸", quality.RETAKE_SIDE)
    else:
        reason = quality.photo_reason(f"只拍到 {len(ids)} 个角的定位方块", quality.RETAKE_CORNER)
    return Registration(None, len(ids), _NO_FIT, False, reason, ids)


def _affine(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """A rough mm → photo px map from three markers' corners (3x3)."""
    affine, _ = cv2.estimateAffine2D(dst.astype(np.float64), src.astype(np.float64))
    return np.vstack([affine, [0.0, 0.0, 1.0]])


def _page_corners_mm(form_page: PageDef) -> np.ndarray:
    """The paper's corners in mm (TL, TR, BR, BL)."""
    right, bottom = sheet_size_mm(form_page)
    return np.array([[0.0, 0.0], [right, 0.0], [right, bottom], [0.0, bottom]])


def _sheet_corners(photo: np.ndarray, mm_to_photo: np.ndarray, form_page: PageDef) -> np.ndarray | None:
    """The sheet's corners in photo px, in the order of :func:`_page_corners_mm` (where its edges
    meet, so also where that is outside the frame); None when the sheet cannot be traced."""
    scale = defs.PHOTO_SHEET_WORK_SIDE / max(photo.shape)
    small = cv2.resize(photo, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    outline = _sheet_outline(small)
    if outline is None:
        return None
    quad = _quad(outline)
    if quad is None:
        return None
    lines = [_edge_line(outline, quad[i], quad[(i + 1) % 4]) for i in range(4)]
    corners = np.array([_cross(lines[i - 1], lines[i]) for i in range(4)])
    if not np.isfinite(corners).all():
        return None
    corners = (corners + 0.5) / scale  # pixel indices of the small image → continuous photo px
    predicted = cv2.perspectiveTransform(_page_corners_mm(form_page)[None], mm_to_photo)[0]
    order = [int(np.argmin(np.linalg.norm(corners - p, axis=1))) for p in predicted]
    return corners[order] if len(set(order)) == 4 else None


def shows_blank_sheet(photo: np.ndarray, page_size: tuple[float, float]) -> bool:
    """Whether a photo without markers shows a sheet with nothing on it (a form's back), not
    another paper or a screenshot: a bright region that fills the quadrilateral of its four
    edges, mapped to ``page_size`` and its light flattened, with no ink inside its border."""
    from pipeline.recognize.ink import binarize

    scale = defs.PHOTO_SHEET_WORK_SIDE / max(photo.shape)
    outline = _sheet_outline(cv2.resize(photo, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA))
    quad = _quad(outline) if outline is not None else None
    if quad is None or outline is None:
        return False
    filled = cv2.contourArea(outline.astype(np.float32)) / max(cv2.contourArea(quad.astype(np.float32)), 1.0)
    if abs(filled - 1) > defs.BLANK_SHEET_QUAD_FIT:
        return False  # no sheet's four straight edges: a picture's bright patch
    k = defs.REGISTERED_PX_PER_MM
    size = (round(page_size[0] * k), round(page_size[1] * k))
    target = np.array([[0, 0], [size[0], 0], [size[0], size[1]], [0, size[1]]], np.float32)
    to_page = cv2.getPerspectiveTransform(((quad + 0.5) / scale).astype(np.float32), target)
    sheet = flatten_light(cv2.warpPerspective(photo, to_page, size, flags=cv2.INTER_AREA, borderValue=255))
    border = mm_to_px(defs.BLANK_SHEET_BORDER)
    # ink against the sheet's own paper (a photo's small print is blurred lighter than a scan's)
    return float(binarize(sheet[border:-border, border:-border]).mean()) < defs.BLANK_INK_RATIO


def _sheet_px_per_mm(photo: np.ndarray) -> float:
    """Photo px per mm of an A4 sheet as big as the paper in the photo (inf when none is found:
    then size is not what is wrong)."""
    scale = defs.PHOTO_SHEET_WORK_SIDE / max(photo.shape)
    outline = _sheet_outline(cv2.resize(photo, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA))
    if outline is None:
        return math.inf
    area = cv2.contourArea(outline.astype(np.float32)) / scale**2
    return math.sqrt(area / (defs.SCAN_PAGE_SHORT_SIDE * defs.SCAN_PAGE_SHORT_SIDE * math.sqrt(2)))


def _inside(photo: np.ndarray, point: np.ndarray) -> bool:
    """Whether ``point`` lies in the frame, clear of its edge (else that corner is cut off)."""
    rows, cols = photo.shape[:2]
    margin = defs.PHOTO_SHEET_CORNER_MARGIN * max(rows, cols)
    return bool(margin < point[0] < cols - margin and margin < point[1] < rows - margin)


def _sheet_outline(small: np.ndarray) -> np.ndarray | None:
    """The outline (k, 2) of the largest bright region: the paper on a darker desk."""
    blurred = cv2.GaussianBlur(small, (0, 0), 2)
    _, paper = cv2.threshold(blurred, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    paper = cv2.morphologyEx(paper, cv2.MORPH_CLOSE, np.ones((9, 9), np.uint8))
    contours, _ = cv2.findContours(paper, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    if not contours:
        return None
    largest = max(contours, key=cv2.contourArea)
    if cv2.contourArea(largest) < _LEAST_SHEET * small.size:
        return None
    return largest.reshape(-1, 2).astype(np.float64)


def _quad(outline: np.ndarray) -> np.ndarray | None:
    """Four corners of the outline's convex hull, clockwise from the top-left-most."""
    hull = cv2.convexHull(outline.astype(np.float32))
    perimeter = cv2.arcLength(hull, True)
    for share in (0.02, 0.03, 0.05, 0.08):
        quad = cv2.approxPolyDP(hull, share * perimeter, True).reshape(-1, 2)
        if len(quad) == 4:
            return quad.astype(np.float64)
    return None


def _edge_line(outline: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The line (a, b, c with ax + by + c = 0) of the sheet's edge along side a→b: the longest
    straight run of outline points near that side (RANSAC), so a finger over a corner, which
    also moves the hull's corner, bends only points that are then left out."""
    side = b - a
    length = float(np.linalg.norm(side))
    along = (outline - a) @ side / length**2
    normal = np.array([-side[1], side[0]]) / length
    points = outline[(along > -0.05) & (along < 1.05) & (np.abs((outline - a) @ normal) < 0.1 * length)]
    if len(points) < 2:
        points = np.array([a, b])
    rng = np.random.default_rng(0)  # the same photo always gives the same corners
    best, best_count = np.array([normal[0], normal[1], -float(normal @ a)]), -1
    for i, j in rng.integers(0, len(points), size=(_RANSAC_TRIES, 2)):
        direction = points[j] - points[i]
        norm = float(np.linalg.norm(direction))
        if norm < 0.2 * length:
            continue
        line = np.array([direction[1], -direction[0], 0.0]) / norm
        line[2] = -float(line[:2] @ points[i])
        count = int((np.abs(points @ line[:2] + line[2]) < _EDGE_INLIER_PX).sum())
        if count > best_count:
            best, best_count = line, count
    inliers = points[np.abs(points @ best[:2] + best[2]) < _EDGE_INLIER_PX]
    if len(inliers) < 2:
        return best
    vx, vy, x0, y0 = cv2.fitLine(inliers.astype(np.float32), cv2.DIST_L2, 0, 0.01, 0.01).ravel()
    return np.array([vy, -vx, vx * y0 - vy * x0], dtype=np.float64)


def _cross(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    x, y, w = np.cross(p, q)
    return np.array([x / w, y / w]) if abs(w) > 1e-9 else np.array([np.nan, np.nan])


def worst_px_per_mm(homography: np.ndarray, page_size: tuple[float, float]) -> float:
    """Photo px per mm of the page in its worst direction at its worst corner."""
    to_photo = np.linalg.inv(homography)
    width, height = page_size
    corners = [(0.0, 0.0), (width, 0.0), (width, height), (0.0, height)]
    return min(float(np.linalg.svd(jacobian(to_photo, c), compute_uv=False)[-1]) for c in corners)


# --- the printed frames: offsets, and a thin-plate spline through them ---------------------


def glared_fields(glare: np.ndarray, form_page: PageDef) -> list[str]:
    """Ids of the fillable fields whose boxes lie under glare by GLARE_BOX_SHARE or more."""
    out = []
    for f in form_page.fields:
        if not f.fillable:
            continue
        boxes = [o.box for o in f.options] or list(f.cells) or [f.value_box]
        covered = total = 0
        for box in boxes:
            window = glare[mm_to_px(box.y) : mm_to_px(box.bottom), mm_to_px(box.x) : mm_to_px(box.right)]
            covered, total = covered + int(window.sum()), total + window.size
        if total and covered / total >= defs.GLARE_BOX_SHARE:
            out.append(f.id)
    return out


def frame_offsets(page: np.ndarray, form_page: PageDef) -> FrameOffsets:
    """How far the printed frames in each window of a grid lie from where they belong, on a
    registered page. Each axis counts only where the match is sharp along it (long rows of
    table lines fix y, not x); windows whose frames are not found at all are left out."""
    expected = _frame_drawing(form_page, page.shape)
    ink = cv2.GaussianBlur(255 - page.astype(np.float32), (0, 0), 1.0)
    half, pad, k = mm_to_px(defs.PHOTO_FRAME_WINDOW / 2), mm_to_px(defs.PHOTO_FRAME_SEARCH), defs.REGISTERED_PX_PER_MM
    points, offsets = [], []
    for cx, cy in _window_centres(form_page):
        x, y = mm_to_px(cx), mm_to_px(cy)
        if x - half - pad < 0 or y - half - pad < 0 or x + half + pad > page.shape[1] or y + half + pad > page.shape[0]:
            continue
        template = expected[y - half : y + half, x - half : x + half]
        if template.max() == 0:
            continue
        region = ink[y - half - pad : y + half + pad, x - half - pad : x + half + pad]
        scores = cv2.matchTemplate(region, template, cv2.TM_CCOEFF_NORMED)
        _, best, _, (bx, by) = cv2.minMaxLoc(scores)
        if best < defs.PHOTO_FRAME_MIN_SCORE:
            continue
        fixed_x, fixed_y = _sharp(scores[by, :], bx), _sharp(scores[:, bx], by)
        if fixed_x or fixed_y:
            points.append((cx, cy))
            offsets.append(((bx - pad) / k if fixed_x else math.nan, (by - pad) / k if fixed_y else math.nan))
    return FrameOffsets(np.array(points, dtype=np.float64).reshape(-1, 2), np.array(offsets, dtype=np.float64).reshape(-1, 2))


def _sharp(profile: np.ndarray, at: int) -> bool:
    """Whether a score profile peaks clearly and only at ``at``: inside the searched range (a
    peak on its edge may lie beyond it) and PHOTO_FRAME_PEAK_DROP lower everywhere 1 mm or more
    away. A line running along this axis gives a flat profile; rows of boxes and comb cells can
    match nearly as well one box over, and a blurred, bent photo may tip the balance to the
    wrong one (a bench photo matched 3 mm off where the right match scored 0.01-0.03 less)."""
    step = mm_to_px(1.0)
    if not step <= at < len(profile) - step:
        return False
    away = np.concatenate([profile[: at - step + 1], profile[at + step :]])
    return bool(profile[at] - away.max() >= defs.PHOTO_FRAME_PEAK_DROP)


def _frame_drawing(form_page: PageDef, shape: tuple[int, ...]) -> np.ndarray:
    """The page's printed lines as the renderer draws them (pipeline/render/pdf.py): field
    frames, the label column's rule, option boxes, comb cells and the guide lines of writing
    boxes — every printed line, so none in the photo is matched to the wrong one."""
    drawing = np.zeros(shape[:2], np.float32)

    def line(x0: float, y0: float, x1: float, y1: float) -> None:
        cv2.line(drawing, (mm_to_px(x0), mm_to_px(y0)), (mm_to_px(x1), mm_to_px(y1)), 1.0, 1)

    for f in form_page.fields:
        for box in (f.box, *(o.box for o in f.options), *f.cells):
            cv2.rectangle(drawing, (mm_to_px(box.x), mm_to_px(box.y)), (mm_to_px(box.right), mm_to_px(box.bottom)), 1.0, 1)
        if f.kind not in BOXED_LABEL_KINDS:
            line(f.label_box.right, f.box.y, f.label_box.right, f.box.bottom)
        for band in f.lines:
            line(band.x + defs.PADDING, band.bottom, band.right - defs.PADDING, band.bottom)
    return cv2.GaussianBlur(drawing, (0, 0), 1.0)


def _window_centres(form_page: PageDef) -> list[tuple[float, float]]:
    """Centres of a grid of windows lying inside the framed area and covering it."""
    boxes = [f.box for f in form_page.fields]
    if not boxes:
        return []
    half = defs.PHOTO_FRAME_WINDOW / 2
    left, right = min(b.x for b in boxes) + half, max(b.right for b in boxes) - half
    top, bottom = min(b.y for b in boxes) + half, max(b.bottom for b in boxes) - half
    xs = np.linspace(left, right, max(2, math.ceil((right - left) / defs.PHOTO_FRAME_STEP) + 1))
    ys = np.linspace(top, bottom, max(2, math.ceil((bottom - top) / defs.PHOTO_FRAME_STEP) + 1))
    return [(float(x), float(y)) for y in ys for x in xs]


def _refine(
    page: np.ndarray, glare: np.ndarray, form_page: PageDef, offsets: FrameOffsets
) -> tuple[np.ndarray, np.ndarray, FrameOffsets]:
    """The page (and its glare mask) warped by a thin-plate spline through the frame offsets,
    pinned at the markers the homography fits (one spline per axis, each through the windows
    that fix it); and the offsets measured again after."""
    anchors = np.array([m.center for m in form_page.markers], dtype=np.float64)
    splines = [_axis_spline(offsets.points, offsets.offsets[:, axis], anchors) for axis in (0, 1)]
    map_x, map_y = _dense_map(splines, page.shape)
    refined = cv2.remap(page, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=255)
    moved = cv2.remap(glare.astype(np.uint8), map_x, map_y, cv2.INTER_NEAREST, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    return refined, moved.astype(bool), frame_offsets(refined, form_page)


def _axis_spline(points: np.ndarray, values: np.ndarray, anchors: np.ndarray) -> _ThinPlateSpline:
    """A spline of one offset component through the windows that fix it and the markers (0)."""
    known = np.isfinite(values)
    points = np.vstack([points[known], anchors])
    values = np.concatenate([values[known], np.zeros(len(anchors))])[:, None]
    spline = _ThinPlateSpline(points, values)
    keep = np.abs(spline(points) - values)[:, 0] <= defs.PHOTO_TPS_OUTLIER
    return _ThinPlateSpline(points[keep], values[keep])


def _dense_map(splines: list[_ThinPlateSpline], shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """remap() maps: each registered pixel samples the page where the spline says its content is.
    The spline is evaluated on a 2 mm grid and interpolated (it is smooth at that scale)."""
    rows, cols = shape[:2]
    k = defs.REGISTERED_PX_PER_MM
    gx, gy = np.meshgrid(np.arange(0, cols / k + 2, 2.0), np.arange(0, rows / k + 2, 2.0))
    query = np.column_stack([gx.ravel(), gy.ravel()])
    grid = np.stack([spline(query)[:, 0].reshape(gx.shape) for spline in splines], axis=-1).astype(np.float32) * k
    scale = 2.0 * k
    coarse_x = cv2.resize(grid[..., 0], None, fx=scale, fy=scale, interpolation=cv2.INTER_LINEAR)[:rows, :cols]
    coarse_y = cv2.resize(grid[..., 1], None, fx=scale, fy=scale, interpolation=cv2.INTER_LINEAR)[:rows, :cols]
    xs, ys = np.meshgrid(np.arange(cols, dtype=np.float32), np.arange(rows, dtype=np.float32))
    return xs + coarse_x, ys + coarse_y


class _ThinPlateSpline:
    """A smoothing thin-plate spline R^2 → R^2 (U(r) = r^2 log r plus an affine part)."""

    def __init__(self, points: np.ndarray, values: np.ndarray) -> None:
        n = len(points)
        kernel = self._kernel(points, points) + defs.PHOTO_TPS_SMOOTHING * np.eye(n)
        affine = np.column_stack([np.ones(n), points])
        system = np.block([[kernel, affine], [affine.T, np.zeros((3, 3))]])
        rhs = np.vstack([values, np.zeros((3, values.shape[1]))])
        solution = np.linalg.lstsq(system, rhs, rcond=None)[0]
        self.points, self.weights, self.affine = points, solution[:n], solution[n:]

    @staticmethod
    def _kernel(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        r2 = np.sum((a[:, None, :] - b[None, :, :]) ** 2, axis=2)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(r2 > 0, 0.5 * r2 * np.log(r2), 0.0)

    def __call__(self, query: np.ndarray) -> np.ndarray:
        return self._kernel(query, self.points) @ self.weights + np.column_stack([np.ones(len(query)), query]) @ self.affine
