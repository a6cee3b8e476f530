"""Masking for files that leave the school: phone numbers and ID numbers in any text.

A minor's contact and identity numbers are sensitive personal information (个人信息保护法);
outward exports keep enough digits to tell records apart and hide the rest.
"""

from __future__ import annotations

import re
from typing import Any

# 18-character 居民身份证号, also inside a 学籍号 (a letter + the ID number).
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])([A-Za-z]?\d{6})\d{8}(\d{3}[\dXx])(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<!\d)(1\d{2})[-\s]?\d{4}[-\s]?(\d{4})(?!\d)")  # also 138-1234-5678


def mask_text(text: str) -> str:
    """"13812345678" -> "138****5678"; "110101200501011234" -> "110101********1234"."""
    return _MOBILE.sub(r"\1****\2", _ID_NUMBER.sub(r"\1********\2", text))


def mask_value(value: Any) -> Any:
    """``mask_text`` applied to a field value of any kind (strings and lists of strings)."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, list):
        return [mask_value(v) for v in value]
    return value
