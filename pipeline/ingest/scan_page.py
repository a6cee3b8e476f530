"""One scanned page → identified, registered, recognised: the work a scan worker does.

Pure with respect to the database: a worker gets a :class:`ScanContext` snapshot (issued
forms, layouts, roster) once, and returns a :class:`PageOutcome` that the main process stores.
Chain: ``identify`` (QR; else the printed footer; else the printed header) → ``register``
(markers → homography, fit checked) → ``recognise`` (every teacher-filled field of the page).
A scan of two pages side by side (printed two to a side, or two sheets on an A3 scanner) is
read half by half, each half a page of its own in the store (:mod:`pipeline.scan.two_up`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache, partial

import numpy as np
from PIL import Image

from pipeline import defs
from pipeline.errors import FontCoverageError, RenderError
from pipeline.identity import PagePayload
from pipeline.model.classes import normalize_class
from pipeline.model.filled import FilledForm
from pipeline.model.form import CHOICE_KINDS, COMB_KINDS, Box, FieldDef, FormDef, PageDef, load_form
from pipeline.model.layout import as_printed
from pipeline.model.people import Student, Teacher
from pipeline.model.policy import Policy
from pipeline.generate.batch import filled_form
from pipeline.model.record import RawValue
from pipeline.pdf_annots import PageComment
from pipeline.recognize.lexicon import Lexicon
from pipeline.recognize.lines import line_text
from pipeline.recognize.quality import page_ink, print_survival, thresholded
from pipeline.recognize.stray import Stray, stray_writing, writing_on_blank
from pipeline.recognize.text import read_short_text
from pipeline.render.pdf import render_padding_image, render_page_image
from pipeline.scan.geometry import crop_mm
from pipeline.recognize.ink import faint_map, has_ink
from pipeline.recognize.omr import read_checkbox
from pipeline.scan.identify import OTHER_SHEET, PageIdentity, identify_page, read_footer, registered_payload
from pipeline.scan.load import is_a4_shaped
from pipeline.scan.photo_quality import GLARE_DOUBT
from pipeline.scan.placement import DOUBT_MISPLACED, misplaced_fields
from pipeline.scan.rectify import glared_fields, rectify_photo, shows_blank_sheet
from pipeline.scan.register import Registration, register_page, warp_to_template
from pipeline.scan.two_up import Half, halves


FOREIGN_PAGE = "不是本系统的家访表：找不到定位标记和二维码（可能是其他材料、照片或别的系统的表格）"
UNFILLED_PAGE = "本页是本系统的表，但所有填写栏里都没有笔迹（空白表）"
FAINT_SCAN = "扫描质量差：表格细线只显示出 {share:.0%}，手写的细笔画可能已丢失，本页手写内容均需复核；建议改用灰度模式或更高分辨率重新扫描"
DOUBT_FAINT_SCAN = "本页扫描质量差，细笔画可能丢失"
FAINT_SCAN_MARK = FAINT_SCAN.split("{")[0]  # how a page's stored notes say it was scanned too faintly
PHOTO_REFINED = "手机照片：纸张弯曲，已按表格线校正（表格线偏差 {before:.2f} mm → {after:.2f} mm）"
PHOTO_GLARE = "手机照片有反光，{count} 个栏待核对"
MISPLACED = "纸面有局部变形：{count} 个栏的框线与版面对不上，待核对"
LOW_RESOLUTION = "扫描分辨率过低（约 {dpi:.0f} dpi）：细笔画和框线可能丢失，本页手写内容和空白栏均需复核；请用 200 dpi 或更高的灰度模式重新扫描"
SHRUNK_PHOTO = "照片被压缩过（整张只有 {width}×{height} 像素）：细笔画可能丢失，本页手写内容和空白栏均需复核；请发送原图（微信中勾选“原图”）"
DOUBT_LOW_RESOLUTION = "图像分辨率过低，细笔画可能丢失，请对照原图核对"
FAINT_HAND = "字迹过淡（铅笔或浅色笔）：请用灰度重新扫描"
DOUBT_FAINT_HAND = "本页字迹过淡，请对照原图核对"
BILEVEL_NARRATIVE = "黑白二值图像（1 位扫描或手机扫描软件的黑白模式）：手写段落的标点和细笔画分辨不清，{count} 段待核对；建议改用灰度模式扫描"
DOUBT_BILEVEL = "黑白二值图像分辨不清标点和细笔画，请对照原图核对这一段"
WRITTEN_BACK = "这一页没有印表格，但有手写字迹（可能是写在表单背面的续写或备注），没有读入：请对照原图核对，把内容补到对应的表单上"
WRITTEN_PADDING = "“此页有意留空”的页上有手写字迹（可能是接着前一张表写的内容），没有读入：请对照原图核对，把内容补到对应的表单上"
STRAY = "本页有 {count} 处手写字迹不在填写栏里（写在印好的内容上、页边或栏目之间），没有读入，已标在相应的栏上待核对"
DOUBT_STRAY_PRINTED = "“{label}”印好的内容旁有多出的字迹（可能手写改了预填内容、划掉后写了别的学生，或花名册在打印后改过），没有读入，请对照原图核对"
DOUBT_STRAY_NEAR = "此栏附近的填写栏以外有手写字迹（页边或栏目之间），没有读入，请对照原图核对"
BLANK_PAGE = "空白页（双面扫描的背面或有意留空的页）"
UNCHECKED_PADDING = "读入的电脑缺少字体，没能检查这张有意留空的页上有没有手写字迹，请看一眼原图"
UNCHECKED_STRAYS = "无法还原这张表印好的样子（预填内容在打印后改过，或读入的电脑缺少字体），本页没有查找填写栏以外的手写字迹，请对照原图看一眼页边和预填栏旁"
COMMENTED = "扫描件的 PDF 上有批注：{text}，没有读入，请核对（此提示放在本页第一栏“{label}”）"
COMMENTED_HERE = "扫描件的 PDF 上此栏有批注：{text}，没有读入，请核对"
COMMENTED_PAGE = "这一页的 PDF 上有批注：{text}"
TWO_UP = "一张扫描件上并排有两页（每版打印 2 页，或两张纸在 A3 扫描仪上并排扫描），已分开读入"


@dataclass(frozen=True)
class IssueInfo:
    form: str
    layout_hash: str
    student_no: str
    class_name: str


@dataclass(frozen=True)
class ScanContext:
    """What a worker needs to know about the school, snapshot at the start of a batch."""

    school_code: str
    issued: Mapping[str, IssueInfo]  # form id → issue
    layouts: Mapping[str, dict]  # layout hash → stored layout JSON
    students: Mapping[str, Student]
    teachers: Sequence[Teacher]
    dates: tuple[dt.date, dt.date]  # first and last day a date written on a form is read as
    places: tuple[str, ...] = ()  # place values people verified in this workspace (a lexicon)
    other_schools: frozenset[str] = frozenset()  # codes of the store's other schools: their forms are ours too
    policy: Policy | None = None  # what this school's forms print (its name, the outline's guidance): the page as printed


@dataclass
class PageOutcome:
    status: str  # read / blank / quarantined; for a whole file: refused / incomplete
    reason: str = ""
    form_id: str | None = None
    page_no: int | None = None
    layout_hash: str | None = None
    residual_mm: float | None = None
    quality: float = 0.0
    values: dict[str, RawValue] = field(default_factory=dict)
    page_image: bytes = b""  # the page as scanned (JPEG, or PNG for 1-bit scans)
    page_suffix: str = ".jpg"
    registered_image: bytes | None = None  # JPEG of the page in template space
    crops: dict[str, bytes] = field(default_factory=dict)  # field id → PNG crop
    notes: tuple[str, ...] = ()
    unreadable: bool = False  # the page image could not be decoded (never reached a reader)
    foreign: bool = False  # neither a QR symbol nor a single marker: no form of ours at all
    # A scan of two pages side by side (status "split"): each half read as a page of its own,
    # with its own image, where it lies on the scan (左半页 …) and its pixels' digest.
    parts: tuple[PageOutcome, ...] = ()
    part: str = ""
    digest: str = ""
    # 3x3, the scan's shares of its width and height → template mm: where a PDF app's comment
    # on a flat scan lies on the form (None for a photo); a half takes only the comments on it
    shares_to_mm: np.ndarray | None = None
    half_shares: tuple[float, float, float, float] | None = None  # of a half: the scan it covers
    form_page: PageDef | None = None  # of a page read: its form page as printed (an older layout too)


def read_page(image: np.ndarray, dpi: float | None, ctx: ScanContext, *, assigned: PagePayload | None = None) -> PageOutcome:
    """Everything the scan reader can learn from one page image; ``assigned`` is the identity
    a person gave a quarantined page (then the page is not identified again). ``dpi`` None
    means a phone photo (or a stored page): it is rectified rather than checked as a flat scan."""
    outcome = _read_as(image, dpi, ctx, assigned, None, ()) if assigned else _read(image, dpi, ctx)
    if not outcome.parts:
        outcome.page_image, outcome.page_suffix = _encode_page(image)
    return outcome


def read_assigned_page(image: np.ndarray, ctx: ScanContext, assigned: PagePayload) -> PageOutcome:
    """A stored page a person assigned to a form: its scan resolution is not stored, so it is
    read as a flat scan at the resolution its width implies and, failing that, as a photo."""
    as_scan = read_page(image, _dpi_of(image), ctx, assigned=assigned)
    if as_scan.status == "read":
        return as_scan
    as_photo = read_page(image, None, ctx, assigned=assigned)
    # Neither read: the reason shown is the one for what the image looks like (no retake
    # advice for a copier's page).
    return as_photo if as_photo.status == "read" or not is_a4_shaped(image.shape) else as_scan


def _read(image: np.ndarray, dpi: float | None, ctx: ScanContext, *, whole: bool = True) -> PageOutcome:
    """Identify, register and recognise a page image; a scan of two pages side by side (not a
    ``whole`` one's half) is read half by half."""
    found = identify(image, dpi)
    if whole and dpi is not None and (two := halves_of(image, dpi, found)):
        return PageOutcome("split", parts=tuple(_read_half(half, dpi, ctx) for half in two))
    if found.several:  # no fallback: the footer or header would name one sheet and lose the other
        return PageOutcome("quarantined", found.reason)
    if found.blank:
        return _blank(image, dpi, found)
    payload = found.payload
    rotation: int | None = found.rotation
    notes: tuple[str, ...] = ()
    if payload is None:
        payload, notes = _fallback_identity(image, dpi, ctx, found)
        rotation = None
        if payload is None:
            # a photo's reason goes on to say how to retake it, should it be our form after all
            foreign = bool(notes) and notes[0].startswith(FOREIGN_PAGE)
            return PageOutcome("quarantined", notes[0] if notes else found.reason, foreign=foreign)
    return _read_as(image, dpi, ctx, payload, rotation, notes, unfilled_is_blank=True)


def _blank(image: np.ndarray, dpi: float | None, found: PageIdentity) -> PageOutcome:
    """A page with no form on it, or our duplex padding page: skipped, unless someone wrote on
    it (a note continued on the back of a sheet): then held for a person, never dropped."""
    if dpi is not None and found.payload is None and writing_on_blank(image, dpi):
        return PageOutcome("quarantined", WRITTEN_BACK)
    written = _written_on_padding(image, dpi, found) if found.payload is not None else False
    if written:
        return PageOutcome("quarantined", WRITTEN_PADDING)
    return PageOutcome("blank", BLANK_PAGE if written is not None else f"{BLANK_PAGE}；{UNCHECKED_PADDING}")


def _written_on_padding(image: np.ndarray, dpi: float | None, found: PageIdentity) -> bool | None:
    """Whether writing lies on a duplex padding page beyond what it prints; a page that cannot
    be registered is taken as printed; None when the page cannot be drawn here (no fonts)."""
    assert found.payload is not None
    page = replace(_generic_page(), fields=(), content_boxes=())
    placed = place_page(image, dpi, page, _page_size(), found.rotation)
    if placed.page is None:
        return False
    after = FilledForm(form=load_form("record"), form_id="", school_code=found.payload.school, title="")
    try:
        printed = render_padding_image(after, found.payload.page, found.payload.layout_hash, defs.REGISTERED_PX_PER_MM)
    except FontCoverageError:
        return None
    return bool(stray_writing(placed.page, printed, page))


def identify(image: np.ndarray, dpi: float | None) -> PageIdentity:
    """The QR symbols of a page image (``dpi`` None: a photo). A photo, or a scan of other than
    one A4 page (two sheets fed as one, a 2-up print on A3), may hold two pages: it is searched whole."""
    return identify_page(image, dpi=dpi or _dpi_of(image), photo=dpi is None or not is_a4_shaped(image.shape))


def halves_of(image: np.ndarray, dpi: float | None, found: PageIdentity) -> list[Half]:
    """The halves a page image identified as ``found`` is read as, when it is a scan of two pages
    side by side; [] for one page, and for a photo (``dpi`` None: where a photo's sheet lies, a
    cut down its middle can miss it)."""
    return halves(image, found.symbols, dpi=dpi, page_size=_page_size()) if dpi is not None else []


def _read_half(half: Half, dpi: float, ctx: ScanContext) -> PageOutcome:
    """One half of a scan of two pages side by side, read as a page printed at its scale."""
    outcome = _read(half.image, dpi * half.scale, ctx, whole=False)
    outcome.notes = (*outcome.notes, TWO_UP)
    outcome.page_image, outcome.page_suffix = _encode_page(half.image)
    outcome.part, outcome.digest = half.label, pixels_digest(half.image)
    outcome.half_shares = half.shares
    left, top, right, bottom = half.shares
    if outcome.shares_to_mm is not None:  # from shares of the half to shares of the whole scan
        outcome.shares_to_mm = outcome.shares_to_mm @ np.array(
            [[1 / (right - left), 0.0, -left / (right - left)], [0.0, 1 / (bottom - top), -top / (bottom - top)], [0.0, 0.0, 1.0]]
        )
    return outcome


def with_comments(outcome: PageOutcome, comments: Sequence[PageComment]) -> PageOutcome:
    """``outcome`` of a page whose PDF carries a PDF app's ``comments`` (their words show on no
    page image): on a page read, each is shown on the field it lies on or nearest it (a
    pre-printed one then goes to a person with its image: "电话已换" on the printed phone number is
    about it), or on the page's first field to fill where its place on the form is not known (a
    photo); on any other page, in its reason, for the clerk. A half of a scan of two pages side by
    side takes the comments that lie on it (a note about one student is not put on the other's)."""
    comments = [c for c in comments if _on_half(outcome, c)]
    if not comments:
        return outcome
    page = outcome.form_page
    first = next((f for f in page.fields if f.fillable and f.id in outcome.values), None) if page else None
    if page is None or first is None:
        text = "；".join(c.text for c in comments)
        reason = "；".join(r for r in (outcome.reason or "；".join(outcome.notes), COMMENTED_PAGE.format(text=text)) if r)
        return replace(outcome, reason=reason)
    values = dict(outcome.values)
    for comment in comments:
        if (f := _commented_field(outcome, page, comment)) is not None:
            _with_doubt(values, f, COMMENTED_HERE.format(text=comment.text))
        else:
            _with_doubt(values, first, COMMENTED.format(text=comment.text, label=first.label))
    return replace(outcome, values=values, crops={**_crops_of(outcome, page, set(values) - set(outcome.values)), **outcome.crops})


def _crops_of(outcome: PageOutcome, page: PageDef, field_ids: Collection[str]) -> dict[str, bytes]:
    """PNG crops of fields ``field_ids`` cut from a page read's registered image."""
    if not field_ids or outcome.registered_image is None:
        return {}
    registered = np.asarray(Image.open(io.BytesIO(outcome.registered_image)).convert("L"))
    return {f.id: _png(crop_mm(registered, f.box, pad_mm=defs.CROP_PAD_MM)) for f in page.fields if f.id in field_ids}


def _on_half(outcome: PageOutcome, comment: PageComment) -> bool:
    """Whether ``comment`` lies on the half of a scan ``outcome`` is (on any other page: yes; a
    comment whose place is not known, or that lies on the cut, goes to both)."""
    if outcome.half_shares is None or comment.at is None:
        return True
    left, top, right, bottom = outcome.half_shares
    x, y = (min(max(share, 0.0), 1.0) for share in comment.at)
    return left <= x <= right and top <= y <= bottom


def _commented_field(outcome: PageOutcome, page: PageDef, comment: PageComment) -> FieldDef | None:
    """The field a comment's mark lies on or nearest to, where its place on the form is known."""
    if comment.at is None or outcome.shares_to_mm is None:
        return None
    x, y, w = outcome.shares_to_mm @ np.array([*comment.at, 1.0])
    return _nearest(Box(float(x / w), float(y / w), 0.0, 0.0), _shown_on(page, outcome.values))


def _shown_on(page: PageDef, values: Mapping[str, RawValue]) -> list[FieldDef]:
    """The fields of a page read that what it found outside them can be shown on: those read,
    and the pre-printed ones."""
    return [f for f in page.fields if f.id in values or not f.fillable]


def _with_doubt(values: dict[str, RawValue], f: FieldDef, doubt: str) -> None:
    """``doubt`` on field ``f`` in ``values`` (once): a pre-printed field, which the scan reader
    does not read, gets a value of its own, its printed value standing until a person changes it."""
    if f.id not in values:
        values[f.id] = RawValue(raw=None, confidence=1.0, source="ocr", doubt=doubt)
    elif doubt not in values[f.id].doubt:
        values[f.id] = _doubted(values[f.id], doubt)


def pixels_digest(image: np.ndarray) -> str:
    """Hash of a page image's pixels and shape: the same page scanned into another file is the same."""
    digest = hashlib.sha256(repr(image.shape).encode())
    digest.update(image.tobytes())
    return digest.hexdigest()


def _read_as(
    image: np.ndarray,
    dpi: float | None,
    ctx: ScanContext,
    payload: PagePayload,
    rotation: int | None,
    notes: tuple[str, ...],
    *,
    unfilled_is_blank: bool = False,
) -> PageOutcome:
    """Register and recognise a page whose identity is known; with ``unfilled_is_blank`` a
    page with no writing in any box a teacher fills is blank (a person's assignment is read)."""
    problem = _issue_problem(payload, ctx)
    if problem:
        return PageOutcome("quarantined", problem, form_id=payload.form_id, page_no=payload.page)
    form = form_for(ctx.issued[payload.form_id], ctx.layouts)
    if not 1 <= payload.page <= form.page_count:
        return PageOutcome("quarantined", f"页码 {payload.page} 超出表单页数 {form.page_count}", form_id=payload.form_id)
    form_page = form.pages[payload.page - 1]
    placed = place_page(image, dpi, form_page, form.page_size, rotation)
    if placed.page is None:
        reason = placed.reason if dpi is None else f"配准失败：{placed.reason}"  # a photo's reason says how to retake it
        return PageOutcome("quarantined", reason, form_id=payload.form_id, page_no=payload.page)
    registration, registered, notes = placed.registration, placed.page, (*notes, *placed.notes)
    if rotation is not None and (other := _another_sheet(registered, form_page, payload)):  # identified by a QR
        return PageOutcome("quarantined", other, form_id=payload.form_id, page_no=payload.page)
    issue = ctx.issued[payload.form_id]
    student = ctx.students[issue.student_no]
    ink = page_ink(registered, form_page)
    strays = find_strays(registered, form, payload, ctx, faint_level=ink.written_faintly)
    if unfilled_is_blank and not strays and not _has_writing(registered, form_page):
        return PageOutcome("blank", UNFILLED_PAGE, form_id=payload.form_id, page_no=payload.page, layout_hash=form.layout_hash)
    lexicon = Lexicon.from_roster(student, ctx.teachers, issue.class_name, dates=ctx.dates, places=ctx.places)
    values, crops = recognise_page(registered, form_page, lexicon, faint_level=ink.faint_level)
    values = {fid: _doubted(v, GLARE_DOUBT) if fid in placed.glare else v for fid, v in values.items()}
    survival = print_survival(registered, form_page)
    if low_resolution := _too_few_pixels(image, dpi):
        # thin lines, strokes and box outlines are lost for want of pixels: the lines, the
        # boxes' places and the ink's darkness cannot be judged, and the cause is the setting
        values = faint_scan_doubts(values, DOUBT_LOW_RESOLUTION, also=misplaced_fields(registered, form_page))
        notes = (*notes, low_resolution)
    elif survival < defs.PRINT_SURVIVAL_MIN:
        values = faint_scan_doubts(values)
        notes = (*notes, FAINT_SCAN.format(share=survival))
    elif misplaced := misplaced_fields(registered, form_page, flat=dpi is not None):  # a scan that lost its lines says so above instead
        values = {fid: _doubted(v, DOUBT_MISPLACED) if fid in misplaced else v for fid, v in values.items()}
        notes = (*notes, MISPLACED.format(count=len(misplaced)))
    if ink.is_faint and not low_resolution:
        values = faint_hand_doubts(values)
        notes = (*notes, FAINT_HAND)
    if (held := _written_narratives(values, form_page)) and thresholded(image):
        values = {fid: _doubted(v, DOUBT_BILEVEL) if fid in held else v for fid, v in values.items()}
        notes = (*notes, BILEVEL_NARRATIVE.format(count=len(held)))
    if strays is None:
        notes = (*notes, UNCHECKED_STRAYS)
    elif strays:
        values, crops = _stray_doubts(values, crops, strays, registered, form_page)
        notes = (*notes, STRAY.format(count=len(strays)))
    return PageOutcome(
        "read",
        form_id=payload.form_id,
        page_no=payload.page,
        layout_hash=form.layout_hash,
        residual_mm=registration.residual_mm,
        quality=_quality(registration, values),
        values=values,
        registered_image=_jpeg(registered),
        crops=crops,
        notes=notes,
        shares_to_mm=_shares_to_mm(registration, image) if dpi is not None else None,
        form_page=form_page,
    )


def _shares_to_mm(registration: Registration, image: np.ndarray) -> np.ndarray | None:
    """The page image's shares of its width and height → template mm, by the page's registration."""
    if registration.homography is None:
        return None
    height, width = image.shape[:2]
    return registration.homography @ np.diag([float(width), float(height), 1.0])


def find_strays(
    registered: np.ndarray, form: FormDef, payload: PagePayload, ctx: ScanContext, *, faint_level: float | None = None
) -> list[Stray] | None:
    """The writing outside the boxes to fill of a registered page of this school, found against
    the page as printed for its student (recognize.stray; down to ``faint_level`` on a page
    written faintly); none looked for without the school's policy or the page's issue; None when
    the page cannot be drawn as printed here (a roster value changed since printing that no
    longer fits its box, a reading PC without the fonts)."""
    issue = ctx.issued.get(payload.form_id)
    if ctx.policy is None or payload.school != ctx.school_code or issue is None or issue.student_no not in ctx.students:
        return []
    filled = filled_form(form, ctx.students[issue.student_no], ctx.policy, form_id=payload.form_id)
    try:
        printed = render_page_image(filled, payload.page, defs.REGISTERED_PX_PER_MM)
    except (RenderError, FontCoverageError):  # a value no box or font holds now; a worker PC without the fonts
        return None
    return stray_writing(registered, printed, form.pages[payload.page - 1], faint_level=faint_level)


def _stray_doubts(
    values: dict[str, RawValue], crops: dict[str, bytes], strays: Sequence[Stray], registered: np.ndarray, page: PageDef
) -> tuple[dict[str, RawValue], dict[str, bytes]]:
    """Each patch of writing outside the boxes to fill shown on a field: on the pre-printed field
    it lies on, else on the field nearest it. A pre-printed field then goes to a person, its
    printed value standing until they say otherwise: a correction written past the table's edge
    beside it, or a strike through it that runs on past its box, is about that value, not about
    the field to fill nearest it. The field's crop grows to show the patch, but a paragraph's,
    whose line images are cut from it by its box's corner."""
    values, crops = dict(values), dict(crops)
    fields = {f.id: f for f in page.fields}
    shown: dict[str, Box] = {}
    near = _shown_on(page, values)
    for stray in strays:
        f = fields[stray.field_id] if stray.field_id is not None else _nearest(stray.box, near)
        if f is None:
            continue
        _with_doubt(values, f, DOUBT_STRAY_NEAR if f.fillable else DOUBT_STRAY_PRINTED.format(label=f.label))
        shown[f.id] = shown.get(f.id, f.box).united(stray.box)
    for fid, box in shown.items():
        if not values[fid].lines:
            crops[fid] = _png(crop_mm(registered, box, pad_mm=defs.CROP_PAD_MM))
    return values, crops


def _nearest(box: Box, fields: Sequence[FieldDef]) -> FieldDef | None:
    """The field whose box lies nearest ``box`` (the gap between them): writing that runs out
    of a box belongs to that box, not to a neighbour whose centre happens to be nearer."""
    def gap(f: FieldDef) -> float:
        dx = max(f.box.x - box.right, box.x - f.box.right, 0.0)
        dy = max(f.box.y - box.bottom, box.y - f.box.bottom, 0.0)
        return float(np.hypot(dx, dy))

    return min(fields, key=gap, default=None)


def _too_few_pixels(image: np.ndarray, dpi: float | None) -> str:
    """The page's note when it has too few pixels for thin strokes: a scan below
    ``defs.SCAN_DPI_LOW``, a photo (dpi None) shrunk after it was taken; "" otherwise."""
    if dpi is not None:
        return LOW_RESOLUTION.format(dpi=dpi) if dpi < defs.SCAN_DPI_LOW else ""
    height, width = image.shape[:2]
    return SHRUNK_PHOTO.format(width=width, height=height) if max(height, width) < defs.PHOTO_CAMERA_MIN_PX else ""


def recognise_page(
    registered: np.ndarray, page: PageDef, lexicon: Lexicon, *, faint_level: float = defs.FAINT_INK_LEVEL
) -> tuple[dict[str, RawValue], dict[str, bytes]]:
    """Raw values and PNG crops of every teacher-filled field of a registered page."""
    from pipeline.recognize.engine import default_engine
    from pipeline.recognize.fields import recognize_page

    values = recognize_page(registered, page, engine=default_engine(), lexicon=lexicon, faint_level=faint_level)
    boxes = {f.id: f.box for f in page.fields}
    crops = {fid: _png(crop_mm(registered, boxes[fid], pad_mm=defs.CROP_PAD_MM)) for fid in values}
    return values, crops


def _has_writing(registered: np.ndarray, page: PageDef) -> bool:
    """Ink inside any box a teacher fills (inside its printed frame): the page was filled in."""
    for f in page.fields:
        if not f.fillable:
            continue
        if f.kind in COMB_KINDS:
            boxes = [crop_mm(registered, c, pad_mm=-defs.CELL_INSET) for c in f.cells]
        elif f.kind in CHOICE_KINDS:
            # A box filled solid has no paper left inside to tell ink from: ask OMR, which
            # sees any mark (tick, cross, fill) against the box's printed frame.
            crops = (crop_mm(registered, o.box, pad_mm=defs.OMR_PAD) for o in f.options)
            if any(read_checkbox(c).state != "empty" for c in crops):
                return True
            continue
        else:
            boxes = [crop_mm(registered, f.value_box, pad_mm=-defs.TEXT_INSET)]
        # pencil counts too, but not in narrative boxes: a 1-bit copy breaks their guide
        # lines into dots that, joined, would look like faint writing on an unfilled page
        faint_too = f.kind != "multiline"
        if any(has_ink(box) or (faint_too and faint_map(box).present) for box in boxes):
            return True
    return False


def faint_scan_doubts(
    values: Mapping[str, RawValue], doubt: str = DOUBT_FAINT_SCAN, *, empty_only: bool = False, also: Collection[str] = ()
) -> dict[str, RawValue]:
    """Values of a page whose scan lost the form's thin lines: every box read empty (a pencil
    tick the copier dropped reads as no tick) and, unless ``empty_only``, every handwritten
    reading and every tick not read surely (in broken pieces, it may be what the copy kept of a
    filled box) go to a person, as do the fields named in ``also``."""
    lost = {fid for fid, v in values.items() if not v.raw or (not empty_only and (v.source == "ocr" or v.confidence < 1.0))}
    lost |= set(also)
    return {fid: _doubted(v, doubt) if fid in lost else v for fid, v in values.items()}


def _written_narratives(values: Mapping[str, RawValue], page: PageDef) -> set[str]:
    """Handwritten paragraphs of a page that hold text. On a thresholded page a final 。 the
    threshold wiped out, or a 。 it broke into a ：, leaves the rest of a line read surely;
    no confidence tells those lines apart (five 1-bit 200 dpi stacks of the photo pool: 2 of
    the 16 written paragraphs accepted were wrong), so every paragraph of such a page is a
    person's to check."""
    narratives = {f.id for f in page.fields if f.kind == "multiline"}
    return {fid for fid, v in values.items() if fid in narratives and v.raw}


def faint_hand_doubts(values: Mapping[str, RawValue]) -> dict[str, RawValue]:
    """Values of a page whose writing is faint or broken: a sure reading of clear ink stands;
    everything else may have lost faint strokes and goes to a person."""
    return {fid: v if v.confidence >= 1.0 and v.raw else _doubted(v, DOUBT_FAINT_HAND) for fid, v in values.items()}


def _doubted(value: RawValue, doubt: str = DOUBT_FAINT_SCAN) -> RawValue:
    """``value`` sent to a person for ``doubt``, a doubt about the whole field: it covers every
    line of a paragraph, so that the review station shows each line's image over its draft,
    not only the lines the recognizer itself was unsure of."""
    lines = tuple(replace(line, accepted=False) for line in value.lines)
    return replace(value, doubt="；".join(d for d in (value.doubt, doubt) if d), lines=lines)


@dataclass(frozen=True, eq=False)
class PlacedPage:
    """A page image placed on its form: the registered page, or why it cannot be."""

    registration: Registration
    page: np.ndarray | None  # in template space; None when the page cannot be used
    reason: str = ""  # Chinese, why the page cannot be used (when page is None)
    glare: frozenset[str] = frozenset()  # fields a photo's glare lies over
    notes: tuple[str, ...] = ()


def place_page(
    image: np.ndarray, dpi: float | None, form_page: PageDef, page_size: tuple[float, float], rotation: int | None
) -> PlacedPage:
    """A scan is registered on its markers and checked as a flat page; a photo (dpi None) is
    rectified (perspective, curl, light) and checked for what a reader needs."""
    if dpi is not None:
        registration = register_page(image, form_page, dpi=dpi, rotation=rotation)
        if not registration.ok:
            return PlacedPage(registration, None, registration.reason)
        return PlacedPage(registration, warp_to_template(image, registration, page_size))
    photo = rectify_photo(image, form_page, page_size, rotation=rotation)
    if not photo.ok or photo.registered is None or photo.glare is None:
        return PlacedPage(photo.registration, None, photo.registration.reason)
    glare = frozenset(glared_fields(photo.glare, form_page))
    notes: tuple[str, ...] = (PHOTO_REFINED.format(before=photo.residual_before_mm, after=photo.residual_after_mm),) if photo.refined else ()
    notes += (PHOTO_GLARE.format(count=len(glare)),) if glare else ()
    return PlacedPage(photo.registration, photo.registered, glare=glare, notes=notes)


def _another_sheet(registered: np.ndarray, form_page: PageDef, payload: PagePayload) -> str:
    """Why the registered sheet is not the page the picture was identified as ("" when it is,
    or when its own QR code cannot be read): two sheets in one picture, the other one found."""
    shown = registered_payload(registered, form_page)
    if shown is None or (shown.form_id, shown.page) == (payload.form_id, payload.page):
        return ""
    return OTHER_SHEET.format(found=shown.form_id, found_page=shown.page, form_id=payload.form_id, page=payload.page)


def form_for(issue: IssueInfo, layouts: Mapping[str, dict]) -> FormDef:
    """The form as it was printed: the current definition, or the stored older layout."""
    return as_printed(load_form(issue.form), issue.layout_hash, layouts.get(issue.layout_hash))


def _dpi_of(image: np.ndarray) -> float:
    """A page image's resolution judged from its width against A4 (for stored page images)."""
    return min(image.shape[:2]) / 210 * 25.4


def _issue_problem(payload: PagePayload, ctx: ScanContext) -> str:
    if payload.is_blank:
        return ""
    if payload.school != ctx.school_code and payload.school not in ctx.other_schools:
        return f"其他学校的表单（学校代码 {payload.school}，表单编号 {payload.form_id}），请退回原学校"
    if payload.form_id not in ctx.issued:
        return f"表单编号 {payload.form_id} 从未在本工作区发放（是否用错了工作区？）"
    return ""


def _fallback_identity(
    image: np.ndarray, dpi: float | None, ctx: ScanContext, found: PageIdentity
) -> tuple[PagePayload | None, tuple[str, ...]]:
    """A page whose QR is unreadable: register on the markers (all our pages share them), then
    read the printed footer's form id, else match the printed header against the roster. A page
    with neither a QR symbol nor a single marker is not our form at all (a photo of it also
    says how to retake it, should it be our form after all)."""
    from pipeline.recognize.engine import default_engine

    qr_reason = found.reason
    generic = _generic_page()
    placed = place_page(image, dpi, generic, _page_size(), None)
    if placed.page is None:
        if placed.registration.markers_found == 0:  # not our page at all; a QR of its own is named
            if found.qr_points is not None:
                return None, (qr_reason,)
            if dpi is None and shows_blank_sheet(image, _page_size()):
                return None, (placed.reason,)  # the back of a sheet: the photo's reason says to take the front
            return None, (FOREIGN_PAGE if dpi is not None else f"{FOREIGN_PAGE}；若这是家访表的照片：{placed.reason}",)
        return None, (f"{qr_reason}；且无法配准：{placed.reason}",)
    registered = placed.page
    footer = read_footer(registered, generic, partial(line_text, default_engine()))
    if footer and footer.form_id in ctx.issued:
        issue = ctx.issued[footer.form_id]
        form = form_for(issue, ctx.layouts)
        page = footer.page if footer.page and 1 <= footer.page <= form.page_count else 1
        note = f"二维码无法识读，已按页脚印刷的表单编号 {footer.form_id} 识别"
        return PagePayload(ctx.school_code, footer.form_id, page, form.page_count, form.layout_hash), (note,)
    return _header_identity(registered, ctx, qr_reason)


def _header_identity(
    registered: np.ndarray, ctx: ScanContext, qr_reason: str
) -> tuple[PagePayload | None, tuple[str, ...]]:
    """Last resort: the printed student name and class on page 1, matched to exactly one
    issued, not yet identified form of that student."""
    from pipeline.recognize.engine import default_engine

    engine = default_engine()
    record = load_form("record")

    def printed(field_id: str) -> str:
        box = record.field(field_id).value_box
        reading = read_short_text(crop_mm(registered, box, pad_mm=-defs.TEXT_INSET), engine)
        return reading.text.strip() if reading is not None else ""

    name, class_name = printed("student_name"), normalize_class(printed("class_name"))
    students = [s for s in ctx.students.values() if s.name == name and normalize_class(s.class_name) == class_name]
    candidates = [
        fid for fid, i in ctx.issued.items() if students and i.student_no == students[0].student_no and i.form == "record"
    ]
    if len(students) == 1 and len(candidates) == 1:
        fid = candidates[0]
        form = form_for(ctx.issued[fid], ctx.layouts)
        note = f"二维码和页脚均无法识读，已按页眉的学生姓名“{name}”和班级识别，请核对"
        return PagePayload(ctx.school_code, fid, 1, form.page_count, form.layout_hash), (note,)
    return None, (f"{qr_reason}；页脚表单编号和页眉学生信息也无法确定是哪一份表单，已隔离待人工指定",)


@cache
def _generic_page() -> PageDef:
    return load_form("record").pages[0]


def _page_size() -> tuple[float, float]:
    return load_form("record").page_size


def _quality(registration: Registration, values: Mapping[str, RawValue]) -> float:
    """Mean confidence of the fields, less the registration error: picks the better duplicate."""
    confidences = [v.confidence for v in values.values()] or [0.0]
    return float(np.mean(confidences)) - registration.residual_mm / 10


def _encode_page(image: np.ndarray) -> tuple[bytes, str]:
    bilevel = not ((image > 0) & (image < 255)).any()
    return (_png(image), ".png") if bilevel else (_jpeg(image), ".jpg")


def _png(image: np.ndarray) -> bytes:
    buf = io.BytesIO()
    # Scans are noisy: the strongest compression saves little and costs twice the time.
    Image.fromarray(image).save(buf, format="PNG", compress_level=defs.PNG_COMPRESS_LEVEL)
    return buf.getvalue()


def _jpeg(image: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, format="JPEG", quality=defs.PAGE_JPEG_QUALITY)
    return buf.getvalue()
