"""Faults of a real office PC, injected into real processes on real files: a batch killed with
SIGKILL at random points, a disk that fills up during ingest, a workspace that cannot be written.
After each, the workspace holds only whole things, the user reads a Chinese message saying what to
do, and a rerun ends where an undisturbed twin ended (compared by fault_support.canonical_dump)."""

from __future__ import annotations

import random
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import openpyxl
import pytest
from fault_support import canonical_dump, mixed_returns
from review_support import issue_template, store_many
from sqlalchemy import event
from ingest_support import make_workspace

from pipeline.atomic import atomic_write_bytes
from pipeline.errors import StorageError
from pipeline.ingest import ingest
from pipeline.ingest.scan_run import ScanFile, ingest_scan_files
from pipeline.review.sheet import CHECKED_MARKS, HEADERS, SHEET, UNREADABLE_WORD, export_sheet
from pipeline.store.workspace import DB_FILE, FILES_DIR, Workspace, open_workspace

KILLS = 10
KILL_SEED = 11
OPERATOR = "教务员"
DISK_FULL = "磁盘空间不足："
NOT_WRITABLE = "工作区不可写："
SPACE_AFTER_INPUTS = 256 * 1024  # bytes left once the returns are in the file store: the batch fills it


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "pipeline", *args]


def _run(cmd: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300)


def _integrity(root: Path) -> list[str]:
    """What is half-written in the workspace at ``root``: SQLite's own check, records without
    their field values, and temporary files left in the file store."""
    db = sqlite3.connect(root / DB_FILE)
    try:
        problems = [row[0] for row in db.execute("PRAGMA integrity_check") if row[0] != "ok"]
        bare = db.execute(
            "SELECT form_id, version FROM records r WHERE NOT EXISTS (SELECT 1 FROM field_values f WHERE f.record_id = r.id)"
        ).fetchall()
    finally:
        db.close()
    problems += [f"record without field values: {form_id} v{version}" for form_id, version in bare]
    problems += [f"partial file: {p.name}" for p in (root / FILES_DIR).rglob(".*") if p.is_file()]
    return problems


def _files(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): p.stat().st_size for p in root.rglob("*") if p.is_file()}


# --- kill -9 --------------------------------------------------------------------------------


def _kill_and_rerun(template: Path, target: Path, cmd: Callable[[Path], list[str]], after: float) -> bool:
    """Run ``cmd`` on a fresh copy of ``template`` at ``target``, SIGKILL it ``after`` seconds
    in, then run it again to the end; True when the kill hit a running process."""
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(template, target)
    proc = subprocess.Popen(cmd(target), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        proc.wait(timeout=after)
        return False
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    _run(cmd(target))
    return True


def _kill_campaign(template: Path, work: Path, cmd: Callable[[Path], list[str]]) -> list[str]:
    """Kill ``cmd`` at KILLS seeded random points over the duration of an undisturbed run (a point
    the run finished before, on a machine busier then than now, is tried again at half); the
    differences of each rerun's database from the undisturbed twin's, one line per kill."""
    twin = work / "twin"
    shutil.copytree(template, twin)
    started = time.monotonic()
    assert _run(cmd(twin)).returncode in (0, 1)
    duration = time.monotonic() - started
    expected = canonical_dump(twin)
    assert expected["records"], "the undisturbed run stored records"
    rng = random.Random(KILL_SEED)
    differences, hits = [], 0
    for n in range(KILLS):
        after = rng.uniform(0.02, 0.98) * duration
        hits += _kill_and_rerun(template, work / "killed", cmd, after) or _kill_and_rerun(template, work / "killed", cmd, after / 2)
        got = canonical_dump(work / "killed")
        differences += [f"kill {n} at {after:.2f}s: {table} differs" for table in expected if got[table] != expected[table]]
        differences += [f"kill {n} at {after:.2f}s: {p}" for p in _integrity(work / "killed") if "partial file" not in p]
    assert hits >= KILLS * 3 // 4, f"only {hits} of {KILLS} kills hit a running process"
    return differences


@pytest.mark.slow
def test_an_ingest_killed_at_random_points_and_rerun_ends_like_an_undisturbed_twin(inputs: tuple[Path, Path], tmp_path: Path) -> None:
    template, returns = inputs
    differences = _kill_campaign(template, tmp_path, lambda root: _cli("ingest", "-w", str(root), "--workers", "1", str(returns)))
    assert not differences, "\n".join(differences)


@pytest.mark.slow
def test_a_scan_cut_off_after_its_pages_were_stored_is_accounted_on_rerun_like_an_undisturbed_twin(
    inputs: tuple[Path, Path], twin: dict[str, list[tuple]], tmp_path: Path
) -> None:
    """The narrowest kill: the scan's pages and record are stored, the file's own row is not."""
    template, returns = inputs
    shutil.copytree(template, tmp_path / "ws")
    ws = open_workspace(tmp_path / "ws")
    ingest(ws, sorted(p for p in returns.iterdir() if p.suffix != ".png"), workers=1)
    scan = returns / "scan-page1.png"
    stored_as = ws.files.put_file(scan, suffix=".png") + ".png"
    ingest_scan_files(ws, [ScanFile(scan, stored_as)], batch_id="I-cut", log_file=tmp_path / "cut.log", workers=1)
    rerun = ingest(ws, [returns], workers=1)
    ws.close()
    assert [f.outcome for f in rerun.files if f.path == str(scan)] == ["read"]
    assert canonical_dump(tmp_path / "ws") == twin


def _decide_every_row(sheet_path: Path) -> None:
    """A reviewer's sheet: corrects every place, marks every interviewee unreadable, ticks the rest."""
    book = openpyxl.load_workbook(sheet_path)
    sheet = book[SHEET]
    col = {h: i + 1 for i, h in enumerate(HEADERS)}
    tick = sorted(CHECKED_MARKS)[0]
    for row in range(2, sheet.max_row + 1):
        field_id = sheet.cell(row, col["字段编号"]).value
        if field_id == "place":
            sheet.cell(row, col["核对值"]).value = "学校会议室"
        elif field_id == "interviewee":
            sheet.cell(row, col["核对值"]).value = UNREADABLE_WORD
        else:
            sheet.cell(row, col["已核对"]).value = tick
    book.save(sheet_path)


@pytest.mark.slow
def test_a_review_import_killed_at_random_points_and_rerun_ends_like_an_undisturbed_twin(tmp_path: Path) -> None:
    template, issued = issue_template(tmp_path / "issue")
    ws = open_workspace(template)
    store_many(ws, issued, fields=60)
    sheet = tmp_path / "复核表.xlsx"
    export_sheet(ws, sheet, operator=OPERATOR)
    ws.close()
    _decide_every_row(sheet)
    differences = _kill_campaign(
        template, tmp_path, lambda root: _cli("review", "import", str(sheet), "--operator", OPERATOR, "-w", str(root))
    )
    assert not differences, "\n".join(differences)


# --- a full disk, a read-only workspace ----------------------------------------------------


@contextmanager
def _tmpfs(path: Path, size: int) -> Iterator[Path]:
    """A tmpfs of ``size`` bytes mounted at ``path``; the test is skipped where mounting is not
    permitted (not root, or a container without CAP_SYS_ADMIN)."""
    path.mkdir(parents=True, exist_ok=True)
    mounted = _run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)]) if shutil.which("mount") else None
    if mounted is None or mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({mounted.stderr.strip() if mounted else 'no mount command'})")
    try:
        yield path
    finally:
        _run(["umount", "-l", str(path)])


def _remount(path: Path, options: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{options}", str(path)], check=True, capture_output=True)


def _leave_free(mount: Path, free: int) -> Path:
    """Fill the tmpfs at ``mount`` up to ``free`` bytes left; returns the filler file."""
    filler = mount / "filler"
    available = shutil.disk_usage(mount).free - free
    with filler.open("wb") as out:
        chunk = b"\0" * (1 << 20)
        while available > 0:
            available -= out.write(chunk[: min(len(chunk), available)])
    return filler


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(a closed workspace with the test class's forms issued, a folder of their returns); tests
    copy the workspace before using it."""
    root = tmp_path_factory.mktemp("inputs")
    ws = make_workspace(root / "template")
    returns = mixed_returns(ws, root / "in")
    ws.close()
    return root / "template", returns


@pytest.fixture(scope="module")
def twin(inputs: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[tuple]]:
    """The dump of an undisturbed ingest of ``inputs``."""
    template, returns = inputs
    root = tmp_path_factory.mktemp("twin") / "ws"
    shutil.copytree(template, root)
    assert _run(_cli("ingest", "-w", str(root), "--workers", "1", str(returns))).returncode == 0
    return canonical_dump(root)


@pytest.mark.slow
@pytest.mark.parametrize("free_after_inputs", [-SPACE_AFTER_INPUTS * 8, SPACE_AFTER_INPUTS], ids=["first-file", "mid-batch"])
def test_a_disk_filling_up_during_ingest_stops_with_a_clear_message_and_the_rerun_completes(
    inputs: tuple[Path, Path], twin: dict[str, list[tuple]], tmp_path: Path, free_after_inputs: int
) -> None:
    template, returns = inputs
    inputs = sum(p.stat().st_size for p in returns.rglob("*") if p.is_file())
    with _tmpfs(tmp_path / "disk", 64 << 20) as disk:
        shutil.copytree(template, disk / "ws")
        filler = _leave_free(disk, inputs + free_after_inputs)
        full = _run(_cli("ingest", "-w", str(disk / "ws"), "--workers", "1", str(returns)))
        assert full.returncode == 1
        assert DISK_FULL in full.stderr and str(disk / "ws") in full.stderr and "请清理磁盘后重新运行" in full.stderr
        assert "Traceback" not in full.stderr + full.stdout and "Errno" not in full.stderr
        assert _integrity(disk / "ws") == []
        filler.unlink()
        rerun = _run(_cli("ingest", "-w", str(disk / "ws"), "--workers", "1", str(returns)))
        assert rerun.returncode == 0, rerun.stderr
        assert canonical_dump(disk / "ws") == twin


@pytest.mark.slow
def test_a_read_only_workspace_is_refused_with_a_clear_message_and_nothing_changes(
    inputs: tuple[Path, Path], tmp_path: Path
) -> None:
    template, returns = inputs
    with _tmpfs(tmp_path / "disk", 16 << 20) as disk:
        shutil.copytree(template, disk / "ws")
        before = (_files(disk / "ws"), canonical_dump(disk / "ws"))
        _remount(disk, "ro")
        try:
            result = _run(_cli("ingest", "-w", str(disk / "ws"), "--workers", "1", str(returns)))
        finally:
            _remount(disk, "rw")
        assert result.returncode == 1
        assert NOT_WRITABLE in result.stderr and str(disk / "ws") in result.stderr, result.stderr
        assert "Traceback" not in result.stderr and "unable to open" not in result.stderr
        assert (_files(disk / "ws"), canonical_dump(disk / "ws")) == before


def test_an_output_on_a_full_disk_says_so_and_leaves_no_partial_file(tmp_path: Path) -> None:
    with _tmpfs(tmp_path / "disk", 1 << 20) as disk:
        _leave_free(disk, 16 * 1024)
        with pytest.raises(StorageError, match=DISK_FULL) as raised:
            atomic_write_bytes(disk / "out" / "统计表.pdf", b"%PDF" + b"\0" * (256 * 1024))
        assert str(disk / "out") in str(raised.value)
        assert sorted(p.name for p in disk.rglob("*")) == ["filler", "out"]


# --- the database's own words -----------------------------------------------------------------


def _with_pragma(ws: Workspace, pragma: Callable[[sqlite3.Connection], None]) -> Workspace:
    """``ws`` with ``pragma`` run on every new database connection (the pool is emptied first)."""
    ws.engine.dispose()
    event.listen(ws.engine, "connect", lambda conn, _record: pragma(conn))
    return ws


def _cap_size(conn: sqlite3.Connection) -> None:
    # SQLite answers a database at its max_page_count exactly as one on a full disk: SQLITE_FULL.
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")


def _query_only(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA query_only = ON")


def test_a_database_that_cannot_grow_stops_the_batch_with_storage_error_and_the_rerun_completes(
    inputs: tuple[Path, Path], twin: dict[str, list[tuple]], tmp_path: Path
) -> None:
    template, returns = inputs
    shutil.copytree(template, tmp_path / "ws")
    ws = _with_pragma(open_workspace(tmp_path / "ws"), _cap_size)
    stopped = ingest(ws, [returns], workers=1).stopped
    ws.close()
    # the database said it, not the file store: the message names the workspace folder itself
    assert stopped.startswith(f"{DISK_FULL}{ws.root} 所在的磁盘已满") and "已读入的文件不会丢失" in stopped
    assert _integrity(ws.root) == []
    ws = open_workspace(ws.root)
    ingest(ws, [returns], workers=1)
    ws.close()
    assert canonical_dump(ws.root) == twin


def test_a_read_only_database_stops_the_batch_naming_the_workspace_and_stores_nothing(
    inputs: tuple[Path, Path], tmp_path: Path
) -> None:
    template, returns = inputs
    shutil.copytree(template, tmp_path / "ws")
    ws = _with_pragma(open_workspace(tmp_path / "ws"), _query_only)
    before = canonical_dump(ws.root)
    stopped = ingest(ws, [returns / "word.docx"], workers=1).stopped
    ws.close()
    assert stopped.startswith(f"{NOT_WRITABLE}{ws.root} 是只读的")
    assert canonical_dump(ws.root) == before
