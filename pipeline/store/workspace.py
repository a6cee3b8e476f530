"""The workspace: one folder holding the database, the file store and the policy profile.

SQLite (WAL, foreign keys on) is the default; ``jiafang init --db``, ``db_url`` or
``JIAFANG_DB_URL`` points a district at PostgreSQL instead (see pipeline.store.database for
which database, connection errors and schema versions). The schema is created and upgraded by
Alembic, from migrations shipped inside the package.

Concurrency lives in the database, not in one process: on SQLite every transaction begins
IMMEDIATE (it takes the write lock up front and waits up to ``DB_BUSY_TIMEOUT`` for it), so a
transaction that reads and then writes can never act on what another writer changed meanwhile;
on PostgreSQL the store locks the rows it decides on (``SELECT … FOR UPDATE``). Unique
constraints are the last guard, and :meth:`Workspace.write` tries a transaction again when a
lock or such a constraint got in its way.
"""

from __future__ import annotations

import random
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from sqlalchemy import URL, Connection, Engine, create_engine, event, func, select
from sqlalchemy.exc import DBAPIError, IntegrityError, NoSuchModuleError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from pipeline import defs
from pipeline.errors import StorageError, WorkspaceError
from pipeline.model.policy import Policy, load_policy
from pipeline.resources import samples_dir
from pipeline.store.database import (
    DB_FILE,
    DB_URL_ENV,
    SchemaVersion,
    alembic_config,
    connection_error,
    database_url,
    driver_missing,
    is_sqlite,
    remember_database,
    schema_problem,
    schema_version,
    shown,
)
from pipeline.store.filestore import FileStore
from pipeline.write_errors import raise_storage_errors

__all__ = [
    "DB_FILE",
    "DB_URL_ENV",
    "FILES_DIR",
    "POLICY_FILE",
    "Workspace",
    "alembic_config",
    "describe_database",
    "init_workspace",
    "open_workspace",
    "workspace_exists",
]

FILES_DIR = "files"
POLICY_FILE = "policy.yaml"
# PostgreSQL's serialization failure, deadlock and lock wait past lock_timeout: the transaction
# may simply be run again.
_PG_RETRY_CODES = frozenset({"40001", "40P01", "55P03"})
_PG_UNIQUE_VIOLATION = "23505"
_SQLITE_BUSY_WORDS = ("database is locked", "database is busy")

T = TypeVar("T")


@dataclass
class Workspace:
    root: Path
    engine: Engine
    files: FileStore
    policy: Policy
    _sessions: sessionmaker[Session] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session inside one transaction: committed on success, rolled back on error."""
        with self._sessions.begin() as session:
            yield session

    def write(self, work: Callable[[Session], T]) -> T:
        """``work(session)`` in one short transaction, tried again when another writer's lock or
        a unique row it had just written got in the way.

        ``work`` must decide inside the transaction (re-read what it depends on), so running it
        again after a conflict gives the answer it would have given had it run second.
        """
        for attempt in range(1, defs.DB_WRITE_ATTEMPTS + 1):
            try:
                with self.session() as session:
                    return work(session)
            except (OperationalError, IntegrityError) as exc:
                last = attempt == defs.DB_WRITE_ATTEMPTS
                if not _conflict(exc) or (last and isinstance(exc, IntegrityError)):
                    raise  # not a conflict, or a unique row that stays there: a real error
                if last:
                    raise StorageError(
                        f"工作区 {self.root} 的数据库一直被另一个导入或复核占用，重试 {attempt} 次仍未写入。"
                        "请等其他导入结束后重新运行（已写入的内容不会丢失）。"
                    ) from exc
                time.sleep(defs.DB_WRITE_BACKOFF * 2 ** (attempt - 1) * random.uniform(0.5, 1.5))
        raise AssertionError("unreachable: the last attempt returns or raises")

    def close(self) -> None:
        self.engine.dispose()


def workspace_exists(root: Path) -> bool:
    """True when ``root`` already holds a workspace (its policy profile is the marker)."""
    return (root / POLICY_FILE).is_file()


def init_workspace(
    root: Path, *, policy_path: Path | None = None, db_url: str | None = None
) -> Workspace:
    """Create the workspace at ``root``, or upgrade it in place; never wipes data.

    The policy profile is validated and copied to ``root/policy.yaml`` when given, or when
    the workspace has none yet (the sample school's profile then). A server database (``db_url``
    or JIAFANG_DB_URL) is remembered in the workspace for every later command.
    """
    url = database_url(root, db_url)
    if db_url and workspace_exists(root):
        _refuse_another_database(root, url)
    policy_source = policy_path or (None if workspace_exists(root) else _sample_policy_path())
    if policy_source is not None:
        load_policy(policy_source)  # validate before anything is created
    engine = _storage_errors_raised(_engine(url), root)
    try:
        if not is_sqlite(url):
            _schema_version(engine, root)  # a wrong server address fails before any folder is made
        if policy_source is not None:
            root.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(policy_source, root / POLICY_FILE)
        (root / FILES_DIR).mkdir(parents=True, exist_ok=True)
        _ensure_schema(engine, root, upgrade=True)
    except BaseException:
        engine.dispose()
        raise
    remember_database(root, url)
    return Workspace(root, engine, FileStore(root / FILES_DIR), load_policy(root / POLICY_FILE))


def open_workspace(root: Path, *, db_url: str | None = None) -> Workspace:
    """Open an existing workspace; an older SQLite schema is upgraded to the current one (a
    server's only by :func:`init_workspace`, see pipeline.store.database)."""
    url = database_url(root, db_url)
    if not workspace_exists(root) or (is_sqlite(url) and not (root / DB_FILE).is_file()):
        raise WorkspaceError(
            f"工作区 {root} 不存在，请先运行 jiafang init {root} 建立工作区"
            "（或用 --workspace / JIAFANG_WORKSPACE 指向已有的工作区）。"
        )
    engine = _storage_errors_raised(_engine(url), root)
    try:
        _ensure_schema(engine, root, upgrade=is_sqlite(url))
    except BaseException:
        engine.dispose()
        raise
    return Workspace(root, engine, FileStore(root / FILES_DIR), load_policy(root / POLICY_FILE))


def _refuse_another_database(root: Path, url: URL) -> None:
    """An existing workspace keeps its database: pointing it elsewhere would hide its records."""
    before = database_url(root)
    if is_sqlite(before) and not (root / DB_FILE).is_file():
        return  # no database yet
    # The same database under another user or a new password is still the same database.
    if _place(before) != _place(url):
        raise WorkspaceError(
            f"工作区 {root} 已在使用数据库 {shown(before)}，不能改成 {shown(url)}（本程序不搬迁数据）。"
            "请为新数据库另建一个工作区目录：jiafang init 新目录 --db 数据库地址。"
        )


def _place(url: URL) -> tuple[str, str | None, int | None, str | None]:
    return url.get_backend_name(), url.host, url.port, url.database


def _sample_policy_path() -> Path:
    return samples_dir() / "policy.yaml"


def _engine(url: URL) -> Engine:
    if not is_sqlite(url):
        try:
            return create_engine(url, pool_pre_ping=True, connect_args=_pg_connect_args())
        except (ImportError, NoSuchModuleError) as exc:
            raise driver_missing(url) from exc
    engine = create_engine(url, connect_args={"timeout": defs.DB_BUSY_TIMEOUT})
    event.listen(engine, "connect", _sqlite_pragmas)
    event.listen(engine, "begin", _begin_immediate)
    return engine


def _pg_connect_args() -> dict[str, Any]:
    # A row another writer holds locked is waited for as long as SQLite waits for its write
    # lock, then the transaction is tried again (Workspace.write), never waited on forever.
    lock_ms = round(defs.DB_BUSY_TIMEOUT * 1000)
    return {"connect_timeout": defs.DB_CONNECT_TIMEOUT, "options": f"-c lock_timeout={lock_ms}"}


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers work while one writer writes; SQLite leaves foreign keys off by default.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
    # pysqlite would start transactions itself, deferred and only before a write; _begin_immediate does it
    dbapi_connection.isolation_level = None


def _begin_immediate(conn: Any) -> None:
    # A deferred transaction that reads, then writes, fails (or acts on stale reads) when another
    # writer committed in between; IMMEDIATE takes the write lock first, waiting busy_timeout for it.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def _conflict(exc: DBAPIError) -> bool:
    """True for a lock wait that ran out, a serialization failure or deadlock, or a unique row
    written by a concurrent transaction: each is over when the transaction runs again."""
    code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)  # psycopg 3 / psycopg2
    text = str(exc.orig).lower()
    if isinstance(exc, IntegrityError):
        return code == _PG_UNIQUE_VIOLATION or "unique constraint" in text
    return code in _PG_RETRY_CODES or any(word in text for word in _SQLITE_BUSY_WORDS)


def _ensure_schema(engine: Engine, root: Path, *, upgrade: bool) -> None:
    """Bring the database to the newest migration when ``upgrade``, else require it there;
    a schema newer than this program is always refused."""
    version = _schema_version(engine, root)
    problem = schema_problem(engine.url, version)
    if problem is None:
        return
    if not (upgrade and version.state in ("empty", "older")):
        raise WorkspaceError(problem)
    try:
        _upgrade(engine, root)
    except SQLAlchemyError as exc:
        raise _unusable(root, exc) from exc


def describe_database(root: Path, *, db_url: str | None = None) -> str:
    """What ``jiafang doctor`` says of the workspace's database (server, schema version);
    WorkspaceError when it cannot be reached or its schema does not fit this program."""
    url = database_url(root, db_url)
    if is_sqlite(url) and not (root / DB_FILE).is_file():
        raise WorkspaceError(
            f"工作区 {root} 还没有数据库：请运行 jiafang init {root} 建立（区县共用 PostgreSQL 时加 --db 数据库地址）。"
        )
    engine = _engine(url)
    try:
        version = _schema_version(engine, root)
        server = f"{engine.dialect.name} {'.'.join(map(str, engine.dialect.server_version_info or ()))}"
    finally:
        engine.dispose()
    problem = schema_problem(url, version)
    if problem is not None and not (is_sqlite(url) and version.state == "older"):
        raise WorkspaceError(problem)
    note = "最新" if version.state == "current" else "旧版本，下次运行任何命令时自动升级"
    return f"{shown(url)}（{server}），数据库结构版本 {version.current}（{note}）"


def _schema_version(engine: Engine, root: Path) -> SchemaVersion:
    """The database's schema version; connecting to it is where a wrong address shows."""
    try:
        with engine.connect() as conn:
            return schema_version(conn)
    except OperationalError as exc:
        if is_sqlite(engine.url):
            raise _unusable(root, exc) from exc
        raise connection_error(engine.url, exc) from exc
    except SQLAlchemyError as exc:
        raise _unusable(root, exc) from exc


def _upgrade(engine: Engine, root: Path) -> None:
    config = alembic_config()
    school = load_policy(root / POLICY_FILE).school
    config.attributes["default_school"] = (school.code, school.name)  # whose older rows are (0012)
    with engine.begin() as conn:
        _hold_migration_lock(conn)
        config.attributes["connection"] = conn
        command.upgrade(config, "head")  # reads the revision again, now under the lock


def _hold_migration_lock(conn: Connection) -> None:
    # SQLite's transaction already holds the write lock (BEGIN IMMEDIATE); on PostgreSQL two
    # `jiafang init` at once would both create the tables: the second waits here, then finds
    # the schema current and does nothing.
    if conn.dialect.name == "postgresql":
        conn.execute(select(func.pg_advisory_xact_lock(defs.PG_MIGRATION_LOCK)))


def _unusable(root: Path, exc: SQLAlchemyError) -> WorkspaceError:
    return WorkspaceError(
        f"工作区 {root} 的数据库无法建立或升级（{getattr(exc, 'orig', None) or exc}）。"
        "请检查数据库文件是否损坏，或数据库地址（JIAFANG_DB_URL）是否正确。"
    )


def _storage_errors_raised(engine: Engine, root: Path) -> Engine:
    """``engine``, raising StorageError for a full disk or a read-only database instead of the
    driver's error, naming the workspace folder (SQLite) or the PostgreSQL database."""
    if engine.url.get_backend_name() == "sqlite":
        listener = raise_storage_errors(str(root), folder=root)
    else:
        listener = raise_storage_errors(f"数据库 {shown(engine.url)}")
    event.listen(engine, "handle_error", listener)
    return engine
