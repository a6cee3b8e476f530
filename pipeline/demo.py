"""The demo: the whole job end to end on the bundled sample school.

roster → generate (PDF + Word) → teachers fill some Word files and some paper forms (synthetic,
seeded) → ingest both → export → recognition figures against the ground truth.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.archive.dossier import build_dossier
from pipeline.archive.packet import build_packet
from pipeline.errors import JiafangError
from pipeline.export.records import export_records
from pipeline.generate import GenerationReport, generate
from pipeline.ingest import IngestReport, ingest
from pipeline.model.form import form_ids
from pipeline.progress import Progress
from pipeline.resources import samples_dir
from pipeline.roster.importer import RosterImportReport, import_roster
from pipeline.store import records as record_store
from pipeline.report.stats.report import make_stats_report
from pipeline.report.compliance import make_compliance_report
from pipeline.report.ledger import make_ledger_report
from pipeline.report.written import Written
from pipeline.store.workspace import Workspace, init_workspace

if TYPE_CHECKING:  # the synthetic returns are the demo's tool, loaded only when the demo runs
    from pipeline.synth.evaluate import Evaluation

MARKER = ".jiafang-demo"  # marks a folder the demo made, so a rerun may replace it
SEED = 20251103
WORD_RETURNS = 6  # filled .docx handed back
PAPER_RETURNS = 8  # filled paper record forms scanned as one stack
DEMO_MONTH = "2025-11"  # the sample visits fall in the first semester of the sample school year
OPERATOR = "演示"


@dataclass
class DemoReport:
    out_dir: Path
    workspace: Path
    roster: RosterImportReport
    generation: GenerationReport
    ingest: IngestReport | None = None
    scan_truth: Path | None = None
    evaluation: Evaluation | None = None
    exports: list[Path] = field(default_factory=list)
    reports: dict[str, Path] = field(default_factory=dict)  # what the office hands in, by name
    seconds: float = 0.0


def run_demo(out_dir: Path, *, workers: int | None = None, progress: Progress | None = None) -> DemoReport:
    """Build a fresh workspace from samples/ and run the main job on it."""
    from pipeline.synth.evaluate import evaluate
    from pipeline.synth.returns import StackEvents, fill_returns
    from pipeline.synth.word_returns import fill_word_returns

    started = time.perf_counter()
    _prepare(out_dir)
    samples = samples_dir()
    ws = init_workspace(out_dir / "workspace", policy_path=samples / "policy.yaml")
    roster = import_roster(ws, [samples / "roster.xlsx"])
    generation = generate(ws, forms=form_ids(), formats=("pdf", "docx"), out_dir=out_dir / "forms", progress=progress)
    report = DemoReport(out_dir, ws.root, roster, generation)
    manifest = out_dir / "forms" / "manifest.json"
    returned = out_dir / "returned"
    fill_word_returns(manifest, returned / "word", policy=ws.policy, seed=SEED, limit=WORD_RETURNS)
    filled = fill_returns(
        manifest, returned / "paper", seed=SEED, forms=("record",), limit=PAPER_RETURNS, events=StackEvents(), policy=ws.policy
    )
    report.scan_truth = filled.truth_path
    report.ingest = ingest(ws, [returned / "word", returned / "paper" / "scans"], workers=workers, progress=progress)
    with ws.session() as session:
        records = record_store.list_records(session)
    report.evaluation = evaluate(records, _truth(filled.truth_path))
    exports = out_dir / "exports"
    report.exports = [
        *export_records(records, fmt="json", out=exports / "records.json"),
        *export_records(records, fmt="xlsx", out=exports / "records.xlsx"),
    ]
    report.reports = _school_reports(ws, out_dir / "reports", records[0].student_no if records else None)
    report.seconds = time.perf_counter() - started
    return report


def _school_reports(ws: Workspace, out: Path, student_no: str | None) -> dict[str, Path]:
    """The month's 统计表, the compliance list, the ledger, one dossier and the term's packet."""
    semester = ws.policy.semesters[0]
    month = DEMO_MONTH
    made = {
        "统计表（xlsx）": make_stats_report(ws, month=month, out=out / f"统计表-{month}.xlsx", operator=OPERATOR).path,
        "统计表（PDF）": make_stats_report(ws, month=month, out=out / f"统计表-{month}.pdf", operator=OPERATOR).path,
        "待办清单": _path(make_compliance_report(ws, as_of=semester.end, out=out / "待办清单.xlsx", operator=OPERATOR).written),
        "问题台账": _path(make_ledger_report(ws, as_of=semester.end, out=out / "问题台账.xlsx", operator=OPERATOR).written),
    }
    if student_no:
        made["一生一档"] = build_dossier(ws, student_no, out / f"一生一档-{student_no}.pdf", operator=OPERATOR)
    packet = build_packet(ws, scope="school", term=semester.id, out_dir=out / "督导检查", operator=OPERATOR)
    made["督导检查材料（PDF）"] = packet.pdf
    made["督导检查材料（ZIP）"] = packet.zip
    return made


def _path(written: Written | None) -> Path:
    assert written is not None, "a report asked to be written names its file"
    return written.path


def _truth(path: Path) -> dict:
    import json

    return json.loads(path.read_text(encoding="utf-8"))


def _prepare(out_dir: Path) -> None:
    """Replace a folder an earlier demo made; refuse to touch anything else."""
    if out_dir.exists() and any(out_dir.iterdir()):
        if not (out_dir / MARKER).exists():
            raise JiafangError(f"演示目录 {out_dir} 已存在且不是演示生成的。请换一个目录（--out）或先清空它。")
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / MARKER).write_text("jiafang demo output; safe to delete\n", encoding="utf-8")
