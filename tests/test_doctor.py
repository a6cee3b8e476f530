"""`jiafang doctor` says whether this machine can print and read forms, and what to fix."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from pipeline.cli import main
from pipeline.doctor import printed_text
from pipeline.model import load_form

ROOT = Path(__file__).resolve().parents[1]


def doctor(**env: str) -> subprocess.CompletedProcess[str]:
    """A fresh process, so the font chain and engine are built from ``env`` alone."""
    return subprocess.run(
        [sys.executable, "-m", "pipeline", "doctor"], capture_output=True, text=True, env={**os.environ, **env}
    )


def test_ready_machine_passes_every_check() -> None:
    run = doctor()
    assert run.returncode == 0, run.stdout + run.stderr
    assert "未通过" not in run.stdout
    assert "OCR" in run.stdout and "测试图片读对" in run.stdout


def test_printed_text_covers_the_form_labels() -> None:
    text = printed_text()
    for field in load_form("record").fields:
        assert set(field.label) <= set(text), field.id


def test_broken_font_file_fails_with_its_name(tmp_path: Path) -> None:
    bad = tmp_path / "坏字体.ttf"
    bad.write_bytes(b"not a font")
    run = doctor(JIAFANG_FONTS=str(bad))
    assert run.returncode == 1
    assert "[未通过] 打印字体" in run.stdout and "坏字体.ttf" in run.stdout


def test_unloadable_ocr_engine_fails_and_names_the_setting() -> None:
    run = doctor(JIAFANG_OCR_ENGINE="no_such_module:engine")
    assert run.returncode == 1
    assert "[未通过] OCR 识别引擎" in run.stdout and "JIAFANG_OCR_ENGINE" in run.stdout


def test_every_jiafang_command_the_makefile_runs_exists() -> None:
    commands = re.findall(r"\$\(BIN\)/jiafang ([a-z][a-z-]*)", (ROOT / "Makefile").read_text(encoding="utf-8"))
    assert commands
    for name in commands:
        assert CliRunner().invoke(main, [name, "--help"]).exit_code == 0, name


def test_opencv_missing_its_system_library_names_the_packages_to_install(tmp_path: Path) -> None:
    # A cv2 that fails to load as opencv-python's does on a system without libGL (the loader's
    # own words): the CLI must still start, and doctor says which Debian packages to install.
    fake = tmp_path / "cv2"
    fake.mkdir()
    (fake / "__init__.py").write_text(
        'raise ImportError("libGL.so.1: cannot open shared object file: No such file or directory")\n', encoding="utf-8"
    )
    path = os.pathsep.join(p for p in (str(tmp_path), os.environ.get("PYTHONPATH", "")) if p)
    run = doctor(PYTHONPATH=path)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "[未通过] OpenCV 图像库：缺少系统库 libGL.so.1" in run.stdout
    assert "apt-get install libgl1 libglib2.0-0" in run.stdout
    assert "Traceback" not in run.stderr
