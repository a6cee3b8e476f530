"""Turn raw roster rows into Student / Teacher records, or into problems that say how to fix them.

Every check reports the file, sheet, row and column. Only problems of severity "error" reject
a row; "warning" rows are imported. Special-group names come from the policy profile.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from pipeline.model.classes import normalize_class
from pipeline.model.people import Student, Teacher
from pipeline.model.policy import ROLES, Policy
from pipeline.roster.columns import REQUIRED, STUDENT_COLUMNS, TEACHERS
from pipeline.roster.reader import RawRow, RawSheet

T = TypeVar("T")

ERROR = "error"
WARNING = "warning"

_LIST_SEPARATORS = re.compile(r"[、,，;；/／\s]+")
_NO_GROUP = frozenset({"无", "否", "-", "—", "／", "/"})  # written in the 特殊群体 cell for "none"
_PHONE_NOISE = re.compile(r"[\s\-－—–]")
_MOBILE = re.compile(r"1\d{10}")
_SCIENTIFIC = re.compile(r"\d+(\.\d+)?[eE][+-]?\d+")
_GRADE_IN_CLASS = re.compile(r"^(.+?年级|[高初][一二三])")
_STUDENT_FIELD_COLUMNS = frozenset(STUDENT_COLUMNS) - {"班主任"}  # 班主任 stays in extra


@dataclass(frozen=True)
class RosterProblem:
    file: str
    sheet: str  # "" for a CSV file
    row: int | None  # None for a problem with the whole file
    column: str | None
    value: str
    message: str
    fix: str
    severity: str = ERROR

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def __str__(self) -> str:
        where = _location(self.file, self.sheet, self.row)
        if self.column:
            where += f"「{self.column}」"
        return f"{where}：{self.message}{self.fix}"


@dataclass
class RosterContext:
    """What one import knows while checking rows: the profile, classes, teachers, keys seen."""

    policy: Policy
    known_classes: set[str] = field(default_factory=set)
    known_teachers: set[str] = field(default_factory=set)  # teacher names
    seen: dict[tuple[str, str], str] = field(default_factory=dict)  # (column, key) -> where first seen
    # (column, key) -> the other school of this store that holds the key: 学籍号 and 工号 are
    # keys of the whole store, so a row may not move a student or teacher between schools
    elsewhere: dict[tuple[str, str], str] = field(default_factory=dict)


def missing_headers(sheet: RawSheet) -> RosterProblem | None:
    """One problem for the whole sheet when a required column is absent."""
    missing = [c for c in REQUIRED[sheet.kind] if c not in sheet.columns]
    if not missing:
        return None
    found = "、".join(sheet.columns) or "（无）"
    return RosterProblem(
        sheet.file,
        sheet.sheet,
        sheet.header_row,
        None,
        "",
        f"表头缺少必需的列：{'、'.join(missing)}（找到的列：{found}），整张表未导入。",
        "请在表头行补上这些列（列名与模板一致）后重新导入。",
    )


def validate_students(sheet: RawSheet, ctx: RosterContext) -> tuple[list[Student], list[RosterProblem]]:
    return _validate(sheet, ctx, _student)


def validate_teachers(sheet: RawSheet, ctx: RosterContext) -> tuple[list[Teacher], list[RosterProblem]]:
    return _validate(sheet, ctx, _teacher)


def teacher_names(sheets: list[RawSheet]) -> set[str]:
    """Names on the teachers sheets, so students' 班主任 can be checked in the same import."""
    return {r.values.get("姓名", "") for s in sheets if s.kind == TEACHERS for r in s.rows} - {""}


def split_list(text: str) -> list[str]:
    """Items of a cell listing several values (、 , ， ; ； / or spaces between them)."""
    return [item for item in _LIST_SEPARATORS.split(text) if item]


# --- rows ------------------------------------------------------------------------------------


class _Row:
    """One raw row being checked: reads cells and collects its problems."""

    def __init__(self, sheet: RawSheet, raw: RawRow) -> None:
        self.sheet = sheet
        self.raw = raw
        self.problems: list[RosterProblem] = []

    @property
    def where(self) -> str:
        return _location(self.sheet.file, self.sheet.sheet, self.raw.row_number)

    def get(self, column: str) -> str:
        return self.raw.values.get(column, "").strip()

    def problem(self, column: str, value: str, message: str, fix: str, severity: str = ERROR) -> None:
        self.problems.append(
            RosterProblem(
                self.sheet.file, self.sheet.sheet, self.raw.row_number, column, value, message, fix, severity
            )
        )

    @property
    def rejected(self) -> bool:
        return any(p.is_error for p in self.problems)


def _location(file: str, sheet: str, row: int | None) -> str:
    where = file + (f"「{sheet}」" if sheet else " " if row is not None else "")
    return where + (f"第 {row} 行" if row is not None else "")


def _validate(
    sheet: RawSheet, ctx: RosterContext, check: Callable[[_Row, RosterContext], T | None]
) -> tuple[list[T], list[RosterProblem]]:
    records: list[T] = []
    problems: list[RosterProblem] = []
    for raw in sheet.rows:
        row = _Row(sheet, raw)
        if raw.merged:
            # Values of a merged range sit in its first row only: report the merge, nothing else.
            row.problem(
                raw.merged[0],
                "",
                f"该行含合并单元格（{'、'.join(raw.merged)}）。",
                "请取消合并，在每一行填入完整内容后重新导入。",
            )
        elif (record := check(row, ctx)) is not None:
            records.append(record)
        problems += row.problems
    return records, problems


def _student(row: _Row, ctx: RosterContext) -> Student | None:
    student_no = _key(row, ctx, "学籍号")
    name = _required(row, "姓名")
    class_name = normalize_class(_required(row, "班级"))
    grade = row.get("年级")
    if class_name and grade and grade not in class_name:
        class_name = normalize_class(grade + class_name)
    if not grade and (m := _GRADE_IN_CLASS.match(class_name)):
        grade = m.group(1)
    phone = _phone(row)
    groups = _groups(row, ctx.policy)
    _class_teacher(row, ctx)
    if row.rejected:
        return None
    return Student(
        student_no=student_no,
        name=name,
        class_name=class_name,
        grade=grade,
        gender=row.get("性别"),
        address=row.get("家庭住址"),
        guardian_name=row.get("监护人姓名"),
        guardian_relation=row.get("与学生关系"),
        phone=phone,
        caregiver=row.get("主要看护人"),
        groups=groups,
        extra=tuple(
            (c, row.get(c)) for c in row.sheet.columns if c not in _STUDENT_FIELD_COLUMNS and row.get(c)
        ),
    )


def _teacher(row: _Row, ctx: RosterContext) -> Teacher | None:
    teacher_no = _key(row, ctx, "工号")
    name = _required(row, "姓名")
    role = row.get("职务")
    if role not in ROLES:
        message = "职务为空。" if not role else f"职务“{role}”不是可用的职务。"
        row.problem("职务", role, message, f"请填写以下之一：{'、'.join(ROLES)}。")
    classes = tuple(dict.fromkeys(normalize_class(c) for c in split_list(row.get("任教班级"))))
    for c in classes:
        if c not in ctx.known_classes:
            row.problem(
                "任教班级",
                c,
                f"班级“{c}”不在学生名单中，是未知班级。",
                "请核对班级名称（如“七年级（1）班”），或先导入该班学生后重新导入。",
            )
    if row.rejected:
        return None
    return Teacher(teacher_no=teacher_no, name=name, role=role, classes=classes)


# --- cells -----------------------------------------------------------------------------------


def _required(row: _Row, column: str) -> str:
    value = row.get(column)
    if not value:
        row.problem(column, "", f"{column}为空。", f"请填写{column}后重新导入。")
    return value


def _key(row: _Row, ctx: RosterContext, column: str) -> str:
    """The row's key (学籍号 / 工号): present, written out in full, and not seen before."""
    value = _required(row, column)
    if not value:
        return value
    if _SCIENTIFIC.fullmatch(value):
        row.problem(
            column,
            value,
            f"“{value}”是科学计数法，原来的数字已经丢失。",
            "请在 Excel 中把该列设为“文本”格式，填回完整的数字后重新导入。",
        )
    elif (column, value) in ctx.seen:
        row.problem(
            column,
            value,
            f"{column}“{value}”与{ctx.seen[column, value]}重复，本行未导入。",
            "请核对后删除或改正重复的一行。",
        )
    elif (column, value) in ctx.elsewhere:
        row.problem(
            column,
            value,
            f"{column}“{value}”已属于{ctx.elsewhere[column, value]}，本行未导入。",
            "请核对是否填错；区内各校共用一个工作区时，工号须各不相同（可在前面加学校代码）。",
        )
    else:
        ctx.seen[column, value] = row.where
    return value


def _phone(row: _Row) -> str:
    raw = row.get("联系电话")
    if not raw:
        row.problem(
            "联系电话", "", "联系电话为空（本行已导入）。", "家访表上的电话将留空；补上后可重新导入。", WARNING
        )
        return ""
    digits = _PHONE_NOISE.sub("", raw)
    for prefix in ("+86", "0086"):
        digits = digits.removeprefix(prefix)
    if not _MOBILE.fullmatch(digits):
        row.problem("联系电话", raw, f"“{raw}”不是 11 位手机号。", "请改为 11 位数字后重新导入。")
    return digits


def _groups(row: _Row, policy: Policy) -> tuple[str, ...]:
    groups = []
    for item in split_list(row.get("特殊群体")):
        if item in _NO_GROUP:
            continue
        canonical = policy.canonical_group(item)
        if canonical is None:
            vocabulary = "、".join(g.name for g in policy.special_groups)
            row.problem(
                "特殊群体",
                item,
                f"“{item}”不是政策配置中的特殊群体（可用：{vocabulary}）。",
                "请改用其中的名称，或在 policy.yaml 的 special_groups 中添加后重新导入。",
            )
        else:
            groups.append(canonical)
    return tuple(dict.fromkeys(groups))


def _class_teacher(row: _Row, ctx: RosterContext) -> None:
    name = row.get("班主任")
    if name and name not in ctx.known_teachers:
        row.problem(
            "班主任",
            name,
            f"班主任“{name}”不在教师名单中，是未知的班主任。",
            "请先在教师表中添加该教师，或改正姓名后重新导入。",
        )
