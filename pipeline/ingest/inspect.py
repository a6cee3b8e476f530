"""Debug views of scans: a registered page with its layout drawn on it, and a checkbox gallery.

``overlay_scan`` identifies one page of a scan file by its QR code, registers it and draws the
layout's boxes (fields, comb cells, option boxes, guide-line bands) on the registered page, with
a caption saying what the page was identified as, how well it fits and which fields have a box
not found in place (:mod:`pipeline.scan.placement`). ``checkbox_gallery``
cuts every option box out of the registered pages a workspace stored, reads it with the OMR
and lays the crops out sorted by fill ratio, with a labelled bar where each fill threshold
falls — the view SDAPS offers for tuning checkbox thresholds from real crops.

The QR payload names a form id, not a form type: a ``FormLookup`` says which form (as printed)
a form id is, from the workspace's issuance table, a generation manifest, or the layout hash.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from pipeline import defs
from pipeline.atomic import atomic_write
from pipeline.errors import ScanError
from pipeline.identity import PagePayload
from pipeline.ingest.scan_page import ScanContext, find_strays, form_for, halves_of, identify, place_page
from pipeline.ingest.scan_run import scan_context
from pipeline.model.form import CHOICE_KINDS, FormDef, PageDef, form_ids, load_form
from pipeline.recognize.omr import CheckboxReading, read_checkbox
from pipeline.recognize.quality import page_ink
from pipeline.recognize.stray import Stray
from pipeline.render.fonts import discover_font_files
from pipeline.scan.geometry import crop_mm
from pipeline.scan.identify import PageIdentity
from pipeline.scan.load import ScanPage, scan_pages
from pipeline.scan.placement import misplaced_fields
from pipeline.scan.register import Registration, overlay_registered
from pipeline.store.scans import pages_with_status

if TYPE_CHECKING:
    from pipeline.model.scan import ScannedPage
    from pipeline.store.workspace import Workspace

FormLookup = Callable[[str, str], FormDef | None]  # (form id, layout hash) → the form as printed

_CAPTION_PX = 22  # px, caption text height on the overlay (a registered page is 8 px/mm)
MISPLACED_LINE = "框线与版面对不上的栏（待人工核对）："
STRAY_LINE = "黑色粗框：填写栏以外的手写字迹 {count} 处（读入时标在相应的栏上待核对）"
_STRAY_COLOUR, _STRAY_WIDTH = (0, 0, 0), 5
_LEGEND = "红框 字段 · 橙框 标签 · 蓝框 数字格 · 绿框 选项框 · 紫框 横线带 · 青框 定位标记 · 粉框 二维码"
_TILE_ZOOM = 3  # a checkbox crop (7.5 mm, 60 px) is shown 3x
_TILE_TEXT_PX = 14  # px, tile caption text height
_GALLERY_COLUMNS = 12
_BAR_PX = 26  # px, height of a threshold bar
_STATE_NAMES = {
    "empty": "空",
    "ambiguous_light": "淡·待复核",
    "ticked": "勾选",
    "ambiguous_heavy": "过重·待复核",
    "crossed_out": "涂掉",
}
_STATE_COLOURS = {
    "empty": (150, 150, 150),
    "ambiguous_light": (240, 150, 0),
    "ticked": (40, 110, 220),
    "ambiguous_heavy": (240, 150, 0),
    "crossed_out": (200, 30, 30),
}
# The fill thresholds the gallery draws a bar at: (threshold, its name in defs, the band above)
_FILL_BANDS = (
    (0.0, "", "填涂率 < {next:.2f}：空框"),
    (defs.OMR_AMBIGUOUS_MIN, "OMR_AMBIGUOUS_MIN", "填涂率 ≥ {at:.2f}（{name}）：淡或短的笔迹，待复核"),
    (defs.OMR_TICK_MIN, "OMR_TICK_MIN", "填涂率 ≥ {at:.2f}（{name}）：勾选（覆盖均匀则为涂掉或过重）"),
    (defs.OMR_HEAVY_MIN, "OMR_HEAVY_MIN", "填涂率 ≥ {at:.2f}（{name}）：过重或涂掉"),
)


@dataclass(frozen=True)
class PageOverlay:
    image: Image.Image  # the registered page with the layout and a caption, RGB
    payload: PagePayload
    form: FormDef
    registration: Registration
    misplaced: tuple[str, ...] = ()  # labels of the fields with a box not found in place
    strays: tuple[Stray, ...] = ()  # writing outside the boxes to fill (looked for with a workspace)


@dataclass(frozen=True)
class CheckboxTile:
    crop: np.ndarray  # grey option box with defs.OMR_PAD mm of page around it
    reading: CheckboxReading
    label: str  # field id and option value


@dataclass(frozen=True)
class Gallery:
    image: Image.Image
    tiles: tuple[CheckboxTile, ...]  # the tiles shown, in the order shown


# --- which form a page is -------------------------------------------------------------------


def form_by_layout(form_id: str, layout_hash: str) -> FormDef | None:
    """The shipped form definition whose layout hash is the one the page's QR carries."""
    return next((f for f in map(load_form, form_ids()) if f.layout_hash == layout_hash), None)


def form_by_manifest(forms_dir: Path) -> FormLookup:
    """Form ids → form type as the manifest of ``jiafang generate --out`` lists them."""
    path = forms_dir / "manifest.json"
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
        kinds = {str(e["form_id"]): str(e["form"]) for e in entries}
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise ScanError(f"{path}：无法读取生成清单（{exc}）：--forms-dir 应指向 jiafang generate --out 的输出目录") from exc
    return lambda form_id, layout_hash: load_form(kinds[form_id]) if form_id in kinds else None


def form_by_issue(ctx: ScanContext) -> FormLookup:
    """Form ids → the form as printed, from a workspace's issuance table and stored layouts."""
    return lambda form_id, layout_hash: form_for(ctx.issued[form_id], ctx.layouts) if form_id in ctx.issued else None


def chain_lookups(lookups: Sequence[FormLookup]) -> FormLookup:
    """The first lookup that knows the form id answers."""

    def lookup(form_id: str, layout_hash: str) -> FormDef | None:
        return next((f for f in (look(form_id, layout_hash) for look in lookups) if f is not None), None)

    return lookup


# --- overlay --------------------------------------------------------------------------------


def overlay_scan(
    path: Path, page_no: int, *, lookup: FormLookup, half: int | None = None, context: ScanContext | None = None
) -> PageOverlay:
    """Page ``page_no`` (1-based) of a scan file, identified by QR, registered, layout drawn on;
    of a scan of two pages side by side, its ``half`` (1: left or top, 2: right or bottom). With
    a workspace's ``context``, the writing outside the boxes to fill is drawn too.

    Raises ScanError naming the file and page when the page is blank, unreadable, cannot be
    identified or does not register, or holds two pages and no ``half`` is named.
    """
    where = f"{path} 第 {page_no} 页"
    page, pixels = _nth_page(path, page_no, where)
    where, pixels, dpi, found = _half_of(page, pixels, identify(pixels, page.reader_dpi), half, where)
    if found.blank:
        raise ScanError(f"{where}：空白页（没有二维码、几乎没有墨迹，或是有意留空的页），没有可叠加的版面")
    if found.payload is None:
        raise ScanError(f"{where}：无法识别：{found.reason}（此调试命令只认二维码）")
    payload = found.payload
    form = _printed_form(payload, lookup, where)
    form_page = form.pages[payload.page - 1]
    placed = place_page(pixels, dpi, form_page, form.page_size, found.rotation)
    registration, registered = placed.registration, placed.page
    if registered is None:
        raise ScanError(f"{where}：配准失败：{placed.reason}")
    misplaced_ids = misplaced_fields(registered, form_page, flat=dpi is not None)
    misplaced = tuple(f.label for f in form_page.fields if f.id in misplaced_ids)
    strays: tuple[Stray, ...] = ()
    if context:
        faint = page_ink(registered, form_page).written_faintly
        strays = tuple(find_strays(registered, form, payload, context, faint_level=faint) or ())
    image = overlay_registered(registered, form_page)
    _draw_strays(image, strays)
    caption = [
        _identity_line(payload, form, registration),
        _LEGEND,
        *([MISPLACED_LINE + "、".join(misplaced)] if misplaced else []),
        *([STRAY_LINE.format(count=len(strays))] if strays else []),
    ]
    return PageOverlay(_with_caption(image, caption), payload, form, registration, misplaced, strays)


def _draw_strays(image: Image.Image, strays: Sequence[Stray]) -> None:
    pen, px = ImageDraw.Draw(image), defs.REGISTERED_PX_PER_MM
    for s in strays:
        pen.rectangle((s.box.x * px, s.box.y * px, s.box.right * px, s.box.bottom * px), outline=_STRAY_COLOUR, width=_STRAY_WIDTH)


def _half_of(
    page: ScanPage, pixels: np.ndarray, found: PageIdentity, half: int | None, where: str
) -> tuple[str, np.ndarray, float | None, PageIdentity]:
    """(where, pixels, dpi, identity) of the page to draw on: the scan's ``half`` when it holds two
    pages side by side (read so by ingest: pipeline.scan.two_up), else the page itself."""
    dpi = page.reader_dpi
    two = halves_of(pixels, dpi, found)
    if two and half is None:
        raise ScanError(f"{where}：这一页并排有两页（{two[0].label}、{two[1].label}）：请用 --half 1 或 --half 2 指定看哪一半")
    if half is not None and not two:
        raise ScanError(f"{where}：这一页不是并排两页的扫描件，不要用 --half")
    if not two or dpi is None or half is None:
        return where, pixels, dpi, found
    chosen = two[half - 1]
    return f"{where}（{chosen.label}）", chosen.image, dpi * chosen.scale, identify(chosen.image, dpi * chosen.scale)


def _nth_page(path: Path, page_no: int, where: str) -> tuple[ScanPage, np.ndarray]:
    count = 0
    for page in scan_pages(path):
        count += 1
        if count == page_no:
            if page.image is None:
                raise ScanError(f"{where}：无法读取这一页：{page.error}")
            return page, page.image
    raise ScanError(f"{where}：文件只有 {count} 页")


def _printed_form(payload: PagePayload, lookup: FormLookup, where: str) -> FormDef:
    form = lookup(payload.form_id, payload.layout_hash)
    if form is None:
        raise ScanError(
            f"{where}：表单编号 {payload.form_id} 的版面指纹 {payload.layout_hash} 与现有表单定义都不相符"
            "（可能是旧版打印的表单）：请用 -w 指定发放它的工作区，或用 --forms-dir 指定生成目录"
        )
    if form.layout_hash != payload.layout_hash:
        raise ScanError(
            f"{where}：这一页按另一版版面打印（指纹 {payload.layout_hash}，{form.id} 现在是 {form.layout_hash}），"
            "框会画错：请用 -w 指定发放它的工作区（工作区保存了当时的版面）"
        )
    if not 1 <= payload.page <= form.page_count:
        raise ScanError(f"{where}：二维码中的页码 {payload.page} 超出表单 {form.id} 的页数 {form.page_count}")
    return form


def _identity_line(payload: PagePayload, form: FormDef, registration: Registration) -> str:
    return (
        f"表单 {payload.form_id}（{form.title}，{form.id}）第 {payload.page}/{form.page_count} 页 · "
        f"旋转 {registration.rotation}° · 定位标记 {registration.markers_found}/{len(form.pages[payload.page - 1].markers)} · "
        f"配准残差 {registration.residual_mm:.2f} mm"
    )


def _with_caption(image: Image.Image, lines: Sequence[str]) -> Image.Image:
    """``image`` with a white band above it holding ``lines`` of text."""
    line_px = round(_CAPTION_PX * 1.4)
    out = Image.new("RGB", (image.width, image.height + line_px * len(lines) + _CAPTION_PX // 2), "white")
    out.paste(image, (0, out.height - image.height))
    pen = ImageDraw.Draw(out)
    for i, line in enumerate(lines):
        pen.text((_CAPTION_PX // 2, _CAPTION_PX // 3 + i * line_px), line, fill=(0, 0, 0), font=_font(_CAPTION_PX))
    return out


# --- checkbox gallery -----------------------------------------------------------------------


def checkbox_tiles(registered: np.ndarray, form_page: PageDef, *, field_id: str | None = None) -> list[CheckboxTile]:
    """Every option box of ``form_page`` (or of one field) cut from a registered page and read."""
    tiles = []
    for field in form_page.fields:
        if field.kind not in CHOICE_KINDS or field_id not in (None, field.id):
            continue
        for option in field.options:
            crop = crop_mm(registered, option.box, pad_mm=defs.OMR_PAD)
            tiles.append(CheckboxTile(crop, read_checkbox(crop), f"{field.id}·{option.value}"))
    return tiles


def stored_checkbox_tiles(ws: Workspace, *, field_id: str | None = None) -> list[CheckboxTile]:
    """Checkbox tiles of every read page the workspace keeps a registered image of."""
    if field_id is not None and field_id not in _choice_field_ids():
        raise ScanError(f"没有名为 {field_id!r} 的勾选字段（可用：{'、'.join(sorted(_choice_field_ids()))}）")
    lookup = form_by_issue(scan_context(ws))
    with ws.session() as session:
        pages = pages_with_status(session, "read")
    tiles: list[CheckboxTile] = []
    for page in pages:
        form_page = _form_page(page, lookup)
        if form_page is None or page.registered is None:
            continue
        digest, _, suffix = page.registered.partition(".")
        with Image.open(ws.files.path_of(digest, suffix)) as image:
            registered = np.asarray(image.convert("L"))
        tiles += checkbox_tiles(registered, form_page, field_id=field_id)
    if not tiles:
        raise ScanError(f"工作区 {ws.root} 中没有已识读的扫描页带有复选框：请先用 jiafang ingest 读入扫描件")
    return tiles


def _form_page(page: ScannedPage, lookup: FormLookup) -> PageDef | None:
    form = lookup(page.form_id, page.layout_hash or "") if page.form_id else None
    if form is None or page.page_no is None or not 1 <= page.page_no <= form.page_count:
        return None
    return form.pages[page.page_no - 1]


def checkbox_gallery(tiles: Sequence[CheckboxTile], *, limit: int | None = None) -> Gallery:
    """Tiles sorted by fill ratio in rows, a labelled bar where each fill threshold falls.

    With ``limit``, that many tiles spread evenly over the fill order are shown.
    """
    ordered = _spread(sorted(tiles, key=lambda t: t.reading.fill_ratio), limit)
    tile_w, tile_h = _tile_size()
    width = tile_w * _GALLERY_COLUMNS
    sections = list(_sections(ordered))
    height = sum(_BAR_PX + tile_h * -(-len(band) // _GALLERY_COLUMNS) for _, band in sections)
    out = Image.new("RGB", (width, height), "white")
    pen = ImageDraw.Draw(out)
    y = 0
    for label, band in sections:
        pen.rectangle([0, y, width, y + _BAR_PX - 1], fill=(60, 60, 60))
        pen.text((8, y + 5), f"{label}（{len(band)} 个）", fill=(255, 255, 255), font=_font(_TILE_TEXT_PX + 2))
        y += _BAR_PX
        for i, tile in enumerate(band):
            out.paste(_tile_image(tile), ((i % _GALLERY_COLUMNS) * tile_w, y + (i // _GALLERY_COLUMNS) * tile_h))
        y += tile_h * -(-len(band) // _GALLERY_COLUMNS)
    return Gallery(out, tuple(ordered))


def _sections(ordered: Sequence[CheckboxTile]) -> Iterable[tuple[str, list[CheckboxTile]]]:
    """The tiles of each fill band, with the band's bar label (every band, empty or not)."""
    for i, (at, name, text) in enumerate(_FILL_BANDS):
        upper = _FILL_BANDS[i + 1][0] if i + 1 < len(_FILL_BANDS) else float("inf")
        band = [t for t in ordered if at <= t.reading.fill_ratio < upper]
        yield text.format(at=at, name=name, next=upper), band


def _spread(ordered: list[CheckboxTile], limit: int | None) -> list[CheckboxTile]:
    if limit is None or len(ordered) <= limit:
        return ordered
    if limit == 1:
        return ordered[:1]
    return [ordered[round(i * (len(ordered) - 1) / (limit - 1))] for i in range(limit)]


def _tile_size() -> tuple[int, int]:
    side = round((defs.OPTION_BOX + 2 * defs.OMR_PAD) * defs.REGISTERED_PX_PER_MM) * _TILE_ZOOM
    return side + 4, side + 8 + 3 * _TILE_TEXT_PX


def _tile_image(tile: CheckboxTile) -> Image.Image:
    """The crop enlarged, framed in its state's colour, with fill, state and field below."""
    tile_w, tile_h = _tile_size()
    out = Image.new("RGB", (tile_w, tile_h), "white")
    side = tile_w - 4
    crop = Image.fromarray(tile.crop).convert("RGB").resize((side, side), Image.Resampling.NEAREST)
    out.paste(crop, (2, 2))
    pen = ImageDraw.Draw(out)
    r = tile.reading
    pen.rectangle([0, 0, tile_w - 1, side + 3], outline=_STATE_COLOURS[r.state], width=2)
    font = _font(_TILE_TEXT_PX)
    pen.text((3, side + 4), f"{r.fill_ratio:.3f} {_STATE_NAMES[r.state]} {r.confidence:.2f}", fill=(0, 0, 0), font=font)
    pen.text((3, side + 4 + _TILE_TEXT_PX), f"覆盖 {r.cover_ratio:.2f} 墨团 {r.blot_mm:.1f}mm", fill=(90, 90, 90), font=font)
    pen.text((3, side + 4 + 2 * _TILE_TEXT_PX), _fitted(tile.label, font, tile_w - 6), fill=(90, 90, 90), font=font)
    return out


def _fitted(text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont, width: float) -> str:
    """``text`` cut (with an ellipsis) to fit ``width`` px."""
    if font.getlength(text) <= width:
        return text
    while text and font.getlength(text + "…") > width:
        text = text[:-1]
    return text + "…"


@cache
def _choice_field_ids() -> frozenset[str]:
    return frozenset(f.id for fid in form_ids() for f in load_form(fid).fields if f.kind in CHOICE_KINDS)


@cache
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """A CJK font for captions (the first the renderer would use), else Pillow's own."""
    for path in discover_font_files():
        try:
            return ImageFont.truetype(str(path), size)
        except OSError:
            continue
    return ImageFont.load_default(size)


def write_png(image: Image.Image, out: Path) -> Path:
    """Write ``image`` to ``out`` as PNG, atomically."""
    return atomic_write(out, lambda tmp: image.save(tmp, format="PNG"))
