"""A throw-away PostgreSQL cluster for the tests (and bench/db_writes.py).

``start_cluster()`` runs ``initdb`` in a fresh temp folder and ``pg_ctl start`` on a free
loopback port; no system service is used or needed. Each test then gets its own database
(:meth:`Cluster.new_database`), so tests never see each other's rows; each pytest-xdist worker
process starts its own cluster (the fixture is session-scoped, and a session is one worker),
so workers share nothing but the machine.

initdb refuses to run as root. As root (CI on a fresh clone) the cluster's folder is given to
the unprivileged ``nobody`` user and the server binaries run as that user (``subprocess``'s
``user=``/``group=``: no sudo, runuser or extra account needed). The folder is made directly
under /tmp so that ``nobody`` can reach it (pytest's own temp folders are private to root).

Whether PostgreSQL must be there: when its binaries cannot be found or the cluster cannot
start, the PostgreSQL half of the suite is skipped with the reason, except in CI (``CI`` set
to anything but ``0``/``false``) or when running as root on Debian/Ubuntu (where ``make test``
has just installed ``postgresql``): then it fails, so CI cannot pass with the half silently
missing.
"""

from __future__ import annotations

import atexit
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import URL

SUPERUSER = "jiafang_test"
BIN_GLOB = "/usr/lib/postgresql/*/bin"  # Debian/Ubuntu keep the server binaries off PATH
START_ATTEMPTS = 5  # a free port found by binding may be taken before the server binds it
START_TIMEOUT = 60  # s for pg_ctl to see the server accept connections (2 busy cores)
UNPRIVILEGED = "nobody"
# A test cluster does not have to survive a power cut: without fsync a CREATE DATABASE and each
# commit cost milliseconds instead of tens of milliseconds. bench/db_writes.py starts a durable one.
FAST_SETTINGS = ("fsync=off", "synchronous_commit=off", "full_page_writes=off")


class ClusterUnavailable(RuntimeError):
    """PostgreSQL's binaries are missing or its server would not start here."""


@dataclass
class Cluster:
    bin_dir: Path
    folder: Path
    port: int
    password: str
    _databases: int = field(default=0, repr=False)

    @property
    def data_dir(self) -> Path:
        return self.folder / "data"

    def url(self, database: str = "postgres", *, password: str | None = None, port: int | None = None) -> str:
        """A SQLAlchemy URL (psycopg 3) for ``database`` as the cluster's superuser."""
        secret = self.password if password is None else password
        return f"postgresql+psycopg://{SUPERUSER}:{secret}@127.0.0.1:{port or self.port}/{database}"

    def new_database(self, prefix: str = "t") -> str:
        """A new, empty database of its own; returns its URL."""
        self._databases += 1
        name = f"{prefix}_{os.getpid()}_{self._databases}"
        self.sql(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def sql(self, statement: str, database: str = "postgres") -> str:
        """Run one statement with the cluster's psql (outside any transaction); its output."""
        done = subprocess.run(
            [str(self.bin_dir / "psql"), "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-c", statement, self.url(database).replace("+psycopg", "")],
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT,
        )
        if done.returncode != 0:
            raise RuntimeError(f"psql {statement!r}: {done.stderr.strip()}")
        return done.stdout.strip()

    def stop(self) -> None:
        if not self.data_dir.is_dir():
            return  # stopped already (the fixture's end, then atexit)
        _as_owner([str(self.bin_dir / "pg_ctl"), "stop", "-m", "immediate", "-D", str(self.data_dir)], self.folder, check=False)
        shutil.rmtree(self.folder, ignore_errors=True)


def find_bin_dir() -> Path:
    """The folder of ``initdb`` and ``pg_ctl``: on PATH, else the newest Debian server version."""
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).resolve().parent
    candidates = sorted(Path("/").glob(BIN_GLOB.lstrip("/")), key=lambda p: _version(p.parent.name))
    for candidate in reversed(candidates):
        if (candidate / "initdb").is_file() and (candidate / "pg_ctl").is_file():
            return candidate
    raise ClusterUnavailable("找不到 PostgreSQL 的 initdb/pg_ctl（Debian/Ubuntu：apt-get install postgresql）")


def start_cluster(*, durable: bool = False) -> Cluster:
    """initdb a new cluster in a temp folder and start it on a free loopback port."""
    bin_dir = find_bin_dir()
    folder = Path(tempfile.mkdtemp(prefix="jiafang-pg-", dir="/tmp" if os.name == "posix" else None))
    atexit.register(shutil.rmtree, folder, True)
    password = secrets.token_hex(12)
    (folder / "pw").write_text(password, encoding="utf-8")
    if _is_root():
        shutil.chown(folder, UNPRIVILEGED, _group_of(UNPRIVILEGED))
        shutil.chown(folder / "pw", UNPRIVILEGED, _group_of(UNPRIVILEGED))
    _as_owner(
        [str(bin_dir / "initdb"), "-D", str(folder / "data"), "-U", SUPERUSER, f"--pwfile={folder / 'pw'}",
         "--auth=scram-sha-256", "--encoding=UTF8", "--locale=C", "--no-sync"],
        folder,
    )
    settings = () if durable else FAST_SETTINGS
    for _ in range(START_ATTEMPTS):
        cluster = Cluster(bin_dir, folder, free_port(), password)
        options = " ".join([f"-p {cluster.port}", "-c listen_addresses=127.0.0.1", f"-k {folder}", "-c lc_messages=C",
                            *(f"-c {s}" for s in settings)])
        started = _as_owner(
            [str(bin_dir / "pg_ctl"), "start", "-w", "-t", str(START_TIMEOUT), "-D", str(folder / "data"),
             "-l", str(folder / "server.log"), "-o", options],
            folder,
            check=False,
        )
        if started.returncode == 0:
            atexit.register(cluster.stop)
            return cluster
    log = (folder / "server.log").read_text(encoding="utf-8", errors="replace")[-2000:]
    raise ClusterUnavailable(f"PostgreSQL 服务器没有启动：{log}")


def cluster_or_skip() -> Cluster:
    """A started cluster; skips the test when PostgreSQL is unavailable and may be, else fails."""
    try:
        return start_cluster()
    except (ClusterUnavailable, OSError, subprocess.SubprocessError) as exc:
        if must_run():
            pytest.fail(f"PostgreSQL half of the suite must run here (CI, or root on Debian) but: {exc}")
        pytest.skip(f"PostgreSQL not available on this machine: {exc}")


def must_run() -> bool:
    """True in CI and as root on Debian/Ubuntu, where ``make test`` installs PostgreSQL."""
    ci = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
    return ci or (_is_root() and Path("/etc/debian_version").is_file())


def _as_owner(args: list[str], folder: Path, *, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run a server binary as the cluster folder's owner (``nobody`` when we are root)."""
    who = {"user": UNPRIVILEGED, "group": _group_of(UNPRIVILEGED), "extra_groups": []} if _is_root() else {}
    done = subprocess.run(args, cwd=folder, capture_output=True, text=True, timeout=START_TIMEOUT * 2, **who)
    if check and done.returncode != 0:
        raise ClusterUnavailable(f"{Path(args[0]).name} 失败：{(done.stderr or done.stdout).strip()[-2000:]}")
    return done


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _group_of(user: str) -> int:
    import pwd

    return pwd.getpwnam(user).pw_gid


def _version(name: str) -> tuple[int, ...]:
    return tuple(int(p) for p in name.split(".") if p.isdigit())


def clone_database(root: Path) -> None:
    """Give the copy of a workspace at ``root`` its own copy of a server database (a copied
    folder would otherwise share the template's): CREATE DATABASE … TEMPLATE, and the copy
    remembers the new one. A SQLite workspace's database was copied with its folder."""
    from sqlalchemy import make_url

    from pipeline.store.database import DB_URL_FILE

    path = root / DB_URL_FILE
    if not path.is_file():
        return
    url = make_url(path.read_text(encoding="utf-8").strip())
    copy = f"{url.database}_c{secrets.token_hex(4)}"
    _create_database(url, copy, template=url.database)
    path.write_text(url.set(database=copy).render_as_string(hide_password=False) + "\n", encoding="utf-8")


@contextmanager
def own_database() -> Iterator[None]:
    """Inside, a workspace created on PostgreSQL (JIAFANG_DB_URL set) gets a new database of its
    own instead of the test's one: for a test's second, unrelated workspace. No-op on SQLite."""
    from sqlalchemy import make_url

    from pipeline.store.database import DB_URL_ENV

    given = os.environ.get(DB_URL_ENV)
    if not given:
        yield
        return
    url = make_url(given)
    name = f"{url.database}_o{secrets.token_hex(4)}"
    _create_database(url, name)
    os.environ[DB_URL_ENV] = url.set(database=name).render_as_string(hide_password=False)
    try:
        yield
    finally:
        os.environ[DB_URL_ENV] = given


def _create_database(url: URL, name: str, *, template: str | None = None) -> None:
    """CREATE DATABASE ``name`` on the server of ``url`` (as its user, a superuser in tests)."""
    import psycopg

    admin = url.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    like = f' TEMPLATE "{template}"' if template else ""
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"{like}'.encode())
