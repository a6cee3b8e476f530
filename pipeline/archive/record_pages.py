"""One record as readable pages: every field with its label, value and review status, then
the original scan pages (or where the returned Word/PDF file is kept).

Shared by the dossier and the packet. What an outward document may show is decided by
pipeline.archive.privacy before anything is drawn; on scan images the boxes of masked and
withheld fields are blanked, since the paper carries the same numbers and notes.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image as PILImage
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Image, PageBreak, Spacer
from sqlalchemy.orm import Session

from pipeline import defs
from pipeline.archive.privacy import WITHHELD, Privacy
from pipeline.archive.story import FRAME_H, FRAME_W, PageMark, grid, para, styles
from pipeline.errors import ArchiveError
from pipeline.export.records import STATUS_LABELS
from pipeline.model.form import CHOICE_KINDS, Box, FieldDef, FormDef, load_form
from pipeline.model.record import Record
from pipeline.store import records as record_store
from pipeline.store import scans as scan_store
from pipeline.store.workspace import Workspace

FIELD_STATUS = {"auto": "自动", "review": "待复核", "verified": "已核实"}
LEGEND = "字段状态：自动＝机器读取并通过校验；待复核＝需要人工确认（灰底）；已核实＝已由人工确认或更正。"
# Pre-filled fields the page header already shows.
IN_HEADER = frozenset({"form.id", "school.name", "student.name", "student.student_no", "student.class_name"})
SOURCE_KINDS = {"docx": "Word 文件", "pdf": "PDF 文件", "image": "扫描文件"}
DIGEST_CHARS = 64  # file-store names are "<sha256 hex><suffix>"
REDACT_GREY = 200  # grey level painted over a blanked box on a scan image
CAPTION_ROOM = 16.0  # mm kept above a scan image for its caption


@dataclass(frozen=True)
class RecordPage:
    """Everything one record's pages show, gathered from the workspace."""

    record: Record  # as the document shows it (privacy applied)
    form: FormDef
    withheld: frozenset[str]  # field ids left out of this document
    redact: frozenset[str]  # field ids blanked on the scan images
    earlier: tuple[Record, ...]  # earlier versions, oldest first
    source: str  # where the record came from (Chinese)
    scans: tuple[tuple[int, Path], ...]  # (page number, image file) of the original pages
    scans_left_out: int  # scan pages an outward document cannot show (not registered)


def load_record_page(ws: Workspace, session: Session, record: Record, privacy: Privacy) -> RecordPage:
    form = load_form(record.form)
    shown = privacy.record(record, form)
    withheld = privacy.withheld_fields(form)
    masked = {f.id for f in form.fields if f.masked} if privacy.outward else set()
    history = record_store.record_history(session, record.form_id)
    pages = scan_store.read_pages(session, record.form_id)
    # Only a page warped onto the template can have its boxes blanked.
    usable = [(p.page_no or 0, p.registered if privacy.outward else p.registered or p.image) for p in pages]
    scans = tuple((no, _stored_path(ws, name)) for no, name in usable if name)
    return RecordPage(
        record=shown,
        form=form,
        withheld=withheld,
        redact=_changed_fields(record, shown) | withheld | masked,
        earlier=tuple(r for r in history if r.version < record.version),
        source=_source_line(session, record, len(scans)),
        scans=scans,
        scans_left_out=len(usable) - len(scans),
    )


@dataclass(frozen=True)
class ScanImage:
    """One original page as the archive embeds it."""

    page_no: int
    path: Path  # grayscale JPEG at the archive resolution
    width: int  # px
    height: int  # px
    blanked: bool  # boxes were greyed over (outward)


def convert_scans(pages: Sequence[RecordPage], scratch: Path) -> dict[str, list[ScanImage]]:
    """The archive JPEGs of every scan page of ``pages`` by form id, made on all cores
    (OpenCV lets go of the GIL while it decodes, scales and encodes)."""
    jobs = [(page, no, src, scratch / f"{page.record.form_id}-{i}.jpg") for page in pages for i, (no, src) in enumerate(page.scans)]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        images = list(pool.map(lambda job: _convert(*job), jobs))
    out: dict[str, list[ScanImage]] = {p.record.form_id: [] for p in pages}
    for (page, *_), image in zip(jobs, images, strict=True):
        out[page.record.form_id].append(image)
    return out


def record_story(page: RecordPage, scans: Sequence[ScanImage], *, mark: str) -> list[Flowable]:
    """Flowables of one record: its field table, then one page per original scan page."""
    s = styles()
    r = page.record
    story: list[Flowable] = [
        PageMark(mark),
        para(f"{page.form.title}　{_shown(r, page.form, 'student')}　{date_of(r, page.form) or ''}".strip(), s.title),
        grid(_header_rows(page), (22, 65, 22, 66), head=False),
        Spacer(1, 2 * mm),
        para(page.source, s.body),
    ]
    if page.earlier:
        story.append(para("更早版本：" + "；".join(_version_line(v) for v in page.earlier), s.small))
    rows, shaded = _field_rows(page)
    story += [para(LEGEND, s.small), grid(rows, (30, 113, 32), shaded=shaded)]
    if page.scans_left_out:
        story.append(para(f"另有 {page.scans_left_out} 页原件图像未能配准，无法打码，对外材料不附。", s.small))
    for scan in scans:
        story += _scan_flowables(r.form_id, scan)
    return story


def value_text(field: FieldDef, value: Any, *, ticks: bool = True) -> str:
    """A field value as the page prints it (chosen options with a ticked box when ``ticks``)."""
    if field.kind == "signature":
        return "—" if value is None else ("已签" if value else "未签")
    if value is None or value == "" or value == []:
        return "（未勾选）" if field.kind == "multi_choice" else "—"
    tick = "☑ " if ticks and field.kind in CHOICE_KINDS else ""
    if isinstance(value, list):
        return "　".join(f"{tick}{v}" for v in value)
    return f"{tick}{value}"


def date_of(record: Record, form: FormDef) -> str | None:
    """The record's date: its form's first date field ("YYYY-MM-DD"), None when unread."""
    for f in form.fields:
        if f.kind == "date" and f.id in record.fields and isinstance(record.fields[f.id].value, str):
            return str(record.fields[f.id].value)
    return None


def _shown(record: Record, form: FormDef, role: str) -> str:
    fv = form.by_role(record.fields, role)
    return str(fv.value) if fv is not None and fv.value not in (None, "") else ""


def _header_rows(page: RecordPage) -> list[list[str]]:
    r = page.record
    return [
        ["学校", _shown(r, page.form, "school") or "—", "班级", r.class_name],
        ["学籍号", r.student_no, "表单编号", r.form_id],
        ["版本", f"第 {r.version} 版", "记录状态", STATUS_LABELS[r.status]],
    ]


def _version_line(r: Record) -> str:
    when = f"{r.created_at:%Y-%m-%d %H:%M} 录入" if r.created_at else "录入时间不详"
    return f"第 {r.version} 版（{when}，{STATUS_LABELS[r.status]}）"


def _field_rows(page: RecordPage) -> tuple[list[list[str]], list[int]]:
    rows = [["项目", "内容", "状态"]]
    shaded = []
    for f in page.form.fields:
        if f.prefill in IN_HEADER:
            continue
        fv = page.record.fields.get(f.id)
        if f.id in page.withheld:
            rows.append([f.label, WITHHELD, "—"])
        elif fv is None:
            rows.append([f.label, "—", "—"])
        else:
            status = FIELD_STATUS[fv.status] + (f"：{fv.message}" if fv.status == "review" and fv.message else "")
            if fv.status == "review":
                shaded.append(len(rows))
            rows.append([f.label, value_text(f, fv.value), status])
    return rows, shaded


def _changed_fields(original: Record, shown: Record) -> frozenset[str]:
    """Fields an outward document left out or changed (masked, terms hidden)."""
    return frozenset(
        fid
        for fid, fv in original.fields.items()
        if fid not in shown.fields or (shown.fields[fid].value, shown.fields[fid].raw) != (fv.value, fv.raw)
    )


def _source_line(session: Session, record: Record, scan_pages: int) -> str:
    if scan_pages:
        return f"来源：纸质表扫描，原件图像 {scan_pages} 页附后。"
    digest = record.source_file[:DIGEST_CHARS]
    returned = record_store.returned_file(session, digest)
    if returned is None:
        return f"来源：文件 {record.source_file}"
    return f"来源：{SOURCE_KINDS.get(returned.kind, '文件')} {returned.name}（原件存于工作区文件库）"


def _stored_path(ws: Workspace, name: str) -> Path:
    return ws.files.path_of(name[:DIGEST_CHARS], name[DIGEST_CHARS:])


def _convert(page: RecordPage, page_no: int, src: Path, dest: Path) -> ScanImage:
    blank = [f.value_box for f in page.form.fields if f.page == page_no and f.id in page.redact]
    width, height = scan_jpeg(src, dest, page_width_mm=page.form.page_size[0], blank=blank)
    return ScanImage(page_no, dest, width, height, bool(blank))


def _scan_flowables(form_id: str, scan: ScanImage) -> list[Flowable]:
    # Room left by the frame's padding and the caption.
    scale = min((FRAME_W - 6) / scan.width, (FRAME_H - CAPTION_ROOM) / scan.height)
    caption = f"原件扫描　{form_id}　第 {scan.page_no} 页" + ("（打码处已涂灰）" if scan.blanked else "")
    return [PageBreak(), para(caption, styles().small), Image(str(scan.path), scan.width * scale * mm, scan.height * scale * mm)]


def scan_jpeg(src: Path, dest: Path, *, page_width_mm: float, blank: Sequence[Box] = ()) -> tuple[int, int]:
    """Write ``src`` as a grayscale JPEG at the archive resolution with ``blank`` boxes (mm on
    the template) painted over; returns its size in pixels."""
    target = round(page_width_mm / 25.4 * defs.ARCHIVE_SCAN_DPI)
    image = _decode(src, target)
    px_per_mm = image.shape[1] / page_width_mm
    for box in blank:
        top_left = (int(box.x * px_per_mm), int(box.y * px_per_mm))
        bottom_right = (int(box.right * px_per_mm), int(box.bottom * px_per_mm))
        cv2.rectangle(image, top_left, bottom_right, REDACT_GREY, thickness=-1)
    if image.shape[1] > target:
        # Area averaging only pays for itself when shrinking by half or more.
        interpolation = cv2.INTER_AREA if image.shape[1] >= 2 * target else cv2.INTER_LINEAR
        image = cv2.resize(image, (target, round(image.shape[0] * target / image.shape[1])), interpolation=interpolation)
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, defs.ARCHIVE_SCAN_JPEG_QUALITY])
    if not ok:
        raise ArchiveError(f"页面图像 {src} 无法压缩为 JPEG。")
    dest.write_bytes(data.tobytes())
    return image.shape[1], image.shape[0]


_REDUCED = ((8, cv2.IMREAD_REDUCED_GRAYSCALE_8), (4, cv2.IMREAD_REDUCED_GRAYSCALE_4), (2, cv2.IMREAD_REDUCED_GRAYSCALE_2))


def _decode(src: Path, target: int) -> np.ndarray:
    """The page in grayscale; a JPEG is decoded at the smallest DCT scale still ``target`` wide."""
    flag = cv2.IMREAD_GRAYSCALE
    try:
        if src.suffix.lower() in (".jpg", ".jpeg"):
            with PILImage.open(src) as header:
                flag = next((f for factor, f in _REDUCED if header.width / factor >= target), flag)
        image = cv2.imdecode(np.fromfile(src, dtype=np.uint8), flag)
    except OSError as exc:
        raise ArchiveError(f"文件库中的页面图像 {src} 无法读取（{exc}），请检查工作区的 files 目录。") from exc
    if image is None:
        raise ArchiveError(f"文件库中的页面图像 {src} 已损坏，无法解码：请重新读入该页扫描件。")
    return image
