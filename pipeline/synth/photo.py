"""A phone-photo model: a filled page as a teacher photographs it and sends it through WeChat.

The sheet lies on a desk; the phone is held by hand above it, so the sheet is seen in
perspective (tilted up to PHOTO_TILT_MAX degrees, turned on the desk), covers 40-90 % of a
12 MP frame, bends a little like paper taken from a pile (a cylinder along its long side), is
lit unevenly, crossed by the phone's own shadow, slightly out of focus or shaken, and stored as
a JPEG (or HEIC, an iPhone's default) whose EXIF orientation tag says how to turn the stored
pixels upright. Every setting is in a :class:`PhotoModel`; the same model, page and seed give
the same bytes. :func:`chat_screenshot` makes the chat screenshots that arrive with the photos.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from pipeline.render.fonts import discover_font_files
from pipeline.synth import settings as synth_defs

FORMATS = ("jpeg", "heic")
# EXIF orientation → the PIL transpose that stores an upright picture so the tag turns it back.
_STORED = {1: None, 3: Image.Transpose.ROTATE_180, 6: Image.Transpose.ROTATE_90, 8: Image.Transpose.ROTATE_270}
_EXIF_ORIENTATION, _EXIF_MAKE, _EXIF_MODEL, _EXIF_DATETIME = 0x0112, 0x010F, 0x0110, 0x0132
_GRID = 8  # px: the curved sheet's inverse map is solved on this grid, then interpolated


@dataclass(frozen=True)
class PhotoModel:
    """What happens to one page between the filled sheet and the photo file."""

    frame: tuple[int, int] = synth_defs.PHOTO_FRAME  # (width, height) of the upright picture, px
    fill: float = 0.7  # share of the frame's area the sheet covers (less where, turned and tilted, it would not fit)
    tilt: tuple[float, float] = (0.0, 0.0)  # degrees the phone leans: about the sheet's x and y axes
    turn: float = 0.0  # degrees the sheet lies turned on the desk, counter-clockwise
    centre: tuple[float, float] = (0.5, 0.5)  # sheet centre in the frame, fractions of width and height
    bend_mm: float = 0.0  # how far the sheet's long edges rise off the desk (cylindrical bend)
    light: tuple[float, float] = (0.0, 0.0)  # direction (degrees) and depth (0..1) of the light falloff
    shadow: tuple[float, ...] = ()  # phone shadow: direction (deg), offset, width (frame fractions), darkness
    blur: float = 0.0  # defocus, Gaussian sigma in px
    motion: tuple[float, float] = (0.0, 0.0)  # hand shake: length (px) and direction (degrees)
    noise: float = 0.0  # sd of sensor noise in grey levels
    desk: int = 0  # which desk surface (index into _DESKS)
    quality: int = 88  # JPEG / HEIC quality
    orientation: int = 1  # EXIF orientation tag; the stored pixels are turned so it is right
    format: str = "jpeg"  # jpeg | heic
    name: str = "IMG_0001.jpg"
    upside_down: bool = False  # the sheet lies upside down on the desk

    def __post_init__(self) -> None:
        if self.format not in FORMATS:
            raise ValueError(f"unknown photo format {self.format!r} (one of {', '.join(FORMATS)})")
        if self.orientation not in _STORED:
            raise ValueError(f"EXIF orientation {self.orientation} is not a turn (1, 3, 6 or 8)")

    def as_json(self) -> dict[str, object]:
        return {"photo": True, **asdict(self)}


_DESKS = (  # (base RGB, grain RGB amplitude, grain stretch): wood, grey office desk, white table, green pad
    ((150, 105, 70), 28.0, 14.0),
    ((128, 128, 124), 10.0, 1.0),
    ((222, 220, 214), 8.0, 1.0),
    ((60, 96, 72), 9.0, 1.0),
)


def random_photo(rng: np.random.Generator, name: str, *, heic_share: float = synth_defs.PHOTO_HEIC_SHARE) -> PhotoModel:
    """A hand-held photo's settings within PHOTO_* ranges, named ``name`` (its suffix is set
    by the format drawn)."""
    tilt = rng.uniform(*synth_defs.PHOTO_TILT)
    direction = rng.uniform(0, 2 * math.pi)
    heic = bool(rng.random() < heic_share) and name.startswith("IMG_")  # chat apps pass on JPEGs
    orientations, weights = zip(*synth_defs.PHOTO_ORIENTATIONS.items())
    return PhotoModel(
        fill=_r(rng.uniform(*synth_defs.PHOTO_FILL)),
        tilt=(_r(tilt * math.cos(direction)), _r(tilt * math.sin(direction))),
        turn=_r(rng.uniform(-1, 1) * synth_defs.PHOTO_TURN),
        centre=(_r(rng.uniform(0.3, 0.7)), _r(rng.uniform(0.3, 0.7))),
        bend_mm=_r(rng.uniform(*synth_defs.PHOTO_BEND_MM)),
        light=(_r(rng.uniform(0, 360)), _r(rng.uniform(*synth_defs.PHOTO_LIGHT_DEPTH))),
        shadow=(_r(rng.uniform(0, 360)), _r(rng.uniform(0.1, 0.4)), _r(rng.uniform(0.08, 0.25)), _r(rng.uniform(*synth_defs.PHOTO_SHADOW_DARKNESS)))
        if rng.random() < synth_defs.PHOTO_SHADOW_SHARE else (),
        blur=_r(rng.uniform(*synth_defs.PHOTO_BLUR)),
        motion=(_r(rng.uniform(*synth_defs.PHOTO_MOTION_PX)), _r(rng.uniform(0, 180))),
        noise=_r(rng.uniform(*synth_defs.PHOTO_NOISE)),
        desk=int(rng.integers(len(_DESKS))),
        quality=int(rng.integers(synth_defs.PHOTO_QUALITY[0], synth_defs.PHOTO_QUALITY[1] + 1)),
        orientation=int(orientations[int(rng.choice(len(orientations), p=np.array(weights) / sum(weights)))]),
        format="heic" if heic else "jpeg",
        name=str(Path(name).with_suffix(".HEIC" if heic else Path(name).suffix or ".jpg")),
    )


def _r(value: float) -> float:
    """Settings are kept to 4 decimals, so what truth.json records is exactly what was applied."""
    return round(float(value), 4)


# --- geometry ---------------------------------------------------------------------------------


def _rotation(model: PhotoModel) -> np.ndarray:
    """Sheet axes → camera axes: the sheet turned on the desk, then seen from a leaning phone."""
    ax, ay, az = (math.radians(a) for a in (*model.tilt, model.turn))
    rx = np.array([[1, 0, 0], [0, math.cos(ax), -math.sin(ax)], [0, math.sin(ax), math.cos(ax)]])
    ry = np.array([[math.cos(ay), 0, math.sin(ay)], [0, 1, 0], [-math.sin(ay), 0, math.cos(ay)]])
    rz = np.array([[math.cos(az), -math.sin(az), 0], [math.sin(az), math.cos(az), 0], [0, 0, 1]])
    return rx @ ry @ rz


@dataclass(frozen=True)
class _Camera:
    rotation: np.ndarray
    distance_mm: float
    focal_px: float
    principal: np.ndarray  # frame px where the sheet's centre projects

    def project(self, points_mm: np.ndarray) -> np.ndarray:
        """(N, 3) sheet points (mm from its centre; z towards the camera) → (N, 2) frame px."""
        cam = points_mm * np.array([1.0, 1.0, -1.0]) @ self.rotation.T
        depth = cam[:, 2] + self.distance_mm
        return cam[:, :2] * (self.focal_px / depth)[:, None] + self.principal


def _camera(model: PhotoModel, page_mm: tuple[float, float]) -> _Camera:
    """The camera that shows the flat sheet over ``fill`` of the frame at ``centre``, kept
    inside the frame with a margin (the centre is moved in, never the sheet cut)."""
    width, height = model.frame
    focal = synth_defs.PHOTO_FOCAL * max(width, height)
    rotation = _rotation(model)
    corners = _corners_mm(page_mm)
    camera = _Camera(rotation, 1000.0, focal, np.zeros(2))
    for _ in range(3):  # area falls with the square of the distance; the tilt makes it inexact
        area = cv2.contourArea(camera.project(corners).astype(np.float32))
        camera = _Camera(rotation, camera.distance_mm * math.sqrt(area / (model.fill * width * height)), focal, np.zeros(2))
    size, margin = np.array([width, height], np.float64), synth_defs.PHOTO_MARGIN * np.array([width, height])
    while True:  # a sheet turned and tilted may not fit at ``fill``: step back until it does
        quad = camera.project(corners)
        lowest, highest = margin - quad.min(axis=0), size - margin - quad.max(axis=0)
        if (lowest <= highest).all():
            break
        camera = _Camera(rotation, camera.distance_mm * 1.02, focal, np.zeros(2))
    principal = np.clip(np.array(model.centre) * size, lowest, highest)
    return _Camera(rotation, camera.distance_mm, focal, principal)


def _corners_mm(page_mm: tuple[float, float]) -> np.ndarray:
    w, h = page_mm
    return np.array([[-w / 2, -h / 2, 0], [w / 2, -h / 2, 0], [w / 2, h / 2, 0], [-w / 2, h / 2, 0]], np.float64)


def sheet_corners(model: PhotoModel, page_mm: tuple[float, float]) -> np.ndarray:
    """(4, 2) frame px of the flat sheet's corners TL, TR, BR, BL in the upright picture."""
    return _camera(model, page_mm).project(_corners_mm(page_mm))


def _lift(x_mm: np.ndarray, page_mm: tuple[float, float], bend_mm: float) -> np.ndarray:
    """Height off the desk of the bent sheet at ``x_mm`` from its centre line."""
    return bend_mm * (2 * x_mm / page_mm[0]) ** 2


def _inverse_map(model: PhotoModel, page_mm: tuple[float, float], px_per_mm: float) -> tuple[np.ndarray, np.ndarray]:
    """For every frame pixel, the page pixel seen there (cv2.remap maps), bend included.

    The flat sheet is a homography; the bend is a small smooth displacement on top, so the
    page point is found by a fixed-point iteration from the homography's answer.
    """
    camera = _camera(model, page_mm)
    corners = _corners_mm(page_mm)
    page_px = (corners[:, :2] + np.array(page_mm) / 2) * px_per_mm
    to_page = cv2.getPerspectiveTransform(camera.project(corners).astype(np.float32), page_px.astype(np.float32))
    width, height = model.frame
    gx = np.arange(0, width, _GRID, dtype=np.float64) + (_GRID - 1) / 2 + 0.5
    gy = np.arange(0, height, _GRID, dtype=np.float64) + (_GRID - 1) / 2 + 0.5
    frame = np.stack(np.meshgrid(gx, gy), axis=-1).reshape(-1, 2)
    flat = cv2.perspectiveTransform(frame[None], to_page)[0]
    point = flat.copy()
    for _ in range(synth_defs.PHOTO_BEND_ITERATIONS):
        mm = point / px_per_mm - np.array(page_mm) / 2
        seen = camera.project(np.column_stack([mm, _lift(mm[:, 0], page_mm, model.bend_mm)]))
        point = point - (cv2.perspectiveTransform(seen[None], to_page)[0] - flat)
    grid = (point - 0.5).astype(np.float32).reshape(len(gy), len(gx), 2)
    full = cv2.resize(grid, (width, height), interpolation=cv2.INTER_LINEAR)
    return full[:, :, 0], full[:, :, 1]


# --- the picture ------------------------------------------------------------------------------


def photograph(
    page: np.ndarray, model: PhotoModel, *, rng: np.random.Generator, px_per_mm: float = synth_defs.SYNTH_PX_PER_MM
) -> np.ndarray:
    """The upright picture (RGB uint8, ``model.frame``) of ``page`` (grayscale at ``px_per_mm``)."""
    page_mm = (page.shape[1] / px_per_mm, page.shape[0] / px_per_mm)
    if model.upside_down:
        page = np.ascontiguousarray(page[::-1, ::-1])
    map_x, map_y = _inverse_map(model, page_mm, px_per_mm)
    sheet = cv2.remap(page, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    inside = cv2.remap(np.full(page.shape, 255, np.uint8), map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    light = _light(model)
    on_sheet = cv2.multiply(sheet.astype(np.float32), inside.astype(np.float32), scale=1 / 255**2)  # paper brightness 0..1
    on_desk = cv2.multiply(1 - inside.astype(np.float32) / 255, light)
    on_sheet = cv2.multiply(on_sheet, light)
    base, amplitude, _ = _DESKS[model.desk]
    grain = cv2.multiply(_desk_grain(model, rng), on_desk, scale=amplitude)
    channels = [
        cv2.add(cv2.addWeighted(on_sheet, float(tint), on_desk, float(tone), 0.0), grain)
        for tint, tone in zip(synth_defs.PHOTO_PAPER_TINT, base)
    ]
    picture = cv2.convertScaleAbs(cv2.merge(channels))  # rounds and saturates to uint8
    picture = _shake(_defocus(picture, model.blur), model.motion)
    return _with_noise(picture, model.noise, rng)


def _with_noise(picture: np.ndarray, sd: float, rng: np.random.Generator) -> np.ndarray:
    """Sensor noise left after the phone's denoising: in brightness, the same in each channel."""
    if sd <= 0:
        return picture
    noise = np.rint(rng.standard_normal(picture.shape[:2], dtype=np.float32) * np.float32(sd)).astype(np.int16)
    return np.clip(picture.astype(np.int16) + noise[:, :, None], 0, 255).astype(np.uint8)


def _low_res(model: PhotoModel) -> tuple[int, int]:
    """(width, height) at which smooth fields (desk grain, light, shadow) are drawn, then enlarged."""
    return max(2, model.frame[0] // 16), max(2, model.frame[1] // 16)


def _enlarge(field: np.ndarray, model: PhotoModel) -> np.ndarray:
    return cv2.resize(field, model.frame, interpolation=cv2.INTER_CUBIC)


def _desk_grain(model: PhotoModel, rng: np.random.Generator) -> np.ndarray:
    """The desk's grain, about -1..1: stretched along x for wood, blotchy for the others."""
    _, _, stretch = _DESKS[model.desk]
    w, h = _low_res(model)
    coarse = rng.standard_normal((h, max(2, round(w / stretch))), dtype=np.float32)
    grain = cv2.resize(cv2.GaussianBlur(coarse, (0, 0), 1.2), (w, h), interpolation=cv2.INTER_LINEAR)
    return _enlarge(grain, model)


def _light(model: PhotoModel) -> np.ndarray:
    """Gain per pixel: a falloff across the frame, vignetting, and the phone's shadow band."""
    w, h = _low_res(model)
    x, y = np.meshgrid(np.linspace(-1, 1, w, dtype=np.float32), np.linspace(-1, 1, h, dtype=np.float32))
    angle, depth = math.radians(model.light[0]), model.light[1]
    along = (x * math.cos(angle) + y * math.sin(angle)) / math.sqrt(2)  # -1..1 across the frame
    gain = 1 - depth * (along + 1) / 2 - synth_defs.PHOTO_VIGNETTE * (x**2 + y**2) / 2
    if model.shadow:
        gain *= _shadow_band(x, y, model.shadow)
    return _enlarge(gain.astype(np.float32), model)


def _shadow_band(x: np.ndarray, y: np.ndarray, shadow: tuple[float, ...]) -> np.ndarray:
    """A soft-edged band across the frame, darkened by ``darkness`` (the phone between lamp and sheet)."""
    angle, offset, width, darkness = shadow
    distance = (x * math.cos(math.radians(angle)) + y * math.sin(math.radians(angle)) + 1) / 2  # 0..1
    edge = synth_defs.PHOTO_SHADOW_SOFTNESS
    inside = np.clip((distance - offset) / edge + 0.5, 0, 1) * np.clip((offset + width - distance) / edge + 0.5, 0, 1)
    return (1 - darkness * inside).astype(np.float32)


def _defocus(picture: np.ndarray, sigma: float) -> np.ndarray:
    return cv2.GaussianBlur(picture, (0, 0), sigma) if sigma > 0 else picture


def _shake(picture: np.ndarray, motion: tuple[float, float]) -> np.ndarray:
    length, angle = motion
    if length < 1:
        return picture
    size = int(math.ceil(length)) | 1
    kernel = np.zeros((size, size), np.float32)
    centre, dx, dy = size // 2, math.cos(math.radians(angle)), math.sin(math.radians(angle))
    for t in np.linspace(-length / 2, length / 2, 4 * size):
        kernel[int(round(centre + t * dy)), int(round(centre + t * dx))] = 1
    return cv2.filter2D(picture, -1, kernel / kernel.sum())


# --- the file ---------------------------------------------------------------------------------


def photo_bytes(picture: np.ndarray, model: PhotoModel) -> bytes:
    """The picture as the phone stores it: pixels turned as ``model.orientation`` says, the
    tag set, camera make and model recorded; JPEG or HEIC."""
    image = Image.fromarray(picture)
    turn = _STORED[model.orientation]
    if turn is not None:
        image = image.transpose(turn)
    exif = Image.Exif()
    exif[_EXIF_ORIENTATION] = model.orientation
    exif[_EXIF_MAKE], exif[_EXIF_MODEL] = synth_defs.PHOTO_CAMERA
    exif[_EXIF_DATETIME] = "2025:11:05 12:30:45"
    buf = io.BytesIO()
    if model.format == "heic":
        from pillow_heif import from_pillow

        # x265's fastest preset: a 12 MP picture in seconds, not minutes; the quality is the photo's
        from_pillow(image).save(buf, quality=model.quality, exif=exif.tobytes(), enc_params={"preset": "ultrafast"})
    else:
        image.save(buf, format="JPEG", quality=model.quality, exif=exif.tobytes())
    return buf.getvalue()


def write_photo(page: np.ndarray, model: PhotoModel, path: Path, *, rng: np.random.Generator) -> Path:
    """Photograph ``page`` and write the file to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(photo_bytes(photograph(page, model, rng=rng), model))
    return path


class PhotoNames:
    """File names as phones and chat apps give them, never twice the same in one folder."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.taken: set[str] = set()
        self.counter = int(rng.integers(1000, 9000))
        self.clock = synth_defs.PHOTO_FIRST_TIME_MS + int(rng.integers(0, 86_400_000))

    def next(self) -> str:
        self.counter += 1
        self.clock += int(self.rng.integers(2_000, 90_000))
        seconds = self.clock // 1000
        stamp = _timestamp(seconds)
        name = (
            f"IMG_{self.counter}.jpg",
            f"mmexport{self.clock}.jpg",
            f"微信图片_{stamp}.jpg",
        )[int(self.rng.integers(3))]
        while name in self.taken:
            name = name.replace(".", "_1.", 1)
        self.taken.add(name)
        return name

    def screenshot(self) -> str:
        self.clock += int(self.rng.integers(2_000, 90_000))
        name = f"Screenshot_{_timestamp(self.clock // 1000, sep='_')}.png"
        self.taken.add(name)
        return name


def _timestamp(seconds: int, sep: str = "") -> str:
    when = dt.datetime.fromtimestamp(seconds, dt.timezone(dt.timedelta(hours=8)))
    return when.strftime(f"%Y%m%d{sep}%H%M%S")


# --- chat screenshots -------------------------------------------------------------------------


def chat_screenshot(rng: np.random.Generator) -> Image.Image:
    """A phone screenshot of a class group chat: title bar, bubbles of text from both sides."""
    width, height = synth_defs.PHOTO_SCREENSHOT
    image = Image.new("RGB", (width, height), (237, 237, 237))
    draw = ImageDraw.Draw(image)
    font_path = str(discover_font_files()[0])
    title, body = ImageFont.truetype(font_path, 46, index=0), ImageFont.truetype(font_path, 42, index=0)
    draw.rectangle((0, 0, width, 200), fill=(247, 247, 247))
    draw.text((width / 2, 140), "七年级（1）班家长群(48)", font=title, fill=(20, 20, 20), anchor="mm")
    y = 260
    for i in rng.permutation(len(_CHAT_LINES)):
        mine = bool(rng.random() < 0.4)
        text = _CHAT_LINES[int(i)]
        w = int(draw.textlength(text, font=body)) + 60
        x = width - 170 - w if mine else 170
        avatar = width - 150 if mine else 30
        draw.rectangle((avatar, y, avatar + 120, y + 120), fill=tuple(int(v) for v in rng.integers(60, 200, 3)))
        draw.rounded_rectangle((x, y, x + w, y + 110), 14, fill=(149, 236, 105) if mine else (255, 255, 255))
        draw.text((x + 30, y + 55), text, font=body, fill=(20, 20, 20), anchor="lm")
        y += 170
        if y > height - 300:
            break
    draw.rectangle((0, height - 160, width, height), fill=(247, 247, 247))
    return image


_CHAT_LINES = (
    "老师好，家访表拍好了发您",
    "收到，谢谢家长配合",
    "第二页也拍了，您看清楚吗",
    "请各位家长周五前把表格照片发给我",
    "好的老师",
    "孩子最近在家表现不错",
    "表格上的签字需要家长本人签吗",
    "需要的，谢谢",
)
