"""Synthetic paper returns: issued PDF forms filled by hand, stacked and scanned, with truth.

For every issued PDF form in a generation manifest, the form's pages are rasterised from the
class PDF, written on (:mod:`pipeline.synth.filling`), and scanned (:mod:`pipeline.synth.scanner`)
into one copier PDF per class PDF, or into one image file per scanned sheet. The stack has what
real stacks have: blank backs, a page fed twice, a page missing, a foreign page, a page upside
down. Or every sheet is photographed with a phone instead (:mod:`pipeline.synth.photo`), as a
teacher without a scanner sends it. ``truth.json`` says what every form says and where every
scanned image came from. Everything is drawn from ``seed``: the same manifest and seed give the
same bytes.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pypdfium2 as pdfium
from PIL import Image, ImageDraw, ImageFont

from pipeline.atomic import atomic_write_text
from pipeline.errors import SamplesError
from pipeline.model.classes import normalize_class
from pipeline.model.form import FormDef, load_form
from pipeline.model.policy import Policy, load_policy
from pipeline.progress import Progress
from pipeline.render.fonts import discover_font_files
from pipeline.resources import samples_dir
from pipeline.roster.reader import read_roster
from pipeline.roster.validate import split_list
from pipeline.synth import phrases
from pipeline.synth import settings as synth_defs
from pipeline.synth.filling import FormPlan, People, draw_page, plan_values
from pipeline.synth.handwriting import HandwritingStyle, handwriting_font
from pipeline.synth.photo import PhotoModel, PhotoNames, chat_screenshot, random_photo, write_photo
from pipeline.synth.scanner import ScannerModel, random_device, random_settings, scan

TRUTH = "truth.json"
LEADER_ROLES = ("校长", "副校长", "中层")
_MM_PER_PT = 25.4 / 72


@dataclass(frozen=True)
class StackEvents:
    """What goes wrong in a stack, in counts over the whole run (rates for blank backs)."""

    blank_back_rate: float = 0.1  # chance an empty back follows a scanned sheet
    duplicates: int = 1  # form pages fed twice
    missing: int = 1  # form pages never scanned
    foreign: int = 1  # sheets that are no form of ours
    upside_down: int = 1  # form pages fed the wrong way round (besides the profile's own)
    screenshots: int = 1  # chat screenshots in each folder of photos (photo returns only)

    @classmethod
    def none(cls) -> StackEvents:
        return cls(blank_back_rate=0.0, duplicates=0, missing=0, foreign=0, upside_down=0, screenshots=0)


@dataclass(frozen=True)
class HandMix:
    """Who writes a stack: a pool of ``writers`` people, each form's teacher and parent drawn
    from it; a ``stroke_share`` of them write stroke by stroke, the rest in a font, and a
    ``pencil_share`` of them in pencil."""

    writers: int = synth_defs.HAND_WRITERS
    stroke_share: float = 0.5
    pencil_share: float = 0.0


@dataclass
class FillReport:
    out_dir: Path
    truth_path: Path
    forms: int = 0
    pages: int = 0  # scanned page images written, of every kind
    files: list[Path] = field(default_factory=list)
    skipped: int = 0  # manifest entries not filled (Word files, other forms, over the limit)
    seconds: float = 0.0


@dataclass(frozen=True)
class _Sheet:
    """One sheet in the stack as it goes into the scanner."""

    kind: str  # form | padding | blank_back | foreign | duplicate (| screenshot among photos)
    image: np.ndarray  # template px at SYNTH_PX_PER_MM
    form_id: str | None = None
    page: int | None = None
    upside_down: bool = False
    back: np.ndarray | None = None  # the other side of the duplex sheet (seen through it)


@dataclass(frozen=True)
class _Events:
    missing: frozenset[tuple[int, int]]  # (entry index, page)
    duplicate: frozenset[tuple[int, int]]
    upside_down: frozenset[tuple[int, int]]
    foreign_after: frozenset[tuple[int, int]]  # a foreign sheet follows this form page


def fill_returns(
    manifest_path: Path,
    out_dir: Path,
    *,
    seed: int,
    forms: Sequence[str] = ("record",),
    limit: int | None = None,
    profile: str = "office",
    pdf_per_class: bool = True,
    events: StackEvents | None = None,
    roster: Path | None = None,
    policy: Policy | None = None,
    hand_fonts: Sequence[Path] | None = None,
    hands: HandMix | None = None,
    progress: Progress | None = None,
    photos: bool = False,
    photo_frame: tuple[int, int] = synth_defs.PHOTO_FRAME,
) -> FillReport:
    """Fill, stack and scan the issued PDF forms of ``manifest_path``; write scans and truth.

    ``roster`` (default: the sample school's) supplies guardian and teacher names.
    ``hand_fonts`` (default: the kaiti font of :func:`handwriting_font`) are the fonts writers
    write in, each writer one of them drawn from the seed: a font the recognition thresholds
    were not tuned on makes a held-out stack. ``hands`` (default: a new font writer for every
    form) draws the writers from a pool that mixes stroke-drawn and font hands, pen and pencil.
    ``photos`` photographs every sheet with a phone (:mod:`pipeline.synth.photo`) into one
    folder per class PDF, chat screenshots among them, instead of scanning it, in pictures of
    ``photo_frame`` pixels (a phone's 12 MP by default); the same seed fills the sheets with the
    same values either way.
    """
    started = time.perf_counter()
    entries, skipped = _select(manifest_path, forms, limit)
    policy = policy or load_policy()
    people = RosterPeople(roster or samples_dir() / "roster.xlsx")
    fonts = _check_fonts(hand_fonts) if hand_fonts else None
    writers = _Writers(fonts, writer_pool(hands, np.random.default_rng([seed, 6]), fonts) if hands else ())
    plan_events = _plan_events(entries, events or StackEvents(), np.random.default_rng([seed, 2]))
    report = FillReport(out_dir=out_dir, truth_path=out_dir / TRUTH, skipped=skipped)
    truth: dict[str, Any] = {
        "seed": seed, "profile": profile, "hand_fonts": [p.name for p in fonts or (handwriting_font(),)], "forms": {}, "stack": [],
    }
    if hands:
        truth["writers"] = [{"hand": w.hand, "pencil": w.pencil, "font": w.font_path.name} for w in writers.pool]
    groups = _by_file(entries)

    def on_form(label: str) -> None:
        report.forms += 1
        if progress:
            progress(report.forms, len(entries), label)

    for file_index, (rel, group) in enumerate(groups):
        pdf = _open_pdf(manifest_path.parent / rel, manifest_path)
        target = _output_path(out_dir, rel, pdf_per_class and not photos, "photos" if photos else "scans")
        try:
            sheets = _class_sheets(
                pdf, group, _covered_pages(manifest_path, rel), policy, people, plan_events, seed, truth, on_form, writers
            )
            blanks_rng = np.random.default_rng([seed, 4, file_index])
            stack = _with_blank_backs(sheets, (events or StackEvents()).blank_back_rate, blanks_rng)
            if photos:
                shots = (events or StackEvents()).screenshots
                written = _photo_stack(stack, target, seed=seed, file_index=file_index, screenshots=shots, frame=photo_frame)
            else:
                written = _scan_stack(stack, target, pdf_per_class=pdf_per_class, profile=profile, seed=seed, file_index=file_index)
        finally:
            pdf.close()
        _record_stack(truth, target.relative_to(out_dir).as_posix(), written, pdf_per_class and not photos)
        report.files.append(target)
        report.pages += len(written)
    _write_json(report.truth_path, truth)
    report.seconds = time.perf_counter() - started
    return report


# --- manifest ---------------------------------------------------------------------------------


def _select(manifest_path: Path, forms: Sequence[str], limit: int | None) -> tuple[list[tuple[int, dict[str, Any]]], int]:
    """(index, entry) of the PDF forms to fill, in manifest order, and how many were left out."""
    entries = _read_manifest(manifest_path)
    chosen = [(i, e) for i, e in enumerate(entries) if e.get("format") == "pdf" and e.get("form") in forms]
    if limit is not None:
        chosen = chosen[:limit]
    if not chosen:
        raise SamplesError(
            f"{manifest_path}: 没有可填写的 PDF 表单（表单：{'、'.join(forms)}）。"
            "请先用 jiafang generate --format pdf 生成这些表单"
        )
    return chosen, len(entries) - len(chosen)


def _read_manifest(path: Path) -> list[dict[str, Any]]:
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SamplesError(f"{path}: 无法读取发放清单（{exc.strerror}）。请指定 jiafang generate 输出目录中的 manifest.json") from exc
    except json.JSONDecodeError as exc:
        raise SamplesError(f"{path}: 不是有效的 JSON（第 {exc.lineno} 行）。请重新生成表单") from exc
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise SamplesError(f"{path}: 不是 jiafang 发放清单（应为表单条目列表）。请重新生成表单")
    return entries


def _by_file(entries: list[tuple[int, dict[str, Any]]]) -> list[tuple[str, list[tuple[int, dict[str, Any]]]]]:
    groups: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for index, entry in entries:
        groups.setdefault(str(entry["file"]), []).append((index, entry))
    return list(groups.items())


def _covered_pages(manifest_path: Path, rel: str) -> set[int]:
    """Pages of a class PDF that belong to some form (the rest are duplex padding)."""
    return {
        p
        for e in _read_manifest(manifest_path)
        if e.get("file") == rel
        for p in range(int(e["first_page"]), int(e["first_page"]) + int(e["pages"]))
    }


def _check_fonts(paths: Sequence[Path]) -> tuple[Path, ...]:
    """``paths`` as fonts a writer can write in; raises SamplesError for one that is none."""
    for path in paths:
        try:
            ImageFont.truetype(str(path), 12, index=0)
        except OSError as exc:
            raise SamplesError(f"{path}: 无法作为手写字体打开（{exc}）。请指定 TrueType/OpenType 字体文件") from exc
    return tuple(Path(p) for p in paths)


def _writer(rng: np.random.Generator, fonts: Sequence[Path] | None) -> HandwritingStyle:
    """A new writer, in one of ``fonts`` (drawn from ``rng``) or else the default kaiti font."""
    font = fonts[int(rng.integers(len(fonts)))] if fonts else None
    return HandwritingStyle.random(rng, font_path=font)


def writer_pool(mix: HandMix, rng: np.random.Generator, fonts: Sequence[Path] | None = None) -> tuple[HandwritingStyle, ...]:
    """``mix.writers`` distinct writers: stroke hands and font hands (in ``fonts``), some in pencil."""
    pool = []
    for _ in range(mix.writers):
        stroke, pencil = rng.random() < mix.stroke_share, rng.random() < mix.pencil_share
        writer = HandwritingStyle.random_stroke(rng) if stroke else _writer(rng, fonts)
        pool.append(writer.in_pencil(rng) if pencil else writer)
    return tuple(pool)


@dataclass(frozen=True)
class _Writers:
    """Where a form's teacher and parent come from: a pool, or else new writers every form."""

    fonts: Sequence[Path] | None
    pool: tuple[HandwritingStyle, ...]

    def pick(self, rng: np.random.Generator) -> tuple[tuple[HandwritingStyle, HandwritingStyle], dict[str, int]]:
        if not self.pool:
            return (_writer(rng, self.fonts), _writer(rng, self.fonts)), {}
        chosen = {"teacher": int(rng.integers(len(self.pool))), "parent": int(rng.integers(len(self.pool)))}
        return (self.pool[chosen["teacher"]], self.pool[chosen["parent"]]), chosen


def _open_pdf(path: Path, manifest_path: Path) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(str(path))
    except (OSError, pdfium.PdfiumError) as exc:
        raise SamplesError(f"{manifest_path}: 清单中的 PDF {path} 无法打开（{exc}）。请重新生成表单") from exc


def _output_path(out_dir: Path, rel: str, pdf_per_class: bool, kind: str = "scans") -> Path:
    source = Path(rel)
    folder = out_dir / kind / source.parent.name
    return folder / source.name if pdf_per_class else folder / source.stem


# --- roster -----------------------------------------------------------------------------------


class RosterPeople:
    """Guardians and teachers by student and class, read from a roster file."""

    def __init__(self, path: Path) -> None:
        self.students: dict[str, dict[str, str]] = {}
        self.class_teachers: dict[str, list[str]] = {}
        self.leaders: list[str] = []
        for sheet in read_roster(path):
            for row in sheet.rows:
                if sheet.kind == "students":
                    self.students[row.values.get("学籍号", "")] = row.values
                else:
                    self._add_teacher(row.values)

    def _add_teacher(self, values: dict[str, str]) -> None:
        name = values.get("姓名", "")
        if values.get("职务") in LEADER_ROLES:
            self.leaders.append(name)
        for cls in split_list(values.get("任教班级", "")):
            self.class_teachers.setdefault(normalize_class(cls), []).append(name)

    def people(self, student_no: str, class_name: str) -> People:
        row = self.students.get(student_no, {})
        teachers = list(self.class_teachers.get(normalize_class(class_name), []))
        head = row.get("班主任", "")
        if head:
            teachers = [head] + [t for t in teachers if t != head]
        return People(
            guardian=row.get("监护人姓名", ""),
            relation=row.get("与学生关系", ""),
            teachers=tuple(teachers),
            leaders=tuple(self.leaders),
        )


# --- the stack --------------------------------------------------------------------------------


def _plan_events(entries: list[tuple[int, dict[str, Any]]], events: StackEvents, rng: np.random.Generator) -> _Events:
    slots = [(index, page) for index, e in entries for page in range(1, int(e["pages"]) + 1)]

    def pick(count: int, taken: set[tuple[int, int]]) -> frozenset[tuple[int, int]]:
        free = [s for s in slots if s not in taken]
        chosen = [free[int(i)] for i in rng.permutation(len(free))[: max(0, count)]]
        taken.update(chosen)
        return frozenset(chosen)

    taken: set[tuple[int, int]] = set()
    missing = pick(events.missing, taken)
    duplicate = pick(events.duplicates, taken)
    upside_down = pick(events.upside_down, taken)
    foreign = frozenset(slots[int(i)] for i in rng.permutation(len(slots))[: max(0, events.foreign)])
    return _Events(missing, duplicate, upside_down, foreign)


def _class_sheets(
    pdf: pdfium.PdfDocument,
    group: list[tuple[int, dict[str, Any]]],
    covered: set[int],
    policy: Policy,
    roster: RosterPeople,
    events: _Events,
    seed: int,
    truth: dict[str, Any],
    on_form: Callable[[str], None],
    writers: _Writers,
) -> Iterator[_Sheet]:
    """The sheets of one class PDF's forms, filled, in the order they go into the scanner."""
    period = policy.semesters[0] if policy.semesters else policy.school_year
    for index, entry in group:
        form = load_form(str(entry["form"]))
        rng = np.random.default_rng([seed, 1, index])
        people = roster.people(str(entry["student_id"]), str(entry["class"]))
        plan = plan_values(form, people, period=period, deadlines=policy.deadlines, rng=rng)
        (teacher, parent), chosen = writers.pick(rng)
        first = int(entry["first_page"])
        # Every side is written before any is scanned, since each shows through the other; the
        # random draws keep the order they always had (page, its foreign sheet, next page).
        images, foreign = [], {}
        for page in range(1, int(entry["pages"]) + 1):
            images.append(rasterise(pdf, first + page - 2))
            draw_page(images[-1], form, page, plan, teacher=teacher, parent=parent, rng=rng)
            if (index, page) in events.foreign_after:
                foreign[page] = foreign_page(rng, form.page_size)
        padding = first + int(entry["pages"])
        padding_image = rasterise(pdf, padding - 1) if padding <= len(pdf) and padding not in covered else None
        sides = [*images, padding_image] if padding_image is not None else images
        for page, image in enumerate(images, start=1):
            back = _other_side(sides, page)
            slot = (index, page)
            if slot not in events.missing:
                yield _Sheet("form", image, entry["form_id"], page, upside_down=slot in events.upside_down, back=back)
            if slot in events.duplicate:
                yield _Sheet("duplicate", image, entry["form_id"], page, back=back)
            if page in foreign:
                yield _Sheet("foreign", foreign[page])
        if padding_image is not None:
            yield _Sheet("padding", padding_image, entry["form_id"], back=images[-1])
        truth["forms"][entry["form_id"]] = _form_truth(entry, form, plan, events, index) | ({"writers": chosen} if chosen else {})
        on_form(f"{entry['class']} {entry['form_id']}")


def _other_side(sides: list[np.ndarray], page: int) -> np.ndarray | None:
    """The other side of page ``page``'s duplex sheet (pages 1/2, 3/4, … share one)."""
    partner = page + 1 if page % 2 else page - 1
    return sides[partner - 1] if partner <= len(sides) else None


def _form_truth(entry: dict[str, Any], form: FormDef, plan: FormPlan, events: _Events, index: int) -> dict[str, Any]:
    fillable = [f.id for f in form.fields if f.fillable]
    return {
        "form_id": entry["form_id"],
        "form": entry["form"],
        "student_id": entry["student_id"],
        "class": entry["class"],
        "pages": int(entry["pages"]),
        "missing_pages": [p for p in range(1, int(entry["pages"]) + 1) if (index, p) in events.missing],
        "values": {fid: plan.values.get(fid) for fid in fillable},
        "lines": plan.lines,
        "checkbox_states": plan.checkbox_states,
        "scan": {},
        "locations": {},
    }


def _with_blank_backs(sheets: Iterator[_Sheet], rate: float, rng: np.random.Generator) -> Iterator[_Sheet]:
    for sheet in sheets:
        yield sheet
        if rng.random() < rate:
            yield _Sheet("blank_back", blank_page(rng, sheet.image.shape))


def rasterise(pdf: pdfium.PdfDocument, index: int, px_per_mm: float = synth_defs.SYNTH_PX_PER_MM) -> np.ndarray:
    """Page ``index`` (0-based) as grayscale uint8 at exactly ``px_per_mm`` (pdfium rounds up)."""
    page = pdf[index]
    width_mm, height_mm = page.get_width() * _MM_PER_PT, page.get_height() * _MM_PER_PT
    bitmap = page.render(scale=px_per_mm * _MM_PER_PT, grayscale=True)
    image = np.array(bitmap.to_pil().convert("L"))
    height, width = round(height_mm * px_per_mm), round(width_mm * px_per_mm)
    out = np.full((height, width), 255, np.uint8)
    h, w = min(height, image.shape[0]), min(width, image.shape[1])
    out[:h, :w] = image[:h, :w]
    return out


def blank_page(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """An empty back: white paper with a few specks of dust."""
    page = np.full(shape[:2], 255, np.uint8)
    for _ in range(int(rng.integers(0, 6))):
        y, x = int(rng.integers(0, shape[0] - 3)), int(rng.integers(0, shape[1] - 3))
        page[y : y + 2, x : x + 2] = int(rng.integers(60, 200))
    return page


def foreign_page(
    rng: np.random.Generator, page_mm: tuple[float, float], px_per_mm: float = synth_defs.SYNTH_PX_PER_MM
) -> np.ndarray:
    """A printed page that is no form of ours: a notice with a title and some lines, no QR."""
    size = (round(page_mm[0] * px_per_mm), round(page_mm[1] * px_per_mm))
    page = Image.new("L", size, 255)
    draw = ImageDraw.Draw(page)
    font_path = str(discover_font_files()[0])
    title = ImageFont.truetype(font_path, int(7 * px_per_mm), index=0)
    body = ImageFont.truetype(font_path, int(4 * px_per_mm), index=0)
    draw.text((size[0] / 2, 40 * px_per_mm), phrases.FOREIGN_TITLES[int(rng.integers(len(phrases.FOREIGN_TITLES)))], font=title, fill=0, anchor="mm")
    y = 60 * px_per_mm
    for i in rng.permutation(len(phrases.FOREIGN_LINES))[: int(rng.integers(4, len(phrases.FOREIGN_LINES) + 1))]:
        draw.text((25 * px_per_mm, y), phrases.FOREIGN_LINES[int(i)], font=body, fill=20)
        y += 9 * px_per_mm
    return np.array(page)


# --- scanning and writing ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Written:
    sheet: _Sheet
    settings: ScannerModel | PhotoModel | _Screenshot
    name: str  # file name (image files) or "" (one PDF)


def _scan_stack(
    stack: Iterator[_Sheet], target: Path, *, pdf_per_class: bool, profile: str, seed: int, file_index: int
) -> list[_Written]:
    device = random_device(np.random.default_rng([seed, 3, file_index]), profile)
    written: list[_Written] = []
    partial = target.with_name(target.name + ".part")
    target.parent.mkdir(parents=True, exist_ok=True)
    if pdf_per_class and partial.exists():
        partial.unlink()
    for number, sheet in enumerate(stack, start=1):
        rng = np.random.default_rng([seed, 5, file_index, number])
        settings = random_settings(rng, profile, device=device)
        if sheet.upside_down:
            settings = replace(settings, upside_down=True)
        scanned = scan(sheet.image, settings, rng=rng, back=sheet.back)
        name = _write_page(scanned, settings, partial if pdf_per_class else target, number, pdf_per_class)
        written.append(_Written(sheet, settings, name))
    if pdf_per_class:
        os.replace(partial, target)
    return written


@dataclass(frozen=True)
class _Screenshot:
    """A chat screenshot among the photos: no settings but what it is."""

    def as_json(self) -> dict[str, object]:
        return {"screenshot": True, "upside_down": False}


def _photo_stack(
    stack: Iterator[_Sheet], folder: Path, *, seed: int, file_index: int, screenshots: int, frame: tuple[int, int]
) -> list[_Written]:
    """Every sheet photographed into ``folder`` under a phone's file name, with ``screenshots``
    chat screenshots at places drawn from the seed."""
    names = PhotoNames(np.random.default_rng([seed, 6, file_index]))
    sheets = list(stack)
    shots = set(np.random.default_rng([seed, 8, file_index]).integers(0, len(sheets) + 1, screenshots).tolist())
    written: list[_Written] = []
    for number, sheet in enumerate(sheets, start=1):
        if number - 1 in shots:
            written.append(_screenshot(folder, names, np.random.default_rng([seed, 9, file_index, number])))
        rng = np.random.default_rng([seed, 7, file_index, number])
        model = replace(random_photo(rng, names.next()), frame=frame, upside_down=sheet.upside_down)
        write_photo(sheet.image, model, folder / model.name, rng=rng)
        written.append(_Written(sheet, model, model.name))
    if len(sheets) in shots:
        written.append(_screenshot(folder, names, np.random.default_rng([seed, 9, file_index, 0])))
    return written


def _screenshot(folder: Path, names: PhotoNames, rng: np.random.Generator) -> _Written:
    name = names.screenshot()
    folder.mkdir(parents=True, exist_ok=True)
    chat_screenshot(rng).save(folder / name)
    return _Written(_Sheet("screenshot", np.zeros((0, 0), np.uint8)), _Screenshot(), name)


def _write_page(scanned: np.ndarray, settings: ScannerModel, path: Path, number: int, pdf: bool) -> str:
    image = page_image(scanned, settings)
    if pdf:
        quality = {} if settings.mode == "bw" else {"quality": synth_defs.SCAN_PDF_JPEG_QUALITY}
        image.save(
            path, format="PDF", append=path.exists(), resolution=float(settings.dpi),
            title=None, creationDate=None, modDate=None, **quality,
        )
        return ""
    path.mkdir(parents=True, exist_ok=True)
    name = f"{number:04d}.tif" if settings.mode == "bw" else f"{number:04d}.png"
    options = {"compression": "group4"} if settings.mode == "bw" else {}
    image.save(path / name, dpi=(settings.dpi, settings.dpi), **options)
    return name


def page_image(scanned: np.ndarray, settings: ScannerModel) -> Image.Image:
    """A scanned array as the PIL image a copier would store (1-bit for black-and-white)."""
    if settings.mode == "bw":
        return Image.fromarray(scanned > 127)
    return Image.fromarray(scanned)


def _record_stack(truth: dict[str, Any], rel: str, written: list[_Written], pdf: bool) -> None:
    pages = []
    for number, w in enumerate(written, start=1):
        where = {"file": f"{rel}/{w.name}" if not pdf else rel, "index": number if pdf else 1}
        pages.append({**where, "kind": w.sheet.kind, "form_id": w.sheet.form_id, "page": w.sheet.page, "scan": w.settings.as_json()})
        form = truth["forms"].get(w.sheet.form_id) if w.sheet.page else None
        if form is not None:
            form["locations"].setdefault(str(w.sheet.page), []).append(where)
            form["scan"].setdefault(str(w.sheet.page), w.settings.as_json())
    truth["stack"].append({"file": rel, "pages": pages})


def _write_json(path: Path, data: dict[str, Any]) -> None:
    atomic_write_text(path, json.dumps(data, ensure_ascii=False, indent=1))
