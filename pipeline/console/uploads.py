"""Files sent to the console and files it hands back.

An upload is refused by its declared size before its body is read, and its body is parsed as
it streams in and stopped once it grows past the limit (a client may declare no size, or a
wrong one); it keeps the name the clerk's file had, so messages about its rows name that file.
What the console writes for download (统计表, 待办清单, 一生一档, packets) goes to the
workspace's ``exports`` folder, where the audit log's output paths keep pointing at it.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from pathlib import Path, PurePath
from typing import TypeVar
from urllib.parse import quote

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from pipeline import defs
from pipeline.errors import JiafangError
from pipeline.generate.batch import safe_name
from pipeline.store.workspace import Workspace

__all__ = ["EXPORTS_DIR", "UploadError", "attachment", "export_path", "exported_file", "exports_dir", "process_upload", "receive_upload", "size_text"]

EXPORTS_DIR = "exports"
T = TypeVar("T")


class UploadError(JiafangError):
    """An upload the console will not take (too large, none chosen, wrong type)."""


async def receive_upload(request: Request, folder: Path, *, limit: int, suffixes: tuple[str, ...], what: str) -> Path:
    """The one file of ``request``'s form (field ``file``) stored in ``folder`` under the
    name the clerk's file had; UploadError when it is missing, larger than ``limit`` bytes,
    or not one of ``suffixes``."""
    allowed = limit + defs.CONSOLE_UPLOAD_SLACK  # the form's own bytes around the file
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > allowed:
        raise UploadError(_too_large(what, limit))
    try:
        form = await MultiPartParser(request.headers, _at_most(request.stream(), allowed, what, limit), max_files=1).parse()
    except MultiPartException as exc:
        raise UploadError(f"上传的{what}不完整或格式不对，请重新选择文件上传。") from exc
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise UploadError(f"没有选择{what}：请先点“选择文件”选好文件，再上传。")
        name = safe_file_name(upload.filename)
        if Path(name).suffix.lower() not in suffixes:
            raise UploadError(f"{name}：{what}只能是 {'、'.join(suffixes)} 文件，请另存为这种格式后再上传。")
        path = folder / name
        with path.open("wb") as out:
            shutil.copyfileobj(upload.file, out, defs.CONSOLE_UPLOAD_CHUNK)
    finally:
        await form.close()
    return path


async def _at_most(stream: AsyncIterator[bytes], allowed: int, what: str, limit: int) -> AsyncGenerator[bytes, None]:
    """``stream``, stopped with UploadError once more than ``allowed`` bytes came (whatever
    the request declared): nothing beyond the limit is ever written to disk."""
    size = 0
    async for chunk in stream:
        size += len(chunk)
        if size > allowed:
            raise UploadError(_too_large(what, limit))
        yield chunk


async def process_upload(
    request: Request, work: Callable[[Path], T], *, limit: int, suffixes: tuple[str, ...], what: str
) -> tuple[str, T]:
    """Receive ``request``'s file into a temporary folder (see receive_upload), run ``work`` on
    it in a worker thread (the server goes on answering meanwhile), then remove it; returns the
    file's name and what ``work`` returned."""
    with tempfile.TemporaryDirectory(prefix="jiafang-upload-") as tmp:
        path = await receive_upload(request, Path(tmp), limit=limit, suffixes=suffixes, what=what)
        return path.name, await run_in_threadpool(work, path)


def safe_file_name(name: str) -> str:
    """The last part of a client's file name, in characters every file system takes."""
    return safe_name(PurePath(name.replace("\\", "/")).name)


def _too_large(what: str, limit: int) -> str:
    return f"{what}超过 {size_text(limit)}，未上传：请确认选对了文件。"


def size_text(size: int) -> str:
    """A byte count as a clerk reads it (MB, or KB below one MB)."""
    return f"{size / 1024 / 1024:.0f} MB" if size >= 1024 * 1024 else f"{size / 1024:.0f} KB"


def attachment(name: str) -> dict[str, str]:
    """The header that has the browser save a response as the file ``name`` (UTF-8 names too)."""
    return {"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"}


def exports_dir(ws: Workspace) -> Path:
    """The folder files made for download are written to (created when missing)."""
    folder = ws.root / EXPORTS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def export_path(ws: Workspace, name: str) -> Path:
    """Where the file ``name`` made for download is written."""
    return exports_dir(ws) / safe_file_name(name)


def exported_file(ws: Workspace, name: str) -> Path | None:
    """A file of the exports folder by its name; None for anything else (no path escapes)."""
    if safe_file_name(name) != name:
        return None
    path = ws.root / EXPORTS_DIR / name
    return path if path.is_file() else None
