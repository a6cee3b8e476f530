"""Faint and broken ink, and comb cells holding a 1: digit-field and checkbox figures on a small stack.

The sample school's record forms, page 1 written by synthetic writers (``--forms`` of them, in
four installed CJK fonts, seeded): date and time combs and the visit-type tick, half in ink
(grey 10-70) and half in pencil (grey 170-200). Every page is scanned twice, in grey (200 dpi,
light blur and noise) and as a 1-bit copy (200 dpi, threshold 150-185), and each scan stack is
ingested into its own workspace. The records are scored against what was written:

- digit fields (date, time): `auto` precision with its one-sided 95 % Wilson lower bound,
  wrong values accepted as `auto`, empty values accepted as `auto` where digits were written;
- cells written with a "1" read as empty;
- the visit-type checkbox: the same precision;
- apart: ``--ones`` combs of eight 1s, each written anywhere across its cell's width (writers
  do not centre a 1; one beside a cell's side was erased as the cell's frame), in ink, scanned
  in grey: how many read as empty cells.

With ``--against DIR`` the same stack is also measured with the checkout in DIR (an earlier
release, in a process of its own) and both tables are printed, side by side in one run::

    .venv/bin/python bench/faint_ink.py --forms 20 --against /path/to/previous/checkout
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pypdfium2 as pdfium
from PIL import Image

FONTS = [
    Path("/usr/share/fonts/truetype/arphic/ukai.ttc"), Path("/usr/share/fonts/truetype/arphic/uming.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"), Path("/usr/share/fonts/truetype/hanazono/HanaMinA.ttf"),
]
PENCIL = (170, 200)  # grey of pencil and light-pen strokes on a 0..255 page
BW_THRESHOLD = (150, 185)  # 1-bit copier thresholds


def written_pages(folder: Path, forms: int, seed: int) -> tuple[Any, list[dict[str, Any]]]:
    """A workspace with the sample roster and its record forms issued; the first ``forms``
    page-1 images written on (at the registered resolution), with what was written."""
    from pipeline import defs
    from pipeline.generate import generate
    from pipeline.model.form import load_form
    from pipeline.resources import samples_dir
    from pipeline.roster.importer import import_roster
    from pipeline.store.workspace import init_workspace
    from pipeline.synth.handwriting import HandwritingStyle, draw_digit_cells, draw_tick, px_box

    ws = init_workspace(folder / "ws", policy_path=samples_dir() / "policy.yaml")
    import_roster(ws, [samples_dir() / "roster.xlsx"])
    generate(ws, forms=["record"], formats=["pdf"], out_dir=folder / "forms")
    manifest = json.loads((folder / "forms" / "manifest.json").read_text(encoding="utf-8"))[:forms]
    form = load_form("record")
    rng = np.random.default_rng(seed)
    first, last = ws.policy.school_year.start, min(ws.policy.school_year.end, dt.date.today())
    pages = []
    for i, entry in enumerate(manifest):
        doc = pdfium.PdfDocument(folder / "forms" / entry["file"])
        image = np.array(doc[entry["first_page"] - 1].render(scale=defs.REGISTERED_PX_PER_MM * 25.4 / 72, grayscale=True).to_pil().convert("L"))
        doc.close()
        printed = image.copy()
        writer = HandwritingStyle.random(rng, font_path=FONTS[i % len(FONTS)])
        pencil = i % 2 == 1
        if pencil:
            writer = replace(writer, ink=int(rng.integers(PENCIL[0], PENCIL[1] + 1)))
        day = first + dt.timedelta(days=int(rng.integers((last - first).days + 1)))
        start = int(rng.integers(8 * 60, 19 * 60))
        end = start + int(rng.integers(20, 120))
        digits = {"visit_date": day.strftime("%Y%m%d"), "visit_time": f"{start // 60:02d}{start % 60:02d}{end // 60:02d}{end % 60:02d}"}
        for field_id, text in digits.items():
            draw_digit_cells(image, [px_box(c) for c in form.field(field_id).cells], text, style=writer, rng=rng)
        visit_type = str(rng.choice([o.value for o in form.field("visit_type").options]))
        option = next(o for o in form.field("visit_type").options if o.value == visit_type)
        draw_tick(image, px_box(option.box), style=writer, rng=rng, kind="tick")
        pages.append({"form_id": entry["form_id"], "image": image, "print": printed, "pencil": pencil, "digits": digits, "visit_type": visit_type})
    return ws, pages


def scan_stack(folder: Path, pages: list[dict[str, Any]], mode: str, seed: int) -> list[Path]:
    from pipeline.synth.scanner import ScannerModel, scan

    rng = np.random.default_rng(seed)
    paths = []
    for i, page in enumerate(pages):
        if mode == "grey":
            settings = ScannerModel(dpi=200, rotation=float(rng.uniform(-1.5, 1.5)), blur=0.6, noise=4.0, jpeg_quality=80)
        else:
            threshold = int(rng.integers(BW_THRESHOLD[0], BW_THRESHOLD[1] + 1))
            settings = ScannerModel(dpi=200, mode="bw", bw_threshold=threshold, rotation=float(rng.uniform(-1.5, 1.5)), blur=0.6, noise=6.0)
        scanned = scan(page["image"], settings, rng=rng)
        path = folder / f"{mode}-{i:03d}.png"
        Image.fromarray(scanned).save(path, dpi=(settings.dpi, settings.dpi))
        paths.append(path)
    return paths


def score(ws: Any, pages: list[dict[str, Any]]) -> Counter:
    from pipeline.store.records import current_record

    tally: Counter = Counter()
    with ws.session() as s:
        for page in pages:
            record = current_record(s, page["form_id"])
            ink = "pencil" if page["pencil"] else "ink"
            if record is None:
                tally[f"{ink} pages not read"] += 1
                continue
            for field_id, written in page["digits"].items():
                got = record.fields[field_id]
                raw = "".join(c for c in (got.raw or "") if c.isdigit() or c == "_")
                right = raw == written
                tally[f"{ink} digit fields"] += 1
                tally[f"{ink} digit auto"] += got.status == "auto"
                tally[f"{ink} digit auto right"] += got.status == "auto" and right
                tally[f"{ink} digit auto empty"] += got.status == "auto" and not raw
                tally[f"{ink} digit right"] += right
                ones = [k for k, c in enumerate(written) if c == "1"]
                tally[f"{ink} 1 cells"] += len(ones)
                tally[f"{ink} 1 cells read empty"] += sum(1 for k in ones if len(raw) != len(written) or raw[k] == "_")
            box = record.fields["visit_type"]
            tally[f"{ink} checkbox auto"] += box.status == "auto"
            tally[f"{ink} checkbox auto right"] += box.status == "auto" and page["visit_type"] in str(box.value)
    return tally


def ones_read_empty(printed: np.ndarray, combs: int, seed: int) -> Counter:
    """Combs of eight 1s (the time comb of ``printed``, a page 1 as printed), each 1 anywhere
    across its cell, in ink, scanned in grey and registered: cells read as empty."""
    from pipeline.model.form import Box, load_form
    from pipeline.recognize.engine import default_engine
    from pipeline.recognize.fields import recognize_field
    from pipeline.scan.register import register_page, warp_to_template
    from pipeline.synth.handwriting import HandwritingStyle, draw_digit_cells, px_box
    from pipeline.synth.scanner import ScannerModel, scan

    form = load_form("record")
    field = form.field("visit_time")
    rng = np.random.default_rng(seed)
    tally: Counter = Counter()
    for i in range(combs):
        page = printed.copy()
        writer = HandwritingStyle.random(rng, font_path=FONTS[i % len(FONTS)])
        width = 2.4  # mm, a box around one 1, laid anywhere across the cell
        spots = [Box(c.x + float(rng.uniform(0, c.w - width)), c.y, width, c.h) for c in field.cells]
        draw_digit_cells(page, [px_box(b) for b in spots], "1" * len(spots), style=writer, rng=rng)
        settings = ScannerModel(dpi=200, rotation=float(rng.uniform(-1.5, 1.5)), blur=0.6, noise=4.0, jpeg_quality=80)
        scanned = scan(page, settings, rng=rng)
        registered = warp_to_template(scanned, register_page(scanned, form.pages[0], dpi=settings.dpi), form.page_size)
        raw = recognize_field(registered, field, engine=default_engine()).raw
        tally["cells"] += len(spots)
        tally["empty"] += len(spots) if not raw else raw.count("_")
    return tally


def measure(forms: int, seed: int, ones: int) -> dict[str, Counter]:
    """Both scan stacks, written, scanned, ingested and scored with this process's pipeline;
    and the combs of 1s."""
    from pipeline.ingest import ingest

    results = {}
    with tempfile.TemporaryDirectory(prefix="jiafang-faint-") as tmp:
        for mode in ("grey", "1-bit"):
            folder = Path(tmp) / mode
            folder.mkdir()
            ws, pages = written_pages(folder, forms, seed)
            if mode == "grey":
                results["ones"] = ones_read_empty(pages[0]["print"], ones, seed)
            ingest(ws, scan_stack(folder, pages, mode, seed), workers=1)
            results[mode] = score(ws, pages)
            ws.close()
    return results


def measure_elsewhere(checkout: Path, forms: int, seed: int, ones: int) -> dict[str, Counter]:
    """:func:`measure` with the ``pipeline`` of another checkout, in a fresh process."""
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    argv = [sys.executable, str(Path(__file__).resolve()), "--forms", str(forms), "--seed", str(seed), "--ones", str(ones), "--json"]
    out = subprocess.run(argv, check=True, stdout=subprocess.PIPE, text=True, env=env, cwd=checkout).stdout
    return {mode: Counter(t) for mode, t in json.loads(out.strip().splitlines()[-1]).items()}


def print_table(title: str, results: dict[str, Counter]) -> None:
    from pipeline.synth.kinds import wilson_lower

    ones = results.pop("ones")
    print(f"\n{title}")
    print(f"{'scan':<7}{'hand':<8}{'digit fields':>13}{'right':>7}{'auto':>6}{'auto wrong':>11}{'auto empty':>11}"
          f"{'auto precision (95% LB)':>25}{'1 cells empty':>15}{'box auto wrong':>16}")
    for mode, t in results.items():
        for ink in ("ink", "pencil"):
            auto, good = t[f"{ink} digit auto"], t[f"{ink} digit auto right"]
            prec = f"{good}/{auto} ({wilson_lower(good, auto):.3f})" if auto else "—"
            print(f"{mode:<7}{ink:<8}{t[f'{ink} digit fields']:>13}{t[f'{ink} digit right']:>7}{auto:>6}{auto - good:>11}"
                  f"{t[f'{ink} digit auto empty']:>11}{prec:>25}{t[f'{ink} 1 cells read empty']:>8}/{t[f'{ink} 1 cells']:<6}"
                  f"{t[f'{ink} checkbox auto'] - t[f'{ink} checkbox auto right']:>10}/{t[f'{ink} checkbox auto']}")
    total_auto = sum(t[f"{i} digit auto"] for t in results.values() for i in ("ink", "pencil"))
    total_good = sum(t[f"{i} digit auto right"] for t in results.values() for i in ("ink", "pencil"))
    print(f"all digit fields: auto precision {total_good}/{total_auto}, 95 % lower bound {wilson_lower(total_good, total_auto):.3f}")
    print(f"1s written anywhere across their cells, grey scans: {ones['empty']} of {ones['cells']} read as empty cells")
    for mode, t in results.items():
        print(f"{mode}: pencil pages not read (no writing left on the scan: blank): {t['pencil pages not read']} of {t['pencil digit fields'] // 2 + t['pencil pages not read']}")


def main() -> None:
    import pipeline

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--forms", type=int, default=20)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--ones", type=int, default=64, help="combs of eight 1s")
    parser.add_argument("--against", type=Path, help="another checkout to measure on the same stack")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    results = measure(args.forms, args.seed, args.ones)
    if args.json:
        print(json.dumps(results))
        return
    print(f"{args.forms} forms (half in pencil), seed {args.seed}; digit fields = date + time combs")
    if args.against:
        print_table(f"before: {args.against}", measure_elsewhere(args.against, args.forms, args.seed, args.ones))
    print_table(f"after: {Path(pipeline.__file__).parent.parent}", results)


if __name__ == "__main__":
    main()
