"""Shared by the outside-corpus and fault-injection tests: a workspace holding real records made
by the ordinary ingest of Word returns, and a canonical dump of what a workspace stores."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

from ingest_support import CLASS, VALUES, filled_docx, make_workspace

from pipeline.generate import generate
from pipeline.ingest import ingest
from pipeline.store.workspace import DB_FILE, Workspace
from pipeline.synth import fill_fillable_pdf
from pipeline.synth.returns import StackEvents, fill_returns

# Per table: the columns that say what is stored. Row ids, batch ids and timestamps are left out:
# they differ between two runs that stored the same things.
CANONICAL = {
    "records": "SELECT form_id, version, current, status, reader, source_file, notes FROM records",
    "field_values": (
        "SELECT r.form_id, r.version, f.field_id, f.value, f.raw, f.confidence, f.source, f.status,"
        " f.message, f.crop, f.refs FROM field_values f JOIN records r ON r.id = f.record_id"
    ),
    "returned_files": "SELECT digest, suffix, name, kind, size, outcome, message, form_id FROM returned_files",
    "scan_pages": (
        "SELECT digest, source_file, page_index, status, reason, form_id, page_no, layout_hash, image,"
        " registered, residual_mm, quality, \"values\", consumed FROM scan_pages"
    ),
    "corrections": (
        "SELECT form_id, version, field_id, action, old_value, old_raw, old_source, old_status, new_value,"
        " operator FROM corrections"
    ),
}
RECORD_TABLES = ("records", "field_values")


def canonical_dump(root: Path, tables: tuple[str, ...] = tuple(CANONICAL)) -> dict[str, list[tuple]]:
    """The stored content of the workspace at ``root``, each table's rows sorted."""
    db = sqlite3.connect(root / DB_FILE)
    try:
        return {t: sorted(db.execute(CANONICAL[t]).fetchall(), key=repr) for t in tables}
    finally:
        db.close()


def word_returns(ws: Workspace, out: Path) -> list[Path]:
    """Filled Word returns of the test class (one per student, each with a different place)."""
    report = generate(ws, forms=["record"], formats=["docx"], out_dir=out / "issued", class_name=CLASS)
    return [
        filled_docx(out / "issued" / e.file, out / "returns" / f"return-{n}.docx", {**VALUES, "place": f"学生家中（{n}）"})
        for n, e in enumerate(report.entries, start=1)
    ]


def workspace_with_records(root: Path) -> Workspace:
    """The sample school with the test class's Word returns ingested as records."""
    ws = make_workspace(root)
    report = ingest(ws, word_returns(ws, root.parent / f"{root.name}-docx"), workers=1)
    assert {i.outcome for i in report.items} == {"new"}, report.items
    return ws



def mixed_returns(ws: Workspace, out: Path) -> Path:
    """A folder of cheap but varied returns of the test class: the first student's Word file, the
    second student's fillable PDF typed in, and page 1 of the first student's form scanned (clean
    profile; it becomes version 2 of that record, with page 2 missing); returns the folder."""
    generate(ws, forms=["record"], formats=["docx", "fillable-pdf", "pdf"], out_dir=out / "issued", class_name=CLASS)
    manifest = out / "issued" / "manifest.json"
    entries = json.loads(manifest.read_text(encoding="utf-8"))
    word = next(e for e in entries if e["format"] == "docx")
    typed = next(e for e in entries if e["format"] == "fillable-pdf" and e["form_id"] != word["form_id"])
    returns = out / "returns"
    filled_docx(out / "issued" / word["file"], returns / "word.docx")
    fill_fillable_pdf(out / "issued" / typed["file"], {**VALUES, "place": "学校会议室"}, returns / "typed.pdf")
    scans = fill_returns(
        manifest, out / "scanned", seed=5, limit=1, profile="clean", pdf_per_class=False, events=StackEvents.none(), policy=ws.policy
    )
    shutil.copyfile(sorted(scans.files[0].glob("*.png"))[0], returns / "scan-page1.png")
    return returns
