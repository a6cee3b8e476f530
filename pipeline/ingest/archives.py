"""Files that hold returns: a zip (a teacher zips a folder of photos or Word files to send it
through a chat app or by mail), a Word file of pasted photos, one of several forms pasted one
after another, and a class's print PDF typed into for several students. Each member, picture
or form is unpacked into a folder of the workspace and read like any returned file; the holder
itself is kept in the file store like every input.

Unpacking is bounded (members, bytes, compression ratio: zip bombs) and writes nothing outside
its folder (member names are made safe by pipeline.safe_names; a member whose name this
machine cannot use is named, the others still come). Names that
Chinese Windows wrote in GBK without the zip's UTF-8 flag are decoded as GBK. RAR and 7z
archives, which the standard library does not read, are named and left to be unpacked by hand.
"""

from __future__ import annotations

import lzma
import shutil
import time
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO

from pipeline import defs
from pipeline.errors import BlankFormError, UnreadableFileError, UnsafeFileError
from pipeline.readback.docx_pictures import body_pictures
from pipeline.readback.docx_split import form_parts
from pipeline.readback.pdf_reader import BLANK_PRINT
from pipeline.readback.pdf_split import written_forms
from pipeline.safe_names import free_name, safe_parts
from pipeline.write_errors import os_storage_error

_OTHER_ARCHIVES = {b"Rar!\x1a\x07": "RAR", b"7z\xbc\xaf\x27\x1c": "7z"}
_DOCUMENT_PARTS = ("[Content_Types].xml", "mimetype", "OFD.xml")  # Office, OpenDocument (.odt) and OFD files are zips with one
_EXPORT_MANIFEST = "manifest.json"  # at the root of our own packets and print folders
_UTF8_NAMES = 0x800  # zip general-purpose flag: member names are UTF-8
_ENCRYPTED = 0x1
_CHUNK = 2**20
_REPACK = "请重新打包后再交，或直接交回其中的文件"


@dataclass
class Unpacked:
    """What one holder held: the files unpacked (in its order), what it was (Chinese, with {n}
    for their number) and, for each member that was not unpacked, a sentence naming it and why."""

    what: str
    files: list[Path] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def folder_name(digest: str) -> str:
    """The folder a holder with content hash ``digest`` is unpacked into, within its batch's: the
    paths of the files it held pass through it."""
    return digest[:12]


def archive_kind(path: Path, head: bytes) -> str | None:
    """"zip", "RAR" or "7z" when ``path`` is an archive of files (not an Office document)."""
    for magic, kind in _OTHER_ARCHIVES.items():
        if head.startswith(magic):
            return kind
    if not head.startswith(b"PK"):
        return None
    try:
        with zipfile.ZipFile(path) as zf:
            return None if set(_DOCUMENT_PARTS) & set(zf.namelist()) else "zip"
    except (zipfile.BadZipFile, OSError, EOFError):
        return "zip" if path.suffix.lower() == ".zip" else None


def unpack(path: Path, kind: str, into: Path) -> Unpacked:
    """Unpack the archive ``path`` into the empty folder ``into``.

    Raises UnreadableFileError (damaged, RAR/7z, our own export) or UnsafeFileError (bounds)."""
    if kind != "zip":
        raise UnreadableFileError(path, f"是 {kind} 压缩包，系统只能直接读取 zip 压缩包", "请先解压，再读入解压出的文件夹；或改用 zip 格式打包")
    try:
        with zipfile.ZipFile(path) as zf:
            members = [m for m in zf.infolist() if not m.is_dir()]
            _check_bounds(path, members)
            if any(_name(m) == _EXPORT_MANIFEST for m in members):
                raise UnreadableFileError(path, "是本系统导出的文件包（督导检查材料包或打印文件夹，含 manifest.json），不是交回的表", "请交回老师填写后的表")
            unpacked = Unpacked("压缩包，解开 {n} 个文件")
            for member in members:
                _unpack_member(zf, member, into, unpacked, path)
            return unpacked
    except (zipfile.BadZipFile, EOFError) as exc:
        raise UnreadableFileError(path, "压缩包已损坏或不完整（可能在下载或复制时中断）", _REPACK) from exc


def word_pictures(path: Path, into: Path) -> Unpacked:
    """The pictures pasted into the Word document ``path``, each written into the empty folder
    ``into`` as 第N张 with its own suffix, in the document's order."""
    pictures = [(f"第{n}张{PurePosixPath(name).suffix.lower()}", data) for n, (name, data) in enumerate(body_pictures(path), start=1)]
    return _written(Unpacked("Word 文档中贴的是照片，取出 {n} 张"), pictures, into)


def word_forms(path: Path, into: Path) -> Unpacked:
    """Each of our forms in the Word document ``path``, written into the empty folder ``into``
    as a Word file of its own, 第N份_<form id>.docx."""
    forms = [(f"第{n}份_{form_id}.docx", data) for n, (form_id, data) in enumerate(form_parts(path), start=1)]
    return _written(Unpacked("一个 Word 文件里有 {n} 份表，已分开"), forms, into)


def pdf_forms(path: Path, into: Path) -> Unpacked:
    """Each form with anything written on it in a class's print PDF ``path``, written into the
    empty folder ``into`` as a PDF of its own, 第N份_<form id>.pdf; BlankFormError when none is
    written on."""
    forms = [(f"第{n}份_{form_id}.pdf", data) for n, (form_id, data) in enumerate(written_forms(path), start=1)]
    if not forms:
        raise BlankFormError(path, f"{BLANK_PRINT}（其中的表都没有填写）", "请交回老师填写后的表：纸质表的扫描件，或填好的 Word、PDF 文件")
    return _written(Unpacked("一个 PDF 文件里有 {n} 份填写过的表，已分开（没有填写的表未读入）"), forms, into)


def _written(unpacked: Unpacked, files: list[tuple[str, bytes]], into: Path) -> Unpacked:
    for name, data in files:
        try:
            into.mkdir(parents=True, exist_ok=True)
            (into / name).write_bytes(data)
        except OSError as exc:
            if storage := os_storage_error(exc, str(into)):
                raise storage from exc
            raise
        unpacked.files.append(into / name)
    return unpacked


def _check_bounds(path: Path, members: list[zipfile.ZipInfo]) -> None:
    if len(members) > defs.ARCHIVE_MAX_MEMBERS:
        raise UnsafeFileError(path, f"压缩包内有 {len(members)} 个文件，超过上限 {defs.ARCHIVE_MAX_MEMBERS}", "请分成几个压缩包，或直接交回文件夹")
    total = sum(m.file_size for m in members)
    if total > defs.ARCHIVE_MAX_UNCOMPRESSED:
        raise UnsafeFileError(
            path, f"压缩包解开后共 {total / 2**30:.1f} GB，超过上限 {defs.ARCHIVE_MAX_UNCOMPRESSED / 2**30:.0f} GB", "请分成几个压缩包，或直接交回文件夹"
        )
    for m in members:
        if m.file_size > defs.DOCX_RATIO_MIN_SIZE and m.file_size / max(m.compress_size, 1) > defs.ARCHIVE_MAX_RATIO:
            raise UnsafeFileError(path, f"压缩包中的 {_name(m)} 压缩比异常（解开后 {m.file_size / 2**20:.0f} MB），疑似压缩炸弹，已拒收", _REPACK)


def _unpack_member(zf: zipfile.ZipFile, member: zipfile.ZipInfo, into: Path, unpacked: Unpacked, path: Path) -> None:
    name = _name(member)
    parts = safe_parts(name)
    if not parts:
        return
    if member.flag_bits & _ENCRYPTED:
        unpacked.problems.append(f"{path} 中的 {name}：设置了密码，无法解开；请去掉密码后重新打包")
        return
    target = into.joinpath(*parts)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target = free_name(target)  # two names the same once made safe, or differing only in case
        with zf.open(member) as source, target.open("wb") as sink:
            _copy_bounded(source, sink, member.file_size)
    except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError, zlib.error, lzma.LZMAError) as exc:
        target.unlink(missing_ok=True)
        why = "解开后比压缩包声明的大，疑似压缩炸弹" if isinstance(exc, ValueError) else "已损坏或压缩方式不受支持，无法解开"
        unpacked.problems.append(f"{path} 中的 {name}：{why}；{_REPACK}")
        return
    except OSError as exc:
        if storage := os_storage_error(exc, str(into)):
            raise storage from exc
        unpacked.problems.append(f"{path} 中的 {name}：文件名过长或本机无法使用，无法解开；请给它改个短些的名字后重新打包")
        return
    unpacked.files.append(target)


def _copy_bounded(source: IO[bytes], sink: IO[bytes], size: int) -> None:
    """Copy no more than the size the archive declared: a member that expands further is a bomb."""
    copied = 0
    while chunk := source.read(_CHUNK):
        copied += len(chunk)
        if copied > size:
            raise ValueError("member larger than declared")
        sink.write(chunk)


def _name(member: zipfile.ZipInfo) -> str:
    """The member's name as its author saw it: Chinese Windows writes GBK without the UTF-8 flag."""
    if member.flag_bits & _UTF8_NAMES:
        return member.filename
    raw = member.filename.encode("cp437")
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return member.filename


def remove(folder: Path) -> None:
    """Remove an unpack folder once its files are in the file store."""
    shutil.rmtree(folder, ignore_errors=True)


def remove_stale(root: Path) -> None:
    """Remove the unpack folders under ``root`` that a batch killed mid-way left behind: any
    older than a batch can run (a running batch's own folder is younger)."""
    cutoff = time.time() - defs.UNPACK_STALE_HOURS * 3600
    for folder in root.glob("*") if root.is_dir() else ():
        try:
            stale = folder.stat().st_mtime < cutoff
        except OSError:  # removed meanwhile by its own batch
            continue
        if stale:
            remove(folder)
