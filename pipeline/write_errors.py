"""When the workspace cannot be written: the operating system's and the database's own words for a
full disk or a read-only place become one StorageError that says where and what to do.

Covered: file writes failing with ENOSPC, EDQUOT (disk or quota full) or EROFS, EACCES, EPERM
(read-only or no permission); SQLite's SQLITE_FULL and SQLITE_READONLY, and SQLITE_CANTOPEN when
the workspace folder cannot be written (a WAL database needs its -wal and -shm files beside it);
PostgreSQL's SQLSTATEs 53100 (disk_full) and 25006 (read_only_sql_transaction). Anything else is
left as it is.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.errors import StorageError

if TYPE_CHECKING:  # the file store and pipeline.atomic use this module without SQLAlchemy
    from sqlalchemy.engine import ExceptionContext

__all__ = ["disk_full", "not_writable", "os_storage_error", "raise_storage_errors"]

_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}
_READ_ONLY_ERRNOS = {errno.EROFS, errno.EACCES, errno.EPERM}
_PG_FULL = "53100"
_PG_READ_ONLY = "25006"
# SQLite reports these through the message of a generic OperationalError; the extended result
# codes (sqlite_errorcode, Python 3.11+) say the same thing more reliably where present.
# The result-code constants are sqlite3 attributes only from 3.11: SQLite's own numbers.
_SQLITE_FULL = (13, "database or disk is full")  # SQLITE_FULL
_SQLITE_READ_ONLY = (8, "attempt to write a readonly database")  # SQLITE_READONLY
_SQLITE_CANT_OPEN = (14, "unable to open database file")  # SQLITE_CANTOPEN


def disk_full(place: str) -> StorageError:
    return StorageError(f"磁盘空间不足：{place} 所在的磁盘已满，请清理磁盘后重新运行；已读入的文件不会丢失。")


def not_writable(place: str) -> StorageError:
    return StorageError(
        f"工作区不可写：{place} 是只读的或没有写入权限，请检查该位置的权限"
        "（或把工作区放到可写的磁盘上）后重新运行；已读入的文件不会丢失。"
    )


def os_storage_error(exc: OSError, place: str) -> StorageError | None:
    """The StorageError for a failed write under ``place``, or None when ``exc`` is another fault."""
    if exc.errno in _FULL_ERRNOS:
        return disk_full(place)
    if exc.errno in _READ_ONLY_ERRNOS:
        return not_writable(place)
    return None


def _database_storage_error(exc: BaseException, place: str, folder: Path | None) -> StorageError | None:
    sqlstate = getattr(exc, "pgcode", None) or getattr(exc, "sqlstate", None)  # psycopg2 / psycopg 3
    if sqlstate == _PG_FULL:
        return disk_full(place)
    if sqlstate == _PG_READ_ONLY:
        return not_writable(place)
    if not isinstance(exc, sqlite3.Error):
        return None
    if _sqlite_says(exc, _SQLITE_FULL):
        return disk_full(place)
    if _sqlite_says(exc, _SQLITE_READ_ONLY):
        return not_writable(place)
    if _sqlite_says(exc, _SQLITE_CANT_OPEN) and folder is not None and not os.access(folder, os.W_OK):
        return not_writable(place)
    return None


def _sqlite_says(exc: sqlite3.Error, code_and_text: tuple[int, str]) -> bool:
    code, text = code_and_text
    # The extended code's low byte is the primary result code (e.g. SQLITE_READONLY_DBMOVED).
    primary = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
    return primary == code or text in str(exc)


def raise_storage_errors(place: str, folder: Path | None = None) -> Callable[[ExceptionContext], None]:
    """An engine ``handle_error`` listener raising StorageError naming ``place`` for a full disk
    or a read-only database (``folder``: where a SQLite database keeps its files); other errors
    go on as SQLAlchemy raises them."""

    def listener(context: ExceptionContext) -> None:
        error = _database_storage_error(context.original_exception, place, folder)
        if error is not None:
            raise error from context.original_exception

    return listener
