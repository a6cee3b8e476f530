"""The sample school: its committed roster is what the generator makes, and it is plausible."""

from __future__ import annotations

import importlib.util
import re
from collections import Counter
from types import ModuleType

import pytest
from openpyxl import Workbook, load_workbook

from pipeline.model.policy import load_policy
from pipeline.resources import samples_dir

RARE_NAMES = ("李𬱖", "王堃", "陈玥", "张喆", "刘燊")


def _generator() -> ModuleType:
    path = samples_dir() / "make_sample_school.py"
    spec = importlib.util.spec_from_file_location("make_sample_school", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def roster() -> Workbook:
    return load_workbook(samples_dir() / "roster.xlsx")


def _records(wb: Workbook, sheet: str) -> list[dict[str, str]]:
    header, *rows = wb[sheet].iter_rows(values_only=True)
    return [{h: v or "" for h, v in zip(header, row, strict=True)} for row in rows]


def _values(wb: Workbook) -> dict[str, list[tuple[object, ...]]]:
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}


def test_committed_roster_matches_the_generator(roster: Workbook) -> None:
    assert _values(roster) == _values(_generator().build_workbook())


def test_generator_output_is_byte_identical_across_runs(tmp_path) -> None:
    generator = _generator()
    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    generator.write_roster(first)
    generator.write_roster(second)
    assert first.read_bytes() == second.read_bytes()


def test_student_sheet_has_the_documented_headers(roster: Workbook) -> None:
    header = next(roster["学生"].iter_rows(max_row=1, values_only=True))
    assert header == (
        "学籍号", "姓名", "性别", "年级", "班级", "家庭住址", "监护人姓名", "与学生关系",
        "联系电话", "主要看护人", "特殊群体", "学业水平", "新转入", "身份证号",
    )  # fmt: skip


def test_three_classes_of_38_to_42_students(roster: Workbook) -> None:
    sizes = Counter(r["班级"] for r in _records(roster, "学生"))
    assert set(sizes) == {"七年级（1）班", "七年级（2）班", "八年级（1）班"}
    assert all(38 <= n <= 42 for n in sizes.values()), sizes


def test_rare_character_names_are_present(roster: Workbook) -> None:
    names = [r["姓名"] for r in _records(roster, "学生")]
    assert all(n in names for n in RARE_NAMES)
    assert any(n.startswith("𠇔") for n in names)


def test_every_special_group_entry_is_known_to_the_policy(roster: Workbook) -> None:
    policy = load_policy()
    entries = [
        g for r in _records(roster, "学生") if r["特殊群体"] for g in r["特殊群体"].split("、")
    ]
    assert entries and all(policy.canonical_group(g) for g in entries)
    assert "学困" in entries  # aliases occur, as in real rosters
    shares = Counter(policy.canonical_group(g) for g in entries)
    assert shares["留守儿童"] > shares["单亲家庭"] and 1 <= shares["残疾学生"] <= 2


def test_identifiers_are_well_formed_and_fictional(roster: Workbook) -> None:
    students = _records(roster, "学生")
    assert all(re.fullmatch(r"1\d{10}", r["联系电话"]) for r in students)
    assert all(re.fullmatch(r"G99\d{16}", r["学籍号"]) for r in students)
    assert all(re.fullmatch(r"99\d{15}[\dX]", r["身份证号"]) for r in students)
    assert len({r["学籍号"] for r in students}) == len(students)


def test_left_behind_students_are_cared_for_by_a_grandparent(roster: Workbook) -> None:
    left_behind = [r for r in _records(roster, "学生") if "留守" in r["特殊群体"]]
    assert left_behind
    for r in left_behind:
        assert r["与学生关系"] in ("祖父", "祖母", "外祖父", "外祖母")
        assert r["主要看护人"] == r["与学生关系"]


def test_every_class_has_exactly_one_head_teacher(roster: Workbook) -> None:
    classes = {r["班级"] for r in _records(roster, "学生")}
    teachers = _records(roster, "教师")
    heads = Counter(c for t in teachers if t["职务"] == "班主任" for c in t["任教班级"].split("、"))
    assert heads == Counter(classes)
    roles = Counter(t["职务"] for t in teachers)
    assert roles == {"校长": 1, "副校长": 1, "中层": 3, "班主任": 3, "科任": 8}
