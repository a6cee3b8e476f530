"""Text and tick marks out of WordprocessingML, as a person sees them in Word.

Paragraphs are joined with "\\n", ``w:br``/``w:cr`` are line breaks, ``w:tab`` a space;
deleted (tracked) text and field codes are left out, and so is text a teacher struck through
(删除线: taken back, though Word still shows it) or hid; :func:`struck_text` gives that text,
for a reader to name it. A field (域) keeps the result Word last computed, which is read as text;
:func:`computed_fields` names the fields whose result nobody typed (a DATE field shows the day the
file was last opened or saved, USERNAME the PC's user). Text boxes are not part of the text they
are anchored in: Word draws them over the page wherever they were dragged, and writes each one
twice (a DrawingML shape and its VML fallback). :func:`text_boxes` gives each once, with the
run it is anchored to. Tick marks typed or inserted as
symbols (☒ ☑ ■ √ ✓ ✔, Wingdings boxes) read as ☒, empty boxes as ☐, so choice fields can be
read from plain text when their checkbox controls are gone.

LibreOffice (7.4) saves a text content control it imported as a run of controls with the
same alias: the first holds the whole text T, each middle one a piece of T followed by T
again, the last T; the pieces concatenate to T (details in :func:`_rejoin`). :func:`cell_text`
undoes exactly that pattern and reports anything else as not clean.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import groupby

from lxml import etree

from pipeline import defs
from pipeline.render.docx_templates import CHECKED, NS, UNCHECKED

__all__ = [
    "FALLBACK",
    "TEXT_BOX",
    "Ticks",
    "cell_text",
    "checkbox_state",
    "computed_fields",
    "is_checkbox",
    "looks_repeated",
    "paragraphs",
    "parse_ticks",
    "sdt_property",
    "struck_text",
    "tracked_changes",
    "text_boxes",
    "text_of",
    "without_controls",
]

W = NS["w"]
W14 = NS["w14"]
P, R, T, SDT, PPR = (f"{{{W}}}{n}" for n in ("p", "r", "t", "sdt", "pPr"))
TAB, BR, CR, SYM, NB_HYPHEN = (f"{{{W}}}{n}" for n in ("tab", "br", "cr", "sym", "noBreakHyphen"))
MOVE_FROM = f"{{{W}}}moveFrom"
# Tracked changes not yet accepted: what Word shows as added (underlined) and taken out (struck)
ADDED = (f"{{{W}}}ins", f"{{{W}}}moveTo")
REMOVED = (f"{{{W}}}del", MOVE_FROM)
DEL_TEXT = f"{{{W}}}delText"
FLD_SIMPLE, FLD_CHAR, INSTR_TEXT = (f"{{{W}}}{n}" for n in ("fldSimple", "fldChar", "instrText"))
FLD_CHAR_TYPE, INSTR = f"{{{W}}}fldCharType", f"{{{W}}}instr"
# Fields whose result is what a person typed or chose, or only how it looks: every other field's
# result is computed by Word (dates, document and user properties, formulas, merged data).
TYPED_FIELDS = frozenset({"HYPERLINK", "FORMTEXT", "FORMCHECKBOX", "FORMDROPDOWN", "SYMBOL", "EQ", "ADVANCE"})
TEXT_BOX = f"{{{W}}}txbxContent"
RUBY_TEXT = f"{{{W}}}rt"  # 拼音指南: the pinyin Word sets above its base text, not part of the text
# Run properties that take a run's text out of what it says: Word's 删除线 (single or double)
# and 隐藏文字. A toggle is on unless its w:val says off.
STRUCK = {f"{{{W}}}{name}": how for name, how in (("strike", "加了删除线"), ("dstrike", "加了删除线"), ("vanish", "设为隐藏"))}
RPR, VAL = f"{{{W}}}rPr", f"{{{W}}}val"
TOGGLE_OFF = ("0", "false", "off")
FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
OUT_OF_FLOW = (TEXT_BOX, FALLBACK, RUBY_TEXT)
SQUARE = re.compile(r"(\S{2,12})\1")  # a short stretch written twice in a row
RFONTS = f"{{{W}}}rPr/{{{W}}}rFonts"
TICK_GLYPHS = "☒☑■√✓✔" + CHECKED
BOX_GLYPHS = "☐□" + UNCHECKED
# (font, character) of box symbols in the Wingdings fonts Word offers under Insert → Symbol
WINGDINGS_BOXES = {
    ("wingdings 2", "R"): CHECKED,
    ("wingdings 2", "S"): CHECKED,
    ("wingdings 2", "T"): CHECKED,
    ("wingdings 2", "£"): UNCHECKED,
    ("wingdings", "þ"): CHECKED,
    ("wingdings", "ý"): CHECKED,
    ("wingdings", "x"): CHECKED,
    ("wingdings", "¨"): UNCHECKED,
    ("wingdings", "o"): UNCHECKED,
}


def text_of(el: etree._Element) -> str:
    """The visible text of ``el`` outside text boxes: paragraphs and line breaks as "\\n", outer
    blanks stripped."""
    parts: list[str] = []
    struck = _may_be_struck(el)
    for node in _in_flow(el, P, R):
        if node.tag == P:
            if parts:
                parts.append("\n")
        elif node.getparent().tag != MOVE_FROM:
            parts.append(_run_text(node, struck=struck))
    return _tidy("".join(parts))


def _in_flow(el: etree._Element, *tags: str) -> Iterator[etree._Element]:
    """``el`` and its descendants of ``tags``, in document order, leaving out what is inside
    text boxes and fallbacks below ``el`` (a box's own text is read from the box) and pinyin
    set above text."""
    if next(el.iter(*OUT_OF_FLOW), None) is None:
        yield from el.iter(*tags)
        return
    if el.tag in tags:
        yield el
    for child in el:
        if child.tag not in OUT_OF_FLOW:
            yield from _in_flow(child, *tags)


def paragraphs(el: etree._Element) -> list[etree._Element]:
    """The paragraphs of ``el`` outside text boxes, in document order."""
    return list(_in_flow(el, P))


def without_controls(el: etree._Element) -> etree._Element:
    """A copy of ``el`` without its content controls: what a form prints around its values."""
    bare = copy.deepcopy(el)
    for sdt in bare.findall(f".//{SDT}"):
        if sdt.getparent() is not None:  # not inside a control removed before it
            sdt.getparent().remove(sdt)
    return bare


def text_boxes(el: etree._Element) -> list[tuple[etree._Element, str]]:
    """(anchoring run, text) of each text box in ``el`` that shows any text, once each."""
    boxes = []
    for box in el.iter(TEXT_BOX):
        if any(a.tag in (TEXT_BOX, FALLBACK) for a in box.iterancestors()):
            continue
        text, anchor = text_of(box), next(box.iterancestors(R), None)
        if text and anchor is not None:
            boxes.append((anchor, text))
    return boxes


def struck_text(el: etree._Element) -> list[tuple[str, str]]:
    """(how, text) of each run in ``el`` outside text boxes whose text is struck through or
    hidden (see :data:`STRUCK`), in document order; runs of whitespace left out."""
    if not _may_be_struck(el):
        return []
    found = []
    for run in _in_flow(el, R):
        how = _struck(run)
        if how and (text := "".join(t.text or "" for t in run.findall(T)).strip()):
            found.append((how, text))
    return found


def tracked_changes(el: etree._Element) -> list[tuple[bool, str]]:
    """(added, text) of each tracked change in ``el`` not yet accepted, in document order: text
    added (read as part of the text) or taken out (left out of it)."""
    found = []
    for change in el.iter(*ADDED, *REMOVED):
        if text := "".join(t.text or "" for t in change.iter(T, DEL_TEXT)).strip():
            found.append((change.tag in ADDED, text))
    return found


def computed_fields(el: etree._Element) -> list[tuple[str, str]]:
    """(kind, shown text) of each field in ``el`` whose result Word computes (not in
    :data:`TYPED_FIELDS`), in document order of their ends: the kind is the field code's first
    word (DATE, USERNAME; "=" for a formula). Simple fields and fields spread over runs (begin,
    code, separate, result, end) alike; the text of a field inside another counts for both."""
    found: list[tuple[str, str]] = []
    begun: list[_Field] = []
    for node in el.iter(FLD_SIMPLE, FLD_CHAR, INSTR_TEXT, T):
        if node.tag == FLD_SIMPLE:
            found.append((node.get(INSTR) or "", text_of(node)))
        elif node.tag == FLD_CHAR:
            kind = node.get(FLD_CHAR_TYPE)
            if kind == "begin":
                begun.append(_Field())
            elif begun and kind == "separate":
                begun[-1].in_result = True
            elif begun and kind == "end":
                field = begun.pop()
                found.append((field.code, field.shown))
        elif node.tag == INSTR_TEXT and begun and not begun[-1].in_result:
            begun[-1].code += node.text or ""
        elif node.tag == T:
            for field in (f for f in begun if f.in_result):
                field.shown += node.text or ""
    kinds = [("=" if code.strip().startswith("=") else (code.split() or [""])[0].upper(), shown.strip()) for code, shown in found]
    return [(kind, shown) for kind, shown in kinds if kind and kind not in TYPED_FIELDS]


@dataclass
class _Field:
    """A field spread over runs, as far as it has been read."""

    code: str = ""
    shown: str = ""
    in_result: bool = False


def _may_be_struck(el: etree._Element) -> bool:
    """Whether ``el`` holds any strike or hidden property at all: most text holds none, and then
    no run of it is checked."""
    return next(el.iter(*STRUCK), None) is not None


def _struck(run: etree._Element) -> str | None:
    """How ``run`` is taken out of the text (a value of :data:`STRUCK`), or None."""
    props = run.find(RPR)
    for flag in props if props is not None else ():
        how = STRUCK.get(flag.tag)
        if how and (flag.get(VAL) or "on").lower() not in TOGGLE_OFF:
            return how
    return None


def _run_text(run: etree._Element, *, struck: bool = True) -> str:
    """A run's text; "" when it is struck through or hidden (checked only where ``struck`` says
    its element holds such runs)."""
    if struck and _struck(run):
        return ""
    fonts = run.find(RFONTS)
    font = (fonts.get(f"{{{W}}}ascii") or "").lower() if fonts is not None else ""
    out = []
    for child in run:
        if child.tag == T:
            text = child.text or ""
            out.append(WINGDINGS_BOXES.get((font, text), text) if font.startswith("wingdings") else text)
        elif child.tag == TAB:
            out.append(" ")
        elif child.tag in (BR, CR):
            out.append("\n")
        elif child.tag == NB_HYPHEN:
            out.append("-")
        elif child.tag == SYM:
            out.append(_symbol(child))
    return "".join(out)


def _symbol(sym: etree._Element) -> str:
    """A ``w:sym`` box symbol as ☒/☐; other symbols are not text a reader needs."""
    font = (sym.get(f"{{{W}}}font") or "").lower()
    code = sym.get(f"{{{W}}}char") or ""
    try:
        char = chr(int(code, 16) & 0xFF)
    except ValueError:
        return ""
    return WINGDINGS_BOXES.get((font, char), "")


def _tidy(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.split("\n")).strip()


def sdt_property(sdt: etree._Element, name: str) -> str:
    """The ``w:val`` of a control's ``w:tag``, ``w:alias`` … ("" when it has none)."""
    prop = sdt.find(f"{{{W}}}sdtPr/{{{W}}}{name}")
    return (prop.get(f"{{{W}}}val") or "") if prop is not None else ""


def is_checkbox(sdt: etree._Element) -> bool:
    return sdt.find(f"{{{W}}}sdtPr/{{{W14}}}checkbox") is not None


def checkbox_state(sdt: etree._Element) -> tuple[bool, bool]:
    """(checked, consistent) of a ``w14:checkbox`` control: its state, and whether the glyph
    it shows agrees with that state."""
    box = sdt.find(f"{{{W}}}sdtPr/{{{W14}}}checkbox")
    checked = box.xpath("string(w14:checked/@w14:val)", namespaces=NS).lower() in ("1", "true", "on")
    glyph = text_of(sdt.find(f"{{{W}}}sdtContent"))
    return checked, glyph == "" or (glyph in TICK_GLYPHS) == checked


def cell_text(cell: etree._Element) -> tuple[str, bool]:
    """A table cell's text with LibreOffice's split controls put back together.

    Returns (text, clean); clean is False when a run of same-alias controls does not follow
    LibreOffice's pattern, so the text cannot be trusted.
    """
    lines, clean = [], True
    for p in paragraphs(cell):
        pieces: list[str] = []
        for alias, group in groupby((c for c in p if c.tag != PPR), key=_split_key):
            members = list(group)
            if alias is None:
                pieces.extend(text_of(c) if c.tag != R else _run_text(c) for c in members)
                continue
            text, ok = _rejoin(members)
            pieces.append(text)
            clean = clean and ok
        lines.append("".join(pieces))
    return _tidy("\n".join(lines)), clean


def _split_key(child: etree._Element) -> str | None:
    """The alias of a text control (which LibreOffice may have split), else None."""
    if child.tag != SDT or is_checkbox(child):
        return None
    return sdt_property(child, "alias") or None


def _rejoin(controls: Sequence[etree._Element]) -> tuple[str, bool]:
    """The text T of a run of split controls, and whether they follow LibreOffice's pattern:
    [T], then [piece, T] per script run of T (a leading non-CJK run has none), then [T]
    unless T ends in a non-CJK run."""
    if len(controls) == 1:
        return text_of(controls[0]), True
    texts = [[t.text or "" for t in c.iter(T)] for c in controls]
    whole = "".join(texts[0])
    rest = texts[1:-1] if texts[-1] == [whole] else texts[1:]
    pieces = "".join(t[0] for t in rest)
    lead = whole[: len(whole) - len(pieces)]
    ok = (
        len(texts[0]) == 1
        and all(len(t) == 2 and t[1] == whole for t in rest)
        and whole.endswith(pieces)
        and not any(_is_cjk(c) for c in lead)
    )
    return whole, ok


def looks_repeated(text: str) -> bool:
    """True when ``text`` repeats itself the way a twice-saved LibreOffice file does: a CJK
    stretch written twice in a row ("李思远李思远"), or a long stretch occurring twice."""
    if any(any(_is_cjk(c) for c in m.group(1)) for m in SQUARE.finditer(text)):
        return True
    size = defs.DOCX_REPEAT_WINDOW
    first_seen: dict[str, int] = {}
    for i in range(len(text) - size + 1):
        if i - first_seen.setdefault(text[i : i + size], i) >= size:
            return True
    return False


def _is_cjk(char: str) -> bool:
    """CJK radicals, punctuation, kana, ideographs, full-width forms (LibreOffice's "Asian")."""
    return ord(char) >= 0x2E80


@dataclass(frozen=True)
class Ticks:
    """Options read from text with box glyphs: the ticked ones, and what could not be placed."""

    ticked: tuple[str, ...]
    problems: tuple[str, ...]


def parse_ticks(text: str, options: Sequence[str]) -> Ticks:
    """Which ``options`` are ticked in ``text``, reading the box glyph(s) just before each label.

    Every option label must appear once, right after exactly one box; any other text or a
    tick mark that belongs to no option is a problem, never guessed at.
    """
    segments = list(_segments(text))
    wanted = {_squash(o): o for o in options}
    ticked, problems = [], []
    for option in options:
        found = [boxes for boxes, label in segments if label == _squash(option)]
        if len(found) != 1:
            problems.append(f"选项“{option}”" + ("找不到" if not found else "出现了多次"))
        elif len(found[0]) != 1:
            problems.append(f"选项“{option}”前" + ("没有勾选框" if not found[0] else "有多个勾选符号"))
        elif found[0][0]:
            ticked.append(option)
    for boxes, label in segments:
        if label and label not in wanted:
            problems.append(f"有无法对应到选项的文字“{label}”")
        elif not label and any(boxes):
            problems.append("有无法对应到选项的勾选符号")
    return Ticks(tuple(ticked), tuple(problems))


def _segments(text: str) -> Iterator[tuple[list[bool], str]]:
    """(boxes, label) pairs: the run of box glyphs before each stretch of text."""
    boxes: list[bool] = []
    label: list[str] = []
    for char in text:
        if char in TICK_GLYPHS or char in BOX_GLYPHS:
            if label and "".join(label).strip():
                yield boxes, _squash("".join(label))
                boxes, label = [], []
            boxes.append(char in TICK_GLYPHS)
        else:
            label.append(char)
    if boxes or "".join(label).strip():
        yield boxes, _squash("".join(label))


def _squash(text: str) -> str:
    """Text without any whitespace (ideographic spaces and line breaks included)."""
    return "".join(text.split())
