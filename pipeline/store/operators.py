"""Operator accounts for LAN mode: name, role, a teacher's classes and an argon2id hash.

The password itself is never stored or logged; :func:`authenticate` spends the same hashing
time whether the name exists or not, so a wrong name cannot be told from a wrong password.
"""

from __future__ import annotations

from collections.abc import Sequence

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline import defs
from pipeline.access import ROLE_LABELS, ROLES, Operator
from pipeline.errors import OperatorError
from pipeline.model.classes import normalize_class
from pipeline.store.repo import list_classes, now
from pipeline.store.rows import from_row, to_values
from pipeline.store.schema import OperatorRow

_HASHER = PasswordHasher(
    time_cost=defs.ARGON2_TIME_COST, memory_cost=defs.ARGON2_MEMORY_KIB, parallelism=defs.ARGON2_PARALLELISM
)
_DUMMY_HASH = _HASHER.hash("not a password of anyone")


def add_operator(session: Session, name: str, role: str, password: str, classes: Sequence[str] = ()) -> Operator:
    """A new operator account; refuses a taken name, an unknown role or class, a short password."""
    name = name.strip()
    if not name or any(c.isspace() for c in name):
        raise OperatorError(f"操作员名称“{name}”不可用：名称不能为空，也不能含空格")
    if session.get(OperatorRow, name) is not None:
        raise OperatorError(f"操作员“{name}”已存在；修改密码请用 jiafang operators passwd {name}")
    operator = Operator(name, _role(role), _classes(session, role, classes))
    stamp = now()
    values = to_values(operator, OperatorRow, classes=list(operator.classes), password_hash=_hash(password))
    session.add(OperatorRow(**values, created_at=stamp, updated_at=stamp))
    session.flush()
    return operator


def list_operators(session: Session) -> list[Operator]:
    return [_operator(r) for r in session.scalars(select(OperatorRow).order_by(OperatorRow.name))]


def get_operator(session: Session, name: str) -> Operator | None:
    row = session.get(OperatorRow, name)
    return _operator(row) if row else None


def remove_operator(session: Session, name: str) -> None:
    session.delete(_existing(session, name))
    session.flush()


def set_password(session: Session, name: str, password: str) -> None:
    row = _existing(session, name)
    row.password_hash = _hash(password)
    row.updated_at = now()
    session.flush()


def authenticate(session: Session, name: str, password: str) -> Operator | None:
    """The operator when ``password`` is theirs; None otherwise."""
    row = session.get(OperatorRow, name.strip())
    try:
        _HASHER.verify(row.password_hash if row else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    return _operator(row) if row else None


def _existing(session: Session, name: str) -> OperatorRow:
    row = session.get(OperatorRow, name)
    if row is None:
        raise OperatorError(f"没有名为“{name}”的操作员；jiafang operators list 列出全部操作员")
    return row


def _role(role: str) -> str:
    if role not in ROLES:
        choices = "、".join(f"{r}（{ROLE_LABELS[r]}）" for r in ROLES)
        raise OperatorError(f"角色“{role}”不存在，可选：{choices}")
    return role


def _classes(session: Session, role: str, classes: Sequence[str]) -> tuple[str, ...]:
    """A teacher's classes, each one the roster knows; other roles have none."""
    names = tuple(dict.fromkeys(normalize_class(c) for c in classes if c.strip()))
    if role != "teacher":
        if names:
            raise OperatorError(f"只有 teacher（{ROLE_LABELS['teacher']}）角色需要 --class；{ROLE_LABELS[role]}可以看到全部班级")
        return ()
    if not names:
        raise OperatorError("教师账号需要至少一个 --class（任教班级），例如 --class 七年级（1）班")
    known = set(list_classes(session))
    unknown = [c for c in names if c not in known]
    if unknown:
        raise OperatorError(f"花名册中没有班级：{'、'.join(unknown)}。请先导入花名册，或核对班级名称")
    return names


def _hash(password: str) -> str:
    if len(password) < defs.OPERATOR_PASSWORD_MIN:
        raise OperatorError(f"密码太短：至少 {defs.OPERATOR_PASSWORD_MIN} 个字符")
    return _HASHER.hash(password)


def _operator(row: OperatorRow) -> Operator:
    return from_row(Operator, row, classes=tuple(str(c) for c in row.classes))
