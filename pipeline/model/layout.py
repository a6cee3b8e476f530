"""The layout contract: a form's geometry as JSON (the layout hash itself lives with the form model).

The JSON shape is a public contract (later stages and outside tools read it); keys beyond the
contract (``label_box_mm``, ``value_box_mm``, ``lines_mm``, ``separators``, ``role``,
``outward``, an option's ``counts_as``) are additions. Roles, outward flags and option
meanings are not geometry: the layout hash leaves them out, so declaring them never orphans
a printed page.
"""

from __future__ import annotations

from typing import Any

from pipeline.model.form import Box, FieldDef, FormDef, Marker, Option, PageDef, Separator, layout_hash, option_label_at

__all__ = ["as_printed", "field_dict", "form_from_layout", "layout_dict", "layout_hash"]


def layout_dict(form: FormDef) -> dict[str, Any]:
    """The layout contract for ``form`` (origin top-left, mm)."""
    return {
        "form": form.id,
        "title": form.title,
        "version": form.version,
        "layout_hash": form.layout_hash,
        "page_size_mm": list(form.page_size),
        "pages": [_page_dict(p) for p in form.pages],
    }


def _page_dict(page: PageDef) -> dict[str, Any]:
    return {
        "page": page.number,
        "markers": [
            {"id": m.id, "box_mm": m.box.as_list(), "center_mm": [round(c, 3) for c in m.center]}
            for m in page.markers
        ],
        "qr_box_mm": page.qr_box.as_list(),
        "form_id_box_mm": page.footer_box.as_list(),
        "content_boxes_mm": [b.as_list() for b in page.content_boxes],
        "fields": [field_dict(f) for f in page.fields],
    }


def field_dict(f: FieldDef) -> dict[str, Any]:
    """One field of the layout contract."""
    out: dict[str, Any] = {
        "id": f.id,
        "kind": f.kind,
        "label": f.label,
        "box_mm": f.box.as_list(),
        "label_box_mm": f.label_box.as_list(),
        "value_box_mm": f.value_box.as_list(),
        "prefill": f.prefill,
        "required": f.required,
        "role": f.role,
        "outward": f.outward,
    }
    if f.cells:
        out["cells_mm"] = [c.as_list() for c in f.cells]
        out["separators"] = [{"text": s.text, "box_mm": s.box.as_list()} for s in f.separators]
    if f.options:
        out["options"] = [
            {"value": o.value, "box_mm": o.box.as_list(), **({"counts_as": o.counts_as} if o.counts_as else {})}
            for o in f.options
        ]
    if f.lines:
        out["lines_mm"] = [b.as_list() for b in f.lines]
    return out


def as_printed(current: FormDef, printed_hash: str, layout: dict[str, Any] | None) -> FormDef:
    """The form as a copy was printed from the layout ``printed_hash``: ``current`` when that is
    its layout (or the layout was never stored), else the stored ``layout`` rebuilt."""
    if printed_hash == current.layout_hash or layout is None:
        return current
    return form_from_layout(layout, current)


def form_from_layout(layout: dict[str, Any], current: FormDef) -> FormDef:
    """Rebuild a form from a stored layout (a page printed from an older version).

    Geometry comes from the stored layout; what is not geometry (rules, hints, roles, outward
    flags, option meanings) comes from the current definition's field of the same id, so an
    old printout is reported and protected the way the form is declared today. The layout
    stores no printed texts (section headings, guidance): a page takes the current page's of
    its number, so a reader still knows their words for printed, not typed.
    """
    def box(values: list[float]) -> Box:
        return Box(*map(float, values))

    known = {f.id: f for f in current.fields}
    printed = {p.number: p.texts for p in current.pages}

    def field(raw: dict[str, Any], page: int) -> FieldDef:
        now = known.get(raw["id"])
        meanings = {o.value: o.counts_as for o in now.options} if now else {}
        options = tuple(
            Option(o["value"], b := box(o["box_mm"]), option_label_at(b), meanings.get(o["value"]))
            for o in raw.get("options", [])
        )
        return FieldDef(
            id=raw["id"],
            label=raw["label"],
            kind=raw["kind"],
            page=page,
            box=box(raw["box_mm"]),
            label_box=box(raw["label_box_mm"]),
            value_box=box(raw["value_box_mm"]),
            prefill=raw.get("prefill"),
            required=bool(raw.get("required", False)),
            role=now.role if now else None,
            outward=now.outward if now else "shown",
            rules=now.rules if now else (),
            hint=now.hint if now else "",
            options=options,
            cells=tuple(box(c) for c in raw.get("cells_mm", [])),
            separators=tuple(Separator(s["text"], box(s["box_mm"])) for s in raw.get("separators", [])),
            lines=tuple(box(b) for b in raw.get("lines_mm", [])),
        )

    pages = tuple(
        PageDef(
            number=p["page"],
            fields=tuple(field(f, p["page"]) for f in p["fields"]),
            texts=printed.get(p["page"], ()),
            content_boxes=tuple(box(b) for b in p.get("content_boxes_mm", [])),
            markers=tuple(Marker(m["id"], box(m["box_mm"])) for m in p["markers"]),
            qr_box=box(p["qr_box_mm"]),
            footer_box=box(p["form_id_box_mm"]),
        )
        for p in layout["pages"]
    )
    return FormDef(
        id=layout["form"],
        title=layout.get("title", current.title),
        version=int(layout["version"]),
        page_size=(float(layout["page_size_mm"][0]), float(layout["page_size_mm"][1])),
        pages=pages,
        description=current.description,
        layout_hash=layout["layout_hash"],
    )
