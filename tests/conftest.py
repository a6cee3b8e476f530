"""Shared fixtures: real workspaces (SQLite file + file store) in tmp_path."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.store.workspace import Workspace, init_workspace


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    """A fresh workspace with the sample school's policy profile and an empty roster."""
    ws = init_workspace(tmp_path / "ws")
    yield ws
    ws.close()
