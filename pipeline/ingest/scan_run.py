"""Scan ingest: every page of the returned stacks read in worker processes, stored once.

Each page is stored in its own transaction (files first, then the row), keyed by the hash of
its pixels, so a batch killed at any moment and run again skips what it finished and ends with
the same database. Records are built last, from the read pages of each form not yet part of a
record; a page that arrives later (a missing page, a better duplicate) makes a new version.

One page never stops the batch: a file that cannot be opened is refused, a page whose reader
raises is quarantined as a program error (trace in the workspace log), and a worker that dies
or hangs costs only the page it was reading (pipeline.ingest.executors: local processes by
default, or a Dask cluster).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from PIL import Image
from sqlalchemy.orm import Session

from pipeline.access import require_current
from pipeline import defs
from pipeline.calibrate import workspace_thresholds
from pipeline.scope.schools import student_policy
from pipeline.errors import DocumentError, ScanError, StorageError
from pipeline.ingest.classify import is_picture, sharpness
from pipeline.ingest.executors import PageExecutor, Readers, local_executor
from pipeline.ingest.faults import program_error
from pipeline.identity import PagePayload, form_kind
from pipeline.ingest.scan_page import (
    FAINT_SCAN_MARK,
    IssueInfo,
    PageOutcome,
    ScanContext,
    faint_scan_doubts,
    form_for,
    pixels_digest,
    read_assigned_page,
    read_page,
    with_comments,
)
from pipeline.model.form import load_form
from pipeline.model.audit import AuditEvent
from pipeline.model.record import RawValue, Reading
from pipeline.model.scan import ScannedPage
from pipeline.pdf_annots import PageComment
from pipeline.progress import Progress
from pipeline.scan.load import ScanPage, page_count, scan_pages
from pipeline.store import records as record_store
from pipeline.store import repo, scans
from pipeline.store.audit import log_event
from pipeline.store.history import verified_values
from pipeline.store.schema import IssuedFormRow, LayoutRow
from pipeline.store.schools import list_schools
from pipeline.store.workspace import Workspace
from pipeline.validate import ValidationContext, to_record

DOUBT_FAINT_SHEET = "本表另一页扫描质量差（同一次扫描），这一页的空白处也可能丢了铅笔字迹"
FOREIGN_PICTURE = "不是家访表的照片：图中找不到家访表四角的定位方块和二维码（可能是聊天截图或别的照片），已拒收；如确是家访表，请把整张表平放、四个角都拍进画面后重拍"


@dataclass(frozen=True)
class ScanFile:
    path: Path
    stored_as: str  # file-store name of the whole scan file


PageReader = Callable[[np.ndarray, float | None, ScanContext], PageOutcome]  # dpi None: a phone photo


@dataclass(frozen=True)
class PageEvent:
    """What became of one page (``index`` its 0-based place in the file), of a whole file that
    could not be opened or broke off (``index`` None, outcome refused / incomplete), or of one
    form once its pages were put together."""

    path: Path
    outcome: str  # read / blank / duplicate / quarantined / unreadable / skipped / refused / incomplete / new / updated
    message: str = ""
    form_id: str | None = None
    status: str | None = None
    version: int | None = None
    field_statuses: Mapping[str, int] = field(default_factory=dict)  # of the record built
    index: int | None = None
    digest: str = ""  # of the page (page events only)


def ingest_scan_files(
    ws: Workspace,
    files: Sequence[ScanFile],
    *,
    batch_id: str,
    log_file: Path,
    workers: int | None = None,
    progress: Progress | None = None,
    page_reader: PageReader = read_page,
    executor: PageExecutor | None = None,
) -> list[PageEvent]:
    """Read every page of ``files``, then build the records of the forms that gained pages.

    ``page_reader`` reads one page in a worker (a picklable top-level function; fault-injection
    tests pass one that fails on a chosen page); ``log_file`` is named in program-error messages.
    Pages are read by ``executor`` (e.g. a Dask cluster), else by ``workers`` local processes.
    """
    ctx = scan_context(ws)
    total = sum(page_count(f.path) for f in files)
    events: list[PageEvent] = []
    started, done = time.perf_counter(), 0
    readers = Readers(ctx, page_reader, log_file)
    batch = _Batch(batch_id, {f.stored_as: f.path.name for f in files})
    for ref, outcome in _read_all(files, readers, executor or local_executor(workers), ws):
        events += _store_page(ws, ref, outcome, batch)
        done += 1
        if progress:
            rate = done / max(time.perf_counter() - started, 1e-6) * 60
            progress(done, total, f"{ref.file.path.name} 第{ref.index + 1}页 · {rate:.0f} 页/分钟")
    return _as_settled(ws, events) + build_records(ws)


@dataclass
class _Batch:
    """What storing the pages of one batch keeps track of."""

    batch_id: str
    names: Mapping[str, str]  # file-store name → file name of this batch's scan files

    def name_of(self, session: Session, stored_as: str) -> str:
        """The file name a clerk knows for a stored scan file (of this batch or an earlier one)."""
        if stored_as in self.names:
            return self.names[stored_as]
        earlier = record_store.returned_file(session, stored_as.split(".")[0])
        return earlier.name if earlier else stored_as


def _as_settled(ws: Workspace, events: list[PageEvent]) -> list[PageEvent]:
    """Page events as their pages ended the batch: a page read or quarantined first and set
    aside later for a better scan or photo of it says so (its file is then a duplicate)."""
    settled = []
    with ws.session() as session:
        for event in events:
            page = scans.scanned_page(session, event.digest) if event.digest and event.outcome in ("read", "quarantined") else None
            if page is not None and page.status == "duplicate":
                where = f"{event.path} 第 {(event.index or 0) + 1} 页"
                event = PageEvent(event.path, "duplicate", f"{where}：{page.reason}", page.form_id, index=event.index, digest=event.digest)
            settled.append(event)
    return settled


def scan_context(ws: Workspace) -> ScanContext:
    """The snapshot of issued forms, layouts and roster that every worker reads pages with."""
    with ws.session() as session:
        issued = {
            r.form_id: IssueInfo(r.form, r.layout_hash, r.student_no, r.class_name)
            for r in session.query(IssuedFormRow)
        }
        layouts = {r.layout_hash: r.layout for r in session.query(LayoutRow)}
        students = {s.student_no: s for s in repo.list_students(session)}
        teachers = repo.list_teachers(session)
        places = verified_values(session, "place")
        others = frozenset(s.code for s in list_schools(session)) - {ws.policy.school.code}
    year, margin = ws.policy.school_year, dt.timedelta(days=defs.DATE_WINDOW_MARGIN)
    dates = (year.start - margin, year.end + margin)
    return ScanContext(ws.policy.school.code, issued, layouts, students, teachers, dates, places, others, ws.policy)


@dataclass(frozen=True)
class PageRef:
    """A page on its way through the readers, without its pixels (they go to the worker)."""

    file: ScanFile
    index: int  # -1: the file as a whole, which could not be opened or broke off
    digest: str  # hash of the pixels (see page_digest)
    stored_in: str = ""  # batch that stored the same page already ("" when it is new)
    picture: bool = False  # a phone's photo or screenshot (grouped by page, refused when foreign)
    sharpness: float = 0.0  # of a picture: ranks two pictures of one page that were not read
    stored_here: bool = False  # stored from this very file by a batch cut off before accounting for it
    part: str = ""  # a half of a scan of two pages side by side: where it lies (左半页 …)
    comments: tuple[PageComment, ...] = ()  # what a PDF app's comments on the page say, and where

    @property
    def where(self) -> str:
        return f"{self.file.path} 第 {self.index + 1} 页" + (f"（{self.part}）" if self.part else "")


def _read_all(
    files: Sequence[ScanFile], readers: Readers, executor: PageExecutor, ws: Workspace
) -> Iterator[tuple[PageRef, PageOutcome | None]]:
    """(page, outcome) for every page of ``files``; outcome None for a page stored earlier.
    Pages a reader must see go to ``executor``; the others come back as the reader's pass."""
    passing: list[tuple[PageRef, PageOutcome | None]] = []

    def to_read() -> Iterator[tuple[PageRef, ScanPage]]:
        for ref, page in _pages(files, ws, readers.log_file):
            local = _local_outcome(page)
            if local is not None or page is None:
                passing.append((ref, local))
            else:
                yield ref, page

    for read in executor.read_pages(to_read(), readers):
        yield from _drain(passing)
        yield read
    yield from _drain(passing)


def _drain(passing: list[tuple[PageRef, PageOutcome | None]]) -> Iterator[tuple[PageRef, PageOutcome | None]]:
    while passing:
        yield passing.pop(0)


def _local_outcome(page: ScanPage | None) -> PageOutcome | None:
    """The outcome of a page no reader needs to see: an unreadable page, a whole-file failure."""
    if page is None or page.image is not None:
        return None
    if page.index < 0:
        return PageOutcome("incomplete" if page.lost_rest else "refused", page.error)
    return PageOutcome("quarantined", page.error, unreadable=True)


def _pages(files: Sequence[ScanFile], ws: Workspace, log_file: Path) -> Iterator[tuple[PageRef, ScanPage | None]]:
    """Every page with its digest; the page is None when it was stored by an earlier run. A file
    that cannot be opened, or breaks off, comes as a page with index -1 and its reason."""
    for scan_file in files:
        yield from _file_pages(scan_file, ws, log_file)


def _file_pages(scan_file: ScanFile, ws: Workspace, log_file: Path) -> Iterator[tuple[PageRef, ScanPage | None]]:
    came = 0
    try:
        for page in scan_pages(scan_file.path):
            came += 1
            digest = page_digest(page) if page.image is not None else undecoded_digest(scan_file, page.index)
            with ws.session() as session:
                seen = scans.scanned_page(session, digest)
            picture = is_picture(scan_file.path, page)
            ref = PageRef(scan_file, page.index, digest, picture=picture, comments=page.comments)
            ref = _ref(replace(ref, sharpness=sharpness(page.image)) if picture and page.image is not None else ref, seen)
            yield ref, None if seen else page
    except DocumentError as exc:
        yield PageRef(scan_file, -1, ""), _whole_file(scan_file, came, str(exc))
    except StorageError:
        raise
    except Exception as exc:  # a loader bug: the rest of this file is lost, the batch goes on
        reason = f"{scan_file.path}：{program_error(str(scan_file.path), exc, log_file)}"
        yield PageRef(scan_file, -1, ""), _whole_file(scan_file, came, reason)


def _ref(ref: PageRef, seen: ScannedPage | None) -> PageRef:
    """``ref`` with what the store holds under its digest: the batch that stored it, and whether it
    was stored from this very page of this very file."""
    if seen is None:
        return ref
    here = (seen.source_file, seen.page_index) == (ref.file.stored_as, ref.index)
    return replace(ref, stored_in=seen.batch_id, stored_here=here)


def _whole_file(scan_file: ScanFile, came: int, reason: str) -> ScanPage:
    """A whole-file failure as a page without image: ``came`` pages were yielded before it."""
    return ScanPage(scan_file.path, -1, None, 0.0, dpi_measured=False, error=reason, lost_rest=came > 0)


def undecoded_digest(scan_file: ScanFile, index: int) -> str:
    """Names a page that could not be decoded (it has no pixels to hash)."""
    return f"{scan_file.stored_as}#{index}"


def page_digest(page: ScanPage) -> str:
    """Hash of the page's pixels and shape: the same page scanned into another file is the same."""
    assert page.image is not None
    return pixels_digest(page.image)


def _store_page(ws: Workspace, ref: PageRef, outcome: PageOutcome | None, batch: _Batch) -> list[PageEvent]:
    """Store one page; the events say what became of it (and of a worse scan from an earlier
    batch it replaced). A whole-file failure (index -1) stores nothing and comes back as the
    file's event."""
    where = ref.where
    skipped = [PageEvent(ref.file.path, "skipped", f"{where}：与已读入的一页完全相同（此前读过，或是相同的空白页），跳过", index=ref.index)]
    if outcome is None and ref.stored_here:
        return [_stored_event(ws, ref)]
    if outcome is None and ref.stored_in == batch.batch_id:
        return [PageEvent(ref.file.path, "duplicate", f"{where}：与本批另一个文件中的一页完全相同，只读入一次", index=ref.index)]
    if outcome is None:
        return skipped
    if outcome.parts:
        return [event for part in outcome.parts for event in _store_half(ws, ref, part, batch)]
    if ref.index < 0:
        return [PageEvent(ref.file.path, outcome.status, outcome.reason)]
    if ref.picture and outcome.foreign:
        outcome = replace(outcome, status="refused", reason=FOREIGN_PICTURE)
    outcome = with_comments(outcome, ref.comments)
    image = ws.files.put_bytes(outcome.page_image, outcome.page_suffix) + outcome.page_suffix if outcome.page_image else None
    registered = ws.files.put_bytes(outcome.registered_image, ".jpg") + ".jpg" if outcome.registered_image else None
    crops = {fid: ws.files.put_bytes(png, ".png") + ".png" for fid, png in outcome.crops.items()}
    values = {fid: replace(v, crop=crops.get(fid)) for fid, v in outcome.values.items()}
    stored = ScannedPage(
        digest=ref.digest,
        source_file=ref.file.stored_as,
        page_index=ref.index,
        status=outcome.status,
        reason=outcome.reason or "；".join(outcome.notes),  # kept, so a rerun can account for the page alike
        form_id=outcome.form_id,
        page_no=outcome.page_no,
        layout_hash=outcome.layout_hash,
        image=image,
        registered=registered,
        residual_mm=outcome.residual_mm,
        quality=outcome.quality,
        sharpness=ref.sharpness if ref.picture else None,
        values=values,
        batch_id=batch.batch_id,
    )
    with ws.session() as session:
        if scans.is_read(session, ref.digest):  # another ingest read the same page meanwhile
            return skipped
        stored, replaced = _settle_duplicate(session, stored, batch)
        scans.add_scanned_page(session, stored)
    events = [_page_event(ref, stored, unreadable=outcome.unreadable)]
    return events + [
        PageEvent(ref.file.path, "duplicate", f"{where}：表单 {stored.form_id} 第 {stored.page_no} 页扫描了两次，保留本页，先前较差的一份不再使用", stored.form_id)
        for rival in replaced
        if rival.batch_id != batch.batch_id  # one of this batch says so itself (_as_settled)
    ]


def _store_half(ws: Workspace, ref: PageRef, half: PageOutcome, batch: _Batch) -> list[PageEvent]:
    """Store one half of a scan of two pages side by side as a page of its own (its own digest):
    a rerun reads the scan again and finds the halves it stored."""
    with ws.session() as session:
        seen = scans.scanned_page(session, half.digest)
    half_ref = _ref(replace(ref, digest=half.digest, part=half.part), seen)
    return _store_page(ws, half_ref, None if seen else half, batch)


def _page_event(ref: PageRef, stored: ScannedPage, *, unreadable: bool) -> PageEvent:
    status = "unreadable" if unreadable else stored.status
    message = f"{ref.where}：{stored.reason}" if stored.reason else ""
    return PageEvent(ref.file.path, status, message, stored.form_id, index=ref.index, digest=ref.digest)


def _stored_event(ws: Workspace, ref: PageRef) -> PageEvent:
    """A page of this file that a batch cut off (killed, power lost) stored but never accounted
    for: its file is accounted for now as that batch would have done."""
    with ws.session() as session:
        stored = scans.scanned_page(session, ref.digest)
    assert stored is not None, "a page seen stored is never deleted"
    return _page_event(ref, stored, unreadable=ref.digest == undecoded_digest(ref.file, ref.index))


def _settle_duplicate(session: Session, page: ScannedPage, batch: _Batch) -> tuple[ScannedPage, list[ScannedPage]]:
    """Of two copies of one page of one form, keep the better (see _rank); the other becomes a
    duplicate whose reason names the file kept. Returns the page as it is to be stored and the
    worse copies it replaced. Decided on what the store holds, so a batch cut off and run again
    decides as an undisturbed one."""
    if not _competes(page) or page.form_id is None or page.page_no is None:
        return page, []
    rivals = [r for r in scans.rival_pages(session, page.form_id, page.page_no) if r.digest != page.digest and _competes(r)]
    better = [r for r in rivals if _kept_over(r, page)]
    if better:
        kept = batch.name_of(session, better[0].source_file)
        return replace(page, status="duplicate", reason=_set_aside(page, better[0], kept)), []
    kept = batch.names.get(page.source_file, page.source_file)
    for rival in rivals:
        scans.set_status(session, rival.digest, "duplicate", _set_aside(rival, page, kept, replaced=True))
    return page, rivals


def _competes(page: ScannedPage) -> bool:
    """A read page competes for its place in the form; one waiting for a person only when it is
    a phone's picture (a teacher photographs a page again; two scans that need a person are both shown)."""
    return page.status == "read" or (page.status == "quarantined" and page.sharpness is not None)


def _kept_over(a: ScannedPage, b: ScannedPage) -> bool:
    """Whether copy ``a`` of a page is kept rather than ``b`` (``a`` stored first on a tie): the
    one on which more was written — a page scanned again after the parent signed, or the
    teacher filled in more — whatever its quality; else by :func:`_rank`."""
    more_a, more_b = _more_written(a, b), _more_written(b, a)
    if bool(more_a) != bool(more_b):
        return bool(more_a)
    return _rank(a) >= _rank(b)


def _more_written(a: ScannedPage, b: ScannedPage) -> list[str]:
    """The fields written on copy ``a`` of a page that are empty on ``b``."""
    return [fid for fid, v in a.values.items() if v.written and not (fid in b.values and b.values[fid].written)]


def _rank(page: ScannedPage) -> tuple[bool, float, float]:
    """Read beats waiting for a person, then the reading's quality, then a picture's sharpness."""
    read = page.status == "read"
    return read, page.quality if read else 0.0, page.sharpness or 0.0


def _set_aside(page: ScannedPage, kept: ScannedPage, kept_name: str, *, replaced: bool = False) -> str:
    """Why copy ``page`` of a form page is not used: ``kept`` (in the file ``kept_name``) is;
    and what is written on ``page`` alone, should each copy hold writing the other lacks."""
    where = f"表单 {page.form_id} 第 {page.page_no} 页"
    if more := _more_written(kept, page):
        why = f"{where}又扫描了一次，保留多填了“{_labels(page, more)}”的“{kept_name}”第 {kept.page_index + 1} 页，这一张不再使用"
    elif page.sharpness is not None:
        why = f"与“{kept_name}”是同一页（{where}）的照片，已保留“{kept_name}”，这一张不再使用"
    elif replaced:
        why = f"被质量更好的“{kept_name}”第 {kept.page_index + 1} 页取代（{where}）"
    else:
        why = f"{where}扫描了两次，保留质量更好的“{kept_name}”第 {kept.page_index + 1} 页"
    if only_here := _more_written(page, kept):
        why += f"；但这一张上填了的“{_labels(page, only_here)}”在保留的那张上是空的，请对照两张核对"
    return why


def _labels(page: ScannedPage, field_ids: list[str]) -> str:
    kind = form_kind(page.form_id)
    labels = {f.id: f.label for f in load_form(kind).fields} if kind else {}
    return "、".join(labels.get(fid, fid) for fid in field_ids)


def build_records(ws: Workspace) -> list[PageEvent]:
    """One record version per form whose read pages are not yet part of a record."""
    with ws.session() as session:
        form_ids = scans.forms_with_new_pages(session)
    built = [_build_record(ws, fid) for fid in form_ids]
    return [event for event in built if event is not None]


def sheet_values(page: ScannedPage, pages: Sequence[ScannedPage]) -> Mapping[str, RawValue]:
    """``page``'s values as its form's record takes them: when another page of the form, in the
    same scan file, was scanned too faintly, this page went through the same copier, and its
    empty boxes go to a person too (its lines may have survived where light pencil did not)."""
    faint = any(p.source_file == page.source_file and FAINT_SCAN_MARK in p.reason for p in pages if p is not page)
    return faint_scan_doubts(page.values, DOUBT_FAINT_SHEET, empty_only=True) if faint and FAINT_SCAN_MARK not in page.reason else page.values


def _build_record(ws: Workspace, form_id: str) -> PageEvent | None:
    """The form's next version from all its read pages, decided in one transaction with the
    form locked: None when a concurrent ingest built it from these pages meanwhile."""
    with ws.session() as session:
        record_store.lock_form(session, form_id)
        if not scans.has_new_pages(session, form_id):
            return None
        pages = scans.read_pages(session, form_id)
        issued = repo.get_issued_form(session, form_id)
        student = repo.get_student(session, issued.student_no) if issued else None
        assert issued is not None and student is not None, "pages are stored only for forms issued to a roster's student"
        teachers = repo.list_teachers(session, school=repo.student_school(session, issued.student_no))
        layout = repo.get_layout(session, issued.layout_hash)
        form = form_for(IssueInfo(issued.form, issued.layout_hash, issued.student_no, issued.class_name), {issued.layout_hash: layout} if layout else {})
        values: dict[str, RawValue] = {}
        for p in pages:
            values.update(sheet_values(p, pages))
        # A page scanned with nothing written on it was returned, not lost.
        present = {p.page_no for p in pages} | scans.unfilled_page_numbers(session, form_id)
        missing = sorted(set(range(1, form.page_count + 1)) - present)
        for f in form.fields:
            if f.page in missing and f.prefill is None:
                values[f.id] = RawValue(None, 0.0, "ocr", doubt=f"第 {f.page} 页没有扫描到，请补扫该页或人工录入")
        notes = tuple(f"缺第 {n} 页" for n in missing)
        reading = Reading(form_id, values, "scan", notes)
        classmates = repo.classmates(session, student)
        context = ValidationContext(
            student_policy(session, ws, issued.student_no), student, teachers, dt.date.today(), workspace_thresholds(session), classmates
        )
        record = to_record(reading, form=form, issued=issued, context=context, source_file=pages[0].source_file)
        stored = record_store.add_record(session, record)
        scans.mark_consumed(session, form_id)
    outcome = "new" if stored.version == 1 else "updated"
    message = f"表单 {form_id}：缺第 {'、'.join(map(str, missing))} 页" if missing else ""
    path = Path(pages[0].source_file)
    return PageEvent(path, outcome, message, form_id, stored.status, stored.version, stored.status_counts())


def assign_page(ws: Workspace, digest: str, form_id: str, page_no: int, *, operator: str) -> ScannedPage:
    """Read a quarantined page as page ``page_no`` of ``form_id``, as a person assigned it.

    The page is registered and recognised like any other; its record gets a new version.
    Raises ScanError when the page, the form or the registration does not fit.
    """
    require_current("ingest")
    with ws.session() as session:
        page = scans.scanned_page(session, digest)
    if page is None or page.image is None:
        raise ScanError(f"找不到待指定的扫描页 {digest[:12]}…")
    ctx = scan_context(ws)
    issue = ctx.issued.get(form_id)
    if issue is None:
        raise ScanError(f"表单编号 {form_id} 未在本工作区发放，无法指定")
    form = form_for(issue, ctx.layouts)
    payload = PagePayload(ctx.school_code, form_id, page_no, form.page_count, form.layout_hash)
    image = np.asarray(Image.open(ws.files.path_of(*page.image.split("."))).convert("L"))
    outcome = read_assigned_page(image, ctx, payload)
    if outcome.status != "read":
        raise ScanError(f"该页不能作为表单 {form_id} 第 {page_no} 页读取：{outcome.reason}")
    source = ScanFile(Path(page.source_file), page.source_file)
    _store_page(ws, PageRef(source, page.page_index, digest), outcome, _Batch(page.batch_id, {}))
    with ws.session() as session:
        log_event(session, AuditEvent("assign_page", operator, f"扫描页 {digest[:12]} → {form_id} 第 {page_no} 页"))
    build_records(ws)
    with ws.session() as session:
        stored = scans.scanned_page(session, digest)
    assert stored is not None
    return stored
