"""Options and error handling shared by every command."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from pipeline.errors import JiafangError

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


operator_option = click.option(
    "--operator",
    default=None,
    help="操作人姓名，写入审计日志；默认为当前系统用户。",
)
