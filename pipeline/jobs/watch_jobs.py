"""Watch-folder jobs: the console's 设置 switch that starts and stops watching a folder.

The watching itself is pipeline.jobs.watch; here it becomes a job of the runner, so this sits
above the runner (which runs the job kinds, watching among them).
"""

from __future__ import annotations

from pathlib import Path

from pipeline import defs
from pipeline.access import require_current
from pipeline.errors import JobError
from pipeline.jobs.runner import stop_job, submit_job
from pipeline.model.job import Job
from pipeline.store import jobs as job_store
from pipeline.store.workspace import Workspace

__all__ = ["start_watching", "stop_watching", "watching"]


def start_watching(ws: Workspace, folder: Path, *, operator: str, settle: float = defs.WATCH_SETTLE_SECONDS) -> Job:
    """Watch ``folder`` as a job of the console's runner (the 设置 page's switch); the same
    folder watched already is that job. Raises JobError when it is no folder."""
    if not folder.is_dir():
        raise JobError(f"{folder}：文件夹不存在或不是文件夹。请选一个复印机能写入的文件夹")
    resolved = str(folder.resolve())
    running = [j for j in watching(ws) if j.params.get("folder") == resolved]
    return running[0] if running else submit_job(ws, "watch", {"folder": resolved, "settle": settle}, operator=operator)


def stop_watching(ws: Workspace, job_id: int) -> bool:
    """Stop a watch job at its next look at the folder; False when there is no such job."""
    require_current("ingest")
    return stop_job(ws, job_id)


def watching(ws: Workspace) -> list[Job]:
    """Watch jobs that are watching or will again (queued, running, interrupted), not stopping."""
    with ws.session() as session:
        jobs = job_store.list_jobs(session, kinds=("watch",), limit=100)
    return [j for j in jobs if not j.finished and not j.stop_requested]
