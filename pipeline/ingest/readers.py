"""Hand each returned file to the reader of its kind: identify first, then read."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.errors import ForeignDocumentError, UnreadableFileError
from pipeline.model.form import FormDef
from pipeline.model.record import Reading


@dataclass(frozen=True)
class Identity:
    form_id: str
    school_code: str | None = None
    needs_scan_reader: bool = False
    holds: str = ""  # "pictures", "forms" or "pdf-forms": a Word file of photos or of several forms, a class's print PDF, taken apart
    notes: tuple[str, ...] = ()
    detail: Any = None  # what the reader learnt while identifying, handed back to read()


def identify(path: Path, kind: str) -> Identity:
    """Whose form is this file? Raises the DocumentError family for files we cannot take."""
    if kind == "word":
        from pipeline.readback.docx_pictures import body_pictures
        from pipeline.readback.docx_reader import docx_identity
        from pipeline.readback.safety import check_zip_document

        check_zip_document(path)
        try:
            found = docx_identity(path)
        except ForeignDocumentError:
            if body_pictures(path):  # photos or scans of the paper forms, pasted into Word
                return Identity("", holds="pictures")
            raise
        if len(found.forms) > 1:
            return Identity(found.form_id, found.school_code, holds="forms")
        return Identity(found.form_id, found.school_code, notes=found.notes)
    if kind == "pdf":
        from pipeline.readback.pdf_reader import inspect_pdf
        from pipeline.scan.salvage import cut_short

        if cut_short(path):  # the scan reader reads what came before the cut and names what did not
            return Identity("", needs_scan_reader=True)
        info = inspect_pdf(path)
        if info.kind == "image":
            return Identity(info.form_id or "", info.school_code, needs_scan_reader=True)
        if not info.form_id:
            raise ForeignDocumentError(path, "PDF 中找不到表单编号，不是本系统生成的家访表单", "请确认文件是否交错")
        if len(info.forms) > 1:  # a class's print PDF typed into for several students
            return Identity(info.form_id, info.school_code, holds="pdf-forms", detail=info)
        return Identity(info.form_id, info.school_code, detail=info)
    if kind == "image":
        return Identity("", needs_scan_reader=True)
    from pipeline.readback.safety import NOT_A_RETURN, ROSTER_HINT
    from pipeline.roster.reader import ROSTER_SUFFIXES

    if path.suffix.lower() in ROSTER_SUFFIXES:  # a web page or CSV saved as a spreadsheet: the roster, most likely
        raise UnreadableFileError(path, "这是电子表格，不是交回的家访表", NOT_A_RETURN + ROSTER_HINT)
    raise UnreadableFileError(path, "不支持的文件类型", "请交回 Word（.docx）、PDF、照片或扫描图片（JPEG/PNG/TIFF），或把它们打成一个 zip 压缩包")


def read(path: Path, kind: str, form: FormDef, found: Identity) -> Reading:
    """Read every field of ``form`` from the file identified as ``found``."""
    if kind == "word":
        from pipeline.readback.docx_reader import read_docx

        reading = read_docx(path, form, form_id=found.form_id)
    else:
        from pipeline.readback.pdf_reader import read_pdf

        reading = read_pdf(path, form, form_id=found.form_id, info=found.detail)
    if found.notes:
        reading = Reading(reading.form_id, reading.values, reading.reader, found.notes + reading.notes)
    return reading
