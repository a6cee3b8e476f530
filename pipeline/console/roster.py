"""花名册: upload a roster (every rejected row shown with where it is and the fix), see what
is on the roster, download the blank template."""

from __future__ import annotations

import tempfile
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from pipeline import defs
from pipeline.console.uploads import attachment, process_upload, size_text
from pipeline.errors import JiafangError
from pipeline.roster import RosterImportReport, import_roster
from pipeline.roster.reader import ROSTER_SUFFIXES
from pipeline.roster.template import write_roster_template
from pipeline.review.app import render, workspace
from pipeline.store import repo

router = APIRouter()

TEMPLATE_NAME = "花名册模板.xlsx"


@router.get("/roster", response_class=HTMLResponse)
def roster_page(request: Request) -> HTMLResponse:
    return _page(request)


@router.post("/roster", response_class=HTMLResponse)
async def upload_roster(request: Request) -> HTMLResponse:
    """Import the uploaded roster; the page then lists what was added and every problem."""
    ws = workspace(request)
    try:
        name, report = await process_upload(
            request, lambda path: import_roster(ws, [path]), limit=defs.CONSOLE_ROSTER_MAX_BYTES, suffixes=ROSTER_SUFFIXES, what="花名册"
        )
    except JiafangError as exc:
        return _page(request, error=str(exc), status_code=400)
    return _page(request, report=report, file=name)


@router.get("/roster/template.xlsx")
def roster_template(request: Request) -> Response:
    """The blank template for this workspace's policy profile."""
    with tempfile.TemporaryDirectory(prefix="jiafang-template-") as tmp:
        data = write_roster_template(workspace(request).policy, Path(tmp) / TEMPLATE_NAME).read_bytes()
    return Response(
        data,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers=attachment(TEMPLATE_NAME),
    )


def _page(
    request: Request, *, report: RosterImportReport | None = None, file: str = "", error: str = "", status_code: int = 200
) -> HTMLResponse:
    with workspace(request).session() as session:
        classes = [(name, len(repo.list_students(session, class_name=name))) for name in repo.list_classes(session)]
        teachers = repo.list_teachers(session)
    return render(
        request,
        "roster.html",
        status_code=status_code,
        nav="roster",
        classes=classes,
        teachers=teachers,
        report=report,
        file=file,
        error=error,
        limit=size_text(defs.CONSOLE_ROSTER_MAX_BYTES),
        suffixes=ROSTER_SUFFIXES,
    )
