"""The policy profile: the locality's rules, kept in YAML because quotas differ by place.

Special-group vocabulary, school-year and semester dates, quotas by role, coverage rules and
deadlines all come from here, never from code.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cached_property
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from pipeline.errors import PolicyError
from pipeline.resources import samples_dir

ROLES = ("校长", "副校长", "中层", "班主任", "科任")
VISIT_MODES = ("入户走访", "电话", "视频(线上)", "邀请来校", "书面联系")


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
    home_visit_mode: str = "入户走访"
    every_student_per: str = "school_year"
    special_group_per: str = "semester"

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


class Policy(_Frozen):
    model_config = ConfigDict(frozen=True, extra="forbid")

    school: School
    school_year: Period
    semesters: tuple[Period, ...]
    special_groups: tuple[SpecialGroup, ...]
    quotas: tuple[Quota, ...] = ()
    coverage: Coverage = Coverage()
    deadlines: Deadlines = Deadlines()
    retention_years: int = Field(3, ge=1)

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


def load_policy(path: Path | None = None) -> Policy:
    """Load and validate a policy profile; the sample school's profile when ``path`` is None."""
    path = path or samples_dir() / "policy.yaml"
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PolicyError(f"{path}: 无法读取政策配置文件：{exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise PolicyError(f"{path}: 不是有效的 YAML：{exc}") from exc
    try:
        return Policy.model_validate(raw)
    except ValidationError as exc:
        problems = "；".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise PolicyError(f"{path}: 政策配置有误：{problems}") from exc
