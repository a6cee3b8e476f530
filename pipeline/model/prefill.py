"""Pre-filled values: what the roster prints into each field that names a ``prefill`` source."""

from __future__ import annotations

from typing import Any

from pipeline.model.form import FormDef
from pipeline.model.people import Student


def prefill_values(form: FormDef, student: Student, *, school_name: str, form_id: str) -> dict[str, str]:
    """Values by field id for every pre-filled field of ``form``.

    A prefill source is a dotted path (``student.name``, ``school.name``, ``form.id``); the
    vocabulary is ``pipeline.model.form.PREFILL_SOURCES``, checked when forms are loaded.
    """
    scope: dict[str, Any] = {"form": {"id": form_id}, "school": {"name": school_name}, "student": student}
    return {f.id: _resolve(scope, f.prefill) for f in form.fields if f.prefill is not None}


def _resolve(scope: dict[str, Any], path: str) -> str:
    head, attr = path.split(".", 1)
    obj = scope[head]
    value = obj[attr] if isinstance(obj, dict) else getattr(obj, attr)
    return str(value or "")
