"""Phone photos arrive in bunches (issue 17 item 5): pictures of one form page are grouped by
their QR code and the best kept, the others reported as duplicates naming it; a picture that
is no form of ours (a chat screenshot, a photo of another paper) is refused. These hold whether
the photo is read or quarantined by registration, except the last, which uses photos mild
enough for any registration."""

from __future__ import annotations

import json
import shutil
import zipfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from docx import Document
from docx.shared import Cm
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas as pdf_canvas

from pipeline import defs
from pipeline.generate import generate
from pipeline.ingest import ingest
from pipeline.ingest.classify import kind_of
from pipeline.model.intake import FileIntake
from pipeline.resources import samples_dir
from pipeline.roster.importer import import_roster
from pipeline.scan.load import scan_pages
from pipeline.store import records as record_store
from pipeline.store import scans
from pipeline.store.workspace import Workspace, init_workspace, open_workspace
from pipeline.synth.photo import PhotoModel, chat_screenshot, photo_bytes, photograph, random_photo
from pipeline.synth.returns import foreign_page
from pipeline.model.form import load_form
from tests.scan_support import mark_options, rasterise

CLASS = "七年级（1）班"
FRAME = (1500, 2000)  # small phone pictures: quick to make and read, the QR still decodes


@pytest.fixture(scope="module")
def issued(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[tuple[str, int], np.ndarray]]:
    """A workspace (copied per test) with the class's record forms issued, and pages 1 and 2 of
    its first two forms as printed."""
    folder = tmp_path_factory.mktemp("issued")
    ws = init_workspace(folder / "ws", policy_path=samples_dir() / "policy.yaml")
    import_roster(ws, [samples_dir() / "roster.xlsx"])
    generate(ws, forms=["record"], formats=["pdf", "docx"], out_dir=folder / "forms", class_name=CLASS)
    ws.close()
    entries = [e for e in json.loads((folder / "forms" / "manifest.json").read_text(encoding="utf-8")) if e["format"] == "pdf"][:2]
    pages = {(e["form_id"], n): rasterise(folder / "forms" / e["file"], e["first_page"] - 2 + n) for e in entries for n in (1, 2)}
    return folder / "ws", pages


def _workspace(issued: tuple[Path, dict], tmp: Path) -> Workspace:
    shutil.copytree(issued[0], tmp / "ws")
    return open_workspace(tmp / "ws")


def _hand_held(seed: int, **changes: object) -> PhotoModel:
    model = random_photo(np.random.default_rng(seed), "IMG_2001.jpg", heic_share=0.0)
    return replace(model, **{"frame": FRAME, "fill": 0.7, "blur": 0.5, "motion": (0.0, 0.0), **changes})


def _write(folder: Path, name: str, page: np.ndarray, model: PhotoModel, seed: int = 1) -> Path:
    picture = photograph(page, model, rng=np.random.default_rng(seed), px_per_mm=defs.REGISTERED_PX_PER_MM)
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(photo_bytes(picture, model))
    return path


def _by_name(files: list[FileIntake]) -> dict[str, FileIntake]:
    return {Path(f.path).name: f for f in files}


def test_two_photos_of_one_page_keep_one_and_report_the_other_as_a_duplicate_naming_it(issued, tmp_path: Path) -> None:
    ws = _workspace(issued, tmp_path)
    (form_id, _), printed = next(iter(issued[1].items()))
    page = printed.copy()  # filled in: an unfilled page is blank, and blank pages are no one's duplicates
    mark_options(page, load_form("record"), {("mode", "电话"): "tick", ("topics", "学习情况"): "tick"})
    _write(tmp_path / "in", "IMG_3001.jpg", page, _hand_held(1, tilt=(12.0, 4.0)))
    _write(tmp_path / "in", "mmexport1762300000000.jpg", page, _hand_held(2, tilt=(-8.0, 10.0), orientation=6))
    report = ingest(ws, [tmp_path / "in"], workers=1)
    files = _by_name(report.files)
    assert len(files) == 2, "every photo has one outcome"
    duplicates = [f for f in files.values() if f.outcome == "duplicate"]
    kept = [f for f in files.values() if f.outcome != "duplicate"]
    assert len(duplicates) == 1 and len(kept) == 1, files
    assert kept[0].outcome in ("read", "quarantined")
    assert f"“{Path(kept[0].path).name}”" in duplicates[0].reason and form_id in duplicates[0].reason
    with ws.session() as s:
        assert len(scans.pages_with_status(s, "quarantined")) + len(scans.pages_with_status(s, "read")) == 1, "one page kept"
        assert len(scans.pages_with_status(s, "duplicate")) == 1, "the other photo is stored too, set aside"


def test_a_page_photographed_again_in_a_later_batch_keeps_the_same_photo_as_one_batch_would(issued, tmp_path: Path) -> None:
    (_, _), printed = next(iter(issued[1].items()))
    page = printed.copy()
    mark_options(page, load_form("record"), {("mode", "电话"): "tick"})
    names = ("IMG_3001.jpg", "IMG_3002.jpg")
    small = (1100, 1500)  # too few pixels on the paper to read: both wait for a person, or a retake
    _write(tmp_path / "in" / "1", names[0], page, _hand_held(1, tilt=(12.0, 4.0), frame=small))
    _write(tmp_path / "in" / "2", names[1], page, _hand_held(2, tilt=(-8.0, 10.0), orientation=6, frame=small))
    kept = {}
    for way, batches in {"one batch": [[tmp_path / "in"]], "two batches": [[tmp_path / "in" / "1"], [tmp_path / "in" / "2"]]}.items():
        ws = _workspace(issued, tmp_path / way)
        for paths in batches:
            ingest(ws, paths, workers=1)
        with ws.session() as s:
            kept[way] = sorted(p.status for p in [*scans.pages_with_status(s, "quarantined"), *scans.pages_with_status(s, "read")])
        ws.close()
    assert kept["two batches"] == kept["one batch"] == ["quarantined"], "one photo of the page waits for a person, not two"


def test_a_small_photo_of_an_unfilled_page_is_blank_its_noise_not_sharpened_into_faint_writing(issued, tmp_path: Path) -> None:
    ws = _workspace(issued, tmp_path)
    (_, _), page = next(iter(issued[1].items()))
    _write(tmp_path / "in", "IMG_3001.jpg", page, _hand_held(1, tilt=(12.0, 4.0)))  # 4.2 px/mm at its worst corner
    (intake,) = ingest(ws, [tmp_path / "in"], workers=1).files
    assert intake.outcome == "blank", intake


def test_a_chat_screenshot_and_a_photo_of_another_paper_are_refused_as_no_form(issued, tmp_path: Path) -> None:
    ws = _workspace(issued, tmp_path)
    folder = tmp_path / "in"
    folder.mkdir()
    chat_screenshot(np.random.default_rng(4)).save(folder / "Screenshot_20251105_123045.png")
    notice = foreign_page(np.random.default_rng(5), (210.0, 297.0), px_per_mm=defs.REGISTERED_PX_PER_MM)
    _write(folder, "微信图片_20251105123045.jpg", notice, _hand_held(3))
    report = ingest(ws, [folder], workers=1)
    files = _by_name(report.files)
    assert {n: f.outcome for n, f in files.items()} == {"Screenshot_20251105_123045.png": "refused", "微信图片_20251105123045.jpg": "refused"}
    assert all("不是家访表的照片" in f.reason for f in files.values())
    with ws.session() as s:
        assert scans.pages_with_status(s, "quarantined") == [], "nothing left for a person to assign"


def test_photos_of_mixed_forms_are_grouped_by_their_qr_code(issued, tmp_path: Path) -> None:
    ws = _workspace(issued, tmp_path)
    names = ["IMG_4001.jpg", "微信图片_20251105123101.jpg", "mmexport1762300000001.jpg", "IMG_4002.jpg"]
    truth = {}
    for number, ((form_id, _page_no), page) in enumerate(issued[1].items()):
        name = names[(number * 3) % 4]  # the phone's order is not the forms' order
        _write(tmp_path / "in", name, page, _hand_held(10 + number), seed=number)
        truth[name] = form_id
    report = ingest(ws, [tmp_path / "in"], workers=1)
    files = _by_name(report.files)
    assert {n: f.form_ids for n, f in files.items()} == {n: (fid,) for n, fid in truth.items()}
    assert not [f for f in files.values() if f.outcome == "duplicate"], "different pages are never one another's duplicates"


@pytest.mark.slow
def test_two_readable_photos_of_one_page_make_one_record_version_and_name_the_kept_photo(issued, tmp_path: Path) -> None:
    ws = _workspace(issued, tmp_path)
    (form_id, _), printed = next(iter(issued[1].items()))
    page = printed.copy()
    mark_options(page, load_form("record"), {("mode", "电话"): "tick", ("topics", "学习情况"): "tick"})
    frontal = {"frame": (1700, 2404), "fill": 0.93, "tilt": (0.6, 0.3), "turn": 0.4, "bend_mm": 0.0, "shadow": (), "light": (30.0, 0.08)}
    _write(tmp_path / "in", "IMG_5001.jpg", page, _hand_held(21, **frontal, blur=0.5))
    _write(tmp_path / "in", "IMG_5002.jpg", page, _hand_held(22, **frontal, blur=1.6, orientation=6))
    report = ingest(ws, [tmp_path / "in"], workers=1)
    files = _by_name(report.files)
    assert [(i.outcome, i.version) for i in report.items if i.outcome in ("new", "updated")] == [("new", 1)], files
    assert sorted(f.outcome for f in files.values()) == ["duplicate", "read"]
    kept = next(n for n, f in files.items() if f.outcome == "read")
    duplicate = next(f for f in files.values() if f.outcome == "duplicate")
    assert f"“{kept}”" in duplicate.reason and form_id in duplicate.reason


def test_a_heic_photo_is_taken_for_an_image_by_its_bytes_or_its_name() -> None:
    assert kind_of(Path("IMG_1234.dat"), b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00") == "image"
    assert kind_of(Path("IMG_1234.HEIC"), b"\x00" * 16) == "image"


def test_a_photo_a_chat_app_saved_as_webp_is_read_like_the_same_photo_as_jpeg(issued, tmp_path: Path) -> None:
    """Chat apps and browsers save pictures as WebP. Before, such a photo was refused as
    "不支持的文件类型" and its form never got in."""
    (form_id, _), printed = next(iter(issued[1].items()))
    page = printed.copy()
    mark_options(page, load_form("record"), {("mode", "电话"): "tick", ("topics", "学习情况"): "tick"})
    frontal = {"frame": (1700, 2404), "fill": 0.93, "tilt": (0.6, 0.3), "turn": 0.4, "bend_mm": 0.0, "shadow": (), "light": (30.0, 0.08)}
    jpeg = _write(tmp_path / "jpeg", "IMG_7001.jpg", page, _hand_held(41, **frontal))
    (tmp_path / "webp").mkdir()
    with Image.open(jpeg) as photo:
        photo.save(tmp_path / "webp" / "mmexport1764900000000.webp", "WEBP", quality=90)
    assert kind_of(Path("图片.dat"), (tmp_path / "webp" / "mmexport1764900000000.webp").read_bytes()[:16]) == "image"
    read = {}
    for name in ("jpeg", "webp"):
        ws = _workspace(issued, tmp_path / "ws" / name)
        report = ingest(ws, [tmp_path / name], workers=1)
        assert [(i.outcome, i.form_id) for i in report.items if i.outcome != "read"] == [("new", form_id)], [i.message for i in report.items]
        with ws.session() as s:
            read[name] = {fid: f.value for r in record_store.list_records(s) for fid, f in r.fields.items()}
        ws.close()
    assert read["webp"] == read["jpeg"] and "电话" in read["webp"]["mode"]


def _pasted_into_word(photos: list[Path], out: Path) -> Path:
    """The photos as a teacher pastes them into a Word document, under a line of text."""
    document = Document()
    document.add_paragraph("七年级（1）班 家访记录表（拍照）")
    for photo in photos:
        document.add_picture(str(photo), width=Cm(16))
    document.save(str(out))
    return out


def _saved_as_pdf(photos: list[Path], out: Path) -> Path:
    """The photos as Word's "save as PDF" lays them out: one a page, within the margins, a
    caption above each."""
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    sheet = pdf_canvas.Canvas(str(out), pagesize=A4)
    for n, photo in enumerate(photos, start=1):
        with Image.open(photo) as picture:
            aspect = picture.height / picture.width
        width = A4[0] - 2 * 72
        sheet.setFont("STSong-Light", 12)
        sheet.drawString(72, A4[1] - 60, f"家访记录表照片 {n}")
        sheet.drawImage(str(photo), 72, A4[1] - 80 - width * aspect, width=width, height=width * aspect)
        sheet.showPage()
    sheet.save()
    return out


@pytest.mark.slow
def test_photos_pasted_into_a_word_file_or_its_pdf_are_read_like_the_photos_themselves(issued, tmp_path: Path) -> None:
    """A teacher who photographs the forms often pastes the photos into a Word file (and may
    save it as PDF). The .docx was refused as "not our form"; the PDF, its caption taken for a
    document's text, was read as page 1's form alone and every other form in it was lost."""
    frontal = {"frame": (1700, 2404), "fill": 0.93, "tilt": (0.6, 0.3), "turn": 0.4, "bend_mm": 0.0, "shadow": (), "light": (30.0, 0.08)}
    photos = []
    for n, ((_, page_no), printed) in enumerate(issued[1].items()):
        if page_no == 1:
            page = printed.copy()
            mark_options(page, load_form("record"), {("mode", "电话"): "tick", ("topics", "学习情况"): "tick"})
            photos.append(_write(tmp_path / "photos", f"IMG_60{n:02d}.jpg", page, _hand_held(30 + n, **frontal), seed=n))
    returns = {
        "photos": tmp_path / "photos",
        "word": _pasted_into_word(photos, tmp_path / "家访照片.docx"),
        "pdf": _saved_as_pdf(photos, tmp_path / "家访照片.pdf"),
    }
    read = {}
    for name, path in returns.items():
        ws = _workspace(issued, tmp_path / "ws" / name)
        report = ingest(ws, [path], workers=1)
        with ws.session() as s:
            read[name] = sorted((r.form_id, fid, f.value) for r in record_store.list_records(s) for fid, f in r.fields.items())
        assert report.count("new") == 2, (name, [i.message for i in report.items])
    assert read["word"] == read["photos"] and read["pdf"] == read["photos"]


def test_a_word_file_of_pictures_names_the_one_that_does_not_decode_and_refuses_the_one_that_is_no_form(issued, tmp_path: Path) -> None:
    ws = _workspace(issued, tmp_path)
    chat_screenshot(np.random.default_rng(4)).save(tmp_path / "chat.png")
    Image.new("L", (400, 600), 255).save(tmp_path / "blank.png")
    built = _pasted_into_word([tmp_path / "blank.png", tmp_path / "chat.png"], tmp_path / "built.docx")
    with zipfile.ZipFile(built) as source, zipfile.ZipFile(tmp_path / "照片.docx", "w") as damaged:
        for item in source.infolist():
            data = source.read(item)
            damaged.writestr(item, data[:40] if data == (tmp_path / "blank.png").read_bytes() else data)
    files = _by_name(ingest(ws, [tmp_path / "照片.docx"], workers=1).files)
    assert {n: f.outcome for n, f in files.items()} == {"照片.docx": "unpacked", "第1张.png": "refused", "第2张.png": "refused"}
    assert "取出 2 张" in files["照片.docx"].reason
    assert "文件已损坏" in files["第1张.png"].reason and "照片.docx" in files["第1张.png"].path
    assert "不是家访表的照片" in files["第2张.png"].reason


def test_a_word_form_returned_untouched_is_refused_and_one_with_a_photo_of_the_paper_pasted_in_is_read_from_it(issued, tmp_path: Path) -> None:
    """Before, both made a record of nothing but the roster's pre-filled values, said 已读入,
    and the pasted photo of the handwritten sheet was never read."""
    ws = _workspace(issued, tmp_path)
    (form_id, _), printed = next(iter(issued[1].items()))
    manifest = json.loads((issued[0].parent / "forms" / "manifest.json").read_text(encoding="utf-8"))
    word = issued[0].parent / "forms" / next(e["file"] for e in manifest if e["format"] == "docx" and e["form_id"] == form_id)
    page = printed.copy()
    mark_options(page, load_form("record"), {("mode", "电话"): "tick", ("topics", "学习情况"): "tick"})
    photo = _write(tmp_path / "photo", "IMG_7001.jpg", page, _hand_held(41, frame=(1536, 2048), fill=0.93, tilt=(0.6, 0.3), bend_mm=0.0, shadow=()))
    document = Document(str(word))
    document.add_picture(str(photo), width=Cm(15))
    document.save(str(tmp_path / "拍照贴回.docx"))
    files = _by_name(ingest(ws, [word, tmp_path / "拍照贴回.docx"], workers=1).files)
    assert files[word.name].outcome == "refused" and "没有填写任何内容" in files[word.name].reason
    assert files["拍照贴回.docx"].outcome == "unpacked"
    assert files["第1张.jpg"].form_ids == (form_id,)
    with ws.session() as s:
        [record] = record_store.list_records(s)
    assert record.form_id == form_id and record.fields["mode"].value == "电话"


def test_two_forms_in_one_photo_are_held_naming_both_not_read_as_the_first(issued, tmp_path: Path) -> None:
    """A teacher lays two sheets side by side and takes one picture. Before, the picture was
    read as whichever form's QR was found first (or held for lines it could not find), and the
    other form was never named."""
    ws = _workspace(issued, tmp_path)
    firsts = [(form_id, page.copy()) for (form_id, page_no), page in issued[1].items() if page_no == 1]
    for n, (_, page) in enumerate(firsts):
        mark_options(page, load_form("record"), {("mode", ("电话", "入户走访")[n]): "tick"})
    table = np.full((firsts[0][1].shape[0], 60), 60, np.uint8)  # the desk between the sheets
    side_by_side = np.hstack([firsts[0][1], table, firsts[1][1]])
    _write(tmp_path / "in", "IMG_8001.jpg", side_by_side, _hand_held(3, frame=(2400, 1800), fill=0.92, tilt=(0.5, 0.3), bend_mm=0.0, shadow=()))
    (intake,) = ingest(ws, [tmp_path / "in"], workers=1).files
    assert intake.outcome == "quarantined"
    assert "2 份表" in intake.reason and all(form_id in intake.reason for form_id, _ in firsts), intake.reason
    with ws.session() as s:
        assert record_store.list_records(s) == []


@pytest.mark.parametrize("turned", [False, True], ids=["upright", "turned"])
def test_a_photo_placed_on_a_pdf_page_is_a_photo_whether_taken_as_stored_or_rendered(tmp_path: Path, turned: bool) -> None:
    """Word saves a pasted photo inside the page's margins, turned when the phone held it
    sideways. Upright, its pixels are taken as stored; turned, the page is rendered. Either way
    it is a photo, rectified, not a flat scan checked for its print scale."""
    Image.fromarray(np.full((1200, 900), 200, np.uint8)).save(tmp_path / "photo.jpg")
    sheet = pdf_canvas.Canvas(str(tmp_path / "page.pdf"), pagesize=A4)
    if turned:
        sheet.translate(A4[0] - 72, 100)
        sheet.rotate(90)
    sheet.drawImage(str(tmp_path / "photo.jpg"), 0 if turned else 72, 0 if turned else 100, width=400, height=400 * 4 / 3)
    sheet.save()
    [page] = scan_pages(tmp_path / "page.pdf")
    assert page.photo and page.reader_dpi is None
    assert turned or page.image.shape == (1200, 900), "upright: the photo's own pixels"


def test_two_sheets_scanned_as_one_long_page_are_each_read_as_their_own_page(issued, tmp_path: Path) -> None:
    """A feeder that takes two sheets at once (or a "long paper" setting) scans them as one
    image. Before, it was held as the first form with "纸张弯折或扫描变形", the second unnamed;
    then held naming both; now each half is read as the page it is (here: unfilled, so blank)."""
    ws = _workspace(issued, tmp_path)
    firsts = [(form_id, page) for (form_id, page_no), page in issued[1].items() if page_no == 1]
    (tmp_path / "in").mkdir()
    Image.fromarray(np.vstack([page for _, page in firsts])).save(tmp_path / "in" / "scan0001.png", dpi=(200, 200))
    report = ingest(ws, [tmp_path / "in"], workers=1)
    pages = [(i.form_id, i.message.split("（")[1][:3]) for i in report.items if i.outcome == "blank"]
    assert sorted(pages) == sorted(zip([form_id for form_id, _ in firsts], ("上半页", "下半页"))), report.items


def test_two_photos_placed_on_one_pdf_page_are_held_naming_both_forms(issued, tmp_path: Path) -> None:
    """Some phone apps and Word put two photos on a page: the rendered page is searched whole
    for QR codes, as a photo of two sheets is, and held naming both forms."""
    ws = _workspace(issued, tmp_path)
    firsts = [(form_id, page) for (form_id, page_no), page in issued[1].items() if page_no == 1]
    frontal = {"frame": (1536, 2048), "fill": 0.93, "tilt": (0.6, 0.3), "bend_mm": 0.0, "shadow": ()}
    photos = [_write(tmp_path / "photos", f"IMG_90{n}.jpg", page, _hand_held(50 + n, **frontal), seed=n) for n, (_, page) in enumerate(firsts)]
    sheet = pdf_canvas.Canvas(str(tmp_path / "两张一页.pdf"), pagesize=A4)
    for n, photo in enumerate(photos):
        height = A4[1] / 2 - 20
        sheet.drawImage(str(photo), A4[0] - height * 3 / 4 - 10, A4[1] / 2 + 10 - n * A4[1] / 2, width=height * 3 / 4, height=height)
    sheet.save()
    (intake,) = ingest(ws, [tmp_path / "两张一页.pdf"], workers=1).files
    assert intake.outcome == "quarantined"
    assert "2 份表" in intake.reason and all(form_id in intake.reason for form_id, _ in firsts), intake.reason
