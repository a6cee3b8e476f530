"""Jobs: long work (print, ingest, the watch folder) queued in the database and run in the
background, with progress that survives a restart (pipeline.jobs.runner), and the copier's
scan-to-folder intake (pipeline.jobs.watch)."""

from pipeline.jobs.runner import JobRunner, job_status, recover_interrupted, run_pending, stop_job, submit_job
from pipeline.jobs.watch import watch_folder
from pipeline.jobs.watch_jobs import start_watching, stop_watching, watching

__all__ = [
    "JobRunner",
    "job_status",
    "recover_interrupted",
    "run_pending",
    "start_watching",
    "stop_job",
    "stop_watching",
    "submit_job",
    "watch_folder",
    "watching",
]
