"""``jiafang samples``: synthetic material made by our own tools (filled paper returns)."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.cli.options import library_errors
from pipeline.cli.progress import progress_bar, summary_table

PROFILES = ("office", "harsh", "clean", "hard", "duplex")


@click.group("samples")
def samples() -> None:
    """示例材料：用本工具生成的“填好并扫描”的表单，供测试、演示和性能评测。

    \b
    示例：
      jiafang samples fill --manifest 打印/manifest.json --out 回收 --seed 1
    """


@samples.command("fill")
@click.option(
    "--manifest", "manifest", type=click.Path(dir_okay=False, exists=True, path_type=Path), required=True,
    help="jiafang generate 输出目录中的 manifest.json。",
)
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True, help="输出目录（扫描件与 truth.json）。")
@click.option("--seed", default=0, show_default=True, type=int, help="随机种子：相同种子得到完全相同的扫描件。")
@click.option("--limit", default=None, type=click.IntRange(min=1), help="最多填写多少份表单（按清单顺序）。")
@click.option("--profile", default="office", show_default=True, type=click.Choice(PROFILES), help="扫描质量：clean 清晰，office 一般复印机，harsh 歪斜、模糊、黑白；hard 200 dpi 黑白与灰度混合、透印、折痕；lowres 150 与 100 dpi 的灰度和彩色；duplex 每页透印背面。")
@click.option("--forms", "forms_", default="record", show_default=True, help="填写哪些表单，逗号分隔：record,outline,memo")
@click.option("--images", is_flag=True, help="每页写一个图像文件（PNG，黑白页为 TIFF），而不是每班一个 PDF。")
@click.option("--photos", is_flag=True, help="用手机拍照代替扫描：每页一张照片（JPEG 或 HEIC，文件名如 IMG_1234.jpg、微信图片_….jpg），每班一个文件夹，夹有聊天截图。")
@click.option("--tidy-stack", is_flag=True, help="不加入空白背面、重复页、缺页、无关页和倒置页。")
@click.option("--roster", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None, help="取监护人和教师姓名的花名册（默认示例学校的花名册）。")
@click.option("--policy", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None, help="政策配置文件（YAML，取学期日期与跟进期限；默认示例学校的配置）。")
@click.option(
    "--hand-font", "hand_fonts", multiple=True, type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="手写字体文件（可重复，每位书写人随机用其中一种；默认楷体）。用调参时没用过的字体可检验识别效果。",
)
@click.option(
    "--stroke-hands", type=click.FloatRange(0, 1), default=None,
    help="从 40 位书写人中抽取填表人，其中这一比例逐笔画书写（不是字体），例如 0.5。",
)
@click.option("--pencil", type=click.FloatRange(0, 1), default=None, help="40 位书写人中用铅笔书写的比例，例如 0.3。")
@library_errors
def fill_command(
    manifest: Path, out_dir: Path, seed: int, limit: int | None, profile: str, forms_: str,
    images: bool, photos: bool, tidy_stack: bool, roster: Path | None, policy: Path | None, hand_fonts: tuple[Path, ...],
    stroke_hands: float | None, pencil: float | None,
) -> None:
    """模拟老师手写填表并扫描：为清单中的 PDF 表单写上手写内容，按复印机方式扫描，并写出标准答案 truth.json（每份表单每个字段的值、勾选状态、每页的扫描参数）。

    扫描件中还会出现真实扫描常见的情况：空白背面、重复扫描的页、缺页、无关页、倒置页。

    \b
    示例：
      jiafang generate --forms record --class 七年级（1）班 --out 打印
      jiafang samples fill --manifest 打印/manifest.json --out 回收 --seed 1 --profile office
      jiafang samples fill --manifest 打印/manifest.json --out 回收照片 --photos --limit 8
      jiafang samples fill --manifest 打印/manifest.json --out 回收 --hand-font /usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Regular.ttf
      jiafang samples fill --manifest 打印/manifest.json --out 回收 --profile hard --stroke-hands 0.75 --pencil 0.3
    """
    from pipeline.model.policy import load_policy
    from pipeline.synth.returns import HandMix, StackEvents, fill_returns

    pooled = stroke_hands is not None or pencil is not None

    with progress_bar("填写并扫描") as progress:
        report = fill_returns(
            manifest,
            out_dir,
            seed=seed,
            forms=tuple(f.strip() for f in forms_.split(",") if f.strip()),
            limit=limit,
            profile=profile,
            pdf_per_class=not images,
            events=StackEvents.none() if tidy_stack else None,
            roster=roster,
            policy=load_policy(policy) if policy else None,
            hand_fonts=hand_fonts or None,
            hands=HandMix(stroke_share=stroke_hands or 0.0, pencil_share=pencil or 0.0) if pooled else None,
            progress=progress,
            photos=photos,
        )
    summary_table(
        "模拟回收结果",
        [
            ("表单（份）", report.forms),
            ("照片数（含聊天截图）" if photos else "扫描页数", report.pages),
            ("文件数", len(report.files)),
            ("未填写的清单条目", report.skipped),
            ("用时（秒）", f"{report.seconds:.1f}"),
        ],
    )
    click.echo(f"{'照片' if photos else '扫描件'}：{out_dir / ('photos' if photos else 'scans')}")
    click.echo(f"标准答案：{report.truth_path}")
