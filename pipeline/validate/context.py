"""What validation knows beyond the returned form itself: profile, student, teachers, today."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from pipeline.model.calibration import AutoThresholds
from pipeline.model.people import Student, Teacher
from pipeline.model.policy import Policy


@dataclass(frozen=True)
class ValidationContext:
    policy: Policy
    student: Student  # the student the issued form belongs to (what was pre-filled)
    teachers: Sequence[Teacher]  # the roster's teachers, to resolve names to 工号
    today: dt.date  # local date of the return: dates after it are "in the future"
    thresholds: AutoThresholds = field(default_factory=AutoThresholds)  # the workspace's calibrated ones
    classmates: Sequence[Student] = ()  # the students of the form's class, whose families name a mix-up
