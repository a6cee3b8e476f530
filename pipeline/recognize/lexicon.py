"""The roster as a lexicon: what a returned form's handwriting is likely to say.

For a page whose form id is known, its student's and guardian's names, the phone number and
address, and the class's teachers are known. Recognised text is compared with them by
character edit distance: a close match is taken in the roster's spelling with more confidence,
a teacher name that matches nobody loses confidence. The validator (pipeline.validate) still
resolves teacher names to 工号 itself; the lexicon only corrects text and adjusts confidence.

Pinyin similarity is not used: recognizer errors are between characters of similar shape
(孩/被, 困/国), not of similar sound, so pinyin would add false matches rather than find more.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from pipeline import defs
from pipeline.model.people import Student, Teacher

KINDS = ("student", "guardian", "teacher", "person", "phone", "address")
_SEPARATORS = re.compile(r"[\s、丶,，;；/／]+")  # 丶: how the recognizer often reads a handwritten 、


@dataclass(frozen=True)
class Lexicon:
    entries: dict[str, tuple[str, ...]] = field(default_factory=dict)  # kind -> known values
    teacher_ids: dict[str, str] = field(default_factory=dict)  # teacher name -> 工号

    @classmethod
    def from_roster(cls, student: Student, teachers: Sequence[Teacher], class_name: str) -> Lexicon:
        """The lexicon of one issued form: its student, guardian and the class's teachers."""
        staff = [t for t in teachers if not t.classes or class_name in t.classes]
        names = {
            "student": _known(student.name),
            "guardian": _known(student.guardian_name, student.caregiver),
            "teacher": _known(*(t.name for t in staff)),
            "phone": _known(student.phone),
            "address": _known(student.address),
        }
        names["person"] = _known(*names["student"], *names["guardian"], *names["teacher"])
        names["school"] = _known(*names["person"], *(t.name for t in teachers))  # every name a misread could land on
        return cls(names, {t.name: t.teacher_no for t in staff})

    def match(self, text: str, kind: str) -> tuple[str | None, float]:
        """The known value of ``kind`` closest to ``text`` and its similarity (1 = identical),
        or (None, 0.0) when two values are equally close or nothing is known."""
        text = "".join(text.split())
        scored = sorted(((similarity(text, v), v) for v in self.entries.get(kind, ())), reverse=True)
        if not scored or (len(scored) > 1 and scored[0][0] == scored[1][0] and scored[0][0] < 1.0):
            return None, 0.0
        return scored[0][1], scored[0][0]

    def adjust(self, text: str, confidence: float, kind: str) -> tuple[str, float]:
        """Text in the roster's spelling where it matches closely, with confidence raised for
        matches and lowered for teacher names that match no teacher of the class."""
        parts = [q for p in _SEPARATORS.split(text) if p for q in self._segment(p, kind)]
        if not parts or not self.entries.get(kind):
            return text, confidence
        fixed, scores = [], []
        for part in parts:
            best, score = self.match(part, kind)
            if best is not None and score >= defs.LEXICON_NEAR_MIN:
                fixed.append(best)
                scores.append(score)
            else:
                replaced, score = self._embedded(part, kind)
                fixed.append(replaced)
                scores.append(score)
        if kind == "teacher" and min(scores) < defs.LEXICON_NEAR_MIN:
            return text, confidence * defs.LEXICON_MISS_FACTOR
        if not any(scores):
            return text, confidence
        if all(s >= 1.0 for s in scores):
            confidence = max(confidence, defs.LEXICON_EXACT_CONFIDENCE)
        elif min(scores) >= defs.LEXICON_NEAR_MIN:
            confidence = max(confidence, defs.LEXICON_NEAR_CONFIDENCE)
        separator = "、" if kind == "teacher" else " "
        return separator.join(fixed), confidence

    def confirms(self, text: str, kind: str) -> bool:
        """True when every part of ``text`` (or its end, after a relation word such as 父亲) is
        a value the roster knows exactly and that no other known value is one edit away from:
        林春燕 cannot confirm itself in a class that also has 唐春燕."""
        known = self.entries.get(kind, ())
        everyone = self.entries.get("school", known)
        parts = [p for p in _SEPARATORS.split(text) if p]
        return bool(parts) and all(any(p.endswith(v) and self._unmistakable(v, everyone) for v in known) for p in parts)

    @staticmethod
    def _unmistakable(value: str, known: Sequence[str]) -> bool:
        return len(value) >= 2 and all(v == value or edit_distance(v, value) > 1 for v in known)

    def _segment(self, part: str, kind: str) -> list[str]:
        """``part`` cut into known values written without separators ("蒋建国许玉梅" → both
        names: the small 、 between names is what the recognizer most often drops), else as is."""
        known = self.entries.get(kind, ())
        if part in known:
            return [part]
        for value in known:
            if part.startswith(value) and len(part) > len(value):
                rest = self._segment(part[len(value) :], kind)
                if all(r in known for r in rest):
                    return [value, *rest]
        return [part]

    def _embedded(self, part: str, kind: str) -> tuple[str, float]:
        """A known name inside longer text ("父亲李建国"), corrected in place when it is
        one edit away (names of three or more characters) or exact."""
        best = (part, 0.0)
        for value in self.entries.get(kind, ()):
            n = len(value)
            for start in range(max(1, len(part) - n + 1)):
                window = part[start : start + n]
                score = similarity(window, value)
                allowed = 1.0 if n < 3 else defs.LEXICON_NEAR_MIN
                if score >= allowed and score > best[1]:
                    best = (part[:start] + value + part[start + n :], score if window == part else min(score, 0.99))
        return best


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
