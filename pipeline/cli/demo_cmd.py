"""``jiafang demo``: the whole job on the sample school, in one command."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.cli.generate_cmd import print_generation_summary
from pipeline.cli.options import library_errors
from pipeline.cli.progress import progress_bar


@click.command("demo")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default="jiafang-demo", show_default=True, help="演示输出目录（重跑时会替换上次的演示结果）。")
@library_errors
def demo_command(out_dir: Path) -> None:
    """用示例学校演示：建工作区、导入花名册、生成全部班级的三种表单（PDF 与 Word）。

    \b
    示例：
      jiafang demo
      jiafang demo --out /tmp/家访演示
    """
    from pipeline.demo import run_demo

    click.echo(f"演示目录：{out_dir.resolve()}")
    with progress_bar("生成表单") as progress:
        report = run_demo(out_dir, progress=progress)
    r = report.roster
    click.echo(f"花名册：学生 {r.students_added + r.students_updated} 名，教师 {r.teachers_added + r.teachers_updated} 名，拒绝 {r.rejected_rows} 行")
    print_generation_summary(report.generation)
    click.echo(f"工作区：{report.workspace}")
    click.echo(f"打印文件：{report.generation.out_dir / 'pdf'}")
    click.echo(f"Word 文件：{report.generation.out_dir / 'docx'}")
    click.echo(f"总用时 {report.seconds:.1f} 秒")
