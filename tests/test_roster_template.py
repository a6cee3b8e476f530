"""The blank roster template: the importer's headers, drop-downs from the policy profile, an
example row, a 说明 sheet; filled in (or as it comes), it imports without a problem."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import yaml
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.model.policy import ROLES, load_policy
from pipeline.resources import samples_dir
from pipeline.roster import import_roster
from pipeline.roster.columns import STUDENT_COLUMNS, TEACHER_COLUMNS
from pipeline.roster.template import write_roster_template
from pipeline.store.workspace import Workspace


def _validation_lists(book: openpyxl.Workbook, sheet: str) -> dict[str, list[str]]:
    """Header of each validated column → the values its drop-down offers."""
    ws = book[sheet]
    headers = [c.value for c in ws[1]]
    lists = {}
    for dv in ws.data_validations.dataValidation:
        column = next(iter(dv.sqref.ranges)).min_col
        source_sheet, cells = dv.formula1.split("!")
        choices = book[source_sheet.strip("'")][cells.replace("$", "")]
        lists[headers[column - 1]] = [row[0].value for row in choices]
    return lists


def _sample_rows(sheet: str, columns: tuple[str, ...]) -> list[list[str]]:
    """The sample school's roster rows, as typed into the template's columns."""
    ws = openpyxl.load_workbook(samples_dir() / "roster.xlsx")[sheet]
    header = [c.value for c in ws[1]]
    return [[str(row[header.index(c)] or "") if c in header else "" for c in columns] for row in ws.iter_rows(min_row=2, values_only=True)]


def test_template_has_the_importer_headers_and_drop_downs_from_the_policy(tmp_path: Path) -> None:
    policy_path = tmp_path / "policy.yaml"
    profile = yaml.safe_load((samples_dir() / "policy.yaml").read_text(encoding="utf-8"))
    profile["special_groups"].append({"name": "随迁子女", "aliases": ["随迁"]})
    policy_path.write_text(yaml.safe_dump(profile, allow_unicode=True), encoding="utf-8")

    book = openpyxl.load_workbook(write_roster_template(load_policy(policy_path), tmp_path / "模板.xlsx"))

    assert [c.value for c in book["学生"][1]] == list(STUDENT_COLUMNS)
    assert [c.value for c in book["教师"][1]] == list(TEACHER_COLUMNS)
    students = _validation_lists(book, "学生")
    assert students["性别"] == ["男", "女"]
    assert students["特殊群体"][-1] == "随迁子女" and "留守儿童" in students["特殊群体"]
    assert _validation_lists(book, "教师") == {"职务": list(ROLES)}
    assert book["学生"]["A2"].value and book["教师"]["A2"].value  # the example rows
    assert book["学生"].column_dimensions["A"].number_format == "@"  # 学籍号 stays text as typed
    notes = " ".join(str(c.value or "") for c in book["说明"]["A"])
    assert "随迁子女" in notes and "科学计数法" in notes


def test_template_as_it_comes_imports_its_example_rows_cleanly(workspace: Workspace, tmp_path: Path) -> None:
    report = import_roster(workspace, [write_roster_template(workspace.policy, tmp_path / "花名册模板.xlsx")])
    assert report.problems == ()
    assert (report.students_added, report.teachers_added) == (1, 1)


def test_filled_template_imports_the_whole_school_cleanly(workspace: Workspace, tmp_path: Path) -> None:
    path = write_roster_template(workspace.policy, tmp_path / "花名册模板.xlsx")
    book = openpyxl.load_workbook(path)
    for sheet, columns in (("学生", STUDENT_COLUMNS), ("教师", TEACHER_COLUMNS)):
        ws = book[sheet]
        ws.delete_rows(2)  # the example, as the 说明 asks
        for row in _sample_rows(sheet, columns):
            ws.append(row)
    book.save(path)

    report = import_roster(workspace, [path])

    assert report.errors == []
    assert (report.students_added, report.teachers_added, report.rejected_rows) == (121, 16, 0)


def test_roster_template_command_writes_the_workspace_policy_template(workspace: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "花名册模板.xlsx"
    result = CliRunner().invoke(main, ["roster", "template", "--out", str(out), "-w", str(workspace.root)])
    assert result.exit_code == 0, result.output
    assert "已写出花名册模板" in result.output
    assert "留守儿童" in _validation_lists(openpyxl.load_workbook(out), "学生")["特殊群体"]
