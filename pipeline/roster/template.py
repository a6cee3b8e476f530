"""The blank roster template a school fills in: the importer's own headers, drop-down lists
from the policy profile, an example row per sheet and a 说明 sheet.

The template is built from the same vocabulary the importer checks (pipeline.roster.columns,
the profile's special groups, ROLES), so a filled template imports without header or
vocabulary problems. Key and phone columns are formatted as text: Excel would otherwise turn
an 19-digit 学籍号 into scientific notation, which the importer has to refuse.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from pipeline import defs
from pipeline.model.policy import ROLES, Policy
from pipeline.roster.columns import REQUIRED, STUDENT_COLUMNS, STUDENTS, TEACHER_COLUMNS, TEACHERS
from pipeline.workbook import save_workbook

__all__ = ["GENDERS", "write_roster_template"]

GENDERS = ("男", "女")
STUDENT_SHEET = "学生"
TEACHER_SHEET = "教师"
CHOICES_SHEET = "选项"  # the lists the drop-downs offer (a sheet: inline lists stop at 255 characters)
NOTES_SHEET = "说明"
TEXT_COLUMNS = frozenset({"学籍号", "联系电话", "工号"})  # digits that must stay text
EXAMPLE_CLASS = "七年级（1）班"
EXAMPLE_TEACHER = {"工号": "T0001", "姓名": "王老师", "职务": "班主任", "任教班级": EXAMPLE_CLASS}
_HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
_EXAMPLE_FONT = Font(color="808080", italic=True)


def write_roster_template(policy: Policy, out: Path) -> Path:
    """Write the blank roster template (.xlsx) for ``policy``'s school to ``out``."""
    book = Workbook()
    students = book.active
    students.title = STUDENT_SHEET
    teachers = book.create_sheet(TEACHER_SHEET)
    choices = _choices_sheet(book, policy)
    _data_sheet(students, STUDENT_COLUMNS, _example_student(policy), REQUIRED[STUDENTS])
    _data_sheet(teachers, TEACHER_COLUMNS, EXAMPLE_TEACHER, REQUIRED[TEACHERS])
    _drop_down(students, STUDENT_COLUMNS, "性别", choices["性别"], strict=True)
    _drop_down(teachers, TEACHER_COLUMNS, "职务", choices["职务"], strict=True)
    _drop_down(students, STUDENT_COLUMNS, "特殊群体", choices["特殊群体"], strict=False)
    _notes_sheet(book.create_sheet(NOTES_SHEET), policy)
    return save_workbook(book, out)


def _example_student(policy: Policy) -> dict[str, str]:
    return {
        "学籍号": "G110101201301010001",
        "姓名": "张小明",
        "性别": "男",
        "年级": "七年级",
        "班级": EXAMPLE_CLASS,
        "家庭住址": "某市某区某街道1号",
        "监护人姓名": "张建国",
        "与学生关系": "父亲",
        "联系电话": "13800000000",
        "主要看护人": "父母",
        "特殊群体": policy.special_groups[0].name if policy.special_groups else "",
        "班主任": EXAMPLE_TEACHER["姓名"],
    }


def _data_sheet(sheet: Worksheet, columns: tuple[str, ...], example: dict[str, str], required: tuple[str, ...]) -> None:
    sheet.append(list(columns))
    sheet.append([example.get(c, "") for c in columns])
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        header = sheet.cell(1, index)
        header.fill = _HEADER_FILL
        header.font = Font(bold=True, color="C00000" if column in required else "000000")
        sheet.cell(2, index).font = _EXAMPLE_FONT
        sheet.column_dimensions[letter].width = max(10, 2.2 * len(column) + 4, 1.8 * len(example.get(column, "")))
        if column in TEXT_COLUMNS:  # the column's style: cells typed into later take it, none is created now
            sheet.column_dimensions[letter].number_format = "@"
            sheet.cell(2, index).number_format = "@"
    sheet.freeze_panes = "A2"


def _choices_sheet(book: Workbook, policy: Policy) -> dict[str, str]:
    """The hidden 选项 sheet; returns each list's cell range, by the column it serves."""
    sheet = book.create_sheet(CHOICES_SHEET)
    sheet.sheet_state = "hidden"
    lists = {"性别": GENDERS, "职务": ROLES, "特殊群体": tuple(g.name for g in policy.special_groups) or ("",)}
    ranges = {}
    for col, (title, values) in enumerate(lists.items(), start=1):
        sheet.cell(1, col, title).font = Font(bold=True)
        for row, value in enumerate(values, start=2):
            sheet.cell(row, col, value)
        letter = get_column_letter(col)
        ranges[title] = f"{quote_sheetname(CHOICES_SHEET)}!${letter}$2:${letter}${len(values) + 1}"
    return ranges


def _drop_down(sheet: Worksheet, columns: tuple[str, ...], column: str, source: str, *, strict: bool) -> None:
    """A drop-down on ``column`` offering the cells of ``source``; a loose one (特殊群体, where a
    cell may name several groups) warns instead of refusing other text."""
    validation = DataValidation(type="list", formula1=source, allow_blank=True, showErrorMessage=True, showInputMessage=True)
    validation.errorTitle = column
    if strict:
        validation.error = f"请从下拉列表中选择{column}。"
        validation.prompt = "从下拉列表选择"
    else:
        validation.errorStyle = "warning"
        validation.error = "不在政策配置的特殊群体中；属于多个群体时用“、”分隔，可点“是”保留。"
        validation.prompt = "从下拉列表选择；属于多个群体时用“、”分隔"
    target = get_column_letter(columns.index(column) + 1)
    validation.add(f"{target}2:{target}{defs.ROSTER_TEMPLATE_ROWS + 1}")
    sheet.add_data_validation(validation)


def _notes_sheet(sheet: Worksheet, policy: Policy) -> None:
    """How to fill the template. Column names are written with a note after them, never alone
    in a cell, so the importer never takes this sheet for a roster."""
    groups = "、".join(g.name for g in policy.special_groups) or "（政策配置中没有特殊群体）"
    lines = [
        f"{policy.school.name} 家访花名册模板",
        "",
        "1. “学生”表每行一名学生，“教师”表每行一名教师；第 2 行是灰色的示例，请改成真实信息或删除。",
        "2. 红色表头为必填：学生表的学籍号、姓名、班级；教师表的工号、姓名、职务。",
        "3. 学籍号、工号、联系电话已设为文本格式，请不要改成数字格式（长数字会变成科学计数法而丢失）。",
        "4. 班级写完整名称，如“七年级（1）班”；联系电话写 11 位手机号。",
        "5. 性别、职务从下拉列表选择；职务可选：" + "、".join(ROLES) + "。",
        f"6. 特殊群体可选：{groups}；一名学生属于多个群体时用“、”分隔，没有则留空。",
        "7. 班主任一栏填教师姓名，该教师须在“教师”表中；教师的任教班级须在“学生”表中出现，多个班用“、”分隔。",
        "8. 不要合并单元格；表头之外可以增加列，多出的列会作为学生的其他信息保存。",
        "9. 填好后在家访工作台“花名册”页上传，或运行 jiafang roster import 花名册.xlsx；有问题的行会逐行列出工作表、行号、列和改法。",
    ]
    for row, text in enumerate(lines, start=1):
        cell = sheet.cell(row, 1, text)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.cell(1, 1).font = Font(bold=True, size=14)
    sheet.column_dimensions["A"].width = 110
