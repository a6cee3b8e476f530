"""The shared form model: form definitions, layout contract and policy profile."""

from pipeline.model.form import (
    CHOICE_KINDS,
    COMB_KINDS,
    KINDS,
    Box,
    FieldDef,
    FormDef,
    Marker,
    Option,
    PageDef,
    form_from_file,
    form_ids,
    layout_hash,
    load_form,
)
from pipeline.model.layout import layout_dict

__all__ = [
    "CHOICE_KINDS",
    "COMB_KINDS",
    "KINDS",
    "Box",
    "FieldDef",
    "FormDef",
    "Marker",
    "Option",
    "PageDef",
    "form_from_file",
    "form_ids",
    "layout_dict",
    "layout_hash",
    "load_form",
]
