"""Phone photos against flat scans, side by side: the same filled forms, scanned and photographed.

One workspace (the sample school) issues a round of record forms; the first ``--forms`` of them
are filled by hand once (one seed: the same values on both sides), then scanned by the office
copier model and photographed by the phone model (pipeline/synth/photo.py). Each stack is
ingested into its own copy of the workspace with ``--workers`` processes and scored against
its truth.json. The table gives per kind: fields, accuracy, straight-through, the precision of
``auto`` values with its one-sided 95 % Wilson lower bound, and the page images identified,
for scans and photos side by side, with what ingest made of every photo file.

    .venv/bin/python bench/photos.py                  # 16 forms (≈ 32 photos), seed 17
    .venv/bin/python bench/photos.py --forms 40 --seed 18 --workers 2
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
sys.path.insert(0, str(HERE))

from ingest import ROWS, _identified, _truth, _wrong_auto  # noqa: E402  (bench/ is not a package)

Z_95_ONE_SIDED = 1.645
KINDS = ("scan", "photo")


def wilson_lower(correct: int, n: int, z: float = Z_95_ONE_SIDED) -> float:
    """One-sided lower confidence bound of a proportion (Wilson score interval); 0 when n is 0."""
    if n == 0:
        return 0.0
    p = correct / n
    centre = p + z * z / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - spread) / (1 + z * z / n)


def make_stacks(root: Path, *, forms: int, seed: int) -> dict[str, Any]:
    """The workspace, and the same filled forms scanned (office copier) and photographed."""
    from pipeline.generate import generate
    from pipeline.resources import samples_dir
    from pipeline.roster.importer import import_roster
    from pipeline.store.workspace import init_workspace
    from pipeline.synth.returns import StackEvents, fill_returns

    ws = init_workspace(root / "ws", policy_path=samples_dir() / "policy.yaml")
    import_roster(ws, [samples_dir() / "roster.xlsx"])
    generate(ws, forms=["record"], formats=["pdf"], out_dir=root / "forms")
    policy = ws.policy
    ws.close()
    stacks = {}
    for kind in KINDS:
        shutil.copytree(root / "ws", root / f"ws-{kind}")
        filled = fill_returns(
            root / "forms" / "manifest.json", root / kind, seed=seed, forms=("record",), profile="office",
            events=StackEvents.none(), policy=policy, limit=forms, photos=kind == "photo",
        )
        stacks[kind] = {"returns": str(root / kind), "forms": filled.forms, "images": filled.pages, "seconds": filled.seconds}
    return stacks


def measure(root: Path, kind: str, stack: dict[str, Any], workers: int) -> dict[str, Any]:
    """Ingest one stack into its own workspace; time it and score it per kind of field."""
    from pipeline.ingest import ingest
    from pipeline.model.scan import PAGE_STATUSES
    from pipeline.store import records as record_store
    from pipeline.store import scans
    from pipeline.store.workspace import open_workspace
    from pipeline.synth.evaluate import evaluate

    ws = open_workspace(root / f"ws-{kind}")
    returns = Path(stack["returns"])
    started = time.perf_counter()
    report = ingest(ws, [returns / ("photos" if kind == "photo" else "scans")], workers=workers)
    seconds = time.perf_counter() - started
    with ws.session() as s:
        records = record_store.list_records(s)
        pages = [p for status in PAGE_STATUSES for p in scans.pages_with_status(s, status)]
    truth = _truth(returns)
    result = evaluate(records, truth, identified=_identified(pages, truth, returns))
    ws.close()
    groups = {g: result.groups[g] for _, g in ROWS if g in result.groups}
    if result.checkbox_options.fields:
        groups["checkbox options"] = result.checkbox_options
    return {
        "seconds": seconds,
        "groups": {g: {"fields": s.fields, "correct": s.correct, "auto": s.auto, "auto_correct": s.auto_correct} for g, s in groups.items()},
        "forms_read": result.forms_read, "forms_expected": result.forms_expected,
        "pages": vars(result.pages) if result.pages else {},
        "files": dict(Counter(f.outcome for f in report.files)),
        "reasons": dict(Counter(_reason_kind(f.reason) for f in report.files if f.outcome != "read").most_common(6)),
        "wrong_auto": _wrong_auto(records, truth),
    }


def _reason_kind(reason: str) -> str:
    """A file's reason without its path and numbers, so like reasons count together."""
    text = reason.split("页：", 1)[-1] if "页：" in reason else reason.split("：", 1)[-1]
    return "".join("#" if c.isdigit() else c for c in text)[:60]


def _cell(g: dict[str, Any] | None) -> str:
    if not g or not g["fields"]:
        return f"{'—':>7}{'—':>10}{'—':>10}{'—':>22} "
    precision = g["auto_correct"] / g["auto"] if g["auto"] else 1.0
    bound = wilson_lower(g["auto_correct"], g["auto"])
    return (f"{g['fields']:>7}{(g['correct'] / g['fields']):>10.1%}{(g['auto'] / g['fields']):>10.1%}"
            f"{f'{precision:.1%} (≥{bound:.1%})':>22} ")


def print_table(args: argparse.Namespace, stacks: dict[str, Any], runs: dict[str, dict[str, Any]]) -> None:
    print(f"\n{args.forms} record forms, seed {args.seed}, filled once; scanned (office copier) and photographed "
          f"(hand-held phone, 12 MP); ingest with {args.workers} workers on {os.cpu_count()} cores")
    head = f"{'fields':>7}{'accuracy':>10}{'straight':>10}{'auto prec. (95% LB)':>22} "
    print(f"\n{'kind':<22}│ {'scanned flat':^50}│ {'photographed':^50}")
    print(f"{'':<22}│ {head}│ {head}")
    for label, group in ROWS:
        print(f"{label:<22}│ {_cell(runs['scan']['groups'].get(group))}│ {_cell(runs['photo']['groups'].get(group))}")
    for what, key in (("forms read", None), ("form pages identified", "identified")):
        cells = []
        for kind in KINDS:
            r = runs[kind]
            cells.append(f"{r['forms_read']}/{r['forms_expected']}" if key is None else f"{r['pages'].get('identified', 0)}/{r['pages'].get('form_pages', 0)}")
        print(f"{what:<22}│ {cells[0]:>49} │ {cells[1]:>49} ")
    for kind in KINDS:
        r = runs[kind]
        print(f"\n{kind}: {stacks[kind]['images']} images in {r['seconds']:.0f} s; files {r['files']}")
        for reason, n in r["reasons"].items():
            print(f"  {n} × {reason}")
        for w in r["wrong_auto"]:
            print(f"  wrong but auto: {w['form_id']} {w['field']}: read {w['read']!r}, truth {w['expected']!r} ({w['confidence']:.3f})")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--forms", type=int, default=16, help="record forms filled (each two pages)")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    return parser.parse_args()


def main() -> None:
    args = _arguments()
    with tempfile.TemporaryDirectory(prefix="jiafang-photos-") as tmp:
        root = Path(tmp)
        print(f"[{time.strftime('%H:%M:%S')}] filling, scanning and photographing {args.forms} forms …", flush=True)
        stacks = make_stacks(root, forms=args.forms, seed=args.seed)
        runs = {}
        for kind in KINDS:
            print(f"[{time.strftime('%H:%M:%S')}] ingest {kind} …", flush=True)
            runs[kind] = measure(root, kind, stacks[kind], args.workers)
    print_table(args, stacks, runs)
    OUT.mkdir(exist_ok=True)
    out = OUT / "photos.json"
    out.write_text(json.dumps({"options": vars(args), "stacks": stacks, "runs": runs}, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"\n→ {out}")


if __name__ == "__main__":
    main()
