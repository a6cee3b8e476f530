"""A scanner model: turn a page image at template resolution into a plausible scan.

A page goes through what a printer, a copier glass and a phone do to it: its duplex back showing
through, creased where it was folded, printed at a scale, laid skewed and shifted on the glass,
slightly out of plane, optics blur, sensor noise, then written as JPEG (gray or colour) or
thresholded to 1 bit. Every setting is in a
:class:`ScannerModel`, so the ground truth can record exactly what happened to each page.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace

import cv2
import numpy as np

from pipeline.model.form import page_markers
from pipeline.synth import settings as synth_defs

MODES = ("colour", "gray", "bw")
PROFILES = (*synth_defs.SCAN_PROFILES, *synth_defs.SCAN_PAPER_PROFILES)
MM_PER_INCH = 25.4
A4 = (210.0, 297.0)


@dataclass(frozen=True)
class ScannerModel:
    """What happens to one page between the template and the scanned image."""

    dpi: int = 300
    mode: str = "gray"  # colour | gray | bw (1-bit)
    rotation: float = 0.0  # degrees the sheet lies skewed on the glass, counter-clockwise
    scale: float = 1.0  # print scale (a copier's 97 % is 0.97), about the page centre
    shift_mm: tuple[float, float] = (0.0, 0.0)  # sheet offset on the glass, right and down
    perspective_mm: tuple[float, ...] = ()  # corner offsets x,y for TL, TR, BR, BL (8 numbers)
    blur: float = 0.0  # Gaussian sigma in output pixels
    noise: float = 0.0  # sd of sensor noise in grey levels
    jpeg_quality: int | None = None  # None writes no JPEG artefacts (always None for bw)
    bw_threshold: int = 165  # grey level below which a 1-bit scan prints black
    upside_down: bool = False  # the sheet was fed the wrong way round (180 degrees)
    show_through: float = 0.0  # share of the duplex back's ink darkness seen through the sheet
    folds: tuple[tuple[float, float, float, float], ...] = ()  # creases: (y mm, shadow, width mm, warp mm)

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"unknown scan mode {self.mode!r} (one of {', '.join(MODES)})")
        if self.perspective_mm and len(self.perspective_mm) != 8:
            raise ValueError("perspective_mm needs 8 numbers (x, y offsets of four corners)")

    def as_json(self) -> dict[str, object]:
        out = asdict(self)
        out["shift_mm"] = list(self.shift_mm)
        out["perspective_mm"] = list(self.perspective_mm)
        out["folds"] = [list(f) for f in self.folds]
        return out


def output_size(settings: ScannerModel, page_mm: tuple[float, float] = A4) -> tuple[int, int]:
    """(width, height) in pixels of a scan of a ``page_mm`` sheet at the settings' dpi."""
    px = settings.dpi / MM_PER_INCH
    return round(page_mm[0] * px), round(page_mm[1] * px)


def page_transform(
    settings: ScannerModel, page_mm: tuple[float, float] = A4, *, px_per_mm: float = synth_defs.SYNTH_PX_PER_MM
) -> np.ndarray:
    """3x3 homography from template pixels (at ``px_per_mm``) to scanned-image pixels."""
    corners_mm = np.array([[0, 0], [page_mm[0], 0], [page_mm[0], page_mm[1]], [0, page_mm[1]]], np.float64)
    placed = _place_mm(corners_mm, settings, page_mm)
    if settings.perspective_mm:
        placed = placed + np.asarray(settings.perspective_mm, np.float64).reshape(4, 2)
    if settings.upside_down:
        placed = np.array(page_mm) - placed
    out_px = settings.dpi / MM_PER_INCH
    src = (corners_mm * px_per_mm).astype(np.float32)
    return cv2.getPerspectiveTransform(src, (placed * out_px).astype(np.float32))


def _place_mm(points: np.ndarray, settings: ScannerModel, page_mm: tuple[float, float]) -> np.ndarray:
    """Scale about the centre, rotate about the centre, then shift (all in mm)."""
    centre = np.array(page_mm) / 2
    angle = math.radians(settings.rotation)
    turn = np.array([[math.cos(angle), math.sin(angle)], [-math.sin(angle), math.cos(angle)]])
    return (points - centre) * settings.scale @ turn.T + centre + np.array(settings.shift_mm)


def scan(
    image: np.ndarray,
    settings: ScannerModel,
    *,
    rng: np.random.Generator,
    px_per_mm: float = synth_defs.SYNTH_PX_PER_MM,
    back: np.ndarray | None = None,
) -> np.ndarray:
    """A scanned image of ``image`` (grayscale uint8 at ``px_per_mm``) as ``settings`` says.

    ``back`` is the other side of the sheet (same size, as printed and written), seen through
    the paper when ``settings.show_through`` is set. Returns uint8 (H, W) for gray and 1-bit
    (values only 0 and 255), (H, W, 3) RGB for colour.
    """
    image = on_paper(image, settings, back=back, px_per_mm=px_per_mm)
    page_mm = (image.shape[1] / px_per_mm, image.shape[0] / px_per_mm)
    size = output_size(settings, page_mm)
    matrix = page_transform(settings, page_mm, px_per_mm=px_per_mm)
    warped = cv2.warpPerspective(
        image, matrix, size, flags=cv2.INTER_AREA if settings.dpi / MM_PER_INCH < px_per_mm else cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT, borderValue=255,
    )
    if settings.blur > 0:
        warped = cv2.GaussianBlur(warped, (0, 0), settings.blur)
    page = warped.astype(np.float32)
    rows, columns = _illumination(size, rng)
    page *= rows
    page *= columns
    if settings.noise > 0:
        page += rng.standard_normal(page.shape, dtype=np.float32) * np.float32(settings.noise)
    if settings.mode == "colour":
        page = page[:, :, None] * (np.array(synth_defs.SCAN_PAPER_TINT, np.float32) / 255.0)
    out = np.clip(page + 0.5, 0, 255).astype(np.uint8)
    if settings.mode == "bw":
        return np.where(out < settings.bw_threshold, 0, 255).astype(np.uint8)
    if settings.jpeg_quality is not None:
        out = _jpeg(out, settings.jpeg_quality)
    return out


def on_paper(
    image: np.ndarray, settings: ScannerModel, *, back: np.ndarray | None = None, px_per_mm: float = synth_defs.SYNTH_PX_PER_MM
) -> np.ndarray:
    """The sheet as it lies on the glass before the scanner sees it: its back showing through,
    its creases warped and shadowed (the image itself when neither applies)."""
    if settings.show_through > 0 and back is not None:
        image = _show_through(image, back, settings.show_through, px_per_mm)
    for fold in settings.folds:
        image = _fold(image, *fold, px_per_mm=px_per_mm)
    return image


def _show_through(image: np.ndarray, back: np.ndarray, contrast: float, px_per_mm: float) -> np.ndarray:
    """The back page, mirrored left to right (the sheet is seen from the front) and spread by
    the paper, darkens the front by ``contrast`` of its own darkness."""
    mirrored = cv2.resize(np.ascontiguousarray(back[:, ::-1]), (image.shape[1], image.shape[0]), interpolation=cv2.INTER_AREA)
    ghost = cv2.GaussianBlur(mirrored.astype(np.float32), (0, 0), synth_defs.SHOW_THROUGH_BLUR_MM * px_per_mm)
    shaded = image.astype(np.float32) * (1 - contrast * (1 - ghost / 255.0))
    return np.clip(np.rint(shaded), 0, 255).astype(np.uint8)


def _fold(image: np.ndarray, y_mm: float, shadow: float, width_mm: float, warp_mm: float, *, px_per_mm: float) -> np.ndarray:
    """A horizontal crease at ``y_mm``: the paper next to it is pushed along the page (most in
    the middle of the line, where an unfolded sheet bulges) and a shadow lies along it."""
    h, w = image.shape
    ys = np.arange(h, dtype=np.float32)[:, None]
    xs = np.arange(w, dtype=np.float32)[None, :]
    centre, spread = y_mm * px_per_mm, width_mm * px_per_mm
    near = np.exp(-(((ys - centre) / (4 * spread)) ** 2))
    bulge = np.sin(np.pi * xs / w)
    map_y = (ys + warp_mm * px_per_mm * near * bulge * np.tanh((ys - centre) / spread)).astype(np.float32)
    map_x = np.broadcast_to(xs, (h, w)).astype(np.float32)
    warped = cv2.remap(image, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    dark = 1 - shadow * np.exp(-(((ys - centre) / spread) ** 2)) * (0.6 + 0.4 * bulge)
    return np.clip(np.rint(warped * dark), 0, 255).astype(np.uint8)


def _illumination(size: tuple[int, int], rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Row and column gains of a gentle lamp falloff across the glass (each 0.98..1.0)."""
    w, h = size
    gx, gy = rng.uniform(-1, 1, 2)
    columns = 1.0 - 0.01 * (1 + gx * np.linspace(-1, 1, w, dtype=np.float32))
    rows = 1.0 - 0.01 * (1 + gy * np.linspace(-1, 1, h, dtype=np.float32))
    return rows[:, None].astype(np.float32), columns[None, :].astype(np.float32)


def _jpeg(image: np.ndarray, quality: int) -> np.ndarray:
    pixels = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
    ok, data = cv2.imencode(".jpg", pixels, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    decoded = cv2.imdecode(data, cv2.IMREAD_UNCHANGED)
    if decoded is None:
        raise RuntimeError("JPEG decoding failed")
    return decoded if decoded.ndim == 2 else cv2.cvtColor(decoded, cv2.COLOR_BGR2RGB)


def random_device(rng: np.random.Generator, profile: str = "office") -> ScannerModel:
    """The settings a copier keeps for a whole run: dpi, colour mode, JPEG quality, threshold."""
    ranges = _profile(profile)
    modes = list(ranges["modes"])
    weights = np.array([ranges["modes"][m] for m in modes], np.float64)
    mode = modes[int(rng.choice(len(modes), p=weights / weights.sum()))]
    dpi = int(ranges["dpi"][int(rng.integers(len(ranges["dpi"])))])
    quality = None if mode == "bw" else int(rng.integers(ranges["jpeg"][0], ranges["jpeg"][1] + 1))
    threshold = int(rng.integers(synth_defs.SCAN_BW_THRESHOLD[0], synth_defs.SCAN_BW_THRESHOLD[1] + 1))
    return ScannerModel(dpi=dpi, mode=mode, jpeg_quality=quality, bw_threshold=threshold)


def random_settings(
    rng: np.random.Generator,
    profile: str = "office",
    *,
    device: ScannerModel | None = None,
    page_mm: tuple[float, float] = A4,
) -> ScannerModel:
    """Settings for one page within the profile's ranges (on ``device``, else a random one).

    Skew and shift are halved until all four registration markers stay inside the image,
    because the profiles model pages the reader must cope with, not pages cut off the glass.
    """
    ranges = _profile(profile)
    base = device or random_device(rng, profile)
    dx, dy = (_r(v) for v in rng.uniform(-1, 1, 2) * ranges["shift"])
    perspective = tuple(_r(v) for v in rng.uniform(-1, 1, 8) * ranges["perspective"]) if ranges["perspective"] else ()
    settings = replace(
        base,
        rotation=_r(rng.uniform(-1, 1) * ranges["rotation"]),
        scale=_r(rng.uniform(*ranges["scale"])),
        shift_mm=(dx, dy),
        perspective_mm=perspective,
        blur=_r(rng.uniform(*ranges["blur"])),
        noise=_r(rng.uniform(*ranges["noise"])),
        upside_down=bool(rng.random() < ranges["upside_down"]),
    )
    settings = _paper(settings, ranges, rng, page_mm)
    for _ in range(6):
        if _markers_inside(settings, page_mm):
            break
        settings = replace(
            settings,
            rotation=_r(settings.rotation / 2),
            shift_mm=(_r(settings.shift_mm[0] / 2), _r(settings.shift_mm[1] / 2)),
            perspective_mm=tuple(_r(v / 2) for v in settings.perspective_mm),
        )
    return settings


def _paper(settings: ScannerModel, ranges: dict, rng: np.random.Generator, page_mm: tuple[float, float]) -> ScannerModel:
    """Show-through and folds where the profile has them (other profiles draw nothing more, so
    their stacks stay as they were for a seed)."""
    if "show_through" not in ranges:
        return settings
    contrast = _r(rng.uniform(*synth_defs.SHOW_THROUGH_CONTRAST)) if rng.random() < ranges["show_through"] else 0.0
    folds: tuple[tuple[float, float, float, float], ...] = ()
    if rng.random() < ranges["folds"]:
        parts = int(rng.integers(2, 4))  # folded in half or in three, as letters are
        folds = tuple(
            (_r(page_mm[1] * k / parts + rng.normal(0, 3)), _r(rng.uniform(*synth_defs.FOLD_SHADOW)),
             _r(rng.uniform(*synth_defs.FOLD_WIDTH_MM)), _r(rng.uniform(*synth_defs.FOLD_WARP_MM)))
            for k in range(1, parts)
        )
    return replace(settings, show_through=contrast, folds=folds)


def _r(value: float) -> float:
    """Settings are kept to 4 decimals, so what truth.json records is exactly what was applied."""
    return round(float(value), 4)


def _markers_inside(settings: ScannerModel, page_mm: tuple[float, float]) -> bool:
    matrix = page_transform(settings, page_mm, px_per_mm=1.0)
    corners = np.array([[m.box.x + dx, m.box.y + dy] for m in page_markers(page_mm) for dx in (0, m.box.w) for dy in (0, m.box.h)])
    mapped = cv2.perspectiveTransform(corners[None].astype(np.float64), matrix)[0] * MM_PER_INCH / settings.dpi
    keep = synth_defs.SCAN_MARKER_KEEP
    return bool(
        (mapped[:, 0] >= keep).all() and (mapped[:, 0] <= page_mm[0] - keep).all()
        and (mapped[:, 1] >= keep).all() and (mapped[:, 1] <= page_mm[1] - keep).all()
    )


def _profile(profile: str) -> dict:
    profiles = {**synth_defs.SCAN_PROFILES, **synth_defs.SCAN_PAPER_PROFILES}
    if profile not in profiles:
        raise ValueError(f"unknown scanner profile {profile!r} (one of {', '.join(PROFILES)})")
    return profiles[profile]
