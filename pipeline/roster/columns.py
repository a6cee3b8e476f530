"""The roster's vocabulary: column headers, their synonyms, and sheet names, in one place."""

from __future__ import annotations

STUDENTS = "students"
TEACHERS = "teachers"

# Canonical headers, in the order a school's template lists them.
STUDENT_COLUMNS = (
    "学籍号",
    "姓名",
    "性别",
    "年级",
    "班级",
    "家庭住址",
    "监护人姓名",
    "与学生关系",
    "联系电话",
    "主要看护人",
    "特殊群体",
    "班主任",
)
TEACHER_COLUMNS = ("工号", "姓名", "职务", "任教班级")

REQUIRED = {STUDENTS: ("学籍号", "姓名", "班级"), TEACHERS: ("工号", "姓名", "职务")}
KEY_COLUMN = {STUDENTS: "学籍号", TEACHERS: "工号"}

# Headers seen in real rosters for the same column (also those of student-record systems' exports:
# 全国学籍号, 现住址, 监护人关系, 监护人联系电话).
SYNONYMS = {
    "全国学籍号": "学籍号",
    "学生学籍号": "学籍号",
    "学籍号码": "学籍号",
    "学生姓名": "姓名",
    "教师姓名": "姓名",
    "电话": "联系电话",
    "手机": "联系电话",
    "手机号": "联系电话",
    "手机号码": "联系电话",
    "联系方式": "联系电话",
    "家长电话": "联系电话",
    "家长联系电话": "联系电话",
    "家长手机": "联系电话",
    "监护人电话": "联系电话",
    "监护人联系电话": "联系电话",
    "监护人手机": "联系电话",
    "家长姓名": "监护人姓名",
    "监护人": "监护人姓名",
    "关系": "与学生关系",
    "与学生的关系": "与学生关系",
    "监护人关系": "与学生关系",
    "监护人与学生关系": "与学生关系",
    "家长与学生关系": "与学生关系",
    "家庭地址": "家庭住址",
    "住址": "家庭住址",
    "现住址": "家庭住址",
    "家庭现住址": "家庭住址",
    "居住地址": "家庭住址",
    "看护人": "主要看护人",
    "特殊群体类别": "特殊群体",
    "特殊群体类型": "特殊群体",
    "班级名称": "班级",
    "教工号": "工号",
    "职工号": "工号",
    "职位": "职务",
    "任教班": "任教班级",
}

SHEET_KINDS = {
    "学生": STUDENTS,
    "学生名单": STUDENTS,
    "学生信息": STUDENTS,
    "教师": TEACHERS,
    "教师名单": TEACHERS,
    "教职工": TEACHERS,
}


def canonical_header(text: str) -> str:
    """A header cell as the column it names: spaces (also full-width) removed, synonyms mapped."""
    cleaned = "".join(text.split()).strip("*＊")
    return SYNONYMS.get(cleaned, cleaned)
