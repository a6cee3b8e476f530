"""访谈提纲 content: the guidance text of one student's outline, chosen from their categories.

Each category ("block") is a plain-text jinja2 template, templates/outline/<block>.j2, in a
tiny format: a line ``## <heading>`` starts a section (headings from SECTIONS), a line
``- <item>`` is one item of it. Blocks are combined section by section, specific blocks first.
Templates see only what the roster holds about the student, so no outline can state a fact
about a student that nobody recorded.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import jinja2

from pipeline.defs import OUTLINE_SECTION_LIMITS
from pipeline.errors import PolicyError, TemplateError
from pipeline.model.filled import OutlineContent, OutlineSection
from pipeline.model.people import Student
from pipeline.model.policy import Deadlines, Policy
from pipeline.resources import templates_dir

__all__ = [
    "BLOCK_PRIORITY",
    "SECTIONS",
    "RosterFacts",
    "categories_for",
    "is_section_heading",
    "item_patterns",
    "outline_context",
    "outline_environment",
    "outline_for",
]

# The fixed section vocabulary, in the order the combined outline prints it.
SECTIONS = (
    "核心目标",
    "拟了解的问题",
    "拟反馈的情况",
    "拟探讨的策略",
    "拟达成的目标",
    "携带材料",
    "交流五步",
    "注意事项",
)

BASE_BLOCK = "普访"
FOLLOWUP_BLOCK = "随访"  # used when notes from earlier visits are given

# Optional roster columns (Student.extra) and the values that select a block.
LEVEL_COLUMN = "学业水平"
LEVEL_BLOCKS = {"优秀": "学业优秀", "待提升": "潜能生", "潜能": "潜能生", "中等偏下": "潜能生"}
TRANSFER_COLUMN = "新转入"
TRANSFER_YES = frozenset({"是", "Y", "y", "1", "新转入"})
TRANSFER_BLOCK = "新转入"

# Specific before general: an earlier block leads every section and wins core-goal slots.
BLOCK_PRIORITY = (
    FOLLOWUP_BLOCK,
    "心理",
    "留守",
    "特殊关爱",
    "行为偏差",
    "潜能生",
    TRANSFER_BLOCK,
    "学业优秀",
    BASE_BLOCK,
)

_NUMERALS = "一二三四五六七八九十"
_HEADING = re.compile(f"[{_NUMERALS}]、(?:{'|'.join(SECTIONS)})")


def is_section_heading(text: str) -> bool:
    """Whether ``text`` is a section heading as an outline prints it ("二、拟了解的问题")."""
    return _HEADING.fullmatch(text) is not None


_TAG = re.compile(r"(\{\{.*?\}\}|\{%.*?%\})")


@lru_cache(maxsize=1)
def item_patterns() -> tuple[re.Pattern[str], ...]:
    """Every item any outline can print, as a pattern over its text with whitespace removed:
    what a template fills in from the roster ({{ … }}) matches any text, each branch of an
    {% if %} is allowed. A returned outline's item that none matches has had text added."""
    lines = (line.strip() for path in sorted((templates_dir() / "outline").glob("*.j2")) for line in path.read_text(encoding="utf-8").splitlines())
    return tuple(re.compile(_item_pattern(line[2:])) for line in lines if line.startswith("- "))


def _item_pattern(item: str) -> str:
    out: list[str] = []
    closed: list[bool] = []  # per open {% if %}: whether it has an {% else %}
    for token in _TAG.split(item):
        if token.startswith("{{"):
            out.append(".+?")
        elif token.startswith("{%"):
            word = token.strip("{%-} ").split()[0]
            if word == "if":
                out.append("(?:")
                closed.append(False)
            elif word in ("elif", "else"):
                out.append("|")
                closed[-1] = closed[-1] or word == "else"
            elif word == "endif":
                out.append(")" if closed.pop() else "|)")
        else:
            out.append(re.escape("".join(token.split())))
    return "".join(out)


@dataclass(frozen=True)
class RosterFacts:
    """All a template may say about the student: roster fields, nothing inferred."""

    name: str
    class_name: str
    guardian_name: str
    guardian_relation: str
    caregiver: str

    @property
    def addressee(self) -> str:
        """How to name the guardian in a sentence: "母亲王秀英", "王秀英" or "家长"."""
        return f"{self.guardian_relation}{self.guardian_name}" if self.guardian_name else "家长"


def outline_for(student: Student, policy: Policy, *, recent: Sequence[str] = ()) -> OutlineContent:
    """The 访谈提纲 guidance for ``student``; ``recent`` holds notes from earlier visits."""
    categories = categories_for(student, policy, recent=recent)
    context = outline_context(
        student, categories=categories, recent=recent, deadlines=policy.deadlines
    )
    blocks = [_parse_block(name, _render_block(name, context)) for name in categories]
    return OutlineContent(categories=categories, sections=_merge(blocks))


def categories_for(
    student: Student, policy: Policy, *, recent: Sequence[str] = ()
) -> tuple[str, ...]:
    """The outline blocks that apply to ``student``, in BLOCK_PRIORITY order."""
    blocks = {BASE_BLOCK}
    if any(_clean(note) for note in recent):
        blocks.add(FOLLOWUP_BLOCK)
    blocks.update(filter(None, (_group_block(student, policy, g) for g in student.groups)))
    extra = student.extra_dict
    level_block = LEVEL_BLOCKS.get(extra.get(LEVEL_COLUMN, "").strip())
    if level_block:
        blocks.add(level_block)
    if extra.get(TRANSFER_COLUMN, "").strip() in TRANSFER_YES:
        blocks.add(TRANSFER_BLOCK)
    return tuple(sorted(blocks, key=_priority))


def outline_context(
    student: Student,
    *,
    categories: Sequence[str] = (),
    recent: Sequence[str] = (),
    deadlines: Deadlines | None = None,
) -> dict[str, object]:
    """Everything a block template may use; deliberately no phone, address, ID or groups."""
    facts = RosterFacts(
        name=_clean(student.name),
        class_name=_clean(student.class_name),
        guardian_name=_clean(student.guardian_name),
        guardian_relation=_clean(student.guardian_relation),
        caregiver=_clean(student.caregiver),
    )
    notes = tuple(n for n in map(_clean, recent) if n)
    return {
        "student": facts,
        "categories": tuple(categories),
        "recent": notes,
        "deadlines": deadlines or Deadlines(),
    }


@lru_cache(maxsize=1)
def outline_environment() -> jinja2.Environment:
    """The jinja2 environment of the outline blocks (plain text: the renderers escape)."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir() / "outline"),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        # an included block (_隐私.j2) ends with its line break, or the item after it is glued to its last
        keep_trailing_newline=True,
    )


def _group_block(student: Student, policy: Policy, group: str) -> str | None:
    canonical = policy.canonical_group(group)
    if canonical is None:
        raise PolicyError(
            f"{student.class_name} {student.name}（{student.student_no}）：特殊群体“{group}”"
            "不在政策配置的 special_groups 中；请在政策配置中补充该群体或别名后重新导入名册。"
        )
    return policy.group(canonical).outline


def _priority(block: str) -> tuple[int, str]:
    if block in BLOCK_PRIORITY:
        return (BLOCK_PRIORITY.index(block), block)
    # A block the profile names but BLOCK_PRIORITY does not know is still more specific than 普访.
    return (BLOCK_PRIORITY.index(BASE_BLOCK) - 1, block)


def _template_name(block: str) -> str:
    return f"{block}.j2"


def _template_path(block: str) -> str:
    return str(templates_dir() / "outline" / _template_name(block))


def _render_block(block: str, context: dict[str, object]) -> str:
    where = _template_path(block)
    try:
        return outline_environment().get_template(_template_name(block)).render(context)
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(
            f"{where}：找不到访谈提纲模板“{block}”；请添加该模板，"
            "或在政策配置中把相应特殊群体的 outline 改为已有的模板名。"
        ) from exc
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"{where} 第 {exc.lineno} 行：模板语法错误：{exc.message}") from exc
    except jinja2.UndefinedError as exc:
        raise TemplateError(
            f"{where}：模板引用了不存在的数据（{exc.message}）；模板只能使用名册中的学生字段。"
        ) from exc


def _parse_block(block: str, text: str) -> dict[str, list[str]]:
    """Sections of one rendered block, by heading, items in template order."""
    where = _template_path(block)
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for lineno, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        if line.startswith("## "):
            heading = line[3:].strip()
            if heading not in SECTIONS:
                raise TemplateError(
                    f"{where}（渲染后第 {lineno} 行）：未知的提纲栏目“{heading}”；"
                    f"可用栏目：{'、'.join(SECTIONS)}。"
                )
            current = sections.setdefault(heading, [])
        elif line.startswith("- ") and current is not None:
            current.append(line[2:].strip())
        else:
            raise TemplateError(
                f"{where}（渲染后第 {lineno} 行）：每行须是“## 栏目”或栏目下的“- 条目”：{line[:30]}"
            )
    return sections


def _merge(blocks: Sequence[dict[str, list[str]]]) -> tuple[OutlineSection, ...]:
    """One section per heading in SECTIONS order, items merged across blocks, numbered."""
    merged: list[OutlineSection] = []
    for heading in SECTIONS:
        per_block = [b.get(heading, []) for b in blocks]
        items = _fair_share(per_block, OUTLINE_SECTION_LIMITS.get(heading))
        if items:
            merged.append(OutlineSection(f"{_NUMERALS[len(merged)]}、{heading}", tuple(items)))
    return tuple(merged)


def _fair_share(per_block: Sequence[Sequence[str]], limit: int | None) -> list[str]:
    """All blocks' items without duplicates, in block order; over ``limit``, every block's
    first item is kept before any block's second, so each category is heard."""
    in_order = _unique(item for items in per_block for item in items)
    if limit is None or len(in_order) <= limit:
        return in_order
    longest = max(len(items) for items in per_block)
    by_rank = (items[i] for i in range(longest) for items in per_block if i < len(items))
    kept = set(_unique(by_rank)[:limit])
    return [item for item in in_order if item in kept]


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _clean(text: str) -> str:
    # A line break inside a roster value or note would break the one-item-per-line format.
    return re.sub(r"\s+", " ", text).strip()
