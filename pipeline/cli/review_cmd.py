"""``jiafang review``: confirm or correct the fields the readers were unsure of.

``serve`` starts the local review web page; ``export``/``import`` do the same work through a
spreadsheet for offices that prefer one.
"""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.cli.options import library_errors, opened_workspace, operator_option, workspace_option
from pipeline.cli.progress import summary_table
from pipeline.cli.serve_cmd import host_port_options, run_console
from pipeline.model.form import KINDS, form_ids


@click.group()
def review() -> None:
    """复核：人工确认或更正识别不确定的字段（网页或电子表格）。

    \b
    示例：jiafang review serve --operator 李老师
    示例：jiafang review export --out 复核表.xlsx
    """


@review.command("serve")
@host_port_options(8765)
@operator_option
@workspace_option
@library_errors
def serve_cmd(port: int, host: str, operator: str | None, workspace: Path) -> None:
    """启动本机复核网页，打印带一次性访问令牌的链接；按 Ctrl+C 停止。

    链接只能打开一次：第一次打开的浏览器得到登录状态，之后链接失效。换浏览器时请重新启动。

    键盘操作：Enter 确认（改过则保存更正），Tab/Shift+Tab 上下移动，Esc 还原，
    F8 标记无法辨认，F9 查看整页图像。

    \b
    示例：jiafang review serve --operator 李老师
    示例：jiafang review serve --port 9000 -w 家访数据
    """
    run_console(workspace, host=host, port=port, operator=operator, start="/queue", title="复核网页", open_browser=False)


@review.command("export")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="输出的 .xlsx 文件。")
@click.option("--class", "class_name", default=None, help="只导出这个班级。")
@click.option("--form", type=click.Choice(form_ids()), default=None, help="只导出这种表单：record、outline、memo。")
@click.option("--kind", type=click.Choice(KINDS), default=None, help="只导出这类字段，如 date、single_choice。")
@operator_option
@workspace_option
@library_errors
def export_cmd(
    out: Path, class_name: str | None, form: str | None, kind: str | None, operator: str | None, workspace: Path
) -> None:
    """把待复核的字段导出为复核表（每行一个字段，嵌入原件图像，“核对值”列可修改）。

    \b
    示例：jiafang review export --out 复核表.xlsx
    示例：jiafang review export --out 七1班日期.xlsx --class 七年级（1）班 --kind date
    """
    from pipeline.model.audit import default_operator
    from pipeline.review.sheet import export_sheet

    with opened_workspace(workspace) as ws:
        rows = export_sheet(ws, out, operator=operator or default_operator(), class_name=class_name, form=form, kind=kind)
    click.echo(f"已导出 {rows} 个待复核字段到 {out}")


@review.command("import")
@click.argument("sheet", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@operator_option
@workspace_option
@library_errors
def import_cmd(sheet: Path, operator: str | None, workspace: Path) -> None:
    """导入填好的复核表：改过“核对值”的行保存为更正，打 √ 的行确认，写“无法辨认”的行照此标记。

    每行都像网页上一样校验；有问题的行按行号列出，其余行照常导入。有问题的行时退出码为 1。

    \b
    示例：jiafang review import 复核表.xlsx --operator 李老师
    """
    from pipeline.model.audit import default_operator
    from pipeline.review.sheet import import_sheet, import_summary

    with opened_workspace(workspace) as ws:
        result = import_sheet(ws, sheet, operator=operator or default_operator())
    for problem in result.problems:
        click.echo(f"{sheet} 第 {problem.row} 行：{problem.message}", err=True)
    summary_table("复核表导入结果", list(import_summary(result)))
    if result.problems:
        raise click.ClickException(f"{len(result.problems)} 行未导入，原因见上方；其余行已导入。")
