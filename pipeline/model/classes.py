"""Class names: one spelling for each class, and the order people expect them in."""

from __future__ import annotations

import re
from typing import Any

_NUMERALS = {c: i for i, c in enumerate("零一二三四五六七八九")}
_NUMBER = re.compile(r"\d+|[零一二三四五六七八九十]+")


def normalize_class(text: str) -> str:
    """"七年级 (1)班" -> "七年级（1）班": no spaces, full-width parentheses."""
    return "".join(text.split()).replace("(", "（").replace(")", "）")


def class_sort_key(name: str) -> tuple[Any, ...]:
    """Sort key reading Arabic and Chinese numbers as numbers: 七年级（2）班 < 七年级（10）班 < 八年级."""
    parts: list[Any] = []
    pos = 0
    for m in _NUMBER.finditer(name):
        parts += [(0, name[pos : m.start()]), (1, _number(m.group()))]
        pos = m.end()
    parts.append((0, name[pos:]))
    return tuple(parts)


def _number(text: str) -> int:
    if text.isdigit():
        return int(text)
    if "十" not in text:
        return int("".join(str(_NUMERALS[c]) for c in text))
    tens, _, ones = text.partition("十")
    return (_NUMERALS[tens] if tens else 1) * 10 + (_NUMERALS[ones] if ones else 0)
