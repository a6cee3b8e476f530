"""Shared fixtures: real workspaces (SQLite file + file store) in tmp_path.

A test or module marked ``both_databases`` runs twice, ``[sqlite]`` and ``[postgresql]``. In
the second run JIAFANG_DB_URL names a new database of its own on a throw-away PostgreSQL
cluster (tests/pg_support.py), so every workspace the test creates — in its own process or in
processes it starts — lives there (and remembers it, see pipeline.store.database). A
module-scoped fixture that builds a template workspace requests ``module_database`` to build it
on the module's backend; ``tests.pg_support.copy_workspace`` copies such a template with its
database. Every other test runs on SQLite only, and a ``[postgresql]`` test that touched a
SQLite database through SQLAlchemy fails: it would have passed without testing PostgreSQL.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.pool import Pool

from pipeline.store.workspace import DB_URL_ENV, Workspace, init_workspace
from tests.pg_support import Cluster, cluster_or_skip

BACKENDS = ("sqlite", "postgresql")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if metafunc.definition.get_closest_marker("both_databases"):
        metafunc.parametrize("backend", BACKENDS, indirect=True, scope="module")


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    """One PostgreSQL cluster per test process (each pytest-xdist worker starts its own)."""
    cluster = cluster_or_skip()
    yield cluster
    cluster.stop()


@pytest.fixture(scope="module")
def backend(request: pytest.FixtureRequest) -> str:
    """``sqlite``, or ``postgresql`` for the second run of a ``both_databases`` test."""
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture(scope="module")
def module_database(backend: str, request: pytest.FixtureRequest) -> Iterator[str]:
    """The backend, with JIAFANG_DB_URL set for the module's own fixtures on PostgreSQL."""
    with pytest.MonkeyPatch.context() as patch:
        _point_at(backend, request, patch)
        yield backend


@pytest.fixture(autouse=True)
def database(backend: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The backend this test runs on; for ``postgresql``, JIAFANG_DB_URL names a fresh database."""
    _point_at(backend, request, monkeypatch)
    seen: set[str] = set()

    def checked_out(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        seen.add("sqlite" if isinstance(dbapi_connection, sqlite3.Connection) else "postgresql")

    event.listen(Pool, "checkout", checked_out)
    yield backend
    event.remove(Pool, "checkout", checked_out)
    if backend == "postgresql":
        assert "sqlite" not in seen, "a [postgresql] test used a SQLite workspace (a fixture built outside module_database?)"


def _point_at(backend: str, request: pytest.FixtureRequest, patch: pytest.MonkeyPatch) -> None:
    if backend == "postgresql":
        patch.setenv(DB_URL_ENV, request.getfixturevalue("pg_cluster").new_database())
    else:
        patch.delenv(DB_URL_ENV, raising=False)  # a developer's own setting must not leak in


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    """A fresh workspace with the sample school's policy profile and an empty roster."""
    ws = init_workspace(tmp_path / "ws")
    yield ws
    ws.close()
