"""交回: hand in returned files (many files, a whole folder, drag and drop), read them as a
background job with live progress, and see each file's outcome.

Two ways in, one result: the page's script creates an upload, streams each file to it with
its own request (a folder of thousands of files never becomes one huge request) and starts the
job; without the script, the form posts the files in one multipart request. Both write through
pipeline.jobs.uploads (chunks, size limits, safe names) and queue an ``ingest`` job over the
upload's folder: the ingest checks each file exactly as ``jiafang ingest`` does.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from pipeline import defs
from pipeline.errors import JobError
from pipeline.jobs import submit_job, watching
from pipeline.jobs.uploads import FileSink, new_upload, upload_folder, upload_outcomes
from pipeline.review.app import render, workspace
from pipeline.console.job_progress import shown_job, wake_runner
from pipeline.store import jobs as job_store

router = APIRouter()
WATCH_SHOWN = 20  # files of each watched folder listed, the latest


@router.get("/returns", response_class=HTMLResponse)
def returns_page(request: Request, job: int | None = None) -> HTMLResponse:
    return _page(request, job=job)


@router.post("/returns")
async def upload_form(request: Request) -> Response:
    """The page without its script: every file in one multipart post, then the job's page."""
    ws = workspace(request)
    upload_id = new_upload(ws)
    async with request.form(max_files=defs.UPLOAD_MAX_FILES, max_fields=10) as form:
        files = [f for f in form.getlist("files") if isinstance(f, UploadFile) and f.filename]
        try:
            for upload in files:
                await FileSink.open(upload_folder(ws, upload_id), upload.filename or "").receive(_chunks(upload))
        except JobError as exc:
            return _page(request, 400, error=str(exc))
    if not files:
        return _page(request, 400, error="没有选择文件。请选择交回的文件或文件夹后再点“上传并读入”")
    job = _start(request, upload_id)
    return RedirectResponse(f"/returns?job={job}", status_code=303)


@router.post("/returns/uploads")
def create_upload(request: Request) -> JSONResponse:
    return JSONResponse({"upload": new_upload(workspace(request))})


@router.put("/returns/uploads/{upload_id}")
async def upload_file(request: Request, upload_id: str, name: str) -> JSONResponse:
    """One file of an upload, streamed in the request body as it arrives."""
    try:
        sink = FileSink.open(upload_folder(workspace(request), upload_id), name)
        await sink.receive(request.stream())
    except JobError as exc:
        return JSONResponse({"error": str(exc)}, status_code=413)
    return JSONResponse({"saved": name, "bytes": sink.written})


@router.post("/returns/uploads/{upload_id}/start")
def start_upload(request: Request, upload_id: str) -> JSONResponse:
    try:
        job = _start(request, upload_id)
    except JobError as exc:
        return JSONResponse({"error": str(exc)}, status_code=400)
    return JSONResponse({"job": job, "url": f"/returns?job={job}"})


def _start(request: Request, upload_id: str) -> int:
    ws = workspace(request)
    folder = upload_folder(ws, upload_id)
    files = sum(1 for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else 0
    if not files:
        raise JobError("这次上传还没有文件。请重新选择文件或文件夹")
    params = {"paths": [str(folder)], "upload": upload_id, "files": files}
    job = submit_job(ws, "ingest", params, operator=request.app.state.operator)
    wake_runner(request)
    return job.id


async def _chunks(upload: UploadFile) -> AsyncIterator[bytes]:
    while chunk := await upload.read(defs.UPLOAD_CHUNK_BYTES):
        yield chunk


def _page(request: Request, status_code: int = 200, *, job: int | None = None, error: str = "") -> HTMLResponse:
    ws = workspace(request)
    with ws.session() as session:
        recent = job_store.list_jobs(session, kinds=("ingest",), limit=10)
    shown = shown_job(request, job, recent, ("ingest",))
    watched = [(j, upload_outcomes(ws, Path(j.params["folder"]), last=WATCH_SHOWN)) for j in watching(ws)]
    context = {"recent": recent, "shown": shown, "watched": watched, "limits": _limits(), "error": error}
    return render(request, "returns.html", status_code, nav="returns", **context)


def _limits() -> str:
    return f"单个文件最多 {defs.UPLOAD_MAX_FILE_BYTES // 2**20} MB，一次最多 {defs.UPLOAD_MAX_FILES} 个文件"
