"""Run queued jobs: one at a time in a worker thread of the console, or from the CLI.

A job is a row (pipeline.store.jobs); its kind names the library function that does the work
(pipeline.jobs.kinds). While it runs, a heartbeat thread stamps the row every
``JOB_HEARTBEAT_SECONDS`` and progress callbacks write done/total, pages per minute and the
time left. A job whose heartbeat stops (the console was closed, the PC restarted) is found
stale by the next runner, marked interrupted and run again: every kind is resumable (ingest
skips what it stored, printing rewrites its folder), so nothing is done twice.

Watch-folder jobs never end by themselves, so each gets a thread of its own and does not hold
up the queue.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from pipeline import defs
from pipeline.access import require_current
from pipeline.errors import JiafangError
from pipeline.ingest.faults import error_log, program_error
from pipeline.jobs.context import JobContext, JobHalted
from pipeline.jobs.kinds import KINDS, QUEUED_KINDS, WATCH_KINDS, check_params
from pipeline.model.job import Job
from pipeline.store import jobs as job_store
from pipeline.store.workspace import Workspace

__all__ = ["JobRunner", "job_status", "recover_interrupted", "run_job", "run_pending", "stop_job", "submit_job"]

log = logging.getLogger(__name__)


def submit_job(ws: Workspace, kind: str, params: Mapping[str, Any], *, operator: str) -> Job:
    """Queue a job of ``kind`` (a key of pipeline.jobs.kinds.KINDS); a runner picks it up.
    The operator acting now must be allowed the job's work: the runner does it for the office."""
    check_params(kind, params)
    require_current(KINDS[kind].action)
    return ws.write(lambda s: job_store.add_job(s, kind, dict(params), operator))


def job_status(ws: Workspace, job_id: int) -> Job | None:
    with ws.session() as session:
        return job_store.get_job(session, job_id)


def stop_job(ws: Workspace, job_id: int) -> bool:
    """Ask a job to stop at its next progress report or heartbeat; False when there is none."""
    return ws.write(lambda s: job_store.request_stop(s, job_id))


def recover_interrupted(ws: Workspace, *, stale_after: float = defs.JOB_STALE_SECONDS) -> list[int]:
    """Running jobs without a heartbeat for ``stale_after`` seconds become interrupted (queued
    to run again); returns their ids."""
    return ws.write(lambda s: job_store.requeue_stale(s, dt.timedelta(seconds=stale_after)))


def run_pending(ws: Workspace, *, kinds: tuple[str, ...] | None = None) -> list[Job]:
    """Run queued and interrupted jobs (of ``kinds``; default: all but watch jobs) one after
    the other until none is left; returns them as they ended."""
    finished = []
    while (job := ws.write(lambda s: job_store.claim_next(s, kinds or QUEUED_KINDS))) is not None:
        finished.append(run_job(ws, job))
    return finished


def run_job(ws: Workspace, job: Job, *, halt: threading.Event | None = None) -> Job:
    """Run one claimed job to its end and record how it ended (interrupted when ``halt`` is
    set before the work is over)."""
    context = JobContext(ws, job, halt)
    state, message, result = "done", "", {}
    with error_log(ws.root) as log_file, _heartbeat(context):
        try:
            result = dict(KINDS[job.kind].run(context))
            message = str(result.pop("message", ""))
        except JobHalted:
            state, message = "interrupted", "工作台关闭时中断，下次启动工作台时从断点继续"
        except JiafangError as exc:
            state, message = "failed", str(exc)
        except Exception as exc:  # a bug in one job must not kill the runner; the log keeps the trace
            state, message = "failed", program_error(f"任务 {job.id}", exc, log_file)
    result = dict(job.result) | context.remembered | result
    ws.write(lambda s: job_store.finish(s, job.id, state, message, result))
    ended = job_status(ws, job.id)
    assert ended is not None
    return ended


@contextmanager
def _heartbeat(context: JobContext) -> Iterator[None]:
    """Stamp the job's row every JOB_HEARTBEAT_SECONDS while the work runs."""
    done = threading.Event()

    def beat() -> None:
        while not done.wait(defs.JOB_HEARTBEAT_SECONDS):
            try:
                context.beat()
            except Exception:  # a busy database now and then: the next beat will do
                log.warning("job %s: heartbeat not written", context.job.id, exc_info=True)

    thread = threading.Thread(target=beat, name=f"job-{context.job.id}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


class JobRunner:
    """The console's job runner: one worker thread takes queued jobs one at a time; each
    watch-folder job runs on a thread of its own. ``start`` first hands on jobs a previous
    runner left running (stale heartbeat)."""

    def __init__(self, ws: Workspace, *, poll: float = defs.JOB_POLL_SECONDS, stale_after: float = defs.JOB_STALE_SECONDS) -> None:
        self.ws = ws
        self.poll = poll
        self.stale_after = stale_after
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        self._spawn(self._loop, "job-runner", QUEUED_KINDS, False)
        self._spawn(self._loop, "job-watch-runner", WATCH_KINDS, True)

    def wake(self) -> None:
        """Look for queued work now (after a submit) rather than at the next poll."""
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop taking jobs, halt the running ones at their next progress report (they are left
        interrupted, for the next runner) and wait for the threads."""
        self._stop.set()
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout)

    def _run(self, job: Job) -> None:
        try:
            run_job(self.ws, job, halt=self._stop)
        except Exception:  # its end could not be written (database gone): the job stays running,
            # goes stale and is run again; the runner itself carries on
            log.exception("job %s: could not record its end", job.id)

    def _spawn(self, target: Callable[..., None], name: str, *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _loop(self, kinds: tuple[str, ...], each_on_own_thread: bool) -> None:
        recovered_at = -math.inf
        while not self._stop.is_set():
            try:
                if time.monotonic() - recovered_at >= self.stale_after / 2:  # no need to look more often
                    recover_interrupted(self.ws, stale_after=self.stale_after)
                    recovered_at = time.monotonic()
                job = self.ws.write(lambda s: job_store.claim_next(s, kinds))
            except Exception:  # the database busy or gone for a moment: look again later
                log.warning("job runner: could not claim a job", exc_info=True)
                job = None
            if job is not None and each_on_own_thread:
                self._spawn(self._run, f"job-{job.id}", job)
            elif job is not None:
                self._run(job)
            if job is None or each_on_own_thread:
                self._wake.wait(self.poll)
                self._wake.clear()
