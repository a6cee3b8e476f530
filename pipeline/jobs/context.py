"""What a job's work is given: its row, and callbacks that write its progress.

Below both the runner (which makes one per job) and the job kinds (which use it), so neither
imports the other's module to reach it.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from pipeline import defs
from pipeline.model.job import Job
from pipeline.store import jobs as job_store
from pipeline.store.workspace import Workspace

__all__ = ["JobContext", "JobHalted"]


class JobHalted(Exception):
    """Raised inside a job's work when its runner is shutting down: the job is left
    interrupted, and the next runner continues it."""


@dataclass
class JobContext:
    """What a job's work gets: its row, and callbacks that write progress to it."""

    ws: Workspace
    job: Job
    halt: threading.Event | None = None  # set when the runner shuts down
    _phase: tuple[int, float] = (0, 0.0)  # (total, start time) of the phase being counted
    _written: float = 0.0
    _stop: bool = False
    _result: dict[str, Any] = field(default_factory=dict)

    def progress(self, done: int, total: int, label: str) -> None:
        """The ``pipeline.progress.Progress`` callback: done/total with rate and time left.

        A change of total starts a new phase (an ingest reads its files, then its scan pages),
        whose rate is measured from its own start.
        """
        self.check_halt()
        clock = time.monotonic()
        if total != self._phase[0]:
            self._phase = (total, clock)
        if clock - self._written < defs.JOB_PROGRESS_SECONDS and done < total:
            return
        self._written = clock
        minutes = (clock - self._phase[1]) / 60
        rate = done / minutes if minutes > 0 and done else None
        eta = (total - done) / rate * 60 if rate else None
        self._write(done=done, total=total, label=label[:200], pages_per_minute=rate, eta_seconds=eta)

    def remember(self, **result: Any) -> None:
        """Keep part of the result now (e.g. where the output goes), so it outlives a crash."""
        self._result.update(result)
        self._write(result=dict(self.job.result) | self._result)

    @property
    def remembered(self) -> dict[str, Any]:
        return dict(self._result)

    def should_stop(self) -> bool:
        """True once someone asked the job to stop (seen at every heartbeat) or the runner
        is shutting down."""
        return self._stop or self.halted

    @property
    def halted(self) -> bool:
        return self.halt is not None and self.halt.is_set()

    def check_halt(self) -> None:
        if self.halted:
            raise JobHalted

    def beat(self) -> None:
        self._write()

    def _write(self, **values: Any) -> None:
        self._stop = self.ws.write(lambda s: job_store.record_progress(s, self.job.id, **values)) or self._stop
