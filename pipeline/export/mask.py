"""Masking for files that leave the school: phone numbers and ID numbers in any text.

A minor's contact and identity numbers are sensitive personal information (个人信息保护法);
outward exports keep enough digits to tell records apart and hide the rest. Numbers are found
as people type them: in full-width digits (a Chinese input method's full-width mode), grouped
with spaces, hyphens or dots, behind a +86 country code, or as a landline with its area code.
"""

from __future__ import annotations

import re
from typing import Any

STARS = "****"
ID_STARS = "********"
# Full-width digits, letters and separators to ASCII, one character for one, so that a match in
# the folded text has the same place in the text as written.
_FOLD = str.maketrans(
    {**{chr(0xFF10 + d): str(d) for d in range(10)}, "Ｘ": "X", "ｘ": "x", "－": "-", "＋": "+", "（": "(", "）": ")", "\u3000": " "}
)
# (pattern, stars): group 1 and group 2 are kept around the stars, the rest of the match is hidden.
_NUMBERS = (
    # 18-character 居民身份证号, also inside a 学籍号 (a letter + the ID number), also grouped 6-8-4.
    (re.compile(r"(?<![0-9A-Za-z])([A-Za-z]?\d{6})[- ]?\d{4}[- ]?\d{4}[- ]?(\d{3}[\dXx])(?![0-9A-Za-z])"), ID_STARS),
    # mobile, also 138-1234-5678, 138.1234.5678, +86 138 1234 5678, 8613812345678
    (re.compile(r"(?<![\d+])((?:(?:\+|00)?86[-\s]?)?1\d{2})[-\s.]?\d{4}[-\s.]?(\d{4})(?!\d)"), STARS),
    # landline with its area code: 0571-88886666, (010)8888 6666, 057188886666
    (re.compile(r"(?<![\d+])(\(?0\d{2,3}\)?[-\s]?)\d{3,4}[-\s]?(\d{4})(?!\d)"), STARS),
)
_ALL_BUT_LAST_4 = re.compile(r"\d(?=(?:\D*\d){4})")


def mask_text(text: str) -> str:
    """"13812345678" -> "138****5678"; "110101200501011234" -> "110101********1234";
    "0571-88886666" -> "0571-****6666"; the kept digits as written (full-width stay full-width)."""
    for pattern, stars in _NUMBERS:
        text = _masked(text, pattern, stars)
    return text


def mask_number(value: str) -> str:
    """A value known to be a phone or ID number (a field declared ``outward: masked``, the
    roster's phone): as ``mask_text``, and a number it does not recognise, such as a local phone
    number without area code ("88886666", in free text as likely a date), keeps its last 4 digits."""
    masked = mask_text(value)
    return masked if masked != value else _ALL_BUT_LAST_4.sub("*", value.translate(_FOLD))


def mask_value(value: Any) -> Any:
    """``mask_text`` applied to a field value of any kind (strings and lists of strings)."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, list):
        return [mask_value(v) for v in value]
    return value


def _masked(text: str, pattern: re.Pattern[str], stars: str) -> str:
    parts, last = [], 0
    for m in pattern.finditer(text.translate(_FOLD)):
        parts += [text[last : m.start()], text[m.start(1) : m.end(1)], stars, text[m.start(2) : m.end(2)]]
        last = m.end()
    return "".join([*parts, text[last:]])
