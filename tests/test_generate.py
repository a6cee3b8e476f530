"""Issuance: `jiafang generate` renders per class, records form ids and writes the manifest."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pytest
import zxingcpp
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.demo import MARKER as DEMO_MARKER
from pipeline.demo import _prepare as prepare_demo_folder
from pipeline.generate import generate
from pipeline.identity import decode_payload, is_valid_form_id, seeded_form_ids
from pipeline.model import load_form
from pipeline.resources import samples_dir
from pipeline.roster.importer import import_roster
from pipeline.store import repo
from pipeline.store.workspace import Workspace, init_workspace

CLASS = "七年级（1）班"


@pytest.fixture
def sample_ws(tmp_path: Path) -> Workspace:
    ws = init_workspace(tmp_path / "ws", policy_path=samples_dir() / "policy.yaml")
    report = import_roster(ws, [samples_dir() / "roster.xlsx"])
    assert report.rejected_rows == 0
    return ws


def _class_students(ws: Workspace) -> list:
    with ws.session() as s:
        return repo.list_students(s, class_name=CLASS)


def _qr_payloads(pdf_path: Path, dpi: int = 150) -> list:
    pdf = pdfium.PdfDocument(str(pdf_path))
    payloads = []
    for page in pdf:
        image = np.asarray(page.render(scale=dpi / 72, grayscale=True).to_pil())
        codes = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
        payloads.append(decode_payload(codes[0].text) if codes else None)
    return payloads


def test_generate_writes_manifest_and_records_every_form(sample_ws: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "out"
    report = generate(sample_ws, forms=["record", "memo"], formats=["pdf"], out_dir=out, class_name=CLASS)
    students = _class_students(sample_ws)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert len(manifest) == 2 * len(students) == report.forms_issued
    assert set(manifest[0]) >= {"form_id", "form", "student_id", "class", "file", "first_page", "pages"}
    with sample_ws.session() as s:
        for entry in manifest:
            assert (out / entry["file"]).is_file()
            assert entry["first_page"] % 2 == 1, "every form starts on an odd page"
            assert entry["pages"] == load_form(entry["form"]).page_count
            issued = repo.get_issued_form(s, entry["form_id"])
            assert issued is not None and issued.student_no == entry["student_id"]
            assert issued.layout_hash == load_form(entry["form"]).layout_hash
        assert repo.get_layout(s, load_form("record").layout_hash)["form"] == "record"


def test_every_page_of_a_class_pdf_decodes_to_its_form_and_page(sample_ws: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "out"
    generate(sample_ws, forms=["memo"], formats=["pdf"], out_dir=out, class_name=CLASS)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    payloads = _qr_payloads(out / manifest[0]["file"])
    assert len(payloads) == 2 * len(manifest), "a one-page memo is padded to two pages for duplex"
    for entry in manifest:
        first = payloads[entry["first_page"] - 1]
        assert (first.form_id, first.page, first.pages) == (entry["form_id"], 1, 1)
        padding = payloads[entry["first_page"]]
        assert padding.is_blank


def test_regenerating_issues_a_new_form_id_and_keeps_the_old_one(sample_ws: Workspace, tmp_path: Path) -> None:
    first = generate(sample_ws, forms=["record"], formats=["pdf"], out_dir=tmp_path / "a", class_name=CLASS)
    second = generate(sample_ws, forms=["record"], formats=["pdf"], out_dir=tmp_path / "b", class_name=CLASS)
    old_ids = {e.form_id for e in first.entries}
    new_ids = {e.form_id for e in second.entries}
    assert not old_ids & new_ids
    student = first.entries[0].student_id
    with sample_ws.session() as s:
        assert all(repo.get_issued_form(s, fid) is not None for fid in old_ids)
        assert len([f for f in repo.issued_forms_for(s, student) if f.form == "record"]) == 2


def test_a_stack_printed_twice_from_one_seed_carries_the_same_valid_ids_and_pages(tmp_path: Path) -> None:
    """Benchmarks compare versions on identical pages: a seeded draw gives each printing the
    same form ids, hence the same QR codes and printed ids; the default draw never does."""
    def printed(name: str, draw: object = None) -> tuple[list[str], list[bytes]]:
        ws = init_workspace(tmp_path / name, policy_path=samples_dir() / "policy.yaml")
        import_roster(ws, [samples_dir() / "roster.xlsx"])
        options = {"draw": draw} if draw is not None else {}
        report = generate(ws, forms=["record"], formats=["pdf"], out_dir=tmp_path / f"{name}-out", class_name=CLASS, **options)
        pdf = pdfium.PdfDocument(str(tmp_path / f"{name}-out" / report.entries[0].file))
        try:
            pages = [np.asarray(page.render(scale=1, grayscale=True).to_pil()).tobytes() for page in pdf]
        finally:
            pdf.close()
        return [e.form_id for e in report.entries], pages

    first, second, unseeded = printed("a", seeded_form_ids(7)), printed("b", seeded_form_ids(7)), printed("c")
    assert first == second
    assert all(is_valid_form_id(i) for i in first[0])
    assert not set(first[0]) & set(unseeded[0])


def test_pdf_and_docx_of_one_form_share_its_form_id(sample_ws: Workspace, tmp_path: Path) -> None:
    students = _class_students(sample_ws)[:1]
    with sample_ws.session() as s:
        repo.upsert_students(s, [replace(students[0], class_name="测试班")])
    report = generate(sample_ws, forms=["record"], formats=["pdf", "docx"], out_dir=tmp_path / "o", class_name="测试班")
    assert report.forms_issued == 1
    assert sorted(e.format for e in report.entries) == ["docx", "pdf"]
    assert len({e.form_id for e in report.entries}) == 1


def test_a_name_no_font_can_print_is_reported_and_the_batch_goes_on(sample_ws: Workspace, tmp_path: Path) -> None:
    student = _class_students(sample_ws)[0]
    with sample_ws.session() as s:
        repo.upsert_students(s, [replace(student, name="张\ue000")])
    result = CliRunner().invoke(
        main, ["generate", "-w", str(sample_ws.root), "--forms", "record", "--class", CLASS, "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 1
    assert student.student_no in result.output and "学生姓名" in result.output
    manifest = json.loads((tmp_path / "o" / "manifest.json").read_text(encoding="utf-8"))
    assert len(manifest) == len(_class_students(sample_ws)) - 1


def test_unknown_class_names_the_known_classes(sample_ws: Workspace, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["generate", "-w", str(sample_ws.root), "--class", "九年级（9）班", "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 1
    assert "九年级（9）班" in result.output and CLASS in result.output


def test_unknown_format_is_refused(sample_ws: Workspace, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["generate", "-w", str(sample_ws.root), "--format", "odt", "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 1 and "odt" in result.output


@pytest.mark.slow
def test_demo_generates_every_form_for_every_class_and_a_rerun_starts_from_an_empty_folder(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = CliRunner().invoke(main, ["demo", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "扫描识别效果" in result.output and "勾选题" in result.output and "叙述文字" in result.output
    manifest = json.loads((out / "forms" / "manifest.json").read_text(encoding="utf-8"))
    assert {e["form"] for e in manifest} == {"record", "outline", "memo"}
    assert {e["format"] for e in manifest} == {"pdf", "docx"}
    assert len({e["class"] for e in manifest}) == 3
    # A rerun's first step, on the whole output of this one (the rest of a rerun is a first run).
    prepare_demo_folder(out)
    assert [p.name for p in out.iterdir()] == [DEMO_MARKER]


def test_demo_refuses_a_folder_it_did_not_make(tmp_path: Path) -> None:
    (tmp_path / "precious.txt").write_text("keep me")
    result = CliRunner().invoke(main, ["demo", "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert (tmp_path / "precious.txt").exists()
