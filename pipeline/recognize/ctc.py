"""CTC arithmetic on a recognizer's (frames, classes) probability matrix.

A CTC recognizer gives, for every frame of a line image, a probability for each class (class 0
is the blank). A text is a label sequence, and its probability is the sum over every alignment
of that sequence to the frames (repeats collapse, blanks drop) — the forward algorithm. Over
all label sequences these probabilities sum to 1, which is what makes them usable as
confidences: the probability of the best-path text is how likely the line says exactly that,
and a roster name, a date or a digit can be scored against its rivals on the same frames.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

BLANK = 0


@dataclass(frozen=True)
class Decoded:
    """A line's best-path text with the probability of exactly that text."""

    text: str
    confidence: float
    labels: tuple[int, ...]


def best_path(probs: np.ndarray) -> tuple[int, ...]:
    """Labels of the most likely frame-by-frame path, repeats collapsed and blanks dropped."""
    if not len(probs):
        return ()
    path = probs.argmax(axis=1)
    keep = np.ones(len(path), bool)
    keep[1:] = path[1:] != path[:-1]
    keep &= path != BLANK
    return tuple(int(c) for c in path[keep])


def decode(probs: np.ndarray, charset: Sequence[str]) -> Decoded:
    """The best-path text of one line and its probability (not the path's, the text's)."""
    labels = best_path(probs)
    confidence = float(sequence_probabilities(probs, [labels])[0]) if len(probs) else 0.0
    return Decoded("".join(charset[c] for c in labels), confidence, labels)


def sequence_probabilities(probs: np.ndarray, sequences: Sequence[Sequence[int]]) -> np.ndarray:
    """P(label sequence | line) for each of ``sequences``, by the CTC forward algorithm.

    All sequences run through the frames together; each keeps its own scale so that long
    lines do not underflow.
    """
    count, frames = len(sequences), len(probs)
    if not count:
        return np.zeros(0)
    if not frames:
        return np.array([1.0 if not s else 0.0 for s in sequences])
    ext, skip, live, ends = _extended(sequences)
    alpha = np.zeros(ext.shape)
    alpha[:, 0] = probs[0, BLANK]
    alpha[:, 1] = np.where(live[:, 1], probs[0, ext[:, 1]], 0.0)
    log_scale: np.ndarray = np.zeros(count)
    for t in range(1, frames):
        step = alpha.copy()
        step[:, 1:] += alpha[:, :-1]
        step[:, 2:] += np.where(skip[:, 2:], alpha[:, :-2], 0.0)
        step *= probs[t, ext]
        step[~live] = 0.0
        total = step.sum(axis=1)
        ok = total > 0
        step[ok] /= total[ok, None]
        log_scale = np.where(ok, log_scale + np.log(np.where(ok, total, 1.0)), -np.inf)
        alpha = step
    rows = np.arange(count)
    last = alpha[rows, ends] + np.where(ends > 0, alpha[rows, np.maximum(ends - 1, 0)], 0.0)
    with np.errstate(divide="ignore"):
        return np.exp(log_scale + np.log(last))


def fold(probs: np.ndarray, groups: Sequence[Sequence[int]]) -> np.ndarray:
    """A (frames, 1 + len(groups)) matrix: blank, then each group's classes summed, renormalised
    per frame — a recognizer restricted to a small vocabulary (digits and their look-alikes)."""
    folded = np.empty((len(probs), 1 + len(groups)), probs.dtype)
    folded[:, 0] = probs[:, BLANK]
    for i, group in enumerate(groups, 1):
        folded[:, i] = probs[:, list(group)].sum(axis=1)
    total = folded.sum(axis=1, keepdims=True)
    return folded / np.where(total > 0, total, 1.0)


def single_symbol_posteriors(folded: np.ndarray) -> np.ndarray:
    """For a folded matrix, P(the line is exactly symbol k | it is one symbol), k = 1..K."""
    likelihood = sequence_probabilities(folded, [[k] for k in range(1, folded.shape[1])])
    total = likelihood.sum()
    return likelihood / total if total > 0 else np.full(len(likelihood), 1.0 / len(likelihood))


def labels_of(text: str, index: Mapping[str, int]) -> tuple[int, ...] | None:
    """The label sequence of ``text``, or None when a character is not in the recognizer's set."""
    labels = [index.get(c) for c in text]
    return None if any(c is None for c in labels) else tuple(c for c in labels if c is not None)


def _extended(sequences: Sequence[Sequence[int]]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Blank-interleaved label rows, padded; where a skip over a blank is allowed; which states
    exist for each row; and each row's last state."""
    lengths = np.array([len(s) for s in sequences])
    width = 2 * int(lengths.max()) + 1 if len(lengths) else 1
    ext = np.zeros((len(sequences), max(width, 2)), np.int64)
    for row, labels in enumerate(sequences):
        ext[row, 1 : 2 * len(labels) : 2] = labels
    skip = np.zeros(ext.shape, bool)
    skip[:, 3::2] = ext[:, 3::2] != ext[:, 1:-2:2]
    live = np.arange(ext.shape[1])[None, :] <= 2 * lengths[:, None]
    skip &= live
    return ext, skip, live, 2 * lengths
