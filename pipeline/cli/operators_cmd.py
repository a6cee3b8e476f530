"""``jiafang operators``: the accounts teachers and the office sign in with in LAN mode."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import click

from pipeline.access import ROLE_LABELS, ROLES
from pipeline.cli.options import library_errors, opened_workspace, operator_option, workspace_option, workspace_session
from pipeline.cli.progress import tab_list

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

T = TypeVar("T")

password_option = click.option(
    "--password-stdin",
    is_flag=True,
    help="从标准输入读取密码（一行），供脚本使用；默认在终端中输入两次（不显示）。",
)


@click.group()
def operators() -> None:
    """操作员账号：局域网模式（jiafang serve --lan）下谁能登录、能做什么。

    \b
    角色：office 教务/办公室（全部功能）；teacher 班主任/教师（只看自己任教的班级：
    复核、在线填写家访记录、查看学生档案；不能导出、不能生成材料包）；leader 学校领导（只读报表）。
    示例：jiafang operators add 王老师 --role teacher --class 七年级（1）班
    """


@operators.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True, help="角色：office、teacher 或 leader。")
@click.option("--class", "classes", multiple=True, help="教师任教的班级（可重复给出）；只用于 teacher。")
@password_option
@operator_option
@workspace_option
@library_errors
def add_cmd(name: str, role: str, classes: tuple[str, ...], password_stdin: bool, operator: str | None, workspace: Path) -> None:
    """新建操作员账号；密码用 argon2 散列后保存，不保存明文。

    \b
    示例：jiafang operators add 教务处 --role office
    示例：jiafang operators add 王老师 --role teacher --class 七年级（1）班 --class 七年级（2）班
    """
    from pipeline.store.operators import add_operator

    password = _password(password_stdin)
    added = _write(workspace, operator, "add", name, lambda s: add_operator(s, name, role, password, classes))
    scope = f"，班级：{'、'.join(added.classes)}" if added.classes else ""
    click.echo(f"已添加操作员 {added.name}（{ROLE_LABELS[added.role]}{scope}）")


@operators.command("list")
@workspace_option
@library_errors
def list_cmd(workspace: Path) -> None:
    """列出操作员：名称、角色、班级（不显示密码）。

    \b
    示例：jiafang operators list
    """
    from pipeline.store.operators import list_operators

    with workspace_session(workspace) as session:
        found = list_operators(session)
    if not found:
        click.echo("还没有操作员账号。添加：jiafang operators add 名称 --role office")
        return
    tab_list(("名称", "角色", "班级"), ((o.name, ROLE_LABELS[o.role], "、".join(o.classes)) for o in found))


@operators.command("remove")
@click.argument("name")
@operator_option
@workspace_option
@library_errors
def remove_cmd(name: str, operator: str | None, workspace: Path) -> None:
    """删除操作员账号（其已做的复核与审计记录保留）。

    \b
    示例：jiafang operators remove 王老师
    """
    from pipeline.store.operators import remove_operator

    _write(workspace, operator, "remove", name, lambda s: remove_operator(s, name))
    click.echo(f"已删除操作员 {name}")


@operators.command("passwd")
@click.argument("name")
@password_option
@operator_option
@workspace_option
@library_errors
def passwd_cmd(name: str, password_stdin: bool, operator: str | None, workspace: Path) -> None:
    """重设操作员的密码。

    \b
    示例：jiafang operators passwd 王老师
    """
    from pipeline.store.operators import set_password

    password = _password(password_stdin)
    _write(workspace, operator, "passwd", name, lambda s: set_password(s, name, password))
    click.echo(f"已重设 {name} 的密码")


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(click.prompt("密码", hide_input=True, confirmation_prompt="再输入一次密码"))


def _write(workspace: Path, operator: str | None, change: str, name: str, work: Callable[[Session], T]) -> T:
    """Run ``work`` in one write transaction with its audit entry (who changed which account)."""
    from pipeline.model.audit import AuditEvent, default_operator
    from pipeline.store.audit import log_event

    event = AuditEvent("operator", operator or default_operator(), f"operator {name}", {"change": change})

    def write(session: Session) -> T:
        done = work(session)
        log_event(session, event)
        return done

    with opened_workspace(workspace) as ws:
        return ws.write(write)
