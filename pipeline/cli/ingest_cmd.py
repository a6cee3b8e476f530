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
@click.option("--workers", type=click.IntRange(1), default=None, help="识读扫描页的进程数（默认：全部 CPU 核）。")
@library_errors
def ingest_command(workspace: Path, paths: tuple[Path, ...], workers: int | None) -> None:
    """读入交回的表单：Word（.docx）、PDF、扫描件（PDF/TIFF/JPEG/PNG），以及文件夹（递归）。

    同一文件再次导入不会重复建记录；同一表单第二次交回成为新版本，旧版本保留在历史中。
    扫描页逐页识别：空白页跳过，无法识别或配准的页隔离并说明原因；中途中断后重跑会从断点继续。
    有文件被拒收或有页被隔离时退出码为 1。

    \b
    示例：
      jiafang ingest 交回/七年级1班/
      jiafang ingest 扫描件.pdf 张三_家访记录表.docx --workers 2
    """
    from pipeline.ingest import ingest
    from pipeline.store.workspace import open_workspace

    ws = open_workspace(workspace)
    with progress_bar("读入表单") as progress:
        report = ingest(ws, list(paths), workers=workers, progress=progress)
    print_ingest_summary(report)
    refused = len(report.rejected) + report.count("quarantined")
    if refused:
        raise click.ClickException(f"{len(report.rejected)} 个文件被拒收，{report.count('quarantined')} 页被隔离，原因见上方。")


def print_ingest_summary(report: IngestReport) -> None:
    labels = {"rejected": "拒收", "quarantined": "隔离", "duplicate": "重复"}
    for item in report.items:
        if item.outcome in labels:
            message = item.message if item.message.startswith(str(item.path)) else f"{item.path}：{item.message}"
            click.echo(f"{labels[item.outcome]}：{message}", err=True)
        elif item.outcome in ("new", "updated", "read") and item.message:
            click.echo(f"注意：{item.message}", err=True)
    summary_table(
        "读入结果",
        [
            ("新记录", report.count("new")),
            ("更新（新版本）", report.count("updated")),
            ("需要复核", report.needs_review),
            ("字段：自动通过", report.fields("auto")),
            ("字段：待复核", report.fields("review")),
            ("扫描页：识读", report.count("read")),
            ("扫描页：空白跳过", report.count("blank")),
            ("扫描页：此前已读", report.count("skipped")),
            ("重复（文件或页）", report.count("duplicate")),
            ("隔离的页", report.count("quarantined")),
            ("拒收的文件", len(report.rejected)),
            ("用时（秒）", f"{report.seconds:.1f}"),
        ],
    )
