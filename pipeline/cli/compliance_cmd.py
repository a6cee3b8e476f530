"""``jiafang report compliance`` and ``jiafang report ledger``: the to-do list and the 台账."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.table import Table

from pipeline.cli.options import library_errors, opened_workspace, operator_option, policy_option, workspace_option
from pipeline.cli.school_cmd import school_option

if TYPE_CHECKING:
    from pipeline.report.compliance import ComplianceReport
    from pipeline.report.ledger import LedgerItem
    from pipeline.report.written import Written

as_of_option = click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="按这一天检查，格式 YYYY-MM-DD；默认今天（学年结束后为学年最后一天）。",
)
class_option = click.option("--class", "class_name", default=None, help="只看这个班级，如“七年级（1）班”；默认全校。")


@click.command("compliance")
@as_of_option
@class_option
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="另写成 .xlsx 文件。")
@operator_option
@policy_option
@school_option
@workspace_option
@library_errors
def compliance_cmd(
    as_of: dt.datetime | None,
    class_name: str | None,
    out: Path | None,
    operator: str | None,
    policy: Path | None,
    school: str | None,
    workspace: Path,
) -> None:
    """家访待办清单：按政策配置检查还没做到的事，按班级和责任教师列出。

    \b
    五类待办：
      本学年无入户家访      学年内还没有入户走访的学生（责任人：班主任）
      本学期特殊群体未入户  特殊群体学生本学期还没有入户走访（责任人：班主任）
      领导家访进度落后      校长、副校长、中层的家访人次低于按学年进度折算的任务
                            （全年任务 × 已过天数 ÷ 学年天数，向下取整）
      跟进逾期              台账问题过了跟进期限仍无回访（责任人：家访教师）
      记录逾期录入          记录存入系统晚于家访结束后规定时限（默认 24 小时）。
                            录入时间是记录进入系统的时间：纸质表扫描录入时，
                            这一项衡量的是办公室的录入速度，不是教师填表的时间。
    只有“自动通过”“已核实”的记录算作家访；待复核的记录单独注明。
    指定 --class 时不列学校领导的进度（那是个人的全年任务，不属于某个班）。
    写出 .xlsx 时记入审计日志（操作人、范围、选项、文件 SHA-256）。

    \b
    示例：jiafang report compliance
    示例：jiafang report compliance --as-of 2026-03-20 --class 七年级（1）班
    示例：jiafang report compliance --out 家访待办.xlsx --operator 王老师
    """
    from pipeline.model.policy import load_policy
    from pipeline.report.compliance import make_compliance_report

    with opened_workspace(workspace) as ws:
        made = make_compliance_report(
            ws,
            as_of=as_of.date() if as_of else None,
            class_name=class_name,
            out=out,
            policy=load_policy(policy) if policy else None,
            operator=operator,
            school=school,
        )
    _print_compliance(made.report)
    _echo_written(made.written)


@click.command("ledger")
@as_of_option
@class_option
@click.option(
    "--status",
    type=click.Choice(["open", "done", "overdue"]),
    default=None,
    help="只看这个状态：open 未完成、done 已完成、overdue 已逾期。",
)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="另写成 .xlsx 文件。")
@operator_option
@policy_option
@school_option
@workspace_option
@library_errors
def ledger_cmd(
    as_of: dt.datetime | None,
    class_name: str | None,
    status: str | None,
    out: Path | None,
    operator: str | None,
    policy: Path | None,
    school: str | None,
    workspace: Path,
) -> None:
    """问题台账：家访记录中“发现的问题”逐条列出，连同四措施、责任教师、跟进期限和回访情况。

    \b
    跟进期限：表上写的回访日期；没写时为家访日期后政策规定的最长天数（默认 7 天）。
    回访：同一学生此后的家访，标为“回访”的（不论早晚），或在跟进期限内的任何一次家访。
    状态：已完成（有回访）、已逾期（过了期限仍无回访）、未完成（未到期限）。
    “发现的问题”写“无”“暂无”的记录不列入。
    写出 .xlsx 时记入审计日志。

    \b
    示例：jiafang report ledger
    示例：jiafang report ledger --status overdue --class 七年级（1）班
    示例：jiafang report ledger --as-of 2026-03-20 --out 问题台账.xlsx --operator 王老师
    """
    from pipeline.model.policy import load_policy
    from pipeline.report.ledger import make_ledger_report

    with opened_workspace(workspace) as ws:
        made = make_ledger_report(
            ws,
            as_of=as_of.date() if as_of else None,
            class_name=class_name,
            status=status,
            out=out,
            policy=load_policy(policy) if policy else None,
            operator=operator,
            school=school,
        )
    _print_ledger(made.items, made.scope, made.as_of)
    _echo_written(made.written)


def _print_compliance(rep: ComplianceReport) -> None:
    from pipeline.report.compliance import by_class, by_teacher, teacher_label

    console = Console()
    semester = rep.semester or "假期，不在学期内"
    console.print(f"[bold]家访待办清单[/bold]  {rep.class_name or '全校'}  统计日期 {rep.as_of}（{semester}）")
    for class_name, items in by_class(rep.items).items():
        table = Table(title=f"{class_name}：{len(items)} 项", title_justify="left")
        table.add_column("责任教师", no_wrap=True)
        table.add_column("类别", min_width=8)
        table.add_column("学生", no_wrap=True)
        table.add_column("说明", overflow="fold")
        table.add_column("期限", no_wrap=True)
        for teacher_items in by_teacher(items).values():
            for n, item in enumerate(teacher_items):
                table.add_row(
                    teacher_label(item) if n == 0 else "",
                    rep.labels[item.kind],
                    _student(item.student_name, item.student_no),
                    item.detail,
                    _due(item.due, item.overdue_days),
                )
            table.add_section()
        console.print(table)
    if rep.items:
        console.print(_teacher_summary(rep))
    else:
        console.print("没有待办事项。")
    for note in rep.notes:
        console.print(f"说明：{note}")
    if rep.pending_review:
        console.print(f"另有 {rep.pending_review} 份记录待复核，复核通过前不计为家访（jiafang records list --status review）。")


def _teacher_summary(rep: ComplianceReport) -> Table:
    from pipeline.report.compliance import by_teacher, teacher_label

    table = Table(title="按责任教师汇总", title_justify="left")
    table.add_column("责任教师", no_wrap=True)
    for label in rep.labels.values():
        table.add_column(label, justify="right", overflow="fold")
    table.add_column("合计", justify="right")
    for items in by_teacher(sorted(rep.items, key=lambda i: i.responsible_no)).values():
        counts = [sum(i.kind == kind for i in items) for kind in rep.labels]
        table.add_row(teacher_label(items[0]), *(str(c or "") for c in counts), str(len(items)))
    return table


def _student(name: str, student_no: str) -> str:
    return f"{name}\n{student_no}" if student_no else ""


def _due(due: dt.date | None, overdue_days: int) -> str:
    text = f"{due}" if due else ""
    return text + (f"\n逾期 {overdue_days} 天" if overdue_days else "")


def _print_ledger(items: Sequence[LedgerItem], scope: str, as_of: dt.date) -> None:
    from pipeline.report.ledger import status_counts

    console = Console()
    console.print(f"[bold]问题台账[/bold]  {scope}  统计日期 {as_of}")
    for class_name, class_items in _by_class(items).items():
        table = Table(title=f"{class_name}：{len(class_items)} 项", title_justify="left", show_lines=True)
        table.add_column("学生", no_wrap=True)
        table.add_column("发现的问题", overflow="fold")
        table.add_column("四措施", overflow="fold")
        table.add_column("责任教师", no_wrap=True)
        table.add_column("发现日期", no_wrap=True)
        table.add_column("跟进期限", no_wrap=True)
        table.add_column("回访", overflow="fold")
        table.add_column("状态", no_wrap=True)
        for i in class_items:
            table.add_row(
                _student(i.student_name, i.student_no),
                i.problem,
                "\n".join(i.measures),
                i.responsible,
                f"{i.opened}",
                f"{i.due}",
                "\n".join(f"{f.date} {f.visit_type or ''}" for f in i.followups),
                i.status_label + (f"\n{i.overdue_days} 天" if i.overdue_days else ""),
            )
        console.print(table)
    console.print(f"共 {len(items)} 项：" + "，".join(f"{k} {v}" for k, v in status_counts(items).items()))


def _by_class(items: Sequence[LedgerItem]) -> dict[str, list[LedgerItem]]:
    groups: dict[str, list[LedgerItem]] = {}
    for i in items:
        groups.setdefault(i.class_name, []).append(i)
    return groups


def _echo_written(written: Written | None) -> None:
    if written is not None:
        click.echo(f"已写入 {written.path}（已记入审计日志）")
