"""The console app: the review station with the office's pages in front of it."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from pipeline.console import audit, home, job_progress, lan, online, printing, reports, returns, roster, settings
from pipeline.review.app import create_app
from pipeline.store.workspace import Workspace

ROUTERS: tuple[APIRouter, ...] = (
    home.router,
    roster.router,
    printing.router,
    returns.router,
    job_progress.router,
    reports.router,
    settings.router,
    audit.router,
    online.router,
)


def create_console_app(
    ws: Workspace, *, operator: str, token: str, lan_mode: bool = False, routers: tuple[APIRouter, ...] = ()
) -> FastAPI:
    """The console over ``ws``: its pages (and ``routers``), then the review station's; one
    guard for all: the one-time token, or in ``lan_mode`` operator accounts (pipeline.console.lan).
    Its job runner starts and stops with the server."""
    if not lan_mode:
        app = create_app(ws, operator=operator, token=token, routers=(*ROUTERS, *routers), template_packages=("pipeline.console",))
    else:
        sessions = lan.LanSessions()
        app = create_app(
            ws,
            operator=operator,
            token=token,
            routers=(lan.router, *ROUTERS, *routers),
            template_packages=("pipeline.console",),
            guard=lambda templates: lan.lan_middleware(ws, sessions, templates),
        )
        app.state.lan_sessions = sessions
        app.state.login_limiter = lan.LoginLimiter()
    job_progress.attach_runner(app, ws)
    return app
