"""``jiafang report district`` and ``jiafang report merge``: the district 统计表."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from pipeline.cli.options import library_errors, opened_workspace, operator_option, workspace_option
from pipeline.cli.report_cmd import report

if TYPE_CHECKING:
    from pipeline.district.table import DistrictTable

MERGED_OUT = "区统计表（汇总）.xlsx"


@report.command("district")
@click.option("--month", required=True, help="统计月份，格式 YYYY-MM，如 2025-11。")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="输出的 .xlsx 文件。")
@operator_option
@workspace_option
@library_errors
def district_cmd(month: str, out: Path, operator: str | None, workspace: Path) -> None:
    """区统计表：工作区中每所学校统计表的“合计”行、全区合计、未报送的学校，
    各校特殊群体覆盖和校领导、中层任务完成情况（各校按本校政策配置）。

    本月没有任何家访记录（已计入或待复核）的学校列为未报送。表中只有计数，
    不含学生姓名、电话、学籍号或个人的特殊群体标签。须绑定到全区的操作人。

    \b
    示例：jiafang report district --month 2025-11 --out 区统计表.xlsx
    """
    from pipeline.district.report import make_district_report

    with opened_workspace(workspace) as ws:
        made = make_district_report(ws, month=month, out=out, operator=operator)
    click.echo(f"已写入 {made.path}")
    _summary(made.table)


@report.command("merge")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--month", default=None, help="汇总月份 YYYY-MM；默认取多数统计表写明的月份。")
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), default=Path(MERGED_OUT), show_default=True, help="输出的 .xlsx 文件。"
)
@operator_option
@workspace_option
@library_errors
def merge_cmd(files: tuple[Path, ...], month: str | None, out: Path, operator: str | None, workspace: Path) -> None:
    """汇总学校报送的统计表 FILES（jiafang report stats 写出的 .xlsx）为区统计表。

    每个文件先检查：能否打开、填报单位是否为本区登记的学校、统计月份、表头格式、
    各格是否为数字、各方式人次之和与家访人次、各班之和与“合计”行。
    不合格的文件逐个列出原因，不计入，其他文件照常汇总；有文件被拒时退出码为 1。

    \b
    示例：jiafang report merge 统计表/*.xlsx --out 区统计表.xlsx
    示例：jiafang report merge 统计表/*.xlsx --month 2025-11
    """
    from pipeline.district.merge import merge_stats_workbooks

    with opened_workspace(workspace) as ws:
        merged = merge_stats_workbooks(ws, files, out=out, month=month, operator=operator)
    for f in merged.files:
        click.echo(f"[{'采用' if f.accepted else '拒收'}] {f.path}" + (f"：{f.reason}" if f.reason else f"（{f.school}）"))
    click.echo(f"已写入 {merged.path}")
    _summary(merged.table)
    if not all(f.accepted for f in merged.files):
        raise click.exceptions.Exit(1)


def _summary(table: DistrictTable) -> None:
    total = table.total
    click.echo(
        f"{table.month}：已报送 {len(table.schools)} 所学校，走访学生 {total.month.visited} 人、家访 {total.month.visits} 人次；"
        f"本学年累计覆盖率 {total.year.coverage:.1%}。"
    )
    if table.missing:
        click.echo(f"未报送：{'、'.join(table.missing)}")
