"""``jiafang audit``: the audit log of exports, reports, dossiers and packets."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.cli.options import library_errors, operator_option, workspace_option, workspace_session
from pipeline.model.audit import ACTIONS

HASH_PREFIX = 12  # hex characters of an output hash shown in the list


@click.group()
def audit() -> None:
    """审计日志：谁在何时导出了什么（导出、报表、一生一档、检查材料包、人工更正）。

    \b
    示例：jiafang audit list --limit 20
    """


@audit.command("list")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True, help="最多显示多少条（最新的在前）。")
@click.option("--action", type=click.Choice(ACTIONS), default=None, help="只看这一类操作，如 packet、dossier。")
@operator_option
@workspace_option
@library_errors
def list_cmd(limit: int, action: str | None, operator: str | None, workspace: Path) -> None:
    """列出审计日志：时间、操作员、操作、范围、选项、输出文件与其 SHA-256 前缀。

    \b
    示例：jiafang audit list
    示例：jiafang audit list --action packet --limit 10
    """
    import json

    from pipeline.scope.access import check_scope
    from pipeline.model.audit import default_operator
    from pipeline.store.audit import list_events

    with workspace_session(workspace) as session:
        check_scope(session, operator or default_operator(), None)  # the log spans every school of the store
        events = list_events(session, limit=limit, action=action)
    click.echo("时间\t操作员\t操作\t范围\t选项\t输出\t哈希")
    for e in events:
        when = f"{e.at.astimezone():%Y-%m-%d %H:%M:%S}" if e.at else ""
        options = json.dumps(dict(e.options), ensure_ascii=False, sort_keys=True)
        click.echo("\t".join([when, e.operator, e.action, e.scope, options, e.output, e.output_sha256[:HASH_PREFIX]]))
    click.echo(f"共 {len(events)} 条")
