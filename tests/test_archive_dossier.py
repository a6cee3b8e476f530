"""一生一档: the dossier PDF of one student, internal and outward."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pdfplumber
import pytest
from click.testing import CliRunner
from archive_support import GROUPED, ID_NUMBER, RARE, School, build_school
from pdf_outline_support import outline
from pipeline.archive.dossier import build_dossier
from pipeline.archive.privacy import Privacy
from pipeline.archive.record_pages import REDACT_GREY, load_record_page, scan_jpeg
from pipeline.cli import main
from pipeline.errors import ArchiveError
from pipeline.model.form import load_form
from pipeline.store.records import current_record

pytestmark = pytest.mark.both_databases  # the same tests on SQLite and PostgreSQL

PHONE = re.compile(r"(?<!\d)1\d{10}(?!\d)")
ID = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")


@pytest.fixture(scope="module")
def school(tmp_path_factory: pytest.TempPathFactory, module_database: str) -> Iterator[School]:
    built = build_school(tmp_path_factory.mktemp("dossier"))
    yield built
    built.ws.close()


def _pages(path: Path) -> list[str]:
    with pdfplumber.open(path) as pdf:
        return [p.extract_text() or "" for p in pdf.pages]


def _group_terms(school: School) -> list[str]:
    return [t for g in school.ws.policy.special_groups for t in (g.name, *g.aliases)]


def test_dossier_text_has_the_rare_name_every_visit_date_and_the_statuses(school: School, tmp_path: Path) -> None:
    out = build_dossier(school.ws, RARE, tmp_path / "d.pdf")
    text = "\n".join(_pages(out))
    assert "李𬱖" in text, "the Ext-B character prints and extracts"
    for day in school.dates[RARE]:
        assert day in text
    assert "自动通过" in text and "待复核" in text, "record statuses in the timeline and headers"
    assert "字段状态：自动" in text, "the legend of field statuses"
    assert "待复核：" in text, "the reason a field waits for review"


def test_dossier_has_one_bookmark_per_visit_pointing_at_its_record_page(school: School, tmp_path: Path) -> None:
    out = build_dossier(school.ws, RARE, tmp_path / "d.pdf")
    marks = outline(out)
    assert marks[0].title == "档案概况与家访时间线"
    visits = marks[1].children
    assert [b.title.split("　")[0] for b in visits] == school.dates[RARE]
    pages = _pages(out)
    for bookmark, day in zip(visits, school.dates[RARE], strict=True):
        page = pages[bookmark.page]
        assert page.startswith(f"家访记录表 李𬱖 {day}")


def test_dossier_shows_the_scan_of_a_scanned_record_and_names_the_word_file_of_another(
    school: School, tmp_path: Path
) -> None:
    out = build_dossier(school.ws, RARE, tmp_path / "d.pdf")
    pages = _pages(out)
    first = next(i for i, t in enumerate(pages) if school.dates[RARE][0] in t.split("\n")[0])
    assert "来源：纸质表扫描，原件图像 1 页附后" in pages[first]
    assert pages[first + 1].startswith(f"原件扫描 {school.scanned_form} 第 1 页")
    with pdfplumber.open(out) as pdf:
        [image] = pdf.pages[first + 1].images
        assert image["width"] > 100 * 2.83, "scaled to fill most of the page"
    assert any("来源：文件 2025-11-03.docx" in t for t in pages)


def test_internal_dossier_keeps_numbers_and_groups(school: School, tmp_path: Path) -> None:
    text = "\n".join(_pages(build_dossier(school.ws, GROUPED, tmp_path / "d.pdf")))
    assert school.grouped.phone in text
    assert "留守儿童、经济困难" in text
    assert ID_NUMBER in text


def test_outward_dossier_masks_numbers_and_leaves_out_labels_and_sensitive_fields(school: School, tmp_path: Path) -> None:
    text = "\n".join(_pages(build_dossier(school.ws, GROUPED, tmp_path / "d.pdf", outward=True)))
    assert not PHONE.search(text) and not ID.search(text)
    assert f"{school.grouped.phone[:3]}****{school.grouped.phone[-4:]}" in text
    assert "110101********1234" in text
    assert [t for t in _group_terms(school) if t in text] == []
    assert "父母在外务工" not in text, "家庭情况 left out"
    assert "（对外材料不含此项）" in text


def test_outward_dossier_with_sensitive_content_keeps_labels_but_masks_numbers(school: School, tmp_path: Path) -> None:
    out = build_dossier(school.ws, GROUPED, tmp_path / "d.pdf", outward=True, include_sensitive=True)
    text = "\n".join(_pages(out))
    assert "留守儿童、经济困难" in text and "父母在外务工" in text
    assert not PHONE.search(text) and not ID.search(text)


def test_outward_scan_image_is_greyed_over_the_printed_phone_number(school: School, tmp_path: Path) -> None:
    privacy = Privacy.for_policy(school.ws.policy, outward=True)
    with school.ws.session() as s:
        page = load_record_page(school.ws, s, current_record(s, school.scanned_form), privacy)  # type: ignore[arg-type]
    assert {"phone", "student_no", "family_situation", "problems"} <= page.redact
    form = load_form("record")
    [(page_no, src)] = page.scans
    width, _ = scan_jpeg(src, tmp_path / "s.jpg", page_width_mm=210, blank=[form.field("phone").value_box])
    image = cv2.imread(str(tmp_path / "s.jpg"), cv2.IMREAD_GRAYSCALE)
    box = form.field("phone").value_box
    scale = width / 210
    inner = image[int((box.y + 1) * scale) : int((box.bottom - 1) * scale), int((box.x + 1) * scale) : int((box.right - 1) * scale)]
    assert abs(float(np.mean(inner)) - REDACT_GREY) < 3 and float(np.std(inner)) < 3, "no digit left in the box"


def test_dossier_of_an_unknown_student_is_a_clear_error(school: School, tmp_path: Path) -> None:
    with pytest.raises(ArchiveError, match="学籍号 G000 不在花名册中"):
        build_dossier(school.ws, "G000", tmp_path / "d.pdf")
    assert not (tmp_path / "d.pdf").exists()


def test_archive_student_command_writes_the_dossier(school: School, tmp_path: Path) -> None:
    out = tmp_path / "档案" / "李𬱖.pdf"
    args = ["archive", "student", RARE, "--out", str(out), "--operator", "王主任", "--workspace", str(school.ws.root)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert out.is_file() and "一生一档已生成" in result.output
    bad = CliRunner().invoke(main, ["archive", "student", "G000", "--out", str(out), "--workspace", str(school.ws.root)])
    assert bad.exit_code == 1 and "不在花名册中" in bad.output
