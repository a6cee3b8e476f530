"""Generate the sample school's roster, samples/roster.xlsx: fictional students and teachers.

Everything is made up: names are drawn from common surname and given-name characters, ID numbers
use the area code 99xxxx (no real region has it), addresses are in the fictional 青禾市清源区.
The output depends only on SEED, so reruns give the same workbook (byte for byte).

Run from the repository root:
    python samples/make_sample_school.py            # rewrites samples/roster.xlsx
    python samples/make_sample_school.py OUT.xlsx   # writes elsewhere
"""

from __future__ import annotations

import datetime as dt
import io
import random
import sys
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

SEED = 20250901
FIXED_TIME = dt.datetime(2025, 9, 1, 8, 0, 0)  # workbook properties and zip entry times

STUDENT_SHEET = "学生"
STUDENT_HEADERS = (
    "学籍号", "姓名", "性别", "年级", "班级", "家庭住址", "监护人姓名", "与学生关系",
    "联系电话", "主要看护人", "特殊群体", "学业水平", "新转入", "身份证号",
)  # fmt: skip
TEACHER_SHEET = "教师"
TEACHER_HEADERS = ("工号", "姓名", "职务", "任教班级")

CLASSES = (
    ("七年级", "七年级（1）班", 2013),  # grade, class name, birth year of its youngest pupils
    ("七年级", "七年级（2）班", 2013),
    ("八年级", "八年级（1）班", 2012),
)
CLASS_SIZE = (38, 42)
# Names with rare characters (CJK Ext-B/E and uncommon BMP ones) that fonts and OCR must cope with.
RARE_NAMES = {
    "七年级（1）班": (("李𬱖", "男"), ("王堃", "男")),
    "七年级（2）班": (("陈玥", "女"), ("张喆", "男")),
    "八年级（1）班": (("刘燊", "男"), ("𠇔晓雨", "女")),
}

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
GIVEN_MALE = "浩宇俊杰子轩博文晨阳志强明哲天佑建华嘉豪思远家乐伟诚睿泽一鸣宏宇鹏飞"
GIVEN_FEMALE = "欣怡雨萱梓涵思琪佳怡诗雨晓彤雅婷可馨紫涵梦瑶静怡若曦欣然婉清语嫣"
ADULT_MALE = "建国志刚海军永红国强德明春生立新振华文斌卫东学军"
ADULT_FEMALE = "秀英桂兰丽华淑芬玉梅红霞春燕美玲翠花凤琴小芳慧敏"

# Special groups (names from samples/policy.yaml) and their share of all students.
GROUP_SHARES = (
    ("留守儿童", 0.15),
    ("学习困难", 0.08),
    ("单亲家庭", 0.05),
    ("经济困难", 0.05),
    ("心理问题", 0.03),
    ("行为偏差", 0.03),
)
DISABLED_STUDENTS = 2
MAX_GROUPS = 2
LEVELS = (("优秀", 20), ("良好", 35), ("中等", 35), ("待提升", 10))
TRANSFERS = 3

PARENTS = ("父亲", "母亲")
GRANDPARENTS = ("祖父", "祖母", "外祖父", "外祖母")
MALE_RELATIONS = {"父亲", "祖父", "外祖父"}
PHONE_PREFIXES = ("139", "158", "187", "135", "152", "176", "188", "133")

TOWNS = ("石门", "白沙", "桃源", "青溪", "龙泉", "柳塘")
VILLAGES = ("杨柳", "上坪", "下湾", "杏花", "竹林", "双河", "黄泥塘", "马家坳", "枫树坪")
HAMLETS = ("李家湾", "石板桥", "大屋场", "枣树岭", "新屋垅", "老鸦冲")
ROADS = ("文昌路", "滨江大道", "清源东路", "建设北路", "学府街", "明德路", "青禾大道")
ESTATES = ("锦绣花园", "翠湖苑", "明德小区", "江南华府", "清源新村", "书香门第")
CN_DIGITS = "一二三四五六七八九十"


def main(argv: list[str]) -> None:
    out = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent / "roster.xlsx"
    write_roster(out)
    print(f"已生成示例名册：{out}")


def write_roster(path: Path, seed: int = SEED) -> None:
    """Write the sample roster to ``path``, identical bytes for identical seeds."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as staging:
        # ExcelWriter directly: Workbook.save would stamp the current time as "modified".
        ExcelWriter(build_workbook(seed), staging).save()
    with zipfile.ZipFile(buffer) as staged, zipfile.ZipFile(path, "w") as out:
        for info in staged.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            out.writestr(fixed, staged.read(info), compress_type=zipfile.ZIP_DEFLATED)


def build_workbook(seed: int = SEED) -> Workbook:
    """The sample roster workbook: sheet 学生 and sheet 教师."""
    rng = random.Random(seed)
    wb = Workbook()
    wb.properties.creator = "jiafang samples/make_sample_school.py"
    wb.properties.created = wb.properties.modified = FIXED_TIME
    _fill_sheet(wb.active, STUDENT_SHEET, STUDENT_HEADERS, student_rows(rng))
    _fill_sheet(wb.create_sheet(), TEACHER_SHEET, TEACHER_HEADERS, teacher_rows(rng))
    return wb


def _fill_sheet(
    ws: Worksheet, title: str, headers: tuple[str, ...], rows: list[tuple[str, ...]]
) -> None:
    ws.title = title
    for row in (headers, *rows):
        ws.append([value or None for value in row])  # an empty cell, not an empty string
    ws.freeze_panes = "A2"
    for index in range(len(headers)):
        widest = max(len(row[index]) for row in (headers, *rows))
        ws.column_dimensions[get_column_letter(index + 1)].width = 2 * widest + 2


def student_rows(rng: random.Random) -> list[tuple[str, ...]]:
    """All students of all classes, class by class."""
    pupils = [p for grade, name, year in CLASSES for p in _class_pupils(rng, grade, name, year)]
    _assign_groups(rng, pupils)
    for pupil in rng.sample(pupils, TRANSFERS):
        pupil["新转入"] = "是"
    used_phones: set[str] = set()
    for pupil in pupils:
        _add_family(rng, pupil, used_phones)
    return [tuple(p[h] for h in STUDENT_HEADERS) for p in pupils]


def _class_pupils(rng: random.Random, grade: str, class_name: str, year: int) -> list[dict[str, str]]:
    rare = RARE_NAMES[class_name]
    taken = {name for name, _ in rare}
    size = rng.randint(*CLASS_SIZE)
    people: list[tuple[str, str]] = []
    while len(people) < size - len(rare):
        gender = rng.choice("男女")
        name = rng.choice(SURNAMES) + _given_name(rng, gender)
        if name not in taken:
            taken.add(name)
            people.append((name, gender))
    for person in rare:
        people.insert(rng.randrange(len(people) + 1), person)
    area = f"99{rng.randrange(10, 100):02d}{rng.randrange(1, 30):02d}"
    pupils = []
    for serial, (name, gender) in enumerate(people, start=1):
        born = dt.date(year - 1, 9, 1) + dt.timedelta(days=rng.randrange(365))
        pupils.append({
            "学籍号": f"G{area}{born:%Y%m%d}{serial:04d}",
            "姓名": name,
            "性别": gender,
            "年级": grade,
            "班级": class_name,
            "特殊群体": "",
            "学业水平": _weighted(rng, LEVELS),
            "新转入": "否",
            "身份证号": _fake_id(area, born, serial, gender),
        })  # fmt: skip
    return pupils


def _given_name(rng: random.Random, gender: str) -> str:
    pool = GIVEN_MALE if gender == "男" else GIVEN_FEMALE
    if rng.random() < 0.75:
        start = rng.randrange(0, len(pool) - 1, 2)
        return pool[start : start + 2]
    return rng.choice(pool)


def _weighted(rng: random.Random, choices: tuple[tuple[str, int], ...]) -> str:
    values, weights = zip(*choices, strict=True)
    return rng.choices(values, weights)[0]


def _fake_id(area: str, born: dt.date, serial: int, gender: str) -> str:
    """An 18-character ID in the national format (odd 17th digit = male), area 99xxxx."""
    order = (serial * 2 + (1 if gender == "男" else 0)) % 1000
    body = f"{area}{born:%Y%m%d}{order:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


def _assign_groups(rng: random.Random, pupils: list[dict[str, str]]) -> None:
    """Spread the special groups at their shares; a few pupils get two, none more."""
    groups: dict[int, list[str]] = {i: [] for i in range(len(pupils))}
    quotas = [(g, round(share * len(pupils))) for g, share in GROUP_SHARES]
    for group, count in [*quotas, ("残疾学生", DISABLED_STUDENTS)]:
        free = [i for i, held in groups.items() if len(held) < MAX_GROUPS]
        for i in rng.sample(free, count):
            groups[i].append(group)
    for i, held in groups.items():
        if "学习困难" in held:
            pupils[i]["学业水平"] = "待提升"
        # Rosters mix official names and short forms: some 学习困难 are written 学困.
        written = ["学困" if g == "学习困难" and rng.random() < 0.4 else g for g in held]
        pupils[i]["特殊群体"] = "、".join(written)


def _add_family(rng: random.Random, pupil: dict[str, str], used_phones: set[str]) -> None:
    held = pupil["特殊群体"]
    left_behind = "留守儿童" in held
    relation = rng.choice(GRANDPARENTS if left_behind else PARENTS)
    paternal = relation in ("父亲", "祖父")
    surname = pupil["姓名"][0] if paternal else rng.choice(SURNAMES)
    adult_pool = ADULT_MALE if relation in MALE_RELATIONS else ADULT_FEMALE
    start = rng.randrange(0, len(adult_pool) - 1, 2)
    pupil["监护人姓名"] = surname + adult_pool[start : start + 2]
    pupil["与学生关系"] = relation
    single = "单亲家庭" in held
    pupil["主要看护人"] = relation if left_behind or single else "父母"
    pupil["联系电话"] = _phone(rng, used_phones)
    pupil["家庭住址"] = _address(rng, rural=left_behind or rng.random() < 0.4)


def _phone(rng: random.Random, used: set[str]) -> str:
    while True:
        phone = rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        if phone not in used:
            used.add(phone)
            return phone


def _address(rng: random.Random, *, rural: bool) -> str:
    if not rural:
        return (
            f"青禾市清源区{rng.choice(ROADS)}{rng.randint(1, 399)}号{rng.choice(ESTATES)}"
            f"{rng.randint(1, 24)}栋{rng.randint(1, 4)}单元"
            f"{rng.randint(1, 32)}{rng.randint(1, 4):02d}室"
        )
    town, village = rng.choice(TOWNS), rng.choice(VILLAGES)
    team = CN_DIGITS[rng.randrange(10)]
    if rng.random() < 0.5:
        return f"青禾市清源区{town}镇{village}村{team}组{rng.randint(1, 120)}号"
    # The long form real rosters carry: committee, natural village, villagers' group, annex.
    return (
        f"青禾市清源区{town}镇{village}村民委员会{rng.choice(HAMLETS)}自然村"
        f"第{team}村民小组{rng.randint(1, 120)}号附{rng.randint(1, 9)}号"
    )


def teacher_rows(rng: random.Random) -> list[tuple[str, ...]]:
    """School leaders, one 班主任 per class and eight 科任 teachers."""
    classes = [name for _, name, _ in CLASSES]
    duties: list[tuple[str, list[str]]] = [
        ("校长", []),
        ("副校长", [classes[2]]),
        ("中层", [classes[1]]),
        ("中层", []),
        ("中层", [classes[0]]),
        *[("班主任", [c]) for c in classes],
        *[("科任", sorted(rng.sample(classes, rng.randint(1, 3)))) for _ in range(8)],
    ]
    names: set[str] = set()
    rows: list[tuple[str, ...]] = []
    for number, (role, taught) in enumerate(duties, start=1):
        name = _teacher_name(rng, names)
        rows.append((f"QHMD{number:03d}", name, role, "、".join(taught)))
    return rows


def _teacher_name(rng: random.Random, taken: set[str]) -> str:
    while True:
        pool = rng.choice((ADULT_MALE, ADULT_FEMALE))
        start = rng.randrange(0, len(pool) - 1, 2)
        name = rng.choice(SURNAMES) + pool[start : start + 2]
        if name not in taken:
            taken.add(name)
            return name


if __name__ == "__main__":
    main(sys.argv)
