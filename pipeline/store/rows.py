"""Database row <-> model dataclass, by name: the one way a store module maps the two.

A dataclass field and a table column with the same name carry the same value, unchanged. Every
other value is given by the caller as a keyword: a column the dataclass does not have (a time
stamp, a school), or a real conversion, written out and named where it happens (a JSON list
read back as a tuple, a timestamp read back as UTC with :func:`pipeline.store.repo.as_utc`).
The dataclasses of pipeline.model stay plain: they never learn about SQLAlchemy.
"""

from __future__ import annotations

from dataclasses import fields
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar

from pipeline.store.schema import Base

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

Model = TypeVar("Model", bound="DataclassInstance")


def from_row(cls: type[Model], row: Base, **given: Any) -> Model:
    """A ``cls`` from ``row``: each field named like a column of the row's table takes that
    column's value, unless ``given`` holds it; ``given`` also fills fields the table lacks."""
    same = {name: getattr(row, name) for name in _shared(cls, type(row)) if name not in given}
    return cls(**same, **given)


def to_values(obj: DataclassInstance, table: type[Base], **given: Any) -> dict[str, Any]:
    """The column values of a ``table`` row for ``obj``: each column named like a field of
    ``obj`` takes that field's value, then ``given`` adds and replaces columns."""
    return {name: getattr(obj, name) for name in _shared(type(obj), table)} | given


@cache
def _shared(cls: type[DataclassInstance], table: type[Base]) -> tuple[str, ...]:
    columns = set(table.__table__.columns.keys())
    return tuple(f.name for f in fields(cls) if f.init and f.name in columns)
