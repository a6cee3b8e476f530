"""``jiafang watch DIR``: read what the copier scans into a folder, as it arrives."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from pipeline import defs
from pipeline.cli.options import library_errors, opened_workspace, workspace_option

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pipeline.model.intake import FileIntake


@click.command("watch")
@workspace_option
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--settle",
    type=click.FloatRange(0),
    default=defs.WATCH_SETTLE_SECONDS,
    show_default=True,
    help="文件大小多少秒不再变化才算写完（秒）。",
)
@library_errors
def watch_command(workspace: Path, folder: Path, settle: float) -> None:
    """监视复印机“扫描到文件夹”的目录：文件写完后自动读入，按 Ctrl+C 停止。

    每个文件按内容只读入一次（重启后也不会重复）。读入的文件移到“已读入/日期/”，
    拒收或不完整的移到“未读入/”，旁边的同名 .txt 说明原因和处理办法；
    有页面被隔离的文件也移到“已读入”，旁边的 .txt 提醒在工作台为隔离页指定表单。
    也可以在家访工作台（jiafang serve）的“设置”中开启监视。

    \b
    示例：
      jiafang watch D:\\扫描\\家访
      jiafang watch /srv/scans/jiafang -w 家访数据 --settle 5
    """
    from pipeline.jobs import watch_folder

    with opened_workspace(workspace) as ws:
        click.echo(f"正在监视 {folder}：文件写完后自动读入。按 Ctrl+C 停止。", err=True)
        try:
            taken = watch_folder(ws, folder, should_stop=lambda: False, settle=settle, on_taken=_print_outcomes)
        except KeyboardInterrupt:
            click.echo("已停止监视。", err=True)
            return
    click.echo(f"已停止监视，共读入 {taken} 个文件。", err=True)


def _print_outcomes(files: Sequence[FileIntake]) -> None:
    for f in files:
        click.echo(f"{f.label}：{Path(f.path).name}" + (f"（{f.reason}）" if f.outcome not in ("read",) and f.reason else ""))
