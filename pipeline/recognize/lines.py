"""Single-line readings: a line image cut to its ink through the recognizer, kept with its frames'
probabilities so that other texts (roster names, look-alike spellings) can be scored on it."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from pipeline import defs
from pipeline.recognize import ctc
from pipeline.recognize.engine import OcrEngine


class Vocabulary:
    """The recognizer's classes by index and by character.

    Classes that are the same character in another width (（ and (, Ａ and A) are one class for
    reading: the recognizer splits its belief between them, which would halve the probability
    of a line that says either, and handwriting has no width. Letters, digits and spaces are
    counted as their NFKC (ASCII) form, punctuation as its full-width form, as Chinese text
    writes it (GB/T 15834).
    """

    def __init__(self, charset: Sequence[str]) -> None:
        self.charset = tuple(charset)
        self.index = {c: i for i, c in enumerate(self.charset) if i != ctc.BLANK}
        pairs = [_width_pair(c, self.index) for c in self.index]
        known = [p for p in pairs if p is not None]
        self._variants = np.array([v for v, _ in known], np.int64)
        self._canonical = np.array([c for _, c in known], np.int64)
        self._spelling = str.maketrans({self.charset[v]: self.charset[c] for v, c in known})
        self.misread_marks = frozenset(self.spelled(defs.NARRATIVE_MISREAD_MARKS))
        self.mark_meanings = self.ids(self.spelled(defs.NARRATIVE_MARK_MEANINGS))  # what a misread mark stands for

    def canonical(self, probs: np.ndarray) -> np.ndarray:
        """``probs`` with every width variant's probability moved to its canonical class."""
        if not len(self._variants):
            return probs
        out = probs.copy()
        np.add.at(out.T, self._canonical, probs[:, self._variants].T)
        out[:, self._variants] = 0.0
        return out

    def spelled(self, text: str) -> str:
        """``text`` in the canonical width of every character, as readings spell it."""
        return text.translate(self._spelling)

    def ids(self, chars: str) -> list[int]:
        return [self.index[c] for c in chars if c in self.index]


@dataclass(frozen=True)
class LineReading:
    """One line image as the recognizer saw it."""

    probs: np.ndarray  # (frames, classes)
    vocabulary: Vocabulary

    @cached_property
    def decoded(self) -> ctc.Decoded:
        return ctc.decode(self.probs, self.vocabulary.charset)

    @property
    def text(self) -> str:
        return self.decoded.text

    @property
    def confidence(self) -> float:
        return self.decoded.confidence

    @cached_property
    def runs(self) -> list[tuple[int, int]]:
        """The frames (start, end) each character of :attr:`text` wins."""
        return char_runs(self._path)

    @cached_property
    def _path(self) -> np.ndarray:
        return self.probs.argmax(axis=1)

    @cached_property
    def char_confidences(self) -> tuple[float, ...]:
        """How sure the recognizer is of each character of :attr:`text`, one number each; the
        marks a handwritten 。 or ， is misread as (``NARRATIVE_MISREAD_MARKS``) are not sure at
        all, whatever their probability: in handwritten running text that is what they are."""
        sure = char_confidences(self.probs, self._path)
        return tuple(0.0 if c in self.vocabulary.misread_marks else p for c, p in zip(self.text, sure))

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """P(the line says exactly ``text``) for each text; 0 for text the recognizer cannot spell."""
        labels = [ctc.labels_of(self.vocabulary.spelled(t), self.vocabulary.index) for t in texts]
        known = [i for i, seq in enumerate(labels) if seq is not None]
        out = np.zeros(len(texts))
        out[known] = ctc.sequence_probabilities(self.probs, [seq for seq in labels if seq is not None])
        return out

    def merged(self, chars: str, into: int) -> LineReading:
        """This reading with the classes of ``chars`` counted as class ``into`` (index; the
        blank makes them vanish): several ways of writing one thing scored as one."""
        ids = [i for i in self.vocabulary.ids(chars) if i != into]
        if not ids:
            return self
        probs = self.probs.copy()
        probs[:, into] += probs[:, ids].sum(axis=1)
        probs[:, ids] = 0.0
        return LineReading(probs, self.vocabulary)


def char_confidences(probs: np.ndarray, path: np.ndarray | None = None) -> tuple[float, ...]:
    """For each character of the best-path text: the least of its own frames' peak probability
    and the blank stretches on either side of it.

    A character is doubtful when its class barely wins its frames (another character is nearly
    as likely) and when a blank next to it might hide a character of its own (a class other than
    its neighbours' takes part of a blank frame). What a blank frame holds beyond the blank and
    its neighbours' classes is the chance that a character was dropped there. ``path`` is
    ``probs.argmax(axis=1)`` when the caller has it already.
    """
    path = probs.argmax(axis=1) if path is None else path
    runs = char_runs(path)
    starts, ends = [s for s, _ in runs], [e for _, e in runs]
    labels = [int(path[t]) for t in starts]
    peaks = [float(probs[s:e, c].max()) for s, e, c in zip(starts, ends, labels)]
    edges = [0, *starts, len(path)]
    gaps = []
    for k in range(len(starts) + 1):
        lo = ends[k - 1] if k else 0
        near = {labels[i] for i in (k - 1, k) if 0 <= i < len(labels)}  # a doubled character's class once
        gap = probs[lo : edges[k + 1], [ctc.BLANK, *near]].sum(axis=1)
        gaps.append(float(gap.min()) if len(gap) else 1.0)
    return tuple(min(p, gaps[i], gaps[i + 1]) for i, p in enumerate(peaks))


def char_runs(path: np.ndarray) -> list[tuple[int, int]]:
    """The frames (start, end) each character of the best path (``probs.argmax(axis=1)``) wins, in order."""
    starts = [t for t in range(len(path)) if path[t] != ctc.BLANK and (t == 0 or path[t] != path[t - 1])]
    return [(t, _run_end(path, t)) for t in starts]


def _run_end(path: np.ndarray, start: int) -> int:
    end = start + 1
    while end < len(path) and path[end] == path[start]:
        end += 1
    return end


def _width_pair(char: str, index: dict[str, int]) -> tuple[int, int] | None:
    """(variant, canonical) class indices of ``char`` and its other-width twin, if both exist."""
    narrow = unicodedata.normalize("NFKC", char)
    if narrow == char or narrow not in index:
        return None
    if _FULL_WIDTH_FORMS <= ord(char) <= _FULL_WIDTH_FORMS_END and unicodedata.category(narrow).startswith("P"):
        return index[narrow], index[char]
    return index[char], index[narrow]


_FULL_WIDTH_FORMS, _FULL_WIDTH_FORMS_END = 0xFF01, 0xFF5E  # Unicode's full-width ASCII block


def read_lines(engine: OcrEngine, images: Sequence[np.ndarray]) -> list[LineReading]:
    """Every image recognised in as few model calls as the engine needs."""
    if not images:
        return []
    vocabulary = vocabulary_of(engine)
    return [LineReading(vocabulary.canonical(p), vocabulary) for p in engine.line_probabilities(images)]


def read_line(engine: OcrEngine, image: np.ndarray) -> LineReading:
    return read_lines(engine, [image])[0]


_VOCABULARIES: dict[int, Vocabulary] = {}


def vocabulary_of(engine: OcrEngine) -> Vocabulary:
    """The engine's vocabulary, indexed once per charset."""
    charset = engine.charset
    known = _VOCABULARIES.get(id(charset))
    if known is None or known.charset != tuple(charset):
        known = _VOCABULARIES[id(charset)] = Vocabulary(charset)
    return known


def line_text(engine: OcrEngine, image: np.ndarray) -> tuple[str, float]:
    """Best-path text of one line image and its probability (a ``ReadText`` for printed lines)."""
    reading = read_line(engine, image)
    return reading.text, reading.confidence
