"""设置: the policy profile shown and edited (checked by the same schema as the file), the
school's details, the copier's scan folders watched, and the operators the workspace has seen."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pipeline.errors import JiafangError, JobError
from pipeline.jobs import start_watching, stop_watching, watching
from pipeline.review.app import operator_name, render, workspace
from pipeline.store.audit import audit_operators
from pipeline.store.policy_file import policy_text, save_policy

router = APIRouter()


@router.get("/settings", response_class=HTMLResponse)
def settings_page(request: Request) -> HTMLResponse:
    return _page(request, text=policy_text(workspace(request)))


@router.post("/settings/policy", response_class=HTMLResponse)
def save_policy_text(request: Request, text: str = Form(...)) -> HTMLResponse:
    """Save the edited profile; a wrong one is shown again as typed, with what is wrong."""
    try:
        save_policy(workspace(request), text, operator=operator_name(request))
    except JiafangError as exc:
        return _page(request, text=text, error=str(exc), status_code=400)
    return _page(request, text=text, saved=True)


@router.post("/settings/watch", response_class=HTMLResponse)
def start_watch(request: Request, folder: str = Form("")) -> Response:
    """Watch the folder the copier scans into (what `jiafang watch` does, as a console job)."""
    ws = workspace(request)
    try:
        if not folder.strip():
            raise JobError("请填写复印机“扫描到文件夹”所存放的文件夹，如 D:\\扫描")
        start_watching(ws, Path(folder.strip()), operator=operator_name(request))
    except JiafangError as exc:
        return _page(request, text=policy_text(ws), watch_error=str(exc), status_code=400)
    return RedirectResponse("/settings#watch", status_code=303)


@router.post("/settings/watch/{job_id}/stop")
def stop_watch(request: Request, job_id: int) -> RedirectResponse:
    stop_watching(workspace(request), job_id)
    return RedirectResponse("/settings#watch", status_code=303)


def _page(
    request: Request, *, text: str, error: str = "", saved: bool = False, watch_error: str = "", status_code: int = 200
) -> HTMLResponse:
    ws = workspace(request)
    with ws.session() as session:
        operators = audit_operators(session)
    return render(
        request,
        "settings.html",
        status_code=status_code,
        nav="settings",
        policy=ws.policy,
        text=text,
        error=error,
        saved=saved,
        operators=operators,
        watched=watching(ws),
        watch_error=watch_error,
    )
