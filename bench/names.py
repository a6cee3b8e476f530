"""Names and places on a synthetic stack: straight-through and precision of ``auto`` per field.

Two rounds of record forms in the sample school's workspace, as a school lives them: a first
round (``--history-forms``, seed ``--history-seed``) is ingested and its place fields that went to
review are verified by a person (here: set to the truth), so the workspace has a history of
places; then a second round (``--forms``, seed ``--seed``) is ingested and scored. Per field
(teachers, 受访人, place) it prints fields, accuracy, straight-through (right and ``auto``) and
the precision of ``auto`` with its one-sided 95 % Wilson lower bound, and writes ROOT/names.json.

Run it from any checkout to compare code on the same stack (the stack depends on the seeds only):

    PYTHONPATH=. .venv/bin/python bench/names.py --root /tmp/names-after
    PYTHONPATH=/path/to/previous .venv/bin/python bench/names.py --root /tmp/names-before
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

FIELDS = ("teachers", "interviewee", "place")


def round_of(ws: Any, root: Path, seed: int, forms: int, profile: str, workers: int) -> tuple[dict[str, Any], list[Any]]:
    """Issue, fill, scan and ingest one round; its truth and the records built from it."""
    from pipeline.generate import generate
    from pipeline.identity import seeded_form_ids
    from pipeline.ingest import ingest
    from pipeline.store import records as record_store
    from pipeline.synth.returns import StackEvents, fill_returns

    out = root / f"seed-{seed}"
    generate(ws, forms=["record"], formats=["pdf"], out_dir=out / "forms", draw=seeded_form_ids(seed))
    fill_returns(
        out / "forms" / "manifest.json", out / "returns", seed=seed, forms=("record",), profile=profile,
        events=StackEvents(), policy=ws.policy, limit=forms,
    )
    ingest(ws, [out / "returns" / "scans"], workers=workers)
    truth = json.loads((out / "returns" / "truth.json").read_text(encoding="utf-8"))
    with ws.session() as s:
        records = [r for r in record_store.list_records(s) if r.form_id in truth["forms"]]
    return truth, records


def verify_places(ws: Any, truth: dict[str, Any], records: list[Any]) -> int:
    """A reviewer's pass over the round's places in review: each set to what was written."""
    from pipeline.review.corrections import review_field

    done = 0
    for record in records:
        value = record.fields.get("place")
        want = truth["forms"][record.form_id]["values"].get("place")
        if value is not None and value.status == "review" and want:
            review_field(ws, record.form_id, "place", want, version=record.version, operator="bench")
            done += 1
    return done


def score(truth: dict[str, Any], records: list[Any]) -> dict[str, dict[str, Any]]:
    from pipeline.model.form import load_form
    from pipeline.synth.evaluate import credit
    from pipeline.synth.kinds import wilson_lower

    form = load_form("record")
    table: dict[str, dict[str, Any]] = {}
    for fid in FIELDS:
        n = right = auto = auto_right = 0
        wrong: list[str] = []
        for record in records:
            want = truth["forms"][record.form_id]["values"].get(fid)
            got = record.fields.get(fid)
            if not want or got is None:
                continue
            ok = credit(form.field(fid), want, got.value) == 1.0
            n, right = n + 1, right + ok
            if got.status == "auto":
                auto, auto_right = auto + 1, auto_right + ok
                if not ok:
                    wrong.append(f"{want} → {got.value} ({got.confidence:.3f})")
        table[fid] = {
            "fields": n, "accuracy": right / n if n else 0.0, "straight_through": auto_right / n if n else 0.0,
            "auto": auto, "auto_right": auto_right, "precision": auto_right / auto if auto else 1.0,
            "precision_lower_95": wilson_lower(auto_right, auto), "wrong_auto": wrong,
        }
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, required=True, help="new, empty folder for the workspace and stacks")
    parser.add_argument("--history-seed", type=int, default=21)
    parser.add_argument("--history-forms", type=int, default=20)
    parser.add_argument("--seed", type=int, default=22)
    parser.add_argument("--forms", type=int, default=40)
    parser.add_argument("--profile", default="office")
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()

    from pipeline.resources import samples_dir
    from pipeline.roster.importer import import_roster
    from pipeline.store.workspace import init_workspace

    started = time.perf_counter()
    ws = init_workspace(args.root / "ws", policy_path=samples_dir() / "policy.yaml")
    import_roster(ws, [samples_dir() / "roster.xlsx"])
    history = round_of(ws, args.root, args.history_seed, args.history_forms, args.profile, args.workers)
    verified = verify_places(ws, *history)
    truth, records = round_of(ws, args.root, args.seed, args.forms, args.profile, args.workers)
    table = score(truth, records)
    ws.close()
    print(f"history: {len(history[1])} forms, {verified} places verified; scored: {len(records)} forms")
    print(f"{'field':<12}{'n':>4}{'accuracy':>10}{'straight':>10}{'auto':>6}{'precision':>11}{'lower95':>9}")
    for fid, row in table.items():
        print(
            f"{fid:<12}{row['fields']:>4}{row['accuracy']:>10.1%}{row['straight_through']:>10.1%}"
            f"{row['auto']:>6}{row['precision']:>11.1%}{row['precision_lower_95']:>9.1%}"
        )
        for w in row["wrong_auto"]:
            print(f"    wrong auto: {w}")
    print(f"{time.perf_counter() - started:.0f} s")
    result = {"args": {k: str(v) for k, v in vars(args).items()}, "verified_places": verified, "fields": table}
    (args.root / "names.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
