"""Self-check of this machine before a campaign: Python, the fonts that print the forms, the
OCR models, the handwriting font of the synthetic returns. Each check says what to do when it
fails, so the office can fix a new PC before the first batch instead of during it."""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipeline.errors import JiafangError
from pipeline.resources import forms_dir, templates_dir

OCR_PROBE = "2025"  # drawn in OpenCV's own stroke font, so the OCR check needs no system font
# Shared libraries opencv-python's cv2 links that a bare system or a slim container may lack,
# with their Debian/Ubuntu packages (the Makefile's APT_RUNTIME installs them).
SYSTEM_LIBRARIES = {"libGL.so.1": "libgl1", "libglib-2.0.so.0": "libglib2.0-0", "libgthread-2.0.so.0": "libglib2.0-0"}


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    required: bool = True  # a failed optional check only limits what can be done (e.g. the demo)


def run_checks(workspace: Path | None = None, *, db_url: str | None = None) -> list[Check]:
    """Every check, in the order a person would fix them; the database of ``workspace`` last.

    The database check is required once there is a workspace or a database named (``db_url``
    or JIAFANG_DB_URL); on a PC with neither it only says how to make one.
    """
    checks = [_guarded(name, check, required) for name, check, required in _CHECKS]
    if workspace is not None:
        checks.append(_guarded("数据库", lambda: _database(workspace, db_url), _database_named(workspace, db_url)))
    return checks


def healthy(checks: list[Check]) -> bool:
    return all(c.ok for c in checks if c.required)


def _guarded(name: str, check: Callable[[], str], required: bool) -> Check:
    try:
        return Check(name, True, check(), required)
    except ImportError as exc:
        return Check(name, False, import_advice(exc), required)
    except (JiafangError, OSError, RuntimeError) as exc:
        return Check(name, False, str(exc), required)


def import_advice(exc: ImportError) -> str:
    """What to install when a module does not load: the system package of a shared library the
    loader names ("libGL.so.1: cannot open shared object file"), else the Python package."""
    found = re.search(r"lib[\w+-]+(?:\.[\w+-]+)*\.so(?:\.\d+)*", str(exc))
    if found is None:
        return f"Python 模块 {exc.name or ''} 没有安装或已损坏：请重新安装 jiafang（make setup）"
    library = found.group(0)
    package = SYSTEM_LIBRARIES.get(library)
    if package is None:
        return f"缺少系统库 {library}：请用系统的软件包管理器安装提供它的软件包"
    return f"缺少系统库 {library}：Debian/Ubuntu 请运行 sudo apt-get install {' '.join(sorted(set(SYSTEM_LIBRARIES.values())))}"


def _python() -> str:
    if sys.version_info < (3, 10):  # noqa: UP036 - `python -m pipeline` from a checkout skips pip's requires-python
        raise RuntimeError(f"当前 Python {sys.version.split()[0]}，需要 3.10 或更高版本")
    return f"Python {sys.version.split()[0]}"


def _fonts() -> str:
    from pipeline.render.fonts import default_fonts

    fonts = default_fonts()
    missing = fonts.missing(printed_text())
    if missing:
        raise RuntimeError(f"表单和提纲中有字符没有字体能打印：{missing}。请安装更全的中文字体，或用 JIAFANG_FONTS 指定字体文件")
    chain = "、".join(p.name for p in fonts.paths[:3])
    more = f" 等 {len(fonts.paths)} 个" if len(fonts.paths) > 3 else ""
    return f"表单与提纲的全部字符都能打印；字体：{chain}{more}"


def printed_text() -> str:
    """Every character the shipped form definitions and outline templates can print."""
    files = [*forms_dir().glob("*.yaml"), *(templates_dir() / "outline").glob("*.j2")]
    return "".join(sorted({c for f in files for c in f.read_text(encoding="utf-8") if not c.isspace()}))


def _opencv() -> str:
    import cv2  # here, not at the top: a cv2 that cannot load is what this check reports

    return f"OpenCV {cv2.__version__}"


def _ocr() -> str:
    import cv2

    from pipeline.recognize import default_engine, read_line

    image = np.full((48, 160), 255, np.uint8)
    cv2.putText(image, OCR_PROBE, (8, 38), cv2.FONT_HERSHEY_SIMPLEX, 1.2, 0, 3, cv2.LINE_AA)
    started = time.perf_counter()
    engine = default_engine()
    loaded = time.perf_counter() - started
    reading = read_line(engine, image)
    if reading.text != OCR_PROBE:
        raise RuntimeError(f"OCR 引擎把测试图片“{OCR_PROBE}”读成了“{reading.text}”：模型文件可能损坏，请重新安装（make setup）")
    return f"{type(engine).__name__} 已加载（{loaded:.1f} 秒），测试图片读对"


def _hand_font() -> str:
    from pipeline.synth.handwriting import handwriting_font

    path: Path = handwriting_font()
    return str(path)


def _database(workspace: Path, db_url: str | None) -> str:
    from pipeline.store.workspace import describe_database

    return describe_database(workspace, db_url=db_url)


def _database_named(workspace: Path, db_url: str | None) -> bool:
    from pipeline.store.workspace import DB_URL_ENV, workspace_exists

    return bool(db_url or os.environ.get(DB_URL_ENV)) or workspace_exists(workspace)


_CHECKS: tuple[tuple[str, Callable[[], str], bool], ...] = (
    ("Python", _python, True),
    ("OpenCV 图像库", _opencv, True),
    ("打印字体", _fonts, True),
    ("OCR 识别引擎", _ocr, True),
    ("模拟手写字体（演示与测试用）", _hand_font, False),
)
