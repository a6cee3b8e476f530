"""The word check of handwritten narrative lines (pipeline/recognize/wording.py, issue 12 item 4).

A faint or detached left radical leaves another real character that the recognizer can be sure
of: 建议 read as 建义, 认真 as 人真. Such a line passed unchecked with one wrong character. The
words around the character are the evidence its frames lack: a rival that makes a word (议 after
建) takes the character's confidence, so the line waits for a person, and the draft that person
sees has the rival in its place, still marked; a line read right keeps the recognizer's own
confidences. A 、 read as the radical 丶 is a misread mark, never sure.

The lines are set in the system's CJK fonts onto a registered page, one character's left part
erased, and read by the real recognizer through the narrative field reader.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from pipeline import defs
from pipeline.model.form import load_form
from pipeline.recognize.engine import default_engine
from pipeline.recognize.fields import recognize_field
from pipeline.recognize.ink import ink_map
from pipeline.recognize.lines import LineReading, read_lines
from pipeline.recognize.wording import word_checked, word_model
from pipeline.render.fonts import discover_font_files
from pipeline.synth.handwriting import px_box

FIELD = load_form("record").field("family_situation")
PAGE_PX = (2376, 1680)  # A4 at the registered 8 px/mm
EM = 40  # px: a 5 mm character
FONTS = {f.name: f for f in discover_font_files()}


def _page(lines: list[str], erase: tuple[int, int, float] | None = None, font: str = "ukai.ttc") -> np.ndarray:
    """A registered page with ``lines`` set in the field's guide-line bands; ``erase`` (line,
    character, share) blanks that share of the character's width from its left."""
    page = Image.new("L", PAGE_PX[::-1], 255)
    face = ImageFont.truetype(str(FONTS[font]), EM)
    draw = ImageDraw.Draw(page)
    for n, text in enumerate(lines):
        x, y, _, h = _band(n)
        draw.text((x + EM, y + h - EM - 6), text, font=face, fill=30)
    pixels = np.array(page)
    if erase is not None:
        n, k, share = erase
        x, y, _, h = _band(n)
        left = x + EM + int(face.getlength(lines[n][:k]))
        pixels[y : y + h, left : left + int(share * face.getlength(lines[n][k]))] = 255
    return pixels


def _band(line: int) -> tuple[int, int, int, int]:
    """The field's guide-line band ``line`` in the page's pixels."""
    x, y, w, h = px_box(FIELD.lines[line])
    return round(x), round(y), round(w), round(h)


def _line_reading(pixels: np.ndarray, line: int) -> LineReading:
    """The recognizer's own reading of one written line (its ink as the field reader hands it over)."""
    x, y, w, h = _band(line)
    ink = ink_map(pixels[y : y + h, x : x + w])
    return read_lines(default_engine(), [ink.line_image(round(defs.LINE_PAD * defs.REGISTERED_PX_PER_MM))])[0]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("font", "written", "position", "misread"),
    [("ukai.ttc", "也想听听您对我们工作的建议。", 12, "义"), ("uming.ttc", "上课认真听讲，作业能按时完成。", 2, "人")],
)
def test_a_character_read_without_its_radical_sends_its_line_to_review(font: str, written: str, position: int, misread: str) -> None:
    pixels = _page([written], erase=(0, position, 0.4), font=font)
    alone = _line_reading(pixels, 0)
    assert alone.text[position] == misread, alone.text
    assert alone.char_confidences[position] >= defs.NARRATIVE_CHAR_AUTO_MIN, "the recognizer alone is sure of the wrong character"
    (line,) = recognize_field(pixels, FIELD, engine=default_engine()).lines
    assert line.text == alone.text, "the frames are surer of it than the words (counted once) of the rival: the draft keeps it"
    assert line.chars[position] < defs.NARRATIVE_CHAR_AUTO_MIN
    assert not line.accepted


@pytest.mark.slow
def test_a_character_the_words_make_likelier_than_the_one_read_takes_its_place_in_the_draft() -> None:
    """融洽 with the left 40 % of 融 gone reads 蚀洽; the frames leave room for 融, and 融洽 is a
    word: the draft a person reviews says 融洽, the character marked, the line not accepted."""
    written = "与同学相处融洽，积极参加劳动。"
    pixels = _page([written], erase=(0, 5, 0.4), font="ukai.ttc")
    alone = _line_reading(pixels, 0)
    assert alone.text[5] != written[5], alone.text
    (line,) = recognize_field(pixels, FIELD, engine=default_engine()).lines
    assert line.text == written
    assert line.chars[5] < defs.NARRATIVE_CHAR_AUTO_MIN
    assert not line.accepted


@pytest.mark.slow
def test_a_character_that_already_makes_a_word_keeps_its_reading_in_the_draft() -> None:
    """融洽 with a sliver of 洽's water radical gone: 洽 is doubted (the commoner 融合 is near on
    its frames, and words would count 合 likelier), but 洽 makes a word as read, so the draft
    keeps it: a fluent wrong word is the correction a reviewer would pass over."""
    written = "与同学相处融洽，积极参加劳动。"
    pixels = _page([written], erase=(0, 6, 0.2), font="wqy-zenhei.ttc")
    assert _line_reading(pixels, 0).text == written
    (line,) = recognize_field(pixels, FIELD, engine=default_engine()).lines
    assert line.text == written
    assert line.chars[6] < defs.NARRATIVE_CHAR_AUTO_MIN


@pytest.mark.slow
def test_a_line_read_right_keeps_the_recognizers_own_confidences() -> None:
    written = "也想听听您对我们工作的建议。"
    pixels = _page([written])
    alone = _line_reading(pixels, 0)
    (line,) = recognize_field(pixels, FIELD, engine=default_engine()).lines
    assert line.text == written
    assert line.chars == pytest.approx(alone.char_confidences)


@pytest.mark.slow
def test_a_word_broken_across_a_line_end_is_judged_whole() -> None:
    """建议 wrapped after 建, its 议 read as 义 without its radical: on its own line no word
    doubts the 义; the word it breaks with the line above does."""
    pixels = _page(["也想听听您对我们工作的建", "议。"], erase=(1, 0, 0.4))
    above, below = _line_reading(pixels, 0), _line_reading(pixels, 1)
    assert below.text.startswith("义"), below.text
    (alone,) = word_checked([[below]])
    assert alone[0][1] == below.char_confidences[0], "on its own line no word doubts it"
    _, joined = word_checked([[above], [below]])
    assert joined[0][1] < min(defs.NARRATIVE_CHAR_AUTO_MIN, below.char_confidences[0])
    lines = recognize_field(pixels, FIELD, engine=default_engine()).lines
    assert [line.text for line in lines] == [above.text, below.text]
    assert not lines[1].accepted


def test_a_line_that_reads_as_nothing_keeps_its_place_among_the_checked_lines() -> None:
    blank = read_lines(default_engine(), [np.full((48, 200), 255, np.uint8)])[0]
    assert blank.text == ""
    checked = word_checked([[blank], [blank]])
    assert checked == [[], []]


def test_the_word_model_knows_which_characters_make_a_word_with_a_neighbour() -> None:
    words = word_model()
    assert "议" in words.neighbours("建", "")
    assert "沟" in words.neighbours("", "通")
    assert words.gain("感射老师", 1, "谢") > 0 > words.gain("感谢老师", 1, "射")



@pytest.mark.slow
def test_an_enumeration_comma_read_as_the_radical_keeps_its_line_for_a_person() -> None:
    """In AR PL UMing the recognizer reads 、 as 丶 (the radical) with every other character sure:
    丶 is never a word of running text, so it is a misread mark and never sure; the draft has the
    、 its frames favour back in its place."""
    written = "与家长建立一种超越普通师生关系的、更为紧密的联系，"
    pixels = _page([written], font="uming.ttc")
    assert "丶" in _line_reading(pixels, 0).text
    mark = written.index("、")
    (line,) = recognize_field(pixels, FIELD, engine=default_engine()).lines
    assert line.text == written
    assert line.chars[mark] == 0.0
    assert min(c for i, c in enumerate(line.chars) if i != mark) >= defs.NARRATIVE_CHAR_AUTO_MIN, "the mark alone holds it back"
    assert not line.accepted


def _dotted(before: str, after: str, font: str) -> np.ndarray:
    """A line with a filled dot, the way a quick 。 is written, between ``before`` and ``after``."""
    pixels = _page([before + "　" + after], font=font)
    x, y, _, h = _band(0)
    left = x + EM + int(ImageFont.truetype(str(FONTS[font]), EM).getlength(before))
    cv2.circle(pixels, (left + EM // 4, y + h - 14), 5, 30, -1)
    return pixels


@pytest.mark.slow
@pytest.mark.parametrize("font", ["ukai.ttc", "uming.ttc", "wqy-zenhei.ttc"])
def test_a_sentence_end_read_as_a_dot_is_punctuation_in_the_draft_and_stays_marked(font: str) -> None:
    pixels = _dotted("孩子在家能按时完成作业", "家长很满意。", font)
    assert _line_reading(pixels, 0).text[11] == "·", "the recognizer reads the written dot as a middle dot"
    (line,) = recognize_field(pixels, FIELD, engine=default_engine()).lines
    assert line.text[11] in defs.NARRATIVE_MARK_MEANINGS
    assert line.text[:11] + line.text[12:] == "孩子在家能按时完成作业家长很满意。"
    assert line.chars[11] == 0.0
    assert not line.accepted


@pytest.mark.slow
@pytest.mark.parametrize("written", ["阿依古丽·买买提来自新疆。", "这次成绩提高了3.5分。"])
def test_a_middle_dot_in_a_name_and_a_decimal_point_stay_as_written_in_the_draft(written: str) -> None:
    """Their frames give 。，、 next to nothing (a name's dot) or they sit between digits."""
    (line,) = recognize_field(_page([written], font="ukai.ttc"), FIELD, engine=default_engine()).lines
    assert line.text.replace("．", ".") == written
    assert not line.accepted
