"""Issue forms in batches: one print PDF per class and form, one .docx (and fillable PDF) per
student and form.

Every generated form gets a fresh form id, is recorded in the issuance table (so a returned
page can be matched to its student without reading a name) and listed in ``manifest.json``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from itertools import groupby
from pathlib import Path

from pipeline.access import require_current
from pipeline.atomic import atomic_write_text
from pipeline.scope.access import check_scope
from pipeline.scope.schools import printing_scope
from pipeline.errors import FontCoverageError, GenerateError
from pipeline.model.audit import default_operator
from pipeline.model.prefill import prefill_values
from pipeline.identity import new_form_id
from pipeline.store.repo import unused_form_ids
from pipeline.model.filled import FilledForm
from pipeline.model.form import FormDef, load_form
from pipeline.model.issuance import IssuedForm
from pipeline.model.people import Student
from pipeline.model.policy import Policy
from pipeline.outline import outline_for
from pipeline.progress import Progress
from pipeline.render.docx import render_docx
from pipeline.render.fillable import render_fillable_pdf
from pipeline.render.fonts import FontSet, default_fonts
from pipeline.render.pdf import check_coverage, render_pdf
from pipeline.store import repo
from pipeline.store.workspace import Workspace

FORMATS = ("pdf", "docx", "fillable-pdf")
PDF_FORMATS = ("pdf", "fillable-pdf")  # formats drawn with the CJK font chain
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class ManifestEntry:
    form_id: str
    form: str
    student_id: str
    class_: str
    file: str  # relative to the output folder
    first_page: int
    pages: int
    format: str

    def as_json(self) -> dict[str, object]:
        out = asdict(self)
        out["class"] = out.pop("class_")
        return out


@dataclass
class GenerationReport:
    batch_id: str
    out_dir: Path
    entries: list[ManifestEntry] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    pdf_pages: int = 0
    seconds: float = 0.0

    @property
    def forms_issued(self) -> int:
        return len({e.form_id for e in self.entries})


def generate(
    ws: Workspace,
    *,
    forms: Sequence[str],
    formats: Sequence[str],
    out_dir: Path,
    class_name: str | None = None,
    duplex: bool = True,
    progress: Progress | None = None,
    order: Sequence[tuple[str, Mapping[str, str]]] | None = None,
    school: str | None = None,
    operator: str | None = None,
    draw: Callable[[str], str] = new_form_id,
) -> GenerationReport:
    """Issue ``forms`` for every student (of ``class_name``) and write them to ``out_dir``;
    ``school`` names the school of a district's store they are printed for (its code in the
    QR codes, its name and profile on the forms), required once the store holds several.
    ``draw`` makes a form id for a form definition (``identity.seeded_form_ids`` for benchmarks).

    ``order`` (学籍号, values by field role) issues one form per entry instead, in that order
    within each class (a student may come twice), with those values pre-filled where the form
    has a field of the role: the visit plan's record forms with the planned teachers."""
    require_current("print")
    started = time.perf_counter()
    form_defs = [load_form(f) for f in forms]
    _check_formats(formats)
    with ws.session() as session:
        scope = printing_scope(session, ws, school)
        check_scope(session, operator or default_operator(), scope.school)
    ws = replace(ws, policy=scope.policy)  # the school's code, name and outlines on every form
    students = _ordered(_students(ws, class_name, scope.school), order)
    with ws.session() as session:
        for form in form_defs:
            repo.save_layout(session, form)
    report = GenerationReport(batch_id=repo.new_batch_id("G"), out_dir=out_dir)
    fonts = default_fonts() if set(PDF_FORMATS) & set(formats) else None
    total, done = len(students) * len(form_defs), 0
    for form in form_defs:
        for cls, members in groupby(students, key=lambda s: s[0].class_name):
            group = list(members)
            _issue_class(ws, form, cls, group, formats=formats, fonts=fonts, duplex=duplex, report=report, draw=draw)
            done += len(group)
            if progress:
                progress(done, total, f"{form.title} · {cls}")
    _write_manifest(out_dir, report.entries)
    report.seconds = time.perf_counter() - started
    with ws.session() as session:
        repo.add_batch(session, report.batch_id, "generate", _options(forms, formats, out_dir, class_name), _summary(report))
    return report


def _issue_class(
    ws: Workspace,
    form: FormDef,
    cls: str,
    students: list[tuple[Student, Mapping[str, str]]],
    *,
    formats: Sequence[str],
    fonts: FontSet | None,
    duplex: bool,
    report: GenerationReport,
    draw: Callable[[str], str],
) -> None:
    """Render one class's forms, then record them as issued in one transaction."""
    filled: list[tuple[Student, FilledForm]] = []
    with ws.session() as session:
        ids = unused_form_ids(session, form.id, len(students), draw=draw)
    for (student, by_role), form_id in zip(students, ids):
        ff = filled_form(form, student, ws.policy, by_role, form_id=form_id)
        if fonts is not None:
            try:
                check_coverage(ff, fonts)
            except FontCoverageError as exc:
                report.problems.append(str(exc))
                continue
        filled.append((student, ff))
    if not filled:
        return
    entries: list[ManifestEntry] = []
    if "pdf" in formats:
        entries += _write_class_pdf(form, cls, filled, fonts=fonts, duplex=duplex, report=report)
    if "docx" in formats:
        entries += _write_docx_files(form, cls, filled, report=report)
    if "fillable-pdf" in formats:
        entries += _write_fillable_files(form, cls, filled, fonts=fonts, report=report)
    files_by_id: dict[str, list[str]] = {}
    for e in entries:
        files_by_id.setdefault(e.form_id, []).append(e.file)
    issued = [
        IssuedForm(
            form_id=ff.form_id,
            form=form.id,
            form_version=form.version,
            layout_hash=form.layout_hash,
            student_no=student.student_no,
            class_name=cls,
            pages=form.page_count,
            batch_id=report.batch_id,
            files=tuple(files_by_id[ff.form_id]),
            created_at=dt.datetime.now(dt.timezone.utc),
        )
        for student, ff in filled
    ]
    with ws.session() as session:
        repo.add_issued_forms(session, issued)
    report.entries += entries


def filled_form(
    form: FormDef, student: Student, policy: Policy, by_role: Mapping[str, str] | None = None, *, form_id: str | None = None
) -> FilledForm:
    """A freshly identified form for ``student`` (or the issued ``form_id`` again, for a
    reprint), pre-filled from the roster (and ``by_role``: values for the form's fields of
    those roles)."""
    form_id = form_id or new_form_id(form.id)
    extra = {f.id: value for role, value in (by_role or {}).items() if (f := form.with_role(role)) is not None}
    return FilledForm(
        form=form,
        form_id=form_id,
        school_code=policy.school.code,
        title=f"{policy.school.name} {form.title}",
        values={**prefill_values(form, student, school_name=policy.school.name, form_id=form_id), **extra},
        outline=outline_for(student, policy) if form.pages[0].content_boxes else None,
        owner=f"{student.class_name} {student.name}（学籍号 {student.student_no}）",
    )


def _write_class_pdf(
    form: FormDef,
    cls: str,
    filled: list[tuple[Student, FilledForm]],
    *,
    fonts: FontSet | None,
    duplex: bool,
    report: GenerationReport,
) -> list[ManifestEntry]:
    rel = Path("pdf") / form.id / f"{safe_name(cls)}.pdf"
    path = report.out_dir / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    spans = render_pdf([ff for _, ff in filled], path, batch_id=report.batch_id, duplex=duplex, fonts=fonts)
    report.files.append(path)
    report.pdf_pages += max(s.first_page + s.pages - 1 for s in spans) + (1 if duplex and spans[-1].pages % 2 else 0)
    by_id = {s.form_id: s for s in spans}
    return [
        ManifestEntry(ff.form_id, form.id, st.student_no, cls, rel.as_posix(), by_id[ff.form_id].first_page, by_id[ff.form_id].pages, "pdf")
        for st, ff in filled
    ]


def _write_docx_files(
    form: FormDef, cls: str, filled: list[tuple[Student, FilledForm]], *, report: GenerationReport
) -> list[ManifestEntry]:
    entries = []
    for student, ff in filled:
        rel = Path("docx") / form.id / safe_name(cls) / safe_name(f"{student.student_no}_{student.name}_{ff.form_id}.docx")
        path = report.out_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        render_docx(ff, path)
        report.files.append(path)
        entries.append(ManifestEntry(ff.form_id, form.id, student.student_no, cls, rel.as_posix(), 1, form.page_count, "docx"))
    return entries


def _write_fillable_files(
    form: FormDef, cls: str, filled: list[tuple[Student, FilledForm]], *, fonts: FontSet | None, report: GenerationReport
) -> list[ManifestEntry]:
    entries = []
    for student, ff in filled:
        rel = Path("fillable") / form.id / safe_name(cls) / safe_name(f"{student.student_no}_{student.name}_{ff.form_id}.pdf")
        path = report.out_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        render_fillable_pdf(ff, path, fonts=fonts, batch_id=report.batch_id)
        report.files.append(path)
        entries.append(ManifestEntry(ff.form_id, form.id, student.student_no, cls, rel.as_posix(), 1, form.page_count, "fillable-pdf"))
    return entries


def _students(ws: Workspace, class_name: str | None, school: str | None) -> list[Student]:
    with ws.session() as session:
        students = repo.list_students(session, class_name=class_name, school=school)
        classes = repo.list_classes(session)
    if not students and class_name:
        raise GenerateError(f"没有找到班级“{class_name}”的学生。已有班级：{'、'.join(classes) or '（无）'}。")
    if not students:
        raise GenerateError("工作区中还没有学生。请先运行：jiafang roster import 花名册.xlsx")
    return sorted(students, key=lambda s: (s.class_name, s.student_no))


def _ordered(students: list[Student], order: Sequence[tuple[str, Mapping[str, str]]] | None) -> list[tuple[Student, Mapping[str, str]]]:
    """(student, values by role) to issue, class by class: every student once, or ``order``'s
    entries of these students in its order within each class."""
    if order is None:
        return [(s, {}) for s in students]
    by_no = {s.student_no: s for s in students}
    chosen = [(by_no[no], values) for no, values in order if no in by_no]
    if not chosen:
        raise GenerateError("计划中没有这些学生的家访：请先运行 jiafang plan make，或核对 --class。")
    first_seen: dict[str, int] = {}
    for s, _ in chosen:
        first_seen.setdefault(s.class_name, len(first_seen))
    return sorted(chosen, key=lambda item: first_seen[item[0].class_name])  # stable: the order within a class stays


def _check_formats(formats: Sequence[str]) -> None:
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise GenerateError(f"不支持的输出格式：{'、'.join(unknown) or '（空）'}。可用：{', '.join(FORMATS)}")


def _write_manifest(out_dir: Path, entries: list[ManifestEntry]) -> None:
    """Write manifest.json, keeping earlier entries whose files this run did not rewrite."""
    path = out_dir / MANIFEST
    rewritten = {e.file for e in entries}
    kept: list[dict[str, object]] = []
    if path.is_file():
        kept = [e for e in json.loads(path.read_text(encoding="utf-8")) if e.get("file") not in rewritten]
    atomic_write_text(path, json.dumps(kept + [e.as_json() for e in entries], ensure_ascii=False, indent=1))


def safe_name(name: str) -> str:
    """A file name that every file system accepts (Windows forbids these characters)."""
    return re.sub(r'[\\/:*?"<>|\s]+', "_", name).strip("._") or "_"


def _options(forms: Sequence[str], formats: Sequence[str], out_dir: Path, class_name: str | None) -> dict[str, object]:
    return {"forms": list(forms), "formats": list(formats), "out": str(out_dir), "class": class_name}


def _summary(report: GenerationReport) -> dict[str, object]:
    return {
        "forms": report.forms_issued,
        "pdf_pages": report.pdf_pages,
        "files": len(report.files),
        "problems": len(report.problems),
        "seconds": round(report.seconds, 2),
    }
