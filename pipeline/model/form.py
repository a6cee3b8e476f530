"""The form model: frozen dataclasses loaded once from ``forms/*.yaml``.

A form file states what a person designs (fields, kinds, boxes, options) and what fields and
options mean (``role``, ``outward``, ``counts_as``); everything a renderer or reader needs
beyond that (label and value areas, comb cells, option boxes, guide-line bands, markers, QR
box) is derived here, once, so print and read never disagree. The file is validated strictly
first (pipeline.model.form_file). No stage attaches behaviour to these classes; reports and
archives ask a form for the field with a role (:meth:`FormDef.with_role`), never for an id.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from pipeline import defs
from pipeline.errors import FormDefinitionError
from pipeline.model.form_file import (
    CHOICE_KINDS,
    COMB_KINDS,
    FIELD_ROLES,
    KINDS,
    OPTION_MEANINGS,
    OUTWARD_FLAGS,
    PREFILL_SOURCES,
    FieldSpec,
    FormSpec,
    display_name,
    read_form_file,
)
from pipeline.resources import forms_dir

__all__ = [
    "BOXED_LABEL_KINDS",
    "CHOICE_KINDS",
    "COMB_KINDS",
    "FIELD_ROLES",
    "KINDS",
    "OPTION_MEANINGS",
    "OUTWARD_FLAGS",
    "PREFILL_SOURCES",
    "Box",
    "FieldDef",
    "FormDef",
    "Marker",
    "Option",
    "PageDef",
    "Separator",
    "StaticText",
    "comb_geometry",
    "form_from_file",
    "form_ids",
    "line_bands",
    "load_form",
    "option_geometry",
    "page_markers",
    "qr_box",
    "qr_side_mm",
]

V = TypeVar("V")

BOXED_LABEL_KINDS = ("multiline", "signature")  # label sits in a band at the top of the box

# A comb pattern: "D" is one digit cell, any other character is printed between cells.
DEFAULT_PATTERNS = {
    "date": "DDDD年DD月DD日",
    "time_range": "DD:DD—DD:DD",
    "phone": "D" * 11,
}


@dataclass(frozen=True)
class Box:
    """An axis-aligned rectangle in mm, origin at the page's top-left."""

    x: float
    y: float
    w: float
    h: float

    def as_list(self) -> list[float]:
        return [round(self.x, 3), round(self.y, 3), round(self.w, 3), round(self.h, 3)]

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h

    def contains(self, x: float, y: float, tolerance: float = 0.0) -> bool:
        return (
            self.x - tolerance <= x <= self.right + tolerance
            and self.y - tolerance <= y <= self.bottom + tolerance
        )

    def united(self, other: Box) -> Box:
        """The smallest box holding this one and ``other``."""
        x, y = min(self.x, other.x), min(self.y, other.y)
        return Box(x, y, max(self.right, other.right) - x, max(self.bottom, other.bottom) - y)


@dataclass(frozen=True)
class Option:
    value: str
    box: Box  # the checkbox square
    label_at: tuple[float, float]  # mm, where the option's label text starts (baseline left)
    counts_as: str | None = None  # what the option means to reports (OPTION_MEANINGS)


@dataclass(frozen=True)
class Separator:
    text: str
    box: Box


@dataclass(frozen=True)
class FieldDef:
    id: str
    label: str
    kind: str
    page: int
    box: Box
    label_box: Box
    value_box: Box
    prefill: str | None = None
    required: bool = False
    role: str | None = None  # what the field means to reports and archives (FIELD_ROLES)
    outward: str = "shown"  # shown / masked / withheld in documents leaving the school
    rules: tuple[tuple[str, Any], ...] = ()
    hint: str = ""
    options: tuple[Option, ...] = ()
    cells: tuple[Box, ...] = ()
    separators: tuple[Separator, ...] = ()
    lines: tuple[Box, ...] = ()  # guide-line bands of multi-line boxes, top to bottom

    @property
    def option_values(self) -> tuple[str, ...]:
        return tuple(o.value for o in self.options)

    def option_meaning(self, meaning: str) -> str | None:
        """The value of the option declared ``counts_as: meaning`` (None when none is)."""
        return next((o.value for o in self.options if o.counts_as == meaning), None)

    @property
    def withheld(self) -> bool:
        """Left out of outward documents unless sensitive content is asked for."""
        return self.outward == "withheld"

    @property
    def masked(self) -> bool:
        """A number outward documents show only the last digits of (and blank on a scan)."""
        return self.outward == "masked"

    @property
    def fillable(self) -> bool:
        """True when a teacher writes this field (it is not printed from the roster)."""
        return self.prefill is None

    def rule(self, name: str, default: Any = None) -> Any:
        return dict(self.rules).get(name, default)

    @property
    def cell_groups(self) -> tuple[int, ...]:
        """Sizes of the runs of adjacent comb cells (a date's 4, 2, 2), split where a printed
        separator sits between cells."""
        sizes: list[int] = []
        for i, cell in enumerate(self.cells):
            if i and cell.x - self.cells[i - 1].right <= defs.CELL_GAP + 1e-6:
                sizes[-1] += 1
            else:
                sizes.append(1)
        return tuple(sizes)


@dataclass(frozen=True)
class StaticText:
    text: str
    x: float
    y: float  # baseline, mm from the top
    size: float
    bold: bool = False
    align: str = "left"


@dataclass(frozen=True)
class Marker:
    id: int
    box: Box

    @property
    def center(self) -> tuple[float, float]:
        return (self.box.x + self.box.w / 2, self.box.y + self.box.h / 2)


@dataclass(frozen=True)
class PageDef:
    number: int
    fields: tuple[FieldDef, ...]
    texts: tuple[StaticText, ...]
    content_boxes: tuple[Box, ...]  # regions for generated guidance text (the outline)
    markers: tuple[Marker, ...]
    qr_box: Box
    footer_box: Box


@dataclass(frozen=True)
class FormDef:
    id: str
    title: str
    version: int
    page_size: tuple[float, float]
    pages: tuple[PageDef, ...]
    description: str = ""
    layout_hash: str = field(default="", compare=False)

    @property
    def fields(self) -> tuple[FieldDef, ...]:
        return tuple(f for p in self.pages for f in p.fields)

    @property
    def page_count(self) -> int:
        return len(self.pages)

    def field(self, field_id: str) -> FieldDef:
        for f in self.fields:
            if f.id == field_id:
                return f
        raise KeyError(f"form {self.id!r} has no field {field_id!r}")

    def with_role(self, role: str) -> FieldDef | None:
        """The field declared ``role: role`` (roles are unique within a form), None if none is."""
        if role not in FIELD_ROLES:
            raise KeyError(f"unknown field role {role!r}")
        return next((f for f in self.fields if f.role == role), None)

    def by_role(self, values: Mapping[str, V], role: str) -> V | None:
        """The entry of ``values`` (keyed by field id, e.g. a record's fields) for the field
        declared ``role``; None when the form has no such field or ``values`` no entry."""
        field = self.with_role(role)
        return values.get(field.id) if field else None


def form_ids() -> list[str]:
    """Ids of the forms shipped in ``forms/``, in file-name order."""
    return sorted(p.stem for p in forms_dir().glob("*.yaml"))


@cache
def load_form(form_id: str) -> FormDef:
    """Load and derive one form definition by id (``record``, ``outline``, ``memo``)."""
    path = forms_dir() / f"{form_id}.yaml"
    if not path.is_file():
        raise FormDefinitionError(
            f"没有名为 {form_id!r} 的表单定义（可用：{', '.join(form_ids())}）"
        )
    return form_from_file(path)


def form_from_file(path: Path) -> FormDef:
    """Validate one YAML form file and build its :class:`FormDef` with all derived geometry."""
    spec = read_form_file(path)
    try:
        form = _form_from_spec(spec)
    except ValueError as exc:
        raise FormDefinitionError(f"{display_name(path)}：表单定义有误：{exc}") from exc
    return FormDef(**{**form.__dict__, "layout_hash": layout_hash(form)})


def layout_hash(form: FormDef) -> str:
    """Hash of everything a reader depends on: ids, kinds, boxes, cells, options (not labels)."""
    geometry = [
        {
            "page": p.number,
            "size": list(form.page_size),
            "markers": [m.box.as_list() for m in p.markers],
            "qr": p.qr_box.as_list(),
            "fields": [
                {
                    "id": f.id,
                    "kind": f.kind,
                    "box": f.box.as_list(),
                    "value": f.value_box.as_list(),
                    "cells": [c.as_list() for c in f.cells],
                    "options": [[o.value, o.box.as_list()] for o in f.options],
                    "lines": [b.as_list() for b in f.lines],
                }
                for f in p.fields
            ],
        }
        for p in form.pages
    ]
    blob = json.dumps([form.id, geometry], sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(blob).hexdigest()[:8].upper()


def _form_from_spec(spec: FormSpec) -> FormDef:
    width, height = spec.page_size_mm
    pages = tuple(
        PageDef(
            number=number,
            fields=tuple(_field_from_spec(f, page=number) for f in p.fields),
            texts=tuple(
                StaticText(t.text, t.at[0], t.at[1], t.size or defs.LABEL_FONT_SIZE, t.bold, t.align) for t in p.texts
            ),
            content_boxes=tuple(Box(*b) for b in p.content_boxes),
            markers=page_markers((width, height)),
            qr_box=qr_box((width, height)),
            footer_box=Box(*defs.FOOTER_BOX),
        )
        for number, p in enumerate(spec.pages, start=1)
    )
    return FormDef(
        id=spec.form,
        title=spec.title,
        version=spec.version,
        page_size=(width, height),
        pages=pages,
        description=spec.description,
    )


def _field_from_spec(spec: FieldSpec, *, page: int) -> FieldDef:
    box = Box(*spec.box)
    label_box, value_box = _split_label(box, spec.kind, spec.label_width or defs.LABEL_WIDTH)
    base: dict[str, Any] = dict(
        id=spec.id,
        label=spec.label,
        kind=spec.kind,
        page=page,
        box=box,
        label_box=label_box,
        value_box=value_box,
        prefill=spec.prefill,
        required=spec.required,
        role=spec.role,
        outward=spec.outward,
        rules=tuple(sorted(spec.rules.items())),
        hint=spec.hint,
    )
    if spec.kind in COMB_KINDS:
        pattern = spec.pattern or DEFAULT_PATTERNS.get(spec.kind) or "D" * (spec.cells or 0)
        cells, separators = comb_geometry(value_box, pattern)
        return FieldDef(**base, cells=cells, separators=separators)
    if spec.options is not None:
        values = [o.value for o in spec.options]
        placed = option_geometry(value_box, values, spec.columns or len(values))
        meanings = (o.counts_as for o in spec.options)
        return FieldDef(**base, options=tuple(replace(o, counts_as=m) for o, m in zip(placed, meanings, strict=True)))
    if spec.kind == "multiline":
        return FieldDef(**base, lines=line_bands(value_box, spec.line_pitch or defs.LINE_PITCH))
    return FieldDef(**base)


def _split_label(box: Box, kind: str, label_width: float) -> tuple[Box, Box]:
    """Split a field box into its printed label area and the area a value goes in."""
    if kind in BOXED_LABEL_KINDS:
        band = defs.LABEL_BAND
        return Box(box.x, box.y, box.w, band), Box(box.x, box.y + band, box.w, box.h - band)
    return (
        Box(box.x, box.y, label_width, box.h),
        Box(box.x + label_width, box.y, box.w - label_width, box.h),
    )


def comb_geometry(value_box: Box, pattern: str) -> tuple[tuple[Box, ...], tuple[Separator, ...]]:
    """Lay a comb pattern out left to right, vertically centred in the value area."""
    height = min(defs.CELL_HEIGHT, value_box.h - 2 * defs.PADDING)
    y = value_box.y + (value_box.h - height) / 2
    x = value_box.x + defs.PADDING
    cells: list[Box] = []
    separators: list[Separator] = []
    for char in pattern:
        if char == "D":
            cells.append(Box(x, y, defs.CELL_WIDTH, height))
            x += defs.CELL_WIDTH + defs.CELL_GAP
        else:
            width = defs.COLON_WIDTH if char == ":" else defs.SEPARATOR_WIDTH
            separators.append(Separator(char, Box(x, y, width, height)))
            x += width
    if x > value_box.right + 1e-6:
        raise ValueError(f"数字格 {pattern!r} 放不进 {value_box.w:.1f} mm 宽的区域")
    return tuple(cells), tuple(separators)


def option_geometry(value_box: Box, values: list[str], columns: int) -> tuple[Option, ...]:
    """Place checkbox options on a grid of ``columns`` columns filling the value area."""
    rows = math.ceil(len(values) / columns)
    col_w = value_box.w / columns
    row_h = value_box.h / rows
    side = defs.OPTION_BOX
    options = []
    for i, value in enumerate(values):
        row, col = divmod(i, columns)
        x = value_box.x + col * col_w + defs.PADDING
        y = value_box.y + row * row_h + (row_h - side) / 2
        options.append(Option(value, (box := Box(x, y, side, side)), option_label_at(box)))
    return tuple(options)


def option_label_at(box: Box) -> tuple[float, float]:
    """Where an option's printed label starts (left end of its baseline), beside its checkbox."""
    return (box.right + defs.OPTION_LABEL_GAP, box.y + box.h * defs.OPTION_LABEL_BASELINE)


def line_bands(value_box: Box, pitch: float) -> tuple[Box, ...]:
    """Writing bands of a multi-line box; each band's bottom edge is a printed guide line."""
    count = max(1, int((value_box.h - defs.PADDING) // pitch))
    return tuple(Box(value_box.x, value_box.y + i * pitch, value_box.w, pitch) for i in range(count))


def page_markers(page_size: tuple[float, float]) -> tuple[Marker, ...]:
    """Four ArUco markers, ids clockwise from top-left, inset from the paper edge."""
    w, h = page_size
    s, m = defs.MARKER_SIZE, defs.MARKER_INSET
    return (
        Marker(0, Box(m, m, s, s)),
        Marker(1, Box(w - m - s, m, s, s)),
        Marker(2, Box(w - m - s, h - m - s, s, s)),
        Marker(3, Box(m, h - m - s, s, s)),
    )


def qr_box(page_size: tuple[float, float]) -> Box:
    """Square reserved for the QR code, left of the top-right marker."""
    side = qr_side_mm()
    x = page_size[0] - defs.MARKER_INSET - defs.MARKER_SIZE - 3.0 - side
    return Box(x, defs.MARKER_INSET, side, side)


def qr_side_mm() -> float:
    """Printed QR side for a version-3 symbol (29 modules) plus its quiet zone."""
    return round((29 + 2 * defs.QR_BORDER_MODULES) * defs.QR_MODULE, 3)
