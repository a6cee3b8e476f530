"""Two ingests at once, with a reviewer deciding meanwhile, on one real SQLite file and on one
PostgreSQL database (row locks instead of SQLite's one write lock).

Each round starts two real ingest processes over the same folder of Word returns (two returns
of one form, one of another) and a reviewer process that accepts fields on whatever version
is current, all released together. The database must hold each version once, exactly as
after two ingests one after the other, and every decision the reviewer was told was saved
must be in the current version (carried forward when it was made on version 1). Two scan
ingests of one stack must likewise give the records of one, and a writer blocked by another
waits, then gives up with a clear message rather than half-writing.
"""

from __future__ import annotations

import multiprocessing
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, bindparam, text

from pipeline import defs
from pipeline.errors import StaleVersionError, StorageError
from pipeline.generate import generate
from pipeline.ingest import ingest
from pipeline.review.corrections import accept_field
from pipeline.store.corrections import corrections_for
from pipeline.store import repo
from pipeline.store.records import current_record
from pipeline.store.workspace import Workspace, open_workspace
from tests.ingest_support import CLASS, VALUES, filled_docx, make_workspace
from tests.pg_support import clone_database

ROUNDS = 4
# Fields the reviewer accepts; the second return leaves them as they were, so each decision
# must survive into version 2 whenever it was made.
DECIDED = ("visit_date", "visit_time", "mode", "topics")
CHANGED = "place"  # differs in the second return: a decision on it must never pass silently
START_TIMEOUT = 120.0  # s for the three processes to import and meet


@dataclass(frozen=True)
class Returns:
    template: Path  # closed workspace with the forms issued, nothing ingested
    folder: Path  # the returned Word files
    form_id: str  # the form returned twice


@pytest.fixture(scope="module")
def returns(tmp_path_factory: pytest.TempPathFactory, module_database: str) -> Returns:
    root = tmp_path_factory.mktemp("concurrent")
    ws = make_workspace(root / "template")
    report = generate(ws, forms=["record"], formats=["docx"], out_dir=root / "out", class_name=CLASS)
    ws.close()
    first, other = (root / "out" / e.file for e in report.entries)
    folder = root / "back"
    filled_docx(first, folder / "1-first.docx")
    filled_docx(first, folder / "2-second.docx", {**VALUES, CHANGED: "学校会议室"})
    filled_docx(other, folder / "3-other.docx")
    return Returns(root / "template", folder, report.entries[0].form_id)


def _ingest_process(root: Path, folder: Path, start: Barrier, results: multiprocessing.Queue) -> None:
    ws = open_workspace(root)
    start.wait(START_TIMEOUT)
    report = ingest(ws, [folder], workers=1)
    results.put(("ingest", [(i.path.name, i.outcome, i.message) for i in report.items]))


def _review_process(root: Path, form_id: str, start: Barrier, results: multiprocessing.Queue) -> None:
    """Accept each field on the version shown; a stale version is refreshed and tried again."""
    ws = open_workspace(root)
    start.wait(START_TIMEOUT)
    saved: list[tuple[str, int]] = []
    for field_id in (*DECIDED, CHANGED):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with ws.session() as session:
                record = current_record(session, form_id)
            if record is None:
                time.sleep(0.005)
                continue
            try:
                accept_field(ws, form_id, field_id, version=record.version, operator="并发复核员")
            except StaleVersionError:
                continue
            saved.append((field_id, record.version))
            break
    results.put(("review", saved))


def _run_round(root: Path, returns: Returns) -> tuple[list[list[tuple[str, str, str]]], list[tuple[str, int]]]:
    got = _together([(_ingest_process, (root, returns.folder))] * 2 + [(_review_process, (root, returns.form_id))])
    return [items for kind, items in got if kind == "ingest"], next(saved for kind, saved in got if kind == "review")


def _together(jobs: list[tuple[Callable[..., None], tuple[object, ...]]]) -> list[tuple[str, Any]]:
    """Run each job in its own process, released together once all are ready; their results."""
    spawn = multiprocessing.get_context("spawn")
    start, results = spawn.Barrier(len(jobs)), spawn.Queue()
    procs = [spawn.Process(target=target, args=(*args, start, results)) for target, args in jobs]
    for p in procs:
        p.start()
    got = [results.get(timeout=600) for _ in procs]
    for p in procs:
        p.join(timeout=30)
        assert p.exitcode == 0
    return got


def _copy(template: Path, root: Path) -> Path:
    shutil.copytree(template, root)
    clone_database(root)
    return root


def _database(root: Path, *, skip_fields: tuple[str, ...] = ()) -> dict[str, list[tuple]]:
    """What must not depend on timing: versions, their values, the files that made them."""
    ws = open_workspace(root)
    try:
        with ws.engine.connect() as db:
            return {
                "records": _rows(db, "SELECT form_id, version, current, reader, source_file FROM records ORDER BY form_id, version"),
                "fields": _rows(
                    db,
                    "SELECT r.form_id, r.version, f.field_id, CAST(f.value AS TEXT), f.raw, f.evidence FROM field_values f"
                    " JOIN records r ON r.id = f.record_id WHERE f.field_id NOT IN :skip ORDER BY 1, 2, 3",
                    skip=skip_fields,
                ),
                "files": _rows(db, "SELECT digest, name, outcome, form_id FROM returned_files ORDER BY digest"),
            }
    finally:
        ws.close()


def _rows(db: Connection, sql: str, **params: Any) -> list[tuple]:
    query = text(sql).bindparams(*(bindparam(k, expanding=True) for k in params))
    return [tuple(r) for r in db.execute(query, params)]


@pytest.mark.both_databases
def test_two_concurrent_ingests_and_a_reviewer_store_each_version_once_and_keep_every_decision(
    returns: Returns, tmp_path: Path
) -> None:
    twin = _copy(returns.template, tmp_path / "twin")
    for _ in range(2):
        ingest(open_workspace(twin), [returns.folder], workers=1)
    expected = _database(twin, skip_fields=(*DECIDED, CHANGED))

    for n in range(ROUNDS):
        root = _copy(returns.template, tmp_path / f"round{n}")
        runs, saved = _run_round(root, returns)

        outcomes: dict[str, list[str]] = {}
        for items in runs:
            for name, outcome, message in items:
                assert "程序错误" not in message, message
                outcomes.setdefault(name, []).append(outcome)
        assert {name: sorted(o) for name, o in outcomes.items()} == {
            "1-first.docx": ["duplicate", "new"],
            "2-second.docx": ["duplicate", "updated"],
            "3-other.docx": ["duplicate", "new"],
        }, f"round {n}: each file is stored by exactly one of the two ingests"
        assert _database(root, skip_fields=(*DECIDED, CHANGED)) == expected, f"round {n}: same as one ingest after the other"

        ws = open_workspace(root)
        with ws.session() as session:
            record = current_record(session, returns.form_id)
            kept = corrections_for(session, returns.form_id)
        assert record is not None and record.version == 2
        assert sorted((c.field_id, c.version) for c in kept) == sorted(saved), f"round {n}: every saved decision is kept once"
        for field_id in DECIDED:
            fv = record.fields[field_id]
            assert (fv.status, fv.source) == ("verified", "human"), f"round {n}: decision on {field_id} lost"
        place = record.fields[CHANGED]
        if (CHANGED, 2) in saved:
            assert (place.status, place.value) == ("verified", "学校会议室")
        else:
            assert place.status == "review" and "此前人工核对为“学生家中”，新读到“学校会议室”" in place.message
        ws.close()


@pytest.mark.slow
def test_two_concurrent_scan_ingests_of_one_stack_give_the_records_of_one(tmp_path: Path) -> None:
    from pipeline.synth.returns import StackEvents
    from tests.test_ingest_scan import _rows, _stack
    from tests.test_ingest_scan import _workspace as scan_workspace

    template = tmp_path / "template"
    scan_workspace(template, students=2).close()
    folder, _ = _stack(open_workspace(template), tmp_path, events=StackEvents.none())
    twin = tmp_path / "twin"
    shutil.copytree(template, twin)
    ingest(open_workspace(twin), [folder], workers=1)
    both = tmp_path / "both"
    shutil.copytree(template, both)
    runs = _together([(_ingest_process, (both, folder))] * 2)
    outcomes = sorted(outcome for _, items in runs for _, outcome, _ in items)
    assert outcomes.count("new") == 2 and "updated" not in outcomes, "one version per form"
    assert _rows(open_workspace(both)) == _rows(open_workspace(twin)), "the same database as one ingest"


def test_a_write_waits_out_another_writers_lock_and_gives_up_with_a_clear_message(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(defs, "DB_BUSY_TIMEOUT", 0.2)  # SQLite's wait for the lock, per try
    ws = open_workspace(workspace.root)
    other = sqlite3.connect(workspace.root / "jiafang.sqlite", isolation_level=None, check_same_thread=False)  # another writer
    other.execute("BEGIN IMMEDIATE")
    threading.Timer(1.0, other.commit).start()
    ws.write(lambda s: repo.add_batch(s, "I-waited", "ingest", {}, {}))
    with ws.session() as s:
        assert [b.batch_id for b in repo.list_batches(s)] == ["I-waited"], "written once the lock was free"

    other.execute("BEGIN IMMEDIATE")  # and now never released
    with pytest.raises(StorageError, match="一直被另一个导入或复核占用"):
        ws.write(lambda s: repo.add_batch(s, "I-gave-up", "ingest", {}, {}))
    other.rollback()
    other.close()
    with ws.session() as s:
        assert [b.batch_id for b in repo.list_batches(s)] == ["I-waited"], "nothing half-written"
    ws.close()
