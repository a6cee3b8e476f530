"""Confidence → correctness, and the lowest threshold the evidence supports.

Pure functions over labelled examples (pipeline.model.calibration.Example) of one reader and
field kind:

* :func:`isotonic_fit` — pool-adjacent-violators: the non-decreasing step function of
  confidence that fits the right/wrong labels best in least squares. Its steps are the only
  places a threshold can usefully sit: inside a step the data cannot tell values apart.
* :func:`wilson_lower_bound` — one-sided lower confidence bound on a binomial proportion.
* :func:`least_examples` — decisions needed before even a flawless record reaches the target.
* :func:`choose_threshold` — the lowest step start whose accepted examples (confidence at or
  above it) have a lower bound on their precision at or above the target.

Only decided fields are examples, and a field is decided only when it went to review: values
above the current threshold appear only when something else sent them there, so the
precision is that of the decided values at or above a threshold, stated with its bound.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

from pipeline.model.calibration import Example

__all__ = ["Step", "Support", "choose_threshold", "isotonic_fit", "least_examples", "support_at", "wilson_lower_bound"]


@dataclass(frozen=True)
class Step:
    """One step of the fitted confidence → correctness function."""

    low: float  # lowest confidence in the step
    high: float  # highest confidence in the step
    right: int
    total: int

    @property
    def probability(self) -> float:
        return self.right / self.total


@dataclass(frozen=True)
class Support:
    """What the examples say about accepting every value from ``threshold`` up."""

    threshold: float
    right: int
    total: int
    lower_bound: float  # one-sided Wilson bound on right / total (0.0 when total is 0)
    fitted: float | None  # fitted probability that a value right at the threshold is right

    @property
    def precision(self) -> float | None:
        return self.right / self.total if self.total else None


def isotonic_fit(examples: Sequence[Example]) -> list[Step]:
    """Pool adjacent violators over the examples sorted by confidence (ties pooled first)."""
    steps: list[Step] = []
    for confidence, right, total in _tied(examples):
        step = Step(confidence, confidence, right, total)
        while steps and steps[-1].probability >= step.probability:
            last = steps.pop()
            step = Step(last.low, step.high, last.right + step.right, last.total + step.total)
        steps.append(step)
    return steps


def _tied(examples: Sequence[Example]) -> list[tuple[float, int, int]]:
    grouped: dict[float, list[int]] = {}
    for e in examples:
        counts = grouped.setdefault(e.confidence, [0, 0])
        counts[0] += e.correct
        counts[1] += 1
    return [(c, right, total) for c, (right, total) in sorted(grouped.items())]


def wilson_lower_bound(right: int, total: int, level: float) -> float:
    """One-sided ``level`` Wilson score lower bound on the proportion ``right / total``."""
    if total == 0:
        return 0.0
    z = NormalDist().inv_cdf(level)
    p = right / total
    centre = p + z * z / (2 * total)
    spread = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total))
    return max(0.0, (centre - spread) / (1 + z * z / total))


def least_examples(target: float, level: float) -> int:
    """Examples needed before all of them right gives a lower bound at ``target``: with no
    error the Wilson bound is n / (n + z²)."""
    z = NormalDist().inv_cdf(level)
    return math.ceil(target * z * z / (1 - target))


def support_at(threshold: float, examples: Sequence[Example], steps: Sequence[Step], level: float) -> Support:
    accepted = [e for e in examples if e.confidence >= threshold]
    right = sum(e.correct for e in accepted)
    fitted = next((s.probability for s in steps if s.high >= threshold), None)
    return Support(threshold, right, len(accepted), wilson_lower_bound(right, len(accepted), level), fitted)


def choose_threshold(examples: Sequence[Example], *, target: float, level: float) -> Support | None:
    """The lowest step start at which accepting every value from there up keeps the lower
    bound on precision at ``target`` or above; None when no threshold does."""
    steps = isotonic_fit(examples)
    for step in steps:
        support = support_at(step.low, examples, steps, level)
        if support.lower_bound >= target:
            return support
    return None
