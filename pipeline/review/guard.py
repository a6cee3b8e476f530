"""Who may use the review station, and what its pages may do.

- The link printed by ``jiafang review serve`` carries a one-time token. Its first use is
  answered with a redirect (303) to the same page without ``?token=`` and a new random
  session cookie (HttpOnly, SameSite=Strict); the token is then spent, so the link copied
  into a chat, a browser history or a screenshot opens nothing.
- A request that changes something (POST, PUT, PATCH, DELETE) must come from the station's
  own pages: its Host names this server, and its Origin (else its Referer, else the browser's
  Sec-Fetch-Site) says the same origin. SameSite cookies do not tell ports apart, so without
  this any other local web service could submit decisions with the reviewer's cookie.
- Every response carries a Content-Security-Policy that allows only the station's own
  scripts, styles and images (no inline script or style, no eval), and asks the browser not to
  sniff types or send referrers.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Awaitable, Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates

__all__ = ["CONTENT_SECURITY_POLICY", "SECURITY_HEADERS", "SESSION_COOKIE", "Sessions", "guard_middleware"]

SESSION_COOKIE = "jiafang_review"
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
PUBLIC_PATHS = frozenset({"/static/review.css"})  # the refusal page's look: nothing secret in it
_LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})
_ANY_ADDRESS = frozenset({"0.0.0.0", "::", ""})
_REFUSALS = {
    "none": (
        "需要访问令牌",
        "复核页面只对启动它的人开放。请用 jiafang review serve 启动时打印的完整链接（含 ?token=…）打开本页面。",
    ),
    "wrong": ("访问令牌不对", "链接中的访问令牌与本次启动的不符。请完整复制 jiafang review serve 刚打印的链接后再打开。"),
    "spent": (
        "这个链接已经用过",
        "访问令牌只能使用一次，以免链接被别人再次打开。请在第一次打开它的浏览器中继续复核；"
        "如需换一台电脑或浏览器，请按 Ctrl+C 停止 jiafang review serve 后重新启动，用新打印的链接打开。",
    ),
}

Handler = Callable[[Request], Awaitable[Response]]


class Sessions:
    """The one-time token and the one session it is exchanged for (thread-safe: uvicorn may
    serve two requests at once, and only one of them may spend the token)."""

    def __init__(self, token: str) -> None:
        self._token: str | None = token
        self._session: str | None = None
        self._lock = threading.Lock()

    def exchange(self, given: str) -> str | None:
        """The new session for the right, unspent token; None otherwise (the token is spent by
        its first successful use)."""
        with self._lock:
            if self._token is None or not secrets.compare_digest(given.encode(), self._token.encode()):
                return None
            self._token = None
            self._session = secrets.token_urlsafe(32)
            return self._session

    @property
    def spent(self) -> bool:
        return self._token is None

    def valid(self, cookie: str) -> bool:
        session = self._session
        return session is not None and secrets.compare_digest(cookie.encode(), session.encode())


def guard_middleware(sessions: Sessions, templates: Jinja2Templates) -> Callable[[Request, Handler], Awaitable[Response]]:
    """The HTTP middleware of the module docstring."""

    async def guard(request: Request, call_next: Handler) -> Response:
        response = await _admit(request, call_next, sessions, templates)
        response.headers.update(SECURITY_HEADERS)
        return response

    return guard


async def _admit(request: Request, call_next: Handler, sessions: Sessions, templates: Jinja2Templates) -> Response:
    signed_in = sessions.valid(request.cookies.get(SESSION_COOKIE, ""))
    given = request.query_params.get("token")
    if given is not None:
        return _exchange(request, given, signed_in, sessions, templates)
    if not signed_in and request.url.path not in PUBLIC_PATHS:
        return _refuse(request, templates, *_REFUSALS["none"])
    if request.method in STATE_CHANGING:
        source = foreign_source(request)
        if source is not None:
            text = f"这个请求不是从复核网页发出的（来自 {source}），已拒绝，没有保存任何更改。请直接在复核网页中操作。"
            return _refuse(request, templates, "请求已拒绝", text)
    return await call_next(request)


def _exchange(request: Request, given: str, signed_in: bool, sessions: Sessions, templates: Jinja2Templates) -> Response:
    """Trade the token for a session cookie and send the browser to the URL without it."""
    url = request.url.remove_query_params("token")
    clean = RedirectResponse(url.path + (f"?{url.query}" if url.query else ""), status_code=303)
    if signed_in:  # the printed link opened again in the browser that already used it
        return clean
    session = sessions.exchange(given)
    if session is None:
        return _refuse(request, templates, *_REFUSALS["spent" if sessions.spent else "wrong"])
    clean.set_cookie(SESSION_COOKIE, session, httponly=True, samesite="strict", path="/")
    return clean


def foreign_source(request: Request) -> str | None:
    """Where a state-changing request comes from when that is not this server's own pages;
    None when it is."""
    host = request.headers.get("host", "")
    if not _own_host(host, request.scope.get("server")):
        return f"主机 {host or '（未说明）'}"
    own = f"{request.url.scheme}://{host}".lower()
    origin = request.headers.get("origin")
    if origin and origin != "null":
        return None if origin.lower() == own else origin
    referer = request.headers.get("referer")
    if referer:
        parts = urlsplit(referer)
        sender = f"{parts.scheme}://{parts.netloc}".lower()
        return None if sender == own else sender
    # Under our no-referrer policy the Fetch standard has a form post carry Origin "null" and
    # no Referer (Chromium sends the origin anyway); the browser's own Sec-Fetch-Site still
    # tells such a request from a sandboxed or cross-site page's "null".
    if request.headers.get("sec-fetch-site") == "same-origin":
        return None
    return origin or "未知来源"


def _own_host(host: str, server: Sequence[Any] | None) -> bool:
    """Does a Host header name this server (its address, or localhost for a loopback one)?"""
    if server is None:  # not served over a socket (no address to compare with)
        return True
    try:
        parts = urlsplit(f"//{host}")
        name, port = (parts.hostname or ""), (parts.port or 80)
    except ValueError:  # a port that is not a number
        return False
    address, own_port = server[0].lower(), server[1]
    if port != own_port:
        return False
    return name == address or address in _ANY_ADDRESS or (address in _LOOPBACK and name in _LOOPBACK)


def _refuse(request: Request, templates: Jinja2Templates, title: str, text: str) -> Response:
    return templates.TemplateResponse(request, "forbidden.html", {"title": title, "text": text}, status_code=403)
