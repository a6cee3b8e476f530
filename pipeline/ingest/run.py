"""The ingest batch: every returned file is identified, read, validated and stored once.

Every file received is first copied into the file store (hashed as it streams, so a scan
stack of any size is never held in memory) and keeps its outcome there, refused ones included.
Idempotent by content hash: a file already turned into a record is skipped and says so. A file
that fails is reported with its reason and the batch goes on. Each record is written in one
transaction after its original is in the file store, so a batch killed half-way leaves only
whole records behind.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from pipeline.errors import JiafangError, UnknownFormError
from pipeline.ingest import readers
from pipeline.ingest.classify import collect, kind_of
from pipeline.ingest.scan_run import ScanFile, ingest_scan_files
from pipeline.model.form import load_form
from pipeline.model.record import Record, ReturnedFile
from pipeline.progress import Progress
from pipeline.store import records as record_store
from pipeline.store import repo
from pipeline.store.workspace import Workspace
from pipeline.validate import ValidationContext, to_record

log = logging.getLogger(__name__)

# Per file: new / updated (a record), duplicate (same file again), rejected. Per scanned page:
# read, blank, duplicate (a worse scan of a page), quarantined, skipped (read by an earlier run).
OUTCOMES = ("new", "updated", "duplicate", "rejected", "read", "blank", "quarantined", "skipped")


@dataclass(frozen=True)
class IngestItem:
    path: Path
    outcome: str  # one of OUTCOMES
    message: str = ""
    form_id: str | None = None
    status: str | None = None  # record status for new/updated
    version: int | None = None
    field_statuses: Mapping[str, int] = field(default_factory=dict)  # fields of the record by status


@dataclass
class IngestReport:
    batch_id: str
    items: list[IngestItem] = field(default_factory=list)
    seconds: float = 0.0

    def count(self, outcome: str) -> int:
        return sum(1 for i in self.items if i.outcome == outcome)

    @property
    def needs_review(self) -> int:
        return sum(1 for i in self.items if i.status == "review")

    def fields(self, status: str) -> int:
        """Fields of the records this batch made that have ``status`` (auto / review)."""
        return sum(i.field_statuses.get(status, 0) for i in self.items)

    @property
    def rejected(self) -> list[IngestItem]:
        return [i for i in self.items if i.outcome == "rejected"]


def ingest(
    ws: Workspace, paths: Sequence[Path], *, workers: int | None = None, progress: Progress | None = None
) -> IngestReport:
    """Read every file under ``paths`` into records; see the module docstring for guarantees.

    Word and text PDFs are read one by one; scans (images, image-only PDFs) are gathered and
    read page by page in ``workers`` processes (default: all cores).
    """
    started = time.perf_counter()
    files = collect(paths)
    report = IngestReport(batch_id=repo.new_batch_id("I"))
    scan_files: list[tuple[ScanFile, int]] = []
    for n, path in enumerate(files, start=1):
        item = _ingest_file(ws, path, report.batch_id)
        if isinstance(item, tuple):
            scan_files.append(item)
        else:
            report.items.append(item)
        if progress:
            progress(n, len(files), path.name)
    if scan_files:
        report.items += _ingest_scans(ws, scan_files, report.batch_id, workers, progress)
    report.seconds = time.perf_counter() - started
    with ws.session() as session:
        repo.add_batch(session, report.batch_id, "ingest", {"paths": [str(p) for p in paths]}, _summary(report))
    return report


def _ingest_scans(
    ws: Workspace, files: list[tuple[ScanFile, int]], batch_id: str, workers: int | None, progress: Progress | None
) -> list[IngestItem]:
    events = ingest_scan_files(ws, [f for f, _ in files], batch_id=batch_id, workers=workers, progress=progress)
    for scan_file, size in files:
        digest = scan_file.stored_as.split(".")[0]
        _remember(ws, scan_file.path, size, digest, "scan", batch_id, "record", "", None)
    return [IngestItem(e.path, e.outcome, e.message, e.form_id, e.status, e.version, e.field_statuses) for e in events]


def _ingest_file(ws: Workspace, path: Path, batch_id: str) -> IngestItem | tuple[ScanFile, int]:
    try:
        digest = ws.files.put_file(path, suffix=path.suffix.lower())
        size = path.stat().st_size
        with path.open("rb") as file:
            head = file.read(16)
    except OSError as exc:
        return IngestItem(path, "rejected", f"{path}：无法读取文件（{exc.strerror}）。请检查文件是否存在、是否有权限")
    with ws.session() as session:
        seen = record_store.returned_file(session, digest)
    if seen is not None and seen.outcome == "record":
        return _duplicate(path, seen)
    kind = kind_of(path, head)
    try:
        return _read_and_store(ws, path, size, digest, kind, batch_id)
    except JiafangError as exc:
        _remember(ws, path, size, digest, kind, batch_id, "rejected", str(exc), getattr(exc, "form_id", None))
        return IngestItem(path, "rejected", str(exc))
    except Exception as exc:  # a reader bug must not stop the batch; the log keeps the trace
        log.exception("ingest failed on %s", path)
        message = f"{path}：读取时出现程序错误（{type(exc).__name__}: {exc}）。请把该文件反馈给维护人员"
        _remember(ws, path, size, digest, kind, batch_id, "rejected", message, None)
        return IngestItem(path, "rejected", message)


def _read_and_store(
    ws: Workspace, path: Path, size: int, digest: str, kind: str, batch_id: str
) -> IngestItem | tuple[ScanFile, int]:
    found = readers.identify(path, kind)
    if found.needs_scan_reader:
        return ScanFile(path, f"{digest}{path.suffix.lower()}"), size
    with ws.session() as session:
        issued = repo.get_issued_form(session, found.form_id)
        student = repo.get_student(session, issued.student_no) if issued else None
        teachers = repo.list_teachers(session)
    if issued is None or student is None:
        raise _unknown_form(ws, path, found)
    form = load_form(issued.form)
    reading = readers.read(path, kind, form, found)
    context = ValidationContext(policy=ws.policy, student=student, teachers=teachers, today=dt.date.today())
    suffix = path.suffix.lower()
    record = to_record(reading, form=form, issued=issued, context=context, source_file=f"{digest}{suffix}")
    returned = _returned(path, size, digest, kind, batch_id, "record", "", found.form_id)
    return ws.write(lambda session: _store_record(session, path, record, returned))


def _store_record(session: Session, path: Path, record: Record, returned: ReturnedFile) -> IngestItem:
    """Inside the write transaction: the same file stored meanwhile (another ingest) is a
    duplicate; otherwise the record's next version, with the file that made it."""
    record_store.lock_form(session, record.form_id)
    seen = record_store.returned_file(session, returned.digest)
    if seen is not None and seen.outcome == "record":
        return _duplicate(path, seen)
    stored = record_store.add_record(session, record)
    record_store.add_returned_file(session, returned)
    outcome = "new" if stored.version == 1 else "updated"
    return IngestItem(path, outcome, "", record.form_id, stored.status, stored.version, stored.status_counts())


def _duplicate(path: Path, seen: ReturnedFile) -> IngestItem:
    return IngestItem(path, "duplicate", f"与已导入的“{seen.name}”内容相同，已跳过。", seen.form_id)


def _unknown_form(ws: Workspace, path: Path, found: readers.Identity) -> UnknownFormError:
    school = ws.policy.school
    if found.school_code and found.school_code != school.code:
        return UnknownFormError(
            path,
            f"表单编号 {found.form_id} 属于另一所学校（学校代码 {found.school_code}），不是{school.name}发放的表单",
            "请退回原学校",
        )
    return UnknownFormError(
        path,
        f"表单编号 {found.form_id} 从未在本工作区发放",
        "请确认是否用错了工作区（--workspace），或该表单是否由其他电脑生成",
    )


def _remember(
    ws: Workspace, path: Path, size: int, digest: str, kind: str, batch_id: str, outcome: str, message: str, form_id: str | None
) -> None:
    """Record what became of a stored file, so a waiting scan can be read later and nothing is lost."""
    returned = _returned(path, size, digest, kind, batch_id, outcome, message, form_id)
    ws.write(lambda session: record_store.add_returned_file(session, returned))


def _returned(
    path: Path, size: int, digest: str, kind: str, batch_id: str, outcome: str, message: str, form_id: str | None
) -> ReturnedFile:
    return ReturnedFile(
        digest=digest,
        suffix=path.suffix.lower(),
        name=path.name,
        kind=kind,
        size=size,
        outcome=outcome,
        message=message,
        form_id=form_id,
        batch_id=batch_id,
        received_at=repo.now(),
    )


def _summary(report: IngestReport) -> dict[str, object]:
    fields = {f"fields_{s}": report.fields(s) for s in ("auto", "review")}
    return {o: report.count(o) for o in OUTCOMES} | {"review": report.needs_review, "seconds": round(report.seconds, 2)} | fields
