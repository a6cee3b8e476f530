"""``jiafang forms``: inspect the form definitions."""

from __future__ import annotations

import json

import click

from pipeline.cli.options import library_errors
from pipeline.model import form_ids, layout_dict, load_form


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
