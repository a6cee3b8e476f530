"""Options and error handling shared by every command."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from pipeline.errors import JiafangError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from pipeline.store.workspace import Workspace

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_WORKSPACE = "jiafang-data"
WORKSPACE_META = "jiafang.workspace"  # ctx.meta key: where a program error's trace is logged


def _remember_workspace(ctx: click.Context, _param: click.Parameter, value: Path) -> Path:
    ctx.meta[WORKSPACE_META] = value
    return value


workspace_option = click.option(
    "--workspace",
    "-w",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="JIAFANG_WORKSPACE",
    default=DEFAULT_WORKSPACE,
    show_default=True,
    show_envvar=True,
    help="工作区目录（数据库与文件存储）。",
    callback=_remember_workspace,
)

db_option = click.option(
    "--db",
    "db_url",
    default=None,
    metavar="URL",
    help="数据库地址，如 postgresql://用户:密码@服务器:5432/数据库名；默认为工作区建立时记下的数据库，"
    "没有记下时为环境变量 JIAFANG_DB_URL，再没有则为工作区中的 SQLite 文件。",
)

policy_option = click.option(
    "--policy",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    envvar="JIAFANG_POLICY",
    default=None,
    show_envvar=True,
    help="政策配置文件（YAML）；默认使用工作区中保存的配置。",
)


def library_errors(func: F) -> F:
    """Turn the library's named errors into click errors (exit code 1, message in Chinese)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except JiafangError as exc:
            raise click.ClickException(str(exc)) from exc

    return wrapper  # type: ignore[return-value]


@contextlib.contextmanager
def opened_workspace(path: Path) -> Iterator[Workspace]:
    """The workspace at ``path``, closed when the block ends. Its errors (no workspace there,
    a database that cannot be reached) are the library's named errors, which
    ``library_errors`` turns into the command's message."""
    # Imported here: the store pulls in SQLAlchemy, which `--help` and the commands without a
    # workspace do not need.
    from pipeline.store.workspace import open_workspace

    ws = open_workspace(path)
    try:
        yield ws
    finally:
        ws.close()


@contextlib.contextmanager
def workspace_session(path: Path) -> Iterator[Session]:
    """One transaction on the workspace at ``path`` (committed when the block ends without
    error), for commands that only read or write a few rows."""
    with opened_workspace(path) as ws, ws.session() as session:
        yield session


operator_option = click.option(
    "--operator",
    default=None,
    help="操作人姓名，写入审计日志；默认为当前系统用户。",
)
