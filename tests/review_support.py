"""Workspaces with records waiting for review, for the review station's tests.

Forms are issued with the real ``generate`` for one class of the sample school (once per test
module, then the workspace folder is copied per test); records are hand-made Records with
some fields in ``review`` stored through the record store, some with a rendered crop image.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image, ImageDraw, ImageFont

from pipeline import defs
from pipeline.generate import generate
from pipeline.model.form import load_form
from pipeline.model.record import FieldValue, Record
from pipeline.model.scan import ScannedPage
from pipeline.resources import samples_dir
from pipeline.roster.importer import import_roster
from pipeline.store import repo
from pipeline.store.records import add_record
from pipeline.store.scans import add_scanned_page
from pipeline.store.workspace import Workspace, init_workspace, open_workspace
from tests.pg_support import clone_database

CLASS = "七年级（1）班"
HAND_FONT = "/usr/share/fonts/truetype/arphic/ukai.ttc"
TEACHER = "唐春燕"  # 班主任 of the sample school


@dataclass(frozen=True)
class Issued:
    form_id: str
    student_no: str
    pdf: Path  # the class's print PDF
    first_page: int  # 1-based page of this form in it


def issue_template(root: Path) -> tuple[Path, list[Issued]]:
    """A closed workspace at ``root/ws`` with the sample roster and record forms issued for CLASS."""
    ws = init_workspace(root / "ws", policy_path=samples_dir() / "policy.yaml")
    import_roster(ws, [samples_dir() / "roster.xlsx"])
    generate(ws, forms=["record"], formats=["pdf"], out_dir=root / "out", class_name=CLASS)
    ws.close()
    manifest = json.loads((root / "out" / "manifest.json").read_text(encoding="utf-8"))
    issued = [
        Issued(e["form_id"], e["student_id"], root / "out" / e["file"], e["first_page"]) for e in manifest
    ]
    return root / "ws", issued


def copy_workspace(template: Path, target: Path) -> Workspace:
    shutil.copytree(template, target)
    clone_database(target)  # a template on PostgreSQL ([postgresql] tests): the copy's own database
    return open_workspace(target)


def crop_png(text: str, *, width: int = 360, height: int = 70) -> bytes:
    """A field crop: ``text`` in a brush-like font on white, inside a box line like the print;
    ☑ and ☐ are drawn as ticked and empty checkboxes."""
    image = Image.new("L", (width, height), 255)
    pen = ImageDraw.Draw(image)
    pen.rectangle([1, 1, width - 2, height - 2], outline=90, width=2)
    font = ImageFont.truetype(HAND_FONT, 36)
    x = 12.0
    for char in text:
        if char in "☑☐":
            pen.rectangle([x, 20, x + 30, 50], outline=40, width=2)
            if char == "☑":
                pen.line([(x + 4, 33), (x + 13, 46), (x + 34, 12)], fill=10, width=4)
            x += 38
        else:
            pen.text((x, 14), char, font=font, fill=20)
            x += font.getlength(char)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def store_crop(ws: Workspace, text: str) -> str:
    return f"{ws.files.put_bytes(crop_png(text), '.png')}.png"


def verified(value: object, raw: str = "") -> FieldValue:
    return FieldValue(value, raw or str(value), 1.0, "docx", "verified")


def auto(value: object, raw: str = "") -> FieldValue:
    return FieldValue(value, raw or str(value), 0.99, "ocr", "auto")


def review(value: object, raw: str, confidence: float = 0.6, *, crop: str | None = None, message: str = "识别把握不足") -> FieldValue:
    return FieldValue(value, raw, confidence, "ocr", "review", message, crop)


def store_record(ws: Workspace, issued: Issued, fields: Mapping[str, FieldValue]) -> Record:
    """A record of the 家访记录表 for ``issued`` with exactly ``fields``."""
    with ws.session() as session:
        issued_form = repo.get_issued_form(session, issued.form_id)
        assert issued_form is not None
        return add_record(
            session,
            Record(
                form_id=issued.form_id,
                form="record",
                student_no=issued.student_no,
                class_name=CLASS,
                layout_hash=load_form("record").layout_hash,
                fields=dict(fields),
                source_file="0" * 64 + ".png",
                reader="scan",
            ),
        )


def typical_fields(ws: Workspace, *, others: str = "verified") -> dict[str, FieldValue]:
    """A visit record: a date and a choice in review (with crops), the rest ``others``."""
    settled = verified if others == "verified" else auto
    return {
        "visit_date": review("2025-11-08", "2025.11.8", 0.55, crop=store_crop(ws, "2025.11.3")),
        "mode": review("电话", "电话", 0.7, crop=store_crop(ws, "☑入户走访 ☐电话")),
        "visit_type": settled("普访"),
        "teachers": settled(TEACHER),
        "teacher_signature": settled(True, "是"),
        "problems": settled("作业拖拉"),
    }


def store_scan_pages(ws: Workspace, issued: Issued) -> None:
    """The issued form's pages rasterised in template space, stored as its read scan pages."""
    pdf = pdfium.PdfDocument(str(issued.pdf))
    try:
        for page_no in range(1, load_form("record").page_count + 1):
            page = pdf[issued.first_page + page_no - 2]
            image = page.render(scale=defs.REGISTERED_PX_PER_MM * 25.4 / 72, grayscale=True).to_pil()
            buffer = io.BytesIO()
            image.save(buffer, format="PNG")
            name = f"{ws.files.put_bytes(buffer.getvalue(), '.png')}.png"
            with ws.session() as session:
                add_scanned_page(
                    session,
                    ScannedPage(
                        digest=hashlib.sha256(f"{issued.form_id}/{page_no}".encode()).hexdigest(),
                        source_file=name,
                        page_index=page_no - 1,
                        status="read",
                        form_id=issued.form_id,
                        page_no=page_no,
                        layout_hash=load_form("record").layout_hash,
                        image=name,
                        registered=name,
                        quality=1.0,
                        batch_id="S-test",
                        consumed=True,
                    ),
                )
    finally:
        pdf.close()


# Review fields of a busy queue: (field id, value as read, raw, crop text)
MANY = (
    ("visit_date", "2025-11-08", "2025.11.8", "2025.11.3"),
    ("mode", "电话", "电话", "☑入户走访"),
    ("visit_type", "普访", "普访", "☑普访"),
    ("place", "学生家中", "学生家中", "学生家中"),
    ("interviewee", "父亲", "父亲", "父亲 张某"),
    ("followup_due", "2025-11-20", "2025.11.20", "2025.11.20"),
)


def store_many(ws: Workspace, issued: list[Issued], fields: int) -> int:
    """Records with about ``fields`` review fields in all (six a record); returns how many."""
    crops = {text: store_crop(ws, text) for _, _, _, text in MANY}
    stored = 0
    for entry in issued:
        if stored >= fields:
            break
        values = {fid: review(value, raw, 0.6, crop=crops[text]) for fid, value, raw, text in MANY}
        store_record(ws, entry, values | {"teachers": verified(TEACHER), "teacher_signature": verified(True, "是")})
        stored += len(MANY)
    return stored
