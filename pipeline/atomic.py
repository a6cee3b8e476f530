"""Writing output files so that a reader (or a crash) never sees half of one."""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from pipeline.errors import JiafangError, OutputError
from pipeline.write_errors import disk_full

# The operating system's reasons in words a clerk reads (strerror is English).
_WHY = {
    errno.EACCES: "没有写入权限，或文件正被其他程序打开",
    errno.EPERM: "没有写入权限，或文件正被其他程序打开",
    errno.EROFS: "该位置是只读的",
    errno.ENOENT: "文件夹不存在",
    errno.ENOTDIR: "路径中有一部分不是文件夹",
    errno.EISDIR: "同名的文件夹已存在",
    errno.ENAMETOOLONG: "文件名太长",
}


def _write_error(out: Path, exc: OSError) -> JiafangError:
    # A full disk stops every further write, wherever the output goes; the rest is about this file.
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return disk_full(str(out.parent))
    why = _WHY.get(exc.errno or 0, "系统拒绝写入")
    return OutputError(f"{out}：无法写入文件（{why}），请换一个输出位置，或关闭正在打开它的程序。")


@contextlib.contextmanager
def atomic_path(out: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``out``; it replaces ``out`` when the block ends without
    error and is removed otherwise. An OSError in the block or the move becomes a write error
    on ``out`` in words a clerk reads."""
    partial: Path | None = None
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".partial")
        os.close(fd)
        partial = Path(name)
        yield partial
        move_into_place(partial, out)
    except OSError as exc:
        raise _write_error(out, exc) from exc
    finally:
        if partial is not None:
            with contextlib.suppress(OSError):
                partial.unlink(missing_ok=True)


def atomic_write(out: Path, write: Callable[[Path], object]) -> Path:
    """Call ``write`` with a temporary path beside ``out``, then move it into place."""
    with atomic_path(out) as partial:
        write(partial)
    return out


def move_into_place(partial: Path, out: Path) -> None:
    """Replace ``out`` by the finished file ``partial`` (same file system) in one step."""
    try:
        os.replace(partial, out)
    except PermissionError as exc:
        # Windows refuses to replace a file another program holds open (Excel, WPS, a viewer).
        if out.exists():
            raise OutputError(f"文件“{out}”正被其他程序（如 Excel）打开，请关闭后重试。") from exc
        raise _write_error(out, exc) from exc
    except OSError as exc:
        raise _write_error(out, exc) from exc


def atomic_write_bytes(out: Path, data: bytes) -> Path:
    return atomic_write(out, lambda tmp: tmp.write_bytes(data))


def atomic_write_text(out: Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``out`` atomically."""
    return atomic_write(out, lambda tmp: tmp.write_text(text, encoding="utf-8"))
