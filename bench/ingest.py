"""Scan-ingest benchmark on a seeded synthetic stack (default: 100 forms ≈ 200+ pages).

Reports pages/min with all cores, peak memory, page identification, per-kind accuracy,
straight-through rate and precision of `auto` values against the ground truth, and — in the
same run — the time of whole-page OCR (detection + recognition on every full page) as a
baseline for speed.

    python bench/ingest.py [--forms 100] [--seed 11] [--profile office] [--workers N]
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--forms", type=int, default=100)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--profile", default="office")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--baseline-pages", type=int, default=10)
    args = parser.parse_args()
    from pipeline.generate import generate
    from pipeline.ingest import ingest
    from pipeline.resources import samples_dir
    from pipeline.roster.importer import import_roster
    from pipeline.store import records as record_store
    from pipeline.store import repo
    from pipeline.store.workspace import init_workspace
    from pipeline.synth.evaluate import evaluate
    from pipeline.synth.returns import StackEvents, fill_returns

    with tempfile.TemporaryDirectory(prefix="jiafang-ingest-") as tmp:
        root = Path(tmp)
        ws = init_workspace(root / "ws", policy_path=samples_dir() / "policy.yaml")
        import_roster(ws, [samples_dir() / "roster.xlsx"])
        with ws.session() as s:
            base = repo.list_students(s, class_name="七年级（1）班")
            repo.upsert_students(s, [replace(base[i % len(base)], student_no=f"S{i:09d}", class_name="扫描班") for i in range(args.forms)])
        generate(ws, forms=["record"], formats=["pdf"], out_dir=root / "forms", class_name="扫描班")
        filled = fill_returns(root / "forms" / "manifest.json", root / "ret", seed=args.seed, forms=("record",), profile=args.profile, events=StackEvents(), policy=ws.policy)
        truth = json.loads(filled.truth_path.read_text(encoding="utf-8"))
        started = time.perf_counter()
        report = ingest(ws, [root / "ret" / "scans"], workers=args.workers)
        seconds = time.perf_counter() - started
        with ws.session() as s:
            records = record_store.list_records(s)
        result = evaluate(records, truth)
        baseline = _whole_page_ocr(root / "ret" / "scans", args.baseline_pages)
    pages = filled.pages
    print(f"stack: {pages} page images, {result.forms_expected} forms; ingest {seconds:.0f} s = {pages / seconds * 60:.0f} pages/min")
    print(f"peak RSS of the main process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    print(f"outcomes: { {o: report.count(o) for o in ('read', 'blank', 'duplicate', 'quarantined', 'new')} }")
    print(f"whole-page OCR baseline: {baseline:.2f} s/page = {60 / baseline:.0f} pages/min on one process; "
          f"jiafang per page (all workers): {seconds / pages:.2f} s")
    print(f"{'kind':<18}{'fields':>7}{'accuracy':>10}{'auto':>8}{'auto precision':>16}")
    for group, n, acc, straight, precision in result.rows():
        print(f"{group:<18}{n:>7}{acc:>10.1%}{straight:>8.1%}{precision:>16.1%}")
    (HERE / "out").mkdir(exist_ok=True)
    (HERE / "out" / "ingest.json").write_text(
        json.dumps({"pages": pages, "seconds": seconds, "baseline_s_per_page": baseline, "rows": result.rows()}, ensure_ascii=False, indent=2),
        encoding="utf-8",
    )


def _whole_page_ocr(scans: Path, limit: int) -> float:
    """Seconds per page for detection + recognition over whole scanned pages."""
    from pipeline.recognize.engine import default_engine
    from pipeline.scan.load import scan_pages

    engine = default_engine()
    pages = [p for f in sorted(scans.rglob("*.pdf")) for p in scan_pages(f) if p.image is not None][:limit]
    started = time.perf_counter()
    for page in pages:
        engine.detect_and_recognize(page.image)
    return (time.perf_counter() - started) / max(len(pages), 1)


if __name__ == "__main__":
    main()
