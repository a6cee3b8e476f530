"""CJK fonts for the print PDF: discovery on Linux, Windows and macOS, per-character fallback.

No single free TrueType font covers every name a roster holds (李𬱖 needs an Ext-B font), and
reportlab draws a character its font lacks as an empty glyph without complaint. So a
:class:`FontSet` keeps a chain of fonts, prints every character in the first font that has it,
and tells the caller which characters no font has, before anything is drawn.
"""

from __future__ import annotations

import os
import sys
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from fontTools.ttLib import TTFont as ToolsFont
from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.ttfonts import TTFont

from pipeline import defs
from pipeline.errors import FontCoverageError

_PROBE = "中"  # a font that lacks this is no CJK font
_INSTALL_HINT = (
    "请安装中文 TrueType 字体（Debian/Ubuntu：apt install fonts-wqy-zenhei fonts-hanazono；"
    f"Windows 自带宋体/黑体即可），或用环境变量 {defs.FONTS_ENV} 指定字体文件（.ttf/.ttc）"
)


def _to_unicode_cmap(fontname: str, subset: list[int]) -> str:
    """reportlab's ToUnicode CMap, with characters outside the BMP as UTF-16BE surrogates.

    reportlab 4/5 writes such a code point as raw hex (``<2CC56>``), which is not a valid
    UTF-16BE destination, so text extraction (pdfplumber, copy-paste, search) turns 𬱖 into
    'ⳅ'. ttfonts looks the function up by name at call time, so replacing the module attribute
    fixes every font written afterwards.
    """
    entries = [f"<{i:02X}> <{(chr(v).encode('utf-16-be')).hex().upper()}>" for i, v in enumerate(subset)]
    return "\n".join(
        [
            "/CIDInit /ProcSet findresource begin",
            "12 dict begin",
            "begincmap",
            "/CIDSystemInfo",
            f"<< /Registry ({fontname})",
            f"/Ordering ({fontname})",
            "/Supplement 0",
            ">> def",
            f"/CMapName /{fontname} def",
            "/CMapType 2 def",
            "1 begincodespacerange",
            f"<00> <{len(subset) - 1:02X}>",
            "endcodespacerange",
            f"{len(subset)} beginbfchar",
            *entries,
            "endbfchar",
            "endcmap",
            "CMapName currentdict /CMap defineresource pop",
            "end",
            "end",
        ]
    )


ttfonts.makeToUnicodeCMap = _to_unicode_cmap


def font_dirs() -> list[Path]:
    """System font folders of this platform, in the order they are searched."""
    home = Path.home()
    if sys.platform == "win32":
        windir = Path(os.environ.get("WINDIR", r"C:\Windows"))
        local = Path(os.environ.get("LOCALAPPDATA", home / "AppData" / "Local"))
        return [windir / "Fonts", local / "Microsoft" / "Windows" / "Fonts"]
    if sys.platform == "darwin":
        return [
            Path("/System/Library/Fonts"),
            Path("/System/Library/Fonts/Supplemental"),
            Path("/Library/Fonts"),
            home / "Library" / "Fonts",
        ]
    return [
        Path("/usr/share/fonts"),
        Path("/usr/local/share/fonts"),
        home / ".local" / "share" / "fonts",
        home / ".fonts",
    ]


def discover_font_files(paths: list[Path] | None = None, *, system: bool = True) -> list[Path]:
    """Font files for the chain: ``paths``, then ``JIAFANG_FONTS``, then preferred system fonts."""
    explicit = _explicit_paths(paths)
    for path in explicit:
        if not path.is_file():
            raise FontCoverageError(f"找不到字体文件 {path}：请检查路径或环境变量 {defs.FONTS_ENV}")
    return _unique(explicit + (_system_fonts() if system else []))


def _explicit_paths(paths: list[Path] | None) -> list[Path]:
    env = os.environ.get(defs.FONTS_ENV, "")
    return [Path(p) for p in paths or []] + [Path(p) for p in env.split(os.pathsep) if p]


def _system_fonts() -> list[Path]:
    wanted = {name.lower(): rank for rank, name in enumerate(defs.FONT_FILES)}
    found: dict[str, Path] = {}
    for folder in font_dirs():
        if not folder.is_dir():
            continue
        for root, _dirs, files in os.walk(folder):
            for name in files:
                key = name.lower()
                if key in wanted and key not in found:
                    found[key] = Path(root) / name
    return [found[key] for key in sorted(found, key=wanted.__getitem__)]


def _unique(paths: list[Path]) -> list[Path]:
    seen: set[Path] = set()
    out = []
    for path in paths:
        resolved = path.resolve()
        if resolved not in seen:
            seen.add(resolved)
            out.append(path)
    return out


@dataclass
class _Font:
    """One font file of the chain; its cmap and reportlab registration load on first use."""

    path: Path
    explicit: bool
    _codepoints: frozenset[int] | None = None
    _name: str | None = None

    @property
    def codepoints(self) -> frozenset[int]:
        if self._codepoints is None:
            self._codepoints = _read_cmap(self.path, explicit=self.explicit)
        return self._codepoints

    @property
    def name(self) -> str:
        if self._name is None:
            self._name = _register(self.path)
        return self._name


@cache
def _read_cmap(path: Path, *, explicit: bool) -> frozenset[int]:
    """Code points of a TrueType font (first face of a collection); empty for CFF-only fonts."""
    try:
        font = ToolsFont(path, fontNumber=0, lazy=True)
        truetype = "glyf" in font
        cmap = font.getBestCmap() or {}
    except Exception as exc:  # fontTools raises many types for a damaged or foreign file
        if explicit:
            raise FontCoverageError(f"字体文件 {path} 无法读取（{exc}）") from exc
        return frozenset()
    if not truetype:
        if explicit:
            raise FontCoverageError(
                f"字体文件 {path} 是 CFF/OpenType 轮廓，PDF 生成器无法嵌入：请改用 TrueType 字体（.ttf/.ttc）"
            )
        return frozenset()
    return frozenset(cmap)


_REGISTERED: dict[Path, str] = {}


def _register(path: Path) -> str:
    """Register a font with reportlab once per process (embedded and subset when used)."""
    resolved = path.resolve()
    if resolved not in _REGISTERED:
        name = f"JF{len(_REGISTERED)}-{path.stem}"
        pdfmetrics.registerFont(TTFont(name, str(path), subfontIndex=0))
        _REGISTERED[resolved] = name
    return _REGISTERED[resolved]


@dataclass
class FontSet:
    """A chain of fonts; each character is printed in the first font that has it."""

    fonts: list[_Font]
    _choice: dict[str, int | None] = field(default_factory=dict)

    @property
    def primary(self) -> str:
        """reportlab name of the first CJK font (labels and titles start in it)."""
        return self.fonts[self._font_index(_PROBE)].name  # type: ignore[index]

    @property
    def paths(self) -> list[Path]:
        return [f.path for f in self.fonts]

    def runs(self, text: str) -> list[tuple[str, str]]:
        """Split ``text`` into (reportlab font name, substring) runs, in order."""
        runs: list[tuple[int, list[str]]] = []
        for char in text:
            index = self._run_font(char, runs[-1][0] if runs else None)
            if runs and runs[-1][0] == index:
                runs[-1][1].append(char)
            else:
                runs.append((index, [char]))
        return [(self.fonts[i].name, "".join(chars)) for i, chars in runs]

    def missing(self, text: str) -> str:
        """The distinct characters of ``text`` that no font in the chain can print, in order."""
        out = dict.fromkeys(c for c in text if not _is_control(c) and self._font_index(c) is None)
        return "".join(out)

    def _run_font(self, char: str, current: int | None) -> int:
        # Spaces stay in the current run's font when it has them: fewer font switches.
        if char.isspace() and current is not None and ord(char) in self.fonts[current].codepoints:
            return current
        index = self._font_index(" " if _is_control(char) else char)
        if index is None:
            raise FontCoverageError(f"没有字体能打印字符 {char!r}（U+{ord(char):04X}）。{_INSTALL_HINT}")
        return index

    def _font_index(self, char: str) -> int | None:
        if char not in self._choice:
            code = ord(char)
            self._choice[char] = next(
                (i for i, f in enumerate(self.fonts) if code in f.codepoints), None
            )
        return self._choice[char]


def _is_control(char: str) -> bool:
    return unicodedata.category(char) == "Cc"


def load_fonts(paths: list[Path] | None = None, *, system: bool = True) -> FontSet:
    """A font chain from ``paths``, ``JIAFANG_FONTS`` and (if ``system``) the system fonts."""
    explicit = {p.resolve() for p in _explicit_paths(paths)}
    files = discover_font_files(paths, system=system)
    fonts = FontSet([_Font(p, explicit=p.resolve() in explicit) for p in files])
    if not files or fonts.missing(_PROBE):
        raise FontCoverageError(f"没有找到可用的中文字体。{_INSTALL_HINT}")
    return fonts


@cache
def default_fonts() -> FontSet:
    """The process-wide font chain (system fonts, after ``JIAFANG_FONTS``)."""
    return load_fonts()


def string_width(runs: list[tuple[str, str]], size: float) -> float:
    """Width in points of text drawn run by run at ``size`` points."""
    return sum(pdfmetrics.stringWidth(text, name, size) for name, text in runs)
