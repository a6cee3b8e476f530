"""``jiafang roster``: import and list the school's students and teachers."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from pipeline.cli.options import library_errors, opened_workspace, operator_option, policy_option, workspace_option
from pipeline.cli.progress import tab_list
from pipeline.cli.school_cmd import school_option

if TYPE_CHECKING:
    from pipeline.roster import RosterImportReport


@click.group()
def roster() -> None:
    """花名册：导入和查看学生、教师名单。

    示例：jiafang roster import 花名册.xlsx
    """


@roster.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--school", default=None, help="导入到这所学校（学校代码，须先 jiafang school add 登记）；默认为本校。")
@workspace_option
@library_errors
def import_cmd(files: tuple[Path, ...], school: str | None, workspace: Path) -> None:
    """导入花名册 FILES（.xlsx、.xls 或 .csv，可一次多个），按学籍号 / 工号新增或更新。

    学籍系统导出的 .xls（旧版 Excel、网页表格或 Excel 2003 XML）按文件内容读取，不必先另存。

    有问题的行不导入，并逐行说明文件、工作表、行号、列和改正方法；
    只要有行被拒绝，退出码为 1（仅有提示时为 0）。

    \b
    示例：jiafang roster import 花名册.xlsx
    示例：jiafang roster import 七年级学生.csv 教师名单.csv -w 明德学校数据
    示例：jiafang roster import 新苑小学花名册.xlsx --school QHXY02
    """
    from pipeline.roster import import_roster

    with opened_workspace(workspace) as ws:
        report = import_roster(ws, files, school=school)
    _print_report(report)
    if report.errors:
        raise click.exceptions.Exit(1)


@roster.command("list")
@click.option("--class", "class_name", default=None, help="只列出这个班级，如“七年级（1）班”。")
@school_option
@operator_option
@workspace_option
@library_errors
def list_cmd(class_name: str | None, school: str | None, operator: str | None, workspace: Path) -> None:
    """列出已导入的学生（班级、学籍号、姓名、监护人、电话、特殊群体）。

    \b
    示例：jiafang roster list
    示例：jiafang roster list --class 七年级（1）班
    示例：jiafang roster list --school QHXY02
    """
    from pipeline.scope.schools import open_scope
    from pipeline.model.audit import default_operator
    from pipeline.store import repo

    with opened_workspace(workspace) as ws, ws.session() as session:
        scope = open_scope(session, ws, school, operator or default_operator())
        students = repo.list_students(session, class_name=class_name, school=scope.school)
        classes = repo.list_classes(session)
    if class_name is not None and not students:
        raise click.ClickException(f"班级“{class_name}”没有学生。已有班级：{'、'.join(classes) or '（无）'}")
    headers = ("班级", "学籍号", "姓名", "性别", "监护人", "关系", "联系电话", "特殊群体")
    rows = (
        (s.class_name, s.student_no, s.name, s.gender, s.guardian_name, s.guardian_relation, s.phone, "、".join(s.groups))
        for s in students
    )
    tab_list(headers, rows)
    click.echo(f"共 {len(students)} 名学生")


@roster.command("template")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="写出的 .xlsx 文件。")
@policy_option
@workspace_option
@library_errors
def template_cmd(out: Path, policy: Path | None, workspace: Path) -> None:
    """写出空白花名册模板（.xlsx），填好后可直接导入。

    表头与导入时一致；性别、职务、特殊群体有下拉列表（特殊群体取自政策配置）；
    每张表一行示例；另有“说明”表。用工作区的政策配置；没有工作区时用 --policy 指定的或示例学校的配置。

    \b
    示例：jiafang roster template --out 花名册模板.xlsx
    示例：jiafang roster template --out 模板.xlsx --policy 本校政策.yaml
    """
    from pipeline.model.policy import load_policy
    from pipeline.roster.template import write_roster_template
    from pipeline.store.workspace import POLICY_FILE, workspace_exists

    if policy is None and workspace_exists(workspace):
        policy = workspace / POLICY_FILE
    path = write_roster_template(load_policy(policy), out)
    click.echo(f"已写出花名册模板：{path}")


def _print_report(report: RosterImportReport) -> None:
    click.echo(f"学生：新增 {report.students_added}，更新 {report.students_updated}")
    click.echo(f"教师：新增 {report.teachers_added}，更新 {report.teachers_updated}")
    click.echo(f"拒绝：{report.rejected_rows} 行")
    for problem in report.problems:
        label = "错误" if problem.is_error else "提示"
        click.echo(f"[{label}] {problem}")
