"""The packet manifest: every file's size and SHA-256, signed with the workspace's HMAC key.

The signature is HMAC-SHA256 over the canonical JSON (sorted keys, no spaces, UTF-8) of the
manifest without its ``signature`` entry, so neither a file nor the list can be changed
without the key. The key is made once per workspace (``keys/packet-hmac.key``, mode 0600).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import zipfile
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

from pipeline.errors import ArchiveError

MANIFEST_NAME = "manifest.json"
KEY_PATH = Path("keys") / "packet-hmac.key"
KEY_BYTES = 32
_CHUNK = 1 << 20  # bytes hashed at a time


@dataclass(frozen=True)
class FileEntry:
    file: str  # path inside the packet, "/"-separated
    size: int
    sha256: str


def existing_key(root: Path) -> bytes | None:
    """The packet key of the workspace at ``root``, None when it has none yet."""
    path = root / KEY_PATH
    return path.read_bytes() if path.is_file() else None


def workspace_key(root: Path) -> bytes:
    """The packet key of the workspace at ``root``, made (random, mode 0600) on first use."""
    path = root / KEY_PATH
    if path.is_file():
        return path.read_bytes()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another build made it a moment ago
        return path.read_bytes()
    key = secrets.token_bytes(KEY_BYTES)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key)
    return key


def canonical(body: Mapping[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def sign(body: Mapping[str, Any], key: bytes) -> str:
    return hmac.new(key, canonical(body), hashlib.sha256).hexdigest()


def build_manifest(files: Sequence[FileEntry], meta: Mapping[str, Any], key: bytes) -> dict[str, Any]:
    """The manifest of ``files`` with ``meta`` (created, scope, term …), signed."""
    body = {**meta, "files": [asdict(f) for f in sorted(files, key=lambda f: f.file)]}
    return {**body, "signature": sign(body, key)}


class HashingWriter:
    """Wraps a binary stream: counts and hashes what passes through (ZIP entries as written)."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.size = 0
        self.digest = hashlib.sha256()

    def write(self, data: bytes) -> int:
        self.size += len(data)
        self.digest.update(data)
        return self.stream.write(data)

    def entry(self, name: str) -> FileEntry:
        return FileEntry(name, self.size, self.digest.hexdigest())


@dataclass
class VerifyResult:
    path: Path
    signature: str  # "valid", "invalid" or "unchecked" (no key)
    checked: int = 0
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.signature != "invalid" and not (self.missing or self.extra or self.changed)


def verify_packet(path: Path, *, key: bytes | None) -> VerifyResult:
    """Check a packet (its ZIP or the unpacked folder) against its manifest."""
    with _packet_files(path) as files:
        manifest = _read_manifest(path, files)
        body = {k: v for k, v in manifest.items() if k != "signature"}
        if key is None:
            signature = "unchecked"
        else:
            signature = "valid" if hmac.compare_digest(sign(body, key), str(manifest.get("signature", ""))) else "invalid"
        result = VerifyResult(path, signature, meta={k: v for k, v in body.items() if k != "files"})
        listed = {e["file"]: e for e in manifest.get("files", [])}
        present = set(files) - {MANIFEST_NAME}
        for name, entry in sorted(listed.items()):
            if name not in present:
                result.missing.append(name)
                continue
            result.checked += 1
            if _measure(files[name]) != (entry["size"], entry["sha256"]):
                result.changed.append(name)
        result.extra = sorted(present - set(listed))
    return result


Opener = Callable[[str], IO[bytes]]  # opens one file of the packet for reading ("rb")


@contextmanager
def _packet_files(path: Path) -> Iterator[dict[str, Opener]]:
    if path.is_dir():
        yield {p.relative_to(path).as_posix(): p.open for p in sorted(path.rglob("*")) if p.is_file()}
        return
    if not path.is_file():
        raise ArchiveError(f"{path} 不存在：请给出检查材料包的 ZIP 文件或解压后的文件夹。")
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ArchiveError(f"{path} 不是完整的 ZIP 文件（{exc}）：材料包已损坏或不是本系统生成的。") from exc
    with archive:
        yield {i.filename: _zip_opener(archive, i.filename) for i in archive.infolist() if not i.is_dir()}


def _zip_opener(archive: zipfile.ZipFile, name: str) -> Opener:
    def open_entry(_mode: str) -> IO[bytes]:
        return archive.open(name)

    return open_entry


def _read_manifest(path: Path, files: Mapping[str, Opener]) -> dict[str, Any]:
    if MANIFEST_NAME not in files:
        raise ArchiveError(f"{path} 中没有 {MANIFEST_NAME}：这不是完整的检查材料包。")
    try:
        with files[MANIFEST_NAME]("rb") as fh:
            manifest = json.loads(fh.read().decode("utf-8"))
    except (ValueError, zipfile.BadZipFile, zlib.error) as exc:
        raise ArchiveError(f"{path} 中的 {MANIFEST_NAME} 无法读取（{exc}）：清单已损坏。") from exc
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), list):
        raise ArchiveError(f"{path} 中的 {MANIFEST_NAME} 格式不对：缺少 files 列表。")
    return manifest


def _measure(open_file: Opener) -> tuple[int, str] | None:
    """Size and SHA-256 of one file; None when it cannot be read back (damaged ZIP entry)."""
    digest = hashlib.sha256()
    size = 0
    try:
        with open_file("rb") as fh:
            for chunk in iter(lambda: fh.read(_CHUNK), b""):
                digest.update(chunk)
                size += len(chunk)
    except (zipfile.BadZipFile, zlib.error, OSError):
        return None
    return size, digest.hexdigest()
