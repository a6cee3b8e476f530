"""Roster import: .xlsx, .xls and .csv rosters, every bad-row kind reported with file/sheet/row/column."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import openpyxl
import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.model.people import Student, Teacher
from pipeline.resources import samples_dir
from pipeline.roster import RosterImportReport, RosterProblem, import_roster, read_roster
from pipeline.store import repo
from pipeline.store.workspace import Workspace, init_workspace

HEADER = ["学籍号", "姓名", "性别", "年级", "班级", "家庭住址", "监护人姓名", "与学生关系", "联系电话", "主要看护人", "特殊群体"]
TEACHER_HEADER = ["工号", "姓名", "职务", "任教班级"]
SAVED_AS_XLS = Path(__file__).parent / "data" / "rosters"


def student_row(no: str, name: str, **changes: Any) -> list[Any]:
    values = {
        "学籍号": no,
        "姓名": name,
        "性别": "男",
        "年级": "七年级",
        "班级": "（1）班",
        "家庭住址": "青禾市清源区文昌路 1 号",
        "监护人姓名": "王建国",
        "与学生关系": "父亲",
        "联系电话": "13812345678",
        "主要看护人": "父亲",
        "特殊群体": "",
    } | changes
    return [values[h] for h in HEADER]


GOOD_STUDENTS = [student_row("G001", "王浩宇"), student_row("G002", "李𬱖"), student_row("G003", "𠇔晓雨")]
GOOD_TEACHERS = [["T01", "张明", "班主任", "七年级（1）班"], ["T02", "赵校长", "校长", ""]]


def write_xlsx(path: Path, sheets: dict[str, list[list[Any]]], merges: dict[str, list[str]] | None = None) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
        for cells in (merges or {}).get(title, []):
            sheet.merge_cells(cells)
    book.save(path)
    return path


def roster_with(tmp_path: Path, *extra_rows: list[Any], teachers: list[list[Any]] | None = None) -> Path:
    """花名册.xlsx: the three good students (rows 2-4), then ``extra_rows`` from row 5 on."""
    return write_xlsx(
        tmp_path / "花名册.xlsx",
        {"学生": [HEADER, *GOOD_STUDENTS, *extra_rows], "教师": [TEACHER_HEADER, *(teachers or GOOD_TEACHERS)]},
    )


def students_in(ws: Workspace) -> dict[str, Student]:
    with ws.session() as s:
        return {st.student_no: st for st in repo.list_students(s)}


def only_error(report: RosterImportReport) -> RosterProblem:
    assert len(report.errors) == 1, [str(p) for p in report.problems]
    return report.errors[0]


def assert_names(problem: RosterProblem, file: str, sheet: str, row: int, column: str) -> None:
    text = str(problem)
    assert (problem.file, problem.sheet, problem.row, problem.column) == (file, sheet, row, column)
    assert file in text and f"「{sheet}」" in text and f"第 {row} 行" in text and f"「{column}」" in text


# --- good rosters ------------------------------------------------------------------------------


def test_good_xlsx_imports_every_student_and_teacher(workspace: Workspace, tmp_path: Path) -> None:
    report = import_roster(workspace, [roster_with(tmp_path)])
    assert (report.students_added, report.teachers_added, report.rejected_rows, report.errors) == (3, 2, 0, [])
    students = students_in(workspace)
    assert students["G002"] == Student(
        "G002",
        "李𬱖",
        "七年级（1）班",
        grade="七年级",
        gender="男",
        address="青禾市清源区文昌路 1 号",
        guardian_name="王建国",
        guardian_relation="父亲",
        phone="13812345678",
        caregiver="父亲",
    )
    assert students["G003"].name == "𠇔晓雨"
    with workspace.session() as s:
        assert repo.list_teachers(s) == [
            Teacher("T01", "张明", "班主任", ("七年级（1）班",)),
            Teacher("T02", "赵校长", "校长", ()),
        ]


def test_reimport_updates_instead_of_duplicating(workspace: Workspace, tmp_path: Path) -> None:
    import_roster(workspace, [roster_with(tmp_path)])
    changed = [student_row("G001", "王浩宇", 联系电话="13900001111"), *GOOD_STUDENTS[1:]]
    path = write_xlsx(tmp_path / "新花名册.xlsx", {"学生": [HEADER, *changed]})
    report = import_roster(workspace, [path])
    assert (report.students_added, report.students_updated) == (0, 3)
    students = students_in(workspace)
    assert len(students) == 3 and students["G001"].phone == "13900001111"


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig", "utf-8"])
def test_csv_is_read_in_gbk_and_utf8_with_or_without_bom(workspace: Workspace, tmp_path: Path, encoding: str) -> None:
    rows = [HEADER, student_row("G001", "王浩宇", 特殊群体="留守、单亲"), student_row("G002", "陈玥", 性别="女")]
    path = tmp_path / "学生.csv"
    path.write_bytes("\r\n".join(",".join(map(str, r)) for r in rows).encode(encoding))
    report = import_roster(workspace, [path])
    assert report.students_added == 2 and report.errors == []
    assert students_in(workspace)["G001"].groups == ("留守儿童", "单亲家庭")


def test_header_below_a_merged_title_row_is_found(workspace: Workspace, tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "花名册.xlsx",
        {"Sheet1": [["七年级（1）班学生名单"], HEADER, *GOOD_STUDENTS]},
        merges={"Sheet1": ["A1:K1"]},
    )
    sheet = read_roster(path)[0]
    assert (sheet.kind, sheet.header_row, sheet.rows[0].row_number) == ("students", 2, 3)
    assert import_roster(workspace, [path]).students_added == 3


def test_float_typed_student_no_and_phone_come_back_as_digits(workspace: Workspace, tmp_path: Path) -> None:
    row = student_row(2013000123456.0, "王浩宇", 联系电话=13812345678.0)  # type: ignore[arg-type]
    path = write_xlsx(tmp_path / "花名册.xlsx", {"学生": [HEADER, row]})
    assert import_roster(workspace, [path]).errors == []
    student = students_in(workspace)["2013000123456"]
    assert student.phone == "13812345678"


@pytest.mark.parametrize("saved", ["xlsx", "xls"])
def test_an_18_digit_number_excel_kept_as_a_number_is_named_not_imported_with_made_up_digits(
    workspace: Workspace, tmp_path: Path, saved: str
) -> None:
    """Typed into a number cell, 110101200501011234 is kept as 1.10101200501011E+17: the last
    digits are gone, and the digits the file holds would make another student's number."""
    lost = float("110101200501011234")
    rows = [HEADER, *GOOD_STUDENTS, student_row("G004", "丁", 学籍号=lost), student_row("G005", "戊", 家庭住址=lost)]
    path = write_xlsx(tmp_path / "花名册.xlsx", {"学生": rows}) if saved == "xlsx" else SAVED_AS_XLS / "学籍号存成数字-libreoffice-7.4.xls"
    report = import_roster(workspace, [path])
    problem = only_error(report)
    assert (problem.row, problem.column, problem.value) == (5, "学籍号", "1.10101E+17") and "科学计数法" in str(problem)
    assert set(students_in(workspace)) == {"G001", "G002", "G003", "G005"}
    assert students_in(workspace)["G005"].address == "1.10101E+17", "kept as Excel shows it, not as made-up digits"


def test_headers_match_with_spaces_and_synonyms(workspace: Workspace, tmp_path: Path) -> None:
    header = ["学籍号", "姓　名", " 班级 ", "家长姓名", "手机号"]
    path = write_xlsx(tmp_path / "花名册.xlsx", {"学生名单": [header, ["G001", "王浩宇", "七年级（1）班", "王建国", "138 1234 5678"]]})
    assert import_roster(workspace, [path]).errors == []
    student = students_in(workspace)["G001"]
    assert (student.guardian_name, student.phone) == ("王建国", "13812345678")


def test_the_headers_of_a_student_record_systems_export_are_understood(workspace: Workspace, tmp_path: Path) -> None:
    header = ["全国学籍号", "姓名", "班级名称", "现住址", "监护人姓名", "监护人关系", "监护人联系电话"]
    row = ["G001", "王浩宇", "七年级（1）班", "青禾市文昌路 1 号", "王建国", "父亲", "13812345678"]
    path = write_xlsx(tmp_path / "学籍导出.xlsx", {"Sheet1": [header, row]})
    assert import_roster(workspace, [path]).errors == []
    student = students_in(workspace)["G001"]
    assert (student.address, student.guardian_name, student.guardian_relation, student.phone) == (
        "青禾市文昌路 1 号", "王建国", "父亲", "13812345678",
    )


def test_class_name_joins_grade_and_normalises_parentheses(workspace: Workspace, tmp_path: Path) -> None:
    rows = [
        student_row("G001", "甲", 班级="(1)班"),
        student_row("G002", "乙", 班级="七年级(1)班"),
        student_row("G003", "丙", 年级="", 班级="八年级（2）班"),
    ]
    import_roster(workspace, [write_xlsx(tmp_path / "花名册.xlsx", {"学生": [HEADER, *rows]})])
    students = students_in(workspace)
    assert students["G001"].class_name == students["G002"].class_name == "七年级（1）班"
    assert (students["G003"].class_name, students["G003"].grade) == ("八年级（2）班", "八年级")


def test_extra_columns_are_kept_in_column_order(workspace: Workspace, tmp_path: Path) -> None:
    header = [*HEADER, "学业水平", "新转入", "身份证号"]
    row = [*student_row("G001", "王浩宇"), "良好", "是", "999999201301011234"]
    import_roster(workspace, [write_xlsx(tmp_path / "花名册.xlsx", {"学生": [header, row]})])
    assert students_in(workspace)["G001"].extra == (("学业水平", "良好"), ("新转入", "是"), ("身份证号", "999999201301011234"))


def test_empty_rows_are_skipped_silently(workspace: Workspace, tmp_path: Path) -> None:
    report = import_roster(workspace, [roster_with(tmp_path, [None] * 11, ["", "  ", None])])
    assert (report.students_added, report.problems) == (3, ())


def test_teacher_classes_may_name_classes_already_in_the_database(workspace: Workspace, tmp_path: Path) -> None:
    import_roster(workspace, [write_xlsx(tmp_path / "学生.xlsx", {"学生": [HEADER, *GOOD_STUDENTS]})])
    teachers = write_xlsx(tmp_path / "教师.xlsx", {"教职工": [TEACHER_HEADER, ["T09", "钱老师", "科任", "七年级(1)班"]]})
    report = import_roster(workspace, [teachers])
    assert (report.teachers_added, report.errors) == (1, [])


# --- bad rows ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "column", "fragment"),
    [
        ({"姓名": ""}, "姓名", "姓名为空"),
        ({"学籍号": ""}, "学籍号", "学籍号为空"),
        ({"联系电话": "1381234567"}, "联系电话", "“1381234567”不是 11 位手机号"),
        ({"特殊群体": "留守、外星人"}, "特殊群体", "“外星人”不是政策配置中的特殊群体（可用：留守儿童、困境儿童"),
        ({"学籍号": "1.23457E+18"}, "学籍号", "科学计数法"),
    ],
    ids=["missing-name", "missing-student-no", "phone-not-11-digits", "unknown-special-group", "scientific-notation"],
)
def test_bad_student_row_is_rejected_with_its_place_and_good_rows_still_imported(
    workspace: Workspace, tmp_path: Path, changes: dict[str, str], column: str, fragment: str
) -> None:
    bad = student_row("G004", "坏行", **({"姓名": "坏行"} | changes))
    report = import_roster(workspace, [roster_with(tmp_path, bad)])
    problem = only_error(report)
    assert_names(problem, "花名册.xlsx", "学生", 5, column)
    assert fragment in str(problem) and "重新导入" in str(problem)
    assert report.rejected_rows == 1
    assert set(students_in(workspace)) == {"G001", "G002", "G003"}


def test_roster_rejects_duplicate_student_no_naming_the_first_row(workspace: Workspace, tmp_path: Path) -> None:
    report = import_roster(workspace, [roster_with(tmp_path, student_row("G002", "冒名"))])
    problem = only_error(report)
    assert_names(problem, "花名册.xlsx", "学生", 5, "学籍号")
    assert "花名册.xlsx「学生」第 3 行" in problem.message
    assert students_in(workspace)["G002"].name == "李𬱖"


def test_empty_phone_is_a_warning_and_the_row_is_imported(workspace: Workspace, tmp_path: Path) -> None:
    report = import_roster(workspace, [roster_with(tmp_path, student_row("G004", "无电话", 联系电话=""))])
    assert report.errors == [] and report.rejected_rows == 0
    assert_names(report.warnings[0], "花名册.xlsx", "学生", 5, "联系电话")
    assert students_in(workspace)["G004"].phone == ""


def test_unknown_class_teacher_is_rejected(workspace: Workspace, tmp_path: Path) -> None:
    header = [*HEADER, "班主任"]
    rows = [[*student_row("G001", "甲"), "张明"], [*student_row("G002", "乙"), "不存在老师"]]
    path = write_xlsx(tmp_path / "花名册.xlsx", {"学生": [header, *rows], "教师": [TEACHER_HEADER, *GOOD_TEACHERS]})
    problem = only_error(import_roster(workspace, [path]))
    assert_names(problem, "花名册.xlsx", "学生", 3, "班主任")
    assert "不存在老师" in str(problem)
    assert set(students_in(workspace)) == {"G001"}


def test_teacher_with_unknown_class_or_role_is_rejected(workspace: Workspace, tmp_path: Path) -> None:
    teachers = [*GOOD_TEACHERS, ["T03", "孙老师", "科任", "七年级（1）班、九年级（9）班"], ["T04", "周老师", "校医", ""]]
    report = import_roster(workspace, [roster_with(tmp_path, teachers=teachers)])
    unknown_class, unknown_role = report.errors
    assert_names(unknown_class, "花名册.xlsx", "教师", 4, "任教班级")
    assert "九年级（9）班" in str(unknown_class) and "未知班级" in str(unknown_class)
    assert_names(unknown_role, "花名册.xlsx", "教师", 5, "职务")
    assert "校长、副校长、中层、班主任、科任" in str(unknown_role)
    with workspace.session() as s:
        assert [t.teacher_no for t in repo.list_teachers(s)] == ["T01", "T02"]


def test_rows_in_merged_cells_are_rejected_with_unmerge_advice(workspace: Workspace, tmp_path: Path) -> None:
    rows = [HEADER, *GOOD_STUDENTS, student_row("G004", "丁"), student_row("G005", "戊", 家庭住址=None)]
    path = write_xlsx(tmp_path / "花名册.xlsx", {"学生": rows}, merges={"学生": ["F5:F6"]})
    report = import_roster(workspace, [path])
    assert [(p.row, p.column) for p in report.errors] == [(5, "家庭住址"), (6, "家庭住址")]
    assert "取消合并" in str(report.errors[0])
    assert set(students_in(workspace)) == {"G001", "G002", "G003"}


def test_missing_required_header_rejects_the_whole_sheet(workspace: Workspace, tmp_path: Path) -> None:
    header = [h for h in HEADER if h != "班级"]
    rows = [[v for h, v in zip(HEADER, r) if h != "班级"] for r in GOOD_STUDENTS]
    path = write_xlsx(tmp_path / "花名册.xlsx", {"学生": [header, *rows]})
    report = import_roster(workspace, [path])
    problem = only_error(report)
    assert (problem.file, problem.sheet, problem.row) == ("花名册.xlsx", "学生", 1)
    assert "缺少必需的列：班级" in str(problem) and "找到的列：学籍号、姓名" in str(problem)
    assert report.rejected_rows == 3 and students_in(workspace) == {}


def test_unreadable_files_are_reported_and_the_other_files_still_import(workspace: Workspace, tmp_path: Path) -> None:
    corrupt = tmp_path / "坏文件.xlsx"
    corrupt.write_bytes(b"PK\x03\x04 definitely not a workbook")
    text = tmp_path / "说明.txt"
    text.write_text("hello", encoding="utf-8")
    paths = [corrupt, tmp_path / "不存在.xlsx", text, roster_with(tmp_path)]
    report = import_roster(workspace, paths)
    assert [p.file for p in report.errors] == ["坏文件.xlsx", "不存在.xlsx", "说明.txt"]
    assert "无法作为 Excel 工作簿打开" in str(report.errors[0])
    assert report.students_added == 3


# --- .xls rosters, as school systems save them --------------------------------------------------


def _people(ws: Workspace) -> tuple[list[Student], list[Teacher]]:
    with ws.session() as s:
        return repo.list_students(s), repo.list_teachers(s)


@pytest.fixture(scope="module")
def sample_people(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Student], list[Teacher]]:
    """The sample school's students and teachers, imported from its .xlsx."""
    ws = init_workspace(tmp_path_factory.mktemp("xlsx") / "ws")
    import_roster(ws, [samples_dir() / "roster.xlsx"])
    people = _people(ws)
    ws.close()
    return people


def _gbk_web_page(out: Path) -> Path:
    page = (SAVED_AS_XLS / "花名册-libreoffice-7.4-网页.xls").read_text(encoding="utf-8").replace("charset=utf-8", "charset=gbk")
    out.write_bytes(page.encode("gb18030"))  # what a GBK system writes (gb18030 also holds the rare 𬱖)
    return out


def _excel_2003_xml(out: Path) -> Path:
    """The sample roster as web systems write Excel 2003 XML: a merged title row above the
    header, the empty cells left out and the next one placed by ss:Index."""
    book = openpyxl.load_workbook(samples_dir() / "roster.xlsx", data_only=True)
    sheets = []
    for ws in book.worksheets:
        rows = [[c for c in row] for row in ws.iter_rows(values_only=True) if any(c is not None for c in row)]
        width = max(len(r) for r in rows)
        xml_rows = [f'<Row><Cell ss:MergeAcross="{width - 1}"><Data ss:Type="String">{escape(ws.title)}名单</Data></Cell></Row>']
        for row in rows:
            cells = "".join(
                f'<Cell ss:Index="{i}"><Data ss:Type="{"Number" if isinstance(v, (int, float)) else "String"}">{escape(str(v))}</Data></Cell>'
                for i, v in enumerate(row, start=1) if v not in (None, "")
            )
            xml_rows.append(f"<Row>{cells}</Row>")
        sheets.append(f'<Worksheet ss:Name="{escape(ws.title)}"><Table>{"".join(xml_rows)}</Table></Worksheet>')
    out.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<?mso-application progid="Excel.Sheet"?>\n'
        '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">'
        + "".join(sheets) + "</Workbook>",
        encoding="utf-8",
    )
    return out


SAVED_XLS = {
    "excel-97-2003-by-libreoffice": lambda out: shutil.copyfile(SAVED_AS_XLS / "花名册-libreoffice-7.4.xls", out),
    "web-page-utf8": lambda out: shutil.copyfile(SAVED_AS_XLS / "花名册-libreoffice-7.4-网页.xls", out),
    "web-page-gbk": _gbk_web_page,
    "excel-2003-xml": _excel_2003_xml,
    "xlsx-named-xls": lambda out: shutil.copyfile(samples_dir() / "roster.xlsx", out),
}


@pytest.mark.parametrize("saved", SAVED_XLS)
def test_an_xls_roster_as_systems_save_it_imports_like_the_xlsx(
    saved: str, workspace: Workspace, tmp_path: Path, sample_people: tuple[list[Student], list[Teacher]]
) -> None:
    """Student-record systems export .xls: old Excel workbooks, web pages (UTF-8 or GBK) and
    Excel 2003 XML under that name; each is read by what it holds."""
    path = tmp_path / "学籍系统导出.xls"
    SAVED_XLS[saved](path)
    report = import_roster(workspace, [path])
    assert (report.students_added, report.teachers_added, report.errors) == (121, 16, [])
    assert _people(workspace) == sample_people


def test_an_unreadable_xls_or_one_without_a_roster_is_named_and_the_other_files_still_import(workspace: Workspace, tmp_path: Path) -> None:
    broken = tmp_path / "损坏.xls"
    broken.write_bytes((SAVED_AS_XLS / "花名册-libreoffice-7.4.xls").read_bytes()[:3000])
    page = tmp_path / "通知.xls"
    page.write_text("<html><body><table><tr><td>家长会</td><td>周五</td></tr></table></body></html>", encoding="utf-8")
    comment = tmp_path / "空网页.xls"
    comment.write_text("<!-- 导出失败 -->", encoding="utf-8")
    cut = tmp_path / "半截.xls"
    cut.write_text('<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet', encoding="utf-8")
    report = import_roster(workspace, [broken, page, comment, cut, roster_with(tmp_path)])
    assert [p.file for p in report.errors][:2] == ["损坏.xls", "通知.xls"]
    assert [(p.file, "无法作为" in str(p)) for p in report.errors[2:]] == [("空网页.xls", True), ("半截.xls", True)]
    assert "无法作为 Excel 97-2003 工作簿打开" in str(report.errors[0]) and "另存为 .xlsx" in str(report.errors[0])
    assert "没有找到学生或教师名单" in str(report.errors[1])
    assert report.students_added == 3


def test_real_xls_files_that_hold_no_roster_are_each_named_with_a_reason_and_print_nothing(
    workspace: Workspace, capfd: pytest.CaptureFixture[str]
) -> None:
    """xlrd's own test workbooks (made by Excel; one corrupted, one its parser stumbles on)."""
    files = sorted((Path(__file__).parent / "data" / "outside" / "xlrd").glob("*.xls"))
    report = import_roster(workspace, files)
    assert [p.file for p in report.errors] == [f.name for f in files]
    assert all(("没有找到学生或教师名单" in str(p)) or ("无法作为" in str(p)) for p in report.errors), [str(p) for p in report.errors]
    assert capfd.readouterr() == ("", ""), "xlrd's log of a corrupt file does not reach the terminal"
    assert students_in(workspace) == {}


# --- command line ------------------------------------------------------------------------------


def test_cli_import_exits_1_when_a_row_is_rejected(workspace: Workspace, tmp_path: Path) -> None:
    path = roster_with(tmp_path, student_row("G004", "坏行", 联系电话="12345"))
    result = CliRunner().invoke(main, ["roster", "import", str(path), "-w", str(workspace.root)])
    assert result.exit_code == 1
    assert "学生：新增 3，更新 0" in result.output and "拒绝：1 行" in result.output
    assert "[错误] 花名册.xlsx「学生」第 5 行「联系电话」：“12345”不是 11 位手机号。请改为 11 位数字后重新导入。" in result.output


def test_cli_import_exits_0_on_a_clean_roster_and_lists_a_class(workspace: Workspace, tmp_path: Path) -> None:
    runner = CliRunner()
    ws = ["-w", str(workspace.root)]
    result = runner.invoke(main, ["roster", "import", str(roster_with(tmp_path)), *ws])
    assert result.exit_code == 0, result.output
    assert "教师：新增 2，更新 0" in result.output
    listed = runner.invoke(main, ["roster", "list", "--class", "七年级(1)班", *ws])
    assert listed.exit_code == 0 and "李𬱖" in listed.output and "共 3 名学生" in listed.output


def test_cli_import_into_a_missing_workspace_says_to_run_init(tmp_path: Path) -> None:
    path = roster_with(tmp_path)
    result = CliRunner().invoke(main, ["roster", "import", str(path), "-w", str(tmp_path / "无")])
    assert result.exit_code == 1 and "jiafang init" in result.output


def test_cli_import_exits_0_when_there_are_only_warnings(workspace: Workspace, tmp_path: Path) -> None:
    path = roster_with(tmp_path, student_row("G004", "无电话", 联系电话=""))
    result = CliRunner().invoke(main, ["roster", "import", str(path), "-w", str(workspace.root)])
    assert result.exit_code == 0
    assert "[提示] 花名册.xlsx「学生」第 5 行「联系电话」" in result.output


def test_a_second_column_for_the_same_field_is_kept_as_extra(workspace: Workspace, tmp_path: Path) -> None:
    header = [*HEADER, "家长电话"]
    row = [*student_row("G001", "王浩宇"), "13900001111"]
    import_roster(workspace, [write_xlsx(tmp_path / "花名册.xlsx", {"学生": [header, row]})])
    student = students_in(workspace)["G001"]
    assert (student.phone, student.extra) == ("13812345678", (("家长电话", "13900001111"),))
