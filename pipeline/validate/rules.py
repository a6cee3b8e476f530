"""Validation rules named in ``forms/*.yaml`` (``rules:``), in a registry keyed by that name.

A rule sees one field's normalised value (never None: an empty field is only checked by
``required``) and returns a :class:`Finding`: a Chinese message when the value needs a
person, and any roster keys it resolved to. A rule name in a form that is not in
:data:`RULES` is a form-definition error, raised by :func:`check_form_rules`.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from pipeline.errors import FormDefinitionError
from pipeline.model.form import CHOICE_KINDS, FieldDef, FormDef
from pipeline.model.people import KINSHIP_WORDS, Student
from pipeline.model.record import is_empty
from pipeline.validate.context import ValidationContext

_NAME_SEPARATORS = re.compile(r"[、,;/\s]+")  # after NFKC: ，；／ and full-width spaces are ASCII
_NAME_SUFFIXES = ("老师", "教师")


@dataclass(frozen=True)
class Finding:
    message: str = ""  # empty when the value passes
    refs: tuple[str, ...] = ()


@dataclass(frozen=True)
class RuleInput:
    field: FieldDef
    value: Any  # normalised, not None
    arg: Any  # the rule's value in the form file (true, or e.g. the other field's id)
    values: Mapping[str, Any]  # every field's normalised value, for rules across fields
    form: FormDef
    context: ValidationContext


Rule = Callable[[RuleInput], Finding]

PASS = Finding()


def within_school_year(r: RuleInput) -> Finding:
    year = r.context.policy.school_year
    if year.contains(dt.date.fromisoformat(r.value)):
        return PASS
    return Finding(f"{r.field.label} {r.value} 不在{year.name}（{year.start} 至 {year.end}）内，请核对")


def not_future(r: RuleInput) -> Finding:
    if dt.date.fromisoformat(r.value) <= r.context.today:
        return PASS
    return Finding(f"{r.field.label}晚于今天（{r.context.today}），请核对")


def after_field(r: RuleInput) -> Finding:
    """The value is a date on or after the date in field ``arg`` (e.g. due date after visit)."""
    other = r.values.get(r.arg)
    if other is None or r.value >= other:  # ISO dates compare as text
        return PASS
    return Finding(f"{r.field.label}早于{r.form.field(r.arg).label}（{other}），请核对")


def start_before_end(r: RuleInput) -> Finding:
    start, end = r.value.split("-")
    if start < end:
        return PASS
    return Finding(f"开始时间 {start} 不早于结束时间 {end}，请核对")


def teacher_names(r: RuleInput) -> Finding:
    """Each name written resolves to exactly one roster teacher; refs are their 工号."""
    by_name: dict[str, list[str]] = {}
    for t in r.context.teachers:
        by_name.setdefault(t.name, []).append(t.teacher_no)
    refs: list[str] = []
    problems: list[str] = []
    for name in split_teacher_names(r.value):
        numbers = by_name.get(name, [])
        if not numbers:
            problems.append(f"教师“{name}”不在教师名单中")
        elif len(numbers) > 1:
            problems.append(f"教师“{name}”重名（工号 {'、'.join(numbers)}），请注明是哪一位")
        elif numbers[0] not in refs:
            refs.append(numbers[0])
    return Finding("；".join(problems), tuple(refs))


def split_teacher_names(text: str) -> list[str]:
    """Names in a 参与教师 text: split on 、，,/; and spaces, without 老师/教师 after a name."""
    names = []
    for part in _NAME_SEPARATORS.split(unicodedata.normalize("NFKC", text)):
        for suffix in _NAME_SUFFIXES:
            if part.endswith(suffix) and len(part) > len(suffix):
                part = part[: -len(suffix)]
        if part:
            names.append(part)
    return names


def this_family(r: RuleInput) -> Finding:
    """No one named is a classmate or a classmate's guardian or caregiver unless someone of the
    form's own student's family is named too: a visit written on another student's form."""
    student = r.context.student
    text = _squashed(r.value)
    if any(name in text for name in _family(student)):
        return PASS
    for other in r.context.classmates:
        if other.student_no != student.student_no:
            named = next((name for name in _family(other) if name in text), None)
            if named is not None:
                who = "本人" if named == other.name else "的家长"
                return Finding(f"“{named}”是同班学生{other.name}{who}，不是{student.name}的家人：请核对这张表是否填错了学生")
    return PASS


def _family(student: Student) -> list[str]:
    """The names of a student and of their guardian, and of their caregiver where the roster
    names one (its 主要看护人 column is mostly a kinship word: 父母, 祖母)."""
    names = (_squashed(n) for n in (student.name, student.guardian_name, student.caregiver))
    return [n for n in names if len(n) >= 2 and n not in KINSHIP_WORDS]


def _squashed(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


RULES: dict[str, Rule] = {
    "within_school_year": within_school_year,
    "not_future": not_future,
    "after_field": after_field,
    "start_before_end": start_before_end,
    "teacher_names": teacher_names,
    "this_family": this_family,
}


def required_message(field: FieldDef) -> str:
    if field.kind == "signature":
        return "缺少签名"
    if field.kind in CHOICE_KINDS:
        return "必填项未勾选"
    return "必填项为空"


def check_field(
    field: FieldDef, values: Mapping[str, Any], form: FormDef, context: ValidationContext, *, flagged: bool
) -> list[Finding]:
    """Findings of ``required`` and every rule the form names for ``field``.

    ``flagged``: the field already goes to review for a reason (unreadable, not seen, reader's
    doubt), so a missing value needs no second message.
    """
    value = values.get(field.id)
    if is_empty(value):
        return [Finding(required_message(field))] if field.required and not flagged else []
    findings = []
    for name, arg in field.rules:
        if arg is False or arg is None:
            continue  # a rule switched off in the form file
        findings.append(RULES[name](RuleInput(field, value, arg, values, form, context)))
    return findings


@cache
def check_form_rules(form: FormDef) -> None:
    """Raise FormDefinitionError when ``form`` names a rule or a field that does not exist."""
    ids = {f.id for f in form.fields}
    for f in form.fields:
        for name, arg in f.rules:
            if name not in RULES:
                raise FormDefinitionError(
                    f"{form.id}.yaml 字段 {f.id}：未知的校验规则 {name!r}"
                    f"（已实现：{'、'.join(RULES)}）。请改正规则名，或先在 pipeline/validate/rules.py 中实现它。"
                )
            if name == "after_field" and arg not in ids:
                raise FormDefinitionError(f"{form.id}.yaml 字段 {f.id}：after_field 指向不存在的字段 {arg!r}")
