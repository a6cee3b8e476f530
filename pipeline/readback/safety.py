"""Container and XML safety checks for returned Office files, done before anything is read.

A returned .docx comes from outside (a teacher's computer, a parent's phone), so it is
checked from the zip's directory alone, without extracting: empty files, files that are not
zips, password-protected or legacy Word files (OLE compound files), macros, zip bombs. XML
parts are parsed with entity resolution, DTD loading and network access off, and any DTD
is refused outright (XXE, billion laughs).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from lxml import etree

from pipeline import defs
from pipeline.errors import UnreadableFileError, UnsafeFileError

__all__ = ["DOCUMENT_PART", "check_zip_document", "parse_xml", "read_part"]

DOCUMENT_PART = "word/document.xml"
CONTENT_TYPES_PART = "[Content_Types].xml"
OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
# Word's "Strict Open XML 文档": the same parts under other namespaces, which no reader here takes
STRICT_WORD = "http://purl.oclc.org/ooxml/wordprocessingml/main"
MACRO_CONTENT_TYPES = (
    "application/vnd.ms-word.document.macroEnabled.main+xml",
    "application/vnd.ms-word.template.macroEnabledTemplate.main+xml",
    "application/vnd.ms-office.vbaProject",
)
MACRO_SUFFIXES = (".docm", ".dotm")
# Stream names inside an OLE compound file (UTF-16LE in its directory sectors)
ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
WORD_97_STREAM = "WordDocument".encode("utf-16-le")
OTHER_OFFICE_PARTS = {
    "xl/": "Excel 工作簿",
    "ppt/": "PowerPoint 演示文稿",
    "OFD.xml": "OFD 版式文件（.ofd，WPS 的“输出为 OFD”）",
    "content.xml": "OpenDocument 文档（.odt，LibreOffice 或 WPS 的开放格式）",
}
# The main stream of the other Office 97-2003 files, as their compound file's directory names it.
OTHER_OLE_STREAMS = {
    "Workbook".encode("utf-16-le"): "Excel 97-2003 工作簿（.xls）",
    "PowerPoint Document".encode("utf-16-le"): "PowerPoint 97-2003 演示文稿",
}
NOT_A_RETURN = "请交回系统发放的家访表 .docx 文件"
ROSTER_HINT = "；若是花名册，请在工作台的“花名册”页或用 jiafang roster import 导入"
SAVE_AS_DOCX = "请在 Word 或 WPS 中打开后“另存为” Word 文档（*.docx）再交回"


def check_zip_document(path: Path) -> None:
    """Refuse a file that is not a safe, plain Word document, without extracting anything.

    Raises UnreadableFileError (empty, not a zip, password-protected, legacy .doc, not a Word
    document) or UnsafeFileError (macros, zip bomb).
    """
    try:
        with path.open("rb") as fh:
            head = fh.read(len(OLE_MAGIC))
    except OSError as exc:
        raise UnreadableFileError(path, "无法打开文件（文件不存在或没有读取权限）", "请检查文件是否存在、是否有读取权限") from exc
    if not head:
        raise UnreadableFileError(path, "文件是空的（0 字节）", "可能上传或复制时出错，请重新导出或重新复制该文件")
    if head == OLE_MAGIC:
        raise _ole_error(path)
    if path.suffix.lower() in MACRO_SUFFIXES:
        raise _macro_error(path)
    try:
        with zipfile.ZipFile(path) as zf:
            _check_zip(zf, path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
        raise UnreadableFileError(
            path, "不是有效的 Word 文档（.docx 应是 zip 压缩包，此文件已损坏或只是改了扩展名）", SAVE_AS_DOCX
        ) from exc


def _check_zip(zf: zipfile.ZipFile, path: Path) -> None:
    infos = zf.infolist()
    if len(infos) > defs.DOCX_MAX_ENTRIES:
        raise UnsafeFileError(path, f"压缩包内有 {len(infos)} 个部件，超过上限 {defs.DOCX_MAX_ENTRIES}，疑似压缩炸弹，已拒收", "请另存为新的 .docx 后再交回")
    _check_sizes(infos, path)
    names = {i.filename for i in infos}
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        raise _macro_error(path)
    if CONTENT_TYPES_PART in names:
        content_types = read_part(zf, CONTENT_TYPES_PART, path)
        if any(t.encode() in content_types for t in MACRO_CONTENT_TYPES):
            raise _macro_error(path)
    if DOCUMENT_PART not in names:
        kind = next((k for prefix, k in OTHER_OFFICE_PARTS.items() if any(n.startswith(prefix) for n in names)), None)
        if kind:
            raise _other_office_error(path, kind)
        raise UnreadableFileError(path, "不是 Word 文档（缺少正文部件 word/document.xml）", NOT_A_RETURN)


def _other_office_error(path: Path, kind: str) -> UnreadableFileError:
    """Another Office file among the returns: a workbook is most likely the roster, dropped in
    the wrong place."""
    if "Excel" in kind or "PowerPoint" in kind:
        return UnreadableFileError(path, f"这是{kind}，不是 Word 文档", NOT_A_RETURN + (ROSTER_HINT if "Excel" in kind else ""))
    return UnreadableFileError(path, f"这是{kind}，系统不读取这种格式", SAVE_AS_DOCX)


def _check_sizes(infos: list[zipfile.ZipInfo], path: Path) -> None:
    """Zip-bomb limits from the sizes declared in the zip directory (nothing is expanded)."""
    total = sum(i.file_size for i in infos)
    if total > defs.DOCX_MAX_UNCOMPRESSED:
        raise UnsafeFileError(
            path,
            f"解压后共 {total / 2**20:.0f} MB，超过上限 {defs.DOCX_MAX_UNCOMPRESSED / 2**20:.0f} MB，疑似压缩炸弹，已拒收",
            "若文档里插入了很多照片，请压缩图片或把照片单独交回",
        )
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > defs.DOCX_RATIO_MIN_SIZE and ratio > defs.DOCX_MAX_RATIO:
            raise UnsafeFileError(
                path, f"部件 {info.filename} 压缩比 {ratio:.0f}:1 异常（解压后 {info.file_size / 2**20:.0f} MB），疑似压缩炸弹，已拒收",
                "请用 Word 或 WPS 另存为新的 .docx 后再交回",
            )


def read_part(zf: zipfile.ZipFile, name: str, path: Path, limit: int = defs.DOCX_MAX_XML_PART) -> bytes:
    """The bytes of one part, never expanding more than ``limit`` bytes whatever the zip claims."""
    try:
        with zf.open(name) as fh:
            data = fh.read(limit + 1)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise UnreadableFileError(path, f"部件 {name} 已损坏，无法解压", SAVE_AS_DOCX) from exc
    if len(data) > limit:
        raise UnsafeFileError(path, f"部件 {name} 解压后超过 {limit / 2**20:.0f} MB，疑似压缩炸弹，已拒收", "请另存为新的 .docx 后再交回")
    return data


def parse_xml(data: bytes, *, part: str, path: Path) -> etree._Element:
    """Parse one XML part safely: no entities resolved, no DTD loaded, nothing fetched.

    A part that declares a DTD or entities is refused (Office never writes one), checked
    both on the raw bytes (before parsing, so nothing is expanded) and on the parsed tree
    (which also catches UTF-16 encoded parts).
    """
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise _dtd_error(path, part)
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise UnreadableFileError(path, f"部件 {part} 的内容已损坏", SAVE_AS_DOCX) from exc
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise _dtd_error(path, part)
    if part == DOCUMENT_PART and etree.QName(root).namespace == STRICT_WORD:
        raise UnreadableFileError(
            path, "是以“Strict Open XML 文档”格式保存的 Word 文件，系统读不了这种格式",
            "请在 Word 中“另存为”，保存类型选“Word 文档 (*.docx)”后再交回",
        )
    return root


def _dtd_error(path: Path, part: str) -> UnsafeFileError:
    return UnsafeFileError(
        path, f"部件 {part} 含有 DTD/实体声明（Word 不会写入，可能是恶意构造的外部实体攻击），已拒收", "请交回由 Word 或 WPS 正常保存的文件"
    )


def _macro_error(path: Path) -> UnsafeFileError:
    return UnsafeFileError(path, "是启用宏的 Word 文档（.docm，含 VBA 宏），为安全起见不予读取", "请在 Word 中“另存为” Word 文档（*.docx，不含宏）后再交回")


def _ole_error(path: Path) -> UnreadableFileError:
    """An OLE compound file: a password-protected .docx, or a Word 97-2003 .doc."""
    with path.open("rb") as fh:
        data = fh.read(defs.DOCX_MAX_UNCOMPRESSED)
    if ENCRYPTED_STREAM in data:
        return UnreadableFileError(path, "文档设置了打开密码（已加密），无法读取", "请在 Word 中取消密码（文件→信息→保护文档→用密码进行加密，清空密码）后另存再交回")
    if WORD_97_STREAM in data:
        return UnreadableFileError(path, "是旧版 Word 97-2003 文档（.doc），系统只读取 .docx", SAVE_AS_DOCX)
    if kind := next((k for stream, k in OTHER_OLE_STREAMS.items() if stream in data), None):
        return _other_office_error(path, kind)
    return UnreadableFileError(
        path, "是加密的或旧版（OLE 复合文档格式）的 Office 文件，无法读取", "若设置了密码请先取消密码；若是 .doc，" + SAVE_AS_DOCX
    )
