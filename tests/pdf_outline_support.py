"""A PDF's bookmark tree as the tests compare it: titles, 0-based target pages, children."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pikepdf


@dataclass(frozen=True)
class Mark:
    title: str
    page: int  # 0-based page the bookmark opens
    children: tuple[Mark, ...]


def outline(path: Path) -> list[Mark]:
    """The top-level bookmarks of ``path`` with their descendants."""
    with pikepdf.open(path) as pdf, pdf.open_outline() as tree:
        return [_mark(item) for item in tree.root]


def flat(marks: list[Mark] | tuple[Mark, ...]) -> list[Mark]:
    """Every bookmark, depth first, in reading order."""
    return [m for mark in marks for m in (mark, *flat(mark.children))]


def _mark(item: pikepdf.OutlineItem) -> Mark:
    destination = item.destination
    assert isinstance(destination, pikepdf.Array), f"{item.title}: not an explicit page destination"
    return Mark(item.title, pikepdf.Page(destination[0]).index, tuple(_mark(c) for c in item.children))
