"""A job's live progress as a small fragment the 交回 and 打印 pages poll (htmx), and the job
runner the console starts with the server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse

from pipeline.jobs import JobRunner, job_status
from pipeline.jobs.kinds import KINDS
from pipeline.jobs.uploads import upload_outcomes
from pipeline.model.job import Job
from pipeline.review.app import render, workspace
from pipeline.store.workspace import Workspace

router = APIRouter()
_STATIC = Path(__file__).parent / "static"
_ASSETS = {"console.css": "text/css", "returns.js": "text/javascript"}


def attach_runner(app: FastAPI, ws: Workspace) -> None:
    """Run the console's jobs while the server runs: started and stopped with it."""
    runner = JobRunner(ws)
    app.state.runner = runner
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(served: FastAPI) -> AsyncIterator[Any]:
        runner.start()
        try:
            async with inner(served) as state:
                yield state
        finally:
            runner.stop()

    app.router.lifespan_context = lifespan


def wake_runner(request: Request) -> None:
    """Have the runner look for the job just queued now, not at its next poll."""
    runner: JobRunner | None = getattr(request.app.state, "runner", None)
    if runner is not None:
        runner.wake()


def progress_text(job: Job) -> str:
    """"12/40 · 35 页/分钟 · 约剩 1 分 20 秒", as far as it is known."""
    parts = [f"{job.done}/{job.total}" if job.total else "准备中"]
    if job.pages_per_minute and not job.finished:
        parts.append(f"{job.pages_per_minute:.0f} 页/分钟")
    if job.eta_seconds is not None and not job.finished:
        minutes, seconds = divmod(int(job.eta_seconds + 0.5), 60)
        parts.append(f"约剩 {minutes} 分 {seconds} 秒" if minutes else f"约剩 {seconds} 秒")
    return " · ".join(parts)


def job_context(ws: Workspace, job: Job) -> dict[str, Any]:
    """What the job fragment shows: progress, and once done the outcome table or downloads."""
    context: dict[str, Any] = {"job": job, "kind_label": KINDS[job.kind].label, "figures": progress_text(job), "outcomes": None}
    if job.kind == "ingest" and job.params.get("upload") and job.state != "queued":
        context["outcomes"] = upload_outcomes(ws, Path(job.params["paths"][0]))
    return context


def shown_job(request: Request, job_id: int | None, recent: list[Job], kinds: tuple[str, ...]) -> dict[str, Any] | None:
    """The job a page shows: the one asked for, else the latest still under way (so coming
    back to the page finds its progress), else none."""
    if job_id is None:
        job_id = next((j.id for j in recent if not j.finished), None)
    return job_context(workspace(request), get_job(request, job_id, kinds=kinds)) if job_id is not None else None


def get_job(request: Request, job_id: int, *, kinds: tuple[str, ...] = ()) -> Job:
    job = job_status(workspace(request), job_id)
    if job is None or (kinds and job.kind not in kinds):
        raise HTTPException(404, f"没有编号为 {job_id} 的任务")
    return job


@router.get("/jobs/{job_id}/progress", response_class=HTMLResponse)
def job_fragment(request: Request, job_id: int) -> HTMLResponse:
    job = get_job(request, job_id)
    response = render(request, "_job.html", **job_context(workspace(request), job))
    if job.finished:  # the page's list of recent jobs refreshes on this event
        response.headers["HX-Trigger"] = "job-finished"
    return response


@router.get("/console/{asset}")
def console_asset(asset: str) -> FileResponse:
    """The console's own script and style (served from the package, like the station's)."""
    if asset not in _ASSETS:
        raise HTTPException(404, "没有这个文件")
    return FileResponse(_STATIC / asset, media_type=_ASSETS[asset])
