"""打印: choose forms, classes and formats, render them as a job with progress, download the
per-class PDFs or one ZIP; reprint one student's form (same form id, marked 补打)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from pipeline.errors import JiafangError
from pipeline.generate.batch import FORMATS
from pipeline.jobs import submit_job
from pipeline.jobs.kinds import PRINT_ZIP
from pipeline.model.form import form_ids, load_form
from pipeline.review.app import render, workspace
from pipeline.console.job_progress import get_job, shown_job, wake_runner
from pipeline.store import jobs as job_store
from pipeline.store import repo

router = APIRouter()
FORMAT_LABELS = {"pdf": "打印用 PDF（每班一个文件）", "docx": "Word（每生一个 .docx）", "fillable-pdf": "可填写 PDF（每生一个）"}
_PRINT_KINDS = ("print", "reprint")


@router.get("/print", response_class=HTMLResponse)
def print_page(request: Request, job: int | None = None, student: str = "") -> HTMLResponse:
    return _page(request, job=job, student=student.strip())


@router.post("/print")
def start_print(
    request: Request, forms: list[str] = Form([]), classes: list[str] = Form([]), formats: list[str] = Form([]), duplex: str = Form("")
) -> Response:
    """Queue a print job; no class chosen means every class."""
    if not forms or not formats:
        return _page(request, 400, error="请至少选择一种表单和一种格式。")
    params = {"forms": forms, "formats": formats, "classes": classes, "duplex": bool(duplex)}
    return _queued(request, "print", params)


@router.post("/print/reprint")
def start_reprint(request: Request, form_id: str = Form(...)) -> Response:
    return _queued(request, "reprint", {"form_id": form_id.strip(), "formats": ["pdf"]})


@router.get("/print/jobs/{job_id}/files/{name:path}")
def download(request: Request, job_id: int, name: str) -> FileResponse:
    """One file a print job wrote (a class's PDF, a Word file) or its ZIP; nothing else."""
    job = get_job(request, job_id, kinds=_PRINT_KINDS)
    if name != job.result.get("zip") and name not in job.result.get("files", ()):
        raise HTTPException(404, f"任务 {job_id} 没有生成文件“{name}”")
    path = Path(job.result["out"]) / name
    if not path.is_file():
        raise HTTPException(404, f"文件“{name}”已不在工作区中（可能被删除），请重新打印")
    return FileResponse(path, filename=path.name)


def _queued(request: Request, kind: str, params: dict[str, Any]) -> Response:
    try:
        job = submit_job(workspace(request), kind, params, operator=request.app.state.operator)
    except JiafangError as exc:
        return _page(request, 400, error=str(exc))
    wake_runner(request)
    return RedirectResponse(f"/print?job={job.id}", status_code=303)


def _page(request: Request, status_code: int = 200, *, job: int | None = None, student: str = "", error: str = "") -> HTMLResponse:
    ws = workspace(request)
    with ws.session() as session:
        classes = repo.list_classes(session)
        recent = job_store.list_jobs(session, kinds=_PRINT_KINDS, limit=10)
        issued = repo.issued_forms_for(session, student) if student else []
        pupil = repo.get_student(session, student) if student else None
    shown = shown_job(request, job, recent, _PRINT_KINDS)
    forms = [(f, load_form(f).title) for f in form_ids()]
    context = {
        "forms": forms, "titles": dict(forms), "classes": classes, "formats": [(f, FORMAT_LABELS[f]) for f in FORMATS],
        "recent": recent, "shown": shown, "student": student, "pupil": pupil, "issued": issued, "error": error, "zip_name": PRINT_ZIP,
    }
    return render(request, "print.html", status_code, nav="print", **context)
