"""The console app: the review station with the office's pages in front of it."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from pipeline.console import home
from pipeline.console import roster
from pipeline.console import reports
from pipeline.console import settings
from pipeline.console import audit
from pipeline.review.app import create_app
from pipeline.store.workspace import Workspace

ROUTERS: tuple[APIRouter, ...] = (
    home.router,
    roster.router,
    reports.router,
    settings.router,
    audit.router,
)


def create_console_app(ws: Workspace, *, operator: str, token: str) -> FastAPI:
    """The console over ``ws``: its pages, then the review station's; one guard for all."""
    return create_app(ws, operator=operator, token=token, routers=ROUTERS, template_packages=("pipeline.console",))
