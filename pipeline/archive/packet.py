"""督导检查 packet: one PDF for the inspectors and a signed ZIP around it.

The PDF holds a cover, contents, the monthly 统计表 of the term, the compliance summary and
every record of the term in scope with its scan; bookmarks lead to each section, class and
record. The ZIP holds the PDF, the spreadsheets, one JSON per record (the export contract
after the outward rules) and ``manifest.json`` signed with the workspace key.

A packet always leaves the school, so the outward rules (pipeline.archive.privacy) always
apply; ``include_sensitive`` is printed on the cover and written to the audit log. Records
are drawn a part at a time and the ZIP is written entry by entry, so memory does not grow
with the school.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from reportlab.platypus import Flowable, PageBreak
from sqlalchemy.orm import Session

from pipeline.access import require_current
from pipeline import defs
from pipeline.archive.manifest import MANIFEST_NAME, FileEntry, HashingWriter, build_manifest, workspace_key
from pipeline.archive.packet_sections import (
    Cover,
    Entry,
    compliance_story,
    cover_story,
    monthly_stats,
    outward_compliance,
    outward_ledger,
    term_months,
)
from pipeline.archive.pdfjoin import Bookmark, join_parts, page_count
from pipeline.archive.privacy import Privacy
from pipeline.archive.record_pages import convert_scans, date_of, load_record_page, record_story
from pipeline.archive.story import write_part
from pipeline.atomic import move_into_place
from pipeline.scope.schools import open_scope
from pipeline.errors import ArchiveError
from pipeline.export.records import student_name
from pipeline.generate.batch import safe_name
from pipeline.model.audit import AuditEvent, default_operator
from pipeline.model.form import load_form
from pipeline.model.policy import Period
from pipeline.model.record import Record
from pipeline.progress import Progress
from pipeline.report.compliance import compliance_todo, write_compliance_xlsx
from pipeline.report.ledger import build_ledger, write_ledger_xlsx
from pipeline.report.stats.pdf import write_stats_pdf
from pipeline.report.stats.xlsx import write_stats_xlsx
from pipeline.report.visits import counted_with_pending_by, load_visits
from pipeline.store import repo
from pipeline.store.audit import file_sha256, log_event
from pipeline.store.records import list_records
from pipeline.store.workspace import Workspace

SCOPES = ("school", "class")
PDF_NAME = "督导检查材料.pdf"
FRONT_PASSES = 3  # cover+contents re-laid out until its page count is stable


@dataclass(frozen=True)
class PacketResult:
    pdf: Path
    zip: Path
    records: int
    pages: int
    files: int  # entries in the manifest
    zip_sha256: str
    seconds: float


@dataclass
class _Records:
    """What the record pass produced: parts, bookmarks relative to its first page, entries."""

    parts: list[Path] = field(default_factory=list)
    pages: int = 0
    classes: list[Bookmark] = field(default_factory=list)
    count: int = 0


@dataclass
class _Front:
    stats: list[tuple[str, Path, int]]  # (month, PDF, pages)
    compliance: Path
    compliance_pages: int


def build_packet(
    ws: Workspace,
    *,
    scope: str,
    class_name: str | None = None,
    term: str,
    out_dir: Path,
    operator: str | None = None,
    include_sensitive: bool = False,
    today: dt.date | None = None,
    progress: Progress | None = None,
    school: str | None = None,
) -> PacketResult:
    """Build the packet of ``term`` (a semester id, e.g. "2025-2026-1") for the school or one
    class into ``out_dir``; returns where the PDF and the ZIP are. ``progress`` hears of each
    class drawn. ``school`` (a code) is the school of a district's store the packet is of,
    named and counted by its own profile."""
    require_current("packet")
    started = time.perf_counter()
    who = operator or default_operator()
    day = today or dt.date.today()
    with ws.session() as session:
        among = open_scope(session, ws, school, who, one_school=True)
        classes = _classes(session, scope, class_name, among.school)
    ws = replace(ws, policy=among.policy)  # the school's name, terms and groups throughout
    period = _term(ws, term)
    privacy = Privacy.for_policy(ws.policy, outward=True, include_sensitive=include_sensitive)
    label = "全校" if scope == "school" else classes[0]
    audit_scope = scope if scope == "school" else f"class {label}"
    base = safe_name(f"督导检查_{label}_{period.id}")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ArchiveError(f"无法建立输出文件夹 {out_dir}（{exc.strerror}）：请换一个输出位置。") from exc
    zip_path = out_dir / f"{base}.zip"
    pdf_path = out_dir / f"{base}.pdf"
    key = workspace_key(ws.root)
    with tempfile.TemporaryDirectory(dir=out_dir, prefix=".packet-") as tmp:
        scratch = Path(tmp)
        partial = scratch / "packet.zip"
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as zf:
            entries: list[FileEntry] = []
            records = _record_pass(ws, among.school, classes, period, privacy, scratch, zf, entries, progress)
            only = classes[0] if scope == "class" else None
            front = _front_sections(ws, among.school, only, period, privacy, day, scratch, zf, entries)
            cover = Cover(
                ws.policy.school.name, label, period, day, who, records.count, privacy.note(who),
                _contents_note(privacy),
            )
            pages = _join(cover, front, records, scratch / "joined.pdf")
            entries.append(_add_file(zf, scratch / "joined.pdf", PDF_NAME))
            meta = {
                "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                "school": ws.policy.school.name,
                "scope": audit_scope,
                "term": period.id,
                "operator": who,
                "include_sensitive": include_sensitive,
                "records": records.count,
            }
            zf.writestr(MANIFEST_NAME, json.dumps(build_manifest(entries, meta, key), ensure_ascii=False, indent=1))
        move_into_place(scratch / "joined.pdf", pdf_path)
        move_into_place(partial, zip_path)
    digest = file_sha256(zip_path)
    options = {"term": period.id, "include_sensitive": include_sensitive, "records": records.count, "pdf": str(pdf_path)}
    with ws.session() as session:
        log_event(session, AuditEvent("packet", who, audit_scope, options, str(zip_path), digest))
    return PacketResult(pdf_path, zip_path, records.count, pages, len(entries), digest, time.perf_counter() - started)


def _term(ws: Workspace, term: str) -> Period:
    for semester in ws.policy.semesters:
        if semester.id == term:
            return semester
    known = "、".join(s.id for s in ws.policy.semesters)
    raise ArchiveError(f"学期“{term}”不在政策配置中（可用：{known}）：请用 --term 指定其中之一。")


def _classes(session: Session, scope: str, class_name: str | None, school: str | None) -> list[str]:
    if scope not in SCOPES:
        raise ArchiveError(f"未知的检查范围“{scope}”：请用 school（全校）或 class（一个班，需加 --class）。")
    known = repo.list_classes(session)
    if school is not None:  # class names repeat across schools: only this school's
        own = {s.class_name for s in repo.list_students(session, school=school)}
        known = [c for c in known if c in own]
    if scope == "school":
        return known
    if not class_name:
        raise ArchiveError("检查范围为 class 时请用 --class 指定班级，例如 --class 七年级（1）班。")
    if class_name not in known:
        raise ArchiveError(f"班级“{class_name}”不在花名册中（已有：{'、'.join(known)}）。")
    return [class_name]


def _record_pass(
    ws: Workspace,
    school: str | None,
    classes: Sequence[str],
    period: Period,
    privacy: Privacy,
    scratch: Path,
    zf: zipfile.ZipFile,
    entries: list[FileEntry],
    progress: Progress | None,
) -> _Records:
    """Draw every record of the term, class by class, a part at a time; add their JSON files."""
    done = _Records()
    for number, class_name in enumerate(classes, start=1):
        children: list[Bookmark] = []
        with ws.session() as session:
            records = [r for r in list_records(session, class_name=class_name, school=school) if _in_term(r, period)]
        for chunk in _chunks(records, defs.ARCHIVE_CHUNK_RECORDS):
            part_dir = scratch / f"part{len(done.parts):05d}"
            part_dir.mkdir()
            with ws.session() as session:
                pages = [load_record_page(ws, session, r, privacy) for r in chunk]
            scans = convert_scans(pages, part_dir)
            story: list[Flowable] = []
            for page in pages:
                story += [PageBreak()] if story else []
                story += record_story(page, scans[page.record.form_id], mark=page.record.form_id)
                entries.append(_add_json(zf, page.record, class_name))
            part = write_part(story, scratch / f"{part_dir.name}.pdf", footer=_footer(ws, period), title=PDF_NAME)
            shutil.rmtree(part_dir)  # the JPEGs are inside the part now
            children += [
                Bookmark(_record_title(p.record), done.pages + part.marks[p.record.form_id]) for p in pages
            ]
            done.parts.append(part.path)
            done.pages += part.pages
            done.count += len(pages)
        if children:
            done.classes.append(Bookmark(f"{class_name}（{len(children)} 份）", children[0].page, children))
        if progress:
            progress(number, len(classes), class_name)
    return done


def _front_sections(
    ws: Workspace,
    school: str | None,
    only: str | None,
    period: Period,
    privacy: Privacy,
    day: dt.date,
    scratch: Path,
    zf: zipfile.ZipFile,
    entries: list[FileEntry],
) -> _Front:
    """Statistics and compliance as PDF parts (of one class when ``only``), their spreadsheets into the ZIP."""
    with ws.session() as session:
        visits = load_visits(session, school=school)
        students = repo.list_students(session, school=school)
        teachers = repo.list_teachers(session, school=school)
    policy = ws.policy
    tables = monthly_stats(
        visits=visits, students=students, teachers=teachers, policy=policy,
        months=term_months(period, day), class_name=only, privacy=privacy,
    )
    stats = []
    for table in tables:
        pdf = write_stats_pdf(table, scratch / f"stats-{table.month}.pdf", filled_on=day)
        stats.append((table.month, pdf, page_count(pdf)))
        xlsx = write_stats_xlsx(table, scratch / f"stats-{table.month}.xlsx", filled_on=day)
        entries.append(_add_file(zf, xlsx, f"报表/统计表_{table.month}.xlsx"))
    as_of = min(period.end, day)
    report = compliance_todo(
        visits=visits, students=students, teachers=teachers, policy=policy, as_of=as_of, class_name=only
    )
    xlsx = write_compliance_xlsx(outward_compliance(report, privacy), scratch / "compliance.xlsx")
    entries.append(_add_file(zf, xlsx, f"报表/合规清单_{as_of}.xlsx"))
    if not privacy.hides_sensitive:
        ledger = build_ledger(visits=visits, teachers=teachers, policy=policy, as_of=as_of)
        items = outward_ledger([i for i in ledger if only is None or i.class_name == only], privacy)
        waiting = counted_with_pending_by([v for v in visits if only in (None, v.class_name)], as_of)
        path = write_ledger_xlsx(
            items, scratch / "ledger.xlsx", school=policy.school.name, as_of=as_of, scope=only or "全校",
            counted_with_pending=waiting,
        )
        entries.append(_add_file(zf, path, f"报表/台账_{as_of}.xlsx"))
    part = write_part(compliance_story(report, privacy), scratch / "compliance.pdf", footer=_footer(ws, period), title=PDF_NAME)
    return _Front(stats, part.path, part.pages)


def _join(cover: Cover, front: _Front, records: _Records, out: Path) -> int:
    """Lay out the cover and contents until their page count is stable, then join all parts."""
    cover_pages = 1
    for _ in range(FRONT_PASSES):
        contents, bookmarks = _contents(cover_pages, front, records)
        part = write_part(cover_story(cover, contents), out.with_name("cover.pdf"), footer="", title=PDF_NAME)
        if part.pages == cover_pages:
            break
        cover_pages = part.pages
    parts = [part.path, *(p for _, p, _ in front.stats), front.compliance, *records.parts]
    return join_parts(parts, bookmarks, out, title=f"{cover.school} 家访工作督导检查材料")


def _contents(cover_pages: int, front: _Front, records: _Records) -> tuple[list[Entry], list[Bookmark]]:
    page = cover_pages
    months = []
    for month, _, pages in front.stats:
        months.append(Bookmark(f"统计表 {month}", page))
        page += pages
    compliance = Bookmark("合规情况汇总", page)
    page += front.compliance_pages
    classes = [_shifted(c, page) for c in records.classes]
    bookmarks = [
        Bookmark("封面", 0),
        Bookmark("目录", 1),
        Bookmark("统计表", months[0].page, months) if months else None,
        compliance,
        Bookmark("家访记录", classes[0].page, classes) if classes else None,
    ]
    kept = [b for b in bookmarks if b is not None]
    flat = [*months, compliance, *classes]
    return [Entry(b.title, b.page + 1) for b in flat], kept


def _shifted(bookmark: Bookmark, offset: int) -> Bookmark:
    return Bookmark(bookmark.title, bookmark.page + offset, [_shifted(c, offset) for c in bookmark.children])


def _in_term(record: Record, period: Period) -> bool:
    day = date_of(record, load_form(record.form))
    if day is not None:
        return period.contains(dt.date.fromisoformat(day))
    return record.created_at is not None and period.contains(record.created_at.date())


def _chunks(items: Sequence[Record], size: int) -> Iterator[Sequence[Record]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _record_title(record: Record) -> str:
    day = date_of(record, load_form(record.form)) or "日期不详"
    return f"{student_name(record) or record.form_id}　{day}"


def _footer(ws: Workspace, period: Period) -> str:
    return f"{ws.policy.school.name}　家访工作督导检查材料　{period.name}"


def _contents_note(privacy: Privacy) -> str:
    ledger = "、台账" if not privacy.hides_sensitive else "（台账含发现的问题原文，对外材料不附）"
    return f"随附 ZIP：本 PDF、每月统计表与合规清单（xlsx）{ledger}、每份记录的 JSON 文件及签名清单 manifest.json。"


def _add_json(zf: zipfile.ZipFile, record: Record, class_name: str) -> FileEntry:
    name = f"记录/{safe_name(class_name)}/{record.form_id}.json"
    data = json.dumps(record.as_json(), ensure_ascii=False, indent=1).encode("utf-8")
    return _write_entry(zf, name, lambda w: w.write(data), zipfile.ZIP_DEFLATED)


def _add_file(zf: zipfile.ZipFile, path: Path, name: str) -> FileEntry:
    # PDFs and xlsx files are compressed already.
    def copy(w: HashingWriter) -> None:
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                w.write(chunk)

    return _write_entry(zf, name, copy, zipfile.ZIP_STORED)


def _write_entry(zf: zipfile.ZipFile, name: str, write: Callable[[HashingWriter], object], compression: int) -> FileEntry:
    info = zipfile.ZipInfo(name, date_time=time.localtime()[:6])
    info.compress_type = compression
    with zf.open(info, "w", force_zip64=True) as stream:
        writer = HashingWriter(stream)
        write(writer)
    return writer.entry(name)
