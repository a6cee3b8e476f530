"""``jiafang plan``: the term's visit plan — make, documents, status, update, confirm."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import click

from pipeline.cli.options import library_errors, opened_workspace, operator_option, workspace_option
from pipeline.cli.progress import columns_table, summary_table

if TYPE_CHECKING:
    from pipeline.model.plan import VisitPlan
    from pipeline.plan.run import PlanResult

term_option = click.option("--term", required=True, help="学期编号，如 2025-2026-1（政策配置 semesters 中的 id）。")
as_of_option = click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), default=None, help="按哪一天统计，默认今天。")


@click.group()
def plan() -> None:
    """家访计划：按政策配置为本学期每名学生排定家访（周次、教师、方式、理由），并跟踪完成情况。

    \b
    示例：
      jiafang plan make --term 2025-2026-1
      jiafang plan docs --term 2025-2026-1 --out 家访计划 --forms
      jiafang plan status --term 2025-2026-1
      jiafang plan update --term 2025-2026-1
    """


@plan.command("make")
@term_option
@click.option("--class", "class_name", default=None, help="只重排这个班级（其他班级的安排不变）。")
@click.option("--seed", type=int, default=None, help="排序种子：同样的花名册、配置与种子得到同样的计划。")
@click.option("--stages/--no-stages", default=None, help="采用三阶段模式（启航适应期、成长观测期、总结展望期）；默认按政策配置。")
@click.option("--calendar", "calendar_file", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None, help="校历文件（YAML）；默认用工作区 plan/校历_学期.yaml。")
@click.option("--partial", is_flag=True, help="排不下时仍保存能排下的部分（缺口照样列出）。")
@click.option("--explain", is_flag=True, help="逐条列出每次家访的安排理由。")
@operator_option
@workspace_option
@library_errors
def make_cmd(term: str, class_name: str | None, seed: int | None, stages: bool | None, calendar_file: Path | None, partial: bool, explain: bool, operator: str | None, workspace: Path) -> None:
    """排出本学期的家访计划：每名学生按规定入户，特殊群体每学期入户，重点学生至少联系两次，
    领导完成家访任务；不超过每位教师每周的家访时间，避开考试周和假日，同一晚的家庭在同一片区。

    容量不够时不保存计划，而是列出哪些学生、哪条规定排不下，以及还需要多少教师工时。

    \b
    示例：
      jiafang plan make --term 2025-2026-1
      jiafang plan make --term 2025-2026-1 --class 七年级（1）班 --explain
      jiafang plan make --term 2025-2026-2 --stages --seed 7
    """
    from pipeline import defs
    from pipeline.plan.run import make_term_plan

    with opened_workspace(workspace) as ws:
        result = make_term_plan(
            ws, term, class_name=class_name, seed=defs.PLAN_DEFAULT_SEED if seed is None else seed, stages=stages,
            calendar_file=calendar_file, partial=partial, operator=operator,
        )
    _print_result(result, explain=explain, class_name=class_name)


@plan.command("update")
@term_option
@as_of_option
@click.option("--partial", is_flag=True, help="排不下时仍保存能排下的部分。")
@operator_option
@workspace_option
@library_errors
def update_cmd(term: str, as_of: dt.datetime | None, partial: bool, operator: str | None, workspace: Path) -> None:
    """花名册变化后（新生、转出、新的特殊群体标记）重排尚未完成的家访；已完成或已与家长约定的不动。

    \b
    示例：
      jiafang roster import 花名册.xlsx && jiafang plan update --term 2025-2026-1
    """
    from pipeline.plan.run import update_term_plan

    with opened_workspace(workspace) as ws:
        update = update_term_plan(ws, term, as_of=as_of.date() if as_of else None, partial=partial, operator=operator)
    summary_table("计划更新", [("保留（已完成或已约定）", update.kept), ("新增", len(update.added)), ("取消", len(update.dropped)), ("改期或换人", update.moved)])
    for v in update.added:
        click.echo(f"新增：{v.class_name} {v.student_name}，第 {v.week} 周，{v.teacher_name}")
    for v in update.dropped:
        click.echo(f"取消：{v.class_name} {v.student_name}（{v.mode}）")
    _print_result(update.result, explain=False)


@plan.command("confirm")
@term_option
@click.argument("student_no")
@click.option("--purpose", default="home", show_default=True, help="哪一次：home（入户）、contact2（第二次联系）、call（首次电话）。")
@workspace_option
@library_errors
def confirm_cmd(term: str, student_no: str, purpose: str, workspace: Path) -> None:
    """记下某次家访的时间已与家长约定：之后 plan update 不再改动它。

    \b
    示例：jiafang plan confirm --term 2025-2026-1 G994624201304250020
    """
    from pipeline.plan.explain import explain
    from pipeline.plan.run import confirm_visit

    with opened_workspace(workspace) as ws:
        visit = confirm_visit(ws, term, student_no, purpose)
    click.echo(f"已约定：{explain(visit)}")


@plan.command("status")
@term_option
@as_of_option
@workspace_option
@library_errors
def status_cmd(term: str, as_of: dt.datetime | None, workspace: Path) -> None:
    """对照交回的家访记录，按班级和教师列出计划的完成情况：按时、提前、推迟完成，逾期，本周待访，未到期。

    \b
    示例：jiafang plan status --term 2025-2026-1 --as-of 2025-11-20
    """
    from collections import Counter

    from pipeline.model.plan import STATE_HEADINGS, STATE_WORDS
    from pipeline.plan.run import plan_status
    from pipeline.plan.tracking import progress_by

    with opened_workspace(workspace) as ws:
        _, progress = plan_status(ws, term, as_of=as_of.date() if as_of else None)
    headers = ("", "计划", *STATE_HEADINGS.values())  # short: a class name still fits 80 columns
    tables = (
        ("按班级", lambda v: v.class_name),
        ("按负责教师", lambda v: v.teacher_name),
        ("按同去教师（学校领导等）", lambda v: v.companion_name),
    )
    for title, key in tables:
        groups = progress_by(progress, key)
        rows = [(name, sum(c.values()), *(c[s] for s in STATE_WORDS)) for name, c in groups.items()]
        total = sum(groups.values(), Counter[str]())
        rows.append(("合计", sum(total.values()), *(total[s] for s in STATE_WORDS)))
        columns_table(f"家访计划完成情况（{progress.as_of}，第 {progress.week} 周）{title}", headers, rows)
    other = sum(t.other_mode for t in progress.tracked)
    click.echo(f"计划外的家访记录：{progress.unplanned} 条；以其他方式完成的计划：{other} 次。")


@plan.command("docs")
@term_option
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True, help="输出目录。")
@click.option("--class", "class_name", default=None, help="只写这个班级的文件。")
@click.option("--forms", is_flag=True, help="同时按日程顺序打印尚未完成家访的记录表，预填计划的家访教师。")
@workspace_option
@library_errors
def docs_cmd(term: str, out_dir: Path, class_name: str | None, forms: bool, workspace: Path) -> None:
    """写出计划文件：每班《班级家访工作计划》（Word 与 PDF）、家访安排表（Excel，按周、按教师的 PDF）、
    每位教师的日历文件（.ics，可导入手机日历）。

    \b
    示例：
      jiafang plan docs --term 2025-2026-1 --out 家访计划
      jiafang plan docs --term 2025-2026-1 --class 七年级（1）班 --out 七1班 --forms
    """
    from pipeline.plan.docs import write_plan_docs

    with opened_workspace(workspace) as ws:
        docs = write_plan_docs(ws, term, out_dir, class_name=class_name, forms=forms)
    rows: list[tuple[str, object]] = [("文件数", len(docs.files)), ("输出目录", out_dir)]
    if docs.forms is not None:
        rows += [("记录表（份）", docs.forms.forms_issued), ("记录表 PDF 页数", docs.forms.pdf_pages)]
    summary_table("家访计划文件", rows)


def _print_result(result: PlanResult, *, explain: bool, class_name: str | None = None) -> None:
    from pipeline.model.classes import normalize_class
    from pipeline.plan.explain import explain as sentence

    plan = result.plan
    if result.calendar_written is not None:
        click.echo(f"已按学期日期生成校历：{result.calendar_written}（考试周、假期可修改后重新运行）")
    if explain:
        for v in plan.visits:
            if class_name is None or v.class_name == normalize_class(class_name):
                click.echo(sentence(v))
    _print_counts(plan)
    if plan.shortfalls:
        click.echo("以下规定在现有教师时间内排不下：", err=True)
        for s in plan.shortfalls:
            click.echo(f"  {s.text}", err=True)
        hours = sum(s.extra_hours for s in plan.shortfalls)
        click.echo(f"合计约需再增加 {hours:g} 个教师工时（或在政策配置 plan: 中提高每周家访次数）。", err=True)
    if not result.stored:
        raise click.ClickException("计划未保存：请增加教师时间或任课教师后重新运行，或加 --partial 保存能排下的部分。")
    click.echo(f"计划已保存（{plan.plan_id}）。下一步：jiafang plan docs --term {plan.term} --out 家访计划")


def _print_counts(plan: VisitPlan) -> None:
    from collections import Counter

    by_class = Counter(v.class_name for v in plan.visits)
    homes = Counter(v.class_name for v in plan.visits if v.purpose == "home")
    pairs = Counter(v.class_name for v in plan.visits if v.companion_no)
    rows = [(cls, by_class[cls], homes[cls], pairs[cls]) for cls in by_class]
    columns_table(f"家访计划 {plan.term}", ("班级", "家访（次）", "入户", "两人同去"), rows)
