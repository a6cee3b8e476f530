"""``jiafang ingest``: read returned forms (Word, PDF, scans) into records."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from pipeline.cli.options import library_errors, opened_workspace, workspace_option
from pipeline.cli.progress import progress_bar, summary_table

if TYPE_CHECKING:
    from pipeline.ingest import IngestReport

# Outcomes that need someone to act, listed file by file; the others are only counted.
_LISTED = ("refused", "quarantined", "incomplete", "duplicate", "already_read", "blank")
_PROBLEMS = ("refused", "quarantined", "incomplete")


@click.command("ingest")
@workspace_option
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--workers", type=click.IntRange(1), default=None, help="识读扫描页的进程数（默认：全部 CPU 核）。")
@click.option(
    "--cluster",
    default=None,
    metavar="tcp://主机:端口",
    help="在 Dask 计算集群上识读扫描页（调度器地址）；默认取环境变量 JIAFANG_CLUSTER，都没有时用本机。",
)
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="把每个文件的结果和原因写入 .csv 或 .xlsx 文件。",
)
@library_errors
def ingest_command(workspace: Path, paths: tuple[Path, ...], workers: int | None, cluster: str | None, report_path: Path | None) -> None:
    """读入交回的表单：Word（.docx）、PDF、扫描件（PDF/TIFF/JPEG/PNG）、手机照片（JPEG/HEIC/WebP）、文件夹（递归）和 zip 压缩包。

    贴满照片的 Word 文件逐张读入照片；一个 Word 文件里有几份表时分开读入。

    每个文件都有一个结果：已读入、空白跳过、已读过、重复、拒收、隔离、不完整或已解压（压缩包，其中的文件各有结果），并说明原因。
    同一文件再次导入不会重复建记录；同一表单第二次交回成为新版本，旧版本保留在历史中。
    扫描页逐页识别：空白页跳过，无法识别或配准的页隔离并说明原因；中途中断后重跑会从断点继续。
    有文件被拒收、隔离或不完整时退出码为 1。

    \b
    示例：
      jiafang ingest 交回/七年级1班/ --report 读入结果.csv
      jiafang ingest 扫描件.pdf 张三_家访记录表.docx --workers 2
      jiafang ingest 微信收到的/七年级1班照片.zip
      jiafang ingest 扫描中心/11月/ --cluster tcp://192.168.1.20:8786
    """
    from pipeline.ingest import ingest
    from pipeline.ingest.intake import write_intake_report

    with opened_workspace(workspace) as ws, progress_bar("读入表单") as progress:
        report = ingest(ws, list(paths), workers=workers, progress=progress, cluster=cluster)
    print_ingest_summary(report)
    if report_path is not None:
        click.echo(f"读入报告：{write_intake_report(report.files, report_path)}", err=True)
    if report.stopped:
        raise click.ClickException(report.stopped)
    problems = sum(len(report.files_with(o)) for o in _PROBLEMS)
    if problems:
        raise click.ClickException(f"{problems} 个文件被拒收、隔离或不完整，原因见上方。")


def _review_rows(report: IngestReport) -> list[tuple[str, object]]:
    """Review load: fields per form and minutes, this batch's and the workspace's."""
    rows: list[tuple[str, object]] = []
    if report.review_load is not None and report.review_load.forms:
        load = report.review_load
        rows += [("每份表单待复核字段", f"{load.per_form:.1f}"), ("本批预计复核（分钟）", f"{load.minutes:.1f}")]
    if report.review_left is not None:
        rows.append(("工作区共待复核", f"{report.review_left.fields} 个字段，约 {report.review_left.minutes:.1f} 分钟"))
    return rows


def print_ingest_summary(report: IngestReport) -> None:
    """Every file that did not simply go in, with its reason; then the counts."""
    from pipeline.model.intake import FILE_OUTCOMES

    for outcome in _LISTED:
        for f in report.files_with(outcome):
            reason = f.reason if f.reason.startswith(f.path) else f"{f.path}：{f.reason}"
            click.echo(f"{f.label}：{reason}", err=True)
    for notice in report.notices:
        click.echo(f"注意：{notice}", err=True)
    for item in report.items:
        if item.outcome in ("new", "updated", "read") and item.message:
            click.echo(f"注意：{item.message}", err=True)
    summary_table(
        "读入结果",
        [
            ("文件", len(report.files)),
            *((f"文件：{label}", len(report.files_with(o))) for o, label in FILE_OUTCOMES.items()),
            ("新记录", report.count("new")),
            ("更新（新版本）", report.count("updated")),
            ("需要复核", report.needs_review),
            ("字段：自动通过", report.fields("auto")),
            ("字段：待复核", report.fields("review")),
            *_review_rows(report),
            ("扫描页：识读", report.count("read")),
            ("扫描页：隔离", report.count("quarantined") + report.count("unreadable")),
            ("用时（秒）", f"{report.seconds:.1f}"),
        ],
    )
