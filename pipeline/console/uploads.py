"""Files sent to the console and files it hands back.

An upload is refused by its declared size before its body is read, then streamed to disk a
chunk at a time and refused again if it grows past the limit (a client may lie about the
size); it keeps the name the clerk's file had, so messages about its rows name that file.
What the console writes for download (统计表, 待办清单, 一生一档, packets) goes to the
workspace's ``exports`` folder, where the audit log's output paths keep pointing at it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePath
from urllib.parse import quote

from fastapi import Request
from starlette.datastructures import UploadFile

from pipeline import defs
from pipeline.errors import JiafangError
from pipeline.generate.batch import safe_name
from pipeline.store.workspace import Workspace

__all__ = ["EXPORTS_DIR", "UploadError", "Uploaded", "attachment", "export_path", "exported_file", "exports_dir", "receive_upload"]

EXPORTS_DIR = "exports"


class UploadError(JiafangError):
    """An upload the console will not take (too large, none chosen, wrong type)."""


@dataclass(frozen=True)
class Uploaded:
    path: Path  # the stored copy, named as the clerk's file was
    fields: dict[str, str]  # the form's other (text) fields


async def receive_upload(request: Request, folder: Path, *, limit: int, suffixes: tuple[str, ...], what: str) -> Uploaded:
    """The one file of ``request``'s form (field ``file``) stored in ``folder``; UploadError
    when it is missing, larger than ``limit`` bytes, or not one of ``suffixes``."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit + defs.CONSOLE_UPLOAD_CHUNK:  # the form's own bytes beside the file
        raise UploadError(_too_large(what, limit))
    form = await request.form(max_files=1)
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise UploadError(f"没有选择{what}：请先点“选择文件”选好文件，再上传。")
    name = safe_file_name(upload.filename)
    if Path(name).suffix.lower() not in suffixes:
        raise UploadError(f"{name}：{what}只能是 {'、'.join(suffixes)} 文件，请另存为这种格式后再上传。")
    path = folder / name
    size = 0
    with path.open("wb") as out:
        while chunk := await upload.read(defs.CONSOLE_UPLOAD_CHUNK):
            size += len(chunk)
            if size > limit:
                raise UploadError(_too_large(what, limit))
            out.write(chunk)
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    await form.close()
    return Uploaded(path, fields)


def safe_file_name(name: str) -> str:
    """The last part of a client's file name, in characters every file system takes."""
    return safe_name(PurePath(name.replace("\\", "/")).name)


def _too_large(what: str, limit: int) -> str:
    return f"{what}超过 {limit / 1024 / 1024:.0f} MB，未上传：请确认选对了文件。"


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
