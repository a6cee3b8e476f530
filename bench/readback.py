"""Readback benchmark: filled Word files (500 by default) and Word-exported text PDFs.

Reports ms per .docx for the reader alone (identify + read) and for a full `ingest` (reader,
validation, storage), and ms per page for the text-PDF reader on files LibreOffice exported.

    python bench/readback.py [--files 500] [--pdf-sample 20]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import tempfile
import time
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
FILLED = {
    "visit_date": "2025年11月3日",
    "visit_time": "19:00-20:10",
    "place": "学生家中",
    "mode": ("入户走访",),
    "visit_type": ("普访",),
    "student_present": ("是",),
    "topics": ("学习情况", "家庭教育指导"),
    "family_situation": "父母在外务工，由祖母照看。\n作业由姐姐辅导。",
    "problems": "放学后缺少看护。",
    "followup_measures": ("家庭教育指导",),
    "followup_due": "2025-11-10",
    "teacher_signature": True,
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=500)
    parser.add_argument("--pdf-sample", type=int, default=20)
    args = parser.parse_args()
    from pipeline.generate import generate
    from pipeline.ingest import ingest, readers
    from pipeline.ingest.classify import kind_of
    from pipeline.model.form import load_form
    from pipeline.resources import samples_dir
    from pipeline.roster.importer import import_roster
    from pipeline.store import repo
    from pipeline.store.workspace import init_workspace
    from pipeline.synth.docx_fill import fill_docx

    with tempfile.TemporaryDirectory(prefix="jiafang-readback-") as tmp:
        root = Path(tmp)
        ws = init_workspace(root / "ws", policy_path=samples_dir() / "policy.yaml")
        import_roster(ws, [samples_dir() / "roster.xlsx"])
        with ws.session() as s:
            base = repo.list_students(s)
            teacher = next(t.name for t in repo.list_teachers(s) if t.role == "班主任")
            repo.upsert_students(s, [replace(base[i % len(base)], student_no=f"R{i:09d}", class_name="读回班") for i in range(args.files)])
        report = generate(ws, forms=["record"], formats=["docx"], out_dir=root / "out", class_name="读回班")
        filled = []
        for n, entry in enumerate(report.entries):
            target = root / "back" / f"{n:04d}.docx"
            target.parent.mkdir(exist_ok=True)
            fill_docx(root / "out" / entry.file, {**FILLED, "teachers": teacher}, target)
            filled.append(target)
        form = load_form("record")
        started = time.perf_counter()
        for path in filled:
            found = readers.identify(path, "word")
            readers.read(path, "word", form, found)
        reader_ms = 1000 * (time.perf_counter() - started) / len(filled)
        started = time.perf_counter()
        ingested = ingest(ws, [root / "back"])
        ingest_ms = 1000 * (time.perf_counter() - started) / len(filled)
        results = {"docx_files": len(filled), "docx_reader_ms": reader_ms, "docx_ingest_ms": ingest_ms, "new_records": ingested.count("new")}
        results.update(_text_pdf(filled[: args.pdf_sample], root, form, readers, kind_of))
    print(json.dumps(results, indent=2))
    (HERE / "out").mkdir(exist_ok=True)
    (HERE / "out" / "readback.json").write_text(json.dumps(results, indent=2), encoding="utf-8")


def _text_pdf(files: list[Path], root: Path, form, readers, kind_of) -> dict[str, float]:  # type: ignore[no-untyped-def]
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        return {}
    profile = Path(tempfile.mkdtemp(prefix="lo-profile-"))
    out = root / "pdf"
    subprocess.run(
        [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf", "--outdir", str(out), *map(str, files)],
        check=True,
        capture_output=True,
    )
    shutil.rmtree(profile, ignore_errors=True)
    pdfs = sorted(out.glob("*.pdf"))
    pages = 0
    started = time.perf_counter()
    for path in pdfs:
        found = readers.identify(path, "pdf")
        readers.read(path, "pdf", form, found)
        pages += found.detail.pages
    return {"text_pdf_files": len(pdfs), "text_pdf_pages": pages, "text_pdf_ms_per_page": 1000 * (time.perf_counter() - started) / max(pages, 1)}


if __name__ == "__main__":
    main()
