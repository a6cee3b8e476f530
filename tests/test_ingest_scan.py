"""Scan ingest end to end: a synthetic stack is identified, registered, read and stored once."""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pikepdf
import pytest
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas
from sqlalchemy import text

from pipeline.generate import generate
from pipeline.ingest import ingest
from pipeline.ingest.scan_page import UNCHECKED_STRAYS, identify
from pipeline.model.form import FormDef, load_form
from pipeline.model.record import Record
from pipeline.resources import samples_dir
from pipeline.roster.importer import import_roster
from pipeline.store import records as record_store
from pipeline.store import repo, scans
from pipeline.scan.load import scan_pages
from pipeline.store.workspace import Workspace, init_workspace, open_workspace
from pipeline.synth.evaluate import evaluate
from pipeline import defs
from pipeline.readback import inspect_pdf
from pipeline.synth import fill_print_pdf
from pipeline.synth.photo import PhotoModel, photo_bytes, photograph
from tests.scan_support import TEMPLATE_DPI, IssuedPage, issue_one_form, mark_options, rasterise
from pipeline.model.form import Box
from pipeline.synth.handwriting import HandwritingStyle, draw_text, px_box
from pipeline.synth.returns import StackEvents, fill_returns

pytestmark = pytest.mark.slow
CLASS = "扫描班"


def _workspace(root: Path, students: int = 2) -> Workspace:
    ws = init_workspace(root, policy_path=samples_dir() / "policy.yaml")
    import_roster(ws, [samples_dir() / "roster.xlsx"])
    with ws.session() as s:
        chosen = repo.list_students(s, class_name="七年级（1）班")[:students]
        repo.upsert_students(s, [replace(st, class_name=CLASS) for st in chosen])
    return ws


def _stack(ws: Workspace, tmp: Path, *, events: StackEvents, profile: str = "clean", seed: int = 3) -> tuple[Path, dict]:
    generate(ws, forms=["record"], formats=["pdf"], out_dir=tmp / "forms", class_name=CLASS)
    filled = fill_returns(tmp / "forms" / "manifest.json", tmp / "ret", seed=seed, forms=("record",), profile=profile, events=events, policy=ws.policy)
    return tmp / "ret" / "scans", json.loads(filled.truth_path.read_text(encoding="utf-8"))


def _rows(ws: Workspace) -> dict[str, list[tuple]]:
    with ws.engine.connect() as db:
        def rows(sql: str) -> list[tuple]:
            return sorted((tuple(r) for r in db.execute(text(sql))), key=repr)

        return {
            "records": rows("SELECT form_id, version, status FROM records"),
            "fields": rows("SELECT r.form_id, f.field_id, f.value, f.status FROM field_values f JOIN records r ON r.id = f.record_id"),
            "pages": rows("SELECT digest, status, form_id, page_no FROM scan_pages"),
        }


def test_a_clean_scanned_stack_becomes_records_with_checkboxes_read_right(tmp_path: Path) -> None:
    ws = _workspace(tmp_path / "ws")
    scans, truth = _stack(ws, tmp_path, events=StackEvents.none())
    report = ingest(ws, [scans], workers=1)
    assert report.count("new") == 2 and report.count("quarantined") == 0
    with ws.session() as s:
        records = record_store.list_records(s)
    result = evaluate(records, truth)
    assert result.forms_read == 2
    assert report.fields("auto") + report.fields("review") == sum(len(r.fields) for r in records)
    assert report.fields("auto") > report.fields("review"), "a clean stack goes mostly straight through"
    assert result.checkbox_options.accuracy == 1.0
    for group in ("checkbox", "digits", "signature"):
        assert result.groups[group].auto_precision == 1.0, group
    record = records[0]
    form = load_form("record")
    assert all(record.fields[f.id].crop for f in form.fields if f.fillable), "every read field keeps its crop"
    narratives = [record.fields[f.id] for f in form.fields if f.kind == "multiline" and record.fields[f.id].value]
    assert narratives and all(fv.lines for fv in narratives), "handwritten paragraphs are read line by line"
    for fv in narratives:
        assert (fv.status == "auto") == all(line.accepted for line in fv.lines), "a paragraph waits only for its uncertain lines"


def _searchable(scan_pdf: Path, out: Path, *, variant: str) -> Path:
    """The copier PDF as other machines write it. "one-image": a copier's "searchable PDF", each
    page image under an invisible OCR text layer (text a Chinese OCR would find on the form);
    "compact-layers": as a "compact" PDF splits it, the page under a second image of its top
    strip; "scanner-app": as a phone scanner app saves it, the page inside a margin with the
    app's name stamped visibly in its corner."""
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    sheet = canvas.Canvas(str(out), pagesize=A4)
    margin = 0.04 * A4[0] if variant == "scanner-app" else 0
    for page in scan_pages(scan_pdf):
        assert page.image is not None
        png = out.with_name(f"page-{page.index}.png")
        Image.fromarray(page.image).save(png)
        sheet.drawImage(str(png), margin, margin, width=A4[0] - 2 * margin, height=A4[1] - 2 * margin)
        if variant == "compact-layers":
            strip = page.image[: page.image.shape[0] // 10]
            Image.fromarray(strip).save(top := out.with_name(f"top-{page.index}.png"))
            sheet.drawImage(str(top), 0, A4[1] * 0.9, width=A4[0], height=A4[1] * strip.shape[0] / page.image.shape[0])
        if variant == "scanner-app":
            sheet.setFont("STSong-Light", 8)
            sheet.drawString(A4[0] - 90, 6, "扫描全能王 创建")
        else:
            layer = sheet.beginText(40, 790)
            layer.setTextRenderMode(3)
            layer.setFont("STSong-Light", 9)
            for line in ("青禾市明德实验学校 家访记录表", "学校 青禾市明德实验学校 班级 扫描班", "家访日期 家访地点 学生家中 受访人"):
                layer.textLine(line)
            sheet.drawText(layer)
        sheet.showPage()
    sheet.save()
    return out


@pytest.mark.parametrize("variant", ["one-image", "compact-layers", "scanner-app"])
def test_a_copiers_or_scanner_apps_pdf_is_read_page_by_page_like_the_same_scan_without_its_text(tmp_path: Path, variant: str) -> None:
    """A copier's OCR layer or a scanner app's stamp is no document text: read by its labels,
    page 1's form took the whole stack (the other form never read) and every field went to
    review. A page drawn other than at its own size (layers, a margin) is read at another scale,
    so only its records are compared."""
    issued = _workspace(tmp_path / "plain")
    scans, _ = _stack(issued, tmp_path, events=StackEvents.none())
    issued.close()
    shutil.copytree(tmp_path / "plain", tmp_path / "ocr")
    plain_ws, ocr_ws = open_workspace(tmp_path / "plain"), open_workspace(tmp_path / "ocr")
    [scan_pdf] = sorted(scans.rglob("*.pdf"))
    searchable = _searchable(scan_pdf, tmp_path / "可搜索.pdf", variant=variant)
    plain = ingest(plain_ws, [scan_pdf], workers=1)
    ocr = ingest(ocr_ws, [searchable], workers=1)
    assert plain.count("new") == ocr.count("new") == 2
    with ocr_ws.session() as s:
        assert {r.reader for r in record_store.list_records(s)} == {"scan"}
    plain_rows, ocr_rows = _rows(plain_ws), _rows(ocr_ws)
    assert plain_rows["records"] == ocr_rows["records"]
    assert variant != "one-image" or plain_rows["fields"] == ocr_rows["fields"]


def _two_to_a_sheet(scans: Path, out: Path, *, turns: int) -> Path:
    """The scanned pages as a form printed two pages to a side ("每版打印 2 页": each page shrunk
    to fit half of an A4 sheet turned across) and scanned, the sheet turned ``turns`` quarter turns."""
    pages = [page for pdf in sorted(scans.rglob("*.pdf")) for page in scan_pages(pdf)]
    images, dpi = [page.image for page in pages if page.image is not None], pages[0].dpi
    height, width = images[0].shape
    out.mkdir()
    for n in range(0, len(images), 2):
        sheet = np.full((width, height), 255, np.uint8)
        for k, image in enumerate(images[n : n + 2]):
            small = np.asarray(Image.fromarray(image).resize((round(width * 0.7), round(height * 0.7)), Image.LANCZOS))
            top, left = (width - small.shape[0]) // 2, k * height // 2 + (height // 2 - small.shape[1]) // 2
            sheet[top : top + small.shape[0], left : left + small.shape[1]] = small
        Image.fromarray(np.ascontiguousarray(np.rot90(sheet, turns))).save(out / f"{n // 2 + 1}.png", dpi=(dpi, dpi))
    return out


@pytest.mark.parametrize("turns", [0, 1], ids=["side-by-side", "fed-turned"])
def test_a_sheet_printed_two_pages_to_a_side_is_read_half_by_half(tmp_path: Path, turns: int) -> None:
    """A class printed 每版打印 2 页 (a form's two pages shrunk onto one side of an A4 sheet) was
    quarantined whole, as a scan to put flat and rescan at 100 %, which cannot help: the sheet is
    printed so. Each half is now read as a page at its printed scale."""
    ws = _workspace(tmp_path / "ws")
    scans, truth = _stack(ws, tmp_path, events=StackEvents.none())
    sheets = _two_to_a_sheet(scans, tmp_path / "2-up", turns=turns)
    report = ingest(ws, [sheets], workers=1)
    assert report.count("new") == 2 and report.count("quarantined") == 0, [i.message for i in report.items]
    halves = ("左半页", "右半页") if turns % 2 == 0 else ("上半页", "下半页")
    assert sorted(i.message.split("（")[1][:3] for i in report.items if i.outcome == "read") == sorted(halves * 2)
    with ws.session() as s:
        result = evaluate(record_store.list_records(s), truth)
    assert result.forms_read == 2
    for group, _, accuracy, _, precision in result.rows():
        assert precision == 1.0, f"{group}: a value accepted unchecked is wrong"
        assert group not in ("checkbox", "checkbox options", "signature") or accuracy == 1.0, group
    before = _rows(ws)
    again = ingest(ws, [sheets], workers=1)
    assert again.count("new") == again.count("updated") == 0
    assert _rows(ws) == before, "a rerun of the same sheets adds nothing"


def test_a_note_on_one_half_of_a_two_page_scan_is_shown_on_that_half_only(tmp_path: Path) -> None:
    """Two students' forms printed two pages to a side and scanned; a head teacher puts a note on
    each student's 家访地点. Before, each half was given both notes, each on a field the note was
    not on: a remark about one student stored on the other's record."""
    ws = _workspace(tmp_path / "ws")
    scans, _ = _stack(ws, tmp_path, events=StackEvents.none())
    pages = [page for pdf in sorted(scans.rglob("*.pdf")) for page in scan_pages(pdf)]
    firsts = [page for page in pages if (found := identify(page.image, page.dpi)).payload and found.payload.page == 1]
    place = load_form("record").field("place").value_box
    sheet = _two_up_pdf([page.image for page in firsts], firsts[0].dpi, [(0, place, "甲生：地点是奶奶家"), (1, place, "乙生：地点在学校")], tmp_path / "2-up.pdf")
    report = ingest(ws, [sheet], workers=1)
    assert report.count("new") == 2, [i.message for i in report.items]
    with ws.session() as s:
        noted = {r.form_id: {fid: v.message for fid, v in r.fields.items() if "批注" in v.message} for r in record_store.list_records(s)}
    ws.close()
    assert [list(fields) for fields in noted.values()] == [["place"], ["place"]]
    said = sorted(("甲生" in fields["place"], "乙生" in fields["place"]) for fields in noted.values())
    assert said == [(False, True), (True, False)], "each student's record has its own note and not the other's"


def _two_up_pdf(images: list[np.ndarray], dpi: float, notes: list[tuple[int, Box, str]], out: Path) -> Path:
    """Two page images printed two to a side (each shrunk to 70 % in its half of a sheet turned
    across) as a scanned PDF, with a sticky note for each (half, box in mm on its page, text)."""
    height, width = images[0].shape
    sheet, places = np.full((width, height), 255, np.uint8), []
    for k, image in enumerate(images[:2]):
        small = np.asarray(Image.fromarray(image).resize((round(width * 0.7), round(height * 0.7)), Image.LANCZOS))
        top, left = (width - small.shape[0]) // 2, k * height // 2 + (height // 2 - small.shape[1]) // 2
        sheet[top : top + small.shape[0], left : left + small.shape[1]] = small
        places.append((left, top, small.shape[1] / width))
    Image.fromarray(sheet).save(out, resolution=dpi)
    pt, px = 72 / dpi, dpi / 25.4
    with pikepdf.open(out, allow_overwriting_input=True) as pdf:
        annots = []
        for k, box, text in notes:
            left, top, shrink = places[k]
            x, y = left + (box.x + box.w / 2) * px * shrink, top + (box.y + box.h / 2) * px * shrink
            rect = [x * pt - 10, (width - y) * pt - 10, x * pt + 10, (width - y) * pt + 10]
            annots.append(pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Text, Rect=rect, Contents=text)))
        pdf.pages[0].obj.Annots = pdf.make_indirect(pikepdf.Array(annots))
        pdf.save(out)
    return out


def test_the_stack_events_are_recognised_and_reported(tmp_path: Path) -> None:
    ws = _workspace(tmp_path / "ws", students=3)
    scans, truth = _stack(ws, tmp_path, events=StackEvents(blank_back_rate=0.0, duplicates=1, missing=1, foreign=1, upside_down=1))
    report = ingest(ws, [scans], workers=1)
    outcomes = [i.outcome for i in report.items]
    assert outcomes.count("quarantined") == 1, "the foreign page is quarantined"
    assert outcomes.count("duplicate") == 1, "a page fed twice is kept once"
    missing = [i for i in report.items if "缺第" in i.message]
    assert len(missing) == 1, "the form with a page missing is reported"
    assert report.count("new") == 3


@pytest.mark.both_databases  # the one scan ingest on PostgreSQL: OCR is costly
def test_ingesting_the_same_stack_twice_adds_nothing(tmp_path: Path) -> None:
    ws = _workspace(tmp_path / "ws", students=1)
    scans, _ = _stack(ws, tmp_path, events=StackEvents.none())
    ingest(ws, [scans], workers=1)
    before = _rows(ws)
    again = ingest(ws, [scans], workers=1)
    assert {i.outcome for i in again.items} == {"duplicate"}
    assert _rows(ws) == before


def test_a_batch_killed_mid_way_resumes_to_the_same_database(tmp_path: Path) -> None:
    whole = _workspace(tmp_path / "whole")
    scans, _ = _stack(whole, tmp_path, events=StackEvents.none())
    # the same issued forms in a second workspace: copy the first before any ingest
    import shutil

    shutil.copytree(whole.root, tmp_path / "killed")
    ingest(whole, [scans], workers=1)

    cmd = [sys.executable, "-m", "pipeline", "ingest", "-w", str(tmp_path / "killed"), "--workers", "1", str(scans)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    db = tmp_path / "killed" / "jiafang.sqlite"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None:
        with sqlite3.connect(db) as conn:
            if conn.execute("SELECT count(*) FROM scan_pages").fetchone()[0] >= 2:
                break
        time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    subprocess.run(cmd, check=False, capture_output=True)
    from pipeline.store.workspace import open_workspace

    assert _rows(open_workspace(tmp_path / "killed")) == _rows(whole)


def _issued_on_an_older_layout(tmp_path: Path) -> tuple[Workspace, FormDef, str, np.ndarray]:
    """A workspace whose one student was issued a record form printed from an older layout (家访地点
    and 参与教师 in each other's rows): the workspace, that layout, the form id and page 1 as
    printed (8 px/mm)."""
    import datetime as dt

    import pypdfium2 as pdfium

    from pipeline.generate.batch import filled_form
    from pipeline.model.form import form_from_file
    from pipeline.model.issuance import IssuedForm
    from pipeline.render.pdf import render_pdf
    from pipeline.resources import forms_dir

    ws = _workspace(tmp_path / "ws", students=1)
    text = (forms_dir() / "record.yaml").read_text(encoding="utf-8")
    swapped = text.replace("box: [15, 121, 180, 10]}", "box: [15, 151, 180, 10]}", 1).replace(
        "        box: [15, 151, 180, 10]\n", "        box: [15, 121, 180, 10]\n", 1
    )
    (tmp_path / "record.yaml").write_text(swapped, encoding="utf-8")
    old = form_from_file(tmp_path / "record.yaml")
    assert old.layout_hash != load_form("record").layout_hash and old.field("place").box.y == 151
    with ws.session() as s:
        student = repo.list_students(s, class_name=CLASS)[0]
    filled = filled_form(old, student, ws.policy)
    render_pdf([filled], tmp_path / "old.pdf", batch_id="OLD")
    with ws.session() as s:
        repo.save_layout(s, old)
        repo.add_issued_forms(s, [IssuedForm(filled.form_id, "record", old.version, old.layout_hash, student.student_no, CLASS, 2, "OLD", (), dt.datetime.now(dt.timezone.utc))])
    page = np.asarray(pdfium.PdfDocument(tmp_path / "old.pdf")[0].render(scale=8 * 25.4 / 72, grayscale=True).to_pil())[:2376].copy()
    return ws, old, filled.form_id, page


def _older_layout_scanned(tmp_path: Path) -> tuple[Workspace, FormDef, Record, str]:
    """A page of an older layout written on (学校会议室 in its 家访地点 box, the class teacher in its
    参与教师 box), scanned and ingested: the workspace, that layout, the record, the teacher."""
    from PIL import Image

    from pipeline.synth.handwriting import HandwritingStyle, draw_text, px_box

    ws, old, form_id, page = _issued_on_an_older_layout(tmp_path)
    with ws.session() as s:
        teacher = next(t.name for t in repo.list_teachers(s) if t.role == "班主任")
    rng = np.random.default_rng(4)
    style = HandwritingStyle.random(rng)
    draw_text(page, px_box(old.field("place").value_box), "学校会议室", style=style, rng=rng)
    draw_text(page, px_box(old.field("teachers").value_box), teacher, style=style, rng=rng)
    Image.fromarray(page).save(tmp_path / "scan.png", dpi=(203.2, 203.2))
    ingest(ws, [tmp_path / "scan.png"], workers=1)
    with ws.session() as s:
        record = record_store.current_record(s, form_id)
    assert record is not None
    return ws, old, record, teacher


def test_a_page_printed_from_an_older_layout_is_read_with_that_layout(tmp_path: Path) -> None:
    ws, old, record, teacher = _older_layout_scanned(tmp_path)
    assert record.layout_hash == old.layout_hash
    teachers = record.fields["teachers"]
    assert teachers.value == teacher or teachers.status == "review", "a misread name is never accepted"
    assert teachers.raw and "会议" in (record.fields["place"].raw or ""), "each value is read from its old box"


def test_the_review_page_of_a_scan_from_an_older_layout_marks_a_field_where_that_layout_printed_it(tmp_path: Path) -> None:
    """The review station drew the boxes of today's layout on the page: on a copy printed before
    家访地点 and 参与教师 changed rows, the reviewer checking 家访地点 was shown 参与教师's row."""
    from PIL import Image

    from pipeline.review.pages import HIGHLIGHT, page_png, page_sources

    ws, old, record, _ = _older_layout_scanned(tmp_path)
    shown = np.asarray(Image.open(io.BytesIO(page_png(ws, record, page_sources(ws, record)[1], highlight="place"))).convert("RGB"))
    rows = np.nonzero(np.all(shown == HIGHLIGHT, axis=2).any(axis=1))[0]
    top, bottom = rows.min() / shown.shape[0] * old.page_size[1], rows.max() / shown.shape[0] * old.page_size[1]
    place = old.field("place").box
    assert abs(top - place.y) < 1.5 and abs(bottom - place.bottom) < 1.5, (top, bottom, place)


def test_a_print_pdf_of_an_older_layout_typed_into_is_read_with_that_layout(tmp_path: Path) -> None:
    """A teacher types into the print PDF issued before 家访地点 and 参与教师 changed rows. The
    layout reader read it with today's layout: 家访地点 stood `auto` as the teacher's name, and
    the printed headings of a layout rebuilt from storage were taken for stray typed text."""
    ws, old, form_id, _ = _issued_on_an_older_layout(tmp_path)
    typed = {"place": "学生家中", "teachers": "王老师", "visit_date": "2025-11-17", "mode": ("入户走访",)}
    fill_print_pdf(tmp_path / "old.pdf", typed, tmp_path / "typed.pdf", form=old)
    ingest(ws, [tmp_path / "typed.pdf"], workers=1)
    with ws.session() as s:
        (record,) = record_store.list_records(s)
    ws.close()
    assert record.reader == "pdf-layout"
    assert (record.fields["place"].value, record.fields["place"].status) == ("学生家中", "auto")
    assert record.fields["teachers"].value == "王老师" and record.fields["visit_date"].value == "2025-11-17"
    assert not any("不在任何填写栏里的文字" in v.message for v in record.fields.values()), "the printed headings are printed"


def test_a_note_on_a_page_printed_from_an_older_layout_is_shown_on_the_field_that_layout_has_there(tmp_path: Path) -> None:
    """A head teacher's sticky note on 家访地点 of a scan printed from an older layout, where
    家访地点 lies in the row the current layout gives 参与教师: it is shown on 家访地点, as printed."""
    ws, old, form_id, page = _issued_on_an_older_layout(tmp_path)
    mark_options(page, old, {("mode", "入户走访"): "tick"})
    Image.fromarray(page).save(tmp_path / "scan.pdf", resolution=203.2)
    with pikepdf.open(tmp_path / "scan.pdf") as pdf:
        note = _sticky_note(old.field("place").value_box, "地点写错了")
        pdf.pages[0].obj.Annots = pdf.make_indirect(pikepdf.Array([pdf.make_indirect(note)]))
        pdf.save(tmp_path / "noted.pdf")
    ingest(ws, [tmp_path / "noted.pdf"], workers=1)
    with ws.session() as s:
        record = record_store.current_record(s, form_id)
    ws.close()
    assert record is not None and record.layout_hash == old.layout_hash
    assert [fid for fid, v in record.fields.items() if "批注" in v.message] == ["place"]


def test_a_scanned_page_that_cannot_be_placed_by_hand_says_why_without_photo_advice(tmp_path: Path) -> None:
    from PIL import Image

    from pipeline.errors import ScanError
    from pipeline.ingest.scan_run import assign_page
    from pipeline.store.scans import pages_with_status
    from scan_support import TEMPLATE_DPI, issue_one_form

    issued = issue_one_form(tmp_path, CLASS)
    page, px = issued.page.copy(), TEMPLATE_DPI / 25.4
    first = load_form("record").pages[0]
    for box in (first.qr_box, first.footer_box, *(m.box for m in first.markers)):  # nothing left to find the page by
        page[int(box.y * px) - 6 : int(box.bottom * px) + 6, int(box.x * px) - 6 : int(box.right * px) + 6] = 255
    Image.fromarray(page).save(tmp_path / "缺角的扫描.png", dpi=(TEMPLATE_DPI, TEMPLATE_DPI))
    ingest(issued.ws, [tmp_path / "缺角的扫描.png"], workers=1)
    with issued.ws.session() as s:
        (held,) = pages_with_status(s, "quarantined")
    with pytest.raises(ScanError) as refused:
        assign_page(issued.ws, held.digest, issued.form_id, 1, operator="教务员")
    assert "不能作为表单" in str(refused.value) and "重拍" not in str(refused.value), str(refused.value)


def test_a_print_or_fillable_pdf_written_on_in_a_pdf_app_is_read_from_the_page_not_taken_for_blank(tmp_path: Path) -> None:
    """A phone or tablet PDF app's "fill & sign" keeps what was written in annotations over the
    page. The print PDF's text layer still shows the blank print, so it was refused ("这是打印
    用的空白表"); the fillable PDF's fields are empty, so it became a record of nothing. Now the
    pages are read as shown: every choice as when typed into the print PDF's page."""
    issued = _workspace(tmp_path / "ws")
    generate(issued, forms=["record"], formats=["pdf", "fillable-pdf"], out_dir=tmp_path / "forms", class_name=CLASS)
    issued.close()
    manifest = json.loads((tmp_path / "forms" / "manifest.json").read_text(encoding="utf-8"))
    form_id = manifest[0]["form_id"]
    entries = {e["format"]: e for e in manifest if e["form_id"] == form_id}
    values = {"visit_date": "2025-11-03", "place": "学生家中", "mode": ("入户走访",), "visit_type": ("重点",), "topics": ("学习情况",), "teacher_signature": True}
    read = {}
    for name, fmt, markup in (("typed", "pdf", False), ("app", "pdf", True), ("fillable-app", "fillable-pdf", True)):
        entry = entries[fmt]
        filled = tmp_path / f"{name}.pdf"
        fill_print_pdf(tmp_path / "forms" / entry["file"], values, filled, first_page=entry["first_page"], markup=markup)
        shutil.copytree(tmp_path / "ws", tmp_path / name)
        ws = open_workspace(tmp_path / name)
        report = ingest(ws, [filled], workers=1)
        assert report.count("new") == 1, (name, [i.message for i in report.items])
        with ws.session() as s:
            [record] = record_store.list_records(s)
        read[name] = {fid: (fv.value, fv.status) for fid, fv in record.fields.items() if fid in values}
    assert read["app"] == read["typed"] and read["fillable-app"] == read["typed"]


def test_a_print_pdf_written_on_with_a_tablets_pen_is_read_from_the_strokes_not_taken_for_blank(tmp_path: Path) -> None:
    """A note app (GoodNotes, a tablet's PDF editor) exports what a pen wrote as paths in the
    page's content. The text layer still showed the blank print, so it was refused ("这是打印用
    的空白表"), and a page also typed on read the written boxes as empty. Now such pages are read
    as a scan reads the paper: every value right, or sent to a person."""
    ws = _workspace(tmp_path / "ws")
    generate(ws, forms=["record"], formats=["pdf"], out_dir=tmp_path / "forms", class_name=CLASS)
    entry = json.loads((tmp_path / "forms" / "manifest.json").read_text(encoding="utf-8"))[0]
    values = {"visit_date": "2025-11-03", "place": "学生家中", "mode": ("入户走访",), "topics": ("学习情况",), "teacher_signature": True}
    written = tmp_path / "笔写.pdf"
    fill_print_pdf(tmp_path / "forms" / entry["file"], values, written, first_page=entry["first_page"], ink=True)
    assert inspect_pdf(written).kind == "image"
    report = ingest(ws, [written], workers=1)
    assert report.count("new") >= 1, [i.message for i in report.items]
    with ws.session() as s:
        record = next(r for r in record_store.list_records(s) if r.form_id == entry["form_id"])
    expected = {"visit_date": "2025-11-03", "place": "学生家中", "mode": "入户走访", "topics": ["学习情况"], "teacher_signature": True}
    read = {fid: (record.fields[fid].value, record.fields[fid].status) for fid in expected}
    assert all(value == expected[fid] or status == "review" for fid, (value, status) in read.items()), read
    assert read["mode"] == ("入户走访", "auto") and read["visit_date"][0] == "2025-11-03", read


def test_a_classs_print_pdf_typed_into_for_two_students_gives_both_records_and_reads_no_blank_form(tmp_path: Path) -> None:
    """A teacher types into the class's print PDF for the students visited and returns that one
    file. Before, it was read as its first form only: another student's typed visit was never
    read, and the file said 已读入."""
    ws = _workspace(tmp_path / "ws", students=3)
    generate(ws, forms=["record"], formats=["pdf"], out_dir=tmp_path / "forms", class_name=CLASS)
    first, blank, third = json.loads((tmp_path / "forms" / "manifest.json").read_text(encoding="utf-8"))
    typed = tmp_path / "typed-once.pdf"
    fill_print_pdf(tmp_path / "forms" / first["file"], {"place": "学生家中", "mode": ("入户走访",)}, typed, first_page=first["first_page"])
    fill_print_pdf(typed, {"place": "社区活动室", "mode": ("电话",)}, tmp_path / "全班.pdf", first_page=third["first_page"])
    report = ingest(ws, [tmp_path / "全班.pdf"], workers=1)
    holder = next(f for f in report.files if f.path.endswith("全班.pdf"))
    assert holder.outcome == "unpacked" and "2 份" in holder.reason, holder
    with ws.session() as s:
        read = {r.form_id: (r.fields["place"].value, r.fields["mode"].value) for r in record_store.list_records(s)}
    assert read == {first["form_id"]: ("学生家中", "入户走访"), third["form_id"]: ("社区活动室", "电话")}
    assert blank["form_id"] not in read


def test_a_fillable_pdf_returned_untouched_is_refused_as_blank(tmp_path: Path) -> None:
    """Before, it became a record of nothing but the pre-filled values."""
    ws = _workspace(tmp_path / "ws")
    generate(ws, forms=["record"], formats=["fillable-pdf"], out_dir=tmp_path / "forms", class_name=CLASS)
    [entry, *_] = json.loads((tmp_path / "forms" / "manifest.json").read_text(encoding="utf-8"))
    [intake] = ingest(ws, [tmp_path / "forms" / entry["file"]], workers=1).files
    assert intake.outcome == "refused" and "没有填写任何内容" in intake.reason, intake


@pytest.mark.parametrize("taken", ["scanned", "photographed"])
def test_a_printout_of_the_word_form_is_held_saying_so_not_asked_to_be_rescanned(tmp_path: Path, taken: str) -> None:
    """A teacher prints the .docx, not the print PDF, and fills it by hand. Its header carries
    the form's QR code but none of the corner markers the reader registers on: before, the
    office was told the corners were cut off and to scan the page again, which cannot help."""
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice is not installed")
    ws = _workspace(tmp_path / "ws")
    generate(ws, forms=["record"], formats=["docx"], out_dir=tmp_path / "forms", class_name=CLASS)
    entry = json.loads((tmp_path / "forms" / "manifest.json").read_text(encoding="utf-8"))[0]
    subprocess.run(
        ["soffice", f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(tmp_path / "forms" / entry["file"])],
        check=True, capture_output=True, timeout=180,
    )
    printed = next(tmp_path.glob("*.pdf"))
    (tmp_path / "in").mkdir()
    if taken == "scanned":
        Image.fromarray(rasterise(printed, 0)).save(tmp_path / "in" / "scan0001.png", dpi=(200, 200))
    else:
        model = replace(PhotoModel(), frame=(1536, 2048), fill=0.9)
        page = rasterise(printed, 0, dpi=defs.REGISTERED_PX_PER_MM * 25.4)
        (tmp_path / "in" / "IMG_0001.jpg").write_bytes(photo_bytes(photograph(page, model, rng=np.random.default_rng(1), px_per_mm=defs.REGISTERED_PX_PER_MM), model))
    [intake] = ingest(ws, [tmp_path / "in"], workers=1).files
    assert intake.outcome == "quarantined" and "Word 文件打印的表" in intake.reason, intake.reason
    assert "页角可能被裁掉" not in intake.reason and "可能拍的是背面" not in intake.reason


def test_a_signature_and_a_note_a_pdf_app_added_to_a_scanned_page_are_read_and_shown_not_lost(tmp_path: Path) -> None:
    """A teacher scans the form with a phone app; the parent then signs the scan with a PDF
    app's pen and the teacher adds a sticky note. Before, the scan's picture was read as stored,
    without them: 家长签名 unsigned, and the note in no record."""
    issued = issue_one_form(tmp_path, CLASS)
    form = load_form("record")
    Image.fromarray(_page_two(issued)).save(tmp_path / "scan.pdf", resolution=TEMPLATE_DPI)
    pt = 72 / 25.4
    box = form.field("parent_signature").value_box
    left, bottom = (box.x + 15) * pt, (297 - box.bottom + 5) * pt
    with pikepdf.open(tmp_path / "scan.pdf") as pdf:
        stroke = pdf.make_stream(f"q 1.5 w 0 0 0 RG {left} {bottom} m {left + 40} {bottom + 30} {left + 70} {bottom} {left + 110} {bottom + 25} c S Q".encode())
        stroke.Type, stroke.Subtype, stroke.BBox = pikepdf.Name.XObject, pikepdf.Name.Form, [left - 5, bottom - 5, left + 115, bottom + 35]
        ink = pikepdf.Dictionary(
            Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Ink, Rect=[left - 5, bottom - 5, left + 115, bottom + 35],
            InkList=[[left, bottom, left + 55, bottom + 15, left + 110, bottom + 25]], AP=pikepdf.Dictionary(N=stroke),
        )
        note = _sticky_note(form.field("parent_signature").value_box, "家长当面签字，另有电话录音")
        pdf.pages[0].obj.Annots = pdf.make_indirect(pikepdf.Array([pdf.make_indirect(ink), pdf.make_indirect(note)]))
        pdf.save(tmp_path / "signed.pdf")
    ingest(issued.ws, [tmp_path / "signed.pdf"], workers=1)
    with issued.ws.session() as s:
        (record,) = record_store.list_records(s)
    assert record.fields["parent_signature"].value is True
    assert "家长当面签字，另有电话录音" in record.fields["parent_signature"].message
    issued.ws.close()


@pytest.mark.parametrize("stored", ["upright", "upright-shown-turned", "sideways-shown-upright"])
def test_a_note_a_pdf_app_put_on_a_scanned_pages_field_is_shown_on_that_field(tmp_path: Path, stored: str) -> None:
    """A head teacher opens the office's scan in a PDF app and puts a sticky note on the printed
    phone number ("电话已换…") and one on 家访地点. Before, both were shown on the page's first
    field to fill (家访日期), where the phone number cannot be corrected, and the printed number
    stood `auto`. Now each is on the field it lies on: the phone number goes to a person. Also
    where the PDF turns the page for display (/Rotate): a scan that came out sideways and was
    turned upright in a PDF app, or an upright one turned by mistake. Before, such a page was
    taken for a phone photo (its picture no longer fills the page as pdfium measures it) and,
    a clean white scan, held as a photo with glare ("反光遮住了 12 个填写栏"), its record lost."""
    issued = issue_one_form(tmp_path, CLASS)
    form = load_form("record")
    page = issued.page.copy()
    mark_options(page, form, {("mode", "入户走访"): "tick"})
    sideways = stored == "sideways-shown-upright"
    Image.fromarray(np.rot90(page) if sideways else page).save(tmp_path / "scan.pdf", resolution=TEMPLATE_DPI)
    with pikepdf.open(tmp_path / "scan.pdf") as pdf:
        notes = [
            _sticky_note(form.field("phone").value_box, "电话已换为13912345678", sideways=sideways),
            _sticky_note(form.field("place").value_box, "地点写错了", sideways=sideways),
        ]
        pdf.pages[0].obj.Annots = pdf.make_indirect(pikepdf.Array([pdf.make_indirect(n) for n in notes]))
        if stored != "upright":
            pdf.pages[0].obj.Rotate = 90
        pdf.save(tmp_path / "noted.pdf")
    report = ingest(issued.ws, [tmp_path / "noted.pdf"], workers=1)
    assert [f.outcome for f in report.files] == ["read"], report.files[0].reason
    with issued.ws.session() as s:
        (record,) = record_store.list_records(s)
    issued.ws.close()
    noted = {fid: v.message for fid, v in record.fields.items() if "批注" in v.message}
    assert list(noted) == ["phone", "place"] and "电话已换为13912345678" in noted["phone"] and "地点写错了" in noted["place"]
    assert record.fields["phone"].status == "review" and record.fields["place"].status == "review"
    assert record.fields["phone"].crop, "the reviewer sees the printed number with the note"


def test_a_typed_print_pdf_turned_by_rotate_gives_the_record_the_same_file_unturned_gives(tmp_path: Path) -> None:
    """A teacher types the visit into the print PDF, turns the page in the PDF app and saves
    (/Rotate). Read in the turned places, printed labels were taken for values, `auto`
    ("发现的问题" as 达成的共识); then it went to the scan reader, 11 fields to a person. The text
    lies in the page's own space, where the layout is: it is read there, as the file unturned."""
    typed = {"visit_date": "2025-11-17", "visit_time": "14:10-15:30", "place": "学生家", "family_situation": "家长支持孩子学习。"}
    records = {}
    for turned in (False, True):
        issued = issue_one_form(tmp_path / str(turned), CLASS)
        pdf = tmp_path / f"typed-{turned}.pdf"
        fill_print_pdf(next((issued.forms_dir / "pdf" / "record").glob("*.pdf")), typed, pdf)
        if turned:
            with pikepdf.open(pdf, allow_overwriting_input=True) as doc:
                for page in doc.pages:
                    page.obj.Rotate = 90
                doc.save(pdf)
        ingest(issued.ws, [pdf], workers=1)
        with issued.ws.session() as s:
            (records[turned],) = record_store.list_records(s)
        issued.ws.close()
    upright, turned_record = records[False], records[True]
    assert upright.reader == turned_record.reader == "pdf-layout"
    unlike = {fid: (v.value, v.status) for fid, v in turned_record.fields.items() if fid != "form_id" and (v.value, v.status) != (upright.fields[fid].value, upright.fields[fid].status)}
    assert not unlike, unlike
    assert turned_record.fields["visit_date"].value == "2025-11-17" and turned_record.fields["visit_time"].value == "14:10-15:30"


def _shrunk_to_fit(typed: Path, out: Path) -> None:
    """``typed`` printed again to a PDF printer that shrank it to fit (97 %)."""
    with pikepdf.open(typed) as pdf:
        for page in pdf.pages:
            page.contents_coalesce()
            page.Contents = pdf.make_stream(b"q 0.97 0 0 0.97 9 12 cm\n" + page.Contents.read_bytes() + b"\nQ")
        pdf.save(out)


def _two_pages_to_a_sheet(typed: Path, out: Path) -> None:
    """``typed`` printed again to a PDF printer two pages to a sheet (每版打印 2 页)."""
    width, height = A4[1], A4[0]
    with pikepdf.open(typed) as pages, pikepdf.Pdf.new() as sheet:
        sheet.add_blank_page(page_size=(width, height))
        half = A4[0] * height / A4[1]  # each A4 page shrunk to the sheet's height
        for i, page in enumerate(pages.pages):
            left = (width / 2 - half) / 2 + i * width / 2
            sheet.pages[0].add_overlay(page, pikepdf.Rectangle(left, 0, left + half, height))
        sheet.save(out)


@pytest.mark.parametrize("reprint", [_shrunk_to_fit, _two_pages_to_a_sheet], ids=["shrunk-to-fit", "two-pages-to-a-sheet"])
def test_a_typed_print_pdf_printed_again_to_a_pdf_is_read_as_shown_with_no_signature_made_up(tmp_path: Path, reprint: Callable[[Path, Path], None]) -> None:
    """Typed into, then printed to a PDF printer that shrank it to fit (97 %) or put two pages on
    a sheet: read by the labels reader, 家访教师签名 stood `auto` as signed (the label 家长签名 beside
    it taken for a signature) and every tick was lost. Now the scan reader reads the page as
    shown (a sheet of two half by half: the typed page, and the untyped one blank)."""
    issued = issue_one_form(tmp_path, CLASS)
    typed = tmp_path / "typed.pdf"
    fill_print_pdf(next((issued.forms_dir / "pdf" / "record").glob("*.pdf")), {"visit_date": "2025-11-17", "place": "学生家", "mode": ("入户走访",)}, typed)
    reprint(typed, tmp_path / "打印为PDF.pdf")
    report = ingest(issued.ws, [tmp_path / "打印为PDF.pdf"], workers=1)
    with issued.ws.session() as s:
        (record,) = record_store.list_records(s)
    issued.ws.close()
    fields = record.fields
    assert record.reader == "scan", [(f.outcome, f.reason) for f in report.files]
    assert (fields["visit_date"].value, fields["place"].value, fields["mode"].value) == ("2025-11-17", "学生家", "入户走访")
    assert not (fields["teacher_signature"].value and fields["teacher_signature"].status == "auto"), fields["teacher_signature"]


def test_a_note_without_a_place_on_a_scanned_page_is_shown_on_its_first_field_not_on_a_corner(tmp_path: Path) -> None:
    """A PDF app that wrote a comment without a /Rect: pdfium gives no place, and the zero rectangle
    it leaves would put the note on the field nearest the page's bottom-left corner. It is shown
    on the page's first field to fill, saying so."""
    issued = issue_one_form(tmp_path, CLASS)
    page = issued.page.copy()
    mark_options(page, load_form("record"), {("mode", "入户走访"): "tick"})
    Image.fromarray(page).save(tmp_path / "scan.pdf", resolution=TEMPLATE_DPI)
    with pikepdf.open(tmp_path / "scan.pdf") as pdf:
        note = pikepdf.Dictionary(Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Text, Contents="请再核对一次")
        pdf.pages[0].obj.Annots = pdf.make_indirect(pikepdf.Array([pdf.make_indirect(note)]))
        pdf.save(tmp_path / "noted.pdf")
    ingest(issued.ws, [tmp_path / "noted.pdf"], workers=1)
    with issued.ws.session() as s:
        (record,) = record_store.list_records(s)
    issued.ws.close()
    noted = {fid: v.message for fid, v in record.fields.items() if "批注" in v.message}
    assert list(noted) == ["visit_date"] and "请再核对一次" in noted["visit_date"] and "此提示放在本页第一栏" in noted["visit_date"]


def _sticky_note(box: Box, text: str, *, sideways: bool = False) -> pikepdf.Dictionary:
    """A PDF app's sticky note (a 20 pt icon) at the middle of ``box`` (mm on an A4 page), on the
    page as stored: upright, or ``sideways`` (turned a quarter anticlockwise, 297 mm wide)."""
    pt = 72 / 25.4
    x_mm, y_mm = box.x + box.w / 2, box.y + box.h / 2
    x, y = (y_mm * pt, x_mm * pt) if sideways else (x_mm * pt, (297 - y_mm) * pt)
    return pikepdf.Dictionary(Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Text, Rect=[x - 10, y - 10, x + 10, y + 10], Contents=text)


def _page_two(issued: IssuedPage) -> np.ndarray:
    """Page 2 of the issued record form as printed (TEMPLATE_DPI), one follow-up measure ticked."""
    entry = json.loads((issued.forms_dir / "manifest.json").read_text(encoding="utf-8"))[0]
    page = rasterise(issued.forms_dir / entry["file"], entry["first_page"])
    mark_options(page, load_form("record"), {("followup_measures", "家庭教育指导"): "tick"})
    return page


def _signed(page: np.ndarray, field_id: str) -> np.ndarray:
    """``page`` (TEMPLATE_DPI) with a stroke written across the box of signature ``field_id``."""
    box, px = load_form("record").field(field_id).value_box, TEMPLATE_DPI / 25.4
    stroke = np.array([[(box.x + 15 + 8 * i) * px, (box.y + 12 + 4 * (-1) ** i) * px] for i in range(9)], np.int32)
    return cv2.polylines(page.copy(), [stroke], False, 20, 4)


@pytest.mark.parametrize("order", ["signed-later", "signed-first", "each-signed-once"])
def test_a_page_scanned_again_after_the_parent_signed_is_kept_whichever_came_first(tmp_path: Path, order: str) -> None:
    """Page 2 is scanned, then scanned again once the parent has signed. Before, the second
    scan was set aside as "扫描了两次，保留质量更好的…" when it was no sharper: 家长签名 stayed
    unsigned, `auto`. The copy with more written on it is kept, and the other names why; where
    each holds a signature the other lacks, the copy set aside names what is only on it."""
    issued = issue_one_form(tmp_path, CLASS)
    unsigned = _page_two(issued)
    signed = _signed(unsigned, "parent_signature")
    first, second = {
        "signed-later": (unsigned, signed),
        "signed-first": (signed, unsigned),
        "each-signed-once": (_signed(unsigned, "teacher_signature"), signed),
    }[order]
    for n, page in enumerate((first, second)):
        Image.fromarray(page).save(tmp_path / f"第{n + 1}次.pdf", resolution=TEMPLATE_DPI)
        ingest(issued.ws, [tmp_path / f"第{n + 1}次.pdf"], workers=1)
    with issued.ws.session() as s:
        record = record_store.current_record(s, issued.form_id)
        (set_aside,) = scans.pages_with_status(s, "duplicate")
    assert record is not None
    if order == "each-signed-once":
        assert "在保留的那张上是空的，请对照两张核对" in set_aside.reason, set_aside.reason
    else:
        assert record.fields["parent_signature"].value is True and "多填了“家长签名”" in set_aside.reason
    issued.ws.close()


def _written(page: np.ndarray, box_mm: tuple[float, float, float, float], text: str) -> np.ndarray:
    """``page`` (TEMPLATE_DPI) with ``text`` handwritten in ``box_mm`` (x, y, w, h)."""
    out, px = page.copy(), TEMPLATE_DPI / 25.4
    style = HandwritingStyle.random(np.random.default_rng(3))
    draw_text(out, px_box(Box(*box_mm), px), text, style=style, rng=np.random.default_rng(4), px_per_mm=px)
    return out


def test_writing_outside_the_boxes_to_fill_is_shown_on_a_field_not_lost(tmp_path: Path) -> None:
    """On page 1 a teacher writes the family's new address beside the printed one, a note above
    the table, and a place that runs out of its box past the table's edge. The readers read only
    the boxes a teacher fills: before, the new address was lost and the printed one stood `auto`,
    the note was nowhere, and the place was read without its end. Now the address goes to a
    person with its crop, the note is shown on the field nearest to it (表单编号, printed just below
    it) and the overrun on the place (the box it runs out of, though another field's centre is
    nearer), whose crop grows to show it, and the page says how many such patches it has. The
    same page without them says nothing of the kind."""
    address = load_form("record").field("address").value_box
    found, place_crop = {}, {}
    for name in ("clean", "written"):
        issued = issue_one_form(tmp_path / name, CLASS)
        page = issued.page.copy()
        mark_options(page, load_form("record"), {("mode", "入户走访"): "tick"})
        if name == "written":
            page = _written(_written(page, (address.x + 100, address.y + 1.5, 55, 9), "现住幸福里5栋"), (45, 28, 70, 7.5), "学生已搬家")
            page = _written(page, (192, 122, 13, 8), "三栋")
        Image.fromarray(page).save(tmp_path / f"{name}.png", dpi=(TEMPLATE_DPI, TEMPLATE_DPI))
        report = ingest(issued.ws, [tmp_path / f"{name}.png"], workers=1)
        with issued.ws.session() as s:
            record = record_store.current_record(s, issued.form_id)
        found[name] = (record, " ".join(i.message for i in report.items))
        digest, _, suffix = record.fields["place"].crop.partition(".")
        with Image.open(issued.ws.files.path_of(digest, suffix)) as crop:
            place_crop[name] = crop.size
    clean, _ = found["clean"]
    assert not [fid for fid, v in clean.fields.items() if "手写字迹" in v.message]
    record, notes = found["written"]
    assert record.fields["address"].status == "review" and "“家庭住址”印好的内容旁有多出的字迹" in record.fields["address"].message
    assert record.fields["address"].value == clean.fields["address"].value and record.fields["address"].crop
    near = sorted(fid for fid, v in record.fields.items() if "此栏附近的填写栏以外有手写字迹" in v.message)
    assert near == ["place"] and record.fields["place"].status == "review"
    assert record.fields["form_id"].status == "review" and "“表单编号”印好的内容旁有多出的字迹" in record.fields["form_id"].message
    assert place_crop["written"][0] > place_crop["clean"][0] and place_crop["written"][1] == place_crop["clean"][1]
    assert "3 处手写字迹不在填写栏里" in notes


def test_a_strike_through_a_printed_value_run_past_the_tables_edge_sends_that_value_to_a_person(tmp_path: Path) -> None:
    """A teacher strikes through the printed address (the family has moved) with a line that runs
    on past the table's edge. Within 1.5 mm of the print the line is explained by it; its end
    past the edge is writing outside every box. Before, that end was shown on the field to fill
    nearest it (起止时间, in the next section) and the struck address stood `auto`; it belongs to
    the printed value beside it."""
    issued = issue_one_form(tmp_path, CLASS)
    page = issued.page.copy()
    mark_options(page, load_form("record"), {("mode", "入户走访"): "tick"})
    box, px = load_form("record").field("address").value_box, TEMPLATE_DPI / 25.4
    rows, cols = slice(round(box.y * px), round(box.bottom * px)), slice(round(box.x * px), round(box.right * px))
    printed = np.argwhere(page[rows, cols] < 128)
    (top, left), (bottom, right) = printed.min(axis=0), printed.max(axis=0)
    y, x0, end = round(box.y * px) + (top + bottom) // 2, round(box.x * px), round(box.x * px) + right + round(6 * px)
    assert end > box.right * px + 3 * px, "the sample student's printed address reaches the table's edge"
    cv2.line(page, (x0 + left - 8, y), (end, y + 3), 30, round(0.5 * px))
    Image.fromarray(page).save(tmp_path / "struck.png", dpi=(TEMPLATE_DPI, TEMPLATE_DPI))
    ingest(issued.ws, [tmp_path / "struck.png"], workers=1)
    with issued.ws.session() as s:
        record = record_store.current_record(s, issued.form_id)
    assert record.fields["address"].status == "review" and "“家庭住址”印好的内容旁有多出的字迹" in record.fields["address"].message
    assert not [fid for fid, v in record.fields.items() if "此栏附近的填写栏以外有手写字迹" in v.message]


def test_answers_written_beside_the_outlines_questions_are_shown_not_lost(tmp_path: Path) -> None:
    """A teacher jots answers beside the 访谈提纲's printed questions and fills no box. Before, the
    page was skipped as unfilled and the answers lost. Now it is read, and each answer is shown
    on the nearest field; an unwritten outline page is still unfilled."""
    issued = issue_one_form(tmp_path, CLASS, "outline")
    ws, page = issued.ws, issued.page
    answered = _written(_written(page, (160, 110, 34, 7), "奶奶陪"), (95, 120, 50, 7), "爸爸会骂")
    for name, image in (("clean", page), ("answered", answered)):
        Image.fromarray(image).save(tmp_path / f"{name}.png", dpi=(TEMPLATE_DPI, TEMPLATE_DPI))
    clean = ingest(ws, [tmp_path / "clean.png"], workers=1)
    assert [f.outcome for f in clean.files] == ["blank"]
    report = ingest(ws, [tmp_path / "answered.png"], workers=1)
    assert [f.outcome for f in report.files] == ["read"]
    with ws.session() as s:
        record = record_store.current_record(s, issued.form_id)
    shown = [fid for fid, v in record.fields.items() if "此栏附近的填写栏以外有手写字迹" in v.message]
    assert shown and all(record.fields[fid].status == "review" for fid in shown)
    assert "2 处手写字迹不在填写栏里" in " ".join(i.message for i in report.items)


@pytest.mark.parametrize("why", ["roster-changed", "no-fonts"])
def test_a_page_that_cannot_be_drawn_as_printed_is_read_and_says_what_was_not_checked(tmp_path: Path, why: str) -> None:
    """The office corrects a phone number in the roster after printing, to one the form's boxes
    cannot hold; or the PC reading the scans has no font to draw the form with. The page as
    printed cannot be drawn again, so writing outside its boxes cannot be looked for: the page
    is read, and says so. (The first version of that check failed on such a page, and the page
    was quarantined as 程序错误.)"""
    issued = issue_one_form(tmp_path, CLASS)
    page = issued.page.copy()
    mark_options(page, load_form("record"), {("mode", "入户走访"): "tick"})
    Image.fromarray(page).save(tmp_path / "page.png", dpi=(TEMPLATE_DPI, TEMPLATE_DPI))
    if why == "roster-changed":
        with issued.ws.session() as s:
            student = repo.list_students(s, class_name=CLASS)[0]
            repo.upsert_students(s, [replace(student, phone="138123456789")])
        report = ingest(issued.ws, [tmp_path / "page.png"], workers=1)
        assert [f.outcome for f in report.files] == ["read"]
        assert UNCHECKED_STRAYS in " ".join(i.message for i in report.items)
        return
    issued.ws.close()
    env = {**os.environ, defs.FONTS_ENV: str(tmp_path / "没有这个字体.ttf")}
    run = subprocess.run(
        [sys.executable, "-m", "pipeline", "ingest", "-w", str(issued.ws.root), str(tmp_path / "page.png")],
        env=env, capture_output=True, text=True, timeout=300,
    )
    assert "程序错误" not in run.stdout + run.stderr and UNCHECKED_STRAYS in run.stdout + run.stderr
    ws = open_workspace(issued.ws.root)
    with ws.session() as s:
        assert record_store.current_record(s, issued.form_id) is not None
    ws.close()
