"""``jiafang school``: the schools of a district's workspace and which operator sees which."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.cli.options import library_errors, opened_workspace, workspace_option, workspace_session
from pipeline.cli.progress import tab_list

school_option = click.option(
    "--school",
    default=None,
    help="学校代码（如 QHMD01）：只含这所学校；默认为工作区中的全部学校（只有一所时即本校）。",
)


@click.group()
def school() -> None:
    """学校：一个工作区里的多所学校（区教育局、扫描中心）和操作人能看哪所学校。

    \b
    示例：jiafang school add 新苑小学政策.yaml
    示例：jiafang school bind 王老师 QHXY02
    """


@school.command("add")
@click.argument("policy", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@workspace_option
@library_errors
def add_cmd(policy: Path, workspace: Path) -> None:
    """登记政策配置 POLICY 中写明的学校（代码、名称、任务数、特殊群体），已登记则更新。

    每所学校按自己的政策配置统计；之后用 jiafang roster import --school 代码 导入该校花名册。

    \b
    示例：jiafang school add 新苑小学政策.yaml
    """
    from pipeline.scope.schools import register_school

    with opened_workspace(workspace) as ws:
        found, new = register_school(ws, policy)
    click.echo(f"{'已登记' if new else '已更新'}学校：{found.label}")


@school.command("list")
@workspace_option
@library_errors
def list_cmd(workspace: Path) -> None:
    """列出已登记的学校、学生数和操作人绑定。

    \b
    示例：jiafang school list
    """
    from pipeline.store import repo
    from pipeline.store import schools as school_store

    with workspace_session(workspace) as session:
        schools = school_store.list_schools(session)
        pupils = {s.code: len(repo.list_students(session, school=s.code)) for s in schools}
        bound = school_store.bindings(session)
    rows = ((s.code, s.name, pupils[s.code], s.policy_file or "policy.yaml") for s in schools)
    tab_list(("学校代码", "学校名称", "学生数", "政策配置"), rows)
    for operator, codes in bound.items():
        click.echo(f"操作人 {operator}：{'全区' if '*' in codes else '、'.join(codes)}")
    if not bound:
        click.echo("尚未绑定操作人：所有操作人都能查看全部学校。")


@school.command("bind")
@click.argument("operator")
@click.argument("codes", nargs=-1)
@click.option("--district", "whole", is_flag=True, help="绑定到全区（教育局）：可查看所有学校并生成区统计表。")
@workspace_option
@library_errors
def bind_cmd(operator: str, codes: tuple[str, ...], whole: bool, workspace: Path) -> None:
    """让操作人 OPERATOR 只能查看学校 CODES 的数据（替换原有绑定）。

    一旦有人绑定，所有操作人都须绑定：本校操作人只能查看、导出本校数据；
    只有绑定到全区（--district）的操作人能生成区统计表。

    \b
    示例：jiafang school bind 王老师 QHXY02
    示例：jiafang school bind 区教育局 --district
    """
    from pipeline.scope.schools import require_school
    from pipeline.store import schools as school_store

    if not codes and not whole:
        raise click.UsageError("请写出学校代码，或用 --district 绑定到全区。")
    with workspace_session(workspace) as session:
        for code in codes:
            require_school(session, code)
        school_store.bind_operator(session, operator, [*codes, *([school_store.EVERY_SCHOOL] if whole else [])])
    click.echo(f"操作人 {operator} 可查看：{'全区' if whole else '、'.join(codes)}")


@school.command("unbind")
@click.argument("operator")
@workspace_option
@library_errors
def unbind_cmd(operator: str, workspace: Path) -> None:
    """取消操作人 OPERATOR 的学校绑定（之后该操作人不能再查看任何学校，直到重新绑定；
    所有绑定都取消后，恢复为人人可查看全部学校）。

    \b
    示例：jiafang school unbind 王老师
    """
    from pipeline.store import schools as school_store

    with workspace_session(workspace) as session:
        school_store.bind_operator(session, operator, [])
        left = school_store.any_binding(session)
    click.echo(f"已取消操作人 {operator} 的绑定" + ("。" if left else "；已无任何绑定，所有操作人都能查看全部学校。"))
