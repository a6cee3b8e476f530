"""The demo: run the main job end to end on the bundled sample school."""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import JiafangError
from pipeline.generate import GenerationReport, generate
from pipeline.model.form import form_ids
from pipeline.progress import Progress
from pipeline.resources import samples_dir
from pipeline.roster.importer import RosterImportReport, import_roster
from pipeline.store.workspace import init_workspace

MARKER = ".jiafang-demo"  # marks a folder the demo made, so a rerun may replace it


@dataclass
class DemoReport:
    out_dir: Path
    workspace: Path
    roster: RosterImportReport
    generation: GenerationReport
    seconds: float


def run_demo(out_dir: Path, *, progress: Progress | None = None) -> DemoReport:
    """Build a fresh workspace from samples/, import the roster, generate every form."""
    started = time.perf_counter()
    _prepare(out_dir)
    samples = samples_dir()
    ws = init_workspace(out_dir / "workspace", policy_path=samples / "policy.yaml")
    roster = import_roster(ws, [samples / "roster.xlsx"])
    generation = generate(
        ws,
        forms=form_ids(),
        formats=("pdf", "docx"),
        out_dir=out_dir / "forms",
        progress=progress,
    )
    return DemoReport(out_dir, ws.root, roster, generation, time.perf_counter() - started)


def _prepare(out_dir: Path) -> None:
    """Replace a folder an earlier demo made; refuse to touch anything else."""
    if out_dir.exists() and any(out_dir.iterdir()):
        if not (out_dir / MARKER).exists():
            raise JiafangError(f"演示目录 {out_dir} 已存在且不是演示生成的。请换一个目录（--out）或先清空它。")
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / MARKER).write_text("jiafang demo output; safe to delete\n", encoding="utf-8")
