"""Workspaces with Word returns for the job, watch-folder and console tests (real roster, real
.docx files filled as a teacher would)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from pipeline.generate import generate
from pipeline.resources import samples_dir
from pipeline.roster.importer import import_roster
from pipeline.store import repo
from pipeline.store.workspace import Workspace, init_workspace
from tests.ingest_support import CLASS, filled_docx


def class_workspace(root: Path, students: int) -> Workspace:
    """A workspace with the sample roster whose first ``students`` students form CLASS."""
    ws = init_workspace(root)
    import_roster(ws, [samples_dir() / "roster.xlsx"])
    with ws.session() as s:
        chosen = repo.list_students(s)[:students]
        repo.upsert_students(s, [replace(st, class_name=CLASS) for st in chosen])
    return ws


def word_returns(ws: Workspace, out: Path) -> list[Path]:
    """One filled record .docx per student of CLASS, in ``out`` (what teachers send back)."""
    issued = generate(ws, forms=["record"], formats=["docx"], out_dir=out.parent / f"{out.name}-issued", class_name=CLASS)
    return [filled_docx(f, out / f.name) for f in issued.files]
