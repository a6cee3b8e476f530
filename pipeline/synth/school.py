"""Synthetic schools of any size for the visit plan's property tests and bench: rosters with
chosen shares of special-group and 重点 students, addresses in a few neighbourhoods (town
estates and villages), one 班主任 a class, 科任 teachers over up to three classes, a
principal and middle leaders. Names and addresses are fictional (青禾市清源区)."""

from __future__ import annotations

import random
from dataclasses import dataclass

from pipeline.model.people import Student, Teacher

__all__ = ["School", "generated_school"]

CLASS_SIZE = 45
AREAS = (
    "青禾市清源区文昌路{n}号锦绣花园{b}栋",
    "青禾市清源区学府街{n}号翠湖苑{b}栋",
    "青禾市清源区柳塘镇柳树村{b}组{n}号",
    "青禾市清源区白沙镇杨柳村第{b}村民小组{n}号",
    "青禾市清源区明德路{n}号书香门第{b}栋",
)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = "伟芳娜敏静丽强磊洋艳勇军杰娟涛明超秀霞平刚桂"



@dataclass(frozen=True)
class School:
    students: tuple[Student, ...]
    teachers: tuple[Teacher, ...]


def generated_school(
    size: int,
    *,
    seed: int = 0,
    special_share: float = 0.15,
    focus_share: float = 0.1,
    subject_teachers: int = 2,
    middle_leaders: int = 2,
) -> School:
    """``size`` students in classes of CLASS_SIZE; the shares are of all students."""
    rng = random.Random(seed)
    classes = [f"七年级（{i + 1}）班" for i in range(max(1, -(-size // CLASS_SIZE)))]
    specials = ("留守儿童", "困境儿童", "单亲家庭", "经济困难", "残疾学生")
    focus = ("学习困难", "心理问题", "行为偏差")
    students = []
    for i in range(size):
        groups: list[str] = []
        if rng.random() < special_share:
            groups.append(rng.choice(specials))
        if rng.random() < focus_share:
            groups.append(rng.choice(focus))
        address = rng.choice(AREAS).format(n=rng.randint(1, 99), b=rng.randint(1, 9))
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
        students.append(Student(f"S{i:05d}", name, classes[i % len(classes)], address=address, groups=tuple(groups)))
    teachers = [Teacher("L001", "校长甲", "校长")]
    teachers += [Teacher(f"L{100 + i}", f"中层{i}", "中层") for i in range(middle_leaders)]
    teachers += [Teacher(f"H{i:03d}", f"班主任{i}", "班主任", (c,)) for i, c in enumerate(classes)]
    for i in range(subject_teachers * len(classes) // 3 if subject_teachers else 0):
        taught = tuple(sorted(rng.sample(classes, min(3, len(classes)))))
        teachers.append(Teacher(f"K{i:03d}", f"科任{i}", "科任", taught))
    return School(tuple(students), tuple(teachers))
