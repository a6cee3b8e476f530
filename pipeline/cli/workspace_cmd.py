"""``jiafang init``: create or upgrade a workspace."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.cli.options import db_option, library_errors, workspace_option


@click.command("init")
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
@workspace_option
@click.option(
    "--policy",
    "policy_path",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="本地政策配置（YAML），校验后复制到工作区；默认使用示例学校的配置，已有工作区则保留原配置。",
)
@db_option
@library_errors
def init(directory: Path | None, workspace: Path, policy_path: Path | None, db_url: str | None) -> None:
    """建立工作区 DIRECTORY（数据库、文件存储、政策配置）；已存在时只升级，不删除任何数据。

    DIRECTORY 省略时使用 --workspace（或环境变量 JIAFANG_WORKSPACE）。
    --db 指定区县共用的 PostgreSQL 数据库，记在工作区里，以后的命令自动使用；
    该数据库的结构由旧版本升级也只在这里进行（先备份）。

    \b
    示例：jiafang init
    示例：jiafang init 明德学校数据 --policy 本校政策.yaml
    示例：jiafang init --db postgresql://jiafang:密码@192.168.1.10:5432/jiafang
    """
    from pipeline.store.database import shown
    from pipeline.store.workspace import DB_FILE, FILES_DIR, POLICY_FILE, init_workspace, workspace_exists

    root = directory or workspace
    existed = workspace_exists(root)
    ws = init_workspace(root, policy_path=policy_path, db_url=db_url)
    try:
        if existed:
            click.echo(f"工作区已存在：{ws.root.resolve()}（原有数据已保留，数据库结构已升级到最新）")
        else:
            click.echo(f"已建立工作区：{ws.root.resolve()}")
        database = ws.engine.url
        click.echo(f"  数据库：{root / DB_FILE if database.get_backend_name() == 'sqlite' else shown(database)}")
        click.echo(f"  文件存储：{root / FILES_DIR}")
        click.echo(f"  政策配置：{root / POLICY_FILE}（{ws.policy.school.name}）")
    finally:
        ws.close()
