"""Inspection-packet benchmark: a school of N students with two visits each, scans included.

Builds synthetic schools of two sizes (default 300 and 1,200 students), stores two record
forms per student with two scanned pages each, then times `build_packet` for each size in its
own process and reports time and peak memory side by side (memory should be flat in size).

    python bench/packet.py [--sizes 300 1200]
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import io
import json
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
VISIT = {
    "visit_time": "14:30-15:20",
    "place": "学生家中",
    "mode": ("入户走访",),
    "visit_type": ("普访",),
    "student_present": ("是",),
    "interviewee": "母亲",
    "topics": ("学习情况", "安全教育(防溺水·交通·防诈)"),
    "family_situation": "父母在外务工，由祖母照看，作业由姐姐辅导。",
    "school_feedback": "上课认真，作业按时完成。",
    "parent_opinion": "希望老师多沟通。",
    "problems": "放学后缺少看护。",
    "consensus": "每周电话沟通一次。",
    "measures": "班主任每周谈心。",
    "followup_measures": ("家庭教育指导",),
    "teacher_signature": True,
    "parent_signature": True,
}


def setup(root: Path, students: int) -> None:
    """A workspace of ``students`` cloned students, two record forms each, stored with scans."""
    import pypdfium2 as pdfium

    from pipeline.generate import generate
    from pipeline.model.form import load_form
    from pipeline.model.record import RawValue, Reading
    from pipeline.model.scan import ScannedPage
    from pipeline.resources import samples_dir
    from pipeline.roster.importer import import_roster
    from pipeline.store import repo
    from pipeline.store.records import add_record
    from pipeline.store.scans import add_scanned_page
    from pipeline.store.workspace import init_workspace
    from pipeline.validate import ValidationContext, to_record

    ws = init_workspace(root / "ws", policy_path=samples_dir() / "policy.yaml")
    import_roster(ws, [samples_dir() / "roster.xlsx"])
    with ws.session() as s:
        base = repo.list_students(s)
        clones = [replace(base[i % len(base)], student_no=f"B{i:09d}", class_name=f"模拟{i // 40 + 1:02d}班") for i in range(students)]
        repo.upsert_students(s, clones)
        teachers = repo.list_teachers(s)
    roster = {c.student_no: c for c in clones}
    issued = []
    for visit in range(2):
        report = generate(ws, forms=["record"], formats=["pdf"], out_dir=root / f"print{visit}")
        issued += [e for e in report.entries if e.student_id in roster]
    pdf = pdfium.PdfDocument(root / "print0" / issued[0].file)
    pages = [_jpeg(pdf[i].render(scale=200 / 72).to_pil().convert("L")) for i in range(2)]
    names = [ws.files.put_bytes(p, ".jpg") + ".jpg" for p in pages]
    form = load_form("record")
    teacher = next(t.name for t in teachers if t.role == "班主任")
    for k, entry in enumerate(issued):
        with ws.session() as s:
            issue = repo.get_issued_form(s, entry.form_id)
            values = {**VISIT, "teachers": teacher, "visit_date": f"2025-{10 + k % 3}-{1 + k % 28:02d}"}
            reading = Reading(entry.form_id, {f: RawValue(v, 1.0, "ocr") for f, v in values.items()}, reader="scan")
            ctx = ValidationContext(policy=ws.policy, student=roster[entry.student_id], teachers=teachers, today=dt.date(2026, 3, 1))
            add_record(s, to_record(reading, form=form, issued=issue, context=ctx, source_file=names[0]))
            for page, name in enumerate(names, start=1):
                digest = hashlib.sha256(f"{entry.form_id}/{page}".encode()).hexdigest()
                add_scanned_page(
                    s,
                    ScannedPage(digest, names[0], page - 1, "read", form_id=entry.form_id, page_no=page, image=name, registered=name, consumed=True),
                )


def _jpeg(image) -> bytes:  # type: ignore[no-untyped-def]
    buf = io.BytesIO()
    image.save(buf, format="JPEG", quality=80)
    return buf.getvalue()


def measure(root: Path) -> dict[str, float]:
    from pipeline.archive.packet import build_packet
    from pipeline.store.workspace import open_workspace

    ws = open_workspace(root / "ws")
    started = time.perf_counter()
    result = build_packet(ws, scope="school", term=ws.policy.semesters[0].id, out_dir=root / "packet", operator="bench")
    return {
        "records": result.records,
        "pages": result.pages,
        "seconds": time.perf_counter() - started,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "pdf_mb": result.pdf.stat().st_size / 1e6,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[300, 1200])
    parser.add_argument("--step", choices=["setup", "measure"])
    parser.add_argument("--root")
    parser.add_argument("--students", type=int)
    args = parser.parse_args()
    if args.step == "setup":
        setup(Path(args.root), args.students)
        return
    if args.step == "measure":
        print(json.dumps(measure(Path(args.root))))
        return
    results = {}
    with tempfile.TemporaryDirectory(prefix="jiafang-packet-") as tmp:
        for size in args.sizes:
            root = Path(tmp) / str(size)
            subprocess.run([sys.executable, __file__, "--step", "setup", "--root", str(root), "--students", str(size)], check=True)
            out = subprocess.run([sys.executable, __file__, "--step", "measure", "--root", str(root)], check=True, capture_output=True, text=True)
            results[size] = json.loads(out.stdout.strip().splitlines()[-1])
    for size, r in results.items():
        print(f"{size:>5} students: {r['records']} records, {r['pages']} PDF pages in {r['seconds']:.1f} s, "
              f"peak RSS {r['peak_rss_mb']:.0f} MB, PDF {r['pdf_mb']:.0f} MB")
    small, large = results[min(results)], results[max(results)]
    print(f"memory ratio largest/smallest school: {large['peak_rss_mb'] / small['peak_rss_mb']:.2f} "
          f"(school size ratio {max(results) / min(results):.0f})")
    (HERE / "out").mkdir(exist_ok=True)
    (HERE / "out" / "packet.json").write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
