"""Whether a handwritten paragraph, as read, is made of Chinese words: a check of each character.

The recognizer decides each character on its own frames, and a writer's hand can turn one real
character into another it is very sure of: a faint or detached left radical lost (认真 read as
人真 at 0.97, 感谢 as 感射 at 0.996, 沟通 as 勾通 at 0.98). What the frames lack, the words
around them have. For every Chinese character, the characters that would make a two-character
dictionary word with a neighbour (across line ends) are put in its place, the ones its frames
find likeliest first; one that makes the text around it more likely as words (jieba's dictionary
as a unigram word model: the best segmentation of a few characters either side) is a rival,
weighed by how likely the frames make it (the probability of the line with it against the line
as read). The character's confidence
becomes at most its posterior against its rivals, so the line is not accepted unchecked and the
review station marks the character. A rival that the frames and the words (counted once, not
with the doubt's extra weight) together make likelier than the character read takes its place in
the draft a person reviews, marked as doubtful as the character it replaced: such a line is never
accepted unchecked, so the correction saves typing and can never become a value nobody saw.
A mark a handwritten 。，、 is misread as (never sure) is put in the draft as whichever of those
its frames favour, unless the frames leave them next to nothing (a name's middle dot) or it sits
between digits (a decimal point).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from functools import cache, lru_cache

import numpy as np

from pipeline import defs
from pipeline.recognize import ctc
from pipeline.recognize.lines import LineReading, Vocabulary

Chars = list[tuple[str, float]]  # each character of a line with its confidence


def word_checked(lines: Sequence[Sequence[LineReading]]) -> list[Chars]:
    """Each line's characters (its pieces' in order) with their confidences after the word check,
    a character that a word makes less likely than its rival replaced by it; ``lines`` are the
    readings of one paragraph's lines, top to bottom, each in its pieces."""
    text = "".join(r.text for line in lines for r in line)
    out, at = [], 0
    for line in lines:
        chars: Chars = []
        for reading in line:
            checks = _checks(reading, text, at)
            chars.extend((better or c, min(p, q)) for c, p, (q, better) in zip(reading.text, reading.char_confidences, checks))
            at += len(reading.text)
        out.append(chars)
    return out


def _checks(reading: LineReading, text: str, at: int) -> list[tuple[float, str | None]]:
    """For each character of ``reading`` (at offset ``at`` of the paragraph ``text``): its
    posterior against the rivals that make better words (1.0 where there are none), and the rival
    to put in its place in the draft, if one is likelier than it."""
    runs = reading.runs
    return [
        _mark_check(reading, runs, j, text, at + j)
        if reading.text[j] in reading.vocabulary.misread_marks
        else _check(reading, runs, j, _better_words(reading, runs, text, at, j), text, at + j)
        for j in range(len(runs))
    ]


def _mark_check(reading: LineReading, runs: Sequence[tuple[int, int]], j: int, text: str, i: int) -> tuple[float, str | None]:
    """A misread mark (never sure, see ``NARRATIVE_MISREAD_MARKS``) and the punctuation to put in its
    place in the draft: the one of ``NARRATIVE_MARK_MEANINGS`` its frames favour, if they give it at
    least ``MARK_CORRECTION_MIN`` of the mark's probability; a point between digits stays."""
    if text[i - 1 : i].isdigit() and text[i + 1 : i + 2].isdigit():
        return 1.0, None
    read, marks = _frame_probabilities(reading, runs, j, reading.vocabulary.mark_meanings)
    if read <= 0 or not marks:  # an engine that cannot spell them
        return 1.0, None
    best = max(marks, key=marks.__getitem__)
    return 1.0, reading.vocabulary.charset[best] if marks[best] / read >= defs.MARK_CORRECTION_MIN else None


def _in_a_word(text: str, i: int) -> bool:
    """Whether ``text[i]`` makes a two-character word with a neighbour as it stands."""
    return text[i] in word_model().neighbours(text[i - 1 : i], text[i + 1 : i + 2])


def _check(
    reading: LineReading, runs: Sequence[tuple[int, int]], j: int, gains: dict[int, float], text: str, i: int
) -> tuple[float, str | None]:
    """Character ``j`` (``text[i]`` of the paragraph): its posterior against ``gains`` (rival
    class: word gain), each rival weighed by the word model's likelihood ratio (``WORD_WEIGHT``
    times) and the frames'; and the rival whose odds, words counted once, pass
    ``WORD_CORRECTION_ODDS``, unless the character already makes a word as read (融洽 is not put
    right as the commoner 融合: a unigram model prefers frequent words, and a reviewer fixes a
    wrong word less readily than a broken one)."""
    if not gains:
        return 1.0, None
    read, rivals = _frame_probabilities(reading, runs, j, list(gains))
    if read <= 0:
        return 0.0, None
    doubt = sum(math.exp(defs.WORD_WEIGHT * gains[k]) * q / read for k, q in rivals.items())
    odds = {k: math.exp(gains[k]) * q / read for k, q in rivals.items()}
    best = max(odds, key=odds.__getitem__)
    corrects = odds[best] > defs.WORD_CORRECTION_ODDS and not _in_a_word(text, i)
    better = reading.vocabulary.charset[best] if corrects else None
    return 1.0 / (1.0 + doubt), better


def _frame_probabilities(reading: LineReading, runs: Sequence[tuple[int, int]], j: int, rivals: Sequence[int]) -> tuple[float, dict[int, float]]:
    """How likely the frames make the line as read, and with each rival class in character ``j``'s
    place (on the frames from the character before to the one after)."""
    a, b = max(0, j - 1), min(len(runs), j + 2)
    lo = runs[a - 1][1] if a else 0
    hi = runs[b][0] if b < len(runs) else len(reading.probs)
    labels = list(reading.decoded.labels[a:b])
    p = ctc.sequence_probabilities(reading.probs[lo:hi], [labels] + [labels[: j - a] + [k] + labels[j - a + 1 :] for k in rivals])
    return float(p[0]), {k: float(q) for k, q in zip(rivals, p[1:])}


def _better_words(reading: LineReading, runs: Sequence[tuple[int, int]], text: str, at: int, j: int) -> dict[int, float]:
    """The classes that, in place of character ``j``, make a two-character word with a neighbour
    and more likely words around it, with that gain (log): of those the frames find likeliest."""
    label, i = reading.decoded.labels[j], at + j
    if not _han_classes(reading.vocabulary.charset)[label]:
        return {}
    rivals = _rival_classes(reading.vocabulary, text[i - 1 : i], text[i + 1 : i + 2])
    if not len(rivals):
        return {}
    lo, hi = runs[j - 1][0] if j else 0, runs[j + 1][1] if j + 1 < len(runs) else len(reading.probs)
    seen = reading.probs[lo:hi, rivals].max(axis=0)
    likeliest = [int(rivals[n]) for n in np.argsort(-seen)[: defs.WORD_RIVALS_MAX] if seen[n] >= defs.WORD_RIVAL_MIN]
    words = word_model()
    gains = {k: words.gain(text, i, reading.vocabulary.charset[k]) for k in likeliest if k != label}
    return {k: gain for k, gain in gains.items() if gain > 0}


@lru_cache(maxsize=65536)
def _rival_classes(vocabulary: Vocabulary, before: str, after: str) -> np.ndarray:
    """Recognizer classes of the characters that make a two-character word after ``before`` or
    before ``after``."""
    return np.array(sorted(vocabulary.index[c] for c in word_model().neighbours(before, after) if c in vocabulary.index), np.int64)


class WordModel:
    """jieba's dictionary as a unigram word model (loaded once per process, on first use)."""

    def __init__(self) -> None:
        import jieba  # loaded only where paragraphs are read: its dictionary takes 1-3 s and ~70-200 MB

        jieba.setLogLevel(logging.WARNING)
        self._tokenizer = jieba.Tokenizer()
        self._tokenizer.initialize()
        self._freq = self._tokenizer.FREQ

    def neighbours(self, before: str, after: str) -> frozenset[str]:
        """The characters that make a two-character word after ``before`` or before ``after``."""
        index = self._pairs()
        return index[0].get(before, frozenset()) | index[1].get(after, frozenset())

    @cache  # noqa: B019 - one model per process
    def _pairs(self) -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]]:
        """Two-character words by first character (their second ones) and by second character."""
        by_first: dict[str, set[str]] = {}
        by_second: dict[str, set[str]] = {}
        for word, freq in self._freq.items():
            if len(word) == 2 and freq:
                by_first.setdefault(word[0], set()).add(word[1])
                by_second.setdefault(word[1], set()).add(word[0])
        return ({k: frozenset(v) for k, v in by_first.items()}, {k: frozenset(v) for k, v in by_second.items()})

    def gain(self, text: str, i: int, char: str) -> float:
        """How much likelier (log) the words around ``text[i]`` become with ``char`` in its place."""
        a, b = max(0, i - defs.WORD_CONTEXT), i + defs.WORD_CONTEXT + 1
        return self.score(text[a:i] + char + text[i + 1 : b]) - self.score(text[a:b])

    @lru_cache(maxsize=65536)  # noqa: B019 - one model per process, kept for the process's life
    def score(self, text: str) -> float:
        """Log probability of ``text``'s likeliest segmentation into dictionary words."""
        route: dict[int, tuple[float, int]] = {}
        self._tokenizer.calc(text, self._tokenizer.get_DAG(text), route)
        return route[0][0]


@cache
def word_model() -> WordModel:
    return WordModel()


@cache
def _han_classes(charset: tuple[str, ...]) -> np.ndarray:
    """Which recognizer classes are Chinese characters (the ones words are made of)."""
    return np.array([len(c) == 1 and ("\u4e00" <= c <= "\u9fff" or "\u3400" <= c <= "\u4dbf") for c in charset])
