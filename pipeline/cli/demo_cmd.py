"""``jiafang demo``: the whole job on the sample school, in one command."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.cli.generate_cmd import print_generation_summary
from pipeline.cli.ingest_cmd import print_ingest_summary
from pipeline.cli.options import library_errors
from pipeline.cli.progress import columns_table, progress_bar

# The evaluation's groups (pipeline.synth.evaluate.GROUPS) as the office reads them
_GROUP_NAMES = {
    "checkbox": "勾选题",
    "checkbox options": "勾选题的选项",
    "digits": "数字格（日期、时间、电话）",
    "short text": "短文本（姓名、地点）",
    "free text": "叙述文字（按字计）",
    "signature": "签名（有无）",
}


@click.command("demo")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default="jiafang-demo", show_default=True, help="演示输出目录（重跑时会替换上次的演示结果）。")
@click.option("--workers", type=click.IntRange(1), default=None, help="识读扫描页的进程数（默认：全部 CPU 核）。")
@library_errors
def demo_command(out_dir: Path, workers: int | None) -> None:
    """用示例学校演示全过程：建工作区、导入花名册、生成三种表单（PDF 与 Word）、
    模拟教师填写部分 Word 表单和纸质表单（扫描件）、读回、导出、与标准答案对比识别效果，
    最后生成本月统计表、待办清单、问题台账、一名学生的一生一档和督导检查材料。

    \b
    示例：
      jiafang demo
      jiafang demo --out /tmp/家访演示
    """
    from pipeline.demo import run_demo

    click.echo(f"演示目录：{out_dir.resolve()}")
    with progress_bar("演示") as progress:
        report = run_demo(out_dir, workers=workers, progress=progress)
    r = report.roster
    click.echo(f"花名册：学生 {r.students_added + r.students_updated} 名，教师 {r.teachers_added + r.teachers_updated} 名，拒绝 {r.rejected_rows} 行")
    print_generation_summary(report.generation)
    if report.ingest:
        print_ingest_summary(report.ingest)
    if report.evaluation:
        e = report.evaluation
        columns_table(
            f"扫描识别效果（与标准答案对比，{e.forms_read}/{e.forms_expected} 份表单读出）",
            ("类别", "字段数", "准确率", "自动通过", "自动通过的准确率"),
            [(_GROUP_NAMES.get(g, g), n, f"{acc:.1%}", f"{st:.1%}", f"{prec:.1%}") for g, n, acc, st, prec in e.rows()],
        )
    click.echo(f"工作区：{report.workspace}")
    click.echo(f"打印文件：{report.generation.out_dir / 'pdf'}")
    click.echo(f"Word 文件：{report.generation.out_dir / 'docx'}")
    for path in report.exports:
        click.echo(f"导出：{path}")
    for name, path in report.reports.items():
        click.echo(f"{name}：{path}")
    click.echo(f"总用时 {report.seconds:.1f} 秒")
