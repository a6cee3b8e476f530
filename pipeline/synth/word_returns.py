"""Synthetic Word returns: issued .docx forms filled in programmatically, as a teacher would."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.model.form import FormDef, load_form
from pipeline.model.policy import Policy
from pipeline.resources import samples_dir
from pipeline.synth.docx_fill import FillValue, fill_docx
from pipeline.synth.filling import plan_values
from pipeline.synth.returns import RosterPeople


def fill_word_returns(
    manifest_path: Path, out_dir: Path, *, policy: Policy, seed: int, limit: int, roster: Path | None = None
) -> dict[str, dict[str, Any]]:
    """Fill up to ``limit`` issued record .docx files into ``out_dir``; returns the truth by form id."""
    entries = [
        e for e in json.loads(manifest_path.read_text(encoding="utf-8")) if e["format"] == "docx" and e["form"] == "record"
    ][:limit]
    people = RosterPeople(roster or samples_dir() / "roster.xlsx")
    period = policy.semesters[0] if policy.semesters else policy.school_year
    out_dir.mkdir(parents=True, exist_ok=True)
    truth: dict[str, dict[str, Any]] = {}
    for index, entry in enumerate(entries):
        form = load_form(entry["form"])
        rng = np.random.default_rng([seed, 2, index])
        plan = plan_values(form, people.people(entry["student_id"], entry["class"]), period=period, deadlines=policy.deadlines, rng=rng)
        source = manifest_path.parent / entry["file"]
        fill_docx(source, docx_values(form, plan.values), out_dir / source.name)
        truth[entry["form_id"]] = {"form": entry["form"], "student_id": entry["student_id"], "values": plan.values}
    return truth


def docx_values(form: FormDef, values: dict[str, Any]) -> dict[str, FillValue]:
    """Values in the export contract → what fill_docx types and ticks."""
    out: dict[str, FillValue] = {}
    for fid, value in values.items():
        kind = form.field(fid).kind
        if value is None or value == []:
            continue
        if kind == "single_choice":
            out[fid] = (value,)
        elif kind == "multi_choice":
            out[fid] = tuple(value)
        else:
            out[fid] = value
    return out
