"""The console app: the review station with the office's pages in front of it."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from pipeline.console import home, job_progress, printing, returns
from pipeline.review.app import create_app
from pipeline.store.workspace import Workspace

ROUTERS: tuple[APIRouter, ...] = (home.router, printing.router, returns.router, job_progress.router)


def create_console_app(ws: Workspace, *, operator: str, token: str) -> FastAPI:
    """The console over ``ws``: its pages, then the review station's; one guard for all."""
    app = create_app(ws, operator=operator, token=token, routers=ROUTERS, template_packages=("pipeline.console",))
    job_progress.attach_runner(app, ws)
    return app
