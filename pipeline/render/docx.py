"""Word output: one .docx per issued form, rendered from the form's docxtpl template.

Values are autoescaped (a value like "A&B <x>" stays literal text) and a tag the context
lacks is an error (StrictUndefined), never a silently empty control.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any, ClassVar

from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage
from jinja2 import Environment, StrictUndefined, Template, UndefinedError

from pipeline.errors import RenderError
from pipeline.identity import PagePayload, encode_payload
from pipeline.model.filled import FilledForm
from pipeline.model.form import qr_side_mm
from pipeline.atomic import atomic_write_bytes
from pipeline.render.docx_templates import template_path
from pipeline.render.qr import qr_png

__all__ = ["docx_context", "render_docx"]


MAX_CACHED_SOURCES = 64  # far more than forms × parts; bounds memory should sources vary


def _memo(store: dict[str, Any], source: str, make: Callable[[str], Any]) -> Any:
    """``make(source)``, computed once per distinct source text."""
    result = store.get(source)
    if result is None:
        if len(store) >= MAX_CACHED_SOURCES:
            store.clear()
        result = store[source] = make(source)
    return result


class _CompiledTemplates(Environment):
    """A jinja environment that compiles each template source once.

    docxtpl hands a part's whole XML to ``from_string`` on every render; for one form's
    template that source is the same every time, so its compiled form is kept.
    """

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._compiled: dict[str, Template] = {}

    def from_string(self, source: Any, globals: Any = None, template_class: Any = None) -> Template:
        if globals is not None or template_class is not None or not isinstance(source, str):
            return super().from_string(source, globals, template_class)
        return _memo(self._compiled, source, super().from_string)


class _FormTemplate(DocxTemplate):
    """docxtpl's template with its XML clean-up done once per template part.

    ``patch_xml`` (a dozen regex passes over the part's XML) depends on nothing but that XML,
    which is the same for every form rendered from one template; measured, it was 40% of
    the render time.
    """

    _patched: ClassVar[dict[str, str]] = {}

    def patch_xml(self, src_xml: str) -> str:
        return _memo(self._patched, src_xml, super().patch_xml)


_ENV = _CompiledTemplates(undefined=StrictUndefined, autoescape=True)


def render_docx(filled: FilledForm, out: Path) -> None:
    """Write the Word version of one issued form to ``out`` (atomically)."""
    template = _FormTemplate(io.BytesIO(_template_bytes(filled.form.id)))
    try:
        template.render(docx_context(filled, template), jinja_env=_ENV)
    except UndefinedError as exc:
        who = filled.owner or filled.form_id
        raise RenderError(
            f"{who} 的{filled.form.title}（模板 {filled.form.id}.docx）缺少数据：{exc}。"
            f"请补全花名册中的对应信息；若表单定义改过，请运行 jiafang forms build-docx-templates"
        ) from exc
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    template.docx.core_properties.created = template.docx.core_properties.modified = now
    buffer = io.BytesIO()
    template.save(buffer)
    atomic_write_bytes(out, buffer.getvalue())


def docx_context(filled: FilledForm, template: DocxTemplate) -> dict[str, Any]:
    """The jinja context of a form's template: title, ids, pre-filled values, QR, outline."""
    payload = PagePayload(filled.school_code, filled.form_id, 1, filled.form.page_count, filled.form.layout_hash)
    qr = InlineImage(template, io.BytesIO(qr_png(encode_payload(payload))), width=Mm(qr_side_mm()))
    context: dict[str, Any] = {
        "title": filled.title,
        "form_id": filled.form_id,
        "values": dict(filled.values),
        "qr": qr,
    }
    if filled.outline is not None:
        context["outline"] = filled.outline
    return context


@cache
def _template_bytes(form_id: str) -> bytes:
    """The template file, read once per process (rendering re-opens it from memory)."""
    path = template_path(form_id)
    if not path.is_file():
        raise RenderError(f"找不到 Word 模板 {path}：请运行 jiafang forms build-docx-templates 生成模板")
    return path.read_bytes()
