"""Page identity: form ids and the compact QR payload printed on every page.

Payload (QR alphanumeric mode, fits a version-3 symbol at level Q):
``JF1/<school>/<form id>/<page>-<pages>/<layout hash>`` for a form page and
``JF1/<school>/BLANK/<seq>-0/<batch>`` for an intentional blank (duplex padding) page.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from pipeline import defs

# Crockford base32: no I, L, O, U, so a printed id survives OCR and handwriting.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
FORM_PREFIX = {"record": "R", "outline": "O", "memo": "M"}
BLANK = "BLANK"


def form_kind(form_id: str | None) -> str | None:
    """The form ("record", "outline", "memo") a form id was issued for, by its first letter."""
    return next((kind for kind, prefix in FORM_PREFIX.items() if form_id and form_id.startswith(prefix)), None)


def new_form_id(form_id: str, choice: Callable[[str], str] = secrets.choice) -> str:
    """A fresh, unguessable form id: form letter + 7 random symbols + 1 check symbol."""
    body = FORM_PREFIX.get(form_id, "X") + "".join(choice(_ALPHABET) for _ in range(7))
    return body + _check_symbol(body)


def seeded_form_ids(seed: int) -> Callable[[str], str]:
    """Form ids drawn from ``seed`` instead of the system's randomness: a stack printed twice
    with the same seed carries the same ids, so benchmarks compare versions on identical pages.
    Guessable, so never for forms that are handed out."""
    rng = random.Random(seed)
    return lambda form_id: new_form_id(form_id, rng.choice)


def is_valid_form_id(text: str) -> bool:
    """True when ``text`` has a form id's shape and its check symbol matches."""
    return (
        len(text) == 9
        and text[0] in FORM_PREFIX.values()
        and all(c in _ALPHABET for c in text[1:])
        and _check_symbol(text[:8]) == text[8]
    )


def _check_symbol(body: str) -> str:
    total = sum((i + 1) * (_ALPHABET.index(c) if c in _ALPHABET else ord(c)) for i, c in enumerate(body))
    return _ALPHABET[total % 32]


@dataclass(frozen=True)
class PagePayload:
    school: str
    form_id: str  # BLANK for a padding page
    page: int  # 1-based page of the form, or the padding page's sequence number
    pages: int  # page count of the form; 0 for a padding page
    layout_hash: str  # the form's layout hash, or the batch id for a padding page

    @property
    def is_blank(self) -> bool:
        return self.form_id == BLANK


def encode_payload(p: PagePayload) -> str:
    return f"{defs.PRODUCT_TAG}/{p.school}/{p.form_id}/{p.page}-{p.pages}/{p.layout_hash}"


def decode_payload(text: str) -> PagePayload | None:
    """Parse a QR text; None when it is not one of ours (another product, garbled)."""
    parts = text.strip().split("/")
    if len(parts) != 5 or parts[0] != defs.PRODUCT_TAG:
        return None
    _, school, form_id, pages_part, layout = parts
    page, _, count = pages_part.partition("-")
    if not (page.isdigit() and count.isdigit()):
        return None
    return PagePayload(school, form_id, int(page), int(count), layout)
