"""`pip install .` (not editable) gives a working `jiafang`: data files ship in the wheel."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.model import load_form

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_installed_in_a_fresh_venv_runs_jiafang(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = venv / "bin" / "pip"
    # The dependencies come from the running environment (installing them again is a minute of
    # unpacking wheels); the package itself, data files and all, from the wheel built here.
    site = next((venv / "lib").glob("python*/site-packages"))
    (site / "dependencies.pth").write_text("\n".join(p for p in sys.path if p.endswith("site-packages")), encoding="utf-8")
    subprocess.run([str(pip), "install", "-q", "--no-deps", str(ROOT)], check=True, cwd=tmp_path)
    jiafang = venv / "bin" / "jiafang"

    help_run = subprocess.run([str(jiafang), "--help"], capture_output=True, text=True, cwd=tmp_path)
    assert help_run.returncode == 0, help_run.stderr
    assert "jiafang" in help_run.stdout

    layout_run = subprocess.run(
        [str(jiafang), "forms", "layout", "record", "--json"], capture_output=True, text=True, cwd=tmp_path
    )
    assert layout_run.returncode == 0, layout_run.stderr
    assert json.loads(layout_run.stdout)["layout_hash"] == load_form("record").layout_hash

    where = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "from pipeline.resources import forms_dir, templates_dir, samples_dir; "
         "print(forms_dir()); print(templates_dir()); print(samples_dir())"],
        capture_output=True, text=True, cwd=tmp_path, check=True,
    )
    for line in where.stdout.split():
        assert Path(line).is_dir() and str(venv) in line, line
    assert list((Path(where.stdout.split()[1])).glob("*.docx")), "Word templates missing from the wheel"

    checked = subprocess.run([str(jiafang), "doctor"], capture_output=True, text=True, cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr  # OCR models and form texts in the wheel
