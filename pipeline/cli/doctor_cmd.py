"""``jiafang doctor``: is this PC ready to print and read forms?"""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.cli.options import db_option, workspace_option


@click.command("doctor")
@workspace_option
@db_option
def doctor_command(workspace: Path, db_url: str | None) -> None:
    """检查本机能否使用 jiafang：Python 版本、能打印表单全部字符的中文字体、
    OCR 识别引擎（模型随安装包提供，不联网下载）、模拟手写字体，
    以及工作区的数据库：能否连上（服务器、密码、数据库名），结构版本是否与本程序一致。
    有必需项不通过时退出码为 1，并说明怎么解决。

    \b
    示例：
      jiafang doctor
      jiafang doctor --db postgresql://jiafang:密码@192.168.1.10:5432/jiafang
      JIAFANG_FONTS=/path/to/font.ttf jiafang doctor
    """
    from pipeline.doctor import healthy, run_checks

    checks = run_checks(workspace, db_url=db_url)
    for check in checks:
        mark = "通过" if check.ok else ("未通过" if check.required else "提示")
        click.echo(f"[{mark}] {check.name}：{check.detail}")
    if not healthy(checks):
        raise click.ClickException("本机还不能正常使用 jiafang，请按上面的说明处理后重新运行 jiafang doctor")
    click.echo("本机可以使用 jiafang。")
