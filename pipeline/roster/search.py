"""Finding a student on the roster by what a clerk remembers: part of the name or the 学籍号."""

from __future__ import annotations

from pipeline.model.people import Student
from pipeline.store import repo
from pipeline.store.workspace import Workspace

__all__ = ["find_students"]


def find_students(ws: Workspace, text: str, *, limit: int) -> list[Student]:
    """Students whose name or 学籍号 contains ``text`` (spaces ignored), exact 学籍号 first,
    at most ``limit``; none for empty text."""
    wanted = "".join(text.split())
    if not wanted:
        return []
    with ws.session() as session:
        students = repo.list_students(session)
    found = [s for s in students if wanted in s.name or wanted.upper() in s.student_no.upper()]
    found.sort(key=lambda s: s.student_no != wanted)
    return found[:limit]
