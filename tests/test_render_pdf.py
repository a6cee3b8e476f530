"""The print PDF, rendered for real, rasterised at copier resolution and read back."""

from __future__ import annotations

import io
from pathlib import Path

import cv2
import numpy as np
import pdfplumber
import pypdfium2 as pdfium
import pytest
import zxingcpp
from PIL import Image

from pipeline.errors import FontCoverageError, RenderError
from pipeline.identity import BLANK, PagePayload, decode_payload, encode_payload, new_form_id
from pipeline.model.filled import FilledForm, OutlineContent, OutlineSection
from pipeline.model.form import Box, FieldDef, load_form, qr_side_mm
from pipeline.model.people import Student
from pipeline.render.overlay import draw_layout_overlay
from pipeline.render.pdf import BLANK_TEXT, PageSpan, render_pdf
from pipeline.render.qr import best_mask, qr_png, qr_symbol

SCAN_DPI = 200
SCHOOL = "青禾市明德实验学校"
LONG_ADDRESS = "浙江省青禾市清源区青山镇下溪村五组十八号村委会东侧小卖部后面第三户桂花树旁"  # 40
WRAPPED_ADDRESS = LONG_ADDRESS + "（进村后沿水泥路直走到底，门口有两棵桂花树）"  # two lines
STUDENTS = (
    Student("G330102201201010011", "李𬱖", "七年级(1)班", address=LONG_ADDRESS,
            guardian_name="李建国", guardian_relation="父亲", phone="13912345678"),
    Student("G330102201201010012", "𠇔某", "七年级(1)班", address="青山镇下溪村",
            guardian_name="𠇔大山", guardian_relation="祖父", phone="13912345678"),
    Student("G330102201201010013", "欧阳娜娜", "七年级(1)班", address=WRAPPED_ADDRESS,
            guardian_name="王芳", guardian_relation="母亲", phone="13912345678"),
)


def filled(
    form_name: str, student: Student, *, values: dict[str, str] | None = None, **changes: object
) -> FilledForm:
    """A FilledForm for ``student`` with every prefill source resolved, then ``values`` over them."""
    form = load_form(form_name)
    form_id = new_form_id(form_name)
    sources = {"form.id": form_id, "school.name": SCHOOL}
    sources |= {f"student.{k}": str(v) for k, v in vars(student).items() if isinstance(v, str)}
    prefilled = {f.id: sources[f.prefill] for f in form.fields if f.prefill}
    base = dict(
        form=form, form_id=form_id, school_code="QHMD01", title=f"{SCHOOL} {form.title}",
        values=prefilled | (values or {}), owner=f"{student.class_name} {student.name}",
    )
    return FilledForm(**(base | changes))  # type: ignore[arg-type]


def rasterise(pdf: Path, page: int, dpi: float = SCAN_DPI) -> Image.Image:
    doc = pdfium.PdfDocument(pdf)
    try:
        return doc[page].render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
    finally:
        doc.close()


def qr_payloads(image: Image.Image) -> list[PagePayload | None]:
    return [decode_payload(b.text) for b in zxingcpp.read_barcodes(np.asarray(image))]


def mm_bbox(box: Box, tolerance: float) -> tuple[float, float, float, float]:
    pt = 72 / 25.4
    return (
        (box.x - tolerance) * pt,
        (box.y - tolerance) * pt,
        (box.right + tolerance) * pt,
        (box.bottom + tolerance) * pt,
    )


def text_in(page: pdfplumber.page.Page, box: Box, tolerance: float = 0.5) -> str:
    """Text printed entirely inside ``box`` (layout mm, origin top-left), line breaks removed."""
    return page.within_bbox(mm_bbox(box, tolerance)).extract_text().replace("\n", "").replace(" ", "")


@pytest.fixture(scope="module")
def record_batch(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[FilledForm], list[PageSpan]]:
    forms = [filled("record", s) for s in STUDENTS]
    out = tmp_path_factory.mktemp("pdf") / "七年级(1)班.pdf"
    spans = render_pdf(forms, out, batch_id="B7")
    return out, forms, spans


def test_record_batch_spans_two_pages_per_form_with_subset_fonts(record_batch) -> None:
    out, forms, spans = record_batch
    assert spans == [PageSpan(f.form_id, 1 + 2 * i, 2) for i, f in enumerate(forms)]
    with pdfplumber.open(out) as pdf:
        assert len(pdf.pages) == 6
        assert pdf.metadata["Creator"] == "jiafang"
        fonts = {c["fontname"] for p in pdf.pages for c in p.chars}
    assert all("+" in name for name in fonts)  # embedded subsets carry a "ABCDEF+" tag


def test_every_page_qr_decodes_to_form_page_and_layout_at_200_dpi(record_batch) -> None:
    out, forms, spans = record_batch
    for form, span in zip(forms, spans):
        for n in range(1, span.pages + 1):
            payloads = qr_payloads(rasterise(out, span.first_page + n - 2))
            assert payloads == [PagePayload("QHMD01", form.form_id, n, 2, form.form.layout_hash)]


def test_four_aruco_markers_at_layout_centres(record_batch) -> None:
    out, forms, _ = record_batch
    detector = cv2.aruco.ArucoDetector(
        cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_4X4_50), cv2.aruco.DetectorParameters()
    )
    for index in range(2):
        corners, ids, _ = detector.detectMarkers(np.asarray(rasterise(out, index)))
        assert ids is not None and sorted(ids.ravel().tolist()) == [0, 1, 2, 3]
        expected = {m.id: m.center for m in forms[0].form.pages[index].markers}
        for marker_id, quad in zip(ids.ravel(), corners):
            centre_mm = quad[0].mean(axis=0) * 25.4 / SCAN_DPI
            assert np.allclose(centre_mm, expected[int(marker_id)], atol=1.0)


def test_labels_and_prefilled_values_print_inside_their_boxes(record_batch) -> None:
    out, forms, spans = record_batch
    with pdfplumber.open(out) as pdf:
        for form, span in zip(forms, spans):
            for field in form.form.fields:
                page = pdf.pages[span.first_page + field.page - 2]
                assert field.label.replace(" ", "") in text_in(page, field.label_box), field.id
                value = form.values.get(field.id, "")
                if field.kind == "text":
                    assert text_in(page, field.value_box) == value, field.id
                for digit, cell in zip(value, field.cells):
                    assert text_in(page, cell) == digit, field.id


def test_rare_characters_come_back_exactly(record_batch) -> None:
    out, forms, _ = record_batch
    with pdfplumber.open(out) as pdf:
        text = "".join(p.extract_text() for p in pdf.pages)
    assert "李𬱖" in text and "𠇔某" in text and "𠇔大山" in text
    assert "ⳅ" not in text


def test_footer_prints_form_id_and_page_of_pages(record_batch) -> None:
    out, forms, _ = record_batch
    page_def = forms[1].form.pages[1]
    with pdfplumber.open(out) as pdf:
        footer = text_in(pdf.pages[3], page_def.footer_box)
    assert footer == f"表单编号{forms[1].form_id}第2/2页"


def test_odd_page_form_gets_an_intentional_blank_page(tmp_path: Path) -> None:
    forms = [filled("memo", STUDENTS[0]), filled("record", STUDENTS[1]), filled("memo", STUDENTS[2])]
    out = tmp_path / "batch.pdf"
    spans = render_pdf(forms, out, batch_id="B7")
    assert [s.first_page for s in spans] == [1, 3, 5]
    with pdfplumber.open(out) as pdf:
        assert len(pdf.pages) == 6
        assert BLANK_TEXT in pdf.pages[1].extract_text()
        assert BLANK_TEXT in pdf.pages[5].extract_text()
    assert qr_payloads(rasterise(out, 1)) == [PagePayload("QHMD01", BLANK, 1, 0, "B7")]
    assert qr_payloads(rasterise(out, 5)) == [PagePayload("QHMD01", BLANK, 2, 0, "B7")]


def test_simplex_batch_has_no_blank_pages(tmp_path: Path) -> None:
    forms = [filled("memo", STUDENTS[0]), filled("memo", STUDENTS[1])]
    spans = render_pdf(forms, tmp_path / "simplex.pdf", batch_id="B7", duplex=False)
    assert [s.first_page for s in spans] == [1, 2]


def test_value_no_font_covers_names_owner_and_field(tmp_path: Path) -> None:
    bad = filled("record", STUDENTS[0], values={"guardian_name": "李\ue000"})
    out = tmp_path / "bad.pdf"
    with pytest.raises(FontCoverageError) as err:
        render_pdf([filled("record", STUDENTS[1]), bad], out, batch_id="B7")
    assert "七年级(1)班 李𬱖" in str(err.value)
    assert "监护人" in str(err.value) and "U+E000" in str(err.value)
    assert not out.exists()


def test_value_too_long_even_on_two_lines_is_an_error(tmp_path: Path) -> None:
    form = filled("record", STUDENTS[0], values={"address": LONG_ADDRESS * 6})
    with pytest.raises(RenderError, match="家庭住址"):
        render_pdf([form], tmp_path / "long.pdf", batch_id="B7")


def outline_of(sections: int, items: int) -> OutlineContent:
    return OutlineContent(
        categories=("普访",),
        sections=tuple(
            OutlineSection(
                f"第{s + 1}部分",
                tuple(f"第{s + 1}.{i + 1}条：了解孩子在家的学习、作息和情绪，和𠇔某家长商量下一步的安排。" for i in range(items)),
            )
            for s in range(sections)
        ),
    )


def test_long_outline_flows_onto_the_second_page(tmp_path: Path) -> None:
    outline = outline_of(8, 6)
    out = tmp_path / "outline.pdf"
    render_pdf([filled("outline", STUDENTS[0], outline=outline)], out, batch_id="B7")
    form = load_form("outline")
    with pdfplumber.open(out) as pdf:
        first = text_in(pdf.pages[0], form.pages[0].content_boxes[0], tolerance=1.0)
        second = text_in(pdf.pages[1], form.pages[1].content_boxes[0], tolerance=1.0)
    assert first.startswith("第1部分")
    assert second.endswith("第8.6条：了解孩子在家的学习、作息和情绪，和𠇔某家长商量下一步的安排。")
    assert first.count("条：") + second.count("条：") == 48


def test_outline_too_long_for_its_boxes_names_the_owner(tmp_path: Path) -> None:
    form = filled("outline", STUDENTS[1], outline=outline_of(20, 10))
    with pytest.raises(RenderError, match="𠇔某"):
        render_pdf([form], tmp_path / "outline.pdf", batch_id="B7")


def test_qr_symbol_is_version_3_q_and_fills_the_reserved_square() -> None:
    longest = encode_payload(PagePayload("QHMD01", "R12345678", 12, 12, "ABCDEF12"))
    symbol = qr_symbol(longest)
    assert (symbol.version, symbol.error, symbol.is_micro) == (3, "Q", False)
    assert qr_side_mm() / (symbol.symbol_size(border=2)[0]) >= 0.8


def test_qr_payload_that_does_not_fit_is_an_error() -> None:
    with pytest.raises(RenderError, match="二维码"):
        qr_symbol("JF1/" + "A" * 60)
    with pytest.raises(RenderError, match="二维码"):
        qr_symbol("JF1/lowercase")


def test_qr_mask_is_the_one_with_the_lowest_penalty() -> None:
    payload = encode_payload(PagePayload("QHMD01", "R12345678", 1, 2, "ABCDEF12"))
    chosen = qr_symbol(payload)
    assert chosen.mask == best_mask(chosen)
    png = Image.open(io.BytesIO(qr_png(payload))).convert("L")
    assert [b.text for b in zxingcpp.read_barcodes(np.asarray(png))] == [payload]


def test_layout_overlay_draws_field_boxes_in_colour(record_batch) -> None:
    out, forms, _ = record_batch
    page = rasterise(out, 0, dpi=100)
    overlay = draw_layout_overlay(page, forms[0].form, 1, dpi=100)
    field: FieldDef = forms[0].form.field("address")
    x, y = round(field.box.right * 100 / 25.4), round((field.box.y + field.box.h / 2) * 100 / 25.4)
    around = {overlay.getpixel((x + dx, y)) for dx in (-1, 0, 1)}
    assert overlay.size == page.size
    assert (220, 30, 30) in around
