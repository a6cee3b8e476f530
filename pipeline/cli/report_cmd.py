"""``jiafang report``: the reports the school office owes upward (统计表 and more)."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.cli.compliance_cmd import compliance_cmd, ledger_cmd
from pipeline.cli.options import library_errors, opened_workspace, operator_option, policy_option, workspace_option
from pipeline.cli.school_cmd import school_option


@click.group()
def report() -> None:
    """报表：月度家访统计表等。

    只统计状态为“自动通过”或“已核实”的记录；待复核的记录单独注明，不计入。

    \b
    示例：jiafang report stats --month 2025-11 --out 家访统计表.xlsx
    """


report.add_command(compliance_cmd)
report.add_command(ledger_cmd)


@report.command("stats")
@click.option("--month", required=True, help="统计月份，格式 YYYY-MM，如 2025-11；须在学年之内。")
@click.option("--class", "class_name", default=None, help="只统计这个班级，如“七年级（1）班”；默认全校。")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="输出文件：.xlsx（报送用）或 .pdf（打印用），格式由后缀决定。",
)
@operator_option
@click.option("--outward", is_flag=True, help="外发（交教育局等）：略去特殊群体统计。")
@click.option("--include-sensitive", is_flag=True, help="与 --outward 同用：仍列出特殊群体统计（写入审计日志）。")
@policy_option
@school_option
@workspace_option
@library_errors
def stats_cmd(
    month: str,
    class_name: str | None,
    out: Path,
    operator: str | None,
    outward: bool,
    include_sensitive: bool,
    policy: Path | None,
    school: str | None,
    workspace: Path,
) -> None:
    """写出某月的家访工作统计表：各班与全校合计的本月和本学年累计数字。

    \b
    内容：学生数、走访学生数（人）、家访人次，按家访方式（入户走访、电话、视频、邀请来校、
    书面联系）分列，覆盖率和入户率，台账问题新增与办结；特殊群体应访、已访（本学期入户）；
    各职务教师参与人数；校领导、中层的家访人次与年度任务。
    每次写出都记入审计日志（操作人、范围、选项、文件 SHA-256）。

    \b
    示例：jiafang report stats --month 2025-11 --out 2025年11月家访统计表.xlsx
    示例：jiafang report stats --month 2025-11 --class 七年级（1）班 --out 七1班.pdf
    示例：jiafang report stats --month 2025-11 --out 上报.xlsx --outward --operator 王老师
    示例：jiafang report stats --month 2025-11 --school QHXY02 --out 新苑小学.xlsx
    """
    from pipeline.model.policy import load_policy
    from pipeline.report.stats.report import make_stats_report

    with opened_workspace(workspace) as ws:
        made = make_stats_report(
            ws,
            month=month,
            out=out,
            class_name=class_name,
            policy=load_policy(policy) if policy else None,
            operator=operator,
            outward=outward,
            include_sensitive=include_sensitive,
            school=school,
        )
    total = made.table.total
    click.echo(f"已写入 {made.path}")
    click.echo(
        f"{made.table.month}：走访学生 {total.month.visited} 人、家访 {total.month.visits} 人次；"
        f"本学年累计 {total.year.visited} 人、{total.year.visits} 人次，覆盖率 {total.year.coverage:.1%}。"
    )
    if made.table.pending_review:
        click.echo(f"另有 {made.table.pending_review} 份记录待复核，未计入（jiafang records list --status review）。")
    if outward:
        click.echo("外发：特殊群体统计已保留（已记入审计日志）。" if include_sensitive else "外发：已略去特殊群体统计。")
