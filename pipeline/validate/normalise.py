"""Normalise one raw field value by the field's kind into the export contract's form.

Each kind has one function ``raw -> Normalised``; a value that cannot be normalised comes
back as None with a Chinese problem saying what was read and what to check. Empty input is
None without a problem (whether it may be empty is the ``required`` rule's business).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pipeline import defs
from pipeline.model.form import CHOICE_KINDS, FieldDef
from pipeline.model.policy import Period
from pipeline.model.record import Raw
from pipeline.model.record import value_text as raw_text  # a reading shows as a value does: ticks joined with 、

__all__ = ["Normalised", "normalise", "raw_text"]
from pipeline.validate.dates import canonical_text, parse_date, parse_time_range

_PHONE_NOISE = re.compile(r"[-()（）]")
_COUNTRY_CODE = re.compile(r"^(\+|00)?86")
_LANDLINE = re.compile(r"0\d{9,11}|\d{7,8}")  # area code + number, or a local number
_LIST_SEPARATORS = re.compile(r"[、,;/\s]+")  # after NFKC: ，；／ are ASCII
_CHECK_MARKS = re.compile(r"[☐☑☒✓✔√■□▪●○]")


@dataclass(frozen=True)
class Normalised:
    value: Any
    problem: str = ""  # Chinese; non-empty when the raw value could not be normalised


def normalise(field: FieldDef, raw: Raw, *, school_year: Period) -> Normalised:
    """The value of ``field`` read as ``raw``, in the form its kind exports."""
    if field.kind == "signature":
        return _signature(raw)
    if field.kind in CHOICE_KINDS:
        return _choice(field, raw)
    text = raw_text(raw).replace("\r\n", "\n").strip()
    if not text:
        return Normalised(None)
    if field.kind == "date":
        return _date(text, school_year)
    return _TEXT_KINDS[field.kind](text)


def _date(text: str, school_year: Period) -> Normalised:
    day = parse_date(text, school_year)
    if day is None:
        return Normalised(None, f"日期“{text}”无法识别，请核对")
    return Normalised(day.isoformat())


def _time_range(text: str) -> Normalised:
    value = parse_time_range(text)
    if value is None:
        return Normalised(None, f"时间“{text}”无法识别，请按“14:30-15:20”的格式核对")
    return Normalised(value)


def _phone(text: str) -> Normalised:
    digits = _PHONE_NOISE.sub("", canonical_text(text))
    if len(digits) > defs.PHONE_DIGITS:
        digits = _COUNTRY_CODE.sub("", digits)
    if digits.isdigit() and len(digits) == defs.PHONE_DIGITS and digits.startswith("1"):
        return Normalised(digits)
    if _LANDLINE.fullmatch(digits):
        return Normalised(digits, f"“{text}”像是座机号码，不是 11 位手机号，请核对")
    return Normalised(None, f"电话“{text}”不是 11 位手机号，请核对")


def _digits(text: str) -> Normalised:
    digits = _PHONE_NOISE.sub("", canonical_text(text))
    if not digits.isdigit():
        return Normalised(None, f"“{text}”应只含数字，请核对")
    return Normalised(digits)


def _text(text: str) -> Normalised:
    return Normalised(text)


_TEXT_KINDS: dict[str, Callable[[str], Normalised]] = {
    "text": _text,
    "multiline": _text,
    "time_range": _time_range,
    "phone": _phone,
    "digits": _digits,
}


def _signature(raw: Raw) -> Normalised:
    if isinstance(raw, str):
        return Normalised(bool(raw.strip()))
    return Normalised(bool(raw))


def _choice(field: FieldDef, raw: Raw) -> Normalised:
    if isinstance(raw, bool):
        return Normalised(None, f"读到的不是选项（{raw_text(raw)}），请核对")
    ticked, unknown = _match_options(field, raw)
    if unknown:
        listed = "、".join(f"“{u}”" for u in unknown)
        return Normalised(None, f"{listed}不是可选项（可选：{'、'.join(field.option_values)}），请核对")
    if not ticked:
        return Normalised(None)
    if field.kind == "multi_choice":
        return Normalised(ticked)
    if len(ticked) > 1:
        return Normalised(None, f"选了多个：{'、'.join(ticked)}，只能选一项，请核对")
    return Normalised(ticked[0])


def _match_options(field: FieldDef, raw: str | tuple[str, ...] | None) -> tuple[list[str], list[str]]:
    """(ticked option values in the definition's order, parts that match no option)."""
    by_key = {_option_key(v): v for v in field.option_values}
    if isinstance(raw, str):
        whole = _option_key(raw)
        separated = _LIST_SEPARATORS.split(unicodedata.normalize("NFKC", raw))
        parts = [whole] if whole in by_key or not whole else separated
    else:
        parts = list(raw or ())
    found = {by_key[_option_key(p)] for p in parts if _option_key(p) in by_key}
    unknown = [p for p in parts if _option_key(p) and _option_key(p) not in by_key]
    return [v for v in field.option_values if v in found], unknown


def _option_key(text: str) -> str:
    """Option text compared without width, case, spaces or a typed check mark."""
    return _CHECK_MARKS.sub("", canonical_text(text)).casefold()
