"""Phone photos of a real rendered form for the photo tests: the page (at TEMPLATE_DPI) laid on a
desk and photographed — perspective, a 12 MP frame, a light gradient and the phone's shadow, a
curved sheet, blur, glare, a finger over a corner — written as a camera JPEG (EXIF camera tags,
optionally the orientation tag) or as HEIC.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pillow_heif
from PIL import Image

from pipeline import defs

PAGE_MM = (210.0, 297.0)
FRAME = (3024, 4032)  # px (width, height): a 12 MP phone camera held upright
DESK = 85  # grey level of the desk around the sheet
_EXIF_IFD, _FOCAL_LENGTH, _EXPOSURE, _MAKE, _MODEL, _ORIENTATION = 0x8769, 0x920A, 0x829A, 0x010F, 0x0110, 0x0112


@dataclass(frozen=True)
class PhotoModel:
    """What happens to a sheet between the template and a phone photo of it."""

    page_height: float = 0.85  # share of the frame's height the sheet's long side takes
    tilt: float = 0.30  # top edge this much narrower than the bottom (camera held towards the bottom)
    rotation: float = 4.0  # degrees the sheet lies turned in the frame
    light: tuple[float, float] = (1.0, 1.0)  # brightness at the left and right of the frame
    shadow: tuple[float, float, float] | None = None  # (left, right) of a band as frame-width shares, its brightness
    curvature_mm: float = 0.0  # how high the sheet's left and right edges rise off the desk
    blur: float = 0.0  # Gaussian sigma in frame px (out of focus)
    glare: tuple[float, float, float] | None = None  # (x mm, y mm, radius mm) of a saturated reflection
    finger_on: tuple[float, float] | None = None  # a finger over this point of the page, in mm
    shift: tuple[float, float] = (0.0, 0.0)  # sheet centre offset, frame-width/height shares

    def page_corners(self) -> np.ndarray:
        """The sheet's corners (TL, TR, BR, BL) in frame px."""
        width, height = FRAME
        tall = self.page_height * height
        wide_bottom = tall * PAGE_MM[0] / PAGE_MM[1] * (1 + self.tilt / 2)
        wide_top = wide_bottom * (1 - self.tilt)
        corners = np.array(
            [[-wide_top / 2, -tall / 2], [wide_top / 2, -tall / 2], [wide_bottom / 2, tall / 2], [-wide_bottom / 2, tall / 2]]
        )
        turn = math.radians(self.rotation)
        rotate = np.array([[math.cos(turn), -math.sin(turn)], [math.sin(turn), math.cos(turn)]])
        centre = np.array([width * (0.5 + self.shift[0]), height * (0.5 + self.shift[1])])
        return corners @ rotate.T + centre


def photograph(template: np.ndarray, model: PhotoModel, seed: int = 5) -> np.ndarray:
    """A grey 12 MP photo of ``template`` (a page at TEMPLATE_DPI, white paper) taken as ``model`` says."""
    rng = np.random.default_rng(seed)
    sheet = _curved(template, model.curvature_mm)
    px = defs.REGISTERED_PX_PER_MM
    rows, cols = sheet.shape
    source = np.array([[0, 0], [cols, 0], [cols, rows], [0, rows]], dtype=np.float32)
    to_frame = cv2.getPerspectiveTransform(source, model.page_corners().astype(np.float32))
    paper = cv2.warpPerspective(sheet.astype(np.float32) * 0.93, to_frame, FRAME, flags=cv2.INTER_LINEAR, borderValue=-1)
    desk = DESK + rng.normal(0, 6, (FRAME[1] // 8, FRAME[0] // 8)).astype(np.float32)
    desk = cv2.resize(cv2.GaussianBlur(desk, (0, 0), 2), FRAME, interpolation=cv2.INTER_LINEAR)
    photo = np.where(paper >= 0, paper, desk)
    if model.glare is not None:
        x, y, r = model.glare
        centre = cv2.perspectiveTransform(np.array([[[x * px, y * px]]], np.float64), to_frame)[0, 0]
        glow = np.zeros(photo.shape, np.float32)
        cv2.circle(glow, (round(centre[0]), round(centre[1])), round(r * px * _frame_px_per_px(model)), 1.0, -1)
        photo = np.maximum(photo, 255 * np.clip(cv2.GaussianBlur(glow, (0, 0), 15) * 1.6, 0, 1))
    if model.finger_on is not None:
        centre = cv2.perspectiveTransform(np.array([[model.finger_on]], np.float64) * px, to_frame)[0, 0]
        axes = (round(110 * _frame_px_per_px(model) * 1.5), round(260 * _frame_px_per_px(model) * 1.5))
        cv2.ellipse(photo, (round(centre[0]), round(centre[1])), axes, 35, 0, 360, 150, -1)
    photo *= _light(model)
    if model.blur:
        photo = cv2.GaussianBlur(photo, (0, 0), model.blur)
    photo += rng.normal(0, 2.5, photo.shape).astype(np.float32)
    return np.clip(photo, 0, 255).astype(np.uint8)


def _frame_px_per_px(model: PhotoModel) -> float:
    return model.page_height * FRAME[1] / (PAGE_MM[1] * defs.REGISTERED_PX_PER_MM)


def _light(model: PhotoModel) -> np.ndarray:
    """Brightness over the frame: a left-to-right gradient times a soft shadow band."""
    width, height = FRAME
    across = np.linspace(model.light[0], model.light[1], width, dtype=np.float32)
    light = np.broadcast_to(across, (height, width)).copy()
    if model.shadow is not None:
        left, right, level = model.shadow
        band = np.zeros(width, np.float32)
        band[round(left * width) : round(right * width)] = 1.0
        band = cv2.GaussianBlur(band[None, :], (0, 0), sigmaX=25)[0]
        light *= 1 - (1 - level) * band
    return light


def _curved(template: np.ndarray, rise_mm: float) -> np.ndarray:
    """The page as a camera straight above sees it when its left and right edges rise ``rise_mm``
    (a cylinder): the sides foreshorten and come nearer the camera, so rows bow outwards."""
    if not rise_mm:
        return template
    px = defs.REGISTERED_PX_PER_MM
    rows, cols = template.shape
    half = cols / 2
    radius = (half**2 + (rise_mm * px) ** 2) / (2 * rise_mm * px)  # circle through the edges and centre
    camera = 400 * px  # mm above the desk
    x = np.arange(cols, dtype=np.float64) - half + 0.5
    angle = x / radius  # arc length along the sheet → angle on the cylinder
    seen_x = radius * np.sin(angle)
    lift = radius * (1 - np.cos(angle))
    zoom = camera / (camera - lift)
    shown_x = seen_x * zoom  # where each sheet column appears, relative to the centre
    # Invert the monotone column map, then each row stretches about the centre by that zoom.
    out_x = np.arange(cols, dtype=np.float64) - half + 0.5
    source_x = np.interp(out_x, shown_x, x)
    source_zoom = np.interp(out_x, shown_x, zoom)
    y = np.arange(rows, dtype=np.float64) - rows / 2 + 0.5
    map_x = np.broadcast_to(source_x + half - 0.5, (rows, cols)).astype(np.float32)
    map_y = (y[:, None] / source_zoom[None, :] + rows / 2 - 0.5).astype(np.float32)
    return cv2.remap(template, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=255)


def save_jpeg(photo: np.ndarray, path: Path, *, orientation: int = 1, quality: int = 90) -> Path:
    """Write a camera JPEG: EXIF make, model, focal length and exposure; with ``orientation`` 6
    the pixels are stored turned a quarter anticlockwise (a sensor held sideways) and the tag
    says to turn them back."""
    image = Image.fromarray(photo)
    if orientation == 6:
        image = image.transpose(Image.Transpose.ROTATE_90)
    image.save(path, format="JPEG", quality=quality, exif=_camera_exif(orientation))
    return path


def save_heic(photo: np.ndarray, path: Path) -> Path:
    """Write an iPhone-style HEIC with pillow-heif (x265's fastest preset: a 12 MP encode at
    the default one takes minutes on a shared CI core)."""
    heif = pillow_heif.from_pillow(Image.fromarray(photo).convert("RGB"))
    heif.save(str(path), quality=85, exif=_camera_exif(1).tobytes(), enc_params={"preset": "ultrafast"})
    return path


def _camera_exif(orientation: int) -> Image.Exif:
    exif = Image.Exif()
    exif[_MAKE], exif[_MODEL], exif[_ORIENTATION] = "Phone", "Test Camera", orientation
    camera = exif.get_ifd(_EXIF_IFD)
    camera[_FOCAL_LENGTH], camera[_EXPOSURE] = 4.2, 1 / 60
    return exif


def misplacement_mm(registered: np.ndarray, template: np.ndarray, window_mm: float = 30.0) -> float:
    """Largest local shift (mm) between a rectified page and the page as printed, each window
    holding print compared by phase correlation of all its content (text, lines, marks) — a
    measure independent of the printed frames the rectifier itself matches."""
    px = defs.REGISTERED_PX_PER_MM
    side = round(window_mm * px)
    rows, cols = min(registered.shape[0], template.shape[0]), min(registered.shape[1], template.shape[1])
    hann = cv2.createHanningWindow((side, side), cv2.CV_32F)
    worst = 0.0
    for top in range(round(30 * px), rows - side - round(20 * px), side):
        for left in range(round(15 * px), cols - side - round(15 * px), side):
            printed = template[top : top + side, left : left + side].astype(np.float32)
            if printed.std() < 20:  # blank paper: nothing to compare
                continue
            seen = registered[top : top + side, left : left + side].astype(np.float32)
            (dx, dy), response = cv2.phaseCorrelate(printed, seen, hann)
            if response > 0.1:
                worst = max(worst, math.hypot(dx, dy) / px)
    return worst
