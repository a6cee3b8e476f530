"""首页: where the term stands and what waits for the office."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from pipeline.report.overview import term_overview
from pipeline.review.app import render, workspace
from pipeline.review.dashboard import dashboard

router = APIRouter()


@router.get("/", response_class=HTMLResponse)
def home_page(request: Request) -> HTMLResponse:
    ws = workspace(request)
    board = dashboard(ws)
    return render(request, "home.html", nav="home", board=board, pending=board.pending_fields, term=term_overview(ws))
