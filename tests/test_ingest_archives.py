"""Zip archives among the returns: a teacher zips the filled Word files (and a scan) to send
them by chat or mail. Before, a zip was taken for a damaged Word file and refused, "请交回系统
发放的家访表 .docx 文件", and every return in it was never read."""

from __future__ import annotations

import copy
import json
import os
import shutil
import time
import zipfile
from pathlib import Path

import pytest
from docx import Document
from PIL import Image

from pipeline import defs
from pipeline.generate import generate
from pipeline.ingest import ingest
from pipeline.model.intake import FileIntake
from pipeline.resources import samples_dir
from pipeline.roster.importer import import_roster
from pipeline.store import records as record_store
from pipeline.store.workspace import Workspace, init_workspace, open_workspace
from pipeline.synth import fill_docx
from tests.scan_support import rasterise

CLASS = "七年级（1）班"
FILLED = {"visit_date": "2025-11-03", "place": "学生家中", "mode": ("入户走访",), "teachers": "王老师", "interviewee": "父亲 李建国"}


@pytest.fixture(scope="module")
def issued(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path], Path]:
    """A workspace (copied per test) that issued the class's record forms; two of them filled
    in Word; and a scan of an unfilled printed page."""
    root = tmp_path_factory.mktemp("archives")
    ws = init_workspace(root / "ws", policy_path=samples_dir() / "policy.yaml")
    import_roster(ws, [samples_dir() / "roster.xlsx"])
    generate(ws, forms=["record"], formats=["docx", "pdf"], out_dir=root / "out", class_name=CLASS)
    ws.close()
    manifest = json.loads((root / "out" / "manifest.json").read_text(encoding="utf-8"))
    words = [e for e in manifest if e["format"] == "docx"][:2]
    filled = [root / f"{e['form_id']}.docx" for e in words]
    for entry, path in zip(words, filled):
        fill_docx(root / "out" / entry["file"], FILLED, path)
    printed = next(e for e in manifest if e["format"] == "pdf")
    scan = root / "scan.png"
    Image.fromarray(rasterise(root / "out" / printed["file"], 0)).save(scan, dpi=(200, 200))
    return root / "ws", filled, scan


def _workspace(issued: tuple, tmp: Path) -> Workspace:
    shutil.copytree(issued[0], tmp / "ws")
    return open_workspace(tmp / "ws")


def _zip(out: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return out


def _outcomes(files: list[FileIntake]) -> dict[str, str]:
    return {Path(f.path).name: f.outcome for f in files}


def _records(ws: Workspace) -> list[tuple[str, int]]:
    with ws.session() as s:
        return sorted((r.form_id, r.version) for r in record_store.list_records(s))


def test_the_returns_in_a_zip_are_read_like_the_files_themselves_and_not_again_when_it_comes_twice(issued, tmp_path: Path) -> None:
    _, filled, scan = issued
    archive = _zip(tmp_path / "七年级1班家访.zip", {f"家访表/{p.name}": p.read_bytes() for p in filled} | {"家访表/扫描.png": scan.read_bytes()})
    ws = _workspace(issued, tmp_path)
    report = ingest(ws, [archive], workers=1)
    outcomes = _outcomes(report.files)
    assert outcomes == {archive.name: "unpacked", filled[0].name: "read", filled[1].name: "read", "扫描.png": "blank"}
    unpacked = next(f for f in report.files if f.outcome == "unpacked")
    assert "解开 3 个文件" in unpacked.reason
    assert all(archive.name in f.path for f in report.files), "every file says which zip it came from"
    assert len(_records(ws)) == 2
    assert not list((ws.root / "unpacked").rglob("*.*")), "the unpacked copies are gone; the file store keeps every file"
    again = ingest(ws, [archive], workers=1)
    assert sorted(_outcomes(again.files).values()) == ["already_read", "already_read", "already_read", "unpacked"]
    assert len(_records(ws)) == 2


def test_names_a_chinese_windows_zip_wrote_in_gbk_are_read_as_chinese(issued, tmp_path: Path) -> None:
    """Windows' "send to compressed folder" writes GBK names without the zip's UTF-8 flag."""
    _, filled, _ = issued
    placeholder = "A" * len("张三家访表".encode("gbk")) + ".docx"
    archive = _zip(tmp_path / "gbk.zip", {placeholder: filled[0].read_bytes()})
    archive.write_bytes(archive.read_bytes().replace(placeholder.encode(), "张三家访表.docx".encode("gbk")))
    report = ingest(_workspace(issued, tmp_path), [archive], workers=1)
    assert _outcomes(report.files) == {"gbk.zip": "unpacked", "张三家访表.docx": "read"}


def test_a_member_named_to_climb_out_of_the_folder_is_unpacked_inside_it(issued, tmp_path: Path) -> None:
    _, filled, _ = issued
    (tmp_path / "in").mkdir()
    archive = _zip(tmp_path / "in" / "slip.zip", {"../../逃逸.docx": filled[0].read_bytes(), "C:\\Windows\\盘符.docx": filled[1].read_bytes()})
    report = ingest(_workspace(issued, tmp_path), [archive], workers=1)
    assert _outcomes(report.files) == {"slip.zip": "unpacked", "逃逸.docx": "read", "盘符.docx": "read"}
    members = [Path(f.path) for f in report.files if f.path != str(archive)]
    assert all("slip.zip" in p.parts and ".." not in p.parts and p.resolve().is_relative_to((tmp_path / "ws").resolve()) for p in members), members


def test_a_member_whose_name_this_machine_cannot_use_is_named_and_the_others_are_read(issued, tmp_path: Path) -> None:
    """Before, the write failed with an OSError taken for a full disk: the whole batch stopped.
    A name with a character Windows forbids is made safe, beside any file of the same safe name."""
    _, filled, _ = issued
    too_long = "很长的名字" * 20 + ".docx"  # 300 bytes in UTF-8: over the 255 a file name may have
    archive = _zip(tmp_path / "names.zip", {too_long: filled[0].read_bytes(), "表?.docx": filled[1].read_bytes(), "表_.docx": b"x"})
    report = ingest(_workspace(issued, tmp_path), [archive], workers=1)
    assert not report.stopped
    outcomes = _outcomes(report.files)
    assert outcomes.pop("names.zip") == "incomplete", outcomes
    assert sorted(outcomes.values()) == ["read", "refused"], "two names the same once made safe are both kept"
    reason = next(f.reason for f in report.files if f.outcome == "incomplete")
    assert "很长的名字" in reason and "改个短些的名字" in reason, reason


def test_a_damaged_or_locked_member_is_named_and_the_others_are_read(issued, tmp_path: Path) -> None:
    _, filled, _ = issued
    archive = _zip(tmp_path / "partly.zip", {"好的.docx": filled[0].read_bytes(), "坏的.docx": filled[1].read_bytes(), "加密.docx": b"locked"})
    data = bytearray(archive.read_bytes())
    with zipfile.ZipFile(archive) as zf:
        bad, locked = zf.getinfo("坏的.docx"), zf.getinfo("加密.docx")
        central = data.index(b"PK\x01\x02")
    start = bad.header_offset + 30 + len(bad.filename.encode()) + len(bad.extra)
    data[start + 100 : start + 110] = bytes(10)  # damaged bytes: the CRC no longer matches
    data[locked.header_offset + 6] |= 0x1  # the local header's "encrypted" flag ...
    cd = data.index("加密.docx".encode(), central) - 46  # ... and the central directory's
    data[cd + 8] |= 0x1
    archive.write_bytes(bytes(data))
    report = ingest(_workspace(issued, tmp_path), [archive], workers=1)
    outcomes = _outcomes(report.files)
    assert outcomes == {"partly.zip": "incomplete", "好的.docx": "read"}
    reason = next(f.reason for f in report.files if f.outcome == "incomplete")
    assert "坏的.docx：已损坏" in reason and "加密.docx：设置了密码" in reason, reason


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("班级照片.rar", b"Rar!\x1a\x07\x00" + bytes(40), "是 RAR 压缩包"),
        ("班级照片.7z", b"7z\xbc\xaf\x27\x1c" + bytes(40), "是 7z 压缩包"),
        ("断了.zip", None, "压缩包已损坏或不完整"),
        ("材料包.zip", b"manifest", "本系统导出的文件包"),
    ],
    ids=["rar", "7z", "cut-short", "our-own-packet"],
)
def test_an_archive_that_cannot_be_read_is_refused_saying_what_to_do(issued, tmp_path: Path, name: str, content: bytes | None, says: str) -> None:
    _, filled, _ = issued
    path = tmp_path / name
    if content is None:
        whole = _zip(tmp_path / "whole.zip", {p.name: p.read_bytes() for p in filled})
        path.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    elif content == b"manifest":
        _zip(path, {"manifest.json": b"{}", "档案/学生.pdf": b"%PDF-1.4"})
    else:
        path.write_bytes(content)
    report = ingest(_workspace(issued, tmp_path), [path], workers=1)
    [intake] = report.files
    assert intake.outcome == "refused" and says in intake.reason, intake
    assert not _records(open_workspace(tmp_path / "ws"))


def test_several_forms_pasted_into_one_word_file_are_each_read_as_their_own(issued, tmp_path: Path) -> None:
    """A teacher pastes the forms of the students they visited one after another into one
    document. Before, it became a record of the first form, the others never read."""
    _, filled, _ = issued
    merged = Document(str(filled[0]))
    merged.add_page_break()
    second = Document(str(filled[1]))
    for element in [e for e in second.element.body if not e.tag.endswith("}sectPr")]:
        merged.element.body.append(copy.deepcopy(element))
    merged.save(str(tmp_path / "三位同学.docx"))
    ws = _workspace(issued, tmp_path)
    report = ingest(ws, [tmp_path / "三位同学.docx"], workers=1)
    outcomes = _outcomes(report.files)
    assert outcomes.pop("三位同学.docx") == "unpacked"
    assert sorted(outcomes.values()) == ["read", "read"]
    alone = _workspace(issued, tmp_path / "alone")
    ingest(alone, filled, workers=1)
    with ws.session() as s, alone.session() as t:
        merged_values = {(r.form_id, k, v.value) for r in record_store.list_records(s) for k, v in r.fields.items()}
        alone_values = {(r.form_id, k, v.value) for r in record_store.list_records(t) for k, v in r.fields.items()}
    assert merged_values == alone_values, "each form read as if returned alone"


@pytest.mark.parametrize(
    ("name", "members", "says"),
    [
        ("家访记录.ofd", {"OFD.xml": b"<ofd:OFD/>", "Doc_0/Document.xml": b"<ofd:Document/>"}, "OFD 版式文件"),
        ("家访记录.odt", {"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<office:document-content/>"}, "OpenDocument 文档"),
    ],
    ids=["ofd", "odt"],
)
def test_a_document_in_a_zip_based_format_we_do_not_read_is_named_not_unpacked(issued, tmp_path: Path, name: str, members: dict[str, bytes], says: str) -> None:
    """WPS exports OFD, China's format for fixed documents, and LibreOffice saves .odt: both
    are zips. Taken for archives, their XML parts would each be refused as an unknown file."""
    path = _zip(tmp_path / name, members)
    [intake] = ingest(_workspace(issued, tmp_path), [path], workers=1).files
    assert intake.outcome == "refused" and says in intake.reason and "另存为" in intake.reason, intake


def test_what_a_batch_killed_mid_way_left_unpacked_is_removed_later_but_not_a_running_batchs(issued, tmp_path: Path) -> None:
    _, filled, _ = issued
    ws = _workspace(issued, tmp_path)
    killed, running = ws.root / "unpacked" / "I-killed", ws.root / "unpacked" / "I-running"
    for folder in (killed, running):
        (folder / "photos.zip").mkdir(parents=True)
        (folder / "photos.zip" / "IMG_1.jpg").write_bytes(b"jpeg")
    long_ago = time.time() - (defs.UNPACK_STALE_HOURS + 1) * 3600
    os.utime(killed, (long_ago, long_ago))
    ingest(ws, [filled[0]], workers=1)
    assert not killed.exists() and (running / "photos.zip" / "IMG_1.jpg").is_file()
