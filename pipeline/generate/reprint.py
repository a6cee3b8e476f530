"""Reprint one issued form: the same form id (a returned reprint is read as that form), pre-filled
from the roster as it is now, and marked as a reprint in its printed title."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import replace
from pathlib import Path

from pipeline.atomic import move_into_place
from pipeline.errors import GenerateError
from pipeline.generate.batch import (
    GenerationReport,
    ManifestEntry,
    _write_class_pdf,
    _write_docx_files,
    _write_manifest,
    filled_form,
    safe_name,
)
from pipeline.model.form import load_form
from pipeline.render.fonts import default_fonts
from pipeline.store import repo
from pipeline.store.workspace import Workspace

__all__ = ["REPRINT_MARK", "reprint"]

REPRINT_MARK = "（补打）"


def reprint(ws: Workspace, form_id: str, *, out_dir: Path, formats: tuple[str, ...] = ("pdf",)) -> GenerationReport:
    """Write the issued form ``form_id`` again into ``out_dir`` (PDF, and .docx when asked).

    Raises GenerateError when no such form was issued or its student left the roster.
    """
    started = time.perf_counter()
    with ws.session() as session:
        issued = repo.get_issued_form(session, form_id)
        student = repo.get_student(session, issued.student_no) if issued else None
    if issued is None or student is None:
        raise GenerateError(f"表单编号 {form_id} 没有在本工作区发放过（或其学生已不在花名册中），无法补打。请核对表单编号")
    form = load_form(issued.form)
    again = filled_form(form, student, ws.policy, form_id=form_id)
    ff = replace(again, title=again.title + REPRINT_MARK)
    report = GenerationReport(batch_id=repo.new_batch_id("R"), out_dir=out_dir)
    if "pdf" in formats:
        written = _write_class_pdf(form, issued.class_name, [(student, ff)], fonts=default_fonts(), duplex=False, report=report)
        report.entries += [_named_for(report, e, f"补打_{student.student_no}_{student.name}_{form_id}.pdf") for e in written]
    if "docx" in formats:
        report.entries += _write_docx_files(form, issued.class_name, [(student, ff)], report=report)
    _write_manifest(out_dir, report.entries)
    report.seconds = time.perf_counter() - started
    with ws.session() as session:
        options = {"form_id": form_id, "formats": list(formats), "out": str(out_dir), "at": dt.datetime.now(dt.timezone.utc).isoformat()}
        repo.add_batch(session, report.batch_id, "reprint", options, {"forms": 1, "files": len(report.files)})
    return report


def _named_for(report: GenerationReport, entry: ManifestEntry, name: str) -> ManifestEntry:
    """The one form's PDF renamed from its class's name to the student's, so it is not taken
    for the class's whole stack."""
    old = report.out_dir / entry.file
    new = old.with_name(safe_name(name))
    move_into_place(old, new)
    report.files[report.files.index(old)] = new
    return replace(entry, file=new.relative_to(report.out_dir).as_posix())
