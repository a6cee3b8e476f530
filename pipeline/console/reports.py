"""报表: the 统计表 for a month, the 待办清单, the 问题台账, a student's 一生一档, the 督导检查
packet, and checking a packet ZIP. Every file is made by the library function the CLI calls
(and so audited the same way), written to the workspace's exports folder, and linked."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from pipeline import defs
from pipeline.archive.dossier import build_dossier
from pipeline.archive.manifest import existing_key, verify_packet
from pipeline.archive.packet import build_packet
from pipeline.archive.packet_sections import term_months
from pipeline.console.uploads import export_path, exported_file, exports_dir, process_upload
from pipeline.errors import JiafangError
from pipeline.report.compliance import by_class, make_compliance_report
from pipeline.report.ledger import STATUS_LABELS as LEDGER_STATUSES
from pipeline.report.ledger import make_ledger_report
from pipeline.report.overview import overview_day
from pipeline.report.stats.report import make_stats_report
from pipeline.review.app import operator_name, render, workspace
from pipeline.roster.search import find_students
from pipeline.store import repo
from pipeline.store.workspace import Workspace

router = APIRouter()

PACKET_SUFFIXES = (".zip",)
SIGNATURES = {"valid": "有效", "invalid": "无效（清单被改动，或不是本工作区生成的）", "unchecked": "未检查（本工作区没有签名密钥）"}


@router.get("/reports", response_class=HTMLResponse)
def reports_page(request: Request, class_name: str = "", status: str = "", q: str = "") -> HTMLResponse:
    return _page(request, class_name=class_name, status=status, q=q)


@router.post("/reports/stats", response_class=HTMLResponse)
def stats_file(
    request: Request, month: str = Form(...), class_name: str = Form(""), fmt: str = Form("xlsx"), outward: str = Form("")
) -> HTMLResponse:
    """The 统计表 of ``month`` as .xlsx or .pdf (outward: special groups left out)."""
    ws = workspace(request)
    scope = class_name or "全校"
    try:
        made = make_stats_report(
            ws,
            month=month,
            out=export_path(ws, f"家访统计表_{scope}_{month}.{fmt}"),
            class_name=class_name or None,
            operator=operator_name(request),
            outward=bool(outward),
        )
    except JiafangError as exc:
        return _page(request, section="stats", month=month, error=str(exc), status_code=400)
    total = made.table.total
    text = f"{made.table.month} 统计表已生成：走访 {total.month.visited} 人、{total.month.visits} 人次；本学年覆盖率 {total.year.coverage:.1%}。"
    return _page(request, section="stats", month=month, done=text, files=[made.path.name])


@router.post("/reports/todo", response_class=HTMLResponse)
def todo_file(request: Request, class_name: str = Form("")) -> HTMLResponse:
    ws = workspace(request)
    try:
        day = _report_day(ws)
        made = make_compliance_report(
            ws, as_of=day, class_name=class_name or None, out=export_path(ws, f"家访待办清单_{class_name or '全校'}_{day}.xlsx"),
            operator=operator_name(request),
        )
    except JiafangError as exc:
        return _page(request, section="todo", error=str(exc), status_code=400)
    assert made.written is not None  # an output path was given
    return _page(request, section="todo", class_name=class_name, done=f"待办清单已生成：{len(made.report.items)} 项。", files=[made.written.path.name])


@router.post("/reports/ledger", response_class=HTMLResponse)
def ledger_file(request: Request, class_name: str = Form(""), status: str = Form("")) -> HTMLResponse:
    ws = workspace(request)
    try:
        day = _report_day(ws)
        made = make_ledger_report(
            ws, as_of=day, class_name=class_name or None, status=status or None,
            out=export_path(ws, f"问题台账_{class_name or '全校'}_{day}.xlsx"), operator=operator_name(request),
        )
    except JiafangError as exc:
        return _page(request, section="ledger", error=str(exc), status_code=400)
    assert made.written is not None
    return _page(request, section="ledger", class_name=class_name, status=status, done=f"问题台账已生成：{len(made.items)} 项。", files=[made.written.path.name])


@router.post("/reports/dossier", response_class=HTMLResponse)
def dossier_file(request: Request, student_no: str = Form(...), q: str = Form("")) -> HTMLResponse:
    ws = workspace(request)
    with ws.session() as session:
        student = repo.get_student(session, student_no)
    name = student.name if student else student_no
    try:
        path = build_dossier(ws, student_no, export_path(ws, f"一生一档_{name}_{student_no}.pdf"), operator=operator_name(request))
    except JiafangError as exc:
        return _page(request, section="dossier", q=q, error=str(exc), status_code=400)
    return _page(request, section="dossier", q=q, done=f"{name} 的一生一档已生成。", files=[path.name])


@router.post("/reports/packet", response_class=HTMLResponse)
def packet_files(
    request: Request, term: str = Form(...), class_name: str = Form(""), include_sensitive: str = Form("")
) -> HTMLResponse:
    """Build the 督导检查 packet (synchronously: the page shows that it is working meanwhile)."""
    ws = workspace(request)
    try:
        result = build_packet(
            ws, scope="class" if class_name else "school", class_name=class_name or None, term=term,
            out_dir=exports_dir(ws), operator=operator_name(request), include_sensitive=bool(include_sensitive),
        )
    except JiafangError as exc:
        return _page(request, section="packet", error=str(exc), status_code=400)
    text = f"督导检查材料包已生成：{result.records} 份记录，PDF {result.pages} 页，清单 {result.files} 个文件，用时 {result.seconds:.1f} 秒。"
    return _page(request, section="packet", done=text, files=[result.zip.name, result.pdf.name])


@router.post("/reports/verify", response_class=HTMLResponse)
async def verify_upload(request: Request) -> HTMLResponse:
    """Check an uploaded packet ZIP against its manifest and this workspace's key."""
    key = existing_key(workspace(request).root)
    try:
        name, result = await process_upload(
            request, lambda path: verify_packet(path, key=key), limit=defs.CONSOLE_PACKET_MAX_BYTES, suffixes=PACKET_SUFFIXES, what="材料包"
        )
    except JiafangError as exc:
        return _page(request, section="verify", error=str(exc), status_code=400)
    return _page(request, section="verify", verified=result, verified_name=name)


@router.get("/exports/{name}")
def exported(request: Request, name: str) -> Response:
    """A file the console made, from the workspace's exports folder."""
    path = exported_file(workspace(request), name)
    if path is None:
        return render(request, "message.html", status_code=404, title="找不到文件", text=f"导出文件夹中没有“{name}”：请重新生成。")
    return FileResponse(path, filename=path.name)


def _report_day(ws: Workspace) -> dt.date:
    """The one day the page's to-do list and ledger (shown and downloaded) are checked on:
    today, brought inside the school year as the 首页 does."""
    return overview_day(ws, dt.date.today())


def _page(
    request: Request,
    *,
    section: str = "",
    class_name: str = "",
    status: str = "",
    q: str = "",
    month: str = "",
    status_code: int = 200,
    **result: object,
) -> HTMLResponse:
    """The reports page; ``section`` is where ``result`` (done, error, files, verified) is shown."""
    ws = workspace(request)
    policy = ws.policy
    with ws.session() as session:
        classes = repo.list_classes(session)
    chosen = class_name if class_name in classes else ""
    today = _report_day(ws)
    todo = make_compliance_report(ws, as_of=today, class_name=chosen or None).report
    ledger = make_ledger_report(ws, as_of=today, class_name=chosen or None, status=status if status in LEDGER_STATUSES else None)
    return render(
        request,
        "reports.html",
        status_code=status_code,
        nav="reports",
        classes=classes,
        chosen={"class_name": chosen, "status": status, "q": q},
        months=term_months(policy.school_year, policy.school_year.end),
        this_month=month or f"{today:%Y-%m}",
        terms=policy.semesters,
        this_term=(policy.semester_of(today) or policy.semesters[0]).id if policy.semesters else "",
        todo=todo,
        todo_counts={c: Counter(i.kind for i in items) for c, items in by_class(todo.items).items()},
        ledger=ledger,
        ledger_statuses=LEDGER_STATUSES,
        matches=find_students(ws, q, limit=defs.CONSOLE_DOSSIER_MATCHES),
        signatures=SIGNATURES,
        section=section,
        result=result,
    )
