"""设置: the policy profile shown and edited (checked by the same schema as the file), the
school's details, and the operators the workspace has seen."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

from pipeline.errors import JiafangError
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


def _page(request: Request, *, text: str, error: str = "", saved: bool = False, status_code: int = 200) -> HTMLResponse:
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
    )
