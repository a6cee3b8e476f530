"""Database writes per second: how fast the one process that writes an ingest's results can
store records, on SQLite and on PostgreSQL (the capacity model's single-writer limit).

One "record stored" is what the ingest's writer does per form: in one transaction, lock the
form, read its current version's fields, and insert the new version with one row per field
(the 家访记录表's fields, values as a scan would give them). Both databases are durable as a
school or district runs them: SQLite in WAL mode with its default synchronous=FULL on this
machine's disk; PostgreSQL a fresh local cluster with fsync on (tests/pg_support.py, started
here and removed afterwards), or the server named by ``--pg-url``. A second pass stores a new
version of every form, so each write also carries the previous version forward.

    python bench/db_writes.py [--records 400] [--pg-url postgresql://…]

Scale it with ``--records``: the rate is per transaction, so a few hundred records give a
stable figure; a district measures its own server with ``--pg-url`` (over its LAN the round
trips, not the server, set the rate).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
sys.path.insert(0, str(HERE.parent))  # tests.pg_support, when run from a checkout


def _workspace(root: Path, records: int, db_url: str | None):  # type: ignore[no-untyped-def]
    """A workspace with one student and ``records`` issued record forms."""
    from pipeline.identity import new_form_id
    from pipeline.model import load_form
    from pipeline.model.issuance import IssuedForm
    from pipeline.model.people import Student
    from pipeline.store import repo
    from pipeline.store.workspace import init_workspace

    ws = init_workspace(root, db_url=db_url)
    form = load_form("record")
    stamp = dt.datetime.now(dt.timezone.utc)
    issued = [
        IssuedForm(new_form_id("record"), "record", form.version, form.layout_hash, "B000000001", "模拟01班", 2, "B1", (), stamp)
        for _ in range(records)
    ]
    with ws.session() as s:
        repo.upsert_students(s, [Student("B000000001", "测试学生", "模拟01班", grade="七年级")])
        repo.save_layout(s, form)
        repo.add_issued_forms(s, issued)
    return ws, issued


def _record(issued, version: int):  # type: ignore[no-untyped-def]
    from pipeline.model import load_form
    from pipeline.model.record import FieldValue, Record

    form = load_form("record")
    fields = {
        f.id: FieldValue(f"{f.id}-{version}", f"{f.id}-{version}", 0.97, "ocr", "auto", crop=f"{version:064x}.png")
        for f in form.fields
        if f.fillable
    }
    return Record(issued.form_id, "record", issued.student_no, issued.class_name, issued.layout_hash, fields, "0" * 64 + ".png", reader="scan")


def measure(db_url: str | None, records: int) -> dict[str, float]:
    """Records stored per second (first versions, then second versions) on one database, and
    the writing process's own CPU per record (what a busy machine cannot take from it)."""
    from pipeline.store.records import add_record

    with tempfile.TemporaryDirectory(prefix="db-writes-") as tmp:
        ws, issued = _workspace(Path(tmp) / "ws", records, db_url)
        rates = {}
        try:
            for version in (1, 2):
                batch = [_record(i, version) for i in issued]
                start, cpu = time.perf_counter(), time.process_time()
                for record in batch:
                    ws.write(lambda s, r=record: add_record(s, r))
                rates[f"version {version}"] = records / (time.perf_counter() - start)
                rates[f"writer cpu ms, version {version}"] = 1000 * (time.process_time() - cpu) / records
            rates["fields per record"] = float(len(batch[0].fields))
        finally:
            ws.close()
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=400)
    parser.add_argument("--pg-url", default=None, help="an existing PostgreSQL database (default: a local throw-away cluster)")
    args = parser.parse_args()

    results = {"sqlite": measure(None, args.records)}
    cluster = None
    url = args.pg_url
    if url is None:
        from tests.pg_support import start_cluster

        cluster = start_cluster(durable=True)
        url = cluster.new_database("bench")
    try:
        results["postgresql"] = measure(url, args.records)
    finally:
        if cluster is not None:
            cluster.stop()

    print(f"records stored per second, one writer, {args.records} records, {results['sqlite']['fields per record']:.0f} fields each")
    print(f"{'database':<12}{'new form':>12}{'new version':>14}{'writer CPU ms/record':>24}")
    for name, rates in results.items():
        cpu = (rates["writer cpu ms, version 1"] + rates["writer cpu ms, version 2"]) / 2
        print(f"{name:<12}{rates['version 1']:>12.0f}{rates['version 2']:>14.0f}{cpu:>24.1f}")
    OUT.mkdir(exist_ok=True)
    (OUT / "db_writes.json").write_text(json.dumps({"records": args.records, **results}, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
