"""在线填写: a teacher types a visit record (a phone or video visit, or instead of paper).

Choose a class, then a student; the form is pipeline.readback.web_form's page of the same
``forms/record.yaml`` the print form comes from. Every check (who may, which form id, the
rules) is the library's; this module only turns requests into its calls.
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from pipeline.errors import StaleVersionError
from pipeline.model.form import load_form
from pipeline.model.policy import VISIT_FORM
from pipeline.readback.web_form import (
    OnlineRecordError,
    online_class,
    online_classes,
    online_form,
    posted_values,
    submit_online_record,
    web_form,
)
from pipeline.review.app import operator_name, render, workspace

router = APIRouter()


@router.get("/online", response_class=HTMLResponse)
def classes_page(request: Request, class_name: str = "", saved: str = "") -> HTMLResponse:
    ws = workspace(request)
    classes = online_classes(ws)
    chosen = class_name or (classes[0] if len(classes) == 1 else "")
    listing = online_class(ws, chosen) if chosen else None
    return render(request, "online_classes.html", nav="online", classes=classes, chosen=chosen, listing=listing, saved=saved)


@router.get("/online/students/{student_no}", response_class=HTMLResponse)
def record_form(request: Request, student_no: str, form_id: str = "") -> HTMLResponse:
    try:
        page = online_form(workspace(request), student_no, form_id)
    except OnlineRecordError as exc:
        return render(request, "message.html", status_code=404, title="无法在线填写", text=str(exc))
    return render(request, "online_form.html", nav="online", page=page, error="")


@router.post("/online/students/{student_no}", response_class=HTMLResponse)
async def submit_record(request: Request, student_no: str, form_id: str = Form(""), version: int = Form(0)) -> Response:
    form = await request.form()  # every field, several values for ticked options
    posted = {key: [str(v) for v in form.getlist(key)] for key in form.keys()}
    return await run_in_threadpool(_submit, request, student_no, posted, form_id, version)


def _submit(request: Request, student_no: str, posted: dict[str, list[str]], form_id: str, version: int) -> Response:
    ws = workspace(request)
    try:
        record = submit_online_record(ws, student_no, posted, form_id=form_id, version=version, operator=operator_name(request))
    except (OnlineRecordError, StaleVersionError) as exc:
        problems = exc.problems if isinstance(exc, OnlineRecordError) else {}
        return _form_again(request, student_no, posted, form_id, version, str(exc), problems)
    query = urlencode({"class_name": record.class_name, "saved": record.form_id})
    return RedirectResponse(f"/online?{query}", status_code=303)


def _form_again(
    request: Request, student_no: str, posted: dict[str, list[str]], form_id: str, version: int, error: str, problems: dict[str, str]
) -> HTMLResponse:
    """The form as the teacher filled it, with what to correct at each field."""
    ws = workspace(request)
    try:
        student = online_form(ws, student_no, form_id).student
    except OnlineRecordError as exc:
        return render(request, "message.html", status_code=404, title="无法在线填写", text=str(exc))
    form = load_form(VISIT_FORM)
    typed = {fid: list(v) if isinstance(v, tuple) else v for fid, v in posted_values(form, posted).items()}
    page = web_form(
        form, student, school_name=ws.policy.school.name, form_id=form_id, version=version, values=typed, problems=problems
    )
    return render(request, "online_form.html", status_code=422, nav="online", page=page, error=error)
