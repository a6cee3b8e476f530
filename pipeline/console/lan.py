"""LAN mode (``jiafang serve --lan``): teachers and the office sign in with their own accounts.

- Every page but the sign-in page and the static assets needs a session: a random id in a
  cookie (HttpOnly, SameSite=Strict), kept in memory for LAN_SESSION_HOURS (a restart signs
  everyone out). Each request then acts for its operator (pipeline.access.acting), re-read from
  the database, so a removed account loses its access at once; the library functions the pages
  call check the operator's role (pipeline.access.require).
- A request that changes something must come from our own pages (the Origin check of
  pipeline.review.guard) and carry the session's CSRF token: the ``X-CSRF-Token`` header
  (htmx sends it, base.html's hx-headers) or a ``csrf`` field of a urlencoded form. A
  multipart upload carries it in the header or as ``?csrf=`` (its body is not read here).
- A teacher may only send changes to the pages of their work (online records, review
  decisions) and a leader none (CHANGES_ALLOWED), whatever the library would allow.
- Sign-in attempts are limited per name and per client address (LOGIN_FAILURES_ALLOWED in
  LOGIN_WINDOW_S); every attempt, allowed or not, is written to the audit log.
- Only clients on private, link-local or loopback addresses are served: student data does not
  leave the school's network even when the PC is reachable from outside.
"""

from __future__ import annotations

import ipaddress
import secrets
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import parse_qs, quote

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from pipeline import defs
from pipeline.access import Operator, acting
from pipeline.model.audit import AuditEvent
from pipeline.review.guard import SECURITY_HEADERS, SESSION_COOKIE, STATE_CHANGING, foreign_source
from pipeline.store.audit import log_event
from pipeline.store.operators import authenticate, get_operator
from pipeline.store.workspace import Workspace

CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf"
LOGIN_COOKIE = "jiafang_login"  # the sign-in form's own CSRF token (no session yet)
PUBLIC_PREFIXES = ("/static/",)
# Where each role may send changes. The library checks every change it is asked for
# (pipeline.access.require); this second line also covers work a page hands to a background
# job, which runs outside the request and so outside its operator.
CHANGES_ALLOWED: dict[str, tuple[str, ...]] = {
    "office": ("/",),
    "teacher": ("/online/", "/fields/", "/logout"),
    "leader": ("/logout",),
}
LOGIN_PATHS = frozenset({"/login"})

Handler = Callable[[Request], Awaitable[Response]]
router = APIRouter()


@dataclass(frozen=True)
class LanSession:
    operator: str  # the operator's name (the key)
    csrf: str
    expires: float  # time.monotonic()


class LanSessions:
    """Signed-in browsers by session id (thread-safe: uvicorn serves requests concurrently)."""

    def __init__(self, hours: float = defs.LAN_SESSION_HOURS) -> None:
        self._seconds = hours * 3600
        self._sessions: dict[str, LanSession] = {}
        self._lock = threading.Lock()

    def open(self, operator: str) -> str:
        sid = secrets.token_urlsafe(32)
        with self._lock:
            self._sessions[sid] = LanSession(operator, secrets.token_urlsafe(32), time.monotonic() + self._seconds)
        return sid

    def get(self, sid: str) -> LanSession | None:
        with self._lock:
            session = self._sessions.get(sid)
            if session is not None and session.expires < time.monotonic():
                del self._sessions[sid]
                return None
            return session

    def close(self, sid: str) -> None:
        with self._lock:
            self._sessions.pop(sid, None)


class LoginLimiter:
    """Failed sign-ins per operator name and per client address in a sliding window."""

    def __init__(self, allowed: int = defs.LOGIN_FAILURES_ALLOWED, window: float = defs.LOGIN_WINDOW_S) -> None:
        self._allowed, self._window = allowed, window
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def wait(self, name: str, address: str) -> float:
        """Seconds until ``name`` may try again from ``address`` (0: now)."""
        now = time.monotonic()
        with self._lock:
            waits = [self._wait(key, now) for key in (f"n:{name}", f"a:{address}")]
        return max(waits)

    def failed(self, name: str, address: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key in (f"n:{name}", f"a:{address}"):
                self._failures.setdefault(key, deque()).append(now)

    def _wait(self, key: str, now: float) -> float:
        times = self._failures.get(key)
        if not times:
            return 0.0
        while times and times[0] <= now - self._window:
            times.popleft()
        return times[0] + self._window - now if len(times) >= self._allowed else 0.0


def lan_middleware(ws: Workspace, sessions: LanSessions, templates: Jinja2Templates) -> Callable[[Request, Handler], Awaitable[Response]]:
    """The HTTP middleware of the module docstring."""

    async def guard(request: Request, call_next: Handler) -> Response:
        response = await _admit(request, call_next, ws, sessions, templates)
        response.headers.update(SECURITY_HEADERS)
        return response

    return guard


async def _admit(request: Request, call_next: Handler, ws: Workspace, sessions: LanSessions, templates: Jinja2Templates) -> Response:
    address = client_address(request)
    if not _on_lan(address):
        return _refuse(request, templates, "只对校内网络开放", f"本工作台只接受校内网络的访问（您的地址 {address} 不在校内网络中）。")
    path = request.url.path
    if path.startswith(PUBLIC_PREFIXES) and request.method in ("GET", "HEAD"):
        return await call_next(request)
    if request.method in STATE_CHANGING:
        source = foreign_source(request)
        if source is not None:
            return _refuse(request, templates, "请求已拒绝", f"这个请求不是从工作台网页发出的（来自 {source}），已拒绝，没有保存任何更改。")
    if path in LOGIN_PATHS:
        return await call_next(request)
    sid = request.cookies.get(SESSION_COOKIE, "")
    session = sessions.get(sid)
    operator = _operator(ws, session)
    if session is None or operator is None:
        if request.method in ("GET", "HEAD"):
            return RedirectResponse(f"/login?next={quote(_local_target(request))}", status_code=303)
        return _refuse(request, templates, "请先登录", "登录已过期或尚未登录，请刷新页面后重新登录；本次提交没有保存。")
    if request.method in STATE_CHANGING and not await _csrf_ok(request, session.csrf):
        return _refuse(request, templates, "请求已拒绝", "页面的安全令牌不对或已过期，本次提交没有保存。请刷新页面后再操作。")
    if request.method in STATE_CHANGING and not path.startswith(CHANGES_ALLOWED[operator.role]):
        return _refuse(request, templates, "没有权限", f"{operator.name}的账号不能进行这项操作，没有保存任何更改。如需此项权限请联系学校办公室。")
    request.state.csrf = session.csrf
    request.state.session_id = sid
    with acting(operator):
        return await call_next(request)


def _operator(ws: Workspace, session: LanSession | None) -> Operator | None:
    if session is None:
        return None
    with ws.session() as db:
        return get_operator(db, session.operator)


async def _csrf_ok(request: Request, expected: str) -> bool:
    given = request.headers.get(CSRF_HEADER) or request.query_params.get(CSRF_FIELD)
    if given is None and request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        fields = parse_qs((await request.body()).decode("utf-8", "replace"))
        values = fields.get(CSRF_FIELD)
        given = values[0] if values else None
    return given is not None and secrets.compare_digest(given.encode(), expected.encode())


def client_address(request: Request) -> str:
    return request.client.host if request.client else ""


def _on_lan(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:  # not served over a socket (the test client says "testclient")
        return address == "testclient"
    return ip.is_private or ip.is_loopback or ip.is_link_local


def _local_target(request: Request) -> str:
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


def _refuse(request: Request, templates: Jinja2Templates, title: str, text: str) -> Response:
    return templates.TemplateResponse(request, "forbidden.html", {"title": title, "text": text}, status_code=403)


# --- sign in and out ---------------------------------------------------------------------------


@router.get("/login")
def login_page(request: Request, target: str = Query("/", alias="next")) -> Response:
    return _login_form(request, target, "")


@router.post("/login")
def login(
    request: Request,
    name: str = Form(""),
    password: str = Form(""),
    csrf: str = Form(""),
    target: str = Form("/", alias="next"),
) -> Response:
    expected = request.cookies.get(LOGIN_COOKIE, "")
    if not expected or not secrets.compare_digest(csrf.encode(), expected.encode()):
        return _login_form(request, target, "页面已过期，请重新输入用户名和密码。", status_code=403)
    ws: Workspace = request.app.state.ws
    address, name = client_address(request), name.strip()
    limiter: LoginLimiter = request.app.state.login_limiter
    wait = limiter.wait(name, address)
    if wait > 0:
        _audit_login(ws, name, address, "blocked")
        minutes = max(1, round(wait / 60))
        return _login_form(request, target, f"登录失败次数过多，请 {minutes} 分钟后再试，或请学校办公室重设密码。", status_code=429)
    with ws.session() as session:
        operator = authenticate(session, name, password)
    if operator is None:
        limiter.failed(name, address)
        _audit_login(ws, name, address, "failure")
        return _login_form(request, target, "用户名或密码不对，请重新输入。", status_code=401)
    _audit_login(ws, operator.name, address, "success")
    response = RedirectResponse(_landing(operator, target), status_code=303)
    response.set_cookie(SESSION_COOKIE, request.app.state.lan_sessions.open(operator.name), httponly=True, samesite="strict", path="/")
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(request: Request) -> Response:
    request.app.state.lan_sessions.close(request.state.session_id)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _login_form(request: Request, target: str, error: str, status_code: int = 200) -> Response:
    # Kept while the browser has one: a second sign-in page (another tab, the favicon's
    # redirect) must not spend the token of the form already shown.
    token = request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(24)
    templates: Jinja2Templates = request.app.state.templates
    context = {"csrf": token, "next": target, "error": error}
    response = templates.TemplateResponse(request, "login.html", context, status_code=status_code)
    response.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="strict", path="/login")
    return response


def _landing(operator: Operator, asked: str) -> str:
    """Where a sign-in leads: the page asked for (only a path of this server), else the
    operator's usual page."""
    if asked.startswith("/") and not asked.startswith("//") and asked not in LOGIN_PATHS:
        return asked if asked != "/" or operator.role == "office" else _HOME[operator.role]
    return _HOME[operator.role]


_HOME = {"office": "/", "teacher": "/online", "leader": "/"}


def _audit_login(ws: Workspace, name: str, address: str, result: str) -> None:
    event = AuditEvent("login", name or "（未填写）", f"lan {address}", {"result": result})
    ws.write(lambda session: log_event(session, event))
