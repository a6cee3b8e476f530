"""The roster as a lexicon: what a returned form's handwriting is likely to say.

For a page whose form id is known, its student's and guardian's names, the class's teachers
(and every teacher of the school, who may join a visit), the places this workspace's people have
already verified and the school year's dates are known. A recognised field is compared with them
as a whole in two steps: edit distance on the best-path text finds the known values it may be a
misreading of (candidates: a name, a relation and name "母亲张丽", a list of teachers in any
order with or without separators, a place), and the recognizer's own frame probabilities then
score each candidate against the others and against the text as read (:func:`resolve`). So
林春燕 is accepted only when the image says 林春燕 much more than it says 唐春燕 or anything
else, however close the two names are in spelling. A form's own class's teachers carry full
prior weight in a teacher list; a teacher of another class carries less.

Pinyin similarity is not used: recognizer errors are between characters of similar shape
(孩/被, 困/国), not of similar sound, so pinyin would add false candidates rather than find more.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from pipeline import defs
from pipeline.model.people import KINSHIP_WORDS, Student, Teacher
from pipeline.recognize.ctc import BLANK
from pipeline.recognize.lines import LineReading

KINDS = ("student", "guardian", "teacher", "staff", "person", "place", "phone", "address")
NAME_SEPARATOR = "、"
# What a handwritten 、 between names comes back as (丶 most often), and spaces; all are scored
# as one separator, which may also be missing altogether.
SPACE_CHARS = " 　"
SEPARATOR_MARKS = "、丶,，;；/／·•"
SEPARATOR_CHARS = SEPARATOR_MARKS + SPACE_CHARS
_SEPARATORS = re.compile(f"[{re.escape(SEPARATOR_CHARS)}]+")


@dataclass(frozen=True)
class Resolved:
    """A short text after the lexicon: what it most likely says and how sure that is."""

    text: str
    confidence: float
    confirmed: bool  # the text is a known value (or values) the image clearly says
    # Unconfirmed text one character from a known value: the mark of a misreading the image
    # could not settle ("" when none is that close)
    near_miss: str = ""


@dataclass(frozen=True)
class Lexicon:
    entries: dict[str, tuple[str, ...]] = field(default_factory=dict)  # kind -> known values
    dates: tuple[dt.date, dt.date] | None = None  # first and last day a written date may be
    favoured: frozenset[str] = frozenset()  # teachers at full prior weight: the class's own and those of no class

    @classmethod
    def from_roster(
        cls,
        student: Student,
        teachers: Sequence[Teacher],
        class_name: str,
        *,
        dates: tuple[dt.date, dt.date] | None = None,
        places: Sequence[str] = (),
    ) -> Lexicon:
        """The lexicon of one issued form: its student, guardian, the class's teachers, the
        school's teachers and ``places`` (the place values people verified in this workspace, also
        with their kinship word varied)."""
        staff = [t for t in teachers if not t.classes or class_name in t.classes]
        relations = _known(student.guardian_relation, student.caregiver, *KINSHIP_WORDS)
        names = {
            "student": _known(student.name),
            "guardian": _known(student.guardian_name, student.caregiver),
            "teacher": _known(*(t.name for t in staff)),
            "staff": _known(*(t.name for t in staff), *(t.name for t in teachers)),
            "phone": _known(student.phone),
            "address": _known(student.address),
            "place": _known(*places, *_kin_variants(places, relations)),
        }
        guardians = _known(student.guardian_name)
        # who a visit may talk to, as it is written: 李建国, 父亲, 奶奶, 父亲李建国
        names["person"] = _known(
            *names["student"], *names["guardian"], *names["teacher"], *relations, *(r + g for r in relations for g in guardians)
        )
        return cls(names, dates, frozenset(names["teacher"]))

    def candidates(self, text: str, kind: str) -> dict[str, tuple[str, ...]]:
        """Known values ``text`` may be a misreading of, closest first, each with the ways it
        may be written."""
        if kind == "teacher":
            return self._name_lists(text)
        text = "".join(text.split())
        return {v: (v,) for v in _nearest(text, self.entries.get(kind, ()))}

    def prior(self, value: str, kind: str) -> float:
        """Prior weight of a candidate: a teacher list loses weight for each name from outside
        the form's class, so a class's own teacher is favoured on its forms and only there."""
        if kind != "teacher":
            return 1.0
        return math.prod(
            1.0 if name in self.favoured else defs.LEXICON_OTHER_CLASS_WEIGHT for name in value.split(NAME_SEPARATOR)
        )

    def singles(self, kind: str) -> tuple[str, ...]:
        """The single values of ``kind`` (for teacher lists: every name of the school)."""
        return self.entries.get("staff" if kind == "teacher" else kind, ())

    def _name_lists(self, text: str) -> dict[str, tuple[str, ...]]:
        """Teacher-name lists ("林春燕、蒋桂兰") near the whole of ``text`` read without its
        separators, built from the names found in it and the class's own teachers, written with
        or without separators: a dropped or misread 、 changes nothing."""
        written = _squashed(text)
        if not written:
            return {}
        pool = self._names_in(written)
        scored = []
        for count in range(1, defs.LEXICON_MAX_NAMES + 1):
            for names in itertools.permutations(pool, count):
                score = Levenshtein.normalized_similarity(written, "".join(names))
                if score >= defs.LEXICON_NEAR_MIN:
                    scored.append((score, names))
        scored.sort(key=lambda item: item[0], reverse=True)
        return {NAME_SEPARATOR.join(n): tuple(_spellings(n)) for _, n in scored[: defs.LEXICON_MAX_CANDIDATES]}

    def _names_in(self, written: str) -> tuple[str, ...]:
        """The school's names that (nearly) appear somewhere in ``written``, closest first, then
        the class's own teachers (a name misread beyond recognition is most likely theirs)."""
        found = process.extract(
            written, self.entries.get("staff", ()), scorer=fuzz.partial_ratio,
            score_cutoff=100 * defs.LEXICON_NEAR_MIN, limit=defs.LEXICON_NAMES_PER_FIELD,
        )
        return _known(*(name for name, _, _ in found), *self.entries.get("teacher", ()))


def resolve(reading: LineReading, lexicon: Lexicon | None, kind: str) -> Resolved:
    """What a short handwritten field most likely says, given what is known.

    Hypotheses are the candidates (each at its prior weight) and any other text (weight
    ``LEXICON_OTHER_WEIGHT`` on the probability mass the candidates leave): a known value the
    recognizer clearly sees is confirmed; text outside the lexicon keeps its own probability.
    """
    reading = _normalised(reading, kind)
    text = reading.text.strip()
    candidates = lexicon.candidates(text, kind) if lexicon is not None and text else {}
    if not candidates or lexicon is None:  # without a lexicon there are no candidates
        near = _near_miss(text, lexicon.singles(kind)) if lexicon is not None else ""
        return Resolved(text, reading.confidence, confirmed=False, near_miss=near)
    values = list(candidates)
    spellings = [s for v in values for s in candidates[v]]
    p_spelling = dict(zip(spellings, reading.probabilities(spellings)))
    seen = [sum(p_spelling[s] for s in candidates[v]) for v in values]
    scores = [lexicon.prior(v, kind) * p for v, p in zip(values, seen)]
    other = defs.LEXICON_PLACE_OTHER_WEIGHT if kind == "place" else defs.LEXICON_OTHER_WEIGHT
    norm = sum(scores) + other * max(0.0, 1.0 - sum(seen))
    best = max(range(len(values)), key=scores.__getitem__)
    free = 0.0 if text in candidates else other * reading.confidence
    if norm <= 0 or free >= scores[best]:
        near = _near_miss(text, [*values, *lexicon.singles(kind)])
        return Resolved(text, free / norm if norm > 0 else reading.confidence, confirmed=False, near_miss=near)
    return Resolved(values[best], scores[best] / norm, confirmed=True)


def _near_miss(text: str, known: Sequence[str]) -> str:
    """The first of ``known`` exactly one character from ``text`` (separators ignored)."""
    written = _squashed(text)
    return next((v for v in known if Levenshtein.distance(written, _squashed(v)) == 1), "")


def _kin_variants(places: Sequence[str], relations: Sequence[str]) -> Iterator[str]:
    """Each place that names a relative ("学生母亲家") with every other kinship word instead: a
    school writes whose home a visit was in, and the relative changes from student to student."""
    words = sorted(relations, key=len, reverse=True)  # 外祖母 before 祖母
    for place in places:
        word = next((w for w in words if w in place), None)
        if word:
            yield from (place.replace(word, other, 1) for other in relations)


def _squashed(text: str) -> str:
    return _SEPARATORS.sub("", text)


def _normalised(reading: LineReading, kind: str) -> LineReading:
    """Spaces count for nothing; in teacher lists every other separator counts as 、. (A space
    between two names comes back as two spaces apart, which as 、 would spell "、、".)"""
    spaceless = reading.merged(SPACE_CHARS, into=BLANK)
    vocabulary = reading.vocabulary
    if kind == "teacher" and NAME_SEPARATOR in vocabulary.index:
        return spaceless.merged(SEPARATOR_MARKS, into=vocabulary.index[NAME_SEPARATOR])
    return spaceless


def _spellings(names: Sequence[str]) -> Iterator[str]:
    """The names joined with a separator or none, in every combination."""
    for joints in itertools.product((NAME_SEPARATOR, ""), repeat=len(names) - 1):
        yield names[0] + "".join(j + n for j, n in zip(joints, names[1:]))


def similarity(a: str, b: str) -> float:
    """1 - character edit distance / the longer length (1.0 for identical, 0.0 for disjoint)."""
    return Levenshtein.normalized_similarity(a, b)


def _nearest(text: str, known: Sequence[str]) -> list[str]:
    """The known values close enough to ``text`` to be what it misreads, closest first."""
    found = process.extract(
        text, known, scorer=Levenshtein.normalized_similarity,
        score_cutoff=defs.LEXICON_NEAR_MIN, limit=defs.LEXICON_MAX_CANDIDATES,
    )
    return [value for value, _, _ in found]


def _known(*values: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys("".join(v.split()) for v in values if v and v.strip()))
