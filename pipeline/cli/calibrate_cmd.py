"""``jiafang calibrate``: ``auto`` thresholds learnt from this workspace's reviewer decisions."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from pipeline.cli.options import library_errors, opened_workspace, operator_option, workspace_option
from pipeline.cli.progress import columns_table

if TYPE_CHECKING:
    from pipeline.calibrate import Proposal

_HEADERS = ("类别", "当前", "建议", "样本", "精度", "下限", "新通过")
_LEGEND = (
    "类别：识别方式·字段类型；样本：人工复核过的字段数；精度、下限：建议阈值及以上的样本中识别正确的比例"
    "及其单侧 95% 置信下限（Wilson），下限须不低于 {target:.1%}；新通过：当前待复核字段中按建议阈值至多可自动通过的个数。"
)


@click.command("calibrate")
@click.option("--apply", "apply_", is_flag=True, help="保存建议的阈值，之后读入的表单按它判断（默认只显示建议）。")
@operator_option
@workspace_option
@library_errors
def calibrate_command(apply_: bool, operator: str | None, workspace: Path) -> None:
    """按本校人工复核的结果重新校准“自动通过”的置信度阈值。

    每次人工复核都是一个样本（识别值、置信度、是否正确）。按识别方式和字段类型分别拟合
    置信度与正确率，只在“通过值的精度”单侧 95% 置信下限不低于 99.5% 时才降低阈值；
    样本不足时保留出厂阈值；复核结果显示出错时提高阈值。先列出会有什么变化，
    加 --apply 才保存（只存入本工作区，不改出厂设置），之后读入的表单按新阈值判断。

    \b
    示例：jiafang calibrate
    示例：jiafang calibrate --apply --operator 李老师
    """
    from pipeline import defs
    from pipeline.calibrate import apply_proposals, propose
    from pipeline.model.audit import default_operator

    with opened_workspace(workspace) as ws:
        proposals = propose(ws)
        if not proposals:
            click.echo("还没有带置信度的人工复核记录，无法校准；保留出厂阈值。请先在复核页面核对一些字段。")
            return
        columns_table("阈值校准建议", _HEADERS, [_row(p) for p in proposals])
        click.echo(_LEGEND.format(target=defs.CALIBRATE_TARGET_PRECISION))
        for p in proposals:
            click.echo(f"{_kind_label(p.key)}：{_why(p)}")
        changed = [p for p in proposals if p.changes]
        if not apply_:
            click.echo(f"{len(changed)} 类阈值会改变。确认后运行 jiafang calibrate --apply 保存。" if changed else "没有需要改变的阈值。")
            return
        apply_proposals(ws, proposals, operator=operator or default_operator())
        click.echo(f"已保存：{len(changed)} 类阈值改变，之后读入的表单按新阈值判断（已读入的记录不变）。")


def _row(p: Proposal) -> tuple[object, ...]:
    s = p.support
    return (
        _kind_label(p.key),
        _threshold(p.current),
        _threshold(p.proposed),
        p.examples,
        f"{s.precision:.2%}" if s and s.precision is not None else "—",
        f"{s.lower_bound:.2%}" if s and s.total else "—",
        p.newly_passing,
    )


def _why(p: Proposal) -> str:
    from pipeline.calibrate.plan import TOO_FEW, UNSUPPORTED

    if p.basis == TOO_FEW:
        return f"样本不足（{p.examples} 个，至少需要 {p.needed} 个）：保留出厂阈值"
    if p.basis == UNSUPPORTED and p.proposed > p.current:
        return "复核中有识别错误，精度下限不达标：提高阈值（出错的最高置信度之上，且不低于出厂阈值）"
    if p.basis == UNSUPPORTED:
        return "复核中有识别错误，不支持更低的阈值：不变"
    if p.proposed < p.current:
        return "精度下限达标：降低阈值"
    return "精度下限达标：提高阈值" if p.proposed > p.current else "精度下限达标：不变"


def _threshold(value: float) -> str:
    return "不自动通过" if value > 1.0 else f"{value:.4f}"


def _kind_label(key: str) -> str:
    from pipeline.review.app import KIND_LABELS, SOURCE_LABELS

    source, _, kind = key.partition(":")
    return f"{SOURCE_LABELS.get(source, source)}·{KIND_LABELS.get(kind, kind)}"
