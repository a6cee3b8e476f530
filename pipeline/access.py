"""Who may do what: operator roles and the one check every guarded library function makes.

In LAN mode (``jiafang serve --lan``) each request acts for the operator who signed in; the
console's middleware sets it with :func:`acting`, and library functions (review decisions,
the review queue, dossiers, packets, exports, reports, online records) call :func:`require`
before they read or write, so a hidden link is never the only guard. Anywhere else — the
CLI, local mode, a background job started without an operator — the process acts for
:data:`LOCAL`, the office: whoever runs jiafang on the school PC may do everything.

Roles: ``office`` everything; ``teacher`` their own classes only (review their fields, fill
online records, see their students' dossiers; no packets, no exports); ``leader`` read-only
reports.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from pipeline.errors import AccessDeniedError

ROLES = ("office", "teacher", "leader")
ROLE_LABELS = {"office": "教务/办公室", "teacher": "班主任/教师", "leader": "学校领导"}
# What each action is, in the words of the refusal.
ACTIONS = {
    "review": "复核字段",
    "online_record": "在线填写家访记录",
    "dossier": "查看学生档案",
    "report": "查看报表",
    "export": "导出记录",
    "packet": "生成督导检查材料包",
    "roster": "导入花名册",
    "print": "打印表单",
    "ingest": "读入交回的表单",
    "settings": "修改设置",
    "audit": "查看审计日志",
}
ROLE_ACTIONS = {
    "office": frozenset(ACTIONS),
    "teacher": frozenset({"review", "online_record", "dossier"}),
    "leader": frozenset({"report", "dossier"}),
}


@dataclass(frozen=True)
class Operator:
    name: str  # the key (the district's operator→school binding refers to it)
    role: str  # one of ROLES
    classes: tuple[str, ...] = ()  # a teacher's classes; ignored for other roles

    def may(self, action: str, class_name: str | None = None) -> bool:
        """May this operator do ``action`` (on ``class_name``, when the action concerns one)?"""
        if action not in ROLE_ACTIONS.get(self.role, frozenset()):
            return False
        return self.role != "teacher" or class_name is None or class_name in self.classes

    def visible_classes(self) -> frozenset[str] | None:
        """The classes whose students this operator sees; None for all of them."""
        return frozenset(self.classes) if self.role == "teacher" else None


LOCAL = Operator(name="", role="office")
_acting: ContextVar[Operator] = ContextVar("jiafang_operator", default=LOCAL)


def current_operator() -> Operator:
    """The operator the running request (or command) acts for."""
    return _acting.get()


@contextmanager
def acting(operator: Operator) -> Iterator[Operator]:
    """Act for ``operator`` inside the block (the console's middleware, one request)."""
    token = _acting.set(operator)
    try:
        yield operator
    finally:
        _acting.reset(token)


def require(operator: Operator, action: str, class_name: str | None = None) -> None:
    """Raise AccessDeniedError unless ``operator`` may do ``action`` (on ``class_name``)."""
    if action not in ACTIONS:
        raise KeyError(f"unknown action {action!r}")
    if operator.may(action, class_name):
        return
    who = f"{operator.name}（{ROLE_LABELS.get(operator.role, operator.role)}）"
    if action in ROLE_ACTIONS.get(operator.role, frozenset()):
        raise AccessDeniedError(f"{who}只能处理自己任教班级的学生，不能{ACTIONS[action]}：{class_name}。如需处理请联系学校办公室")
    raise AccessDeniedError(f"{who}没有权限{ACTIONS[action]}。如需此项权限请联系学校办公室")


def require_current(action: str, class_name: str | None = None) -> Operator:
    """:func:`require` for the operator the running request acts for; returns that operator."""
    operator = current_operator()
    require(operator, action, class_name)
    return operator
