"""The roster as a lexicon: what a returned form's handwriting is likely to say.

For a page whose form id is known, its student's and guardian's names, the class's teachers
(and every teacher of the school, who may join a visit) and the school year's dates are known.
A recognised line is compared with them in two steps: edit distance on the best-path text finds
the roster values it may be a misreading of (candidates), and the recognizer's own frame
probabilities then score each candidate against the others and against the text as read
(:func:`resolve`). So 林春燕 is accepted only when the image says 林春燕 much more than it says
唐春燕 or anything else, however close the two names are in spelling.

Pinyin similarity is not used: recognizer errors are between characters of similar shape
(孩/被, 困/国), not of similar sound, so pinyin would add false candidates rather than find more.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from pipeline import defs
from pipeline.model.people import Student, Teacher
from pipeline.recognize.ctc import BLANK
from pipeline.recognize.lines import LineReading

KINDS = ("student", "guardian", "teacher", "staff", "person", "phone", "address")
NAME_SEPARATOR = "、"
# What a handwritten 、 between names comes back as (丶 most often), and spaces; all are scored
# as one separator, which may also be missing altogether.
SEPARATOR_CHARS = "、丶,，;；/／·• 　"
SPACE_CHARS = " 　"
_SEPARATORS = re.compile(f"[{re.escape(SEPARATOR_CHARS)}]+")


@dataclass(frozen=True)
class Resolved:
    """A short text after the lexicon: what it most likely says and how sure that is."""

    text: str
    confidence: float
    confirmed: bool  # the text is a roster value (or values) the image clearly says


@dataclass(frozen=True)
class Lexicon:
    entries: dict[str, tuple[str, ...]] = field(default_factory=dict)  # kind -> known values
    dates: tuple[dt.date, dt.date] | None = None  # first and last day a written date may be

    @classmethod
    def from_roster(
        cls, student: Student, teachers: Sequence[Teacher], class_name: str, *, dates: tuple[dt.date, dt.date] | None = None
    ) -> Lexicon:
        """The lexicon of one issued form: its student, guardian and the class's teachers."""
        staff = [t for t in teachers if not t.classes or class_name in t.classes]
        names = {
            "student": _known(student.name),
            "guardian": _known(student.guardian_name, student.caregiver),
            "teacher": _known(*(t.name for t in staff)),
            "staff": _known(*(t.name for t in staff), *(t.name for t in teachers)),
            "phone": _known(student.phone),
            "address": _known(student.address),
        }
        relation = "".join(student.guardian_relation.split())
        guardians = _known(student.guardian_name)
        # who a visit may talk to, as the roster would write it: 李建国, 父亲, 父亲李建国
        names["person"] = _known(
            *names["student"], *names["guardian"], *names["teacher"], relation, *(relation + g for g in guardians)
        )
        return cls(names, dates)

    def candidates(self, text: str, kind: str) -> dict[str, tuple[str, ...]]:
        """Roster values ``text`` may be a misreading of, each with the ways it may be written."""
        if kind == "teacher":
            return self._name_lists(text)
        text = "".join(text.split())
        return {v: (v,) for v in self.entries.get(kind, ()) if similarity(text, v) >= defs.LEXICON_NEAR_MIN}

    def _name_lists(self, text: str) -> dict[str, tuple[str, ...]]:
        """Teacher-name lists ("林春燕、蒋桂兰") near ``text``: each part's close names (the class's
        teachers when no name of the school is close), written with or without separators."""
        staff = self.entries.get("staff", ())
        parts = [q for p in _SEPARATORS.split(text) if p for q in _segment(p, staff)]
        if not parts or len(parts) > defs.LEXICON_MAX_NAMES:
            return {}
        options = [_near(p, staff) or self.entries.get("teacher", ()) for p in parts]
        out: dict[str, tuple[str, ...]] = {}
        for names in itertools.islice(itertools.product(*options), defs.LEXICON_MAX_CANDIDATES):
            if len(set(names)) == len(names):
                out[NAME_SEPARATOR.join(names)] = tuple(_spellings(names))
        return out


def resolve(reading: LineReading, lexicon: Lexicon | None, kind: str) -> Resolved:
    """What a short handwritten line most likely says, given the roster.

    Hypotheses are the roster candidates (weight 1) and any other text (weight
    ``LEXICON_OTHER_WEIGHT`` on the probability mass the candidates leave): a roster value the
    recognizer clearly sees is confirmed; text outside the roster keeps its own probability.
    """
    reading = _normalised(reading, kind)
    text = reading.text.strip()
    candidates = lexicon.candidates(text, kind) if lexicon is not None and text else {}
    if not candidates:
        return Resolved(text, reading.confidence, confirmed=False)
    values = list(candidates)
    spellings = [s for v in values for s in candidates[v]]
    p_spelling = dict(zip(spellings, reading.probabilities(spellings)))
    scores = [sum(p_spelling[s] for s in candidates[v]) for v in values]
    mass = sum(scores)
    norm = mass + defs.LEXICON_OTHER_WEIGHT * max(0.0, 1.0 - mass)
    best = max(range(len(values)), key=scores.__getitem__)
    free = 0.0 if text in candidates else defs.LEXICON_OTHER_WEIGHT * reading.confidence
    if norm <= 0 or free >= scores[best]:
        return Resolved(text, free / norm if norm > 0 else reading.confidence, confirmed=False)
    return Resolved(values[best], scores[best] / norm, confirmed=True)


def _normalised(reading: LineReading, kind: str) -> LineReading:
    """Teacher lists: every separator counted as 、; other names: spaces count for nothing."""
    vocabulary = reading.vocabulary
    if kind == "teacher" and NAME_SEPARATOR in vocabulary.index:
        return reading.merged(SEPARATOR_CHARS, into=vocabulary.index[NAME_SEPARATOR])
    return reading.merged(SPACE_CHARS, into=BLANK)


def _spellings(names: Sequence[str]) -> Iterator[str]:
    """The names joined with a separator or none, in every combination."""
    for joints in itertools.product((NAME_SEPARATOR, ""), repeat=len(names) - 1):
        yield names[0] + "".join(j + n for j, n in zip(joints, names[1:]))


def _near(part: str, known: Sequence[str]) -> tuple[str, ...]:
    scored = sorted(((similarity(part, v), v) for v in known), reverse=True)
    near = [v for s, v in scored if s >= defs.LEXICON_NEAR_MIN]
    return tuple(near[: defs.LEXICON_PER_PART])


def _segment(part: str, known: Sequence[str]) -> list[str]:
    """``part`` cut into known values written without separators ("蒋建国许玉梅" → both
    names: the small 、 between names is what the recognizer most often drops), else as is."""
    if part in known:
        return [part]
    for value in known:
        if part.startswith(value) and len(part) > len(value):
            rest = _segment(part[len(value) :], known)
            if all(r in known for r in rest):
                return [value, *rest]
    return [part]


def similarity(a: str, b: str) -> float:
    """1 - character edit distance / the longer length (1.0 for identical, 0.0 for disjoint)."""
    if not a and not b:
        return 1.0
    return 1.0 - edit_distance(a, b) / max(len(a), len(b))


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance between two strings, by character."""
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return row[-1]


def _known(*values: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys("".join(v.split()) for v in values if v and v.strip()))
