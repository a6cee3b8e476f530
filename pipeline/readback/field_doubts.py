"""Doubts a reader puts on a field for what it shows besides its text, in Word files and PDFs
alike: a picture or pen strokes in a field, text placed outside every field.

A signature field that shows a picture or ink is signed (a parent's signature photographed,
or written with a tablet's pen); any other field keeps what its text says and names what else
it shows. Either goes to a person.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from pipeline import defs
from pipeline.model.form import FieldDef
from pipeline.model.record import Raw, RawValue

__all__ = [
    "GARBLED", "INK", "INK_ELSEWHERE", "NOTE", "NOTE_ELSEWHERE", "PICTURE", "STRUCK", "TEXT", "TEXT_ELSEWHERE", "Stray",
    "doubted", "garbled", "next_field", "on_next_fields", "shown_in_field", "shown_on",
]

TEXT = "“{label}”一栏中填写处以外有文字“{text}”，没有读入，请核对"
TEXT_ELSEWHERE = "文档中有不在任何填写栏里的文字“{text}”，没有读入，请核对应填入哪一栏（此提示放在“{label}”栏）"
INK_ELSEWHERE = "文档中有不在任何填写栏里的笔迹或批注（如写在栏外的签名），没有读入，请对照原文件核对（此提示放在“{label}”栏）"
NOTE = "“{label}”一栏上有 PDF 批注：{text}，没有读入，请核对"
NOTE_ELSEWHERE = "文档中有不在任何填写栏上的 PDF 批注：{text}，没有读入，请核对（此提示放在“{label}”栏）"
# text a teacher took back (Word's 删除线, hidden text): left out of the value, named for a person
STRUCK = "“{label}”中有{how}的文字“{text}”，没有计入，请核对"
SIGNED = "“{label}”栏里有{what}，已记为已签名，请核对"
NOT_READ = "“{label}”栏里有{what}，其中的内容没有读入，请对照原文件核对"
GARBLED = "“{label}”的文字中有生僻字或乱码“{chars}”（常见于文字编码出错的 PDF 工具），请对照原文件核对"
PICTURE = "一张图片（如插入的签名图片）"
INK = "画上或写上的笔迹、批注"


def shown_in_field(f: FieldDef, raw: Raw, doubts: list[str], what: str = PICTURE) -> Raw:
    """A field of a Word file, or of a PDF, that shows ``what`` (a picture, ink) beside its text:
    a signature field is signed, any other field keeps what its text says; either is doubted
    (``doubts`` grows)."""
    doubts.append((SIGNED if f.kind == "signature" else NOT_READ).format(label=f.label, what=what))
    return True if f.kind == "signature" else raw


def shown_on(value: RawValue, f: FieldDef, what: str, ceiling: float = defs.DOCX_DOUBT_CONFIDENCE) -> RawValue:
    """``value`` of field ``f`` that shows ``what`` besides its text (see shown_in_field)."""
    doubts: list[str] = []
    return doubted(replace(value, raw=shown_in_field(f, value.raw, doubts, what)), doubts[0], ceiling)


def doubted(raw: RawValue, doubt: str, ceiling: float = defs.DOCX_DOUBT_CONFIDENCE) -> RawValue:
    """``raw`` with ``doubt`` added to its doubts, its confidence at most ``ceiling``."""
    doubts = "；".join(d for d in (raw.doubt, doubt) if d)
    return replace(raw, confidence=min(raw.confidence, ceiling), doubt=doubts)


def garbled(text: str) -> str:
    """The characters of ``text`` that a school's form rarely holds and a broken text encoding
    makes: rare CJK (a "??" read as one 16-bit code gives 㼿), Latin letters with accents (GBK
    bytes read as Latin-1), private-use, unassigned and replacement characters, controls."""
    return "".join(dict.fromkeys(c for c in text if _garbled(c)))


def _garbled(c: str) -> bool:
    code = ord(c)
    rare_cjk = 0x3400 <= code <= 0x4DBF or code >= 0x20000  # CJK Extension A, and B onwards
    latin_accented = 0xC0 <= code <= 0xFF and c.isalpha()
    kind = unicodedata.category(c)
    return rare_cjk or latin_accented or c == "\ufffd" or kind in ("Co", "Cn", "Cs") or (kind == "Cc" and c not in "\n\t")


Stray = tuple[Any, str, str]  # something found outside every field: where, its doubt ({label}, {text}), its text


def on_next_fields(
    values: dict[str, RawValue], starts: Sequence[tuple[Any, FieldDef]], strays: Sequence[Stray], last: FieldDef, ceiling: float
) -> dict[str, RawValue]:
    """``values`` with each of ``strays`` doubted on the next field to fill after it (see next_field)."""
    for where, doubt, text in strays:
        f = next_field(starts, where, last)
        values[f.id] = doubted(values[f.id], doubt.format(text=text, label=f.label), ceiling)
    return values


def next_field(starts: Sequence[tuple[Any, FieldDef]], at: Any, last: FieldDef) -> FieldDef:
    """The field that shows what was found at ``at`` outside every field: the first of
    ``starts`` (where each field to fill starts, in order) after it; after them all, the last of
    them (``last`` when there is none)."""
    return next((f for start, f in starts if start > at), starts[-1][1] if starts else last)
