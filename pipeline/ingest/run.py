"""The ingest batch: every returned file is identified, read, validated and stored once.

Every file received is first copied into the file store (hashed as it streams, so a scan
stack of any size is never held in memory) and keeps its outcome there, refused ones included.
Idempotent by content hash: a file already turned into a record is skipped and says so. A file
that fails is reported with its reason and the batch goes on; an unexpected error in one file
or page is a "程序错误" whose trace goes to the workspace log (pipeline.ingest.faults). Only a
workspace that cannot be written (StorageError) ends the batch, keeping what it finished.
Each record is written in one transaction after its original is in the file store, so a batch
killed half-way leaves only whole records behind.

Every input file gets one intake row (pipeline.model.intake) with its outcome and reason,
written with what the file produced; the report's ``files`` are read back from those rows.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from pipeline.access import require_current
from pipeline.calibrate import ReviewLoad, review_load, workspace_thresholds
from pipeline.scope.schools import student_policy
from pipeline.errors import BlankFormError, ClusterError, JiafangError, StorageError, UnknownFormError
from pipeline.ingest import archives, readers
from pipeline.ingest.classify import collect, kind_of
from pipeline.ingest.executors import PageExecutor, page_executor
from pipeline.ingest.faults import error_log, program_error
from pipeline.ingest.intake import scan_file_intake
from pipeline.ingest.scan_page import read_page
from pipeline.ingest.scan_run import PageReader, ScanFile, ingest_scan_files
from pipeline.model.form import load_form
from pipeline.model.intake import FILE_OUTCOMES, FileIntake
from pipeline.model.layout import as_printed
from pipeline.model.record import Record, ReturnedFile
from pipeline.progress import Progress
from pipeline.store import intake as intake_store
from pipeline.store import records as record_store
from pipeline.store import repo
from pipeline.store.workspace import Workspace
from pipeline.validate import ValidationContext, to_record

log = logging.getLogger(__name__)

# Events of the batch. Per file: new / updated (a record), duplicate (same file again), rejected.
# Per scanned page: read, blank, duplicate (a worse scan of a page), quarantined, unreadable,
# skipped (read by an earlier run). What became of each input file is in IngestReport.files.
UNPACK_FOLDER = "unpacked"  # in the workspace: where a batch's archives are unpacked while it runs
OUTCOMES = ("new", "updated", "duplicate", "rejected", "read", "blank", "quarantined", "unreadable", "skipped")


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
    files: list[FileIntake] = field(default_factory=list)  # every input file, from the intake table
    stopped: str = ""  # why the batch ended early (the workspace cannot be written), else ""
    log_file: Path | None = None  # where program errors are traced
    review_load: ReviewLoad | None = None  # of the records this batch made
    review_left: ReviewLoad | None = None  # of every current record in the workspace, after the batch
    notices: list[str] = field(default_factory=list)  # where pages were read: e.g. a cluster worker left out

    def count(self, outcome: str) -> int:
        return sum(1 for i in self.items if i.outcome == outcome)

    def files_with(self, outcome: str) -> list[FileIntake]:
        """Input files with ``outcome`` (a key of pipeline.model.intake.FILE_OUTCOMES)."""
        return [f for f in self.files if f.outcome == outcome]

    @property
    def needs_review(self) -> int:
        return sum(1 for i in self.items if i.status == "review")

    def fields(self, status: str) -> int:
        """Fields of the records this batch made that have ``status`` (auto / review)."""
        return sum(i.field_statuses.get(status, 0) for i in self.items)

    @property
    def made(self) -> list[tuple[str, int]]:
        """(form id, version) of every record version this batch stored."""
        return [(i.form_id, i.version) for i in self.items if i.form_id and i.version and i.outcome in ("new", "updated")]

    @property
    def rejected(self) -> list[IngestItem]:
        return [i for i in self.items if i.outcome == "rejected"]


def ingest(
    ws: Workspace,
    paths: Sequence[Path],
    *,
    workers: int | None = None,
    progress: Progress | None = None,
    page_reader: PageReader = read_page,
    cluster: str | None = None,
) -> IngestReport:
    """Read every file under ``paths`` into records; see the module docstring for guarantees.

    Word and text PDFs are read one by one; scans (images, image-only PDFs) are gathered and
    read page by page in ``workers`` processes (default: all cores) by ``page_reader``, or on
    the Dask cluster whose scheduler is at ``cluster`` (default: JIAFANG_CLUSTER; see
    pipeline.ingest.cluster). Raises ClusterError, before any file is read, when that cluster
    cannot be used; a cluster lost mid-batch stops the batch like an unwritable workspace.
    """
    require_current("ingest")
    started = time.perf_counter()
    report = IngestReport(batch_id=repo.new_batch_id("I"))
    with error_log(ws.root) as log_file, page_executor(ws, log_file, workers=workers, cluster=cluster) as executor:
        report.log_file = log_file
        try:
            _ingest_all(ws, collect(paths), report, executor, progress, page_reader)
        except (StorageError, ClusterError) as exc:
            report.stopped = str(exc)
        report.notices = list(executor.notices)
        report.seconds = time.perf_counter() - started
        try:
            with ws.session() as session:
                report.files = intake_store.batch_intake(session, report.batch_id)
                report.review_load = review_load(session, report.made)
                report.review_left = review_load(session)
                if not report.stopped:
                    repo.add_batch(session, report.batch_id, "ingest", {"paths": [str(p) for p in paths]}, _summary(report))
        except StorageError as exc:  # what was accounted for stays in report.files
            report.stopped = report.stopped or str(exc)
    return report


def _ingest_all(
    ws: Workspace, files: list[Path], report: IngestReport, executor: PageExecutor, progress: Progress | None, page_reader: PageReader
) -> None:
    assert report.log_file is not None
    scan_files: dict[str, tuple[ScanFile, int]] = {}  # by digest: a scan handed twice is read once
    archives.remove_stale(ws.root / UNPACK_FOLDER)
    unpacked_into = ws.root / UNPACK_FOLDER / report.batch_id
    queue = deque(files)
    done = 0
    try:
        while queue:
            path = queue.popleft()
            item = _ingest_file(ws, path, report.batch_id, report.log_file, scan_files, unpacked_into)
            if isinstance(item, list):  # an archive's files, read next
                queue.extendleft(reversed(item))
            elif item is not None:
                report.items.append(item)
            done += 1
            if progress:
                progress(done, done + len(queue), path.name)
        if scan_files:
            report.items += _ingest_scans(ws, list(scan_files.values()), report, executor, progress, page_reader)
    finally:
        archives.remove(unpacked_into)  # every file in it was copied into the file store first


def _ingest_scans(
    ws: Workspace, files: list[tuple[ScanFile, int]], report: IngestReport, executor: PageExecutor, progress: Progress | None, page_reader: PageReader
) -> list[IngestItem]:
    assert report.log_file is not None
    scan_files = [f for f, _ in files]
    events = ingest_scan_files(
        ws, scan_files, batch_id=report.batch_id, log_file=report.log_file, progress=progress, page_reader=page_reader, executor=executor
    )
    for scan_file, size in files:
        digest = scan_file.stored_as.split(".")[0]
        intake = scan_file_intake(scan_file.path, digest, [e for e in events if e.path == scan_file.path])
        _remember(ws, scan_file.path, size, digest, "scan", report.batch_id, "record", intake.reason, None, intake)
    return [IngestItem(e.path, e.outcome, e.message, e.form_id, e.status, e.version, e.field_statuses) for e in events]


def _ingest_file(
    ws: Workspace, path: Path, batch_id: str, log_file: Path, scan_files: dict[str, tuple[ScanFile, int]], unpacked_into: Path
) -> IngestItem | list[Path] | None:
    """Take in one file; None when it is a scan, left for the page readers in ``scan_files``;
    the files it holds when it is an archive, unpacked under ``unpacked_into``."""
    try:
        size = path.stat().st_size
        with path.open("rb") as file:
            head = file.read(16)
    except OSError:
        message = f"{path}：无法读取文件（文件不存在、正被占用或没有读取权限）。请检查后重新读入"
        _account(ws, batch_id, FileIntake(str(path), "refused", message))
        return IngestItem(path, "rejected", message)
    digest = _store_original(ws, path)
    with ws.session() as session:
        seen = record_store.returned_file(session, digest)
    taken = seen if seen is not None and seen.outcome == "record" else None
    if taken is not None or digest in scan_files:
        return _already_taken(ws, path, digest, batch_id, taken.name if taken else scan_files[digest][0].path.name, taken)
    if seen is not None and seen.outcome == "unpacked" and seen.batch_id == batch_id:  # an archive that holds itself
        return _already_taken(ws, path, digest, batch_id, seen.name, seen)
    archive = archives.archive_kind(path, head)
    kind = "archive" if archive else kind_of(path, head)
    try:
        folder = unpacked_into / archives.folder_name(digest) / path.name
        if archive:
            return _unpack(ws, path, size, digest, kind, batch_id, archives.unpack(path, archive, folder))
        item = _read_and_store(ws, path, size, digest, kind, batch_id, folder)
        if isinstance(item, archives.Unpacked):
            return _unpack(ws, path, size, digest, kind, batch_id, item)
    except StorageError:
        raise
    except JiafangError as exc:
        refused = FileIntake(str(path), "refused", str(exc), digest, _form_ids(getattr(exc, "form_id", None)))
        _remember(ws, path, size, digest, kind, batch_id, "rejected", str(exc), getattr(exc, "form_id", None), refused)
        return IngestItem(path, "rejected", str(exc))
    except Exception as exc:  # a reader bug must not stop the batch; the log keeps the trace
        message = f"{path}：{program_error(str(path), exc, log_file)}"
        failed = FileIntake(str(path), "quarantined", message, digest)
        _remember(ws, path, size, digest, kind, batch_id, "rejected", message, None, failed)
        return IngestItem(path, "rejected", message)
    if isinstance(item, ScanFile):
        scan_files[digest] = (item, size)
        return None
    return item


def _unpack(ws: Workspace, path: Path, size: int, digest: str, kind: str, batch_id: str, unpacked: archives.Unpacked) -> list[Path]:
    """The files an archive or a Word file of photos or forms held, unpacked; its own intake row
    says what it held and names any member that could not be unpacked."""
    files = collect(unpacked.files)
    reason = "；".join([f"{path}：{unpacked.what.format(n=len(files))}，逐个读入（见各文件的结果）", *unpacked.problems])
    intake = FileIntake(str(path), "incomplete" if unpacked.problems else "unpacked", reason, digest)
    _remember(ws, path, size, digest, kind, batch_id, "unpacked", reason, None, intake)
    return files


def _store_original(ws: Workspace, path: Path) -> str:
    """Copy the input into the file store. The input was just read, so a failure here is the
    workspace's: the batch cannot go on."""
    try:
        return ws.files.put_file(path, suffix=path.suffix.lower())
    except OSError as exc:
        raise StorageError(f"工作区无法写入（{ws.files.root}）：磁盘已满、只读或没有权限。已完成的文件都已保存；请腾出空间或换一个工作区后重新运行") from exc


def _already_taken(ws: Workspace, path: Path, digest: str, batch_id: str, first_name: str, seen: ReturnedFile | None) -> IngestItem:
    item, intake = _taken(path, digest, batch_id, first_name, seen)
    _account(ws, batch_id, intake)
    return item


def _taken(
    path: Path, digest: str, batch_id: str, first_name: str, seen: ReturnedFile | None
) -> tuple[IngestItem, FileIntake]:
    """The same content was read before: in this batch (duplicate) or an earlier one (already read)."""
    if seen is None or seen.batch_id == batch_id:
        reason = f"{path}：与本批的“{first_name}”内容完全相同，只读入一次"
        outcome = "duplicate"
    else:
        reason = f"{path}：与此前已导入的“{first_name}”内容相同，已跳过。"
        outcome = "already_read"
    form_id = seen.form_id if seen else None
    return IngestItem(path, "duplicate", reason, form_id), FileIntake(str(path), outcome, reason, digest, _form_ids(form_id))


def _account(ws: Workspace, batch_id: str, intake: FileIntake) -> None:
    with ws.session() as session:
        intake_store.add_intake(session, batch_id, intake)


def _form_ids(form_id: str | None) -> tuple[str, ...]:
    return (form_id,) if form_id else ()


def _read_and_store(
    ws: Workspace, path: Path, size: int, digest: str, kind: str, batch_id: str, folder: Path
) -> IngestItem | ScanFile | archives.Unpacked:
    """A record; a scan, left for the page readers; or a Word file's photos or forms, taken out
    into ``folder``."""
    found = readers.identify(path, kind)
    if found.needs_scan_reader:
        return ScanFile(path, f"{digest}{path.suffix.lower()}")
    if found.holds:
        return _TAKE_APART[found.holds](path, folder)
    with ws.session() as session:
        issued = repo.get_issued_form(session, found.form_id)
        student = repo.get_student(session, issued.student_no) if issued else None
        teachers = repo.list_teachers(session, school=repo.student_school(session, issued.student_no)) if issued else []
        policy = student_policy(session, ws, issued.student_no) if issued else ws.policy
        thresholds = workspace_thresholds(session)
        classmates = repo.classmates(session, student) if student else []
        layout = repo.get_layout(session, issued.layout_hash) if issued else None
    if issued is None or student is None:
        raise _unknown_form(ws, path, found)
    # read where the copy was printed: a form issued before its definition changed keeps its layout
    form = as_printed(load_form(issued.form), issued.layout_hash, layout)
    try:
        reading = readers.read(path, kind, form, found)
    except BlankFormError:
        pictures = archives.word_pictures(path, folder) if kind == "word" else None
        if pictures and pictures.files:  # nothing typed, a photo of the handwritten sheet pasted in
            return pictures
        raise
    context = ValidationContext(policy, student, teachers, dt.date.today(), thresholds, classmates)
    suffix = path.suffix.lower()
    record = to_record(reading, form=form, issued=issued, context=context, source_file=f"{digest}{suffix}")
    returned = _returned(path, size, digest, kind, batch_id, "record", "", found.form_id)
    return ws.write(lambda session: _store_record(session, path, record, returned))


# A file that holds other returns ("holds" of readers.Identity), taken apart into a folder
_TAKE_APART = {"pictures": archives.word_pictures, "forms": archives.word_forms, "pdf-forms": archives.pdf_forms}


def _store_record(session: Session, path: Path, record: Record, returned: ReturnedFile) -> IngestItem:
    """Inside the write transaction: the same file stored meanwhile (another ingest) is already
    read; otherwise the record's next version, with the file that made it and its intake row."""
    record_store.lock_form(session, record.form_id)
    seen = record_store.returned_file(session, returned.digest)
    if seen is not None and seen.outcome == "record":
        item, intake = _taken(path, returned.digest, returned.batch_id, seen.name, seen)
        intake_store.add_intake(session, returned.batch_id, intake)
        return item
    stored = record_store.add_record(session, record)
    record_store.add_returned_file(session, returned)
    read = FileIntake(str(path), "read", "；".join(record.notes), returned.digest, (record.form_id,))
    intake_store.add_intake(session, returned.batch_id, read)
    outcome = "new" if stored.version == 1 else "updated"
    return IngestItem(path, outcome, "", record.form_id, stored.status, stored.version, stored.status_counts())



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
    ws: Workspace,
    path: Path,
    size: int,
    digest: str,
    kind: str,
    batch_id: str,
    outcome: str,
    message: str,
    form_id: str | None,
    intake: FileIntake,
) -> None:
    """Record what became of a stored file, so a waiting scan can be read later and nothing is
    lost, and account for it in the same transaction."""
    returned = _returned(path, size, digest, kind, batch_id, outcome, message, form_id)

    def write(session: Session) -> None:
        record_store.add_returned_file(session, returned)
        intake_store.add_intake(session, batch_id, intake)

    ws.write(write)


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
    files = {f"files_{o}": len(report.files_with(o)) for o in FILE_OUTCOMES}
    counts: dict[str, object] = {o: report.count(o) for o in OUTCOMES}
    return counts | {"review": report.needs_review, "seconds": round(report.seconds, 2)} | fields | files
