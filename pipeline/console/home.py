"""首页: where the term stands and what waits for the office."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from pipeline.review.app import render, workspace
from pipeline.review.dashboard import dashboard
from pipeline.store.corrections import pending_count

router = APIRouter()


@router.get("/", response_class=HTMLResponse)
def home_page(request: Request) -> HTMLResponse:
    ws = workspace(request)
    with ws.session() as session:
        pending = pending_count(session)
    return render(request, "home.html", nav="home", board=dashboard(ws), pending=pending)
