"""The copier's scan-to-folder intake: files dropped into a folder are read once complete.

A file is taken once its size and modification time stayed the same for
``WATCH_SETTLE_SECONDS`` and it can be opened for writing (a copier or a Windows copy still
holding it refuses that). Files taken together go through the ordinary ingest, so they get the
same checks, outcomes and intake rows as ``jiafang ingest``, and each is stored once by its
content hash. Then the folder is left as a clerk expects:

- ``已读入/YYYY-MM-DD/``: files whose content is in the workspace — read, blank, already read,
  a duplicate, and quarantined ones (their pages are stored and wait for a person to name
  their form in the console; a ``.txt`` beside such a file says so, and nothing needs scanning
  again).
- ``未读入/``: refused and incomplete files, each with a ``.txt`` giving the reason and what to do
  (scan again, send the Word file again …).

Across restarts: a file read but not yet moved when the watcher stopped is read again next
time, found "already read" by its hash, and moved then — nothing is stored twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from pipeline import defs
from pipeline.errors import JobError, StorageError
from pipeline.ingest.archives import folder_name
from pipeline.model.intake import FileIntake
from pipeline.progress import Progress
from pipeline.safe_names import free_name
from pipeline.store.workspace import Workspace

__all__ = ["READ_DIR", "UNREAD_DIR", "take_files", "watch_folder"]

READ_DIR = "已读入"
UNREAD_DIR = "未读入"
_TO_UNREAD = ("refused", "incomplete")
_UNFINISHED_SUFFIXES = (".tmp", ".part", ".crdownload", ".partial")  # names copiers and browsers write to first
_QUARANTINE_NOTE = "该文件已存入工作区，不必重新扫描：请在家访工作台的“统计概览”页为隔离的页面指定表单。"
_UNREAD_NOTE = "请按上面的原因处理（如重新扫描、重新导出 Word 文件）后，把新文件放回监视的文件夹。"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Seen:
    size: int
    mtime_ns: int
    since: float  # monotonic time it was first seen with this size and mtime


def watch_folder(
    ws: Workspace,
    folder: Path,
    *,
    should_stop: Callable[[], bool],
    progress: Progress | None = None,
    settle: float = defs.WATCH_SETTLE_SECONDS,
    poll: float = defs.WATCH_POLL_SECONDS,
    on_taken: Callable[[Sequence[FileIntake]], None] | None = None,
) -> int:
    """Take complete files from ``folder`` until ``should_stop()``; returns how many were taken.

    ``progress`` gets (files taken, taken + waiting, last file); ``on_taken`` each group's outcomes.
    Raises JobError when ``folder`` is not a folder, StorageError when the workspace cannot be written.
    """
    if not folder.is_dir():
        raise JobError(f"{folder}：文件夹不存在。请先在复印机的“扫描到文件夹”设置中建好该文件夹，或换一个文件夹")
    seen: dict[Path, _Seen] = {}
    taken = 0
    while not should_stop():
        ready = _ready(folder, seen, settle)
        if ready:
            outcomes = take_files(ws, folder, ready)
            taken += len(outcomes)
            if on_taken:
                on_taken(outcomes)
        if progress:
            progress(taken, taken + len(seen), ready[-1].name if ready else "等待新文件")
        time.sleep(poll)
    return taken


def take_files(ws: Workspace, folder: Path, paths: Sequence[Path]) -> list[FileIntake]:
    """Ingest ``paths`` (files inside ``folder``) and put each away by its outcome."""
    from pipeline.ingest import ingest

    report = ingest(ws, list(paths))
    if report.stopped:
        raise StorageError(report.stopped)
    taken = [f for f in report.files if Path(f.path) in paths]  # the others were unpacked from these
    held = [f for f in report.files if Path(f.path) not in paths]
    for intake in taken:
        _put_away(folder, Path(intake.path), _with_members(intake, held))
    return report.files


def _with_members(intake: FileIntake, unpacked: list[FileIntake]) -> FileIntake:
    """A zip's (or Word file's) outcome with its members' that need someone: it goes to 未读入
    with their reasons when one was refused, incomplete or quarantined."""
    folder = folder_name(intake.digest) if intake.digest else None
    troubled = [f for f in unpacked if folder in Path(f.path).parts and (f.outcome in _TO_UNREAD or f.outcome == "quarantined")]
    if not troubled:
        return intake
    outcome = "incomplete" if any(f.outcome in _TO_UNREAD for f in troubled) else "quarantined"
    return replace(intake, outcome=outcome, reason="；".join([intake.reason, *(f"{f.label}：{f.reason}" for f in troubled)]))


def _ready(folder: Path, seen: dict[Path, _Seen], settle: float) -> list[Path]:
    """Files unchanged for ``settle`` seconds and openable; ``seen`` tracks the others."""
    clock = time.monotonic()
    present = set()
    for path in _candidates(folder):
        try:
            stat = path.stat()
        except OSError:  # gone or renamed meanwhile
            continue
        present.add(path)
        before = seen.get(path)
        if before is None or (before.size, before.mtime_ns) != (stat.st_size, stat.st_mtime_ns):
            seen[path] = _Seen(stat.st_size, stat.st_mtime_ns, clock)
    for gone in set(seen) - present:
        del seen[gone]
    ready = sorted(p for p, s in seen.items() if clock - s.since >= settle and _openable(p))
    for path in ready:
        del seen[path]
    return ready


def _candidates(folder: Path) -> list[Path]:
    """Files under ``folder`` but not in its outcome folders, hidden files, Office lock files or
    files still being written under a temporary name."""
    found = []
    for path in folder.rglob("*"):
        parts = path.relative_to(folder).parts
        if parts[0] in (READ_DIR, UNREAD_DIR) or any(p.startswith((".", "~$")) for p in parts):
            continue
        if path.suffix.lower() in _UNFINISHED_SUFFIXES or not path.is_file():
            continue
        found.append(path)
    return found


def _openable(path: Path) -> bool:
    """Whether the file can be opened for writing: a writer holding it on Windows refuses that."""
    try:
        with path.open("r+b"):
            return True
    except OSError:
        return False


def _put_away(folder: Path, path: Path, intake: FileIntake) -> None:
    """Move a taken file to 已读入/date/ or 未读入/ (with its reason beside it)."""
    unread = intake.outcome in _TO_UNREAD
    target_dir = folder / UNREAD_DIR if unread else folder / READ_DIR / dt.date.today().isoformat()
    try:
        target_dir.mkdir(parents=True, exist_ok=True)
        target = free_name(target_dir / path.name)
        os.replace(path, target)  # a plain move (no half-written file to guard); its OSError is handled below
        if unread or intake.outcome == "quarantined":
            note = _UNREAD_NOTE if unread else _QUARANTINE_NOTE
            text = f"文件：{path.name}\n结果：{intake.label}\n原因：{intake.reason}\n{note}\n"
            target.with_name(target.name + ".txt").write_text(text, encoding="utf-8-sig")
    except OSError:  # still held by someone: it is taken again (as already read) and moved next time
        log.warning("watch: could not move %s", path, exc_info=True)


