"""Where the review load comes from: per kind, field and reason, and how many of those values were right.

A seeded synthetic stack (the same stacks as ``bench/ingest.py``: ``--preset hard``,
``--hand-font``, ``--stroke-share`` …) is ingested with one worker; then every handwritten field
of every record is sorted by what happened to it: ``auto`` (right or wrong) or ``review``, and
for review by each reason its message gives (a message such as "识别把握不足（置信度 0.87），请核对"
counts under "识别把握不足（置信度 #.##），请核对"; a field with two reasons counts under both).
For each reason it shows how many of the values it sent to review were right already: a right
value sent to review is only a cost, and that cost is what can be removed, while the wrong ones
are what the reason is there for.

``--root DIR`` keeps the stack and its untouched workspace there; a later run with the same
``--root`` ingests that same stack again (into a fresh copy of the workspace), so a change of the
readers is measured on the very same pages without drawing them again.

    .venv/bin/python bench/review_load.py --forms 20
    .venv/bin/python bench/review_load.py --preset hard --forms 20 --root /tmp/hard
    .venv/bin/python bench/review_load.py --forms 20 --hand-font /usr/share/fonts/truetype/seto/setofont.ttf
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import tempfile
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ingest as ingest_bench  # bench/ingest.py: the same stacks, ingest and truth

PRISTINE = "ws-issued"  # the workspace as issued, before any ingest (copied for every run)
_QUOTED = re.compile(r"“[^”]*”")
_NUMBER = re.compile(r"\d+(\.\d+)?([、,]\d+)*")


@dataclass
class Tally:
    """Fields sent one way, and how many of them were right."""

    fields: int = 0
    right: int = 0

    def add(self, right: bool) -> None:
        self.fields += 1
        self.right += right


@dataclass
class Load:
    """One stack's fields by kind: ``auto`` right and wrong, and review by (field, reason)."""

    forms: int = 0
    auto: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    review: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    reasons: dict[tuple[str, str, str], Tally] = field(default_factory=lambda: defaultdict(Tally))
    wrong_auto: list[dict[str, Any]] = field(default_factory=list)
    lines: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))  # narrative lines: accepted / review / …
    doubtful: Counter[str] = field(default_factory=Counter)  # characters under the line threshold, in lines to review
    accepted_chars: int = 0  # characters written on the lines accepted (matched lines only)
    accepted_errors: int = 0  # ... and the edits between them and what was read


def reason_key(message: str) -> str:
    """A review message without what it quotes and its numbers, so like reasons count together."""
    return _NUMBER.sub("#", _QUOTED.sub("“…”", message)).strip()


def reasons_of(message: str) -> list[str]:
    """The distinct reasons one field's message gives (its parts are joined with ；)."""
    return list(dict.fromkeys(reason_key(m) for m in message.split("；") if m.strip())) or ["(no message)"]


def tally(records: Sequence[Any], truths: Iterable[Mapping[str, Any]]) -> Load:
    """Every handwritten field of ``records`` on a scanned page, sorted by status and reason."""
    from pipeline.synth.evaluate import credit
    from pipeline.synth.kinds import kind_of, scored_fields

    load = Load()
    by_id = {r.form_id: r for r in records}
    for truth in truths:
        for form_id, expected in truth["forms"].items():
            record = by_id.get(form_id)
            if record is None:
                continue
            load.forms += 1
            for f, want, got in scored_fields(record, expected):
                kind = kind_of(f)
                if kind is None:
                    continue
                right = credit(f, want, got.value) == 1.0
                if got.status == "auto":
                    load.auto[kind].add(right)
                    if not right:
                        load.wrong_auto.append({"form_id": form_id, "field": f.id, "expected": want, "read": got.value,
                                                "confidence": got.confidence})
                    continue
                load.review[kind].add(right)
                for reason in reasons_of(got.message):
                    load.reasons[(kind, f.id, reason)].add(right)
            for fid, written in expected.get("lines", {}).items():
                got = record.fields.get(fid)
                if got is not None and got.lines:
                    tally_lines(load, got.lines, written)
    return load


def tally_lines(load: Load, lines: Sequence[Any], written: Sequence[str]) -> None:
    """A narrative's lines as read against the lines written (matched in order when as many were
    found as written, else judged as not right): accepted, to review, and to review only for
    doubtful punctuation."""
    from rapidfuzz.distance import Levenshtein

    from pipeline import defs

    matched = len(lines) == len(written)
    for i, line in enumerate(lines):
        read, truth = _plain(line.text), _plain(written[i]) if matched else None
        right = read == truth
        if line.accepted:
            load.lines["accepted"].add(right)
            if truth is not None:
                load.accepted_chars += len(truth)
                load.accepted_errors += Levenshtein.distance(read, truth)
            continue
        load.lines["review"].add(right)
        doubtful = [c for c, p in zip(line.text, line.chars) if p < defs.NARRATIVE_CHAR_AUTO_MIN]
        load.doubtful.update(doubtful)
        if doubtful and all(unicodedata.category(c).startswith("P") for c in doubtful):
            load.lines["review, only punctuation doubtful"].add(right)


def _plain(text: str) -> str:
    """Text as the scores compare it: one width, no spaces (handwriting has neither)."""
    from pipeline.validate.dates import canonical_text

    return canonical_text(text).replace(" ", "")


def print_load(load: Load, title: str) -> None:
    """Per kind: auto (wrong), review per form; then every (kind, field, reason) by its count."""
    from pipeline.synth.kinds import KINDS, wilson_lower

    forms = max(load.forms, 1)
    print(f"\n{title}: {load.forms} forms")
    print(f"{'kind':<17}{'auto':>6}{'wrong':>6}{'precision ≥ (95 %)':>20}{'review':>8}{'of them right':>15}{'review/form':>13}")
    for kind in KINDS:
        a, r = load.auto[kind], load.review[kind]
        bound = wilson_lower(a.right, a.fields) if a.fields else 0.0
        print(f"{kind:<17}{a.fields:>6}{a.fields - a.right:>6}{bound:>20.2%}{r.fields:>8}{r.right:>15}{r.fields / forms:>13.2f}")
    total = sum(t.fields for t in load.review.values())
    right = sum(t.right for t in load.review.values())
    print(f"{'all':<17}{'':>32}{total:>8}{right:>15}{total / forms:>13.2f}")
    print("\nreview by field and reason (a field with two reasons counts under both; right = the value was right already):")
    print(f"{'kind':<17}{'field':<20}{'fields':>7}{'right':>7}{'/form':>7}  reason")
    for (kind, fid, reason), t in sorted(load.reasons.items(), key=lambda item: -item[1].fields):
        print(f"{kind:<17}{fid:<20}{t.fields:>7}{t.right:>7}{t.fields / forms:>7.2f}  {reason}")
    by_reason: Counter[str] = Counter()
    right_by_reason: Counter[str] = Counter()
    for (_, _, reason), t in load.reasons.items():
        by_reason[reason] += t.fields
        right_by_reason[reason] += t.right
    print("\nreview by reason over all fields:")
    for reason, n in by_reason.most_common():
        print(f"{n:>7}{right_by_reason[reason]:>7}{n / forms:>7.2f}  {reason}")
    print("\nnarrative lines (right = exactly what was written there):")
    for how, t in load.lines.items():
        print(f"  {how:<36}{t.fields:>6}{t.right:>7} right{t.fields / forms:>7.2f}/form")
    if load.accepted_chars:
        upper = 1 - wilson_lower(load.accepted_chars - load.accepted_errors, load.accepted_chars)
        print(f"  character error rate of accepted lines: {load.accepted_errors}/{load.accepted_chars} = "
              f"{load.accepted_errors / load.accepted_chars:.2%} (one-sided 95 % upper bound {upper:.2%})")
    print("  characters under the line threshold, in lines to review: "
          + " ".join(f"{c}×{n}" for c, n in load.doubtful.most_common(20)))
    for w in load.wrong_auto:
        print(f"  wrong but auto: {w['form_id']} {w['field']}: read {w['read']!r}, truth {w['expected']!r} ({w['confidence']:.3f})")


def load_json(load: Load) -> dict[str, Any]:
    return {
        "forms": load.forms,
        "auto": {k: vars(t) for k, t in load.auto.items()},
        "review": {k: vars(t) for k, t in load.review.items()},
        "reasons": [{"kind": k, "field": f, "reason": r, **vars(t)} for (k, f, r), t in load.reasons.items()],
        "wrong_auto": load.wrong_auto,
        "lines": {k: vars(t) for k, t in load.lines.items()},
        "doubtful_characters": dict(load.doubtful.most_common()),
        "accepted_line_characters": load.accepted_chars, "accepted_line_errors": load.accepted_errors,
    }


def prepare(root: Path, args: argparse.Namespace) -> list[dict[str, Any]]:
    """The stacks under ``root`` (drawn and scanned there on first use), and a fresh workspace
    copied from the issued one for this run's ingest."""
    stack_file = root / "stack.json"
    if not stack_file.exists():
        stack = ingest_bench.make_stacks(
            root, forms=args.forms, seeds=args.seeds, profile=args.profile, hand_fonts=args.hand_font, hands=ingest_bench._hands(args)
        )
        shutil.copytree(root / "ws", root / PRISTINE)
        stack_file.write_text(json.dumps(stack), encoding="utf-8")
    shutil.rmtree(root / "ws", ignore_errors=True)
    shutil.copytree(root / PRISTINE, root / "ws")
    return json.loads(stack_file.read_text(encoding="utf-8"))["stacks"]


def measure(root: Path, stacks: list[dict[str, Any]]) -> Load:
    """Ingest ``stacks`` into ``root``'s workspace with one worker and tally the review load."""
    from pipeline.ingest import ingest
    from pipeline.store import records as record_store
    from pipeline.store.workspace import open_workspace

    ws = open_workspace(root / "ws")
    try:
        ingest(ws, [Path(s["returns"]) / "scans" for s in stacks], workers=1)
        with ws.session() as s:
            records = record_store.list_records(s)
    finally:
        ws.close()
    return tally(records, [ingest_bench._truth(Path(s["returns"])) for s in stacks])


def _arguments() -> argparse.Namespace:
    from pipeline.synth.scanner import PROFILES

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--forms", type=int, default=20, help="record forms per seed")
    parser.add_argument("--seeds", "--seed", type=lambda v: [int(s) for s in v.split(",")], default=[11], help="e.g. 11 or 11,12")
    parser.add_argument("--profile", choices=PROFILES, default="office")
    parser.add_argument("--preset", choices=tuple(ingest_bench.PRESETS), help="a stack preset (sets profile and hands)")
    parser.add_argument("--stroke-share", type=float, help="share of 40 pooled writers writing stroke by stroke")
    parser.add_argument("--pencil-share", type=float, help="share of 40 pooled writers writing in pencil")
    parser.add_argument("--hand-font", type=Path, action="append", default=[], help="held-out handwriting font (repeatable)")
    parser.add_argument("--root", type=Path, help="keep the stack here; reuse it when it is already there")
    args = parser.parse_args()
    for key, value in ingest_bench.PRESETS.get(args.preset or "", {}).items():
        setattr(args, key, value)
    return args


def main() -> None:
    args = _arguments()
    with tempfile.TemporaryDirectory(prefix="jiafang-review-load-") as tmp:
        root = args.root or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        load = measure(root, prepare(root, args))
    hands = ", ".join(p.name for p in args.hand_font) or (f"preset {args.preset}" if args.preset else "default kaiti")
    print_load(load, f"review load: seeds {args.seeds}, profile {args.profile}, hand {hands}")
    ingest_bench.OUT.mkdir(exist_ok=True)
    out = ingest_bench.OUT / "review_load.json"
    out.write_text(json.dumps(load_json(load), ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"\n→ {out}")


if __name__ == "__main__":
    main()
