"""A job: one long piece of work (print, ingest, watch a folder) and how far it has got."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# English keys in code and the database; Chinese labels wherever a person reads them.
JOB_STATES = {
    "queued": "排队中",
    "running": "进行中",
    "done": "已完成",
    "failed": "失败",
    "interrupted": "已中断，等待继续",
}
FINISHED = ("done", "failed")


@dataclass(frozen=True)
class Job:
    id: int
    kind: str
    params: Mapping[str, Any]
    state: str  # a key of JOB_STATES
    operator: str
    created_at: dt.datetime
    done: int = 0
    total: int = 0
    label: str = ""  # what is being worked on now (a file, a class)
    pages_per_minute: float | None = None
    eta_seconds: float | None = None
    message: str = ""
    result: Mapping[str, Any] = field(default_factory=dict)
    attempts: int = 0
    stop_requested: bool = False
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    heartbeat: dt.datetime | None = None

    @property
    def state_label(self) -> str:
        return JOB_STATES[self.state]

    @property
    def finished(self) -> bool:
        return self.state in FINISHED

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else (100 if self.state == "done" else 0)
