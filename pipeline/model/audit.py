"""The audit log: who exported, built a packet or corrected a field, when, and what came out."""

from __future__ import annotations

import datetime as dt
import getpass
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

ACTIONS = (
    "export", "report", "packet", "dossier", "correction", "assign_page", "verify", "calibrate", "policy", "login", "operator",
    "online_record",
)


@dataclass(frozen=True)
class AuditEvent:
    action: str  # one of ACTIONS
    operator: str  # the --operator option, else the OS user
    scope: str  # e.g. "school", "class 七年级（1）班", "record R1234567X field phone"
    options: Mapping[str, Any] = field(default_factory=dict)
    output: str = ""  # path of what was written, or "old → new" for a correction
    output_sha256: str = ""
    at: dt.datetime | None = None  # set by the store


def default_operator() -> str:
    """The OS user, used when no --operator is given."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
