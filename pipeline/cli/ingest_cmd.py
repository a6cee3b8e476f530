"""``jiafang ingest``: read returned forms (Word, PDF, scans) into records."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from pipeline.cli.options import library_errors, workspace_option
from pipeline.cli.progress import progress_bar, summary_table

if TYPE_CHECKING:
    from pipeline.ingest import IngestReport


@click.command("ingest")
@workspace_option
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@library_errors
def ingest_command(workspace: Path, paths: tuple[Path, ...]) -> None:
    """读入交回的表单：Word（.docx）、PDF，以及文件夹（递归）。

    同一文件再次导入不会重复建记录；同一表单第二次交回成为新版本，旧版本保留在历史中。
    扫描件和图片先登记为“等待扫描识读”。有文件被拒收时退出码为 1。

    \b
    示例：
      jiafang ingest 交回/七年级1班/
      jiafang ingest 张三_家访记录表.docx 李四.pdf
    """
    from pipeline.ingest import ingest
    from pipeline.store.workspace import open_workspace

    ws = open_workspace(workspace)
    with progress_bar("读入表单") as progress:
        report = ingest(ws, list(paths), progress=progress)
    print_ingest_summary(report)
    if report.rejected:
        raise click.ClickException(f"{len(report.rejected)} 个文件被拒收，原因见上方。")


def print_ingest_summary(report: IngestReport) -> None:
    for item in report.items:
        if item.outcome in ("rejected", "waiting", "duplicate"):
            label = {"rejected": "拒收", "waiting": "等待", "duplicate": "跳过"}[item.outcome]
            click.echo(f"{label}：{item.message if item.outcome != 'duplicate' else f'{item.path}：{item.message}'}", err=True)
    summary_table(
        "读入结果",
        [
            ("读取文件", len(report.items)),
            ("新记录", report.count("new")),
            ("更新（新版本）", report.count("updated")),
            ("需要复核", report.needs_review),
            ("重复跳过", report.count("duplicate")),
            ("等待扫描识读", report.count("waiting")),
            ("拒收", report.count("rejected")),
            ("用时（秒）", f"{report.seconds:.1f}"),
        ],
    )
