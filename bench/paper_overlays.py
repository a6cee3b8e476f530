"""The layout drawn on hard paper: a pencil page and a duplex show-through page (issue 12).

Fills one record form of the sample school twice — once by a stroke writer in pencil on a clean
grey scan, once by a stroke writer in pen on sheets whose back shows through (scanner profile
``duplex``) — and runs ``jiafang scan overlay`` on page 1 of each, so the boxes the reader cuts
can be checked against the writing.

    .venv/bin/python bench/paper_overlays.py     # → bench/out/scan-overlay-pencil.png, …-show-through.png
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
PAGES = {  # output name -> (scanner profile, share of writers in pencil)
    "scan-overlay-pencil.png": ("clean", 1.0),
    "scan-overlay-show-through.png": ("duplex", 0.0),
}


def main() -> None:
    from pipeline.generate import generate
    from pipeline.resources import samples_dir
    from pipeline.roster.importer import import_roster
    from pipeline.store.workspace import init_workspace
    from pipeline.synth.returns import HandMix, StackEvents, fill_returns

    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="jiafang-overlays-") as tmp:
        root = Path(tmp)
        ws = init_workspace(root / "ws", policy_path=samples_dir() / "policy.yaml")
        import_roster(ws, [samples_dir() / "roster.xlsx"])
        generate(ws, forms=["record"], formats=["pdf"], out_dir=root / "forms", class_name="七年级（1）班")
        ws.close()
        for name, (profile, pencil) in PAGES.items():
            filled = fill_returns(
                root / "forms" / "manifest.json", root / name, seed=12, limit=1, profile=profile,
                events=StackEvents.none(), hands=HandMix(stroke_share=1.0, pencil_share=pencil), pdf_per_class=False,
            )
            page = sorted(filled.files[0].iterdir())[0]
            command = [sys.executable, "-m", "pipeline", "scan", "overlay", str(page), "-w", str(root / "ws"), "--out", str(OUT / name)]
            subprocess.run(command, check=True)
            print(f"{profile} scan, pencil share {pencil:.0%}: {OUT / name}")


if __name__ == "__main__":
    main()
