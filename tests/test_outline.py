"""访谈提纲 content: blocks chosen from the student's categories, merged, roster facts only."""

from __future__ import annotations

import re

import jinja2
import pytest

from pipeline.defs import OUTLINE_SECTION_LIMITS
from pipeline.errors import PolicyError
from pipeline.model.filled import OutlineContent
from pipeline.model.people import Student
from pipeline.model.policy import load_policy
from pipeline.outline import (
    BLOCK_PRIORITY,
    SECTIONS,
    outline_context,
    outline_environment,
    outline_for,
)

POLICY = load_policy()


def student(
    *groups: str, name: str = "赵子轩", extra: tuple[tuple[str, str], ...] = (), **fields: str
) -> Student:
    defaults = {
        "guardian_name": "赵建国",
        "guardian_relation": "父亲",
        "caregiver": "父母",
        "phone": "13912345678",
    }
    return Student(
        student_no="G990101201301010001",
        name=name,
        class_name="七年级（1）班",
        groups=groups,
        extra=extra,
        **{**defaults, **fields},
    )


def text_of(outline: OutlineContent) -> str:
    return "\n".join(line for s in outline.sections for line in (s.heading, *s.items))


def section(outline: OutlineContent, heading: str) -> tuple[str, ...]:
    return next(s.items for s in outline.sections if s.heading.endswith(heading))


def test_plain_student_gets_only_the_base_block() -> None:
    outline = outline_for(student(), POLICY)
    assert outline.categories == ("普访",)
    assert [s.heading for s in outline.sections] == [
        f"{n}、{h}" for n, h in zip("一二三四五六七八", SECTIONS, strict=True)
    ]


def test_left_behind_and_top_student_get_different_blocks() -> None:
    left_behind = outline_for(
        student("留守儿童", caregiver="祖母", guardian_relation="祖母"), POLICY
    )
    top = outline_for(student(extra=(("学业水平", "优秀"),)), POLICY)
    assert left_behind.categories == ("留守", "普访")
    assert top.categories == ("学业优秀", "普访")
    questions = section(left_behind, "拟了解的问题")
    assert any("在外的父母" in q for q in questions)
    assert any("由祖母照看" in q for q in questions)
    assert "在外的父母" not in text_of(top)
    assert text_of(left_behind) != text_of(top)


def test_several_categories_merge_under_single_headings() -> None:
    outline = outline_for(student("留守儿童", "学困"), POLICY)
    assert outline.categories == ("留守", "潜能生", "普访")
    headings = [s.heading.split("、", 1)[1] for s in outline.sections]
    assert headings == list(SECTIONS)
    goals = section(outline, "核心目标")
    assert 1 <= len(goals) <= 3
    assert any("照料" in g for g in goals) and any("闪光点" in g for g in goals)
    for s in outline.sections:
        assert len(s.items) == len(set(s.items)), s.heading


def test_sections_are_cut_to_their_limits_keeping_every_category() -> None:
    many = student("留守儿童", "学习困难", "心理问题", extra=(("新转入", "是"),))
    outline = outline_for(many, POLICY, recent=("每晚九点前完成作业",))
    assert outline.categories == ("随访", "心理", "留守", "潜能生", "新转入", "普访")
    for s in outline.sections:
        limit = OUTLINE_SECTION_LIMITS.get(s.heading.split("、", 1)[1])
        assert limit is None or len(s.items) <= limit, s.heading
    assert len(section(outline, "核心目标")) == 3
    assert len(section(outline, "交流五步")) == 5


def test_outline_fits_about_one_and_a_half_pages_for_three_categories() -> None:
    # At 10 pt (5.1 mm a line) the 180 mm wide content boxes hold about 50 characters a line;
    # 1.5 pages (193 mm on page 1 + half of 184 mm on page 2) are about 56 lines.
    outline = outline_for(student("留守儿童", "学困", extra=(("新转入", "是"),)), POLICY)
    lines = sum(1 + sum(-(-(len(item) + 2) // 50) for item in s.items) for s in outline.sections)
    assert lines <= 56


def test_five_steps_carry_their_minutes() -> None:
    steps = section(outline_for(student(), POLICY), "交流五步")
    expected = [
        ("破冰暖场", "约5分钟"),
        ("肯定先行", "约5–10分钟"),
        ("共商问题", "约10–15分钟"),
        ("明确分工", "约5分钟"),
        ("积极收尾", "约5分钟"),
    ]
    assert [(s[:4], re.search(r"约[\d–]+分钟", s).group()) for s in steps] == expected


def test_cautions_cover_three_more_three_less_and_privacy_for_care_groups() -> None:
    plain = section(outline_for(student(), POLICY), "注意事项")
    assert any("多肯定、多鼓励、多商量；少批评、少指责、少命令" in c for c in plain)
    assert any("孩子回避" in c for c in plain)
    assert not any("隐私" in c for c in plain)
    for group in ("单亲家庭", "留守儿童", "心理问题"):
        cautions = section(outline_for(student(group), POLICY), "注意事项")
        assert sum("隐私" in c for c in cautions) == 1, group
        assert any("不反复追问" in c for c in cautions)
        assert any("不让同学知道" in c for c in cautions)


@pytest.mark.parametrize(("group", "after"), [("单亲家庭", "在校给予不显眼的照顾"), ("心理问题", "不在孩子面前给其下结论")])
def test_an_item_after_the_shared_privacy_cautions_is_an_item_of_its_own(group: str, after: str) -> None:
    """The shared block ended without its line break, so the item after it was printed glued to
    its last caution ("…不让同学知道。- 在校给予…")."""
    cautions = section(outline_for(student(group), POLICY), "注意事项")
    assert any(c.startswith(after) for c in cautions), cautions
    assert not any("- " in c for c in cautions)


def test_outline_holds_no_phone_digits() -> None:
    s = student("留守儿童", "经济困难", phone="15876543210")
    text = text_of(outline_for(s, POLICY, recent=("按时交作业",)))
    assert not any(s.phone[i : i + 4] in text for i in range(len(s.phone) - 3))


@pytest.mark.parametrize(
    "groups, extra",
    [((), ()), ((), (("学业水平", "优秀"),)), ((), (("学业水平", "待提升"),))]
    + [((g.name,), ()) for g in POLICY.special_groups],
)
def test_outline_names_no_group_the_student_is_not_in(
    groups: tuple[str, ...], extra: tuple[tuple[str, str], ...]
) -> None:
    text = text_of(outline_for(student(*groups, extra=extra), POLICY))
    for g in POLICY.special_groups:
        if g.name not in groups:
            for label in (g.name, *g.aliases):
                assert label not in text, (groups, label)


def test_extra_columns_select_blocks() -> None:
    cases = {
        (("学业水平", "中等偏下"),): ("潜能生", "普访"),
        (("学业水平", "良好"),): ("普访",),
        (("新转入", "Y"),): ("新转入", "普访"),
        (("新转入", "否"),): ("普访",),
    }
    for extra, categories in cases.items():
        assert outline_for(student(extra=extra), POLICY).categories == categories


def test_categories_follow_the_priority_list() -> None:
    outline = outline_for(student("学困", "行为偏差", "残疾学生"), POLICY)
    assert outline.categories == ("特殊关爱", "行为偏差", "潜能生", "普访")
    assert list(outline.categories) == sorted(outline.categories, key=BLOCK_PRIORITY.index)


def test_recent_notes_become_follow_up_questions() -> None:
    outline = outline_for(student(), POLICY, recent=("每晚九点前\n完成作业", "  "))
    assert outline.categories == ("随访", "普访")
    questions = section(outline, "拟了解的问题")
    assert "每晚九点前 完成作业" in questions[0]
    assert sum("上次约定" in q for q in questions) == 1


def test_empty_guardian_fields_read_naturally() -> None:
    s = student("留守儿童", guardian_name="", guardian_relation="", caregiver="")
    text = text_of(outline_for(s, POLICY))
    assert "与家长保持联系" in text
    assert "孩子平时主要由谁照看" in text
    assert "None" not in text and "{{" not in text


def test_every_block_template_renders_for_a_bare_student() -> None:
    bare = Student(student_no="G1", name="钱一", class_name="八年级（1）班")
    env = outline_environment()
    blocks = [n.removesuffix(".j2") for n in env.list_templates() if not n.startswith("_")]
    assert set(blocks) == set(BLOCK_PRIORITY)
    for block in blocks:
        context = outline_context(bare, categories=(block,), recent=("按时就寝",))
        assert "## " in env.get_template(f"{block}.j2").render(context)


def test_templates_cannot_reach_beyond_roster_facts() -> None:
    env = outline_environment()
    context = outline_context(student(), categories=("普访",))
    assert env.from_string("与{{ student.addressee }}约定").render(context) == "与父亲赵建国约定"
    for source in ("{{ student.phone }}", "{{ student.groups }}", "{{ school }}"):
        with pytest.raises(jinja2.UndefinedError):
            env.from_string(source).render(context)


def test_group_missing_from_policy_is_a_named_error() -> None:
    with pytest.raises(PolicyError, match="特殊群体“外星人”"):
        outline_for(student("外星人"), POLICY)
