"""``jiafang scan``: debug views of scans (layout overlay, checkbox gallery)."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.cli.options import library_errors, opened_workspace, workspace_option

_out_option = click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="输出的 PNG 文件。"
)


@click.group("scan")
def scan() -> None:
    """扫描件调试工具：查看配准后的页面与版面是否对齐，按填涂率浏览复选框以调整阈值。

    \b
    示例：
      jiafang scan overlay 交回/扫描件.pdf --page 2 --out 叠加.png
      jiafang scan gallery --out 复选框.png --field mode
    """


@scan.command("overlay")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--page", "page_no", type=click.IntRange(min=1), default=1, show_default=True, help="文件中的第几页（从 1 起）。")
@click.option("--half", type=click.IntRange(1, 2), default=None, help="并排两页的扫描件（每版打印 2 页、A3 扫描）：看第几个半页（1 为左或上，2 为右或下）。")
@_out_option
@click.option(
    "--workspace", "-w", type=click.Path(file_okay=False, exists=True, path_type=Path), envvar="JIAFANG_WORKSPACE",
    default=None, show_envvar=True, help="按此工作区的发放记录确定表单（也认得旧版版面）。",
)
@click.option(
    "--forms-dir", type=click.Path(file_okay=False, exists=True, path_type=Path), default=None,
    help="jiafang generate --out 的输出目录：按其中 manifest.json 确定表单。",
)
@library_errors
def overlay(file: Path, page_no: int, half: int | None, out: Path, workspace: Path | None, forms_dir: Path | None) -> None:
    """识别扫描文件 FILE 的一页并配准，把字段框、数字格、选项框和横线带画在配准后的页面上。

    只凭二维码识别（不用页脚或页眉）。二维码只含表单编号：给了 -w 时按工作区的发放记录确定是哪种表单，给了 --forms-dir 时按生成清单，否则按二维码中的版面指纹在现有表单定义中查找。

    图片上方注明识别结果（表单编号、页码、旋转）、配准残差，以及框线与版面对不上的栏（读入时这些栏送人工核对）；给了 -w 时还用黑色粗框画出填写栏以外的手写字迹（按印好的样子比对找出）。空白页、无法识别或无法配准的页说明原因，退出码为 1。

    \b
    示例：
      jiafang scan overlay 交回/七年级1班.pdf --page 3 --out 叠加.png
      jiafang scan overlay 扫描/0001.png -w jiafang-data --out 叠加.png
      jiafang scan overlay 扫描/每版两页.pdf --page 1 --half 2 --out 右半页.png
    """
    from pipeline.ingest.inspect import chain_lookups, form_by_issue, form_by_layout, form_by_manifest, overlay_scan, write_png
    from pipeline.ingest.scan_run import scan_context

    lookups = [form_by_manifest(forms_dir)] if forms_dir else []
    context = None
    if workspace:
        with opened_workspace(workspace) as ws:
            context = scan_context(ws)  # read at once: the issuance table, layouts, roster, policy
        lookups.insert(0, form_by_issue(context))  # asked first
    result = overlay_scan(file, page_no, lookup=chain_lookups([*lookups, form_by_layout]), half=half, context=context)
    write_png(result.image, out)
    reg = result.registration
    click.echo(
        f"已写出 {out}：表单 {result.payload.form_id}（{result.form.id}）第 {result.payload.page} 页，"
        f"旋转 {reg.rotation}°，定位标记 {reg.markers_found} 个，配准残差 {reg.residual_mm:.2f} mm"
    )
    if result.misplaced:
        click.echo(f"框线与版面对不上的栏（读入时会送人工核对）：{'、'.join(result.misplaced)}")
    if result.strays:
        click.echo(f"填写栏以外的手写字迹 {len(result.strays)} 处（图中黑色粗框；读入时标在相应的栏上待核对）")


@scan.command("gallery")
@workspace_option
@_out_option
@click.option("--field", "field_id", default=None, help="只看这个勾选字段的选项框（字段 id，如 mode）。")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="最多显示多少个，按填涂率均匀抽取。")
@library_errors
def gallery(workspace: Path, out: Path, field_id: str | None, limit: int | None) -> None:
    """把工作区已识读扫描页中的复选框裁图按填涂率排成一览图，每个阈值处有一条标注横条。

    每个裁图下注明填涂率、读出的状态和把握、覆盖度与墨团宽度、字段与选项；边框颜色表示状态（蓝：勾选，红：涂掉，橙：待复核，灰：空）。用它对照真实裁图调整 pipeline/defs.py 中的 OMR_* 阈值。

    \b
    示例：
      jiafang scan gallery --out 复选框.png
      jiafang scan gallery -w jiafang-data --field topics --limit 300 --out 话题.png
    """
    from pipeline.ingest.inspect import checkbox_gallery, stored_checkbox_tiles, write_png

    with opened_workspace(workspace) as ws:
        tiles = stored_checkbox_tiles(ws, field_id=field_id)
    shown = checkbox_gallery(tiles, limit=limit)
    write_png(shown.image, out)
    click.echo(f"已写出 {out}：{len(shown.tiles)} 个复选框（共 {len(tiles)} 个），按填涂率排序")
