"""Capacity of scan ingest for a district: what a page costs, and how many cores N pages need.

Measured on one seeded synthetic stack (``--forms`` record forms of the sample school, office
scans; bench/ingest.py builds it):

1. stages: core-seconds per page in one process for each step a page goes through: load
   (decode the scan and hash its pixels; done by the writer process), identify (QR), register
   (markers → template), read (recognise every field, crops, page images), and write (the
   single writer stores each page and builds the records: SQLite here, the workspace default).
   Write is timed by replaying the pages' outcomes through ``ingest_scan_files`` with an
   executor that reads nothing, so it is the writer's whole per-page cost, load included,
   less the load measured alone.
2. throughput: the same stack ingested by the local process pool and by a Dask LocalCluster,
   1 and 2 workers each (pages/min of wall time and core-seconds per page over every process,
   start-up included; the machine is shared, so the load average is printed beside).
3. overhead: ``--tasks`` pages that need no reading (a reader that returns at once) sent
   through the pool and through Dask: the cost per page of handing out work and bringing the
   outcome back (Dask: client, scheduler, worker and transfer), wall ms and writer-side CPU ms.
4. capacity: worker cores needed to ingest N pages in H hours at the measured read cost, and
   the pages the single writer can store in H hours (its wall time per page, write + load +
   Dask overhead), i.e. where more workers stop helping.

    .venv/bin/python bench/district.py                  # 4 forms ≈ 8 pages, ~2-4 min of 2 cores
    .venv/bin/python bench/district.py --forms 40 --tasks 2000   # steadier figures, ~20 min

Runs are kept short because the machine is shared; scale with ``--forms`` (a stage's figure
per page steadies at ~40 pages) and run throughput on an otherwise idle machine to read
pages/min directly. Writes bench/out/district.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import resource
import shutil
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ingest import make_stacks  # bench/ingest.py: the seeded synthetic stack

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
NIGHT_HOURS = 10  # 20:00-06:00: a scanning centre's PCs read while nobody uses them
DEMANDS = (  # (pages, hours, what it is)
    (10_000, NIGHT_HOURS, "one night: a large school's campaign"),
    (40_000, NIGHT_HOURS, "one night: a district's month"),
    (400_000, 7 * NIGHT_HOURS, "a week of nights: the issue's example"),
    (400_000, 7 * 24, "a whole week, round the clock"),
    (1_000_000, 7 * NIGHT_HOURS, "a week of nights: a large city district"),
)


def cpu_s() -> float:
    """Core-seconds of this process and its finished children."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


# --- 1. stages ---------------------------------------------------------------------------------


@dataclass
class Replay:
    """A page executor that reads nothing: each page's outcome was read before (write timing)."""

    outcomes: dict[str, Any]
    notices: tuple[str, ...] = ()

    def read_pages(self, pages: Iterable[tuple[Any, Any]], readers: Any) -> Iterator[tuple[Any, Any]]:
        for ref, _page in pages:
            yield ref, self.outcomes[ref.digest]


def measure_stages(template: Path, scans: list[Path], root: Path) -> dict[str, Any]:
    from pipeline.ingest.faults import error_log
    from pipeline.ingest.scan_page import form_for, place_page, read_page
    from pipeline.ingest.scan_run import ScanFile, ingest_scan_files, page_digest, scan_context
    from pipeline.scan.identify import identify_page
    from pipeline.scan.load import scan_pages

    ws = _copy(template, root / "stages")
    ctx = scan_context(ws)
    read_page(np.full((3508, 2480), 255, np.uint8), 300.0, ctx)  # loads the engine: not a page's cost
    spent = {"load": 0.0, "identify": 0.0, "register": 0.0, "read": 0.0}
    outcomes: dict[str, Any] = {}
    for path in scans:
        pages = scan_pages(path)
        while True:
            t0 = time.process_time()
            page = next(pages, None)
            if page is None:
                break
            digest = page_digest(page)
            t1 = time.process_time()
            found = identify_page(page.image, dpi=page.dpi)
            t2 = time.process_time()
            if found.payload is not None and found.payload.form_id in ctx.issued:
                form = form_for(ctx.issued[found.payload.form_id], ctx.layouts)
                place_page(page.image, page.reader_dpi, form.pages[found.payload.page - 1], form.page_size, found.rotation)
            t3 = time.process_time()
            outcomes[digest] = read_page(page.image, page.reader_dpi, ctx)
            t4 = time.process_time()
            spent["load"] += t1 - t0
            spent["identify"] += t2 - t1
            spent["register"] += t3 - t2
            spent["read"] += max(t4 - t3 - (t3 - t1), 0.0)  # read_page identifies and registers again
    count = len(outcomes)
    ws.close()
    writer = _copy(template, root / "writer")
    files = [ScanFile(p, f"{writer.files.put_file(p)}{p.suffix.lower()}") for p in scans]
    with error_log(writer.root) as log_file:
        wall, cpu = time.perf_counter(), time.process_time()
        ingest_scan_files(writer, files, batch_id="I-bench", log_file=log_file, executor=Replay(outcomes))
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    writer.close()
    per_page = {stage: s / count for stage, s in spent.items()}
    per_page["write"] = max(cpu / count - per_page["load"], 0.0)
    return {"pages": count, "core_s_per_page": per_page, "writer_wall_s_per_page": wall / count, "writer_core_s_per_page": cpu / count}


# --- 2. throughput ----------------------------------------------------------------------------


def local_cluster(workers: int) -> Any:
    """A LocalCluster whose workers run as README asks (pipeline.ingest.cluster.WORKER_CONFIG)."""
    import dask
    from distributed import LocalCluster

    from pipeline.ingest.cluster import WORKER_CONFIG

    with dask.config.set(WORKER_CONFIG):
        return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)


def measure_throughput(template: Path, folders: list[Path], root: Path, pages: int) -> list[dict[str, Any]]:
    from pipeline.ingest import ingest

    runs = []
    for engine, workers in (("pool", 1), ("pool", 2), ("dask", 1), ("dask", 2)):
        ws = _copy(template, root / f"{engine}-{workers}")
        load, cpu, wall = os.getloadavg()[0], cpu_s(), time.perf_counter()
        if engine == "pool":
            report = ingest(ws, folders, workers=workers)
        else:
            with local_cluster(workers) as cluster:
                report = ingest(ws, folders, cluster=cluster.scheduler_address)
        wall, cpu = time.perf_counter() - wall, cpu_s() - cpu
        ws.close()
        runs.append({
            "engine": engine, "workers": workers, "pages": pages, "read": report.count("read"), "wall_s": wall, "pages_per_min": pages / wall * 60,
            "core_s_per_page": cpu / pages, "load_average": load,
        })
        print(f"  {engine} × {workers}: {pages / wall * 60:.1f} pages/min, {cpu / pages:.2f} core-s/page (load {load:.1f})", flush=True)
    return runs


# --- 3. overhead ------------------------------------------------------------------------------


def no_reading(image: np.ndarray, dpi: float | None, ctx: Any) -> Any:
    """A page reader that returns at once: what is left is the cost of handing pages out."""
    from pipeline.ingest.scan_page import PageOutcome

    return PageOutcome("blank")


def measure_overhead(tasks: int) -> dict[str, Any]:
    from pipeline.ingest.cluster import open_cluster
    from pipeline.ingest.executors import ProcessPool, Readers
    from pipeline.ingest.scan_page import ScanContext
    from pipeline.ingest.scan_run import PageRef, ScanFile
    from pipeline.scan.load import ScanPage
    from pipeline.store.filestore import FileStore

    today = dt.date.today()
    ctx = ScanContext("0", {}, {}, {}, (), (today, today))
    readers = Readers(ctx, no_reading, Path(os.devnull))
    source = ScanFile(Path("stack.pdf"), "stack.pdf")
    pages = [(PageRef(source, i, str(i)), ScanPage(source.path, i, np.zeros((8, 8), np.uint8), 300.0)) for i in range(tasks)]
    result = {}
    with tempfile.TemporaryDirectory() as tmp, local_cluster(2) as cluster:
        dask = open_cluster(cluster.scheduler_address, FileStore(Path(tmp)), Path(os.devnull), shared_store=False)
        try:
            for name, executor in (("pool", ProcessPool(2)), ("dask", dask)):
                list(executor.read_pages(pages[:8], readers))  # workers started and warm
                wall, cpu = time.perf_counter(), time.process_time()
                assert sum(1 for _ in executor.read_pages(pages, readers)) == tasks
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                result[name] = {"wall_ms_per_page": wall / tasks * 1000, "writer_cpu_ms_per_page": cpu / tasks * 1000}
        finally:
            dask.close()
    return {"tasks": tasks, **result}


# --- 4. capacity ------------------------------------------------------------------------------


@dataclass
class Capacity:
    read_core_s: float  # identify + register + read, on a worker
    writer_s: float  # wall seconds of the writer per page (load + write + Dask overhead)
    rows: list[dict[str, Any]] = field(default_factory=list)


def capacity(stages: dict[str, Any], overhead: dict[str, Any]) -> Capacity:
    per = stages["core_s_per_page"]
    read = per["identify"] + per["register"] + per["read"]
    writer = max(stages["writer_wall_s_per_page"], stages["writer_core_s_per_page"]) + overhead["dask"]["writer_cpu_ms_per_page"] / 1000
    cap = Capacity(read, writer)
    for pages, hours, what in DEMANDS:
        seconds = hours * 3600
        cap.rows.append({
            "pages": pages, "hours": hours, "what": what, "worker_cores": math.ceil(pages * read / seconds),
            "writer_pages_max": int(seconds / writer), "writer_bound": pages * writer > seconds,
        })
    return cap


def print_report(result: dict[str, Any]) -> None:
    stages, cap = result["stages"], result["capacity"]
    print(f"\nStages, core-seconds per page ({stages['pages']} pages, one process):")
    for stage, s in stages["core_s_per_page"].items():
        print(f"  {stage:<9} {s:6.3f}")
    print(f"  writer: {stages['writer_wall_s_per_page'] * 1000:.0f} ms wall per page → {1 / stages['writer_wall_s_per_page']:.1f} pages/s (SQLite)")
    print("\nThroughput (same stack; wall time on a shared machine):")
    print("| engine | workers | pages/min | core-s/page (all processes, start-up included) | load avg |")
    print("|---|---|---|---|---|")
    for r in result["throughput"]:
        print(f"| {r['engine']} | {r['workers']} | {r['pages_per_min']:.1f} | {r['core_s_per_page']:.2f} | {r['load_average']:.1f} |")
    o = result["overhead"]
    print(f"\nOverhead per page ({o['tasks']} pages that need no reading, 2 workers):")
    for name in ("pool", "dask"):
        print(f"  {name}: {o[name]['wall_ms_per_page']:.1f} ms wall, {o[name]['writer_cpu_ms_per_page']:.1f} ms CPU in the writer process")
    print("  (the pool starts its processes for every batch, and that is counted; the Dask workers were running)")
    print(f"\nCapacity: {cap['read_core_s']:.2f} worker core-s per page; the writer {cap['writer_s'] * 1000:.0f} ms per page,"
          f" so beyond {cap['read_core_s'] / cap['writer_s']:.1f} busy worker cores the one writer is the limit")
    print("| pages | hours | | worker cores | writer can store | limit |")
    print("|---|---|---|---|---|---|")
    for r in cap["rows"]:
        limit = "writer (split the batch or use PostgreSQL)" if r["writer_bound"] else "worker cores"
        print(f"| {r['pages']:,} | {r['hours']} | {r['what']} | {r['worker_cores']} | {r['writer_pages_max']:,} | {limit} |")


def _copy(template: Path, to: Path) -> Any:
    from pipeline.store.workspace import open_workspace

    shutil.copytree(template, to)
    return open_workspace(to)


def main() -> None:
    from pipeline.scan.load import page_count

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--forms", type=int, default=4, help="record forms in the stack (2 pages each)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--tasks", type=int, default=200, help="pages without reading, for the overhead")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="jiafang-district-") as tmp:
        root = Path(tmp)
        print(f"[{time.strftime('%H:%M:%S')}] stack …", flush=True)
        stacks = make_stacks(root, forms=args.forms, seeds=[args.seed], profile="office", hand_fonts=[])["stacks"]
        folders = [Path(s["returns"]) / "scans" for s in stacks]
        scans = sorted(p for f in folders for p in f.rglob("*") if p.is_file())
        pages = sum(page_count(p) for p in scans)
        print(f"[{time.strftime('%H:%M:%S')}] throughput ({pages} pages) …", flush=True)
        throughput = measure_throughput(root / "ws", folders, root, pages)  # first: each run loads its own engine
        print(f"[{time.strftime('%H:%M:%S')}] stages …", flush=True)
        stages = measure_stages(root / "ws", scans, root)
        print(f"[{time.strftime('%H:%M:%S')}] overhead …", flush=True)
        overhead = measure_overhead(args.tasks)
    cap = capacity(stages, overhead)
    result = {
        "forms": args.forms, "cores": os.cpu_count(), "stages": stages, "throughput": throughput, "overhead": overhead,
        "capacity": {"read_core_s": cap.read_core_s, "writer_s": cap.writer_s, "rows": cap.rows},
    }
    print_report(result)
    OUT.mkdir(exist_ok=True)
    (OUT / "district.json").write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"\n→ {OUT / 'district.json'}")


if __name__ == "__main__":
    main()
