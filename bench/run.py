"""Generation benchmark: record forms for 1,000 students as print PDF and as .docx.

Each measurement runs in its own process so peak memory (max RSS) is its own; LibreOffice,
where installed, converts a sample of the same .docx forms in the same run so the ratio is
measured side by side on the same (shared, noisy) machine.

    python bench/run.py [--students 1000] [--lo-sample 30]
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"


def make_workspace(root: Path, students: int) -> Path:
    """A workspace holding ``students`` synthetic students cloned from the sample roster."""
    from pipeline.resources import samples_dir
    from pipeline.roster.importer import import_roster
    from pipeline.store import repo
    from pipeline.store.workspace import init_workspace

    ws = init_workspace(root / "ws", policy_path=samples_dir() / "policy.yaml")
    import_roster(ws, [samples_dir() / "roster.xlsx"])
    with ws.session() as s:
        base = repo.list_students(s)
    clones = [
        replace(base[i % len(base)], student_no=f"B{i:09d}", class_name=f"模拟{i // 40 + 1:02d}班")
        for i in range(students)
    ]
    with ws.session() as s:
        repo.upsert_students(s, clones)
    return ws.root


def measure(kind: str, ws_root: Path, out: Path) -> dict[str, float]:
    """Run one generation in this process and report its figures."""
    from pipeline.generate import generate
    from pipeline.store.workspace import open_workspace

    ws = open_workspace(ws_root)
    classes = sorted({c for c in _classes(ws) if c.startswith("模拟")})
    started = time.perf_counter()
    forms = pages = 0
    for cls in classes:
        report = generate(ws, forms=["record"], formats=[kind], out_dir=out, class_name=cls)
        forms += report.forms_issued
        pages += report.pdf_pages
    seconds = time.perf_counter() - started
    return {
        "forms": forms,
        "pages": pages,
        "seconds": seconds,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _classes(ws) -> list[str]:
    from pipeline.store import repo

    with ws.session() as s:
        return repo.list_classes(s)


def libreoffice(docx_dir: Path, sample: int, out: Path) -> dict[str, float] | None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        return None
    files = sorted(docx_dir.rglob("*.docx"))[:sample]
    profile = tempfile.mkdtemp(prefix="lo-profile-")
    started = time.perf_counter()
    subprocess.run(
        [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf", "--outdir", str(out), *map(str, files)],
        check=True,
        capture_output=True,
    )
    seconds = time.perf_counter() - started
    shutil.rmtree(profile, ignore_errors=True)
    return {"forms": len(files), "seconds": seconds}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--lo-sample", type=int, default=30)
    parser.add_argument("--one", choices=["pdf", "docx"])
    parser.add_argument("--ws")
    parser.add_argument("--out")
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, Path(args.ws), Path(args.out))))
        return
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="jiafang-bench-") as tmp:
        root = Path(tmp)
        ws_root = make_workspace(root, args.students)
        results = {}
        for kind in ("pdf", "docx"):
            proc = subprocess.run(
                [sys.executable, __file__, "--one", kind, "--ws", str(ws_root), "--out", str(root / kind)],
                check=True,
                capture_output=True,
                text=True,
            )
            results[kind] = json.loads(proc.stdout.strip().splitlines()[-1])
        results["libreoffice"] = libreoffice(root / "docx" / "docx", args.lo_sample, root / "lo")
    report(results)
    (OUT / "generate.json").write_text(json.dumps(results, indent=2), encoding="utf-8")


def report(r: dict) -> None:
    pdf, docx, lo = r["pdf"], r["docx"], r["libreoffice"]
    pdf_ms_form = 1000 * pdf["seconds"] / pdf["forms"]
    docx_ms = 1000 * docx["seconds"] / docx["forms"]
    print(f"record PDF : {pdf['forms']} forms, {pdf['pages']} pages in {pdf['seconds']:.1f} s "
          f"= {pdf['pages'] / pdf['seconds']:.0f} pages/s ({pdf_ms_form:.1f} ms/form), peak RSS {pdf['peak_rss_mb']:.0f} MB")
    print(f"record DOCX: {docx['forms']} files in {docx['seconds']:.1f} s = {docx_ms:.1f} ms/docx, "
          f"peak RSS {docx['peak_rss_mb']:.0f} MB")
    if lo:
        lo_ms = 1000 * lo["seconds"] / lo["forms"]
        print(f"LibreOffice docx→pdf: {lo['forms']} forms in {lo['seconds']:.1f} s = {lo_ms:.0f} ms/form; "
              f"our PDF path is {lo_ms / pdf_ms_form:.0f}× faster per form")
    else:
        print("LibreOffice not installed: no side-by-side conversion")


if __name__ == "__main__":
    main()
