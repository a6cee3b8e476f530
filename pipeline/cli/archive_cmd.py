"""``jiafang archive``: 一生一档 dossiers, 督导检查 packets and checking a packet."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.cli.school_cmd import school_option
from pipeline.cli.options import library_errors, opened_workspace, operator_option, workspace_option

sensitive_option = click.option(
    "--include-sensitive",
    is_flag=True,
    help="对外材料也包含特殊群体标签、家庭情况、发现的问题与四措施（此选项记入审计日志并印在材料上）。",
)


@click.group()
def archive() -> None:
    """档案与检查材料：一生一档、督导检查材料包、材料包校验。

    \b
    示例：jiafang archive student G994624201301120010 --out 李𬱖.pdf
    示例：jiafang archive packet --scope school --term 2025-2026-1 --out 检查材料
    示例：jiafang archive verify 检查材料/督导检查_全校_2025-2026-1.zip
    """


@archive.command("student")
@click.argument("student_no")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="输出的 PDF 文件。")
@click.option("--outward", is_flag=True, help="对外版本：电话、身份证号打码，不含敏感内容。")
@sensitive_option
@operator_option
@workspace_option
@library_errors
def student_cmd(
    student_no: str, out: Path, outward: bool, include_sensitive: bool, operator: str | None, workspace: Path
) -> None:
    """生成学籍号为 STUDENT_NO 的学生的一生一档（PDF）：学生信息、历年家访时间线、每次家访的记录页与原件扫描，每次家访一个书签。

    \b
    示例：jiafang archive student G994624201301120010 --out 档案/李𬱖.pdf
    示例：jiafang archive student G994624201301120010 --out 对外.pdf --outward --operator 王主任
    """
    from pipeline.archive.dossier import build_dossier

    with opened_workspace(workspace) as ws:
        path = build_dossier(ws, student_no, out, outward=outward, include_sensitive=include_sensitive, operator=operator)
    click.echo(f"一生一档已生成：{path}（已记入审计日志）")


@archive.command("packet")
@click.option("--scope", type=click.Choice(["school", "class"]), required=True, help="检查范围：school 全校，class 一个班。")
@click.option("--class", "class_name", default=None, help="班级（--scope class 时必填），如“七年级（1）班”。")
@click.option("--term", required=True, help="学期编号（政策配置中的 semesters.id），如 2025-2026-1。")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path), help="输出文件夹。")
@sensitive_option
@operator_option
@school_option
@workspace_option
@library_errors
def packet_cmd(
    scope: str,
    class_name: str | None,
    term: str,
    out_dir: Path,
    include_sensitive: bool,
    operator: str | None,
    school: str | None,
    workspace: Path,
) -> None:
    """生成督导检查材料包：一份 PDF（封面、目录与书签、每月统计表、合规汇总、本学期每份记录及原件扫描）和一个 ZIP（PDF、报表 xlsx、每份记录的 JSON、签名清单 manifest.json）。

    材料包一律按对外规则处理：电话、身份证号打码，不含学生类别标签、家庭情况、发现的问题，除非加 --include-sensitive。

    \b
    示例：jiafang archive packet --scope school --term 2025-2026-1 --out 检查材料
    示例：jiafang archive packet --scope class --class 七年级（1）班 --term 2025-2026-1 --out 检查材料
    示例：jiafang archive packet --scope school --school QHXY02 --term 2025-2026-1 --out 新苑小学检查材料
    """
    from pipeline.archive.packet import build_packet
    from pipeline.cli.progress import progress_bar

    with opened_workspace(workspace) as ws, progress_bar("生成检查材料（按班级）") as progress:
        result = build_packet(
            ws, scope=scope, class_name=class_name, term=term, out_dir=out_dir, operator=operator,
            include_sensitive=include_sensitive, progress=progress, school=school,
        )
    click.echo(f"PDF：{result.pdf}（{result.pages} 页，{result.records} 份记录）")
    click.echo(f"ZIP：{result.zip}（{result.files} 个文件，SHA-256 {result.zip_sha256[:16]}…）")
    click.echo(f"用时 {result.seconds:.1f} 秒；已记入审计日志。校验：jiafang archive verify {result.zip}")


@archive.command("verify")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@workspace_option
@library_errors
def verify_cmd(path: Path, workspace: Path) -> None:
    """按 manifest.json 校验材料包 PATH（ZIP 文件或解压后的文件夹）：签名、每个文件的大小与 SHA-256，列出缺少、多出和被改动的文件；有任何问题时退出码为 1。

    签名用工作区的密钥（keys/packet-hmac.key）检查；找不到密钥时只检查文件。

    \b
    示例：jiafang archive verify 检查材料/督导检查_全校_2025-2026-1.zip
    示例：jiafang archive verify 解压后的文件夹 --workspace 学校数据
    """
    from pipeline.archive.manifest import existing_key, verify_packet

    result = verify_packet(path, key=existing_key(workspace))
    signature = {"valid": "有效", "invalid": "无效（清单被改动或不是本工作区生成的）", "unchecked": "未检查（找不到工作区密钥）"}
    click.echo(f"材料包：{path}")
    click.echo(f"签名：{signature[result.signature]}")
    click.echo(f"已核对文件：{result.checked} 个")
    for title, names in (("缺少", result.missing), ("多出", result.extra), ("被改动", result.changed)):
        for name in names:
            click.echo(f"{title}：{name}")
    if not result.ok:
        click.echo("校验未通过。", err=True)
        raise SystemExit(1)
    click.echo("校验通过：所有文件与清单一致。")
