"""The roster as a lexicon: handwritten names scored against the roster on the recognizer's
own frames (real OCR on real drawn handwriting)."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline import defs
from pipeline.model.people import Student, Teacher
from pipeline.recognize import Lexicon, default_engine, read_short_text, resolve
from pipeline.recognize.ctc import BLANK
from pipeline.recognize.lexicon import SPACE_CHARS
from pipeline.synth.handwriting import HandwritingStyle, draw_text, handwriting_font

PX = defs.REGISTERED_PX_PER_MM
STUDENT = Student(
    "G990102201201010011", "孙丽华", "七年级（1）班", guardian_name="孙建国", guardian_relation="父亲",
)
TEACHERS = (
    Teacher("T001", "林春燕", "班主任", ("七年级（1）班",)),
    Teacher("T002", "陈思远", "科任教师", ("七年级（1）班",)),
    Teacher("T003", "唐春燕", "科任教师", ("八年级（1）班",)),  # one character from the 班主任
)
LEXICON = Lexicon.from_roster(STUDENT, TEACHERS, STUDENT.class_name)
HAND = HandwritingStyle(
    font_path=handwriting_font(), glyph_mm=4.6, digit_fill=0.72, slant=2.0, angle_jitter=1.5,
    size_jitter=0.04, baseline_jitter=0.03, spacing=1.0, stroke_mm=0.04, pen_mm=0.4, ink=40,
)


def written(text: str, seed: int = 1):
    box = np.full((round(8 * PX), round(150 * PX)), 255, np.uint8)
    draw_text(box, (0, 0, box.shape[1], box.shape[0]), text, style=HAND, rng=np.random.default_rng(seed))
    reading = read_short_text(box, default_engine())
    assert reading is not None
    return reading


def test_lexicon_offers_the_roster_values_a_reading_may_be_a_misreading_of() -> None:
    assert set(LEXICON.candidates("孙酒华", "person")) == {"孙丽华"}
    assert set(LEXICON.candidates("父亲孙建目", "person")) == {"父亲孙建国"}
    assert LEXICON.candidates("林春燕、陈思达", "teacher")["林春燕、陈思远"] == ("林春燕、陈思远", "林春燕陈思远")
    assert "唐春燕" in LEXICON.candidates("唐春燕", "teacher")  # teaches another class, may join a visit
    # separator dropped; the name one character away is a rival the recognizer must rule out
    assert set(list(LEXICON.candidates("林春燕陈思远", "teacher"))[:2]) == {"林春燕、陈思远", "唐春燕、陈思远"}
    assert LEXICON.candidates("学生家中", "person") == {}


@pytest.mark.slow
@pytest.mark.parametrize("name", ["林春燕", "唐春燕"])
def test_a_teacher_one_character_from_another_is_confirmed_by_what_the_image_shows(name: str) -> None:
    found = resolve(written(name), LEXICON, "teacher")
    assert found.text == name and found.confirmed
    assert found.confidence >= defs.AUTO_MIN_CONFIDENCE


@pytest.mark.slow
def test_teacher_names_written_without_a_separator_come_back_as_the_list() -> None:
    found = resolve(written("林春燕陈思远"), LEXICON, "teacher")
    assert found.text == "林春燕、陈思远" and found.confirmed


@pytest.mark.slow
def test_a_guardian_written_with_the_relation_is_confirmed_as_the_roster_writes_it() -> None:
    found = resolve(written("父亲 孙建国"), LEXICON, "person")
    assert found.text == "父亲孙建国" and found.confirmed


@pytest.mark.slow
def test_a_name_the_roster_does_not_know_is_kept_as_read_and_not_confirmed() -> None:
    reading = written("周晓明")
    found = resolve(reading, LEXICON, "teacher")
    assert not found.confirmed and found.text == reading.text.strip()


@pytest.mark.slow
def test_without_a_lexicon_the_confidence_is_the_probability_of_the_text_read() -> None:
    reading = written("学生家中")
    found = resolve(reading, None, "person")
    spaceless = reading.merged(SPACE_CHARS, into=BLANK)  # a space the recognizer sees counts for nothing
    assert found.text == "学生家中" and found.confidence == pytest.approx(spaceless.confidence)
    assert found.confidence >= reading.confidence
    assert 0 < found.confidence <= 1



GRANDMOTHER_KEPT = Student(  # the roster says 祖母; teachers write 奶奶
    "G990102201201010012", "吴明", "七年级（1）班", guardian_name="蒋红霞", guardian_relation="祖母", caregiver="祖母",
)


def test_a_teacher_list_is_found_from_the_whole_field_when_a_name_is_misread_and_the_separator_lost() -> None:
    # 陈思远 read as 陈思达 with no 、 left: no part of the text is a name on its own
    assert "林春燕、陈思远" in LEXICON.candidates("林春燕陈思达", "teacher")
    assert "陈思远、林春燕" in LEXICON.candidates("陈思远，林春蒸", "teacher")


@pytest.mark.slow
@pytest.mark.parametrize("separator", ["、", "，", ",", " "])
def test_two_teachers_are_confirmed_whatever_separates_them(separator: str) -> None:
    found = resolve(written(f"林春燕{separator}陈思远"), LEXICON, "teacher")
    assert found.text == "林春燕、陈思远" and found.confirmed
    assert found.confidence >= defs.AUTO_MIN_CONFIDENCE


@pytest.mark.slow
@pytest.mark.parametrize(("text", "expected"), [("奶奶 蒋红霞", "奶奶蒋红霞"), ("外婆", "外婆"), ("父母", "父母")])
def test_an_interviewee_written_with_an_everyday_relation_word_is_confirmed(text: str, expected: str) -> None:
    lexicon = Lexicon.from_roster(GRANDMOTHER_KEPT, TEACHERS, GRANDMOTHER_KEPT.class_name)
    found = resolve(written(text), lexicon, "person")
    assert found.text == expected and found.confirmed
    assert found.confidence >= defs.AUTO_MIN_CONFIDENCE


@pytest.mark.slow
@pytest.mark.parametrize("name", ["林春燕", "唐春燕"])
def test_a_teachers_name_is_favoured_on_their_own_classs_forms_and_not_on_another_classs(name: str) -> None:
    reading = written(name)
    own_class = next(t.classes[0] for t in TEACHERS if t.name == name)
    other_class = next(t.classes[0] for t in TEACHERS if t.name != name and t.classes[0] != own_class)
    on_own = resolve(reading, Lexicon.from_roster(STUDENT, TEACHERS, own_class), "teacher")
    on_other = resolve(reading, Lexicon.from_roster(STUDENT, TEACHERS, other_class), "teacher")
    assert on_own.text == on_other.text == name and on_own.confirmed and on_other.confirmed
    assert on_own.confidence > on_other.confidence


def test_a_list_loses_prior_weight_for_each_teacher_of_another_class() -> None:
    assert LEXICON.prior("林春燕、陈思远", "teacher") == 1.0
    assert LEXICON.prior("林春燕、唐春燕", "teacher") == pytest.approx(defs.LEXICON_OTHER_CLASS_WEIGHT)
    eighth = Lexicon.from_roster(STUDENT, TEACHERS, "八年级（1）班")
    assert eighth.prior("唐春燕", "teacher") == 1.0 and eighth.prior("林春燕", "teacher") < 1.0


def test_a_verified_place_naming_a_relative_offers_the_same_place_for_every_relative() -> None:
    lexicon = Lexicon.from_roster(STUDENT, TEACHERS, STUDENT.class_name, places=("学生外祖母家", "学校会议室"))
    assert "学生父亲家" in lexicon.candidates("学生父亲家", "place")
    assert "学生祖母家" in lexicon.candidates("学生祖母家", "place")  # not 学生外祖祖母家
    assert "学校会议室" in lexicon.candidates("学校会议宝", "place")


@pytest.mark.slow
def test_a_verified_place_confirms_the_same_place_written_again() -> None:
    reading = written("镇卫生院", seed=2)
    without = resolve(reading, LEXICON, "place")
    with_history = resolve(reading, Lexicon.from_roster(STUDENT, TEACHERS, STUDENT.class_name, places=("镇卫生院", "学生家中")), "place")
    assert not without.confirmed and without.confidence < defs.SHORT_TEXT_AUTO_MIN  # alone: review
    assert with_history.text == "镇卫生院" and with_history.confirmed
    assert with_history.confidence >= defs.AUTO_MIN_CONFIDENCE
