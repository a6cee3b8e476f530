"""The dependencies: one wheel for each job (one OpenCV, one PDF object library), and
constraints.txt pinning every requirement once, within its range, on each supported Python."""

from __future__ import annotations

import ast
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

if sys.version_info >= (3, 11):
    import tomllib
else:  # pytest requires tomli below 3.11
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
SUPPORTED = ("3.10", "3.11", "3.12", "3.13")
EXTRAS = ("test", "postgres", "district")  # the extras `make lock` resolves
# Replaced by opencv-python (what rapidocr requires) and pikepdf (qpdf).
DROPPED = {"opencv-python-headless", "pypdf"}


def _environment(python: str) -> dict[str, str]:
    """Marker variables of 64-bit Linux CPython ``python``."""
    return {
        "python_version": python, "python_full_version": f"{python}.0", "sys_platform": "linux",
        "platform_system": "Linux", "os_name": "posix", "platform_machine": "x86_64",
        "implementation_name": "cpython", "platform_python_implementation": "CPython",
    }


def _requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    lines = [*project["dependencies"], *(r for extra in EXTRAS for r in project["optional-dependencies"][extra])]
    return [Requirement(line) for line in lines]


def _pins(python: str) -> dict[str, list[str]]:
    """Every version constraints.txt pins for a package on Linux under ``python``."""
    pins: dict[str, list[str]] = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith(("#", " ")):
            continue
        pin = Requirement(line)
        if pin.marker is None or pin.marker.evaluate(_environment(python)):
            pins.setdefault(canonicalize_name(pin.name), []).extend(s.version for s in pin.specifier)
    return pins


@pytest.mark.parametrize("python", SUPPORTED)
def test_constraints_pin_every_requirement_once_within_its_range(python: str) -> None:
    pins = _pins(python)
    assert {name: v for name, v in pins.items() if len(v) != 1} == {}
    for requirement in _requirements():
        if requirement.marker is not None and not requirement.marker.evaluate(_environment(python)):
            continue
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} has no pin for Python {python}: run `make lock LOCK_ARGS=`"
        assert requirement.specifier.contains(pins[name][0], prereleases=True), (name, pins[name], str(requirement.specifier))


def test_dropped_wheels_are_neither_required_nor_imported() -> None:
    assert {canonicalize_name(r.name) for r in _requirements()} & DROPPED == set()
    sources = [p for folder in ("pipeline", "bench", "tests") for p in sorted((ROOT / folder).rglob("*.py"))]
    importing = [
        str(path.relative_to(ROOT))
        for path in sources
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if (isinstance(node, ast.Import) and any(a.name.split(".")[0] == "pypdf" for a in node.names))
        or (isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "pypdf")
    ]
    assert importing == []


def test_cv2_comes_from_one_wheel() -> None:
    # Two wheels sharing one cv2 folder leave whichever installed last (`make setup` removes
    # a headless build left in an older venv).
    assert packages_distributions()["cv2"] == ["opencv-python"]
