"""Scan inputs → page images: image-only PDFs, multi-page TIFF, JPEG, PNG, BMP, WebP and HEIC/HEIF.

Pages are produced one at a time (a 100-page copier PDF is never held in memory at once).
A file that cannot be opened at all raises :class:`UnreadableFileError`; one bad page inside a
file that opens is yielded as a :class:`ScanPage` with ``image`` None and the reason in
``error``, and the pages after it still come.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO, Literal
from dataclasses import dataclass
from pathlib import Path

import os
import warnings

import numpy as np
import pillow_heif
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image, ImageOps, UnidentifiedImageError

from pipeline import defs
from pipeline.errors import UnreadableFileError
from pipeline.pdf_annots import PageComment, comments_on, writes_on
from pipeline.pdf_runs import page_runs
from pipeline.pdf_space import unturned_size
from pipeline.scan import salvage

pillow_heif.register_heif_opener()  # once, at import: Image.open then reads iPhone HEIC/HEIF photos

_FIX = "请检查文件是否完整（可重新扫描或重新导出），支持 PDF、TIFF、JPEG、PNG、BMP"
_PAGE_ERRORS = (pdfium.PdfiumError, OSError, ValueError, MemoryError)  # a damaged PDF page
_A4_ASPECT_TOLERANCE = 0.03  # an image within 3 % of A4's aspect ratio is taken to be the whole page
_SAME_DPI_TOLERANCE = 0.02  # an embedded image scaled differently along x and y is rendered instead
_FILLS_PAGE = 0.9  # an embedded image covering less of the page than this is not "the page"
_PLACED_PHOTO_SHARE = 0.1  # of the page's area: a smaller image on it is a logo or an icon, not a photo of a sheet
_EXIF_IFD = 0x8769  # EXIF sub-directory: exposure settings, written by cameras and phones only
_CAMERA_TAGS = (0x829A, 0x829D, 0x920A)  # ExposureTime, FNumber, FocalLength


@dataclass(frozen=True, eq=False)
class ScanPage:
    """One page image of an input file.

    ``dpi`` is always a usable estimate; ``dpi_measured`` is False when it is only a guess
    (no metadata and not an A4-shaped image, e.g. a phone photo) — then print scale cannot be
    checked against it. ``photo`` says the image is a camera's picture of the sheet (exposure
    tags in its EXIF, or no usable dpi): it is rectified, not checked as a flat scan.
    """

    source: Path
    index: int  # 0-based page in the file
    image: np.ndarray | None  # uint8 grayscale (1-bit scans as 0/255); None when unreadable
    dpi: float
    dpi_measured: bool = True
    error: str = ""  # Chinese, why this page could not be read (image is None); the caller names the page
    lost_rest: bool = False  # the file breaks off here: this page and any after it are lost
    photo: bool = False
    comments: tuple[PageComment, ...] = ()  # what a PDF app's comments on the page say, and where

    @property
    def ok(self) -> bool:
        return self.image is not None

    @property
    def reader_dpi(self) -> float | None:
        """The dpi a page reader is given: None for a photo, whose scale is not a print scale."""
        return None if self.photo else self.dpi


def scan_pages(path: Path) -> Iterator[ScanPage]:
    """The pages of one scan file, in order. Raises UnreadableFileError for a damaged file."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            head = fh.read(5)
    except OSError as exc:
        raise UnreadableFileError(path, "无法打开文件（文件不存在或没有读取权限）", _FIX) from exc
    if head == b"%PDF-":
        yield from _pdf_pages(path)
    else:
        yield from _image_pages(path)


def scan_page_at(path: Path, index: int) -> ScanPage:
    """Page ``index`` of a scan file that :func:`scan_pages` read before (a cluster worker is
    given the stored file and a page number): a whole PDF opens and renders only that page."""
    path = Path(path)
    with path.open("rb") as fh:
        is_pdf = fh.read(5) == b"%PDF-"
    if is_pdf and salvage.has_eof(path):
        doc = _open_pdf(path, path)
        try:
            return next(_pdf_run(path, doc, range(index, index + 1), cut=False))
        finally:
            doc.close()
    return next(page for page in scan_pages(path) if page.index == index)


def _pdf_pages(path: Path) -> Iterator[ScanPage]:
    if salvage.has_eof(path):
        yield from _pdf_file_pages(path, path, cut=False)
        return
    # Cut short: read the pages before the cut from a copy with a rebuilt cross-reference table.
    copy = salvage.salvaged_copy(path)
    if copy is None:
        raise UnreadableFileError(path, "PDF 文件不完整（在复制或下载时中断），连第一页也无法读取", _FIX)
    try:
        yield from _pdf_file_pages(path, copy, cut=True)
    finally:
        copy.unlink(missing_ok=True)


def _pdf_file_pages(path: Path, source: Path, *, cut: bool) -> Iterator[ScanPage]:
    """The pages of ``path``, read from ``source`` (itself, or its salvaged copy when ``cut``)."""
    doc = _open_pdf(path, source)
    count = len(doc)
    doc.close()
    if count == 0:
        raise UnreadableFileError(path, "PDF 文件没有任何页面", _FIX)
    done = 0
    try:
        for run, indices in page_runs(source, count):
            yield from _pdf_run(path, run, indices, cut=cut)
            done = indices.stop
    except pdfium.PdfiumError as exc:  # the file changed or vanished mid-batch
        yield from (_bad_page(path, index, exc) for index in range(done, count))


def _pdf_run(path: Path, doc: pdfium.PdfDocument, indices: range, *, cut: bool) -> Iterator[ScanPage]:
    for index in indices:
        try:
            page = doc[index]
        except _PAGE_ERRORS as exc:
            yield _lost_page(path, index) if cut else _bad_page(path, index, exc)
            continue
        if cut and not any(True for _ in page.get_objects()):  # its content was after the cut
            page.close()
            yield _lost_page(path, index)
            continue
        try:
            comments = tuple(comments_on(page))
            image, dpi, photo = _pdf_page_image(page)
        except _PAGE_ERRORS as exc:
            yield _bad_page(path, index, exc)
            continue
        yield ScanPage(path, index, image, dpi, dpi_measured=not photo, photo=photo, comments=comments)


def _open_pdf(path: Path, source: Path) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(source)
    except pdfium.PdfiumError as exc:
        raise UnreadableFileError(path, pdf_open_reason(exc), _FIX) from exc


def pdf_open_reason(exc: pdfium.PdfiumError) -> str:
    """Why PDFium could not open a file, in a clerk's words."""
    if "password" in str(exc).lower():
        return "PDF 文件已加密（有密码），请去掉密码后再交"
    return "PDF 文件已损坏或无法解析"


def _pdf_page_image(page: pdfium.PdfPage) -> tuple[np.ndarray, float, bool]:
    """(image, dpi, photo): a page's one embedded image as stored when it fills the page (a
    scan), or when it is one picture placed on the page (a photo pasted into Word, then saved
    as PDF: its own pixels, at no print scale, a photo unless A4-shaped); else the page
    rendered at SCAN_RENDER_DPI, a photo when pictures are placed on it (turned, or several).
    A page a PDF app wrote on (a signature added with its pen, a value typed in a text box) is
    rendered, at its scan's own dpi: the image as stored does not show the writing."""
    try:
        written = writes_on(page)
        embedded = _single_image(page)
        if embedded is not None and not written:
            return (*embedded, False)
        placed = _placed_pictures(page)
        if len(placed) == 1 and _upright(placed[0]) and not written:
            picture = to_gray(placed[0].get_bitmap(render=False).to_pil())
            dpi, measured = image_dpi(None, picture.shape)
            return picture, dpi, not measured
        dpi = embedded[1] if embedded is not None else defs.SCAN_RENDER_DPI
        gray = to_gray(page.render(scale=dpi / 72, grayscale=True).to_pil())
        if _only_1_bit_images(page):
            # a 1-bit scan stays black and white: the smoothed rendering's soft edges would
            # hide that it was thresholded (recognize.quality.thresholded)
            gray = np.where(gray < defs.RENDERED_1_BIT_LEVEL, 0, 255).astype(np.uint8)
        return gray, dpi, bool(placed)  # turned or several photos: rendered, still photos
    finally:
        page.close()


def _single_image(page: pdfium.PdfPage) -> tuple[np.ndarray, float] | None:
    """The page's image and its dpi when the page is exactly one upright image filling it."""
    if page.get_rotation() != 0:
        return None
    objects = list(page.get_objects(max_depth=2))
    images = [o for o in objects if o.type == pdfium_c.FPDF_PAGEOBJ_IMAGE]
    # A copier's invisible OCR text layer may sit over the image; anything else means render.
    kinds = {o.type for o in objects}
    if len(images) != 1 or not kinds <= {pdfium_c.FPDF_PAGEOBJ_IMAGE, pdfium_c.FPDF_PAGEOBJ_TEXT}:
        return None
    image = images[0]
    a, b, c, d, _, _ = image.get_matrix().get()
    page_w, page_h = page.get_size()
    if b or c or a < _FILLS_PAGE * page_w or d < _FILLS_PAGE * page_h:
        return None
    px_w, px_h = image.get_px_size()
    dpi_x, dpi_y = px_w * 72 / a, px_h * 72 / d
    if abs(dpi_x / dpi_y - 1) > _SAME_DPI_TOLERANCE:
        return None
    return to_gray(image.get_bitmap(render=False).to_pil()), (dpi_x + dpi_y) / 2


def _placed_pictures(page: pdfium.PdfPage) -> list[pdfium.PdfImage]:
    """The large images placed on the page without filling it: photos pasted into a document."""
    width, height = unturned_size(page)
    images = [o for o in page.get_objects(max_depth=2) if o.type == pdfium_c.FPDF_PAGEOBJ_IMAGE]
    if any(_covers(o, width, height) for o in images):
        return []
    return [o for o in images if _area(o) >= _PLACED_PHOTO_SHARE * width * height]


def _upright(image: pdfium.PdfObject) -> bool:
    """Drawn unturned on an unturned page: its pixels as stored are the page's."""
    a, b, c, d, _, _ = image.get_matrix().get()
    return not (b or c) and a > 0 and d > 0 and image.page.get_rotation() == 0


def is_scanned_page(page: pdfium.PdfPage) -> bool:
    """A scan or a photo of paper: pictures fill much of the page, and on them no more text than
    a phone scanner app stamps there (its name, a date, a page number) or a caption over a
    pasted photo. Text that cannot be seen does not count: a copier's "searchable PDF" OCR
    layer (render mode 3), or whatever lies under an image covering the page. Also a "compact"
    PDF split into layers (a background image under masks), turned by /Rotate or not."""
    objects = [o for o in page.get_objects(max_depth=2) if o.type != pdfium_c.FPDF_PAGEOBJ_FORM]
    width, height = unturned_size(page)
    images = [(i, o) for i, o in enumerate(objects) if o.type == pdfium_c.FPDF_PAGEOBJ_IMAGE]
    if sum(_area(o) for _, o in images) < defs.PDF_PICTURE_SHARE * width * height:
        return False
    hidden = max((i + 1 for i, o in images if _covers(o, width, height)), default=0)
    on_top = [o for o in objects[hidden:] if o.type == pdfium_c.FPDF_PAGEOBJ_TEXT and _visible(o)]
    return _characters(page, on_top) <= defs.SCAN_STAMP_MAX_CHARS


def _area(image: pdfium.PdfObject) -> float:
    a, b, c, d, _, _ = image.get_matrix().get()
    return abs(a * d - b * c)


def _visible(text: pdfium.PdfObject) -> bool:
    return pdfium_c.FPDFTextObj_GetTextRenderMode(text.raw) != pdfium_c.FPDF_TEXTRENDERMODE_INVISIBLE


def _characters(page: pdfium.PdfPage, texts: list[pdfium.PdfObject]) -> int:
    if not texts:
        return 0
    textpage = page.get_textpage()
    try:
        # the length in bytes of each object's UTF-16 text with its terminator
        return sum(max(pdfium_c.FPDFTextObj_GetText(t.raw, textpage.raw, None, 0) // 2 - 1, 0) for t in texts)
    finally:
        textpage.close()


def _covers(image: pdfium.PdfObject, width: float, height: float) -> bool:
    a, b, c, d, _, _ = image.get_matrix().get()  # the unit square's image on the page
    return abs(a) + abs(c) >= _FILLS_PAGE * width and abs(b) + abs(d) >= _FILLS_PAGE * height


def _only_1_bit_images(page: pdfium.PdfPage) -> bool:
    images = [o for o in page.get_objects(max_depth=2) if o.type == pdfium_c.FPDF_PAGEOBJ_IMAGE]
    return bool(images) and all(o.get_metadata().bits_per_pixel == 1 for o in images)


@contextmanager
def _decoding() -> Iterator[None]:
    """Decode quietly: libtiff prints its complaints about damaged files straight to the
    console (file descriptor 2) and Pillow warns about odd metadata; the reasons we give are our
    own. The one warning that matters, image data stopping short, is raised as an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warnings.filterwarnings("error", message="Truncated File Read")
        try:
            saved = os.dup(2)
        except OSError:  # no console to protect
            yield
            return
        try:
            with open(os.devnull, "wb") as null:
                os.dup2(null.fileno(), 2)
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def _image_pages(path: Path) -> Iterator[ScanPage]:
    try:
        with _decoding():
            image = Image.open(path)
    except Exception as exc:  # Pillow raises many types on damaged headers
        raise UnreadableFileError(path, decode_reason(exc), _FIX) from exc
    with image:
        multi_page = image.format == "TIFF"  # a phone JPEG's extra frames (MPO) are not pages
        index = 0
        while index == 0 or multi_page:
            try:
                with _decoding():
                    image.seek(index)
            except EOFError:
                if multi_page and tiff_chain_broken(path):
                    yield _lost_pages(path, index)
                return
            except Exception as exc:  # a broken page directory: the pages after it cannot be found
                if index == 0:
                    raise UnreadableFileError(path, decode_reason(exc), _FIX) from exc
                yield _lost_pages(path, index)
                return
            yield _image_page(path, image, index, multi_page)
            index += 1


def _image_page(path: Path, image: Image.Image, index: int, multi_page: bool) -> ScanPage:
    try:
        with _decoding():
            gray = to_gray(ImageOps.exif_transpose(image))
    except Exception as exc:  # decoder errors of damaged image data come in many types
        if not multi_page:
            raise UnreadableFileError(path, decode_reason(exc), _FIX) from exc
        return _bad_page(path, index, exc)
    if min(gray.shape) < defs.SCAN_MIN_SIDE_PX:
        reason = f"图像只有 {gray.shape[1]}×{gray.shape[0]} 像素，太小，不可能是扫描的表单页"
        return ScanPage(path, index, None, 0.0, dpi_measured=False, error=reason)
    dpi, measured = image_dpi(image.info.get("dpi"), gray.shape)
    return ScanPage(path, index, gray, dpi, measured, photo=is_camera_photo(image) or not measured)


def is_camera_photo(image: Image.Image) -> bool:
    """Whether a camera wrote the image: exposure settings in its EXIF (scanners write none)."""
    try:
        camera = image.getexif().get_ifd(_EXIF_IFD)
    except Exception:  # damaged EXIF blocks raise many types; then there is no evidence
        return False
    return any(tag in camera for tag in _CAMERA_TAGS)


def _bad_page(path: Path, index: int, exc: BaseException, *, after: str = "其余页照常处理；请重新扫描这一页") -> ScanPage:
    reason = f"无法读取：{decode_reason(exc)}，{after}"
    return ScanPage(path, index, None, 0.0, dpi_measured=False, error=reason)


def _lost_page(path: Path, index: int) -> ScanPage:
    """A page of a PDF cut short whose content is past the cut."""
    reason = "这一页在文件中断处之后，内容已丢失；请重新扫描或重新复制该文件"
    return ScanPage(path, index, None, 0.0, dpi_measured=False, error=reason)


def _lost_pages(path: Path, index: int) -> ScanPage:
    """The page where a TIFF's page chain breaks off: it and any pages after it are lost."""
    reason = f"文件在第 {index} 页之后中断（不完整），第 {index + 1} 页起的内容无法读取；请重新扫描或重新复制该文件"
    return ScanPage(path, index, None, 0.0, dpi_measured=False, error=reason, lost_rest=True)


def decode_reason(exc: BaseException) -> str:
    """Why an image could not be decoded, in words a clerk understands (never the library's)."""
    if isinstance(exc, Image.DecompressionBombError):
        return "图像像素数大得异常，超过安全上限，疑似恶意构造的“解压炸弹”，为安全起见不予读取"
    if isinstance(exc, ValueError) and "too large" in str(exc).lower():  # Pillow's limit on text chunks
        return "图像文件里的附加数据解压后大得异常，疑似恶意构造的“解压炸弹”，为安全起见不予读取"
    if isinstance(exc, MemoryError):
        return "图像太大，无法读入内存"
    if isinstance(exc, UnidentifiedImageError):
        return "不是可识别的图像文件（文件已损坏，或只是改了扩展名）"
    return "图像数据已损坏或不完整（可能在扫描、复制或传输时中断）"


def tiff_chain_broken(path: Path) -> bool:
    """Whether a TIFF's chain of page directories points past the end of the file (a copy cut
    short), which Pillow reports as a plain end of pages."""
    try:
        with path.open("rb") as fh:
            return _chain_broken(fh, path.stat().st_size)
    except OSError:
        return True


def _chain_broken(fh: BinaryIO, size: int) -> bool:
    header = fh.read(16)
    orders: dict[bytes, Literal["little", "big"]] = {b"II": "little", b"MM": "big"}
    order = orders.get(header[:2])
    if order is None or len(header) < 8:
        return True
    big = int.from_bytes(header[2:4], order) == 43  # BigTIFF: 8-byte offsets and counts
    offset_size, count_size, entry_size = (8, 8, 20) if big else (4, 2, 12)
    offset = int.from_bytes(header[8:16] if big else header[4:8], order)
    seen: set[int] = set()
    while offset and offset not in seen and len(seen) < defs.TIFF_MAX_PAGES:
        seen.add(offset)
        fh.seek(offset)
        entries = int.from_bytes(fh.read(count_size), order)
        link = offset + count_size + entries * entry_size
        if link + offset_size > size:
            return True
        fh.seek(link)
        offset = int.from_bytes(fh.read(offset_size), order)
    return False


def image_dpi(metadata: object, shape: tuple[int, ...]) -> tuple[float, bool]:
    """(dpi, measured): the file's dpi when plausible, else inferred from the A4 page width."""
    low, high = defs.SCAN_DPI_RANGE
    if isinstance(metadata, tuple) and len(metadata) == 2:
        x, y = (float(v) for v in metadata)
        if low <= x <= high and abs(x / y - 1) <= _SAME_DPI_TOLERANCE:
            return x, True
    dpi = min(shape[:2]) * 25.4 / defs.SCAN_PAGE_SHORT_SIDE
    return dpi, is_a4_shaped(shape) and low <= dpi <= high


def is_a4_shaped(shape: tuple[int, ...]) -> bool:
    """Whether an image of ``shape`` has A4's proportions, as a scanned page has."""
    short, long = sorted(shape[:2])
    return abs((long / short) / (297 / 210) - 1) <= _A4_ASPECT_TOLERANCE


def to_gray(image: Image.Image) -> np.ndarray:
    """A writable uint8 grayscale array of ``image``; transparency composited on white."""
    if image.mode in ("1", "L"):
        return np.array(image.convert("L"))
    if image.mode.startswith("I"):  # 16/32-bit grayscale: keep the top 8 bits of the used range
        wide = np.asarray(image).astype(np.uint32)
        return (wide >> max(0, int(wide.max()).bit_length() - 8)).astype(np.uint8)
    if "A" in image.mode or "transparency" in image.info:
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return np.array(Image.alpha_composite(white, rgba).convert("L"))
    return np.array(image.convert("RGB").convert("L"))


def page_count(path: Path) -> int:
    """How many pages :func:`scan_pages` will yield for ``path``, without decoding them (0 when
    the file cannot be opened: scan_pages then reports why)."""
    try:
        with path.open("rb") as fh:
            is_pdf = fh.read(5) == b"%PDF-"
        if is_pdf:
            pdf = pdfium.PdfDocument(str(path))
            try:
                return len(pdf)
            finally:
                pdf.close()
        with _decoding(), Image.open(path) as image:
            return int(getattr(image, "n_frames", 1)) if image.format == "TIFF" else 1
    except Exception:  # Pillow and pdfium raise many types on damaged files
        return 0
