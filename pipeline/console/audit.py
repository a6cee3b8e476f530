"""审计: the audit log, filtered by operator, action, date range and scope."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from pipeline.access import require_current
from pipeline import defs
from pipeline.model.audit import ACTIONS
from pipeline.review.app import render, workspace
from pipeline.store.audit import audit_operators, list_events

router = APIRouter()

ACTION_NAMES = {
    "export": "导出记录",
    "report": "报表",
    "packet": "检查材料包",
    "dossier": "一生一档",
    "correction": "人工复核",
    "assign_page": "指定隔离页",
    "verify": "校验材料包",
    "calibrate": "阈值校准",
    "policy": "修改政策配置",
}

OPTION_NAMES = {
    "report": "报表",
    "month": "月份",
    "format": "格式",
    "outward": "外发",
    "include_sensitive": "含敏感内容",
    "term": "学期",
    "records": "记录数",
    "as_of": "统计日期",
    "status": "状态",
    "school": "学校",
    "decision": "决定",
}
_SCOPE_WORDS = (("school", "全校"), ("class ", "班级 "), ("student ", "学生 "))


def option_text(key: str, value: object) -> str:
    """One option of an audit event as a clerk reads it (yes/no in words, known keys in Chinese)."""
    shown = {True: "是", False: "否", None: "无"}.get(value, value) if isinstance(value, (bool, type(None))) else value
    return f"{OPTION_NAMES.get(key, key)}：{shown}"


def scope_words(scope: str) -> str:
    """An audit scope ("school", "class 七年级（1）班", "student S01") in Chinese words."""
    for word, chinese in _SCOPE_WORDS:
        if scope.startswith(word):
            return chinese + scope[len(word) :]
    return scope


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request, operator: str = "", action: str = "", since: str = "", until: str = "", scope: str = ""
) -> HTMLResponse:
    """``since`` and ``until`` are days (YYYY-MM-DD, the computer's time zone), both included."""
    require_current("audit")
    first, last = _day(since), _day(until)
    problems = [f"日期“{text}”格式不对，请写成 YYYY-MM-DD（如 2025-11-03）。" for text, day in ((since, first), (until, last)) if text and day is None]
    with workspace(request).session() as session:
        events = list_events(
            session,
            limit=defs.CONSOLE_AUDIT_PAGE,
            operator=operator or None,
            action=action if action in ACTIONS else None,
            since=_start_of(first),
            until=_start_of(last + dt.timedelta(days=1)) if last else None,
            scope=scope.strip() or None,
        )
        operators = audit_operators(session)
    return render(
        request,
        "audit.html",
        nav="audit",
        events=events,
        operators=operators,
        actions={a: ACTION_NAMES.get(a, a) for a in ACTIONS},
        chosen={"operator": operator, "action": action, "since": since, "until": until, "scope": scope},
        problems=problems,
        limit=defs.CONSOLE_AUDIT_PAGE,
        option_text=option_text,
        scope_words=scope_words,
    )


def _day(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip()) if text.strip() else None
    except ValueError:
        return None


def _start_of(day: dt.date | None) -> dt.datetime | None:
    """Local midnight of ``day`` as the aware time the log is kept in."""
    return dt.datetime.combine(day, dt.time()).astimezone() if day else None
