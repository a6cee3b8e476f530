"""Every command closes the workspace it opens: no handle on its database outlives the command."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.store.workspace import DB_FILE, init_workspace

OPEN_FILES = Path("/proc/self/fd")


def open_handles(path: Path) -> int:
    """How many of this process's open files are ``path`` (Linux lists them in /proc)."""
    found = 0
    for fd in OPEN_FILES.iterdir():
        try:
            found += Path(os.readlink(fd)) == path
        except OSError:  # closed while listed (the listing's own handle)
            continue
    return found


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory, module_database: str) -> Iterator[Path]:
    """One empty workspace (these commands only read it, or find nothing to do)."""
    path = tmp_path_factory.mktemp("cli") / "ws"
    init_workspace(path).close()
    yield path


@pytest.mark.skipif(not OPEN_FILES.is_dir(), reason="open files are read from /proc (Linux)")
@pytest.mark.parametrize("command", [("jobs", "list"), ("jobs", "run"), ("calibrate",), ("operators", "list")])
def test_a_command_leaves_no_open_handle_on_the_workspace_database(root: Path, command: tuple[str, ...]) -> None:
    assert open_handles(root / DB_FILE) == 0

    result = CliRunner().invoke(main, [*command, "--workspace", str(root)])

    assert result.exit_code == 0, result.output
    assert open_handles(root / DB_FILE) == 0, f"jiafang {' '.join(command)} left the database open"
