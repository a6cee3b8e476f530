"""``jiafang records``: list, show and export the records read back from returned forms."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from pipeline.cli.options import library_errors, opened_workspace, operator_option, workspace_option, workspace_session
from pipeline.cli.progress import tab_list
from pipeline.cli.school_cmd import school_option
from pipeline.export import STATUS_LABELS, cell_text, student_name
from pipeline.model.form import form_ids, load_form

if TYPE_CHECKING:
    from pipeline.model.record import Record

STATUS_CHOICE = click.Choice(["auto", "review", "verified"])
FORM_CHOICE = click.Choice(form_ids())

class_option = click.option("--class", "class_name", default=None, help="只看这个班级，如“七年级（1）班”。")
status_option = click.option(
    "--status", type=STATUS_CHOICE, default=None, help="只看这个状态：auto 自动通过、review 待复核、verified 已核实。"
)
form_option = click.option("--form", "form", type=FORM_CHOICE, default=None, help="只看这种表单：record、outline、memo。")


@click.group()
def records() -> None:
    """读回的记录：列表、查看、导出。

    每份交回的表单是一条记录（按表单编号），再次交回时新版本成为当前版本，旧版本留在历史中。

    \b
    示例：jiafang records list --status review
    """


@records.command("list")
@class_option
@status_option
@form_option
@school_option
@operator_option
@workspace_option
@library_errors
def list_cmd(
    class_name: str | None, status: str | None, form: str | None, school: str | None, operator: str | None, workspace: Path
) -> None:
    """列出记录的当前版本：表单编号、学生、班级、表单、版本、状态、待复核字段数。

    \b
    示例：jiafang records list
    示例：jiafang records list --class 七年级（1）班 --status review
    示例：jiafang records list --school QHXY02 --operator 王老师
    """
    found = _load(workspace, class_name, status, form, school=school, operator=operator)
    tab_list(("表单编号", "学生", "班级", "表单", "版本", "状态", "待复核字段数"), (_list_row(r) for r in found))
    click.echo(f"共 {len(found)} 条记录")


@records.command("show")
@click.argument("form_id")
@operator_option
@workspace_option
@library_errors
def show_cmd(form_id: str, operator: str | None, workspace: Path) -> None:
    """显示表单 FORM_ID 的当前记录：每个字段的值、读到的原文、置信度、来源、状态和说明，以及版本历史。

    \b
    示例：jiafang records show QHMD01-7K3M9P2X
    """
    from pipeline.scope.access import check_student_scope
    from pipeline.model.audit import default_operator
    from pipeline.store import repo
    from pipeline.store.records import record_history

    with workspace_session(workspace) as session:
        issued = repo.get_issued_form(session, form_id)
        if issued is not None:
            check_student_scope(session, operator or default_operator(), issued.student_no)
        history = record_history(session, form_id)
    if issued is None:
        raise click.ClickException(
            f"没有表单编号为“{form_id}”的表单：本工作区没有发放过它。请核对编号（jiafang records list 列出已读回的表单）。"
        )
    if not history:
        raise click.ClickException(f"表单“{form_id}”已发放，但还没有读回的记录。")
    current = history[-1]
    _echo_record(current)
    click.echo("\n版本历史：")
    for r in history:
        when = r.created_at.astimezone().strftime("%Y-%m-%d %H:%M") if r.created_at else ""
        mark = "（当前）" if r is current else ""
        click.echo(f"  版本 {r.version}\t{when}\t{STATUS_LABELS[r.status]}\t{r.reader}\t{r.source_file}{mark}")


@records.command("export")
@click.option("--format", "fmt", type=click.Choice(["json", "csv", "xlsx"]), required=True, help="导出格式。")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="输出文件。")
@class_option
@status_option
@form_option
@click.option("--outward", is_flag=True, help="外发文件（交教育局等）：遮盖电话、身份证号，略去敏感字段。")
@click.option("--include-sensitive", is_flag=True, help="与 --outward 同用：仍保留家庭情况、发现的问题等敏感字段。")
@school_option
@operator_option
@workspace_option
@library_errors
def export_cmd(
    fmt: str,
    out: Path,
    class_name: str | None,
    status: str | None,
    form: str | None,
    outward: bool,
    include_sensitive: bool,
    school: str | None,
    operator: str | None,
    workspace: Path,
) -> None:
    """导出记录的当前版本到 FILE。

    \b
    JSON：每条记录一项，字段值按类型规范化（日期 YYYY-MM-DD、时间 HH:MM-HH:MM、选项值等）。
    CSV / XLSX：每条记录一行，列名为表单上的中文字段名，另有状态和待复核字段列。
    含多种表单时：XLSX 每种表单一个工作表；CSV 每种表单一个文件，
    文件名为 FILE 的主名加“_表单”，如 记录_record.csv、记录_memo.csv。

    \b
    示例：jiafang records export --format xlsx --out 家访记录.xlsx --class 七年级（1）班
    示例：jiafang records export --format csv --out 记录.csv --status review
    示例：jiafang records export --format json --out 上报.json --outward
    示例：jiafang records export --format xlsx --out 新苑小学.xlsx --school QHXY02
    """
    from pipeline.export import export_records

    found = _load(workspace, class_name, status, form, school=school, operator=operator)
    written = export_records(found, fmt=fmt, out=out, outward=outward, include_sensitive=include_sensitive)
    for path in written:
        click.echo(f"已写入 {path}")
    click.echo(f"共导出 {len(found)} 条记录")
    if outward:
        kept = "，保留了敏感字段" if include_sensitive else "，略去了敏感字段"
        click.echo(f"外发：电话和身份证号已遮盖{kept}。")


def _load(
    workspace: Path,
    class_name: str | None,
    status: str | None,
    form: str | None,
    *,
    school: str | None = None,
    operator: str | None = None,
) -> list[Record]:
    from pipeline.scope.schools import records_in_scope
    from pipeline.model.audit import default_operator
    from pipeline.model.classes import normalize_class

    with opened_workspace(workspace) as ws:
        return records_in_scope(
            ws,
            school=school,
            operator=operator or default_operator(),
            class_name=normalize_class(class_name) if class_name else None,
            status=status,
            form=form,
        )


def _list_row(r: Record) -> list[str]:
    waiting = sum(fv.status == "review" for fv in r.fields.values())
    title = load_form(r.form).title
    return [r.form_id, student_name(r), r.class_name, title, str(r.version), STATUS_LABELS[r.status], str(waiting)]


def _echo_record(r: Record) -> None:
    form = load_form(r.form)
    click.echo(f"表单编号：{r.form_id}")
    click.echo(f"表单：{form.title}（{form.id}）")
    click.echo(f"学生：{student_name(r)}（学籍号 {r.student_no}）  班级：{r.class_name}")
    click.echo(f"版本：{r.version}  状态：{STATUS_LABELS[r.status]}  读取方式：{r.reader}  原始文件：{r.source_file}")
    for note in r.notes:
        click.echo(f"提示：{note}")
    click.echo("")
    for f in form.fields:
        fv = r.fields.get(f.id)
        if fv is None:
            continue
        value = cell_text(fv).replace("\n", " ⏎ ")
        click.echo(f"{f.label} [{STATUS_LABELS[fv.status]}] {value}")
        raw = fv.raw.replace("\n", " ⏎ ") or "（空）"
        click.echo(f"    原文：{raw} · 置信度 {fv.confidence:.2f} · 来源 {fv.source}")
        if fv.refs:
            click.echo(f"    对应：{'、'.join(fv.refs)}")
        if fv.message:
            click.echo(f"    说明：{fv.message}")
