"""Content-addressed file store: page images, crops and generated documents by SHA-256.

Layout: ``files/ab/abcdef….suffix``. Content is written to a temporary file and renamed into
place, so a crash never leaves a half-written file under a real name; storing the same
content twice is a no-op.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path

from pipeline.errors import WorkspaceError
from pipeline.write_errors import os_storage_error

_DIGEST = re.compile(r"[0-9a-f]{64}")
_CHUNK = 1 << 20  # bytes read at a time from a file being stored


class FileStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path_of(self, digest: str, suffix: str) -> Path:
        """Where the content with ``digest`` and ``suffix`` (".png" or "png") lives."""
        if not _DIGEST.fullmatch(digest):
            raise WorkspaceError(f"文件存储：{digest!r} 不是有效的 SHA-256 摘要。")
        dotted = suffix if not suffix or suffix.startswith(".") else f".{suffix}"
        return self.root / digest[:2] / f"{digest}{dotted}"

    def has(self, digest: str, suffix: str) -> bool:
        return self.path_of(digest, suffix).is_file()

    def put_bytes(self, data: bytes, suffix: str) -> str:
        """Store ``data``; returns its SHA-256 hex digest."""
        return self._store([data], suffix)

    def put_file(self, path: Path, *, suffix: str | None = None) -> str:
        """Store a copy of the file at ``path`` (streamed) under ``suffix``, by default its own;
        returns the digest."""
        with path.open("rb") as src:
            return self._store(iter(lambda: src.read(_CHUNK), b""), path.suffix if suffix is None else suffix)

    def _store(self, chunks: Iterable[bytes], suffix: str) -> str:
        try:
            return self._spool(chunks, suffix)
        except OSError as exc:
            # A full or read-only disk stops every further write the same way: say so plainly.
            error = os_storage_error(exc, str(self.root))
            if error is None:
                raise
            raise error from exc

    def _spool(self, chunks: Iterable[bytes], suffix: str) -> str:
        # Hash while spooling to a temporary file, so a large scan is read only once.
        self.root.mkdir(parents=True, exist_ok=True)
        hasher = hashlib.sha256()
        fd, name = tempfile.mkstemp(dir=self.root, prefix=".incoming-")
        tmp = Path(name)
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in chunks:
                    hasher.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            digest = hasher.hexdigest()
            target = self.path_of(digest, suffix)
            if not target.is_file():
                target.parent.mkdir(exist_ok=True)
                os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
        return digest
