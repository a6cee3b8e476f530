"""``jiafang calibrate``: per reader and field kind, the ``auto`` threshold this workspace's
reviewer decisions support, proposed before anything changes, and stored on request.

Rules (issue 12, item 5): a threshold moves down only to where a one-sided lower bound on the
precision of what it accepts stays at defs.CALIBRATE_TARGET_PRECISION (pipeline.calibrate.fit);
with fewer decisions than that could ever show, the shipped threshold stays. When the decisions
support no threshold at all, the threshold goes up — above the most confident wrong value, or
to no ``auto`` at all — never down. Stored thresholds live in the workspace (settings row
:data:`SETTING`), never in the shipped defs; later ingests judge values by them.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from pipeline import defs
from pipeline.calibrate.fit import Support, choose_threshold, isotonic_fit, least_examples, support_at
from pipeline.model.audit import AuditEvent
from pipeline.model.calibration import UNCALIBRATED_KINDS, AutoThresholds, Example, shipped_threshold
from pipeline.store.audit import log_event
from pipeline.store.calibration import get_setting, labelled_examples, put_setting, waiting_confidences
from pipeline.store.workspace import Workspace

__all__ = ["SETTING", "Proposal", "apply_proposals", "propose", "workspace_thresholds"]

SETTING = "auto_thresholds"

# Why a proposal is what it is
ENOUGH = "supported"  # the bound reaches the target from the proposed threshold up
TOO_FEW = "too_few"  # fewer decisions than the target needs: the shipped threshold stays
UNSUPPORTED = "unsupported"  # enough decisions, but no threshold reaches the target: raised


@dataclass(frozen=True)
class Proposal:
    key: str  # reader:kind
    current: float  # the threshold in force (calibrated earlier, or shipped)
    shipped: float
    proposed: float
    basis: str  # ENOUGH / TOO_FEW / UNSUPPORTED
    examples: int
    needed: int  # decisions a flawless record needs to reach the target
    support: Support | None  # the examples at or above the proposed threshold
    newly_passing: int  # fields waiting now that the proposed threshold would accept, at most

    @property
    def changes(self) -> bool:
        return self.proposed != self.current


def workspace_thresholds(session: Session) -> AutoThresholds:
    """The thresholds later ingests judge values by (stored by :func:`apply_proposals`)."""
    stored = get_setting(session, SETTING) or {}
    return AutoThresholds({k: float(v) for k, v in stored.get("thresholds", {}).items()})


def propose(
    ws: Workspace, *, target: float = defs.CALIBRATE_TARGET_PRECISION, level: float = defs.CALIBRATE_CONFIDENCE_LEVEL
) -> list[Proposal]:
    """A proposal for every reader and kind with decisions, in key order; changes nothing.
    ``target``: least precision (as a one-sided ``level`` lower bound) of what passes."""
    with ws.session() as session:
        examples = labelled_examples(session)
        thresholds = workspace_thresholds(session)
        waiting = waiting_confidences(session)
    by_key: dict[str, list[Example]] = defaultdict(list)
    for e in examples:
        if e.key.partition(":")[2] not in UNCALIBRATED_KINDS:
            by_key[e.key].append(e)
    return [_proposal(key, by_key[key], thresholds, waiting.get(key, []), target, level) for key in sorted(by_key)]


def _proposal(
    key: str, examples: Sequence[Example], thresholds: AutoThresholds, waiting: Sequence[float], target: float, level: float
) -> Proposal:
    source, _, kind = key.partition(":")
    current, shipped = thresholds.threshold(source, kind), shipped_threshold(key)
    needed = least_examples(target, level)
    if len(examples) < needed:
        proposed, basis, support = shipped, TOO_FEW, None
    else:
        support = choose_threshold(examples, target=target, level=level)
        proposed, basis = (support.threshold, ENOUGH) if support else (_raised(examples, current, shipped), UNSUPPORTED)
        if support is None:
            support = support_at(proposed, examples, isotonic_fit(examples), level)
    newly = sum(1 for c in waiting if proposed <= c < current)
    return Proposal(key, current, shipped, proposed, basis, len(examples), needed, support, newly)


def _raised(examples: Sequence[Example], current: float, shipped: float) -> float:
    """Just above the most confident wrong value (above 1.0: no ``auto`` at all), never below
    the current or the shipped threshold."""
    worst = max(e.confidence for e in examples if not e.correct)
    return max(current, shipped, math.nextafter(worst, math.inf))


def apply_proposals(ws: Workspace, proposals: Sequence[Proposal], *, operator: str) -> AutoThresholds:
    """Store the thresholds the decisions decided (too few decisions: the shipped one stays)
    and log who did it; returns what later ingests will use."""
    decided = {p.key: p.proposed for p in proposals if p.basis != TOO_FEW}

    def store(session: Session) -> None:
        put_setting(session, SETTING, {"thresholds": decided}, operator)
        changed = {p.key: [p.current, p.proposed] for p in proposals if p.changes and p.key in decided}
        log_event(session, AuditEvent("calibrate", operator, "auto thresholds", {"changed": changed}))

    ws.write(store)
    return AutoThresholds(decided)
