"""The policy profile: the locality's rules, kept in YAML because quotas differ by place.

Special-group vocabulary, school-year and semester dates, quotas by role, coverage rules and
deadlines all come from here, never from code. Option texts the profile names (the visit mode
that counts as 入户) are checked against the record form's options when the profile loads;
left out, the mode is the option the form declares ``counts_as: home_visit``.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails

from pipeline.errors import PolicyError
from pipeline.model.form import FieldDef, FormDef, load_form
from pipeline.resources import samples_dir

ROLES = ("校长", "副校长", "中层", "班主任", "科任")
VISIT_FORM = "record"  # the 家访记录表: one record per visit; the profile's mode names are its options


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class School(_Frozen):
    name: str
    code: str = Field(description="printed in every QR payload; 2-6 capital letters or digits")
    district: str = ""

    @field_validator("code")
    @classmethod
    def _code_is_qr_alphanumeric(cls, v: str) -> str:
        if not re.fullmatch(r"[A-Z0-9]{2,6}", v):
            raise ValueError("学校代码须为 2–6 位大写字母或数字")
        return v


class Period(_Frozen):
    id: str
    name: str
    start: dt.date
    end: dt.date

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.end <= self.start:
            raise ValueError(f"{self.name}: 结束日期须晚于开始日期")
        return self

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


class SpecialGroup(_Frozen):
    name: str
    aliases: tuple[str, ...] = ()
    outline: str | None = Field(None, description="outline block used for this group")


class Quota(_Frozen):
    role: str
    visits_per_year: int = Field(ge=0)

    @field_validator("role")
    @classmethod
    def _known_role(cls, v: str) -> str:
        if v not in ROLES:
            raise ValueError(f"未知职务 {v!r}（可用：{'、'.join(ROLES)}）")
        return v


class Coverage(_Frozen):
    home_visit_mode: str  # an option of the record form's visit_mode field
    every_student_per: str = "school_year"
    special_group_per: str = "semester"

    @model_validator(mode="before")
    @classmethod
    def _home_mode_from_the_form(cls, data: Any, info: ValidationInfo) -> Any:
        if not isinstance(data, dict) or data.get("home_visit_mode") is not None:
            return data
        declared = _visit_modes(info).option_meaning("home_visit")
        if declared is None:
            raise ValueError("没有写 home_visit_mode，表单的家访方式也没有标明哪个选项算入户（counts_as: home_visit）：请在此写明")
        return {**data, "home_visit_mode": declared}

    @field_validator("home_visit_mode")
    @classmethod
    def _offered_by_the_form(cls, v: str, info: ValidationInfo) -> str:
        modes = _visit_modes(info)
        if v not in modes.option_values:
            raise ValueError(
                f"“{v}”不是表单“{modes.label}”的选项（可用：{'、'.join(modes.option_values)}）："
                "请改成其中之一，或删去此项以采用表单上标明 counts_as: home_visit 的选项"
            )
        return v

    @field_validator("every_student_per", "special_group_per")
    @classmethod
    def _known_period(cls, v: str) -> str:
        if v not in ("school_year", "semester"):
            raise ValueError("周期只能是 school_year 或 semester")
        return v


class Deadlines(_Frozen):
    record_within_hours: int = Field(24, ge=1)
    followup_min_days: int = Field(3, ge=0)
    followup_max_days: int = Field(7, ge=1)


class PlanRules(_Frozen):
    """What the visit plan (pipeline.plan) needs beyond the campaign rules; defaults from
    seed 003 (班级家访工作计划 templates): 2–3 hours a week of visiting time, two teachers for
    remote or complex families, 重点 students contacted at least twice a term."""

    weekly_visits: int = Field(3, ge=1, le=20, description="visits (any mode but a call) a teacher makes in a week")
    leader_weekly_visits: int = Field(1, ge=1, le=10, description="visits a leader joins in one week")
    weekly_calls: int = Field(12, ge=0, le=60, description="phone contacts a teacher makes in a week")
    evening_visits: int = Field(2, ge=1, le=6, description="home visits one teacher makes on one evening")
    visit_days: tuple[int, ...] = Field((1, 2, 3, 4), description="weekdays used, 1 = Monday … 7 = Sunday")
    visit_hours: float = Field(1.0, gt=0, le=4, description="hours one home visit takes, travel included")
    visit_time: str = Field("18:30", description="when an evening's first visit starts (HH:MM)")
    two_teacher_groups: tuple[str, ...] = ("困境儿童",)
    two_teachers_rural: bool = False  # a village address (remote) also asks for two teachers
    focus_groups: tuple[str, ...] = ("学习困难", "心理问题", "行为偏差")
    focus_columns: tuple[str, ...] = ("新转入", "重点")  # roster columns marking 重点 (是/√/1)
    focus_contacts: int = Field(2, ge=1, le=6)
    focus_followup_mode: str = "邀请来校"  # the 约谈 of seed 003: the 重点 student's further contacts
    call_mode: str = "电话"  # first contacts of the three-stage model
    focus_gap_weeks: int = Field(3, ge=1, le=10, description="weeks between a 重点 student's contacts")
    stages: bool = False  # the three-stage model of seed 003 篇二

    @field_validator("visit_days")
    @classmethod
    def _weekdays(cls, v: tuple[int, ...]) -> tuple[int, ...]:
        if not v or any(d < 1 or d > 7 for d in v):
            raise ValueError("visit_days 须是 1（周一）到 7（周日）之间的数字，至少一个")
        return tuple(sorted(set(v)))

    @field_validator("focus_followup_mode", "call_mode")
    @classmethod
    def _a_form_mode(cls, v: str, info: ValidationInfo) -> str:
        modes = _visit_modes(info)
        if v not in modes.option_values:
            raise ValueError(f"“{v}”不是表单“{modes.label}”的选项（可用：{'、'.join(modes.option_values)}）")
        return v

    @field_validator("visit_time")
    @classmethod
    def _clock(cls, v: str) -> str:
        if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", v):
            raise ValueError("visit_time 须写成 时:分，如 18:30")
        return v


class Policy(_Frozen):
    model_config = ConfigDict(frozen=True, extra="forbid")

    school: School
    school_year: Period
    semesters: tuple[Period, ...]
    special_groups: tuple[SpecialGroup, ...]
    quotas: tuple[Quota, ...] = ()
    coverage: Coverage = Field(default_factory=dict, validate_default=True)
    deadlines: Deadlines = Deadlines()
    retention_years: int = Field(3, ge=1)
    plan: PlanRules = PlanRules()

    @model_validator(mode="after")
    def _plan_groups_known(self) -> Policy:
        """Groups the plan settings name must be the profile's; the defaults (seed 003's names)
        keep only those this profile has, so a profile without a ``plan:`` block still loads."""
        known = {g.name for g in self.special_groups}
        kept: dict[str, tuple[str, ...]] = {}
        for key in ("two_teacher_groups", "focus_groups"):
            named = getattr(self.plan, key)
            unknown = [g for g in named if g not in known]
            if unknown and key in self.plan.model_fields_set:
                raise ValueError(f"plan.{key} 中的“{'、'.join(unknown)}”不是本配置的特殊群体（可用：{'、'.join(sorted(known))}）")
            kept[key] = tuple(g for g in named if g in known)
        return self.model_copy(update={"plan": self.plan.model_copy(update=kept)})

    @model_validator(mode="after")
    def _semesters_inside_year(self) -> Policy:
        for s in self.semesters:
            if s.start < self.school_year.start or s.end > self.school_year.end:
                raise ValueError(f"学期 {s.name} 不在学年 {self.school_year.name} 之内")
        return self

    @cached_property
    def _group_lookup(self) -> dict[str, str]:
        lookup = {}
        for g in self.special_groups:
            for name in (g.name, *g.aliases):
                lookup[name] = g.name
        return lookup

    def canonical_group(self, name: str) -> str | None:
        """The profile's name for a special group written as ``name`` (or None if unknown)."""
        return self._group_lookup.get(name.strip())

    def group(self, name: str) -> SpecialGroup:
        return next(g for g in self.special_groups if g.name == name)

    def semester_of(self, day: dt.date) -> Period | None:
        return next((s for s in self.semesters if s.contains(day)), None)

    def quota_for(self, role: str) -> int | None:
        return next((q.visits_per_year for q in self.quotas if q.role == role), None)


def load_policy(path: Path | None = None, *, form: FormDef | None = None) -> Policy:
    """Load and validate a policy profile; the sample school's profile when ``path`` is None.
    Mode names are checked against ``form`` (the shipped record form unless given)."""
    path = path or samples_dir() / "policy.yaml"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyError(f"{path}: 无法读取政策配置文件：{exc.strerror}") from exc
    return parse_policy(text, str(path), form=form)


def parse_policy(text: str, source: str, *, form: FormDef | None = None) -> Policy:
    """Validate the profile in ``text`` (YAML) by the same schema as the file; ``source``
    names it in the PolicyError raised when something is wrong."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第 {mark.line + 1} 行第 {mark.column + 1} 列附近" if mark is not None else ""
        raise PolicyError(f"{source}: {where}不是有效的 YAML：请检查缩进、冒号和括号。") from exc
    except ValueError as exc:  # yaml's date constructor: 2025-13-01 looks like a date but is none
        raise PolicyError(f"{source}: 有不存在的日期：请按 YYYY-MM-DD 写出真实的日期（月 1–12，日不超过当月天数）。") from exc
    try:
        return Policy.model_validate(raw, context={"form": form})
    except ValidationError as exc:
        problems = "；".join(f"{'.'.join(str(p) for p in e['loc'])}: {_error_text(e)}" for e in exc.errors())
        raise PolicyError(f"{source}: 政策配置有误：{problems}") from exc


# pydantic's own messages are English; the ones a clerk editing the profile meets most often, in Chinese.
_PYDANTIC_TEXTS = {
    "missing": "缺少此项",
    "extra_forbidden": "不认识的项（拼写有误，或不属于这里）",
    "int_parsing": "须为整数",
    "int_type": "须为整数",
    "string_type": "须为文字",
    "date_from_datetime_parsing": "须为日期，如 2025-09-01",
    "date_parsing": "须为日期，如 2025-09-01",
    "date_type": "须为日期，如 2025-09-01",
    "greater_than_equal": "须不小于 {ge}",
    "model_type": "格式不对：这里须是若干“名称: 值”",
    "tuple_type": "格式不对：这里须是一个列表",
}


def _error_text(error: ErrorDetails) -> str:
    # Our validators speak Chinese; pydantic would prefix them with "Value error, ".
    if error["type"] == "value_error":
        return str(error["ctx"]["error"])
    text = _PYDANTIC_TEXTS.get(error["type"])
    return text.format(**error.get("ctx", {})) if text else error["msg"]


def _visit_modes(info: ValidationInfo) -> FieldDef:
    """The visit_mode field of the form the profile is checked against."""
    form = (info.context or {}).get("form") or load_form(VISIT_FORM)
    field = form.with_role("visit_mode")
    if field is None:
        raise ValueError(f"表单 {form.id} 没有标明 role: visit_mode 的字段，无法核对家访方式")
    return field
