"""Roster records as plain data: what roster import produces and every other stage reads."""

from __future__ import annotations

from dataclasses import dataclass, field

# Kinship words people are written as ("奶奶", "母亲 张丽", "父母"): a 受访人 besides the roster's
# own relation, and what a roster's 主要看护人 column holds.
KINSHIP_WORDS = (
    "父亲", "母亲", "爸爸", "妈妈", "父母", "祖父", "祖母", "爷爷", "奶奶", "外祖父", "外祖母", "外公",
    "外婆", "姥爷", "姥姥", "哥哥", "姐姐", "叔叔", "阿姨", "舅舅", "姑姑", "家长", "监护人",
)


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
