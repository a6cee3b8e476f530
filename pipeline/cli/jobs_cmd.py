"""``jiafang jobs``: the console's background jobs (print, ingest, watch) from the terminal."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.cli.options import library_errors, opened_workspace, workspace_option, workspace_session
from pipeline.cli.progress import columns_table


@click.group("jobs")
def jobs() -> None:
    """家访工作台的后台任务（打印、读入、监视文件夹）：查看，或在不开工作台时运行。

    \b
    示例：
      jiafang jobs list
      jiafang jobs run
    """


@jobs.command("list")
@workspace_option
@click.option("--limit", type=click.IntRange(1), default=20, show_default=True, help="列出最近多少个任务。")
@library_errors
def list_command(workspace: Path, limit: int) -> None:
    """列出最近的任务：状态、进度和结果。

    \b
    示例：jiafang jobs list --limit 50
    """
    from pipeline.jobs.kinds import KINDS
    from pipeline.store import jobs as job_store

    with workspace_session(workspace) as session:
        found = job_store.list_jobs(session, limit=limit)
    rows = [(j.id, KINDS[j.kind].label, j.state_label, f"{j.done}/{j.total}", j.operator, j.message) for j in found]
    columns_table("任务", ("编号", "内容", "状态", "进度", "操作人", "结果"), rows)


@jobs.command("run")
@workspace_option
@library_errors
def run_command(workspace: Path) -> None:
    """运行排队中和被中断的任务（监视文件夹的任务除外），直到没有任务为止。

    工作台（jiafang serve）开着时它会自己运行任务，不必用这个命令。

    \b
    示例：jiafang jobs run -w 家访数据
    """
    from pipeline.jobs import recover_interrupted, run_pending

    with opened_workspace(workspace) as ws:
        recover_interrupted(ws)
        for job in run_pending(ws):
            click.echo(f"任务 {job.id}：{job.state_label}。{job.message}")
