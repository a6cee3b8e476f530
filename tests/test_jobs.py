"""The job runner: jobs queued in the database, run one at a time, and resumed after the
process running them dies; reprints keep their form id."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pdfplumber
import pytest
from sqlalchemy import func, select

from pipeline.errors import JobError
from pipeline.jobs import job_status, recover_interrupted, run_pending, submit_job
from pipeline.jobs.uploads import first_outcomes, upload_outcomes
from pipeline.store import jobs as job_store
from pipeline.store import repo
from pipeline.store.schema import IntakeRow, IssuedFormRow, JobRow, RecordRow
from pipeline.store.workspace import Workspace
from tests.ingest_support import CLASS
from tests.jobs_support import class_workspace, word_returns

REPO = Path(__file__).resolve().parents[1]


def _count(ws: Workspace, query) -> int:  # type: ignore[no-untyped-def]
    with ws.session() as session:
        return int(session.scalar(query) or 0)


def test_an_ingest_job_whose_process_is_killed_is_resumed_and_stores_every_file_once(tmp_path: Path) -> None:
    ws = class_workspace(tmp_path / "ws", 12)
    folder = tmp_path / "交回"
    returns = word_returns(ws, folder)
    job = submit_job(ws, "ingest", {"paths": [str(folder)]}, operator="王老师")
    runner = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "jobs", "run", "-w", str(ws.root)],
        env=os.environ | {"PYTHONPATH": str(REPO)}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while _count(ws, select(func.count()).select_from(IntakeRow)) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    runner.send_signal(signal.SIGKILL)  # the PC switched off mid-batch: no chance to clean up
    runner.wait()
    read_before = _count(ws, select(func.count()).select_from(IntakeRow))
    assert 2 <= read_before < len(returns), "the kill must land half-way for this test to mean anything"
    assert job_status(ws, job.id).state == "running"  # as the dead process left it

    assert recover_interrupted(ws, stale_after=60) == []  # a fresh heartbeat may be a living runner
    assert recover_interrupted(ws, stale_after=0) == [job.id]
    assert job_status(ws, job.id).state == "interrupted"
    [ended] = run_pending(ws)

    assert ended.state == "done" and ended.attempts == 2
    assert _count(ws, select(func.count()).select_from(RecordRow)) == len(returns)
    assert _count(ws, select(func.max(RecordRow.version))) == 1  # no file became a second version
    outcomes = upload_outcomes(ws, folder)
    assert sorted(f.path for f in outcomes) == sorted(p.name for p in returns)
    assert {f.label for f in outcomes} == {"已读入"}


def test_a_running_job_with_a_fresh_heartbeat_is_left_alone(tmp_path: Path) -> None:
    ws = class_workspace(tmp_path / "ws", 1)
    job = submit_job(ws, "print", {"forms": ["record"], "formats": ["pdf"]}, operator="王老师")
    claimed = ws.write(lambda s: job_store.claim_next(s, ("print",)))
    assert claimed is not None and claimed.id == job.id and claimed.state == "running"
    assert ws.write(lambda s: job_store.claim_next(s, ("print",))) is None  # a second runner gets nothing
    assert recover_interrupted(ws, stale_after=30) == []
    with ws.session() as session:
        session.get(JobRow, job.id).heartbeat = repo.now() - dt.timedelta(seconds=31)
    assert recover_interrupted(ws, stale_after=30) == [job.id]


def test_a_job_with_a_missing_parameter_or_unknown_kind_is_refused_before_it_is_queued(tmp_path: Path) -> None:
    ws = class_workspace(tmp_path / "ws", 1)
    with pytest.raises(JobError, match="缺少参数：paths"):
        submit_job(ws, "ingest", {}, operator="王老师")
    with pytest.raises(JobError, match="没有“scan-everything”这种任务"):
        submit_job(ws, "scan-everything", {"paths": ["x"]}, operator="王老师")
    with ws.session() as session:
        assert job_store.list_jobs(session) == []


def test_a_failing_job_says_why_and_the_next_job_still_runs(tmp_path: Path) -> None:
    ws = class_workspace(tmp_path / "ws", 1)
    bad = submit_job(ws, "print", {"forms": ["record"], "formats": ["pdf"], "classes": ["九年级（9）班"]}, operator="王老师")
    good = submit_job(ws, "print", {"forms": ["record"], "formats": ["pdf"], "classes": [CLASS]}, operator="王老师")
    ended = {j.id: j for j in run_pending(ws)}
    assert ended[bad.id].state == "failed" and "没有找到班级“九年级（9）班”的学生" in ended[bad.id].message
    assert ended[good.id].state == "done" and (Path(ended[good.id].result["out"]) / "全部表单.zip").is_file()


def test_a_reprint_keeps_the_form_id_and_is_marked_as_a_reprint(tmp_path: Path) -> None:
    ws = class_workspace(tmp_path / "ws", 2)
    submit_job(ws, "print", {"forms": ["record"], "formats": ["pdf"], "classes": [CLASS]}, operator="王老师")
    run_pending(ws)
    with ws.session() as session:
        form_id = session.scalars(select(IssuedFormRow.form_id)).first()
    issued = _count(ws, select(func.count()).select_from(IssuedFormRow))
    submit_job(ws, "reprint", {"form_id": form_id}, operator="王老师")
    [ended] = run_pending(ws)
    assert ended.state == "done", ended.message
    [pdf] = [f for f in ended.result["files"] if f.endswith(".pdf")]
    assert Path(pdf).name.startswith("补打_")  # named for the student, not the class
    with pdfplumber.open(Path(ended.result["out"]) / pdf) as printed:
        text = "".join(page.extract_text() for page in printed.pages)
    assert f"表单编号 {form_id}" in text and "补打" in text
    assert _count(ws, select(func.count()).select_from(IssuedFormRow)) == issued  # no new form was issued


def test_a_file_read_again_after_an_interruption_keeps_the_outcome_of_its_first_reading() -> None:
    from pipeline.model.intake import FileIntake

    first = [FileIntake("a.docx", "read"), FileIntake("b.docx", "refused", "不是家访表")]
    again = [FileIntake("a.docx", "already_read"), FileIntake("c.docx", "read")]
    assert [(f.path, f.outcome) for f in first_outcomes(first + again)] == [("a.docx", "read"), ("b.docx", "refused"), ("c.docx", "read")]


def test_jobs_can_be_listed_and_run_from_the_command_line(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from pipeline.cli import main

    ws = class_workspace(tmp_path / "ws", 1)
    submit_job(ws, "print", {"forms": ["record"], "formats": ["pdf"], "classes": [CLASS]}, operator="王老师")
    listed = CliRunner().invoke(main, ["jobs", "list", "-w", str(ws.root)])
    assert listed.exit_code == 0 and "打印表单" in listed.output and "排队中" in listed.output
    ran = CliRunner().invoke(main, ["jobs", "run", "-w", str(ws.root)])
    assert ran.exit_code == 0 and "任务 1：已完成。已生成 1 份表单" in ran.output


def test_progress_is_written_with_pages_per_minute_and_time_left(tmp_path: Path) -> None:
    from pipeline.jobs.context import JobContext

    ws = class_workspace(tmp_path / "ws", 1)
    submit_job(ws, "ingest", {"paths": [str(tmp_path)]}, operator="王老师")
    job = ws.write(lambda s: job_store.claim_next(s, ("ingest",)))
    context = JobContext(ws, job)
    context.progress(0, 10, "第 1 页")
    time.sleep(0.6)
    context.progress(3, 10, "第 4 页")
    seen = job_status(ws, job.id)
    assert (seen.done, seen.total, seen.label) == (3, 10, "第 4 页")
    assert 200 < seen.pages_per_minute < 300  # 3 pages in ~0.6 s
    assert seen.eta_seconds == pytest.approx(7 / seen.pages_per_minute * 60)
