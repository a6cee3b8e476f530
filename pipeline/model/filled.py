"""What a renderer receives: one issued form with its pre-filled values (and outline text)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from pipeline.model.form import FormDef


BULLET = "•"  # before each item of an outline, printed and in Word


@dataclass(frozen=True)
class OutlineSection:
    heading: str  # e.g. "一、核心目标"
    items: tuple[str, ...]  # one paragraph or bullet each


@dataclass(frozen=True)
class OutlineContent:
    """Guidance text of a 访谈提纲, chosen from the student's categories."""

    categories: tuple[str, ...]  # outline blocks used, e.g. ("普访", "留守")
    sections: tuple[OutlineSection, ...]


@dataclass(frozen=True)
class FilledForm:
    """One issued form ready to print or write: definition, identity and pre-filled values."""

    form: FormDef
    form_id: str
    school_code: str
    title: str  # printed heading, e.g. "青禾市明德实验学校 家访记录表"
    values: Mapping[str, str] = field(default_factory=dict)  # pre-filled values by field id
    outline: OutlineContent | None = None
    owner: str = ""  # who the form is for, used in error messages ("七年级(1)班 张三")
