"""``jiafang generate``: issue pre-filled forms for printing and for Word."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from pipeline.cli.options import library_errors, opened_workspace, operator_option, workspace_option
from pipeline.cli.progress import progress_bar, summary_table

if TYPE_CHECKING:
    from pipeline.generate import GenerationReport


def _split(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


@click.command("generate")
@workspace_option
@click.option("--forms", "forms_", default="record", show_default=True, help="表单，逗号分隔：record,outline,memo")
@click.option("--format", "formats", default="pdf", show_default=True, help="格式，逗号分隔：pdf,docx,fillable-pdf")
@click.option("--class", "class_name", default=None, help="只生成该班级（默认全部班级）。")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True, help="输出目录。")
@click.option("--no-duplex", is_flag=True, help="单面打印：不插入空白页。")
@click.option("--school", default=None, help="为这所学校打印（学校代码）；工作区中有多所学校时必填。")
@operator_option
@library_errors
def generate_command(
    workspace: Path,
    forms_: str,
    formats: str,
    class_name: str | None,
    out_dir: Path,
    no_duplex: bool,
    school: str | None,
    operator: str | None,
) -> None:
    """为学生生成预填的家访表单（打印用 PDF、填写用 Word），并登记表单编号。

    每个班级每种表单一个 PDF（双面打印时每份表单从奇数页开始），每个学生每种表单一个 .docx；
    输出目录中的 manifest.json 列出每份表单的编号、学生、文件和页码。

    \b
    示例：
      jiafang generate --forms record,outline,memo --format pdf,docx --out 打印
      jiafang generate --forms record --class 七年级（1）班 --out 打印
      jiafang generate --forms record --school QHXY02 --out 新苑小学打印
    """
    from pipeline.generate import generate

    with opened_workspace(workspace) as ws, progress_bar("生成表单") as progress:
        report = generate(
            ws,
            forms=_split(forms_),
            formats=_split(formats),
            out_dir=out_dir,
            class_name=class_name,
            duplex=not no_duplex,
            progress=progress,
            school=school,
            operator=operator,
        )
    print_generation_summary(report)
    if report.problems:
        raise click.ClickException(f"{len(report.problems)} 份表单未能生成，见上方说明。")


def print_generation_summary(report: GenerationReport) -> None:
    for problem in report.problems:
        click.echo(f"错误：{problem}", err=True)
    summary_table(
        "生成结果",
        [
            ("表单（份）", report.forms_issued),
            ("PDF 页数", report.pdf_pages),
            ("文件数", len(report.files)),
            ("未生成", len(report.problems)),
            ("用时（秒）", f"{report.seconds:.1f}"),
            ("输出目录", report.out_dir),
            ("清单", report.out_dir / "manifest.json"),
        ],
    )
