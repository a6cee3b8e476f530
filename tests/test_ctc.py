"""CTC arithmetic on probability matrices: the numbers every OCR confidence is built from."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from pipeline.recognize import ctc


@pytest.fixture
def probs() -> np.ndarray:
    """Six frames over a blank and three symbols, drawn at random but fixed."""
    return np.random.default_rng(0).dirichlet(np.full(4, 0.5), size=6)


def test_probabilities_of_every_label_sequence_sum_to_one(probs: np.ndarray) -> None:
    sequences = [s for n in range(7) for s in itertools.product((1, 2, 3), repeat=n)]
    assert ctc.sequence_probabilities(probs, sequences).sum() == pytest.approx(1.0)


def test_sequences_of_different_lengths_score_as_when_scored_alone(probs: np.ndarray) -> None:
    sequences = [(), (1,), (2, 3), (1, 2, 1), (3, 3, 3)]
    together = ctc.sequence_probabilities(probs, sequences)
    alone = [ctc.sequence_probabilities(probs, [s])[0] for s in sequences]
    assert together == pytest.approx(alone)


def test_a_repeated_label_needs_a_blank_between_its_two_frames() -> None:
    no_blank = np.array([[0.0, 1.0], [0.0, 1.0]])
    assert ctc.sequence_probabilities(no_blank, [(1, 1), (1,)]).tolist() == [0.0, 1.0]


def test_best_path_collapses_repeats_and_drops_blanks() -> None:
    frames = np.eye(4)[[1, 1, 0, 1, 2, 2, 0, 0, 3]]
    assert ctc.best_path(frames) == (1, 1, 2, 3)
    decoded = ctc.decode(frames, ("-", "a", "b", "c"))
    assert decoded.text == "aabc" and decoded.confidence == pytest.approx(1.0)


def test_long_lines_do_not_underflow() -> None:
    frames = np.full((400, 3), 1 / 3)
    p = ctc.sequence_probabilities(frames, [(1, 2) * 50])[0]
    assert 0 < p < 1


def test_folding_sums_a_groups_classes_and_renormalises_each_frame() -> None:
    frames = np.array([[0.5, 0.2, 0.2, 0.1], [0.1, 0.1, 0.1, 0.7]])
    folded = ctc.fold(frames, [(1, 2)])  # class 3 is outside the vocabulary
    assert folded[0] == pytest.approx([0.5 / 0.9, 0.4 / 0.9])
    assert folded.sum(axis=1) == pytest.approx([1.0, 1.0])


def test_one_symbol_posteriors_favour_the_symbol_the_frames_show() -> None:
    frames = np.array([[0.9, 0.05, 0.05], [0.1, 0.8, 0.1], [0.9, 0.05, 0.05]])
    posteriors = ctc.single_symbol_posteriors(frames)
    assert posteriors.sum() == pytest.approx(1.0) and posteriors.argmax() == 0


def test_text_with_a_character_outside_the_charset_has_no_labels() -> None:
    index = {"a": 1, "b": 2}
    assert ctc.labels_of("ab", index) == (1, 2)
    assert ctc.labels_of("ac", index) is None
