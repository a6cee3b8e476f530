"""Where the data files live: inside an installed wheel, or at the top of a source checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_CHECKOUT = _PACKAGE.parent


def _data_dir(name: str) -> Path:
    # A wheel carries forms/, templates/ and samples/ under pipeline/_data (see pyproject);
    # a checkout or editable install keeps them at the repository's top level.
    installed = _PACKAGE / "_data" / name
    return installed if installed.is_dir() else _CHECKOUT / name


def forms_dir() -> Path:
    return _data_dir("forms")


def templates_dir() -> Path:
    return _data_dir("templates")


def samples_dir() -> Path:
    return _data_dir("samples")
