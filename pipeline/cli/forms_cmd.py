"""``jiafang forms``: inspect the form definitions."""

from __future__ import annotations

import json
from pathlib import Path

import click

from pipeline.cli.options import library_errors
from pipeline.model import form_ids, layout_dict, load_form
from pipeline.render.docx_templates import build_docx_template, check_template
from pipeline.resources import templates_dir


@click.group()
def forms() -> None:
    """查看表单定义（字段、版面、版面哈希）。"""


@forms.command("list")
@library_errors
def list_forms() -> None:
    """列出所有表单及其版本和版面哈希。

    示例：jiafang forms list
    """
    for fid in form_ids():
        form = load_form(fid)
        click.echo(f"{form.id}\t{form.title}\tv{form.version}\t{form.layout_hash}\t{form.page_count} 页")


@forms.command("layout")
@click.argument("form_id")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出版面（供扫描识别和外部工具使用）。")
@library_errors
def layout(form_id: str, as_json: bool) -> None:
    """输出表单 FORM_ID 的版面：字段、框位置（毫米，原点在页面左上角）。

    示例：jiafang forms layout record --json > record-layout.json
    """
    form = load_form(form_id)
    if as_json:
        click.echo(json.dumps(layout_dict(form), ensure_ascii=False, indent=2))
        return
    click.echo(f"{form.title}（{form.id} v{form.version}，版面哈希 {form.layout_hash}）")
    for f in form.fields:
        box = ", ".join(f"{v:g}" for v in f.box.as_list())
        source = f"预填 {f.prefill}" if f.prefill else "教师填写"
        click.echo(f"  第{f.page}页  {f.id:<20} {f.kind:<14} [{box}]  {f.label}（{source}）")


@forms.command("build-docx-templates")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="模板输出目录；默认为程序自带的 templates 目录。",
)
@library_errors
def build_docx_templates(out: Path | None) -> None:
    """按表单定义重新生成 Word 模板（每个字段一个内容控件），并检查与定义一致。

    修改 forms/*.yaml 后运行，再提交生成的 templates/*.docx。

    示例：jiafang forms build-docx-templates --out templates
    """
    folder = out or templates_dir()
    for fid in form_ids():
        form = load_form(fid)
        path = folder / f"{fid}.docx"
        build_docx_template(form, path)
        problems = check_template(form, path)
        if problems:
            raise click.ClickException("\n".join(problems))
        click.echo(f"{path}\t{len(form.fields)} 个字段")
