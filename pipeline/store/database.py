"""Which database a workspace uses, whether it can be reached, and whether its schema fits.

A workspace keeps its data in ``jiafang.sqlite`` beside its file store unless it was created
on a server (``jiafang init --db postgresql://…``, or with JIAFANG_DB_URL set): that URL is
remembered in ``database.url`` (readable by its owner only, since it may hold the password; a
URL without one lets libpq take it from PGPASSWORD or ~/.pgpass), because the file store and
the database belong together. JIAFANG_DB_URL names the database of a workspace that remembers
none.

Connecting to a server fails for a few usual reasons, each told in its own words: the server
is not running or not reachable, the password (or user) is wrong, the database does not exist.
The schema is Alembic's: a database migrated by a newer program is refused (this one does not
know its tables), and an older one is upgraded — on SQLite by whichever command opens it, on a
shared server only by ``jiafang init`` (a district upgrades once, on purpose, not whenever the
first school PC with a newer program happens to connect).
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import URL, Connection, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from pipeline import defs
from pipeline.errors import WorkspaceError

__all__ = [
    "DB_FILE",
    "DB_URL_ENV",
    "DB_URL_FILE",
    "SchemaVersion",
    "alembic_config",
    "connection_error",
    "database_url",
    "driver_missing",
    "head_revision",
    "is_sqlite",
    "remember_database",
    "schema_problem",
    "schema_version",
    "shown",
]

DB_FILE = "jiafang.sqlite"
DB_URL_FILE = "database.url"
DB_URL_ENV = "JIAFANG_DB_URL"
PG_DRIVER = "postgresql+psycopg"
_MIGRATIONS = "pipeline.store:migrations"  # package resource: works from a wheel too
# What a PostgreSQL server (English or Chinese messages) says for a refused login and for a
# database that is not there; the connection error carries no SQLSTATE to tell them apart.
_WRONG_PASSWORD_WORDS = ("password authentication failed", "no password supplied", "password 认证失败", "密码认证失败")
_NO_DATABASE_WORDS = ("does not exist", "不存在")


def database_url(root: Path, db_url: str | None = None) -> URL:
    """The database of the workspace at ``root``: ``db_url``, else the one it remembers, else
    JIAFANG_DB_URL, else the workspace's SQLite file."""
    given = db_url or _remembered(root) or os.environ.get(DB_URL_ENV)
    if not given:
        return _own_sqlite(root)
    try:
        url = make_url(given)
    except ArgumentError as exc:
        raise WorkspaceError(
            f"数据库地址“{given}”写法不对。PostgreSQL 的写法是 postgresql://用户名:密码@服务器:5432/数据库名。"
        ) from exc
    # A bare postgresql:// would pick psycopg2; the postgres extra installs psycopg 3.
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername=PG_DRIVER)
    return url


def remember_database(root: Path, url: URL) -> None:
    """Keep the URL of a database other than the workspace's own SQLite file in the workspace,
    so later commands need no setting; readable by its owner only (it may hold a password)."""
    path = root / DB_URL_FILE
    if url == _own_sqlite(root):
        path.unlink(missing_ok=True)
        return
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(url.render_as_string(hide_password=False) + "\n")


def shown(url: URL) -> str:
    """The URL as messages show it: without the password."""
    return url.render_as_string(hide_password=True)


def is_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite"


def driver_missing(url: URL) -> WorkspaceError:
    return WorkspaceError(
        f"没有安装连接数据库 {shown(url)} 所需的驱动。PostgreSQL 需要 psycopg：pip install 'psycopg[binary]'"
        "（或安装 jiafang 时带上 [postgres]），然后重新运行。"
    )


def connection_error(url: URL, exc: DBAPIError) -> WorkspaceError:
    """What went wrong when connecting to the server of ``url``, and what to do about it."""
    text = str(exc.orig)
    where = f"{url.host or 'localhost'}:{url.port or 5432}"
    lowered = text.lower()
    if any(word in lowered for word in _WRONG_PASSWORD_WORDS):
        return WorkspaceError(
            f"数据库服务器 {where} 拒绝了用户 {url.username} 的登录：密码不对（或没有这个用户）。"
            "请核对数据库地址（--db 或 JIAFANG_DB_URL）中的用户名和密码，或向管理员确认。"
        )
    if f'"{url.database}"' in text and any(word in lowered for word in _NO_DATABASE_WORDS):
        return WorkspaceError(
            f"数据库服务器 {where} 上没有名为 {url.database} 的数据库。请管理员先建立它"
            f"（createdb -O {url.username} {url.database}），或核对数据库地址中的数据库名。"
        )
    if not _reachable(url.host or "localhost", url.port or 5432):
        return WorkspaceError(
            f"连不上数据库服务器 {where}：服务器没有运行，或地址、端口不对，或被防火墙挡住。"
            "请确认 PostgreSQL 已启动、本机能访问该地址和端口后重试。"
        )
    return WorkspaceError(f"无法连接数据库 {shown(url)}（{text.strip()}）。请核对数据库地址，或把这段说明交给管理员。")


@dataclass(frozen=True)
class SchemaVersion:
    """The database's Alembic revision against this program's newest."""

    current: str | None  # None: no jiafang tables yet
    head: str | None
    known: bool  # ``current`` is one of this program's migrations

    @property
    def state(self) -> str:
        """``empty``, ``current``, ``older`` (this program can upgrade it) or ``newer``."""
        if self.current is None:
            return "empty"
        if not self.known:
            return "newer"
        return "current" if self.current == self.head else "older"


def schema_version(conn: Connection) -> SchemaVersion:
    current = MigrationContext.configure(conn).get_current_revision()
    return SchemaVersion(current, head_revision(), current is None or current in _revisions())


def schema_problem(url: URL, version: SchemaVersion) -> str | None:
    """Why a command may not use this database as it is (None when it may)."""
    if version.state == "newer":
        return (
            f"数据库 {shown(url)} 的结构版本 {version.current} 比本程序（最高 {version.head}）新："
            "它已被更新版本的 jiafang 升级。请把本机的 jiafang 升级到同一版本后再运行。"
        )
    if version.state == "older":
        return (
            f"数据库 {shown(url)} 的结构版本 {version.current} 比本程序（{version.head}）旧。"
            "请先备份数据库，再在一台电脑上运行 jiafang init 升级（其他电脑随后也要换成新版本）。"
        )
    if version.state == "empty":
        return f"数据库 {shown(url)} 里还没有 jiafang 的数据表。请先运行 jiafang init --db 数据库地址 建立。"
    return None


def alembic_config() -> Config:
    """Alembic settings for the package's migrations (pass a connection in ``attributes``)."""
    config = Config()
    config.set_main_option("script_location", _MIGRATIONS)
    return config


@cache
def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


@cache
def _revisions() -> frozenset[str]:
    return frozenset(rev.revision for rev in ScriptDirectory.from_config(alembic_config()).walk_revisions())


def _own_sqlite(root: Path) -> URL:
    return URL.create("sqlite", database=str((root / DB_FILE).resolve()))


def _remembered(root: Path) -> str | None:
    path = root / DB_URL_FILE
    return path.read_text(encoding="utf-8").strip() or None if path.is_file() else None


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=defs.DB_CONNECT_TIMEOUT):
            return True
    except OSError:
        return False
