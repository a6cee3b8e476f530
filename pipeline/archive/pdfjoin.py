"""Join PDF parts into one file with a bookmark tree.

qpdf's own page merge (a qpdf job) copies the parts' page images straight from the part
files while it writes, so joining thousands of scan pages keeps memory flat; pikepdf's
in-memory page copy would hold every image. The bookmarks are added in a second pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf
from pikepdf import OutlineItem

from pipeline.atomic import atomic_path
from pipeline.errors import ArchiveError


@dataclass
class Bookmark:
    title: str
    page: int  # 0-based page of the joined PDF
    children: list[Bookmark] = field(default_factory=list)


def join_parts(parts: Sequence[Path], bookmarks: Sequence[Bookmark], out: Path, *, title: str) -> int:
    """Write ``parts`` one after another to ``out`` (atomically) with ``bookmarks``; returns pages."""
    merged = out.with_name(f".{out.name}.merged")
    try:
        with atomic_path(out) as tmp:
            pikepdf.Job(["qpdf", "--empty", "--pages", *(str(p) for p in parts), "--", str(merged)]).run()
            with pikepdf.open(merged) as joined:
                with joined.open_outline() as outline:
                    outline.root.extend(_item(b) for b in bookmarks)
                joined.docinfo["/Title"] = title
                joined.docinfo["/Creator"] = "jiafang"
                joined.Root.PageMode = pikepdf.Name.UseOutlines
                joined.save(tmp)
                pages = len(joined.pages)
    except (pikepdf.PdfError, pikepdf.JobUsageError) as exc:
        raise ArchiveError(f"{out}：无法合并 PDF（{exc}），请检查输出位置是否可写、磁盘空间是否足够。") from exc
    finally:
        merged.unlink(missing_ok=True)
    return pages


def page_count(path: Path) -> int:
    with pikepdf.open(path) as pdf:
        return len(pdf.pages)


def _item(bookmark: Bookmark) -> OutlineItem:
    item = OutlineItem(bookmark.title, bookmark.page)
    item.children.extend(_item(c) for c in bookmark.children)
    return item
