"""Reading a ``forms/*.yaml`` file strictly: the schema of what a person may write, with errors
that name the file, the line and what to do.

A typo in a form file is not harmless: ``sensitve: true`` that loads silently sends a field
into outward packets. So every mapping has a closed set of keys (pydantic ``extra="forbid"``),
every value its type (``strict``), and every error is told in Chinese with the line the YAML
node started on. :mod:`pipeline.model.form` builds the frozen dataclasses from the validated
:class:`FormSpec`; nothing else reads these models.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any

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

from pipeline.errors import FormDefinitionError

KINDS = (
    "text",
    "multiline",
    "date",
    "time_range",
    "phone",
    "digits",
    "single_choice",
    "multi_choice",
    "signature",
)
COMB_KINDS = ("date", "time_range", "phone", "digits")
CHOICE_KINDS = ("single_choice", "multi_choice")

PREFILL_SOURCES = (
    "form.id",
    "school.name",
    "student.class_name",
    "student.name",
    "student.student_no",
    "student.gender",
    "student.guardian_name",
    "student.guardian_relation",
    "student.phone",
    "student.address",
)

# What a field means to reports, the ledger, dossiers and privacy, with the kinds that can
# carry it (a report reads one option from a visit_mode, a date from a visit_date …).
FIELD_ROLES: Mapping[str, tuple[str, ...]] = {
    "student": ("text",),  # the student's name as printed on the form
    "school": ("text",),
    "visit_date": ("date",),
    "visit_time": ("time_range",),
    "visit_mode": ("single_choice",),
    "visit_type": ("single_choice",),
    "place": ("text",),
    "teachers": ("text",),
    "interviewee": ("text",),
    "topics": ("multi_choice",),
    "problems": ("text", "multiline"),  # 发现的问题: the ledger's items
    "four_measures": ("multi_choice",),  # 四措施
    "followup_due": ("date",),
    "teacher_signature": ("signature",),
    "parent_signature": ("signature",),
}
# What an option means to the reports (``counts_as``), and the role of the field it belongs on.
OPTION_MEANINGS: Mapping[str, str] = {
    "home_visit": "visit_mode",  # 入户: counts for the home-visit coverage and rate
    "followup": "visit_type",  # 回访: closes a ledger item whenever it happened
}
# shown: as written; masked: numbers masked and the box greyed on scan images;
# withheld: left out of anything leaving the school unless sensitive content is asked for.
OUTWARD_FLAGS = ("shown", "masked", "withheld")

# Keys that only some kinds of field may carry.
_KIND_KEYS: Mapping[str, tuple[str, ...]] = {
    "options": CHOICE_KINDS,
    "columns": CHOICE_KINDS,
    "pattern": COMB_KINDS,
    "cells": ("digits",),
    "line_pitch": ("multiline",),
}

Box4 = Annotated[list[float], Field(min_length=4, max_length=4)]
Point = Annotated[list[float], Field(min_length=2, max_length=2)]


def _one_of(value: str | None, allowed: Sequence[str], what: str) -> str | None:
    if value is not None and value not in allowed:
        raise ValueError(f"未知的{what}“{value}”（可用：{'、'.join(allowed)}）")
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class OptionSpec(_Strict):
    value: str
    counts_as: str | None = None

    @field_validator("counts_as")
    @classmethod
    def _known_meaning(cls, v: str | None) -> str | None:
        return _one_of(v, tuple(OPTION_MEANINGS), "选项含义")


class FieldSpec(_Strict):
    id: str
    label: str
    kind: str
    box: Box4
    prefill: str | None = None
    required: bool = False
    role: str | None = None
    outward: str = "shown"
    rules: dict[str, Any] = {}
    hint: str = ""
    label_width: float | None = Field(None, gt=0)
    pattern: str | None = None
    cells: int | None = Field(None, ge=1)
    options: list[OptionSpec] | None = Field(None, min_length=1)
    columns: int | None = Field(None, ge=1)
    line_pitch: float | None = Field(None, gt=0)

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, v: str) -> str:
        return _one_of(v, KINDS, "类型") or v

    @field_validator("prefill")
    @classmethod
    def _known_prefill(cls, v: str | None) -> str | None:
        return _one_of(v, PREFILL_SOURCES, "预填来源")

    @field_validator("role")
    @classmethod
    def _known_role_of_the_kind(cls, v: str | None, info: ValidationInfo) -> str | None:
        _one_of(v, tuple(FIELD_ROLES), "字段角色")
        kind = info.data.get("kind")
        if v is not None and kind is not None and kind not in FIELD_ROLES[v]:
            raise ValueError(f"角色 {v} 须用于 {'、'.join(FIELD_ROLES[v])} 类型的字段，不能用于 {kind}")
        return v

    @field_validator("outward")
    @classmethod
    def _known_outward(cls, v: str) -> str:
        return _one_of(v, OUTWARD_FLAGS, "对外标记") or v

    @field_validator("options", mode="before")
    @classmethod
    def _plain_options(cls, v: Any) -> Any:
        # A plain option is just its text; one with a meaning is a mapping.
        return [{"value": o} if isinstance(o, str) else o for o in v] if isinstance(v, list) else v

    @field_validator("options")
    @classmethod
    def _meanings_fit_the_role(cls, v: list[OptionSpec], info: ValidationInfo) -> list[OptionSpec]:
        if "role" not in info.data:
            return v  # the role itself is wrong and already reported
        seen: set[str] = set()
        for o in v:
            if o.counts_as is None:
                continue
            if OPTION_MEANINGS[o.counts_as] != info.data.get("role"):
                raise ValueError(f"选项“{o.value}”的 counts_as: {o.counts_as} 只能用在角色为 {OPTION_MEANINGS[o.counts_as]} 的字段上")
            if o.counts_as in seen:
                raise ValueError(f"counts_as: {o.counts_as} 只能标在一个选项上")
            seen.add(o.counts_as)
        return v

    @field_validator("options", "columns", "pattern", "cells", "line_pitch")
    @classmethod
    def _key_fits_the_kind(cls, v: Any, info: ValidationInfo) -> Any:
        kind = info.data.get("kind")
        if kind is not None and kind not in _KIND_KEYS[str(info.field_name)]:
            raise ValueError(f"{kind} 类型的字段不能写这个键（只有 {'、'.join(_KIND_KEYS[str(info.field_name)])} 类型可以）")
        return v

    @model_validator(mode="after")
    def _kind_has_its_keys(self) -> FieldSpec:
        if self.kind in CHOICE_KINDS and self.options is None:
            raise ValueError("单选、多选字段须写 options（选项列表）")
        if self.kind == "digits" and self.pattern is None and self.cells is None:
            raise ValueError("digits 类型的字段须写 cells（格数）或 pattern")
        return self


class TextSpec(_Strict):
    text: str
    at: Point
    size: float | None = Field(None, gt=0)
    bold: bool = False
    align: str = "left"

    @field_validator("align")
    @classmethod
    def _known_align(cls, v: str) -> str:
        return _one_of(v, ("left", "center", "right"), "对齐方式") or v


class PageSpec(_Strict):
    fields: list[FieldSpec] = []
    texts: list[TextSpec] = []
    content_boxes: list[Box4] = []


class FormSpec(_Strict):
    form: str
    title: str
    version: int = Field(ge=1)
    description: str = ""
    page_size_mm: Point
    pages: list[PageSpec] = Field(min_length=1)


# The model a mapping at a location is checked against, by the list it sits in.
_MODELS: Mapping[str, type[BaseModel]] = {"pages": PageSpec, "fields": FieldSpec, "texts": TextSpec, "options": OptionSpec}
# How a message names an item of each list: (where its list sits, 1-based number, field id).
_THINGS: Mapping[str, Callable[[str, int, str | None], str]] = {
    "pages": lambda _up, n, _id: f"第 {n} 页",
    "fields": lambda up, n, fid: f"字段 {fid}" if fid else f"{up} 的第 {n} 个字段",
    "texts": lambda up, n, _id: f"{up} 的第 {n} 条文字",
    "content_boxes": lambda up, n, _id: f"{up} 的第 {n} 个内容区",
    "options": lambda up, n, _id: f"{up} 的第 {n} 个选项",
}
_TYPE_NAMES = {
    "string_type": "文字",
    "int_type": "整数",
    "int_from_float": "整数",
    "float_type": "数字",
    "bool_type": " true 或 false",
    "list_type": "列表（[…]）",
    "dict_type": "映射（键: 值）",
    "model_type": "映射（键: 值）",
}
_FIX = "请改正后再运行。"


def read_form_file(path: Path) -> FormSpec:
    """Parse and validate one form file; FormDefinitionError naming file and line otherwise."""
    name = display_name(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or "不是 UTF-8 文本"
        raise FormDefinitionError(f"{name}：无法读取表单定义文件（{reason}）：请检查文件是否存在、能否打开、是否以 UTF-8 保存。") from exc
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" 第 {mark.line + 1} 行" if mark is not None else ""
        raise FormDefinitionError(f"{name}{where}：YAML 格式有误，请检查缩进、冒号和括号。") from exc
    if not isinstance(raw, dict) or node is None:
        raise FormDefinitionError(f"{name}：表单定义应是一个映射（form: …、title: …、pages: …）。{_FIX}")
    lines = node_lines(node)
    try:
        spec = FormSpec.model_validate(raw)
    except ValidationError as exc:
        messages = [_message(e, raw, lines, name) for e in exc.errors()]
        raise FormDefinitionError("\n".join(messages)) from exc
    problems = _form_problems(spec, lines, name)
    if problems:
        raise FormDefinitionError("\n".join(problems))
    return spec


def display_name(path: Path) -> str:
    """How messages name a form file: ``forms/record.yaml`` for the shipped ones."""
    from pipeline.resources import forms_dir

    return f"forms/{path.name}" if path.parent.resolve() == forms_dir().resolve() else str(path)


def node_lines(node: yaml.Node, path: tuple[str | int, ...] = ()) -> dict[tuple[str | int, ...], int]:
    """The 1-based line of every mapping key and sequence item under ``node``, by its path."""
    lines = {path: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            lines.update(node_lines(value, (*path, key.value)))
            lines[(*path, key.value)] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines.update(node_lines(item, (*path, i)))
    return lines


def _line_of(loc: Sequence[str | int], lines: Mapping[tuple[str | int, ...], int]) -> int:
    for end in range(len(loc), -1, -1):
        if tuple(loc[:end]) in lines:
            return lines[tuple(loc[:end])]
    return 1


def _message(error: ErrorDetails, raw: Mapping[str, Any], lines: Mapping[tuple[str | int, ...], int], name: str) -> str:
    loc = error["loc"]
    kind = error["type"]
    at = _thing_path(loc)
    rest = loc[len(at) :]
    # A model-level check (kind-specific keys) has no key of its own.
    key = str(rest[0]) if rest and isinstance(rest[0], str) else ""
    head = f"{name} 第 {_line_of(loc, lines)} 行：{_where(at, raw)}"
    if kind == "extra_forbidden":
        allowed = "、".join(_model_at(at).model_fields)
        return f"{head}有未知的键“{key}”（可用的键：{allowed}）。请改正拼写或删去这个键。"
    if kind == "missing":
        return f"{head}缺少键“{key}”。请补上。"
    subject = f"{head}的“{key}”" if key else head.rstrip()
    ctx = error.get("ctx", {})
    if kind == "value_error":
        return f"{subject}：{ctx.get('error', '')}。{_FIX}"
    if kind in _TYPE_NAMES:
        return f"{subject}应为{_TYPE_NAMES[kind]}，现在是 {error['input']!r}。{_FIX}"
    if kind in ("too_short", "too_long"):
        size = ctx.get("min_length") if kind == "too_short" else ctx.get("max_length")
        return f"{subject}应有{'至少' if kind == 'too_short' else '至多'} {size} 项，现在有 {ctx.get('actual_length')} 项。{_FIX}"
    if kind in ("greater_than", "greater_than_equal"):
        bound = ctx.get("gt", ctx.get("ge"))
        return f"{subject}应{'大于' if kind == 'greater_than' else '不小于'} {bound}，现在是 {error['input']!r}。{_FIX}"
    return f"{subject}的值 {error['input']!r} 不符合要求。{_FIX}"


def _thing_path(loc: Sequence[str | int]) -> tuple[str | int, ...]:
    """The part of an error location that names a thing in the file (a page, a field, an
    option …): the run of (list name, index) pairs; what follows is a key inside it."""
    end = 0
    while end + 1 < len(loc) and loc[end] in _THINGS and isinstance(loc[end + 1], int):
        end += 2
    return tuple(loc[:end])


def _where(at: Sequence[str | int], raw: Mapping[str, Any]) -> str:
    """The thing at ``at`` as a person finds it in the file: 字段 mode, 第 2 页 …"""
    node: Any = raw
    where = "表单"
    for i in range(0, len(at), 2):
        parent, index = str(at[i]), int(at[i + 1])
        items = node.get(parent) if isinstance(node, Mapping) else None
        node = items[index] if isinstance(items, list) and index < len(items) else None
        field_id = node.get("id") if isinstance(node, Mapping) else None
        where = _THINGS[parent](where, index + 1, field_id)
    return f"{where} "


def _model_at(at: Sequence[str | int]) -> type[BaseModel]:
    return _MODELS[str(at[-2])] if at else FormSpec


def _form_problems(spec: FormSpec, lines: Mapping[tuple[str | int, ...], int], name: str) -> list[str]:
    """Checks across fields: ids and roles are unique within a form."""
    problems = []
    first: dict[tuple[str, str], tuple[str, int]] = {}  # ("id"|"role", value) -> (field id, line)
    for p, page in enumerate(spec.pages):
        for i, f in enumerate(page.fields):
            for key, value in (("id", f.id), ("role", f.role)):
                if value is None:
                    continue
                line = lines.get(("pages", p, "fields", i, key), 1)
                if (key, value) in first:
                    other, other_line = first[(key, value)]
                    problems.append(
                        f"{name} 第 {line} 行：字段 {f.id} 的 {key} “{value}”已用在字段 {other}（第 {other_line} 行）上。"
                        f"一个表单里每个 {key} 只能出现一次，请改正其中一处。"
                    )
                first.setdefault((key, value), (f.id, line))
    return problems
