"""The watch folder: files a copier writes slowly, several at once, are each read exactly once,
also when the watcher is restarted in the middle, and the folder is left as a clerk expects."""

from __future__ import annotations

import datetime as dt
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from pipeline.console.app import create_console_app
from pipeline.ingest import ingest
from pipeline.jobs import JobRunner, job_status, start_watching, stop_watching, watch_folder
from pipeline.jobs.watch import READ_DIR, UNREAD_DIR, take_files
from pipeline.store.schema import IntakeRow, RecordRow
from pipeline.store.workspace import Workspace
from tests.jobs_support import class_workspace, word_returns

SETTLE = 0.6  # s; the writers below pause 0.15 s between pieces, well inside it
FILES = 20


@pytest.fixture(scope="module")
def twenty(tmp_path_factory: pytest.TempPathFactory) -> tuple[Workspace, list[Path]]:
    root = tmp_path_factory.mktemp("watch")
    ws = class_workspace(root / "ws", FILES + 4)  # 20 for the big test, 4 for the others: any order
    return ws, word_returns(ws, root / "returns")


def _write_slowly(source: Path, target: Path, pieces: int = 4) -> None:
    """Like a copier over SMB: the file grows in pieces, with pauses between them."""
    data = source.read_bytes()
    step = len(data) // pieces + 1
    with target.open("wb") as fh:
        for at in range(0, len(data), step):
            fh.write(data[at : at + step])
            fh.flush()
            time.sleep(0.15)


@contextmanager
def watching(ws: Workspace, folder: Path, settle: float = SETTLE) -> Iterator[list[str]]:
    """A watcher on its own thread while the block runs (stopped at its end, as by Ctrl+C);
    yields the outcomes of the files it took, as it takes them."""
    stop = threading.Event()
    taken: list[str] = []

    def run() -> None:
        watch_folder(ws, folder, should_stop=stop.is_set, settle=settle, poll=0.1, on_taken=lambda fs: taken.extend(f.outcome for f in fs))

    thread = threading.Thread(target=run)
    thread.start()
    try:
        yield taken
    finally:
        stop.set()
        thread.join()


def _wait(condition: Callable[[], bool], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _records(ws: Workspace) -> tuple[int, int]:
    with ws.session() as session:
        return session.scalar(select(func.count()).select_from(RecordRow)), session.scalar(select(func.max(RecordRow.version)))


def test_twenty_files_written_slowly_and_at_once_are_each_read_once_across_a_restart(
    twenty: tuple[Workspace, list[Path]], tmp_path: Path
) -> None:
    ws, returns = twenty
    returns = returns[:FILES]
    folder = tmp_path / "扫描"
    folder.mkdir()
    before = _records(ws)[0]
    writers = [threading.Thread(target=_write_slowly, args=(p, folder / p.name)) for p in returns]
    with watching(ws, folder) as first_taken:
        for writer in writers[: FILES // 2]:  # they overlap: each takes ~0.6 s, one starts every 0.1 s
            writer.start()
            time.sleep(0.1)
        _wait(lambda: len(first_taken) >= 3)
    # restarted in the middle: some files read, some maybe still being written, half not begun
    assert len(first_taken) <= FILES // 2
    read_dir = folder / READ_DIR / dt.date.today().isoformat()
    with watching(ws, folder) as second_taken:
        for writer in writers[FILES // 2 :]:
            writer.start()
            time.sleep(0.1)
        for writer in writers:
            writer.join()
        _wait(lambda: read_dir.is_dir() and len(list(read_dir.iterdir())) == FILES)

    assert sorted(p.name for p in read_dir.iterdir()) == sorted(p.name for p in returns)
    assert [p.name for p in folder.iterdir()] == [READ_DIR]  # nothing left behind, nothing refused
    assert sorted(first_taken + second_taken) == ["read"] * FILES
    assert _records(ws) == (before + FILES, 1)  # every form once, none read twice into a second version
    with ws.session() as session:
        read = session.scalars(select(IntakeRow.digest).where(IntakeRow.outcome == "read", IntakeRow.path.startswith(str(folder)))).all()
    assert len(read) == len(set(read)) == FILES


def test_a_file_read_before_a_crash_but_not_moved_is_moved_without_being_stored_again(
    twenty: tuple[Workspace, list[Path]], tmp_path: Path
) -> None:
    ws, returns = twenty
    folder = tmp_path / "扫描"
    folder.mkdir()
    (folder / returns[FILES + 0].name).write_bytes(returns[FILES + 0].read_bytes())
    ingest(ws, [folder / returns[FILES + 0].name])  # a watcher read it, then the PC went off before the move
    (folder / "复印机说明.txt").write_text("不是表单", encoding="utf-8")
    before = _records(ws)
    with watching(ws, folder) as taken:
        _wait(lambda: len(taken) == 2)

    assert _records(ws) == before
    assert (folder / READ_DIR / dt.date.today().isoformat() / returns[FILES + 0].name).is_file()
    assert (folder / UNREAD_DIR / "复印机说明.txt").is_file()
    reason = (folder / UNREAD_DIR / "复印机说明.txt.txt").read_text(encoding="utf-8-sig")
    assert "结果：拒收" in reason and "复印机说明.txt" in reason
    assert sorted(p.name for p in folder.iterdir()) == [READ_DIR, UNREAD_DIR]


def test_a_file_still_growing_is_not_taken_until_it_has_settled(twenty: tuple[Workspace, list[Path]], tmp_path: Path) -> None:
    ws, returns = twenty
    folder = tmp_path / "扫描"
    folder.mkdir()
    target = folder / "仍在写入.docx"
    target.write_bytes(returns[FILES + 1].read_bytes()[:100])
    with watching(ws, folder, settle=2.0) as taken:
        for _ in range(10):  # keeps growing for 10 × 0.3 s, longer than it must settle; each pause far shorter
            time.sleep(0.3)
            with target.open("ab") as fh:
                fh.write(b"\0")
        assert taken == [] and target.exists()


def test_watching_as_a_job_goes_on_after_the_runner_restarts_and_stops_when_asked(
    twenty: tuple[Workspace, list[Path]], tmp_path: Path
) -> None:
    ws, returns = twenty
    folder = tmp_path / "扫描"
    folder.mkdir()
    read_dir = folder / READ_DIR / dt.date.today().isoformat()
    job = start_watching(ws, folder, operator="王老师", settle=0.2)
    assert start_watching(ws, folder, operator="王老师").id == job.id  # one watcher per folder
    runner = JobRunner(ws, poll=0.1)
    runner.start()
    (folder / "a.docx").write_bytes(returns[FILES + 2].read_bytes())
    _wait(lambda: (read_dir / "a.docx").is_file())
    runner.stop()  # the console closes
    assert job_status(ws, job.id).state == "interrupted"
    runner = JobRunner(ws, poll=0.1)
    runner.start()  # and opens again: the folder is watched again without anyone asking
    (folder / "b.docx").write_bytes(returns[FILES + 3].read_bytes())
    _wait(lambda: (read_dir / "b.docx").is_file())
    console = TestClient(create_console_app(ws, operator="王老师", token="t"))  # its own runner not started
    console.get("/?token=t")
    rows = console.get("/returns").text.split(f"扫描文件夹 {folder.resolve()}")[1]
    assert "<td>a.docx</td>" in rows and "<td>b.docx</td>" in rows  # what the watcher took, named as in the folder
    assert stop_watching(ws, job.id)
    _wait(lambda: job_status(ws, job.id).state == "done")
    runner.stop()
    ended = job_status(ws, job.id)
    assert ended.attempts == 2 and "已停止监视" in ended.message


def test_a_zip_with_a_member_that_is_refused_goes_to_unread_naming_it_and_its_good_files_are_read(
    twenty: tuple[Workspace, list[Path]], tmp_path: Path
) -> None:
    """The clerk sees what needs them in 未读入; a refused file inside a zip is there with it."""
    ws, returns = twenty
    folder = tmp_path / "扫描"
    folder.mkdir()
    with zipfile.ZipFile(folder / "二班.zip", "w") as zf:
        zf.write(returns[FILES + 1], returns[FILES + 1].name)
        zf.writestr("家访心得.txt", "不是表单")
    before = _records(ws)[0]
    take_files(ws, folder, [folder / "二班.zip"])
    assert _records(ws)[0] == before + 1
    note = (folder / UNREAD_DIR / "二班.zip.txt").read_text(encoding="utf-8-sig")
    assert "家访心得.txt" in note and "拒收" in note, note
    assert sorted(p.name for p in folder.iterdir()) == [UNREAD_DIR]
