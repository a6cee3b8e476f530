"""The workspace: one folder holding the database, the file store and the policy profile.

SQLite (WAL, foreign keys on) is the default; ``db_url`` or ``JIAFANG_DB_URL`` points a
district at PostgreSQL instead. The schema is created and upgraded by Alembic, from
migrations shipped inside the package.

Concurrency lives in the database, not in one process: on SQLite every transaction begins
IMMEDIATE (it takes the write lock up front and waits up to ``DB_BUSY_TIMEOUT`` for it), so a
transaction that reads and then writes can never act on what another writer changed meanwhile;
on PostgreSQL the store locks the rows it decides on (``SELECT … FOR UPDATE``). Unique
constraints are the last guard, and :meth:`Workspace.write` tries a transaction again when a
lock or such a constraint got in its way.
"""

from __future__ import annotations

import os
import random
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import URL, Engine, create_engine, event, make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from pipeline import defs
from pipeline.errors import StorageError, WorkspaceError
from pipeline.model.policy import Policy, load_policy
from pipeline.resources import samples_dir
from pipeline.store.filestore import FileStore
from pipeline.write_errors import raise_storage_errors

DB_FILE = "jiafang.sqlite"
FILES_DIR = "files"
POLICY_FILE = "policy.yaml"
DB_URL_ENV = "JIAFANG_DB_URL"
_MIGRATIONS = "pipeline.store:migrations"  # package resource: works from a wheel too
# PostgreSQL's serialization failure and deadlock: the transaction may simply be run again.
_PG_RETRY_CODES = frozenset({"40001", "40P01"})
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
    the workspace has none yet (the sample school's profile then).
    """
    if policy_path is not None or not workspace_exists(root):
        policy_source = policy_path or _sample_policy_path()
        load_policy(policy_source)  # validate before anything is created
        root.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(policy_source, root / POLICY_FILE)
    (root / FILES_DIR).mkdir(parents=True, exist_ok=True)
    engine = _storage_errors_raised(_engine(root, db_url), root)
    _ensure_schema(engine, root)
    return Workspace(root, engine, FileStore(root / FILES_DIR), load_policy(root / POLICY_FILE))


def open_workspace(root: Path, *, db_url: str | None = None) -> Workspace:
    """Open an existing workspace, upgrading an older schema to the current one."""
    missing_db = _url(root, db_url).get_backend_name() == "sqlite" and not (root / DB_FILE).is_file()
    if not workspace_exists(root) or missing_db:
        raise WorkspaceError(
            f"工作区 {root} 不存在，请先运行 jiafang init {root} 建立工作区"
            "（或用 --workspace / JIAFANG_WORKSPACE 指向已有的工作区）。"
        )
    engine = _storage_errors_raised(_engine(root, db_url), root)
    _ensure_schema(engine, root)
    return Workspace(root, engine, FileStore(root / FILES_DIR), load_policy(root / POLICY_FILE))


def _sample_policy_path() -> Path:
    return samples_dir() / "policy.yaml"


def _url(root: Path, db_url: str | None) -> URL:
    given = db_url or os.environ.get(DB_URL_ENV)
    if given:
        return make_url(given)
    return URL.create("sqlite", database=str((root / DB_FILE).resolve()))


def _engine(root: Path, db_url: str | None) -> Engine:
    url = _url(root, db_url)
    if url.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(url, connect_args={"timeout": defs.DB_BUSY_TIMEOUT})
    event.listen(engine, "connect", _sqlite_pragmas)
    event.listen(engine, "begin", _begin_immediate)
    return engine


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
    code = getattr(exc.orig, "pgcode", None)
    text = str(exc.orig).lower()
    if isinstance(exc, IntegrityError):
        return code == _PG_UNIQUE_VIOLATION or "unique constraint" in text
    return code in _PG_RETRY_CODES or any(word in text for word in _SQLITE_BUSY_WORDS)


def alembic_config() -> Config:
    """Alembic settings for the package's migrations (pass a connection in ``attributes``)."""
    config = Config()
    config.set_main_option("script_location", _MIGRATIONS)
    return config


@cache
def _head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def _current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _ensure_schema(engine: Engine, root: Path) -> None:
    """Bring the database to the newest migration (a no-op when it is there already)."""
    try:
        if _current_revision(engine) == _head_revision():
            return
        config = alembic_config()
        school = load_policy(root / POLICY_FILE).school
        config.attributes["default_school"] = (school.code, school.name)  # whose older rows are (0012)
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
    except SQLAlchemyError as exc:
        raise WorkspaceError(
            f"工作区 {root} 的数据库无法建立或升级（{getattr(exc, 'orig', None) or exc}）。"
            "请检查数据库文件是否损坏，或 JIAFANG_DB_URL 是否正确。"
        ) from exc


def _storage_errors_raised(engine: Engine, root: Path) -> Engine:
    """``engine``, raising StorageError for a full disk or a read-only database instead of the
    driver's error, naming the workspace folder (SQLite) or the PostgreSQL database."""
    if engine.url.get_backend_name() == "sqlite":
        listener = raise_storage_errors(str(root), folder=root)
    else:
        listener = raise_storage_errors(f"数据库 {engine.url.render_as_string(hide_password=True)}")
    event.listen(engine, "handle_error", listener)
    return engine
