"""Files handed in through the console's 交回 page, kept in an upload folder of the workspace
until the ingest job that reads them has stored them.

Each file is streamed to disk chunk by chunk under the size limits of ``defs`` and written
under a ``.part`` name until it is whole, so an upload broken off leaves nothing the ingest
would read. The name the browser sends (a folder upload sends "班级/文件.pdf") is reduced to
safe path parts inside the upload folder: nothing can be written outside it. What a file
contains is checked by the ingest itself, exactly as for ``jiafang ingest``.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
from collections.abc import AsyncIterable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import BinaryIO

from pipeline import defs
from pipeline.atomic import move_into_place
from pipeline.errors import JobError
from pipeline.model.intake import FileIntake
from pipeline.safe_names import free_name, safe_parts
from pipeline.store.intake import intake_under
from pipeline.store.workspace import Workspace

__all__ = ["UPLOADS_DIR", "FileSink", "first_outcomes", "new_upload", "upload_folder", "upload_outcomes"]

UPLOADS_DIR = "交回上传"
_UPLOAD_ID = re.compile(r"^[0-9]{8}-[0-9]{6}-[0-9a-f]{8}$")


def new_upload(ws: Workspace) -> str:
    """A new, empty upload folder; returns its id."""
    upload_id = f"{dt.datetime.now():%Y%m%d-%H%M%S}-{secrets.token_hex(4)}"
    upload_folder(ws, upload_id).mkdir(parents=True)
    return upload_id


def upload_folder(ws: Workspace, upload_id: str) -> Path:
    """The folder of ``upload_id``; raises JobError for an id that is not one of ours."""
    if not _UPLOAD_ID.match(upload_id):
        raise JobError(f"上传编号“{upload_id}”无效。请刷新“交回”页后重新选择文件")
    return ws.root / UPLOADS_DIR / upload_id


def safe_relative(name: str) -> Path:
    """The browser's file name (maybe with folders) as safe parts (pipeline.safe_names).
    Raises JobError when nothing is left."""
    kept = safe_parts(name)
    if not kept:
        raise JobError(f"文件名“{name}”无效。请改名后重新上传")
    return Path(*kept)


@dataclass
class FileSink:
    """One uploaded file being written: call ``write`` per chunk, then ``close``; ``abort`` on
    any failure removes what was written."""

    target: Path
    name: str  # as the browser sent it, for messages
    allowed: int  # bytes this file may still take (the smaller of the file and batch limits)
    written: int = 0
    _fh: BinaryIO | None = field(default=None, repr=False)

    @classmethod
    def open(cls, folder: Path, name: str) -> FileSink:
        """A sink for ``name`` inside ``folder``; raises JobError when the batch is full."""
        files = [p for p in folder.rglob("*") if p.is_file()]
        if len(files) >= defs.UPLOAD_MAX_FILES:
            raise JobError(f"一次最多上传 {defs.UPLOAD_MAX_FILES} 个文件。请把其余文件分批上传")
        used = sum(p.stat().st_size for p in files)
        target = free_name(folder / safe_relative(name))
        target.parent.mkdir(parents=True, exist_ok=True)
        allowed = min(defs.UPLOAD_MAX_FILE_BYTES, defs.UPLOAD_MAX_BATCH_BYTES - used)
        sink = cls(target, name, allowed)
        sink._fh = sink._partial.open("wb")
        return sink

    @property
    def _partial(self) -> Path:
        return self.target.with_name(self.target.name + ".part")

    def write(self, chunk: bytes) -> None:
        self.written += len(chunk)
        if self.written > self.allowed:
            self.abort()
            raise JobError(
                f"{self.name}：文件太大（单个文件最多 {defs.UPLOAD_MAX_FILE_BYTES // 2**20} MB，"
                f"一次上传合计最多 {defs.UPLOAD_MAX_BATCH_BYTES // 2**30} GB）。请分批上传，或把扫描分辨率调到 300 dpi"
            )
        assert self._fh is not None, "written after close"
        self._fh.write(chunk)

    async def receive(self, chunks: AsyncIterable[bytes]) -> Path:
        """Write every chunk, then close; a failure (too big, the browser gone) keeps nothing."""
        try:
            async for chunk in chunks:
                self.write(chunk)
        except BaseException:
            self.abort()
            raise
        return self.close()

    def close(self) -> Path:
        self._shut()
        move_into_place(self._partial, self.target)
        return self.target

    def abort(self) -> None:
        self._shut()
        self._partial.unlink(missing_ok=True)

    def _shut(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None


def upload_outcomes(ws: Workspace, folder: Path, *, last: int | None = None) -> list[FileIntake]:
    """Each file's outcome, named relative to the (upload or watched) folder (see
    first_outcomes); only of the ``last`` files taken when given."""
    with ws.session() as session:
        rows = intake_under(session, str(folder) + os.sep, last=last)
    return [_relative(f, folder) for f in first_outcomes(rows)]


def first_outcomes(rows: Iterable[FileIntake]) -> list[FileIntake]:
    """One outcome per file: its first. An interrupted ingest run again finds what the first
    run stored "already read"; what became of the file is what the first run said."""
    first: dict[str, FileIntake] = {}
    for row in rows:
        first.setdefault(row.path, row)
    return list(first.values())


def _relative(intake: FileIntake, folder: Path) -> FileIntake:
    prefix = str(folder) + os.sep
    name = intake.path.removeprefix(prefix)
    return replace(intake, path=name, reason=intake.reason.replace(prefix, ""))
