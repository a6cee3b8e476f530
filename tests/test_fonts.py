"""Font discovery, per-character fallback, and text that survives extraction (real fonts, real PDFs)."""

from __future__ import annotations

from pathlib import Path

import pdfplumber
import pytest
from reportlab.pdfgen.canvas import Canvas

from pipeline import defs
from pipeline.errors import FontCoverageError
from pipeline.render.fonts import default_fonts, discover_font_files, load_fonts
from pipeline.render.pen import Pen

UKAI = Path("/usr/share/fonts/truetype/arphic/ukai.ttc")
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
NOTO_CFF = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")


def test_runs_print_rare_characters_from_a_fallback_font() -> None:
    fonts = default_fonts()
    runs = fonts.runs("李𬱖住𠇔村")
    assert "".join(text for _, text in runs) == "李𬱖住𠇔村"
    by_char = {text: name for name, text in runs}
    assert by_char["李"] == fonts.primary
    assert by_char["𬱖"] != fonts.primary
    assert fonts.missing("李𬱖 𠇔某\n") == ""


def test_missing_names_characters_no_font_has() -> None:
    fonts = default_fonts()
    assert fonts.missing("张\ue000三\U0003fffe\ue000") == "\ue000\U0003fffe"
    with pytest.raises(FontCoverageError, match="U\\+E000"):
        fonts.runs("张\ue000")


def test_extracted_text_keeps_characters_outside_the_bmp(tmp_path: Path) -> None:
    # Pins the ToUnicode replacement in fonts.py: stock reportlab makes pdfplumber read 𬱖 as ⳅ.
    out = tmp_path / "rare.pdf"
    canvas = Canvas(str(out))
    pen = Pen(canvas, default_fonts(), 297.0)
    pen.text("李𬱖 与 𠇔某", 20, 30, 12)
    canvas.save()
    with pdfplumber.open(out) as pdf:
        assert pdf.pages[0].extract_text().strip() == "李𬱖 与 𠇔某"


def test_fonts_from_environment_come_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(defs.FONTS_ENV, str(UKAI))
    fonts = load_fonts()
    assert fonts.paths[0] == UKAI
    assert "ukai" in fonts.runs("家")[0][0]
    assert len(fonts.paths) == len(set(p.resolve() for p in fonts.paths))


def test_paths_argument_comes_before_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(defs.FONTS_ENV, str(UKAI))
    files = discover_font_files([DEJAVU])
    assert files[:2] == [DEJAVU, UKAI]


def test_missing_font_file_is_an_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(defs.FONTS_ENV, str(tmp_path / "nope.ttf"))
    with pytest.raises(FontCoverageError, match="nope.ttf"):
        load_fonts()


@pytest.mark.skipif(not NOTO_CFF.is_file(), reason="Noto CJK (CFF) not installed")
def test_cff_font_given_explicitly_is_rejected() -> None:
    with pytest.raises(FontCoverageError, match="TrueType"):
        load_fonts([NOTO_CFF])


def test_no_cjk_font_tells_how_to_install_one() -> None:
    with pytest.raises(FontCoverageError, match="fonts-wqy-zenhei"):
        load_fonts([DEJAVU], system=False)
