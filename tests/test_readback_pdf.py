"""PDF readback: fillable AcroForm PDFs, Word exports read by labels, our print PDF filled
digitally read by the layout, image-only PDFs, and the PDFs a reader must refuse."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import docx
import numpy as np
import pdfplumber
import pikepdf
import pypdfium2 as pdfium
import pytest
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from pipeline.errors import BlankFormError, ForeignDocumentError, UnreadableFileError
from pipeline.generate import generate
from pipeline.model.form import load_form
from pipeline.model.record import RawValue
from pipeline.readback import PdfInfo, inspect_pdf, read_pdf
from pipeline.readback.pdf_reader import UNMAPPED_TEXT
from pipeline.readback.pdf_split import written_forms
from pipeline.render.fonts import default_fonts
from pipeline.resources import samples_dir
from pipeline.roster.importer import import_roster
from pipeline.store.workspace import Workspace, init_workspace
from pipeline.synth import fill_docx, fill_fillable_pdf, fill_print_pdf
from word_support import in_control, with_pictures

CLASS = "七年级（1）班"
VALUES: dict[str, str | tuple[str, ...] | bool] = {
    "visit_date": "2025-11-03",
    "visit_time": "18:30—19:40",
    "place": "学生家中（幸福路12号）",
    "mode": ("入户走访",),
    "visit_type": ("重点",),
    "student_present": ("是",),
    "teachers": "王老师、李明",
    "interviewee": "父亲 李建国",
    "attachments": (),
    "topics": ("学习情况", "心理健康", "安全教育(防溺水·交通·防诈)"),
    "family_situation": "父母均在本地务工，家中有一个妹妹。\n住房为自建房，学习环境较安静。",
    "school_feedback": "在校表现积极，数学成绩进步明显，课堂上能主动回答问题，与同学相处融洽，担任小组长。",
    "parent_opinion": "希望老师多关注孩子的英语学习。",
    "consensus": "家长每天督促孩子九点前交手机。",
    "followup_measures": ("家庭教育指导",),
    "followup_due": "2025-11-10",
    "teacher_signature": True,
}
LEFT_EMPTY = {"problems": "", "measures": "", "parent_signature": False}


@pytest.fixture(scope="module")
def issued(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict]]:
    """Record forms of one class as print PDF, .docx and fillable PDF; manifest entries by format."""
    root = tmp_path_factory.mktemp("pdf-readback")
    ws: Workspace = init_workspace(root / "ws", policy_path=samples_dir() / "policy.yaml")
    import_roster(ws, [samples_dir() / "roster.xlsx"])
    out = root / "out"
    generate(ws, forms=["record"], formats=["pdf", "docx", "fillable-pdf"], out_dir=out, class_name=CLASS)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    by_format: dict[str, list[dict]] = {}
    for entry in manifest:
        by_format.setdefault(entry["format"], []).append({**entry, "path": out / entry["file"]})
    return by_format


def _expected_text(fid: str) -> object:
    value = {**VALUES, **LEFT_EMPTY}[fid]
    return value


def _ink(path: Path, page: int, box_mm: tuple[float, float, float, float], *, forms: bool) -> int:
    """Dark pixels inside a layout box (mm) of a page rendered at 200 dpi."""
    doc = pdfium.PdfDocument(str(path))
    if forms:
        doc.init_forms()
    scale = 200 / 25.4
    image = np.asarray(doc[page].render(scale=200 / 72, may_draw_forms=forms).to_pil().convert("L"))
    x, y, w, h = (round(v * scale) for v in box_mm)
    return int((image[y : y + h, x : x + w] < 128).sum())


# --- fillable PDF (AcroForm) --------------------------------------------------------------


def test_fillable_pdf_reads_back_what_was_typed_into_its_fields(issued: dict, tmp_path: Path) -> None:
    entry = issued["fillable-pdf"][0]
    assert entry["file"].startswith("fillable/record/") and entry["file"].endswith(f"_{entry['form_id']}.pdf")
    filled = tmp_path / "filled.pdf"
    fill_fillable_pdf(entry["path"], {**VALUES, **LEFT_EMPTY}, filled)

    info = inspect_pdf(filled)
    assert (info.kind, info.form_id, info.pages) == ("acroform", entry["form_id"], 2)
    assert info.school_code is not None
    reading = read_pdf(filled, load_form("record"), form_id=info.form_id, info=info)
    got = {fid: v.raw for fid, v in reading.values.items()}
    assert got["visit_date"] == "2025年11月03日"
    assert got["visit_time"] == "18:30—19:40"
    assert got["followup_due"] == "2025年11月10日"
    for fid in set(VALUES) - {"visit_date", "followup_due"} | set(LEFT_EMPTY):
        assert got[fid] == _expected_text(fid), fid
    assert reading.values["place"].source == "acroform" and reading.values["place"].confidence == 1.0
    assert got["form_id"] == entry["form_id"], "pre-filled fields are read from the printed page"
    assert not any(v.doubt for v in reading.values.values())


@pytest.mark.parametrize(
    ("top", "signed", "doubt"),
    [(226, True, "栏里有画上"), (218.5, True, "栏里有画上"), (266, False, "不在任何填写栏里的笔迹")],
    ids=["in-its-box", "over-its-label", "below-its-box"],
)
def test_a_signature_drawn_with_a_pdf_apps_pen_on_a_typed_fillable_pdf_is_signed_or_shown_and_doubted(
    issued: dict, tmp_path: Path, top: float, signed: bool, doubt: str
) -> None:
    """Typed on a phone, then signed with a finger: the app keeps the stroke in an Ink annotation
    (``top``: mm from the page's top), over the box, over its label 家长签名 (the box starts
    below it) or below it, outside every field. Before, the AcroForm's empty signature field
    said unsigned, confidence 1.0, in each case."""
    entry = issued["fillable-pdf"][0]
    filled = tmp_path / "filled.pdf"
    fill_fillable_pdf(entry["path"], {**VALUES, **LEFT_EMPTY}, filled)
    box = load_form("record").field("parent_signature").value_box
    pt = 72 / 25.4
    x, y, height = (box.x + 5) * pt, (297 - top - 5) * pt, 5 * pt
    signed_pdf = tmp_path / "signed.pdf"
    with pikepdf.open(filled) as pdf:
        page = pdf.pages[_page_of(entry, "parent_signature")]
        stroke = pikepdf.Dictionary(
            Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Ink, Rect=[x, y, x + 100, y + height], InkList=[[x, y, x + 30, y + height, x + 60, y + 2, x + 100, y + height - 2]]
        )
        page.obj.Annots = pdf.make_indirect(pikepdf.Array([*page.obj.get("/Annots", pikepdf.Array()), pdf.make_indirect(stroke)]))
        pdf.save(signed_pdf)
    values = _record_values(signed_pdf)
    assert [fid for fid, v in values.items() if v.doubt] == ["parent_signature"]
    assert values["parent_signature"].raw is signed and doubt in values["parent_signature"].doubt


def test_chinese_typed_into_a_fillable_pdf_is_displayed(issued: dict, tmp_path: Path) -> None:
    entry = issued["fillable-pdf"][0]
    filled = tmp_path / "filled.pdf"
    fill_fillable_pdf(entry["path"], {"place": "学生家中", "mode": ("电话",)}, filled)
    place = load_form("record").field("place").value_box
    phone_option = load_form("record").field("mode").options[1].box
    for box in (place, phone_option):
        inner = (box.x + 1, box.y + 1, box.w - 2, box.h - 2)  # inside the printed frame
        assert _ink(entry["path"], 0, inner, forms=True) == 0
        assert _ink(filled, 0, inner, forms=True) > 10


def test_an_untouched_fillable_pdf_is_refused_as_blank_and_one_value_typed_reads_the_rest_empty(issued: dict, tmp_path: Path) -> None:
    entry = issued["fillable-pdf"][1]
    info = inspect_pdf(entry["path"])
    with pytest.raises(BlankFormError, match="没有填写任何内容"):
        read_pdf(entry["path"], load_form("record"), form_id=info.form_id, info=info)
    fill_fillable_pdf(entry["path"], {"interviewee": "母亲"}, tmp_path / "one.pdf")
    reading = read_pdf(tmp_path / "one.pdf", load_form("record"), form_id=info.form_id, info=inspect_pdf(tmp_path / "one.pdf"))
    assert reading.values["interviewee"].raw == "母亲"
    assert reading.values["place"].raw == "" and reading.values["mode"].raw == ()
    assert reading.values["visit_date"].raw == "" and reading.values["teacher_signature"].raw is False


# --- our print PDF filled digitally --------------------------------------------------------


def test_print_pdf_filled_digitally_is_read_by_the_layout_boxes(issued: dict, tmp_path: Path) -> None:
    entry = issued["pdf"][0]
    assert entry["first_page"] == 1
    filled = tmp_path / "typed.pdf"
    fill_print_pdf(entry["path"], {**VALUES, **LEFT_EMPTY}, filled)

    info = inspect_pdf(filled)
    assert (info.kind, info.form_id) == ("ours", entry["form_id"])
    reading = read_pdf(filled, load_form("record"), form_id=info.form_id, info=info)
    got = {fid: v.raw for fid, v in reading.values.items()}
    assert got["visit_date"] == "2025年11月03日" and got["followup_due"] == "2025年11月10日"
    assert got["visit_time"] == "18:30—19:40"
    for fid in set(VALUES) - {"visit_date", "followup_due", "visit_time"} | set(LEFT_EMPTY):
        assert got[fid] == _expected_text(fid), fid
    assert got["form_id"] == entry["form_id"] and got["student_name"], "printed pre-filled values are values"
    assert reading.reader == "pdf-layout" and not any(v.doubt for v in reading.values.values())


def test_a_fillable_pdf_flattened_by_a_tool_that_garbles_chinese_sends_the_garbled_text_to_a_person(issued: dict, tmp_path: Path) -> None:
    """A tool that flattens the typed fields into the page without a Chinese font writes "??"
    for each character, which reads back as 㼿: the record held 家访地点 "㼿" and 家庭情况
    "㼿㼿㼿㼿", `auto`. Such text, and GBK bytes read as Latin-1 ("Ñ§Éú"), now goes to a person
    naming the characters; a plain value stays as it was."""
    filled = tmp_path / "filled.pdf"
    fill_fillable_pdf(issued["fillable-pdf"][0]["path"], {**VALUES, **LEFT_EMPTY}, filled)
    with pikepdf.open(filled) as pdf:
        pdf.generate_appearance_streams()
        pdf.flatten_annotations("all")  # the fields become page content, the form goes
        pdf.save(tmp_path / "flat.pdf")
    _, reading = _read(tmp_path / "flat.pdf")
    garbled = {fid: v.doubt for fid, v in reading.values.items() if "乱码" in v.doubt}
    assert {"place", "family_situation", "interviewee"} <= set(garbled), garbled
    assert all("㼿" in garbled[fid] for fid in ("place", "family_situation", "interviewee")), garbled
    assert not any("㼿" in str(v.raw) for fid, v in reading.values.items() if fid not in garbled)
    typed = tmp_path / "typed.pdf"
    fill_print_pdf(issued["pdf"][0]["path"], {"place": "Ñ§Éú¼Ò", "interviewee": VALUES["interviewee"]}, typed)
    _, reading = _read(typed)
    assert "“ÑÉúÒ”" in reading.values["place"].doubt and not reading.values["interviewee"].doubt


def _turned(pdf: Path, out: Path, degrees: int) -> Path:
    """``pdf`` with every page turned for display by ``degrees`` (a PDF app's 旋转页面, saved)."""
    with pikepdf.open(pdf) as doc:
        for page in doc.pages:
            page.obj.Rotate = degrees
        doc.save(out)
    return out


def _read(path: Path) -> tuple[PdfInfo, object]:
    info = inspect_pdf(path)
    return info, read_pdf(path, load_form("record"), form_id=info.form_id or "", info=info)


@pytest.mark.parametrize("degrees", [90, 180, 270])
@pytest.mark.parametrize("made", ["fillable-pdf", "pdf"])
def test_a_typed_pdf_whose_pages_a_pdf_app_turned_reads_as_the_same_file_unturned(issued: dict, tmp_path: Path, made: str, degrees: int) -> None:
    """A teacher types the visit into the fillable or the print PDF, turns its pages (旋转页面)
    and saves. The text, the fields and the layout lie in the page's own space; read in the
    turned places, the fillable PDF's printed labels were stray text on every field (20 of them
    to a person) and its printed values misread (家庭住址 "回\n访"), and the print PDF went to the
    scan reader, 11 fields to a person. Now each reads as the same file unturned."""
    typed = tmp_path / "typed.pdf"
    fill = fill_fillable_pdf if made == "fillable-pdf" else fill_print_pdf
    fill(issued[made][0]["path"], {**VALUES, **LEFT_EMPTY}, typed)
    (upright_info, upright), (turned_info, turned) = _read(typed), _read(_turned(typed, tmp_path / "turned.pdf", degrees))
    assert turned_info.turned and not upright_info.turned
    assert (turned_info.kind, turned_info.form_id) == (upright_info.kind, upright_info.form_id)
    assert turned.reader == upright.reader and turned.notes == upright.notes
    assert turned.values == upright.values


def test_a_typed_print_pdf_a_pdf_app_cropped_reads_as_the_same_file_uncropped(issued: dict, tmp_path: Path) -> None:
    """A crop box (裁剪页面) hides the page's margins but moves nothing on it. pdfium measured the
    text from the crop box's top: the layout no longer matched, and the labels reader read our
    print layout — a signature where nobody signed ("家长签名" taken for the teacher's), the
    ticks and paragraphs not found."""
    typed = tmp_path / "typed.pdf"
    fill_print_pdf(issued["pdf"][0]["path"], {**VALUES, **LEFT_EMPTY}, typed)
    with pikepdf.open(typed) as pdf:
        for page in pdf.pages:
            page.obj.CropBox = pikepdf.Array([20, 20, 575, 822])
        pdf.save(tmp_path / "cropped.pdf")
    (_, whole), (info, cropped) = _read(typed), _read(tmp_path / "cropped.pdf")
    assert info.kind == "ours" and cropped.reader == whole.reader == "pdf-layout"
    assert cropped.values == whole.values


@pytest.mark.parametrize("moved", ["shrunk-to-fit", "origin-moved"])
def test_our_print_pdf_printed_again_to_a_pdf_elsewhere_on_the_page_is_left_to_the_scan_reader(issued: dict, tmp_path: Path, moved: str) -> None:
    """Typed into, then printed again to a PDF printer (shrunk to fit the printable area: 97 %), or
    saved with its page box moved under the text: the text no longer lies where the layout
    puts it, and the labels reader, made for Word's tables, read our print layout's rows — a
    teacher's signature where nobody signed. Our printed footer says whose layout it is: the
    page is read as shown by the scan reader, which registers it by its corner markers."""
    typed = tmp_path / "typed.pdf"
    fill_print_pdf(issued["pdf"][0]["path"], {**VALUES, **LEFT_EMPTY}, typed)
    with pikepdf.open(typed) as pdf:
        for page in pdf.pages:
            page.contents_coalesce()
            shift = b"0.97 0 0 0.97 9 12" if moved == "shrunk-to-fit" else b"1 0 0 1 0 -841.89"
            page.Contents = pdf.make_stream(b"q " + shift + b" cm\n" + page.Contents.read_bytes() + b"\nQ")
            if moved == "origin-moved":
                page.mediabox = pikepdf.Array([0, -841.89, 595.28, 0])
        pdf.save(tmp_path / "moved.pdf")
    info = inspect_pdf(tmp_path / "moved.pdf")
    assert (info.kind, info.form_id) == ("image", issued["pdf"][0]["form_id"])


def test_a_class_pdf_typed_into_and_turned_upside_down_is_split_and_read_by_its_layout(issued: dict, tmp_path: Path) -> None:
    """pdfium gives the footer of a page turned by 180° backwards ("1/2 页 第 表单编号 R…"): the
    forms of a class's print PDF were not found, and the whole file went to the scan reader."""
    second = issued["pdf"][1]
    fill_print_pdf(second["path"], {"place": "社区活动室"}, tmp_path / "typed.pdf", first_page=second["first_page"])
    turned = _turned(tmp_path / "typed.pdf", tmp_path / "turned.pdf", 180)
    assert inspect_pdf(turned).forms[:2] == tuple(entry["form_id"] for entry in issued["pdf"][:2])
    [(form_id, part)] = written_forms(turned)
    (tmp_path / "part.pdf").write_bytes(part)
    info, reading = _read(tmp_path / "part.pdf")
    assert form_id == second["form_id"] == info.form_id and info.kind == "ours" and reading.reader == "pdf-layout"
    assert reading.values["place"].raw == "社区活动室" and not reading.notes


def test_layout_reader_finds_a_later_form_of_a_class_pdf_by_its_footer(issued: dict, tmp_path: Path) -> None:
    second = issued["pdf"][1]
    filled = tmp_path / "typed.pdf"
    fill_print_pdf(second["path"], {"place": "社区活动室"}, filled, first_page=second["first_page"])
    info = inspect_pdf(filled)
    reading = read_pdf(filled, load_form("record"), form_id=second["form_id"], info=info)
    assert reading.values["place"].raw == "社区活动室"
    assert reading.values["form_id"].raw == second["form_id"]


def test_text_straying_out_of_a_box_is_doubted(issued: dict, tmp_path: Path) -> None:
    entry = issued["pdf"][0]
    f = load_form("record").field("place")
    overlay = io.BytesIO()
    canvas = Canvas(overlay, pagesize=A4)
    canvas.setFont(default_fonts().primary, 11)
    canvas.drawString((f.value_box.x - 6) * 72 / 25.4, (297 - f.value_box.y - 6) * 72 / 25.4, "学生家中")
    canvas.save()
    typed = tmp_path / "stray.pdf"
    with pikepdf.open(entry["path"]) as pdf, pikepdf.open(overlay) as drawn:
        pdf.pages[0].add_overlay(drawn.pages[0])
        pdf.save(typed)
    info = inspect_pdf(typed)
    value = read_pdf(typed, load_form("record"), form_id=info.form_id, info=info).values["place"]
    assert value.doubt and value.confidence < 0.9


@pytest.mark.parametrize("kind", ["pdf", "fillable-pdf"])
def test_text_a_pdf_editor_typed_beside_a_label_or_outside_the_boxes_is_shown_not_lost(issued: dict, tmp_path: Path, kind: str) -> None:
    """Typed onto the print PDF, or onto the page of the typed fillable PDF, where the form prints
    nothing: before, it was in no field and every field said nothing of it (on the fillable PDF,
    the fields' typed values replaced what the page showed)."""
    entry = issued[kind][0]
    filled = tmp_path / "typed.pdf"
    (fill_print_pdf if kind == "pdf" else fill_fillable_pdf)(entry["path"], {**VALUES, **LEFT_EMPTY}, filled)
    form = load_form("record")
    label = form.field("place").label_box
    pt = 72 / 25.4
    overlay = io.BytesIO()
    canvas = Canvas(overlay, pagesize=A4)
    canvas.setFont(default_fonts().primary, 10)
    canvas.drawString((label.x + 14) * pt, (297 - label.y - label.h / 2 - 1) * pt, "外婆")
    canvas.drawString(150 * pt, (297 - 283) * pt, "补充：家长反映孩子在家玩手机到深夜")
    canvas.save()
    values = _read_with(filled, tmp_path / "typed-outside.pdf", _page_of(entry, "place"), overlay)
    after_page_1 = next(f.id for f in form.pages[1].fields if f.fillable)
    assert sorted(fid for fid, v in values.items() if v.doubt) == sorted(["place", after_page_1])
    assert "外婆" in values["place"].doubt and values["place"].raw == VALUES["place"]
    assert "玩手机到深夜" in values[after_page_1].doubt


def test_a_signature_placed_as_a_picture_on_the_print_pdf_is_signed_and_doubted(issued: dict, tmp_path: Path) -> None:
    """Before, a parent's signature photo placed into the box by a PDF editor read as unsigned."""
    entry = issued["pdf"][0]
    filled = tmp_path / "typed.pdf"
    fill_print_pdf(entry["path"], {**VALUES, **LEFT_EMPTY}, filled)
    box = load_form("record").field("parent_signature").value_box
    overlay = io.BytesIO()
    canvas = Canvas(overlay, pagesize=A4)
    signature = Image.new("RGB", (300, 100), "white")
    signature.paste(0, (40, 45, 260, 55))
    pt = 72 / 25.4
    canvas.drawImage(ImageReader(signature), (box.x + 10) * pt, (297 - box.bottom + 5) * pt, 45 * pt, 15 * pt)
    canvas.save()
    values = _read_with(filled, tmp_path / "signed.pdf", _page_of(entry, "parent_signature"), overlay)
    assert values["parent_signature"].raw is True and "图片" in values["parent_signature"].doubt
    assert [fid for fid, v in values.items() if v.doubt] == ["parent_signature"]


def _read_with(src: Path, out: Path, page: int, overlay: io.BytesIO) -> dict[str, RawValue]:
    """The record fields of ``src`` with the first page of ``overlay`` drawn over its page
    ``page`` (0-based), written to ``out``."""
    with pikepdf.open(src) as pdf, pikepdf.open(overlay) as drawn:
        pdf.pages[page].add_overlay(drawn.pages[0])
        pdf.save(out)
    return _record_values(out)


def _record_values(path: Path) -> dict[str, RawValue]:
    """What the PDF reader reads from the record form PDF ``path``."""
    info = inspect_pdf(path)
    return read_pdf(path, load_form("record"), form_id=info.form_id, info=info).values


def _page_of(entry: dict, field_id: str) -> int:
    """0-based index, in the class PDF of ``entry``, of the page holding the record's field."""
    form = load_form("record")
    return entry["first_page"] - 1 + next(p.number for p in form.pages if any(f.id == field_id for f in p.fields)) - 1


# --- Word export (text layer, read by labels) ----------------------------------------------


@pytest.mark.slow
def _word_export(entry: dict, tmp_path: Path, edit: Callable[[Path], object] | None = None) -> Path:
    """The filled .docx, edited in place by ``edit``, exported to PDF by LibreOffice."""
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice is not installed")
    filled = tmp_path / f"{entry['form_id']}.docx"
    fill_docx(entry["path"], {**VALUES, **{k: v for k, v in LEFT_EMPTY.items() if v}}, filled)
    if edit is not None:
        edit(filled)
    profile = tmp_path / "lo-profile"
    subprocess.run(
        ["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless",
         "--convert-to", "pdf", "--outdir", str(tmp_path), str(filled)],
        check=True, capture_output=True, timeout=180,
    )
    return filled.with_suffix(".pdf")


def test_a_pdf_whose_fonts_map_no_text_is_refused_saying_why_not_read_as_empty_fields(issued: dict, tmp_path: Path) -> None:
    """Some PDF printers embed fonts without a ToUnicode map: the text comes out as glyph
    numbers. Read by its labels, such a file gave a record of nothing but fields to review."""
    exported = _word_export(issued["docx"][0], tmp_path)
    with pikepdf.open(exported) as pdf:
        for page in pdf.pages:
            for font in page.Resources.Font.values():
                if "/ToUnicode" in font:
                    del font["/ToUnicode"]
        pdf.save(tmp_path / "虚拟打印机.pdf")
    with pytest.raises(UnreadableFileError) as refused:
        inspect_pdf(tmp_path / "虚拟打印机.pdf")
    assert UNMAPPED_TEXT in str(refused.value) and "请交回 Word 原文件" in str(refused.value)
    assert inspect_pdf(exported).kind == "text", "the same export with its maps is read"


def test_a_word_export_a_pdf_app_turned_is_read_by_its_labels_as_unturned(issued: dict, tmp_path: Path) -> None:
    """A Word export turned in a PDF app (旋转页面) and saved: read in the turned places, the labels
    reader took printed labels for values; then it went to the scan reader and was held (no
    corner markers). Its text stands upright in the page's own space, and is read there."""
    exported = _word_export(issued["docx"][0], tmp_path)
    (_, upright), (info, turned) = _read(exported), _read(_turned(exported, tmp_path / "turned.pdf", 90))
    assert (info.kind, info.turned) == ("text", True)
    assert turned.reader == upright.reader == "pdf-labels" and turned.values == upright.values


def test_a_word_export_drawn_on_its_side_and_turned_upright_is_left_to_the_scan_reader(issued: dict, tmp_path: Path) -> None:
    """A PDF printer that prints a page onto paper lying the other way draws the text on its side
    and turns the paper for display: the text is upright only as shown, and the labels reader
    would read it across its lines. Such a file goes to the scan reader (which holds a Word
    export, asking for the Word file), not to the labels reader."""
    exported = _word_export(issued["docx"][0], tmp_path)
    with pikepdf.open(exported) as pdf:
        for page in pdf.pages:
            width, height = (float(v) for v in page.mediabox[2:])
            page.contents_coalesce()
            page.Contents = pdf.make_stream(b"q 0 1 -1 0 %.3f 0 cm\n" % height + page.Contents.read_bytes() + b"\nQ")
            page.mediabox = pikepdf.Array([0, 0, height, width])
            page.obj.Rotate = 90
        pdf.save(tmp_path / "横放.pdf")
    shown = pdfium.PdfDocument(str(tmp_path / "横放.pdf"))[0].render(scale=0.5).to_pil().convert("L")
    assert shown.width < shown.height, "shown as the portrait page it was"
    assert inspect_pdf(tmp_path / "横放.pdf").kind == "image"


@pytest.mark.parametrize(("where", "kind"), [("under", "text"), ("over", "image")])
def test_a_word_export_on_a_full_page_picture_is_read_by_its_text_but_text_under_a_photo_is_not(issued: dict, tmp_path: Path, where: str, kind: str) -> None:
    """A page-sized background picture (a school's letter paper) under a Word export leaves it
    a document with hundreds of visible characters; a photo pasted over the text hides it, and
    what shows is a picture, read as a scan."""
    exported = _word_export(issued["docx"][0], tmp_path)
    picture = io.BytesIO()
    Image.new("L", (850, 1200), 235).save(picture, "PNG")
    layer = io.BytesIO()
    sheet = Canvas(layer, pagesize=A4)
    sheet.drawImage(ImageReader(picture), 0, 0, width=A4[0], height=A4[1])
    sheet.save()
    with pikepdf.open(exported) as pdf, pikepdf.open(layer) as drawn:
        (pdf.pages[0].add_underlay if where == "under" else pdf.pages[0].add_overlay)(drawn.pages[0])
        pdf.save(tmp_path / "带背景.pdf")
    assert inspect_pdf(tmp_path / "带背景.pdf").kind == kind


def test_a_word_export_of_two_forms_is_refused_naming_both_not_read_as_the_first(issued: dict, tmp_path: Path) -> None:
    """Read by its labels, such a PDF became a record of the first form, with no note that the
    second was there."""
    first, second = (_word_export(entry, tmp_path / entry["form_id"]) for entry in issued["docx"][:2])
    merged = tmp_path / "两份.pdf"
    with pikepdf.open(first) as pdf, pikepdf.open(second) as more:
        pdf.pages.extend(more.pages)
        pdf.save(merged)
    with pytest.raises(ForeignDocumentError) as refused:
        inspect_pdf(merged)
    assert "2 份表" in str(refused.value) and all(e["form_id"] in str(refused.value) for e in issued["docx"][:2])


def test_word_export_is_read_by_its_labels(issued: dict, tmp_path: Path) -> None:
    entry = issued["docx"][0]
    exported = _word_export(entry, tmp_path)

    started = time.perf_counter()
    info = inspect_pdf(exported)
    inspected = time.perf_counter()
    reading = read_pdf(exported, load_form("record"), form_id=info.form_id, info=info)
    done = time.perf_counter()
    print(f"\ntext-PDF reader: inspect {1000 * (inspected - started):.0f} ms, "
          f"read {1000 * (done - inspected) / info.pages:.0f} ms/page over {info.pages} page(s)")

    assert (info.kind, info.form_id) == ("text", entry["form_id"])
    assert reading.reader == "pdf-labels"
    wrong = []
    for fid, want in {**VALUES, **LEFT_EMPTY}.items():
        got = reading.values[fid]
        if got.raw != want and not got.doubt:
            wrong.append(f"{fid}: {got.raw!r} != {want!r} without a doubt")
    assert not wrong, wrong
    undoubted = [fid for fid, v in reading.values.items() if not v.doubt]
    assert len(undoubted) == len(reading.values), "an export of an intact .docx reads without doubt"
    assert reading.values["place"].confidence == pytest.approx(0.9)


def test_a_word_export_with_a_signature_pasted_as_a_picture_is_signed_and_doubted(issued: dict, tmp_path: Path) -> None:
    """Before, the parent's signature picture read as unsigned at the export's confidence."""
    exported = _word_export(
        issued["docx"][0], tmp_path, lambda path: with_pictures(path, path, {f: in_control(f) for f in ("parent_signature", "family_situation")})
    )
    values = _record_values(exported)
    assert values["parent_signature"].raw is True and "图片" in values["parent_signature"].doubt
    assert values["family_situation"].raw == VALUES["family_situation"] and "图片" in values["family_situation"].doubt
    assert sorted(fid for fid, v in values.items() if v.doubt) == ["family_situation", "parent_signature"]


def test_a_note_typed_below_the_form_in_word_is_shown_on_a_field_of_its_pdf_export_not_lost(issued: dict, tmp_path: Path) -> None:
    """Before, the export read without a doubt and the note was in no record."""

    def add_note(path: Path) -> None:
        document = docx.Document(str(path))
        document.add_paragraph("补充：家长反映孩子在家玩手机到深夜")
        document.save(str(path))

    exported = _word_export(issued["docx"][0], tmp_path, add_note)
    values = _record_values(exported)
    last = [f.id for f in load_form("record").fields if f.fillable][-1]
    assert [fid for fid, v in values.items() if v.doubt] == [last] and "玩手机到深夜" in values[last].doubt


def _beside_label(path: Path, label: str, gap_mm: float = 20.0) -> tuple[int, float, float]:
    """(page index, x, y) in points from the bottom left, ``gap_mm`` right of ``label``'s text."""
    with pdfplumber.open(path) as pdf:
        for index, page in enumerate(pdf.pages):
            words = [w for w in page.extract_words() if w["text"] == label]
            if words:
                return index, words[0]["x1"] + gap_mm / 25.4 * 72, page.height - (words[0]["top"] + words[0]["bottom"]) / 2
    raise AssertionError(f"{label} not in {path}")


def _pen_stroke(pdf_path: Path, page_index: int, x: float, y: float, out: Path) -> Path:
    """``pdf_path`` with a pen stroke starting at (x, y) (points from the bottom left) on page
    ``page_index``, flattened into the page as note apps do."""
    overlay = io.BytesIO()
    canvas = Canvas(overlay, pagesize=A4)
    for _ in range(page_index):
        canvas.showPage()
    path = canvas.beginPath()
    path.moveTo(x, y)
    path.curveTo(x + 10, y + 5, x + 15, y - 4, x + 30, y + 2)
    canvas.drawPath(path, stroke=1, fill=0)
    canvas.showPage()
    canvas.save()
    with pikepdf.open(pdf_path) as pdf, pikepdf.open(overlay) as drawn:
        pdf.pages[page_index].add_overlay(drawn.pages[page_index])
        pdf.save(out)
    return out


def test_pen_strokes_and_a_pdf_apps_note_on_a_word_export_are_shown_on_their_fields(issued: dict, tmp_path: Path) -> None:
    """A teacher writes on the exported form with a tablet: the parent signs with the pen (strokes
    flattened into the page) and a note goes into a text-box annotation. Before, the signature
    read as unsigned and the note was not seen, every field without a doubt; then the note was
    named as a mark on its field, without its words."""
    exported = _word_export(issued["docx"][0], tmp_path)
    written = tmp_path / "written.pdf"
    signed = _pen_stroke(exported, *_beside_label(exported, "家长签名"), tmp_path / "signed.pdf")
    note_page, nx, ny = _beside_label(exported, "家长意见建议", gap_mm=40)
    with pikepdf.open(signed) as pdf:
        note = pikepdf.Dictionary(Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.FreeText, Rect=[nx, ny - 6, nx + 120, ny + 6], Contents="同意")
        pdf.pages[note_page].obj.Annots = pdf.make_indirect(pikepdf.Array([pdf.make_indirect(note)]))
        pdf.save(written)
    values = _record_values(written)
    assert values["parent_signature"].raw is True and "笔迹" in values["parent_signature"].doubt
    assert values["parent_opinion"].raw == VALUES["parent_opinion"] and "批注：“同意”" in values["parent_opinion"].doubt
    assert sorted(fid for fid, v in values.items() if v.doubt) == ["parent_opinion", "parent_signature"]


@pytest.mark.parametrize("where", ["below-the-table", "over-its-label"])
def test_a_signature_written_with_a_pen_beside_its_box_on_a_word_export_is_shown_not_lost(issued: dict, tmp_path: Path, where: str) -> None:
    """The parent signs the exported form with a tablet's pen under the table, or over the label
    家长签名, rather than in its box. Before, the strokes were on no value cell and 家长签名 read
    as unsigned, confidence 1.0."""
    exported = _word_export(issued["docx"][0], tmp_path)
    if where == "over-its-label":
        page_index, x, y = _beside_label(exported, "家长签名", gap_mm=-12)
    else:
        with pdfplumber.open(exported) as pdf:
            page_index, below = max((n, t.bbox[3] + 20) for n, page in enumerate(pdf.pages) for t in page.find_tables())
            x, y = 300, pdf.pages[page_index].height - below
    written = _pen_stroke(exported, page_index, x, y, tmp_path / "written.pdf")
    values = _record_values(written)
    assert [fid for fid, v in values.items() if v.doubt] == ["parent_signature"]
    signature = values["parent_signature"]
    if where == "over-its-label":
        assert signature.raw is True and "栏里有画上" in signature.doubt
    else:
        assert signature.raw is False and "不在任何填写栏里的笔迹" in signature.doubt


@pytest.mark.parametrize("drawn", ["rectangle", "line"])
def test_text_struck_through_in_word_is_left_out_of_its_pdf_export_and_named(issued: dict, tmp_path: Path, drawn: str) -> None:
    """A sentence taken back with 删除线 before the export, which Word draws as a thin filled
    rectangle through the text and LibreOffice as a line. Before, it was read into the value
    at the export's confidence, without a doubt."""
    exported = _word_export(issued["docx"][0], tmp_path)
    taken_back = "学习环境较安静。"
    with pdfplumber.open(exported) as pdf:
        index, page = next((n, p) for n, p in enumerate(pdf.pages) if taken_back in "".join(c["text"] for c in p.chars))
        text = "".join(c["text"] for c in page.chars)
        chars = page.chars[text.index(taken_back) : text.index(taken_back) + len(taken_back)]
        y = page.height - (chars[0]["top"] + 0.6 * (chars[0]["bottom"] - chars[0]["top"]))
    overlay = io.BytesIO()
    canvas = Canvas(overlay, pagesize=A4)
    for _ in range(index):
        canvas.showPage()
    if drawn == "rectangle":
        canvas.rect(chars[0]["x0"], y - 0.3, chars[-1]["x1"] - chars[0]["x0"], 0.6, stroke=0, fill=1)
    else:
        canvas.line(chars[0]["x0"], y, chars[-1]["x1"], y)
    canvas.showPage()
    canvas.save()
    with pikepdf.open(exported) as pdf, pikepdf.open(overlay) as strike:
        pdf.pages[index].add_overlay(strike.pages[index])
        pdf.save(tmp_path / "struck.pdf")
    values = _record_values(tmp_path / "struck.pdf")
    assert [fid for fid, v in values.items() if v.doubt] == ["family_situation"]
    assert taken_back not in values["family_situation"].raw and "住房为自建房" in values["family_situation"].raw
    assert f"删除线的文字“{taken_back}”" in values["family_situation"].doubt


@pytest.mark.parametrize("kind", ["docx", "pdf", "fillable-pdf"])
def test_a_pdf_apps_comments_are_shown_on_the_field_they_lie_on_or_the_next_not_lost(issued: dict, tmp_path: Path, kind: str) -> None:
    """A head teacher comments on the returned PDF in a PDF app — a sticky note on the date, a
    word struck out in the place, a note in the margin — on a Word export, our print PDF typed
    in, our fillable PDF. Before, the comments were dropped and every field read without a doubt."""
    entry = issued[kind][0]
    if kind == "docx":
        filled = _word_export(entry, tmp_path)
    else:
        filled = tmp_path / "typed.pdf"
        (fill_print_pdf if kind == "pdf" else fill_fillable_pdf)(entry["path"], {**VALUES, **LEFT_EMPTY}, filled)
    form = load_form("record")
    page, x, y = _beside_label(filled, form.field("visit_date").label, gap_mm=30)
    _, px, py = _beside_label(filled, form.field("place").label, gap_mm=4)
    with pikepdf.open(filled) as pdf:
        comments = [
            pikepdf.Dictionary(Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Text, Rect=[x, y - 8, x + 16, y + 8], Contents="日期写错了，应为11月5日"),
            pikepdf.Dictionary(Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.StrikeOut, Rect=[px, py - 5, px + 45, py + 5]),
            pikepdf.Dictionary(Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Text, Rect=[20, 8, 36, 24], Contents="请补家长签名"),
        ]
        annots = pdf.pages[page].obj.get("/Annots", pikepdf.Array())
        pdf.pages[page].obj.Annots = pdf.make_indirect(pikepdf.Array([*annots, *map(pdf.make_indirect, comments)]))
        pdf.save(tmp_path / "commented.pdf")
    values = _record_values(tmp_path / "commented.pdf")
    doubted = {fid: v.doubt for fid, v in values.items() if v.doubt}
    margin = [fid for fid, doubt in doubted.items() if "请补家长签名" in doubt]
    assert sorted(doubted) == sorted(["visit_date", "place", *margin]) and len(margin) == 1
    assert "日期写错了，应为11月5日" in doubted["visit_date"] and "划去了" in doubted["place"]
    assert {fid: values[fid].raw for fid in ("place", "teachers")} == {fid: VALUES[fid] for fid in ("place", "teachers")}


def test_an_annotation_a_pdf_app_wrote_without_a_place_leaves_the_rest_read(issued: dict, tmp_path: Path) -> None:
    """An annotation with no /Rect (no viewer shows it) made pdfplumber fail on its page: the
    whole typed form was refused as "PDF 文件已损坏". The other comments are still shown."""
    entry = issued["pdf"][0]
    fill_print_pdf(entry["path"], {**VALUES, **LEFT_EMPTY}, tmp_path / "typed.pdf")
    page, x, y = _beside_label(tmp_path / "typed.pdf", load_form("record").field("place").label, gap_mm=30)
    with pikepdf.open(tmp_path / "typed.pdf") as pdf:
        placed = pikepdf.Dictionary(Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Text, Rect=[x, y - 8, x + 16, y + 8], Contents="地点待确认")
        unplaced = pikepdf.Dictionary(Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Text, Contents="无处可放")
        pdf.pages[page].obj.Annots = pdf.make_indirect(pikepdf.Array([pdf.make_indirect(unplaced), pdf.make_indirect(placed)]))
        pdf.save(tmp_path / "commented.pdf")
    values = _record_values(tmp_path / "commented.pdf")
    assert [fid for fid, v in values.items() if v.doubt] == ["place"] and "地点待确认" in values["place"].doubt
    assert values["visit_date"].raw == "2025年11月03日"


# --- image-only, foreign and broken PDFs ---------------------------------------------------


def test_image_only_pdf_is_left_for_the_scan_reader(issued: dict, tmp_path: Path) -> None:
    entry = issued["pdf"][0]
    page = pdfium.PdfDocument(str(entry["path"]))[0].render(scale=150 / 72).to_pil().convert("RGB")
    scan = tmp_path / "scan.pdf"
    page.save(scan, "PDF", resolution=150)
    info = inspect_pdf(scan)
    assert (info.kind, info.form_id) == ("image", entry["form_id"]), "the QR still identifies it"
    with pytest.raises(ValueError):
        read_pdf(scan, load_form("record"), form_id=entry["form_id"], info=info)


def test_foreign_text_pdf_has_no_form_id(tmp_path: Path) -> None:
    path = tmp_path / "通知.pdf"
    canvas = Canvas(str(path), pagesize=A4)
    canvas.setFont(default_fonts().primary, 12)
    canvas.drawString(72, 760, "关于开展家访活动的通知：请各班主任于本月底前完成家访。")
    canvas.save()
    info = inspect_pdf(path)
    assert info == PdfInfo(kind="text", form_id=None, school_code=None, pages=1)


def test_empty_pdf_is_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "empty.pdf"
    path.write_bytes(b"")
    with pytest.raises(UnreadableFileError, match="empty.pdf.*0 字节"):
        inspect_pdf(path)


def test_truncated_pdf_is_unreadable(issued: dict, tmp_path: Path) -> None:
    data = issued["pdf"][0]["path"].read_bytes()
    path = tmp_path / "half.pdf"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(UnreadableFileError, match="half.pdf.*损坏或不完整") as caught:
        inspect_pdf(path)
    assert "重新导出" in str(caught.value)


def test_garbage_after_a_pdf_header_is_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "garbage.pdf"
    path.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n")
    with pytest.raises(UnreadableFileError, match="garbage.pdf"):
        inspect_pdf(path)


def test_password_protected_pdf_is_refused_with_what_to_do(issued: dict, tmp_path: Path) -> None:
    path = tmp_path / "locked.pdf"
    with pikepdf.open(issued["fillable-pdf"][0]["path"]) as pdf:
        pdf.save(path, encryption=pikepdf.Encryption(user="1234", owner="owner", R=4, aes=True))  # AES-128
    with pytest.raises(UnreadableFileError, match="locked.pdf.*密码") as caught:
        inspect_pdf(path)
    assert "去掉密码" in str(caught.value)


def test_a_field_tree_that_loops_back_on_itself_is_read_once_not_followed_forever(tmp_path: Path) -> None:
    # A damaged or crafted AcroForm whose field lists itself among its own /Kids.
    path = tmp_path / "loop.pdf"
    with pikepdf.new() as pdf:
        pdf.add_blank_page()
        field = pdf.make_indirect(pikepdf.Dictionary(T=pikepdf.String("visit_date"), V=pikepdf.String("2025-11-03")))
        field.Kids = pikepdf.Array([field])
        pdf.Root.AcroForm = pikepdf.Dictionary(Fields=pikepdf.Array([field]))
        pdf.save(path)
    info = inspect_pdf(path)
    assert info.form_id is None
