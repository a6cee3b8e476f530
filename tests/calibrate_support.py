"""A workspace whose reviewers have decided many fields, for the calibration tests.

Record forms are issued as real .docx for a class of CALIBRATION_FORMS + SPARE students; each
is filled with `fill_docx` and has its control tags stripped (what another editor's round trip
does), so the Word reader reads every field by its label at defs.DOCX_FALLBACK_CONFIDENCE and
sends it to review. The decisions are made through the review library as a person would.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from pipeline.generate import generate
from pipeline.ingest import ingest
from pipeline.readback.safety import DOCUMENT_PART
from pipeline.resources import samples_dir
from pipeline.review import accept_field, correct_field
from pipeline.roster.importer import import_roster
from pipeline.store import repo
from pipeline.store.records import list_records
from pipeline.store.workspace import Workspace, init_workspace
from pipeline.synth import fill_docx
from ingest_support import VALUES, class_teacher_name
from test_readback_docx import _rewrite, _strip_tags

CLASS = "校准班"
CALIBRATION_FORMS = 18  # forms whose fields are decided: 54 of each kind (3 choice and 3 text fields a form)
SPARE = 4  # forms left for "later" ingests (12 choice fields: enough timings for a median)
OPERATOR = "校准员"
CHOICE_FIELDS = ("mode", "visit_type", "student_present")
TEXT_FIELDS = ("place", "teachers", "interviewee")
MISREAD_PLACES = 5  # place values the reviewer corrects: the reader's value was wrong
RIGHT_PLACE = "学校会议室"


def issue_class(root: Path) -> tuple[Workspace, list[Path]]:
    """A workspace at ``root/ws`` with record .docx forms issued for CLASS; returns them."""
    ws = init_workspace(root / "ws", policy_path=samples_dir() / "policy.yaml")
    import_roster(ws, [samples_dir() / "roster.xlsx"])
    with ws.session() as s:
        chosen = repo.list_students(s)[: CALIBRATION_FORMS + SPARE]
        repo.upsert_students(s, [replace(st, class_name=CLASS) for st in chosen])
    report = generate(ws, forms=["record"], formats=["docx"], out_dir=root / "issued", class_name=CLASS)
    return ws, sorted(report.out_dir / e.file for e in report.entries)


def filled(src: Path, out: Path, *, tagged: bool) -> Path:
    """``src`` filled with the shared test values; without control tags unless ``tagged``."""
    out.parent.mkdir(parents=True, exist_ok=True)
    values = dict(VALUES, teachers=class_teacher_name())
    if tagged:
        fill_docx(src, values, out)
        return out
    fill_docx(src, values, out.with_suffix(".tagged.docx"))
    _rewrite(out.with_suffix(".tagged.docx"), out, {DOCUMENT_PART: _strip_tags})
    out.with_suffix(".tagged.docx").unlink()
    return out


def decide_returns(ws: Workspace, forms: list[Path], folder: Path) -> None:
    """Ingest ``forms`` without tags and decide their choice and text fields: every value
    accepted except MISREAD_PLACES places, corrected to RIGHT_PLACE."""
    ingest(ws, [filled(src, folder / src.name, tagged=False) for src in forms])
    with ws.session() as s:
        records = list_records(s, class_name=CLASS)
    for n, record in enumerate(records):
        for field_id in (*CHOICE_FIELDS, *TEXT_FIELDS):
            if field_id == "place" and n < MISREAD_PLACES:
                correct_field(ws, record.form_id, field_id, RIGHT_PLACE, version=record.version, operator=OPERATOR)
            else:
                accept_field(ws, record.form_id, field_id, version=record.version, operator=OPERATOR)
