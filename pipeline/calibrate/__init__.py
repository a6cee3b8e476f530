"""Learning from the school's own reviewers: calibrated ``auto`` thresholds and the review load."""

from pipeline.calibrate.load import ReviewLoad, review_load, seconds_per_field
from pipeline.calibrate.plan import Proposal, apply_proposals, propose, workspace_thresholds

__all__ = ["Proposal", "ReviewLoad", "apply_proposals", "propose", "review_load", "seconds_per_field", "workspace_thresholds"]
