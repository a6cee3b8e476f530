"""The console's 交回 and 打印 pages over HTTP (TestClient): uploads read as a background job
with progress and an outcome table; print jobs with downloads; the runner runs in the app."""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from pipeline.console.app import create_console_app
from pipeline.store.workspace import Workspace
from tests.ingest_support import CLASS
from tests.jobs_support import class_workspace, word_returns

TOKEN = "console-jobs-token"


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    workspace = class_workspace(tmp_path_factory.mktemp("console-jobs") / "ws", 3)
    yield workspace
    workspace.close()


@pytest.fixture
def client(ws: Workspace) -> Iterator[TestClient]:
    with TestClient(create_console_app(ws, operator="王老师", token=TOKEN), headers={"Origin": "http://testserver"}) as c:
        c.get(f"/?token={TOKEN}")
        yield c


def _until_finished(client: TestClient, job_url: str) -> str:
    """The job's progress fragment, polled as the page does, until it stops polling."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        fragment = client.get(job_url).text
        if "hx-trigger" not in fragment:
            return fragment
        time.sleep(0.2)
    raise AssertionError(f"job did not finish: {fragment}")


def test_uploaded_files_are_read_by_a_background_job_and_each_gets_its_outcome(client: TestClient, tmp_path: Path) -> None:
    returns = word_returns(client.app.state.ws, tmp_path / "returns")
    files = [("files", (f"七年级/{p.name}", p.read_bytes(), "application/octet-stream")) for p in returns]
    files.append(("files", ("便条.txt", "这不是表单".encode(), "text/plain")))
    posted = client.post("/returns", files=files, follow_redirects=False)
    assert posted.status_code == 303
    job_page = posted.headers["location"]
    job_id = job_page.split("=")[1]
    assert "progress" in client.get(job_page).text  # the bar is there from the start
    fragment = _until_finished(client, f"/jobs/{job_id}/progress")
    assert "已完成" in fragment and f"{len(returns) + 1}/{len(returns) + 1}" in fragment
    rows = fragment.split("<tbody>")[1]
    assert rows.count("已读入") == len(returns) and rows.count("拒收") == 1
    assert f"七年级/{returns[0].name}" in rows and "便条.txt" in rows
    assert str(client.app.state.ws.root) not in rows  # the upload folder is not shown to the clerk
    # the page reloaded later shows the same finished job and its table
    again = client.get(job_page).text
    assert "已完成" in again and rows.split("</tbody>")[0] in again


def test_the_script_streams_files_one_request_each_and_starts_the_job(client: TestClient, tmp_path: Path) -> None:
    returns = word_returns(client.app.state.ws, tmp_path / "returns")
    upload = client.post("/returns/uploads").json()["upload"]
    for path in returns:
        saved = client.put(f"/returns/uploads/{upload}", params={"name": f"../../{path.name}"}, content=path.read_bytes())
        assert saved.status_code == 200
    folder = client.app.state.ws.root / "交回上传" / upload
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in returns)  # ".." never leaves the upload
    started = client.post(f"/returns/uploads/{upload}/start").json()
    fragment = _until_finished(client, f"/jobs/{started['job']}/progress")
    assert fragment.split("<tbody>")[1].count("已读入") == len(returns)
    assert not folder.exists()  # read into the file store, the upload's copy is gone


def test_a_file_over_the_size_limit_is_refused_and_nothing_of_it_is_kept(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipeline import defs

    monkeypatch.setattr(defs, "UPLOAD_MAX_FILE_BYTES", 1000)
    upload = client.post("/returns/uploads").json()["upload"]
    refused = client.put(f"/returns/uploads/{upload}", params={"name": "大.pdf"}, content=b"%PDF-" + b"0" * 5000)
    assert refused.status_code == 413 and "文件太大" in refused.json()["error"]
    assert not any((client.app.state.ws.root / "交回上传" / upload).iterdir())


def test_a_class_is_printed_as_a_job_and_its_pdf_and_zip_download(client: TestClient) -> None:
    posted = client.post("/print", data={"forms": ["record"], "classes": [CLASS], "formats": ["pdf"], "duplex": "1"}, follow_redirects=False)
    assert posted.status_code == 303
    job_id = posted.headers["location"].split("=")[1]
    fragment = _until_finished(client, f"/jobs/{job_id}/progress")
    assert "已完成" in fragment and "已生成 3 份表单" in fragment
    pdf = client.get(f"/print/jobs/{job_id}/files/pdf/record/{CLASS}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/print/jobs/{job_id}/files/全部表单.zip").content))
    assert f"pdf/record/{CLASS}.pdf" in archive.namelist() and "manifest.json" in archive.namelist()
    assert client.get(f"/print/jobs/{job_id}/files/../../jiafang.sqlite").status_code == 404


def test_a_running_job_shows_its_rate_and_time_left_and_keeps_polling(client: TestClient) -> None:
    from pipeline.jobs import submit_job
    from pipeline.store import jobs as job_store

    ws = client.app.state.runner.ws
    client.app.state.runner.stop()  # this job is driven by hand below
    job = submit_job(ws, "ingest", {"paths": ["/nowhere"]}, operator="王老师")
    ws.write(lambda s: job_store.claim_next(s, ("ingest",)))
    ws.write(lambda s: job_store.record_progress(s, job.id, done=12, total=40, pages_per_minute=35.0, eta_seconds=80.0, label="扫描件.pdf 第13页"))
    fragment = client.get(f"/jobs/{job.id}/progress").text
    assert "12/40 · 35 页/分钟 · 约剩 1 分 20 秒" in fragment and "正在处理：扫描件.pdf 第13页" in fragment
    assert 'hx-trigger="every 1s"' in fragment
    assert "12/40" in client.get("/returns").text  # the page shows the job under way without being told which
