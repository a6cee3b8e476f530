"""The OCR engine runs the PP-OCRv4 models shipped inside an installed wheel (issue 12 item 8):
the very files rapidocr-onnxruntime 1.4.4 carried, now from rapidocr 3.8, which installs on
Python 3.10–3.13. Same files and same pre- and post-processing give the same readings
(bench/ocr_same.py compares two stacks crop by crop)."""

from __future__ import annotations

import hashlib
import sysconfig
from pathlib import Path

from pipeline.recognize.engine import model_paths

# sha256 of the PP-OCRv4 files inside rapidocr_onnxruntime 1.4.4, the previous engine.
PP_OCR_V4 = {
    "Det": "d2a7720d45a54257208b1e13e36a8479894cb74155a5efe29462512d42f49da9",
    "Rec": "48fc40f24f6d2a207a2b1091d3437eb3cc3eb6b676dc3ef9c37384005483683b",
}


def test_engine_models_are_the_pp_ocr_v4_files_of_the_installed_wheel() -> None:
    paths = model_paths()
    installed = Path(sysconfig.get_paths()["purelib"]).resolve()
    for section, digest in PP_OCR_V4.items():
        assert paths[section].resolve().is_relative_to(installed), paths[section]
        assert hashlib.sha256(paths[section].read_bytes()).hexdigest() == digest, section
