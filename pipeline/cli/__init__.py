"""The ``jiafang`` command line: thin commands over the library.

Each command group lives in its own module and makes library calls; the library raises
named errors and only this layer turns them into click errors. Commands import the heavy
library modules (reportlab, OpenCV, SQLAlchemy) inside their bodies so `--help` stays fast.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import Any

import click

from pipeline import __version__
from pipeline.cli.calibrate_cmd import calibrate_command
from pipeline.cli.demo_cmd import demo_command
from pipeline.cli.doctor_cmd import doctor_command
from pipeline.cli.forms_cmd import forms
from pipeline.cli.roster_cmd import roster
from pipeline.cli.workspace_cmd import init
from pipeline.cli.generate_cmd import generate_command
from pipeline.cli.ingest_cmd import ingest_command
from pipeline.cli.options import WORKSPACE_META
from pipeline.cli.records_cmd import records
from pipeline.cli.archive_cmd import archive
from pipeline.cli.audit_cmd import audit
from pipeline.cli.review_cmd import review
from pipeline.cli.report_cmd import report
from pipeline.cli.samples_cmd import samples
from pipeline.cli.scan_cmd import scan
from pipeline.cli.serve_cmd import serve
from pipeline.cli.plan_cmd import plan
from pipeline.cli.operators_cmd import operators
from pipeline.cli.watch_cmd import watch_command
from pipeline.cli.jobs_cmd import jobs
from pipeline.cli.school_cmd import school
from pipeline.cli import district_cmd  # noqa: F401  (registers `report district` and `report merge`)


class _JiafangGroup(click.Group):
    """The command group; an error nobody foresaw becomes "程序错误" and a log entry, never a
    traceback on the clerk's screen."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as exc:
            log_file = _log_unexpected(exc, ctx.meta.get(WORKSPACE_META))
            raise click.ClickException(f"程序错误：命令没有完成（详细信息已写入日志 {log_file}）。请把日志交给维护人员") from exc


def _log_unexpected(exc: Exception, workspace: Path | None) -> Path:
    """Write ``exc`` with its trace to the workspace's log (else the temp folder's); returns it."""
    from pipeline.ingest.faults import error_log

    folder = workspace if workspace is not None and Path(workspace).is_dir() else Path(tempfile.gettempdir()) / "jiafang"
    with error_log(folder) as log_file:
        logging.getLogger("pipeline.cli").error("unexpected error", exc_info=exc)
    return log_file


@click.group(cls=_JiafangGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="jiafang")
def main() -> None:
    """jiafang（家访）：打印家访表单、读回填好的表单、生成档案与报表。

    \b
    快速开始：
      jiafang init                 建立工作区
      jiafang roster import 花名册.xlsx
      jiafang generate --forms record --format pdf --out 打印
      jiafang demo                 用示例学校跑一遍全过程
      jiafang doctor               检查本机字体与识别引擎
      jiafang serve                在浏览器中打开家访工作台
    """


main.add_command(forms)
main.add_command(init)
main.add_command(roster)
main.add_command(generate_command)
main.add_command(demo_command)
main.add_command(doctor_command)
main.add_command(ingest_command)
main.add_command(records)
main.add_command(samples)
main.add_command(report)
main.add_command(review)
main.add_command(archive)
main.add_command(audit)
main.add_command(scan)
main.add_command(calibrate_command)
main.add_command(serve)
main.add_command(plan)
main.add_command(operators)
main.add_command(watch_command)
main.add_command(jobs)
main.add_command(school)
