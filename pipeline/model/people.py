"""Roster records as plain data: what roster import produces and every other stage reads."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Student:
    student_no: str  # 学籍号, the key
    name: str
    class_name: str
    grade: str = ""
    gender: str = ""
    address: str = ""
    guardian_name: str = ""
    guardian_relation: str = ""
    phone: str = ""  # 11 digits, normalised
    caregiver: str = ""  # 主要看护人
    groups: tuple[str, ...] = ()  # canonical special-group names from the policy profile
    extra: tuple[tuple[str, str], ...] = field(default=())  # optional roster columns, in order

    @property
    def extra_dict(self) -> dict[str, str]:
        return dict(self.extra)


@dataclass(frozen=True)
class Teacher:
    teacher_no: str  # 工号, the key
    name: str
    role: str  # one of policy.ROLES
    classes: tuple[str, ...] = ()  # 任教班级
