"""The review station as a local web app: queue, record view, dashboard.

FastAPI with Jinja2 templates and htmx, every asset served from the package (no CDN, no build
step, no inline script or style). Access is guarded by pipeline.review.guard: the one-time
token of the printed link is exchanged for a session cookie, changes are accepted only from
the station's own pages, and every response carries a Content-Security-Policy.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from pipeline.access import current_operator, require_current
from pipeline.scope.access import check_student_scope
from pipeline.errors import AccessDeniedError, CorrectionError, JiafangError, ReviewError
from pipeline.export import STATUS_LABELS
from pipeline.model.form import form_ids, load_form
from pipeline.model.record import Record
from pipeline.review.corrections import display_text, mark_unreadable, review_field, value_text
from pipeline.review.dashboard import dashboard
from pipeline.review.guard import Sessions, guard_middleware
from pipeline.review.pages import doubtful_runs, line_png, page_png, page_sources
from pipeline.review.queue import group_items, queue_item, review_queue
from pipeline.store import repo
from pipeline.store.audit import list_events
from pipeline.store.corrections import corrections_for, pending_count
from pipeline.store.records import current_record, record_history
from pipeline.store.workspace import Workspace

_FILE_NAME = re.compile(r"([0-9a-f]{64})\.(png|jpg|jpeg|tif|tiff)")
KIND_LABELS = {
    "text": "短文本",
    "multiline": "多行文本",
    "date": "日期",
    "time_range": "时间段",
    "phone": "电话",
    "digits": "数字",
    "single_choice": "单选",
    "multi_choice": "多选",
    "signature": "签名",
}
SOURCE_LABELS = {"docx": "Word", "pdf-text": "PDF 文字", "acroform": "PDF 表单", "ocr": "OCR", "omr": "勾选识别", "human": "人工", "web": "在线填写"}
ACTION_LABELS = {"accept": "确认", "correction": "更正", "unreadable": "无法辨认"}
BATCH_KINDS = {"generate": "生成表单", "ingest": "读回", "scan": "扫描读回"}
SUMMARY_LABELS = {
    "forms": "表单",
    "pdf_pages": "PDF 页",
    "files": "文件",
    "problems": "问题",
    "seconds": "用时（秒）",
    "new": "新记录",
    "updated": "新版本",
    "duplicate": "重复",
    "rejected": "拒收",
    "read": "识读页",
    "blank": "空白页",
    "quarantined": "隔离页",
    "skipped": "已读过",
    "review": "需复核",
}
READER_LABELS = {"docx": "Word", "docx-labels": "Word（按标签）", "scan": "扫描", "acroform": "PDF 表单", "pdf-text": "PDF 文字", "web": "在线填写"}
_AUDIT_SCOPE = re.compile(r"record (\S+) field (\S+)")

router = APIRouter()
Middleware = Callable[[Request, Callable[[Request], Awaitable[Response]]], Awaitable[Response]]


def create_app(
    ws: Workspace,
    *,
    operator: str,
    token: str,
    routers: Sequence[APIRouter] = (),
    template_packages: Sequence[str] = (),
    guard: Callable[[Jinja2Templates], Middleware] | None = None,
) -> FastAPI:
    """The review web app over ``ws``; decisions are recorded under ``operator``.

    ``routers`` (the office console's pages) are served before the review station's own, so
    they may take ``/``; their templates come from ``template_packages`` and may extend
    the station's ``base.html``. ``guard`` makes the access middleware in place of the
    one-time token's (the console's LAN mode).
    """
    app = FastAPI(title="jiafang 复核", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.ws = ws
    app.state.operator = operator
    app.state.templates = Jinja2Templates(env=_environment(template_packages, console=bool(routers)))
    app.middleware("http")((guard or (lambda t: guard_middleware(Sessions(token), t)))(app.state.templates))
    app.add_exception_handler(AccessDeniedError, _denied)
    app.mount("/static", StaticFiles(packages=[("pipeline.review", "static")]), name="static")
    for extra in routers:
        app.include_router(extra)
    app.include_router(router)
    return app


def _environment(template_packages: Sequence[str], *, console: bool) -> Environment:
    loaders = [PackageLoader(package, "templates") for package in (*template_packages, "pipeline.review")]
    env = Environment(loader=ChoiceLoader(loaders), autoescape=select_autoescape())
    env.globals["console"] = console  # base.html shows the console's navigation
    env.globals.update(
        STATUS_LABELS=STATUS_LABELS,
        KIND_LABELS=KIND_LABELS,
        SOURCE_LABELS=SOURCE_LABELS,
        ACTION_LABELS=ACTION_LABELS,
        BATCH_KINDS=BATCH_KINDS,
        SUMMARY_LABELS=SUMMARY_LABELS,
        READER_LABELS=READER_LABELS,
        doubtful_runs=doubtful_runs,
    )
    env.globals["may"] = lambda action, class_name=None: current_operator().may(action, class_name)
    env.globals.update(csrf_input=_csrf_input, csrf_query=_csrf_query)
    env.globals["shown_stamp"] = lambda: f"{time.time():.3f}"  # times each decision (see _shown_at)
    env.filters.update(shown=_shown_value, local=_local_time, scope=_scope_text)
    return env


def workspace(request: Request) -> Workspace:
    """The workspace the app serves."""
    return request.app.state.ws  # type: ignore[no-any-return]


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """``template`` with ``context``, the operator and the app's labels."""
    templates: Jinja2Templates = request.app.state.templates
    context.setdefault("operator", operator_name(request))
    return templates.TemplateResponse(request, template, context, status_code=status_code)


def operator_name(request: Request) -> str:
    """Who the request acts for: the signed-in operator (LAN mode), else the one the server
    was started for."""
    return current_operator().name or request.app.state.operator  # type: ignore[no-any-return]


async def _denied(request: Request, exc: Exception) -> Response:
    return render(request, "message.html", status_code=403, title="没有权限", text=str(exc))


def _csrf_input(request: Request) -> Markup:
    """The hidden field a plain form posts its CSRF token in (LAN mode; nothing otherwise)."""
    token = getattr(request.state, "csrf", "")
    return Markup('<input type="hidden" name="csrf" value="{}">').format(token) if token else Markup("")


def _csrf_query(request: Request) -> str:
    """``?csrf=…`` for a multipart form's action (LAN mode reads no upload body before it checks)."""
    token = getattr(request.state, "csrf", "")
    return f"?csrf={token}" if token else ""


def _local_time(value: dt.datetime | None) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M") if value else ""


def _scope_text(scope: str, label: str | None = None) -> str:
    """An audit scope "record R1 field visit_date" as people read it (with the field's label)."""
    return _AUDIT_SCOPE.sub(lambda m: f"表单 {m[1]} · {label or m[2]}", scope)


def _shown_value(value: Any) -> str:
    return value_text(value) if value is not None else "（空）"


# --- queue -------------------------------------------------------------------------------------


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/queue", status_code=303)


@router.get("/queue", response_class=HTMLResponse)
def queue_page(
    request: Request, class_name: str = "", form: str = "", kind: str = "", group: str = ""
) -> HTMLResponse:
    ws = workspace(request)
    items = review_queue(ws, class_name=class_name or None, form=form or None, kind=kind or None, operator=operator_name(request))
    visible = current_operator().visible_classes()
    with ws.session() as session:
        classes = [c for c in repo.list_classes(session) if visible is None or c in visible]
        pending = pending_count(session, classes=visible)
    return render(
        request,
        "queue.html",
        items=items,
        groups=group_items(items) if group else None,
        pending=pending,
        classes=classes,
        forms=[(f, load_form(f).title) for f in form_ids()],
        kinds=KIND_LABELS,
        chosen={"class_name": class_name, "form": form, "kind": kind, "group": group},
    )


@router.post("/fields/{form_id}/{field_id}", response_class=HTMLResponse)
def decide_field(
    request: Request,
    form_id: str,
    field_id: str,
    value: str = Form(""),
    confirm_value: str | None = Form(None),
    version: str = Form(""),
    shown: str = Form(""),
) -> HTMLResponse:
    """Enter in the queue: accept the shown value or correct it (see review_field), on the
    record version the page showed."""
    ws = workspace(request)
    try:
        record = review_field(
            ws,
            form_id,
            field_id,
            value,
            version=_seen_version(version),
            operator=operator_name(request),
            confirm=confirm_value == value,
            shown_at=_shown_at(shown),
        )
    except CorrectionError as exc:
        return _item_response(request, form_id, field_id, typed=value, error=str(exc), overridable=exc.overridable)
    except JiafangError as exc:
        return _item_response(request, form_id, field_id, typed=value, error=str(exc))
    return _item_response(request, form_id, field_id, record=record)


@router.post("/fields/{form_id}/{field_id}/unreadable", response_class=HTMLResponse)
def unreadable_field(
    request: Request, form_id: str, field_id: str, version: str = Form(""), shown: str = Form("")
) -> HTMLResponse:
    try:
        record = mark_unreadable(
            workspace(request),
            form_id,
            field_id,
            version=_seen_version(version),
            operator=operator_name(request),
            shown_at=_shown_at(shown),
        )
    except JiafangError as exc:
        return _item_response(request, form_id, field_id, error=str(exc))
    return _item_response(request, form_id, field_id, record=record)


def _seen_version(posted: str) -> int:
    """The record version the page showed; a page without one (opened before an upgrade) must be reloaded."""
    if not posted.isdigit():
        raise ReviewError("页面没有带上记录的版本号，请刷新页面后再核对")
    return int(posted)


def _shown_at(posted: str) -> dt.datetime | None:
    """When the page showed the field (its ``shown`` stamp, Unix seconds); None if absent."""
    try:
        return dt.datetime.fromtimestamp(float(posted), dt.timezone.utc)
    except (ValueError, OverflowError, OSError):
        return None


def _item_response(
    request: Request,
    form_id: str,
    field_id: str,
    *,
    record: Record | None = None,
    typed: str | None = None,
    error: str = "",
    overridable: bool = False,
) -> HTMLResponse:
    """The queue item after a decision (or with the refusal), plus the pending count."""
    with workspace(request).session() as session:
        record = record or current_record(session, form_id)
        pending = pending_count(session, classes=current_operator().visible_classes())
        student = repo.get_student(session, record.student_no) if record else None
    if record is None or field_id not in record.fields:
        return render(request, "message.html", status_code=404, title="找不到字段", text=error or f"表单 {form_id} 没有字段 {field_id}。")
    item = queue_item(record, load_form(record.form).field(field_id), student.name if student else "")
    return render(
        request,
        "item_response.html",
        item=item,
        typed=typed if typed is not None else item.text,
        error=error,
        overridable=overridable,
        pending=pending,
    )


# --- record view -------------------------------------------------------------------------------


@router.get("/records/{form_id}", response_class=HTMLResponse)
def record_page(request: Request, form_id: str) -> HTMLResponse:
    ws = workspace(request)
    with ws.session() as session:
        record = current_record(session, form_id)
        history = record_history(session, form_id)
        corrections = corrections_for(session, form_id)
        student = repo.get_student(session, record.student_no) if record else None
    if record is None:
        return render(request, "message.html", status_code=404, title="找不到记录", text=f"表单 {form_id} 还没有读回的记录。")
    require_current("dossier", record.class_name)
    with ws.session() as session:
        check_student_scope(session, operator_name(request), record.student_no)
    form = load_form(record.form)
    return render(
        request,
        "record.html",
        record=record,
        form=form,
        student=student,
        history=history,
        corrections=corrections,
        labels={f.id: f.label for f in form.fields},
        pages=sorted(page_sources(ws, record)),
        display_text=display_text,
    )


@router.get("/records/{form_id}/pages/{page_no}.png")
def record_page_image(request: Request, form_id: str, page_no: int, field: str | None = None) -> Response:
    ws = workspace(request)
    with ws.session() as session:
        record = current_record(session, form_id)
    if record is not None:
        require_current("dossier", record.class_name)
    source = page_sources(ws, record).get(page_no) if record else None
    if record is None or source is None:
        return render(request, "message.html", status_code=404, title="没有页面图像", text=f"表单 {form_id} 第 {page_no} 页没有扫描图像（Word 交回的记录没有页面图像）。")
    return Response(page_png(ws, record, source, highlight=field), media_type="image/png")


@router.get("/fields/{form_id}/{field_id}/lines/{index}.png")
def narrative_line_image(request: Request, form_id: str, field_id: str, index: int) -> Response:
    """One line of a scanned narrative of the current version, cut from the field's crop."""
    ws = workspace(request)
    with ws.session() as session:
        record = current_record(session, form_id)
    if record is not None:
        require_current("dossier", record.class_name)
    png = line_png(ws, record, field_id, index) if record else None
    if png is None:
        return Response("找不到这一行的图像", status_code=404, media_type="text/plain; charset=utf-8")
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=86400"})


@router.get("/files/{name}")
def stored_file(request: Request, name: str) -> Response:
    """A crop or page image from the file store (only image names are served)."""
    match = _FILE_NAME.fullmatch(name)
    path = workspace(request).files.path_of(match.group(1), match.group(2)) if match else None
    if path is None or not path.is_file():
        return Response("找不到图像", status_code=404, media_type="text/plain; charset=utf-8")
    return FileResponse(path, headers={"Cache-Control": "private, max-age=86400"})


# --- dashboard ---------------------------------------------------------------------------------


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard_page(request: Request) -> HTMLResponse:
    ws = workspace(request)
    with ws.session() as session:
        recent = list_events(session, limit=8, action="correction")
    return render(request, "dashboard.html", board=dashboard(ws), recent=recent)


@router.post("/quarantine/{digest}/assign", response_class=HTMLResponse)
def assign_quarantined(request: Request, digest: str, form_id: str = Form(""), page_no: int = Form(1)) -> HTMLResponse:
    """Place a quarantined page by hand; it is then read like any other page."""
    try:
        from pipeline.ingest.scan_run import assign_page
    except ImportError:
        return render(request, "assign_result.html", ok=False, text="扫描识读模块尚未启用，暂时不能手工指定页面。")
    try:
        page = assign_page(workspace(request), digest, form_id.strip(), page_no, operator=operator_name(request))
    except JiafangError as exc:
        return render(request, "assign_result.html", ok=False, text=str(exc))
    return render(
        request, "assign_result.html", ok=True, text=f"已指定为表单 {page.form_id} 第 {page.page_no} 页并完成识读。", form_id=page.form_id
    )
