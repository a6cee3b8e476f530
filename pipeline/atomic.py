"""Writing output files so that a reader (or a crash) never sees half of one."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from pipeline.errors import OutputError


def atomic_write(out: Path, write: Callable[[Path], object]) -> Path:
    """Call ``write`` with a temporary path beside ``out``, then move it into place."""
    partial: Path | None = None
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".partial")
        os.close(fd)
        partial = Path(name)
        write(partial)
        _move_into_place(partial, out)
    except OSError as exc:
        raise OutputError(f"{out}：无法写入文件（{exc.strerror}），请换一个输出位置，或关闭正在打开它的程序。") from exc
    finally:
        if partial is not None:
            with contextlib.suppress(OSError):
                partial.unlink(missing_ok=True)
    return out


def _move_into_place(partial: Path, out: Path) -> None:
    try:
        os.replace(partial, out)
    except PermissionError as exc:
        # Windows refuses to replace a file another program holds open (Excel, WPS, a viewer).
        if out.exists():
            raise OutputError(f"文件“{out}”正被其他程序（如 Excel）打开，请关闭后重试。") from exc
        raise


def atomic_write_bytes(out: Path, data: bytes) -> Path:
    return atomic_write(out, lambda tmp: tmp.write_bytes(data))
