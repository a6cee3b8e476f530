"""Scan ingest, image side: input files → page images → identified, registered pages.

Each step is a pure function on plain data (the ingest orchestration calls them in turn):
``scan_pages`` (load) → ``identify_page`` (QR, rotation, blank; ``two_up.halves`` cuts a scan of two
pages side by side into pages of their own) → ``register_page`` (markers,
homography, fit check) → ``warp_to_template`` (the registered page) → ``crop_mm`` (field boxes).
Debug views (a page's layout overlay, the checkbox gallery) are in ``pipeline.ingest.inspect``:
they place pages as the ingest does and read workspaces, which this package's steps never do.
"""

from pipeline.scan.geometry import crop_mm, mm_to_px, px_to_mm, registered_shape
from pipeline.scan.identify import (
    PageIdentity,
    PrintedFooter,
    form_id_in,
    identify_page,
    ink_ratio,
    is_blank,
    printed_form_id,
    read_footer,
)
from pipeline.scan.load import ScanPage, scan_pages
from pipeline.scan.register import (
    Registration,
    find_markers,
    overlay_registered,
    register_page,
    warp_to_template,
)

__all__ = [
    "PageIdentity",
    "PrintedFooter",
    "Registration",
    "ScanPage",
    "crop_mm",
    "find_markers",
    "form_id_in",
    "identify_page",
    "ink_ratio",
    "is_blank",
    "mm_to_px",
    "overlay_registered",
    "printed_form_id",
    "px_to_mm",
    "read_footer",
    "register_page",
    "registered_shape",
    "scan_pages",
    "warp_to_template",
]
