"""督导检查 packet: PDF sections and bookmarks, signed ZIP, verify, outward masking."""

from __future__ import annotations

import io
import json
import re
import shutil
import stat
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pdfplumber
import pytest
from click.testing import CliRunner
from archive_support import CLASS, GROUPED, School, build_school
from pdf_outline_support import Mark, flat, outline
from pipeline.archive.manifest import KEY_PATH, MANIFEST_NAME, verify_packet, workspace_key
from pipeline.archive.packet import PacketResult, build_packet
from pipeline.cli import main
from pipeline.errors import ArchiveError

PHONE = re.compile(r"(?<![\d.])1\d{10}(?!\d)")  # not the digits of a ratio (0.0082644628…) in a statistics sheet
ID = re.compile(r"(?<![0-9.])\d{17}[\dXx](?![0-9A-Za-z])")  # also inside a 学籍号 (G + the ID number)
DIGEST = re.compile(r"\b[0-9a-f]{32,}\b")  # a hex digest (sha256, HMAC), not a number
TERM = "2025-2026-1"


@dataclass
class Built:
    school: School
    outward: PacketResult
    sensitive: PacketResult
    outward_text: str
    sensitive_text: str


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    root = tmp_path_factory.mktemp("packet")
    school = build_school(root)
    common = dict(scope="class", class_name=CLASS, term=TERM, operator="王主任")
    outward = build_packet(school.ws, out_dir=root / "out", **common)  # type: ignore[arg-type]
    sensitive = build_packet(school.ws, out_dir=root / "sensitive", include_sensitive=True, **common)  # type: ignore[arg-type]
    yield Built(school, outward, sensitive, _text(outward.pdf), _text(sensitive.pdf))
    school.ws.close()


def _key(built: Built) -> bytes:
    return workspace_key(built.school.ws.root)


def _text(path: Path) -> str:
    with pdfplumber.open(path) as pdf:
        return "\n".join(p.extract_text() or "" for p in pdf.pages)


def _zip_texts(path: Path) -> dict[str, str]:
    """The text of every file in a packet ZIP: PDF text, spreadsheet cells, JSON as written."""
    texts = {}
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            data = zf.read(name)
            if name.endswith(".pdf"):
                with pdfplumber.open(io.BytesIO(data)) as pdf:
                    texts[name] = "\n".join(p.extract_text() or "" for p in pdf.pages)
            elif name.endswith(".xlsx"):
                book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
                texts[name] = "\n".join(" ".join(str(c) for c in row if c is not None) for ws in book for row in ws.iter_rows(values_only=True))
            else:
                texts[name] = data.decode("utf-8")
    return texts


def _group_terms(school: School) -> list[str]:
    return [t for g in school.ws.policy.special_groups for t in (g.name, *g.aliases)]


def _rewrite_zip(src: Path, dest: Path, change: Callable[[dict[str, bytes]], None]) -> Path:
    with zipfile.ZipFile(src) as zf:
        files = {n: zf.read(n) for n in zf.namelist()}
    change(files)
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return dest


def _unpack(src: Path, dest: Path) -> Path:
    with zipfile.ZipFile(src) as zf:
        zf.extractall(dest)
    return dest


def _a_record_json(files: dict[str, bytes] | list[str]) -> str:
    return next(n for n in files if n.endswith(".json") and n != MANIFEST_NAME)


# --- verify ------------------------------------------------------------------------------------


def test_untouched_packet_verifies_as_zip_and_unpacked(built: Built, tmp_path: Path) -> None:
    for path in (built.outward.zip, _unpack(built.outward.zip, tmp_path / "u")):
        result = verify_packet(path, key=_key(built))
        assert result.ok and result.signature == "valid", path
        assert result.checked == built.outward.files
        assert result.meta["term"] == TERM and result.meta["scope"] == f"class {CLASS}"


def _flip_one_byte(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :]


def test_verify_finds_one_changed_byte_in_a_zip_and_in_an_unpacked_folder(built: Built, tmp_path: Path) -> None:
    def flip(files: dict[str, bytes]) -> None:
        files["督导检查材料.pdf"] = _flip_one_byte(files["督导检查材料.pdf"])

    changed = verify_packet(_rewrite_zip(built.outward.zip, tmp_path / "c.zip", flip), key=_key(built))
    assert not changed.ok and changed.changed == ["督导检查材料.pdf"] and changed.signature == "valid"
    folder = _unpack(built.outward.zip, tmp_path / "u")
    name = _a_record_json(sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.json")))
    (folder / name).write_bytes(_flip_one_byte((folder / name).read_bytes()))
    result = verify_packet(folder, key=_key(built))
    assert not result.ok and result.changed == [name] and not result.missing and not result.extra


def test_verify_finds_a_removed_file(built: Built, tmp_path: Path) -> None:
    removed: list[str] = []

    def drop(files: dict[str, bytes]) -> None:
        removed.append(_a_record_json(files))
        del files[removed[0]]

    result = verify_packet(_rewrite_zip(built.outward.zip, tmp_path / "r.zip", drop), key=_key(built))
    assert not result.ok and result.missing == removed
    folder = _unpack(built.outward.zip, tmp_path / "u")
    (folder / removed[0]).unlink()
    assert verify_packet(folder, key=_key(built)).missing == removed


def test_verify_finds_an_added_file(built: Built, tmp_path: Path) -> None:
    def add(files: dict[str, bytes]) -> None:
        files["记录/补充.json"] = b"{}"

    result = verify_packet(_rewrite_zip(built.outward.zip, tmp_path / "a.zip", add), key=_key(built))
    assert not result.ok and result.extra == ["记录/补充.json"] and not result.changed
    folder = _unpack(built.outward.zip, tmp_path / "u")
    (folder / "说明.txt").write_text("后加的", encoding="utf-8")
    assert verify_packet(folder, key=_key(built)).extra == ["说明.txt"]


def test_a_manifest_edited_to_match_a_changed_file_fails_the_signature(built: Built, tmp_path: Path) -> None:
    def forge(files: dict[str, bytes]) -> None:
        import hashlib

        name = _a_record_json(files)
        files[name] = files[name].replace(b'"version": 1', b'"version": 9')
        manifest = json.loads(files[MANIFEST_NAME])
        for entry in manifest["files"]:
            if entry["file"] == name:
                entry["size"], entry["sha256"] = len(files[name]), hashlib.sha256(files[name]).hexdigest()
        files[MANIFEST_NAME] = json.dumps(manifest).encode()

    forged = _rewrite_zip(built.outward.zip, tmp_path / "f.zip", forge)
    result = verify_packet(forged, key=_key(built))
    assert result.signature == "invalid" and not result.ok and not result.changed
    assert verify_packet(forged, key=None).signature == "unchecked"
    assert not verify_packet(built.outward.zip, key=b"another school's key").ok


def test_verify_command_exits_1_on_a_problem_and_0_when_untouched(built: Built, tmp_path: Path) -> None:
    ws = ["--workspace", str(built.school.ws.root)]
    good = CliRunner().invoke(main, ["archive", "verify", str(built.outward.zip), *ws])
    assert good.exit_code == 0 and "签名：有效" in good.output and "校验通过" in good.output
    folder = _unpack(built.outward.zip, tmp_path / "u")
    (folder / MANIFEST_NAME).rename(tmp_path / "elsewhere.json")
    shutil.copy(tmp_path / "elsewhere.json", folder / MANIFEST_NAME)
    (folder / "多余.txt").write_text("x", encoding="utf-8")
    bad = CliRunner().invoke(main, ["archive", "verify", str(folder), *ws])
    assert bad.exit_code == 1 and "多出：多余.txt" in bad.output


def test_the_key_is_made_once_per_workspace_and_private(built: Built) -> None:
    key_file = built.school.ws.root / KEY_PATH
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert workspace_key(built.school.ws.root) == key_file.read_bytes() and len(key_file.read_bytes()) == 32


# --- contents ----------------------------------------------------------------------------------


def test_packet_pdf_has_cover_contents_statistics_compliance_and_records_with_bookmarks(built: Built) -> None:
    marks = outline(built.outward.pdf)
    tree: dict[str, Mark] = {m.title: m for m in marks}
    assert list(tree) == ["封面", "目录", "统计表", "合规情况汇总", "家访记录"]
    assert [m.title for m in tree["统计表"].children] == [f"统计表 2025-{m}" for m in ("09", "10", "11", "12")] + ["统计表 2026-01"]
    [by_class] = tree["家访记录"].children
    assert by_class.title == f"{CLASS}（3 份）"
    assert sorted(m.title for m in by_class.children) == sorted(["李𬱖　2025-10-10", "李𬱖　2025-11-03", "吴明　2025-10-12"]), (
        "the March visit is in the other term"
    )
    with pdfplumber.open(built.outward.pdf) as pdf:
        for bookmark in flat(marks)[-3:]:
            name, day = bookmark.title.split("　")
            page = pdf.pages[bookmark.page].extract_text()
            assert page.startswith(f"家访记录表 {name} {day}"), bookmark.title
        contents = pdf.pages[1].extract_text()
    assert f"{CLASS}（3 份） {flat(marks)[-4].page + 1}" in contents
    text = built.outward_text
    assert "家访工作督导检查材料" in text and "操作员 王主任" in text and "目 录" in text
    assert "合规情况汇总" in text and "原件扫描" in text


def test_zip_holds_pdf_reports_record_json_and_a_signed_manifest(built: Built) -> None:
    with zipfile.ZipFile(built.outward.zip) as zf:
        names = set(zf.namelist())
        manifest = json.loads(zf.read(MANIFEST_NAME))
        records = [json.loads(zf.read(n)) for n in names if n.startswith("记录/")]
    assert {"督导检查材料.pdf", MANIFEST_NAME} <= names
    assert sum(n.startswith("报表/统计表_") for n in names) == 5
    assert any(n.startswith("报表/合规清单_") for n in names)
    assert not any(n.startswith("报表/台账_") for n in names), "the ledger quotes 发现的问题"
    assert {f["file"] for f in manifest["files"]} == names - {MANIFEST_NAME}
    assert {"created", "scope", "term", "signature"} <= set(manifest)
    assert len(records) == 3
    for record in records:
        assert set(record) == {"form_id", "form", "student_id", "class", "version", "status", "fields"}
        assert "family_situation" not in record["fields"] and "problems" not in record["fields"]
        assert "*" in record["fields"]["phone"]["value"]


# --- privacy -----------------------------------------------------------------------------------


def test_outward_packet_text_has_no_phone_id_number_or_special_group_label(built: Built) -> None:
    text = built.outward_text
    assert not PHONE.search(text), PHONE.search(text)
    assert not ID.search(text), ID.search(text)
    assert "139****5678" in text and "110101********1234" in text
    for name, file_text in _zip_texts(built.outward.zip).items():
        assert [t for t in _group_terms(built.school) if t in file_text] == [], name
        assert "父母在外务工" not in file_text, name


def test_packet_with_sensitive_content_has_labels_but_still_masks_numbers(built: Built) -> None:
    text = built.sensitive_text
    assert not PHONE.search(text) and not ID.search(text)
    assert "留守儿童" in text and "父母在外务工" in text and "单亲" in text
    assert "包含敏感信息" in text and "王主任" in text
    with zipfile.ZipFile(built.sensitive.zip) as zf:
        assert any(n.startswith("报表/台账_") for n in zf.namelist())


@pytest.mark.parametrize("packet", ["outward", "sensitive"])
def test_no_file_in_a_packet_holds_a_phone_number_or_an_id_number_even_inside_a_student_number(built: Built, packet: str) -> None:
    """The PDF, the statistics, the to-do list, the ledger and the records' JSON all leave the
    school: a 学籍号 is G + the student's ID number, so it is masked like one."""
    texts = _zip_texts(getattr(built, packet).zip)
    assert any(n.startswith("报表/合规清单_") for n in texts) and any(GROUPED[:7] in t for t in texts.values())
    # a file's digest in manifest.json is hex, and eleven of its characters may be digits
    texts = {name: DIGEST.sub("", text) for name, text in texts.items()}
    leaks = {name: m.group(0) for name, text in texts.items() for m in (PHONE.search(text) or ID.search(text),) if m}
    assert leaks == {}


def test_packet_of_an_unknown_term_or_class_is_a_clear_error(built: Built, tmp_path: Path) -> None:
    with pytest.raises(ArchiveError, match="学期“2030-1”不在政策配置中"):
        build_packet(built.school.ws, scope="school", term="2030-1", out_dir=tmp_path)
    with pytest.raises(ArchiveError, match="班级“九年级（9）班”不在花名册中"):
        build_packet(built.school.ws, scope="class", class_name="九年级（9）班", term=TERM, out_dir=tmp_path)
