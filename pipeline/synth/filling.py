"""What a teacher writes on one issued paper form, and writing it onto the page images.

:func:`plan_values` decides every fillable field's value (in the export contract by kind)
and how each checkbox is marked; :func:`draw_page` writes the plan onto a rasterised page
with the handwriting module. The plan is the ground truth a reader is measured against.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, TypedDict

import numpy as np

from pipeline.model.form import CHOICE_KINDS, COMB_KINDS, FieldDef, FormDef
from pipeline.model.policy import Deadlines, Period
from pipeline.synth import handwriting as hw
from pipeline.synth import phrases
from pipeline.synth import settings as synth_defs

# checkbox state in the truth -> how the pen marked the box
TICKED, EMPTY, CROSSED_OUT, STRAY = "ticked", "empty", "crossed_out", "stray"
_MARKS = (("tick", 0.85), ("cross", 0.08), ("stray_tick", 0.07))  # how a chosen box is marked
_CORRECTION_RATE = 0.06  # chance a choice field shows a withdrawn (ticked, then filled) box
_TEXT_CORRECTION_RATE = 0.05  # chance a short text starts with a struck-out word
_EMPTY_RATE = 0.1  # chance an optional field is left empty
_PARENT_SIGNS = 0.85  # chance the parent signs
_NARRATIVE_CHARS = (40, 100)  # characters of a narrative: two to three lines on the form


@dataclass(frozen=True)
class People:
    """What the roster says about one form's student and class."""

    guardian: str = ""
    relation: str = ""
    teachers: tuple[str, ...] = ()  # teachers of the class (班主任 and 科任)
    leaders: tuple[str, ...] = ()  # school leaders who join some visits


@dataclass
class FormPlan:
    values: dict[str, Any] = field(default_factory=dict)
    checkbox_states: dict[str, dict[str, str]] = field(default_factory=dict)
    marks: dict[str, dict[str, str]] = field(default_factory=dict)  # field -> option -> draw kind
    struck: dict[str, str] = field(default_factory=dict)  # text field -> word struck out first
    lines: dict[str, list[str]] = field(default_factory=dict)  # multiline field -> lines written


def plan_values(
    form: FormDef, people: People, *, period: Period, deadlines: Deadlines, rng: np.random.Generator
) -> FormPlan:
    """Values for every fillable field of ``form``, drawn in field order."""
    plan = FormPlan()
    for f in form.fields:
        if f.fillable:
            _plan_field(plan, f, people, period, deadlines, rng)
    return plan


def _plan_field(
    plan: FormPlan, f: FieldDef, people: People, period: Period, deadlines: Deadlines, rng: np.random.Generator
) -> None:
    optional_empty = not f.required and rng.random() < _EMPTY_RATE
    if f.kind in CHOICE_KINDS:
        _plan_choice(plan, f, rng, empty=optional_empty)
    elif f.kind == "signature":
        plan.values[f.id] = f.required or f.id == "teacher_signature" or rng.random() < _PARENT_SIGNS
    elif f.kind == "date":
        plan.values[f.id] = _date(f, plan, period, deadlines, rng, empty=optional_empty)
    elif optional_empty:
        plan.values[f.id] = None
    elif f.kind == "time_range":
        plan.values[f.id] = _time_range(rng)
    elif f.kind in ("phone", "digits"):
        head = "1" + str(rng.integers(3, 10)) if f.kind == "phone" else ""
        plan.values[f.id] = head + "".join(str(d) for d in rng.integers(0, 10, len(f.cells) - len(head)))
    elif f.kind == "multiline":
        plan.values[f.id] = _narrative(f.id, people, rng)
    else:
        _plan_text(plan, f, people, rng)


def _date(
    f: FieldDef, plan: FormPlan, period: Period, deadlines: Deadlines, rng: np.random.Generator, *, empty: bool
) -> str | None:
    if empty:
        return None
    after = plan.values.get(str(f.rule("after_field", "")))
    if after:
        days = int(rng.integers(deadlines.followup_min_days, deadlines.followup_max_days + 1))
        return (dt.date.fromisoformat(after) + dt.timedelta(days=days)).isoformat()
    span = (period.end - period.start).days
    return (period.start + dt.timedelta(days=int(rng.integers(0, span + 1)))).isoformat()


def _time_range(rng: np.random.Generator) -> str:
    start = int(rng.integers(8 * 12, 20 * 12)) * 5  # minutes after midnight, 08:00-19:55
    end = start + int(rng.integers(4, 19)) * 5  # a visit lasts 20-90 minutes
    return f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}"


def _narrative(field_id: str, people: People, rng: np.random.Generator) -> str:
    bank = phrases.NARRATIVES.get(field_id, phrases.GENERIC_NARRATIVE)
    target = int(rng.integers(*_NARRATIVE_CHARS))
    text = ""
    for i in rng.permutation(len(bank)):
        sentence = _people_text(bank[int(i)], people)
        if text and len(text) + len(sentence) > target:
            break
        text += sentence
    return text


def _plan_text(plan: FormPlan, f: FieldDef, people: People, rng: np.random.Generator) -> None:
    if f.id == "teachers":
        plan.values[f.id] = "、".join(_visiting_teachers(people, rng))
    elif f.id == "interviewee":
        plan.values[f.id] = _people_text(_pick(phrases.INTERVIEWEES, rng), people).strip() or "家长"
    elif f.id == "place":
        places = phrases.PLACES.get(str(plan.values.get("mode")), phrases.PLACES["入户走访"])
        plan.values[f.id] = _people_text(_pick(places, rng), people)
        if rng.random() < _TEXT_CORRECTION_RATE:
            plan.struck[f.id] = _pick(phrases.WRONG_PLACES, rng)
    else:
        plan.values[f.id] = _pick(phrases.GENERIC_NARRATIVE, rng)[:10]


def _visiting_teachers(people: People, rng: np.random.Generator) -> list[str]:
    pool = list(people.teachers or people.leaders or ("张老师",))
    count = min(len(pool), int(rng.integers(1, 3)))
    chosen = [pool[0]] + [pool[int(i)] for i in rng.permutation(len(pool) - 1)[: count - 1] + 1]
    if people.leaders and rng.random() < 0.25:
        leader = _pick(people.leaders, rng)
        if leader not in chosen:
            chosen.append(leader)
    return chosen


def _plan_choice(plan: FormPlan, f: FieldDef, rng: np.random.Generator, *, empty: bool) -> None:
    options = f.option_values
    if empty:
        chosen: list[str] = []
    elif f.kind == "single_choice":
        weights = np.array([6.0 if (f.id, o) == ("mode", "入户走访") else 1.0 for o in options])
        chosen = [options[int(rng.choice(len(options), p=weights / weights.sum()))]]
    else:
        count = int(rng.integers(1, min(4, len(options)) + 1))
        picked = set(int(i) for i in rng.permutation(len(options))[:count])
        chosen = [o for i, o in enumerate(options) if i in picked]
    marks = {o: _pick_mark(rng) for o in chosen}
    unchosen = [o for o in options if o not in chosen]
    if unchosen and chosen and rng.random() < _CORRECTION_RATE:
        marks[_pick(unchosen, rng)] = "correction"
    plan.marks[f.id] = marks
    plan.checkbox_states[f.id] = {o: _state(marks.get(o)) for o in options}
    if f.kind == "multi_choice":
        plan.values[f.id] = chosen or None
    else:
        plan.values[f.id] = chosen[0] if chosen else None


def _pick_mark(rng: np.random.Generator) -> str:
    kinds = [k for k, _ in _MARKS]
    weights = np.array([w for _, w in _MARKS])
    return kinds[int(rng.choice(len(kinds), p=weights / weights.sum()))]


def _state(mark: str | None) -> str:
    return {None: EMPTY, "tick": TICKED, "cross": TICKED, "stray_tick": STRAY, "correction": CROSSED_OUT}[mark]


def _people_text(template: str, people: People) -> str:
    return template.format(guardian=people.guardian or "家长", relation=people.relation or "家长")


def _pick(items: tuple[str, ...] | list[str], rng: np.random.Generator) -> str:
    return items[int(rng.integers(len(items)))]


# --- drawing --------------------------------------------------------------------------------


class _Pen(TypedDict):
    """The keyword arguments every handwriting call takes."""

    style: hw.HandwritingStyle
    rng: np.random.Generator
    px_per_mm: float


def draw_page(
    image: np.ndarray,
    form: FormDef,
    page_no: int,
    plan: FormPlan,
    *,
    teacher: hw.HandwritingStyle,
    parent: hw.HandwritingStyle,
    rng: np.random.Generator,
    px_per_mm: float = synth_defs.SYNTH_PX_PER_MM,
) -> None:
    """Write the plan's values of page ``page_no`` onto ``image`` (template px at ``px_per_mm``).

    Multi-line values are set to what actually fits the guide lines (``plan.lines`` keeps the
    lines as written).
    """
    for f in form.pages[page_no - 1].fields:
        if not f.fillable:
            continue
        style = parent if f.id == "parent_signature" else teacher
        _draw_field(image, f, plan, style=style, rng=rng, px_per_mm=px_per_mm)


def _draw_field(
    image: np.ndarray, f: FieldDef, plan: FormPlan, *, style: hw.HandwritingStyle, rng: np.random.Generator, px_per_mm: float
) -> None:
    value = plan.values.get(f.id)
    box = hw.px_box(f.value_box, px_per_mm)
    pen = _Pen(style=style, rng=rng, px_per_mm=px_per_mm)
    if f.kind in CHOICE_KINDS:
        for option in f.options:
            mark = plan.marks.get(f.id, {}).get(option.value)
            if mark == "correction":
                hw.draw_correction(image, hw.px_box(option.box, px_per_mm), **pen)
            elif mark:
                hw.draw_tick(image, hw.px_box(option.box, px_per_mm), kind=mark, **pen)
    elif value in (None, False):
        return
    elif f.kind == "signature":
        hw.draw_signature(image, box, **pen)
    elif f.kind == "multiline":
        lines = hw.draw_lines(image, [hw.px_box(b, px_per_mm) for b in f.lines], str(value), **pen)
        plan.lines[f.id] = lines
        plan.values[f.id] = "".join(lines) or None
    elif f.kind in COMB_KINDS:
        hw.draw_digit_cells(image, [hw.px_box(c, px_per_mm) for c in f.cells], _digits(str(value)), **pen)
    else:
        _draw_short_text(image, box, str(value), plan.struck.get(f.id), pen)


def _draw_short_text(image: np.ndarray, box: hw.PxBox, text: str, struck: str | None, pen: _Pen) -> None:
    """A short text, after a struck-out first attempt when there is one."""
    x, y, w, h = box
    if struck:
        part = min(w * 0.3, h * 0.55 * (len(struck) + 1))
        hw.draw_text(image, (x, y, part, h), struck, **pen)
        hw.strike_through(image, (x, y + h * 0.15, part, h * 0.7), **pen)
        x, w = x + part, w - part
    hw.draw_text(image, (x, y, w, h), text, **pen)


def _digits(value: str) -> str:
    return "".join(c for c in value if c.isdigit())
