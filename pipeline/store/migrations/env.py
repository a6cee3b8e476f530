"""Alembic environment: run by pipeline.store.workspace with an open connection.

For development (``alembic revision --autogenerate``) a URL can be given instead through
``-x url=sqlite:///path/to/jiafang.sqlite``.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from pipeline.store.schema import Base

config = context.config


def _run(connection: Connection) -> None:
    # render_as_batch: SQLite cannot ALTER most things, so later migrations copy tables.
    context.configure(
        connection=connection, target_metadata=Base.metadata, render_as_batch=True
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option(
        "sqlalchemy.url", ""
    )
    with create_engine(url).connect() as conn:
        _run(conn)
