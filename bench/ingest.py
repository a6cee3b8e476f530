"""Scan-ingest benchmark on seeded synthetic stacks (default: 100 record forms ≈ 230 page images).

Three stages, each in its own process, so each one's peak memory is its own:

1. stack: the sample school's workspace, one round of record forms per seed, ``--forms`` of them filled by hand
   (optionally in ``--hand-font`` fonts the thresholds were not tuned on), stacked and scanned;
   the forms' ids are drawn from the seed too (``identity.seeded_form_ids``), so a seed gives
   the same pages, QR codes included, in every run and every version compared;
2. ingest: ``ingest`` over all stacks with ``--workers`` processes (default: all cores), timed;
   the records are scored against truth.json (``pipeline.synth.evaluate``);
3. baseline: whole-page OCR (detection + recognition on the full page, one process, one ONNX
   thread) on ``--baseline-pages`` of the same scanned pages, values matched by their printed
   labels (bench/baseline.py) and scored with the same credit.

It prints one table (per kind: fields, accuracy, straight-through, precision of ``auto``
values, the baseline's accuracy; page identification; pages/min; peak RSS; the speed ratio to
the baseline per core) with PASS/FAIL for each target of the issue, then a table per kind of
field (checkbox, digits/comb, date, name/short text, place, narrative: accuracy, straight-through,
``auto`` precision with its one-sided 95 % Wilson lower bound, fields to review per form) for
today's decisions beside the previous release's thresholds applied to the same readings
(``pipeline.synth.kinds``), and writes it all to bench/out/ingest.json.

``--preset hard`` is the stack a school office really sends: 40 writers, three in four writing
stroke by stroke (not a font), three in ten in pencil, duplex show-through, folds, and 1-bit
copies at 200 dpi beside grey ones (scanner profile ``hard``).

``--photos`` photographs the same filled sheets (the same seed: the same values, writers and
events) with the phone model (``pipeline.synth.photo``: hand-held, 12 MP JPEG and HEIC, chat
screenshots among them) beside scanning them; each stack is ingested into its own copy of the
workspace, and the per-kind table is printed with scan and photo columns side by side, with the
page images identified, photo files refused and duplicates, and pages/min of each. Every run
then lists, per kind, why values read right were sent to review (each review reason, counted).

``--history N`` first ingests an earlier round of N forms and verifies its places in review,
as a school's office has after its first batch (bench/names.py): places are then read against
the workspace's own verified places, the lexicon a school builds, as well as alone.

``--accumulate FILE`` pools runs: each run's per-kind counts (scan and photo) are kept in FILE
under its seeds, and the table of every pooled run of the same reader (pipeline/ without the web
pages, CLI and debug views no run loads: ``NOT_THE_READER``) is printed —
auto count, wrong auto, precision and its one-sided 95 % Wilson lower bound per kind — so the
≈ 540 error-free values a kind needs before its bound reaches 99.5 % are gathered run by run.

    .venv/bin/python bench/ingest.py                       # 100 forms, seed 11, office scans
    .venv/bin/python bench/ingest.py --seeds 11,12 --profile harsh --workers 2
    .venv/bin/python bench/ingest.py --forms 20 --hand-font /usr/share/fonts/truetype/seto/setofont.ttf
    .venv/bin/python bench/ingest.py --preset hard --forms 40 --baseline-pages 0
    .venv/bin/python bench/ingest.py --photos --forms 16 --baseline-pages 0 --workers 2   # ≈ 32 photos
    .venv/bin/python bench/ingest.py --photos --forms 20 --seeds 12 --baseline-pages 0 --accumulate bench/out/pool.json
    .venv/bin/python bench/ingest.py --photos --forms 20 --seeds 12 --history 20 --baseline-pages 0 --workers 2
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
TARGETS = {  # the "Done means"
    "stack_pages": 200,
    "pages_per_min": 60.0,  # aim: 120
    "checkbox_accuracy": 0.999,
    "auto_precision": 0.995,
    "speed_vs_baseline": 2.0,
}
PRESETS = {  # name -> the options it sets (stroke/pencil shares of a 40-writer pool, scanner profile)
    "hard": {"profile": "hard", "stroke_share": 0.75, "pencil_share": 0.3},
}
ROWS = (  # (label in the table, group of pipeline.synth.evaluate)
    ("checkbox fields", "checkbox"),
    ("checkbox options", "checkbox options"),
    ("digits", "digits"),
    ("short text", "short text"),
    ("free text (chars)", "free text"),
    ("signature", "signature"),
)
HISTORY_SEED = 10_000  # the earlier round of --history is seeded apart from every measured seed
SIDES = {"scan": ("ws", "scans"), "photo": ("ws-photo", "photos")}  # kind of stack -> (workspace dir, folder of its returns)


# --- stage 1: the stacks ----------------------------------------------------------------------


def make_stacks(
    root: Path, *, forms: int, seeds: list[int], profile: str, hand_fonts: list[Path], hands: Any = None, photos: bool = False,
    history: int = 0, workers: int = 1,
) -> dict[str, Any]:
    """The sample school's workspace, and per seed one round of record forms for its students
    (a round of visits), the first ``forms`` of them filled (by ``hands``, a HandMix, when
    given) and scanned; with ``photos`` the same sheets also photographed, and the workspace
    copied for them (each stack is ingested into its own). With ``history``, an earlier round
    of that many forms is ingested first and its places in review verified (bench/names.py):
    the workspace a school has after its first reviewed batch, whose places are a lexicon."""
    from pipeline.generate import generate
    from pipeline.identity import seeded_form_ids
    from pipeline.resources import samples_dir
    from pipeline.roster.importer import import_roster
    from pipeline.store.workspace import init_workspace
    from pipeline.synth.returns import StackEvents, fill_returns

    ws = init_workspace(root / "ws", policy_path=samples_dir() / "policy.yaml")
    import_roster(ws, [samples_dir() / "roster.xlsx"])
    if history:
        from names import round_of, verify_places

        verify_places(ws, *round_of(ws, root / "history", HISTORY_SEED + seeds[0], history, profile, workers))
    stacks: dict[str, list[dict[str, Any]]] = {side: [] for side in SIDES if photos or side == "scan"}
    for seed in seeds:
        out = root / f"seed-{seed}"
        generate(ws, forms=["record"], formats=["pdf"], out_dir=out / "forms", draw=seeded_form_ids(seed))
        for side, into in stacks.items():
            returns = out / f"returns-{side}"
            filled = fill_returns(
                out / "forms" / "manifest.json", returns, seed=seed, forms=("record",), profile=profile,
                events=StackEvents(), policy=ws.policy, hand_fonts=hand_fonts or None, limit=forms, hands=hands, photos=side == "photo",
            )
            into.append({"seed": seed, "returns": str(returns), "forms": filled.forms, "pages": filled.pages, "seconds": filled.seconds})
    ws.close()
    if photos:
        shutil.copytree(root / SIDES["scan"][0], root / SIDES["photo"][0])
    return {"stacks": stacks["scan"], "photo_stacks": stacks.get("photo", []), "peak_rss_mb": _rss_mb(resource.RUSAGE_SELF)}


# --- stage 2: ingest --------------------------------------------------------------------------


def measure_ingest(root: Path, stacks: list[dict[str, Any]], workers: int, side: str = "scan") -> dict[str, Any]:
    """Ingest every stack of one ``side`` (scan or photo) in one batch into that side's
    workspace; time, peak RSS (this process, largest worker), what became of every file, scores."""
    from pipeline.ingest import ingest
    from pipeline.store.workspace import open_workspace

    workspace, folder = SIDES[side]
    ws = open_workspace(root / workspace)
    started, cpu_before = time.perf_counter(), _cpu_s(resource.RUSAGE_SELF)
    report = ingest(ws, [Path(s["returns"]) / folder for s in stacks], workers=workers)
    seconds = time.perf_counter() - started
    # Linux keeps a process's max RSS across fork and exec, so a worker's figure is at least
    # what this process held when the pool started it (reported as is, never subtracted).
    rss = {"main_mb": _rss_mb(resource.RUSAGE_SELF), "largest_worker_mb": _rss_mb(resource.RUSAGE_CHILDREN)}
    cpu = {"main_s": _cpu_s(resource.RUSAGE_SELF) - cpu_before, "workers_s": _cpu_s(resource.RUSAGE_CHILDREN)}
    evaluation = _score(ws, stacks)
    ws.close()
    outcomes = dict(Counter(item.outcome for item in report.items))
    files = dict(Counter(f.outcome for f in report.files))
    reasons = dict(Counter(_reason_kind(f.reason) for f in report.files if f.outcome != "read").most_common(8))
    return {"seconds": seconds, "workers": workers, "peak_rss": rss, "cpu": cpu, "outcomes": outcomes, "files": files, "reasons": reasons,
            "evaluation": evaluation}


def _reason_kind(reason: str) -> str:
    """A file's reason without its path and numbers, so like reasons count together."""
    text = reason.split("页：", 1)[-1] if "页：" in reason else reason.split("：", 1)[-1]
    return "".join("#" if c.isdigit() else c for c in text)[:60]


def _score(ws: Any, stacks: list[dict[str, Any]]) -> dict[str, Any]:
    """The workspace's records and scanned pages against every stack's truth, as one evaluation."""
    from pipeline.model.scan import PAGE_STATUSES
    from pipeline.store import records as record_store
    from pipeline.store import scans
    from pipeline.synth.evaluate import Evaluation, evaluate
    from pipeline.synth.kinds import score_kinds

    with ws.session() as s:
        records = record_store.list_records(s)
        pages = [p for status in PAGE_STATUSES for p in scans.pages_with_status(s, status)]
    results, wrong, truths = [], [], []
    for stack in stacks:
        returns = Path(stack["returns"])
        truth = _truth(returns)
        truths.append(truth)
        results.append(evaluate(records, truth, identified=_identified(pages, truth, returns)))
        wrong += _wrong_auto(records, truth)
    return _evaluation_json(sum(results, Evaluation())) | {
        "wrong_auto": wrong, "by_kind": score_kinds(records, truths), "lost_by_reason": lost_by_reason(records, truths),
    }


def lost_by_reason(records: list[Any], truths: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Per kind of field, why values read right went to review: each review message (its parts
    split on "；", numbers as #) with how many right values it held back. A value held back by
    two reasons counts under both; one with no message (a threshold of the validator) under "—"."""
    from pipeline.synth.evaluate import credit
    from pipeline.synth.kinds import kind_of, scored_fields

    by_id = {r.form_id: r for r in records}
    lost: dict[str, Counter[str]] = {}
    for truth in truths:
        for form_id, expected in truth["forms"].items():
            if form_id not in by_id:
                continue
            for f, want, got in scored_fields(by_id[form_id], expected):
                kind = kind_of(f)
                if kind and got.status != "auto" and credit(f, want, got.value) == 1.0:
                    parts = [m for m in got.message.split("；") if m] or ["—"]
                    lost.setdefault(kind, Counter()).update("".join("#" if c.isdigit() else c for c in m)[:48] for m in parts)
    return {kind: dict(c.most_common()) for kind, c in lost.items()}


def _wrong_auto(records: list[Any], truth: dict[str, Any]) -> list[dict[str, Any]]:
    """Every value accepted as ``auto`` that the truth contradicts: what to look at first."""
    from pipeline.model.form import load_form
    from pipeline.synth.evaluate import credit

    by_id = {r.form_id: r for r in records}
    out = []
    for form_id, expected in truth["forms"].items():
        record = by_id.get(form_id)
        form = load_form(expected["form"])
        for fid, want in expected["values"].items():
            got = record.fields.get(fid) if record else None
            if got is not None and got.status == "auto" and credit(form.field(fid), want, got.value) < 1.0:
                out.append({"form_id": form_id, "field": fid, "expected": want, "read": got.value, "confidence": got.confidence})
    return out


def _identified(pages: list[Any], truth: dict[str, Any], returns: Path) -> dict[tuple[str, int], tuple[str | None, int | None]]:
    """What ingest took each image of truth's stack for, keyed as truth keys them (file, index)."""
    stored_as = {}
    for stack in truth["stack"]:
        for page in stack["pages"]:
            path = returns / page["file"]
            stored_as.setdefault(hashlib.sha256(path.read_bytes()).hexdigest() + path.suffix.lower(), page["file"])
    return {(stored_as[p.source_file], p.page_index + 1): (p.form_id, p.page_no) for p in pages if p.source_file in stored_as}


# --- stage 3: the whole-page OCR baseline -----------------------------------------------------


def measure_baseline(stacks: list[dict[str, Any]], count: int) -> dict[str, Any]:
    """Whole-page OCR on ``count`` form pages of the stacks (half first pages, half second)."""
    import numpy as np

    from baseline import page_values
    from pipeline.model.form import load_form
    from pipeline.recognize.engine import RapidOcrEngine
    from pipeline.synth.evaluate import Evaluation

    engine = RapidOcrEngine()  # the wheel's own pipeline; models load before the clock starts
    result, seconds, cpu, upright = Evaluation(), 0.0, 0.0, 0
    pages = _baseline_pages(stacks, count)
    for truth, where, image in pages:
        if where["scan"]["upside_down"]:
            image, upright = np.ascontiguousarray(np.rot90(image, 2)), upright + 1
        form = load_form(truth["forms"][where["form_id"]]["form"])
        started, cpu_started = time.perf_counter(), time.process_time()
        values = page_values(form.pages[where["page"] - 1], engine.detect_and_recognize(image))
        seconds, cpu = seconds + time.perf_counter() - started, cpu + time.process_time() - cpu_started
        want = truth["forms"][where["form_id"]]["values"]
        for fid, got in values.items():
            result.add(form.field(fid), want[fid], got, "review")
    n = max(len(pages), 1)
    return {"pages": len(pages), "seconds": seconds, "s_per_page": seconds / n, "cpu_s_per_page": cpu / n, "turned_upright": upright,
            "evaluation": _evaluation_json(result)}


def _form_pages(stacks: list[dict[str, Any]]) -> list[tuple[dict[str, Any], Path, dict[str, Any]]]:
    out = []
    for stack in stacks:
        returns = Path(stack["returns"])
        truth = _truth(returns)
        out += [(truth, returns, p) for s in truth["stack"] for p in s["pages"] if p["kind"] == "form"]
    return out


def _baseline_pages(stacks: list[dict[str, Any]], count: int) -> list[tuple[dict[str, Any], dict[str, Any], Any]]:
    """(truth, stack entry, image) of ``count`` form pages spread evenly over the stacks."""
    from pipeline.scan.load import scan_pages

    wanted: dict[Path, dict[int, tuple[dict[str, Any], dict[str, Any]]]] = {}
    for truth, returns, where in _spread(_form_pages(stacks), count):
        wanted.setdefault(returns / where["file"], {})[where["index"] - 1] = (truth, where)
    out = []
    for path, indices in wanted.items():
        for page in scan_pages(path):
            if page.index in indices and page.image is not None:
                out.append((*indices[page.index], page.image))
            if page.index >= max(indices):
                break
    return out


def _spread(pages: list[tuple[dict[str, Any], Path, dict[str, Any]]], count: int) -> list[tuple[dict[str, Any], Path, dict[str, Any]]]:
    """``count`` of ``pages``, evenly spaced: half of them first pages, half second pages."""
    chosen = []
    for number, share in ((1, count - count // 2), (2, count // 2)):
        of_number = [p for p in pages if p[2]["page"] == number]
        chosen += [of_number[i * len(of_number) // share] for i in range(min(share, len(of_number)))]
    return chosen


# --- the report -------------------------------------------------------------------------------


def summarise(args: argparse.Namespace, stack: dict[str, Any], run: dict[str, Any], base: dict[str, Any]) -> dict[str, Any]:
    pages = sum(s["pages"] for s in stack["stacks"])
    ours = run["evaluation"]
    per_core = run["seconds"] * run["workers"] / pages  # core-seconds per page, all workers busy
    ratio = base["s_per_page"] / per_core if per_core else 0.0
    cpu_per_page = (run["cpu"]["main_s"] + run["cpu"]["workers_s"]) / pages
    pages_per_min = pages / run["seconds"] * 60
    kinds = [ours["groups"].get(g) for _, g in ROWS]
    targets = {
        f"stack ≥ {TARGETS['stack_pages']} pages": pages >= TARGETS["stack_pages"],
        f"≥ {TARGETS['pages_per_min']:.0f} pages/min": pages_per_min >= TARGETS["pages_per_min"],
        f"checkbox fields ≥ {TARGETS['checkbox_accuracy']:.1%}": ours["groups"].get("checkbox", {}).get("accuracy", 0) >= TARGETS["checkbox_accuracy"],
        f"auto precision ≥ {TARGETS['auto_precision']:.1%} for every kind": all(k is None or k["auto_precision"] >= TARGETS["auto_precision"] for k in kinds),
        f"≥ {TARGETS['speed_vs_baseline']:.0f}× baseline speed per core": ratio >= TARGETS["speed_vs_baseline"],
        "missing-page fields all to review": ours["missing_page_review"] == ours["missing_page_fields"],
    }
    return {
        "options": {"forms": args.forms, "seeds": args.seeds, "profile": args.profile, "photos": args.photos, "history": args.history,
                    "hand_fonts": [str(p) for p in args.hand_font],
                    "preset": args.preset, "stroke_share": args.stroke_share, "pencil_share": args.pencil_share,
                    "workers": run["workers"], "baseline_pages": args.baseline_pages, "cores": os.cpu_count()},
        "stack": stack, "ingest": run, "baseline": base,
        "pages": pages, "pages_per_min": pages_per_min, "core_seconds_per_page": per_core, "speed_vs_baseline": ratio,
        "cpu_seconds_per_page": cpu_per_page, "cpu_speed_vs_baseline": base["cpu_s_per_page"] / cpu_per_page if cpu_per_page else 0.0,
        "targets": targets,
    }


def summarise_photos(stack: dict[str, Any], scan: dict[str, Any], photo: dict[str, Any]) -> dict[str, Any]:
    """The photographed stack beside the scanned one: pages/min of each, and the issue's targets
    for photos (every form page identified, ``auto`` precision ≥ AUTO_PRECISION for every kind)."""
    pages = {side: sum(s["pages"] for s in stack[key]) for side, key in (("scan", "stacks"), ("photo", "photo_stacks"))}
    runs = {"scan": scan, "photo": photo}
    per_min = {side: pages[side] / runs[side]["seconds"] * 60 if runs[side]["seconds"] else 0.0 for side in runs}
    found = photo["evaluation"]["pages"] or {}
    kinds = photo["evaluation"]["by_kind"]["kinds"].values()
    targets = {
        "every photographed form page identified": found.get("identified") == found.get("form_pages") and not found.get("misidentified"),
        f"photos: auto precision ≥ {TARGETS['auto_precision']:.1%} for every kind": all(
            k["now"]["auto_precision"] >= TARGETS["auto_precision"] for k in kinds
        ),
    }
    return {"pages": pages, "pages_per_min": per_min, "ingest": photo, "targets": targets}


def print_table(r: dict[str, Any]) -> None:
    run, base, o = r["ingest"], r["baseline"], r["options"]
    ours, theirs = run["evaluation"], base["evaluation"]
    fonts = ", ".join(Path(p).name for p in o["hand_fonts"]) or "default kaiti"
    if o["stroke_share"] is not None or o["pencil_share"] is not None:
        fonts += f"; 40 pooled writers, {o['stroke_share'] or 0:.0%} stroke-drawn, {o['pencil_share'] or 0:.0%} in pencil"
    print(f"\nstack: seeds {o['seeds']}, {o['forms']} forms each, profile {o['profile']}, hand: {fonts}; "
          f"{r['pages']} page images; ingest with {o['workers']} workers on {o['cores']} cores")
    print(f"\n{'kind':<19}{'fields':>7}{'accuracy':>10}{'straight-through':>18}{'auto precision':>16}{'baseline acc.':>15}")
    for label, group in ROWS:
        k, b = ours["groups"].get(group), theirs["groups"].get(group)
        mine = f"{k['fields']:>7}{k['accuracy']:>10.2%}{k['straight_through']:>18.1%}{k['auto_precision']:>16.2%}" if k else f"{0:>7}{'—':>10}{'—':>18}{'—':>16}"
        baseline = f"{b['accuracy']:>9.1%} ({b['fields']})" if b and b["fields"] else "n/a"
        print(f"{label:<19}{mine}{baseline:>15}")
    p = ours["pages"]
    print(f"\npage identification: forms read {ours['forms_read']}/{ours['forms_expected']}; form page images identified "
          f"{p['identified']}/{p['form_pages']} ({p['misidentified']} as another page); other images taken for a form page "
          f"{p['other_claimed']}/{p['other_pages']}")
    print(f"fields on pages never scanned: {ours['missing_page_fields']} (left out above), {ours['missing_page_review']} of them sent to review")
    for w in ours["wrong_auto"]:
        print(f"  wrong but auto: {w['form_id']} {w['field']}: read {w['read']!r}, truth {w['expected']!r} (confidence {w['confidence']:.3f})")
    print(f"ingest outcomes: {run['outcomes']}")
    print(f"speed: {run['seconds']:.0f} s → {r['pages_per_min']:.0f} pages/min; peak RSS ingest main {run['peak_rss']['main_mb']:.0f} MB, "
          f"largest worker {run['peak_rss']['largest_worker_mb']:.0f} MB")
    print(f"baseline (whole-page det+rec, values by label; 1 process, 1 ONNX thread): {base['pages']} pages, "
          f"{base['s_per_page']:.1f} s/page OCR + matching (page decoding not counted); {base['turned_upright']} upside-down "
          f"page(s) turned upright from the truth first")
    print(f"speed per core: jiafang {run['seconds']:.0f} s × {o['workers']} workers / {r['pages']} pages = "
          f"{r['core_seconds_per_page']:.2f} core-s/page (all pages, all stages) vs baseline {base['s_per_page']:.2f} → "
          f"{r['speed_vs_baseline']:.1f}× faster")
    print(f"CPU time (the machine is shared; this ignores waiting for it): ingest main {run['cpu']['main_s']:.0f} s + workers "
          f"{run['cpu']['workers_s']:.0f} s = {r['cpu_seconds_per_page']:.2f} CPU-s/page vs baseline {base['cpu_s_per_page']:.2f} → "
          f"{r['cpu_speed_vs_baseline']:.1f}×; cores busy {(run['cpu']['main_s'] + run['cpu']['workers_s']) / run['seconds']:.2f} of {o['cores']}")
    print_kinds(ours["by_kind"], r["pages_per_min"])
    print("\ntargets:")
    for name, ok in r["targets"].items():
        print(f"  {'PASS' if ok else 'FAIL'}  {name}")


def print_kinds(by_kind: dict[str, Any], pages_per_min: float) -> None:
    """Per kind of field: today's decisions beside the previous release's on the same readings."""
    from pipeline.synth.kinds import PREVIOUS_RELEASE

    print(f"\nper kind ({by_kind['forms']} forms read; now = as stored, {PREVIOUS_RELEASE} = that release's thresholds on the same "
          f"confidences; precision ≥ its one-sided 95 % Wilson lower bound; {pages_per_min:.0f} pages/min)")
    print(f"{'kind':<17}{'fields':>7}{'accuracy':>9} | {'straight':>8}{'auto':>5}{'wrong':>6}{'precision':>10}{'≥ (95 %)':>9}{'review/form':>12}"
          f" | {'straight':>8}{'auto':>5}{'wrong':>6}{'precision':>10}{'≥ (95 %)':>9}{'review/form':>12}")
    print(f"{'':<33} | {'now':^50} | {PREVIOUS_RELEASE:^50}")
    for kind, k in by_kind["kinds"].items():
        cells = "".join(
            f" | {d['straight_through']:>8.1%}{d['auto']:>5}{d['wrong_auto']:>6}{d['auto_precision']:>10.2%}"
            f"{d['auto_precision_lower95']:>9.2%}{d['review_per_form']:>12.2f}"
            for d in (k["now"], k["previous"])
        )
        print(f"{kind:<17}{k['fields']:>7}{k['accuracy']:>9.1%}{cells}")
    for side in ("now", "previous"):
        total = sum(k[side]["review_per_form"] for k in by_kind["kinds"].values())
        print(f"fields to review per form ({side if side == 'now' else PREVIOUS_RELEASE}): {total:.2f}")
    for title, split in (("the form's writer", by_kind["by_writer"]), ("how the page was scanned", by_kind["by_scan"])):
        if split:
            print(f"\nall kinds but signatures, by {title} (now):")
            for key, k in split.items():
                d = k["now"]
                print(f"  {key:<38}{k['fields']:>6} fields  accuracy {k['accuracy']:>6.1%}  straight {d['straight_through']:>6.1%}  "
                      f"wrong auto {d['wrong_auto']}")


def print_side_by_side(r: dict[str, Any], photos: dict[str, Any]) -> None:
    """Per kind of field (today's decisions), the scanned stack and the photographed one side by
    side; then what became of the page images and files of each, and their speed."""
    runs = {"scan": r["ingest"], "photo": photos["ingest"]}
    o = r["options"]
    history = f" (after an earlier round of {o['history']} forms, its places verified)" if o["history"] else ""
    print(f"\nscanned ({o['profile']} profile) and photographed (hand-held phone, 12 MP JPEG/HEIC): the same {o['forms']} forms "
          f"per seed {o['seeds']}, filled once; each ingested into its own workspace{history} with {o['workers']} workers on {o['cores']} cores")
    head = f"{'fields':>7}{'accuracy':>9}{'straight':>9}{'auto':>5}{'wrong':>6}{'precision (≥ 95 % LB)':>23}{'review/form':>12}"
    print(f"\n{'kind':<17}│{'scanned':^71}│{'photographed':^71}")
    print(f"{'':<17}│{head}│{head}")
    by_kind = {side: run["evaluation"]["by_kind"]["kinds"] for side, run in runs.items()}
    for kind in by_kind["scan"]:
        print(f"{kind:<17}" + "".join(f"│{_kind_cells(by_kind[side][kind])}" for side in runs))
    totals = [sum(k["now"]["review_per_form"] for k in by_kind[side].values()) for side in runs]
    print(f"{'review per form':<17}" + "".join(f"│{t:>71.2f}" for t in totals))
    print()
    rows = [_page_rows(run, photos["pages"][side], photos["pages_per_min"][side]) for side, run in runs.items()]
    for (label, scanned), (_, photographed) in zip(*rows):
        print(f"{label:<30}│{scanned:>58}│{photographed:>58}")
    for side, run in runs.items():
        for reason, n in run["reasons"].items():
            print(f"  {side}: {n} × {reason}")
        for w in run["evaluation"]["wrong_auto"]:
            print(f"  {side}: wrong but auto: {w['form_id']} {w['field']}: read {w['read']!r}, truth {w['expected']!r} ({w['confidence']:.3f})")
    print("\ntargets (photos):")
    for name, ok in photos["targets"].items():
        print(f"  {'PASS' if ok else 'FAIL'}  {name}")


def print_lost_reasons(runs: dict[str, dict[str, Any]]) -> None:
    """Per side and kind, the review reasons that held back values read right (most first)."""
    print("\nright values sent to review, by kind and reason (a value held by two reasons counts twice):")
    for side, run in runs.items():
        for kind, reasons in run["evaluation"]["lost_by_reason"].items():
            listed = "; ".join(f"{n} × {reason}" for reason, n in list(reasons.items())[:4])
            print(f"  {side:<6}{kind:<17}{listed}")


# --- the precision bound: many runs pooled --------------------------------------------------


def accumulate(path: Path, args: argparse.Namespace, runs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Add this run's per-kind counts (per side) to the pooled file at ``path``, keyed by its
    seeds, forms and profile (a rerun replaces its own entry), with the code it ran (commit and
    whether the tree was changed); return the file's content. Only entries of the same code
    are pooled, so a table never mixes two versions of the reader."""
    pooled = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {"runs": {}}
    key = f"seeds {','.join(map(str, args.seeds))}, {args.forms} forms, {args.profile}" + (f", history {args.history}" if args.history else "")
    pooled["runs"][key] = {"code": _code_version(), "sides": {
        side: {kind: {"fields": k["fields"], "right": round(k["accuracy"] * k["fields"], 3), "auto": k["now"]["auto"],
                      "auto_right": k["now"]["auto_right"]} for kind, k in run["evaluation"]["by_kind"]["kinds"].items()}
        for side, run in runs.items()}}
    path.write_text(json.dumps(pooled, ensure_ascii=False, indent=2), encoding="utf-8")
    return pooled


def print_pooled(pooled: dict[str, Any]) -> None:
    """Every pooled run of the current code as one table per kind, scan and photo side by side:
    auto count, wrong auto, precision and its one-sided 95 % Wilson lower bound."""
    from pipeline.synth.kinds import wilson_lower

    code = _code_version()
    same = {key: run for key, run in pooled["runs"].items() if run["code"] == code}
    print(f"\npooled over {len(same)} run(s) of {code} ({len(pooled['runs']) - len(same)} of other code left out): "
          + "; ".join(same))
    sides = sorted({side for run in same.values() for side in run["sides"]}, key=list(SIDES).index)
    head = f"{'fields':>7}{'straight':>9}{'auto':>6}{'wrong':>6}{'precision':>10}{'≥ (95 %)':>9}"
    print(f"{'kind':<17}" + "".join(f"│{side:^47}" for side in sides))
    print(f"{'':<17}" + f"│{head}" * len(sides))
    for kind in {kind: None for run in same.values() for side in run["sides"].values() for kind in side}:
        cells = ""
        for side in sides:
            t = Counter()
            for run in same.values():
                t.update(run["sides"].get(side, {}).get(kind, {}))
            precision = t["auto_right"] / t["auto"] if t["auto"] else 1.0
            cells += (f"│{t['fields']:>7}{t['auto_right'] / max(t['fields'], 1):>9.1%}{t['auto']:>6}{t['auto'] - t['auto_right']:>6}"
                      f"{precision:>10.2%}{wilson_lower(t['auto_right'], t['auto']):>9.2%}")
        print(f"{kind:<17}{cells}")
    print(f"(with no wrong value, a lower bound ≥ {TARGETS['auto_precision']:.1%} takes {_needed_for_bound()} auto values of a kind)")


def _needed_for_bound() -> int:
    """The fewest error-free auto values whose Wilson lower bound reaches the precision target."""
    from pipeline.synth.kinds import wilson_lower

    n = 1
    while wilson_lower(n, n) < TARGETS["auto_precision"]:
        n += 1
    return n


# What neither the ingest nor the stack generator loads: the web pages' files, the console, the CLI
# and the scan overlay debug view (the history round does use review's Python, to verify places). A
# change there leaves the reader as it was, so runs before and after it pool together; each stage
# checks the pipeline modules it loaded, and a run that loaded one of these stops.
NOT_THE_READER = ("review/static/", "review/templates/", "console/", "cli/", "ingest/inspect.py", "__main__.py")


def _code_version(tree: str = "HEAD:pipeline") -> str:
    """The reader the bench runs: a digest of the committed pipeline/ ``tree`` without the parts
    no run loads (NOT_THE_READER), with "+changes" when the work tree's reader differs
    from it. Commits elsewhere (docs, tests, the web pages) keep it."""
    def git(*argv: str) -> str:
        return subprocess.run(["git", *argv], cwd=HERE.parent, stdout=subprocess.PIPE, text=True, check=False).stdout.strip()

    entries = [line for line in git("ls-tree", "-r", tree).splitlines() if not line.split("\t", 1)[1].startswith(NOT_THE_READER)]
    dirty = [path for path in git("diff", "--name-only", "HEAD", "--", "pipeline").splitlines()
             if not path.removeprefix("pipeline/").startswith(NOT_THE_READER)]
    return "reader " + hashlib.sha1("\n".join(entries).encode()).hexdigest()[:10] + ("+changes" if dirty else "")


def _loaded_outside_the_reader() -> list[str]:
    """The modules this process loaded that NOT_THE_READER says a run never loads."""
    names = (m.removeprefix("pipeline.").replace(".", "/") for m in sys.modules if m.startswith("pipeline."))
    return sorted(n for n in names if (n + "/").startswith(NOT_THE_READER) or (n + ".py").startswith(NOT_THE_READER))


def _kind_cells(k: dict[str, Any]) -> str:
    d = k["now"]
    precision = f"{d['auto_precision']:.2%} (≥ {d['auto_precision_lower95']:.2%})"
    return (f"{k['fields']:>7}{k['accuracy']:>9.1%}{d['straight_through']:>9.1%}{d['auto']:>5}{d['wrong_auto']:>6}"
            f"{precision:>23}{d['review_per_form']:>12.2f}")


def _page_rows(run: dict[str, Any], pages: int, per_min: float) -> list[tuple[str, str]]:
    """(label, value) of what one stack's page images and files became, and its speed."""
    e, files = run["evaluation"], run["files"]
    found = e["pages"]
    return [
        ("forms read", f"{e['forms_read']}/{e['forms_expected']}"),
        ("form page images identified", f"{found['identified']}/{found['form_pages']} ({found['misidentified']} as another page)"),
        ("other images taken for a page", f"{found['other_claimed']}/{found['other_pages']}"),
        ("files read", str(files.get("read", 0))),
        ("files refused / quarantined", f"{files.get('refused', 0)} / {files.get('quarantined', 0)}"),
        ("files duplicate / blank", f"{files.get('duplicate', 0)} / {files.get('blank', 0)}"),
        ("page images, ingest time", f"{pages} in {run['seconds']:.0f} s"),
        ("pages/min", f"{per_min:.0f}"),
    ]


# --- plumbing ---------------------------------------------------------------------------------


def _evaluation_json(e: Any) -> dict[str, Any]:
    groups = {g: {"fields": n, "accuracy": acc, "straight_through": st, "auto_precision": prec} for g, n, acc, st, prec in e.rows()}
    return {
        "groups": groups, "forms_expected": e.forms_expected, "forms_read": e.forms_read,
        "missing_page_fields": e.missing_page_fields, "missing_page_review": e.missing_page_review,
        "pages": asdict(e.pages) if e.pages else None,
    }


def _truth(returns: Path) -> dict[str, Any]:
    return json.loads((returns / "truth.json").read_text(encoding="utf-8"))


def _no_baseline() -> dict[str, Any]:
    from pipeline.synth.evaluate import Evaluation

    return {"pages": 0, "seconds": 0.0, "s_per_page": 0.0, "cpu_s_per_page": 0.0, "turned_upright": 0, "evaluation": _evaluation_json(Evaluation())}


def _cpu_s(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def _rss_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux reports KiB


def _stage(name: str, root: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Run one stage of this benchmark in a fresh process; its last stdout line is JSON."""
    argv = [sys.executable, __file__, "--stage", name, "--root", str(root), "--forms", str(args.forms),
            "--seeds", ",".join(map(str, args.seeds)), "--profile", args.profile,
            "--baseline-pages", str(args.baseline_pages), "--workers", str(args.workers), "--history", str(args.history),
            *(["--photos"] if args.photos else []),
            *(a for p in args.hand_font for a in ("--hand-font", str(p))),
            *(a for k in ("stroke_share", "pencil_share") if getattr(args, k) is not None for a in (f"--{k.replace('_', '-')}", str(getattr(args, k))))]
    print(f"[{time.strftime('%H:%M:%S')}] {name} …", flush=True)
    proc = subprocess.run(argv, check=True, stdout=subprocess.PIPE, text=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _run_stage(args: argparse.Namespace) -> dict[str, Any]:
    root = Path(args.root)
    if args.stage == "stack":
        return make_stacks(
            root, forms=args.forms, seeds=args.seeds, profile=args.profile, hand_fonts=args.hand_font, hands=_hands(args), photos=args.photos,
            history=args.history, workers=args.workers,
        )
    stack = json.loads((root / "stack.json").read_text(encoding="utf-8"))
    if args.stage == "ingest":
        return measure_ingest(root, stack["stacks"], args.workers)
    if args.stage == "ingest-photo":
        return measure_ingest(root, stack["photo_stacks"], args.workers, side="photo")
    return measure_baseline(stack["stacks"], args.baseline_pages)


def _hands(args: argparse.Namespace) -> Any:
    """The writer pool the options ask for (None: a new font writer for every form, as before)."""
    from pipeline.synth.returns import HandMix

    if args.stroke_share is None and args.pencil_share is None:
        return None
    return HandMix(stroke_share=args.stroke_share or 0.0, pencil_share=args.pencil_share or 0.0)


def _arguments() -> argparse.Namespace:
    from pipeline.synth.scanner import PROFILES

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--forms", type=int, default=100, help="record forms per seed")
    parser.add_argument("--seeds", "--seed", type=lambda v: [int(s) for s in v.split(",")], default=[11], help="e.g. 11 or 11,12")
    parser.add_argument("--profile", choices=PROFILES, default="office")
    parser.add_argument("--preset", choices=tuple(PRESETS), help="a stack preset (sets profile and hands)")
    parser.add_argument("--stroke-share", type=float, help="share of 40 pooled writers writing stroke by stroke")
    parser.add_argument("--pencil-share", type=float, help="share of 40 pooled writers writing in pencil")
    parser.add_argument("--hand-font", type=Path, action="append", default=[], help="held-out handwriting font (repeatable)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--baseline-pages", type=int, default=20)
    parser.add_argument("--photos", action="store_true", help="also photograph the same sheets by phone; scan and photo side by side")
    parser.add_argument("--history", type=int, default=0, help="an earlier round of this many forms ingested and its places verified first")
    parser.add_argument("--accumulate", type=Path, help="pool this run's per-kind counts into this JSON file (other seeds' runs) and print the pooled table")
    parser.add_argument("--stage", choices=("stack", "ingest", "ingest-photo", "baseline"), help=argparse.SUPPRESS)
    parser.add_argument("--root", help=argparse.SUPPRESS)
    args = parser.parse_args()
    for key, value in PRESETS.get(args.preset or "", {}).items():
        setattr(args, key, value)
    return args


def main() -> None:
    args = _arguments()
    if args.stage:
        result = _run_stage(args)
        if outside := _loaded_outside_the_reader():
            sys.exit(f"stage {args.stage} loaded {outside}, which NOT_THE_READER leaves out of the reader's id: fix NOT_THE_READER")
        print(json.dumps(result))
        return
    with tempfile.TemporaryDirectory(prefix="jiafang-ingest-") as tmp:
        root = Path(tmp)
        stack = _stage("stack", root, args)
        (root / "stack.json").write_text(json.dumps(stack), encoding="utf-8")
        run = _stage("ingest", root, args)
        photo = _stage("ingest-photo", root, args) if args.photos else None
        base = _stage("baseline", root, args) if args.baseline_pages else _no_baseline()
    result = summarise(args, stack, run, base)
    print_table(result)
    if photo is not None:
        result["photos"] = summarise_photos(stack, run, photo)
        print_side_by_side(result, result["photos"])
    sides = {"scan": run} | ({"photo": photo} if photo is not None else {})
    print_lost_reasons(sides)
    if args.accumulate:
        print_pooled(accumulate(args.accumulate, args, sides))
    OUT.mkdir(exist_ok=True)
    (OUT / "ingest.json").write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"\n→ {OUT / 'ingest.json'}")


if __name__ == "__main__":
    main()
