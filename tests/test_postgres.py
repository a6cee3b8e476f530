"""A district's PostgreSQL: `jiafang init --db`, the usual connection mistakes told in plain
words (by `init`, every command and `jiafang doctor`), schema versions older or newer than the
program, migrations with data in them on both databases, and no SQLite-only SQL in the library.

Every test here talks to a real server: the throw-away cluster of tests/pg_support.py.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

import psycopg
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from click.testing import CliRunner
from sqlalchemy import create_engine, text, update

from pipeline import defs
from pipeline.cli import main
from pipeline.doctor import run_checks
from pipeline.errors import StorageError, WorkspaceError
from pipeline.model.audit import AuditEvent
from pipeline.model.correction import Correction
from pipeline.review.corrections import accept_field
from pipeline.store import repo
from pipeline.store.audit import list_events, log_event
from pipeline.store.corrections import corrections_for
from pipeline.store.database import DB_URL_FILE, head_revision
from pipeline.store.records import current_record
from pipeline.store.schema import Base, BatchRow
from pipeline.store.workspace import Workspace, alembic_config, describe_database, init_workspace, open_workspace
from tests.pg_support import Cluster, free_port
from tests.review_support import issue_template, store_record, typical_fields

ROOT = Path(__file__).resolve().parents[1]
UNKNOWN_REVISION = "9999"  # what a newer program's migration would have stamped


def _stamp(ws: Workspace, revision: str) -> None:
    """Pretend another program migrated the database to ``revision``."""
    with ws.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": revision})


def _migrate(ws: Workspace, target: str, *, down: bool) -> None:
    config = alembic_config()
    with ws.engine.begin() as conn:
        config.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(config, target)


# --- init --db, and commands that follow it -----------------------------------------------------


def test_init_with_db_remembers_the_server_database_for_every_later_command(pg_cluster: Cluster, tmp_path: Path) -> None:
    url = pg_cluster.new_database().replace("postgresql+psycopg://", "postgresql://")  # as a person writes it
    root = tmp_path / "学校电脑"
    runner = CliRunner()
    first = runner.invoke(main, ["init", str(root), "--db", url])
    assert first.exit_code == 0, first.output
    assert "数据库：postgresql+psycopg://jiafang_test:***@127.0.0.1" in first.output, "shown without its password"
    assert pg_cluster.password not in first.output
    assert (root / DB_URL_FILE).stat().st_mode & 0o077 == 0, "the remembered URL (with its password) is the owner's only"
    assert not (root / "jiafang.sqlite").exists()

    imported = runner.invoke(main, ["roster", "import", "-w", str(root), str(ROOT / "samples" / "roster.xlsx")])
    assert imported.exit_code == 0, imported.output
    database = url.rsplit("/", 1)[1]
    assert pg_cluster.sql("SELECT count(*) FROM students", database) != "0", "the roster went to the server"
    again = runner.invoke(main, ["init", str(root)])
    assert again.exit_code == 0 and "原有数据已保留" in again.output


def test_init_refuses_to_point_a_workspace_with_data_at_another_database(pg_cluster: Cluster, tmp_path: Path) -> None:
    init_workspace(tmp_path / "ws").close()  # its own SQLite file
    with pytest.raises(WorkspaceError, match="已在使用数据库.*不能改成.*另建一个工作区"):
        init_workspace(tmp_path / "ws", db_url=pg_cluster.new_database())
    assert not (tmp_path / "ws" / DB_URL_FILE).exists()


# --- the usual mistakes -------------------------------------------------------------------------


def test_a_server_that_is_not_running_is_named_with_what_to_check(pg_cluster: Cluster, tmp_path: Path) -> None:
    down = pg_cluster.url("jiafang", port=free_port())
    with pytest.raises(WorkspaceError, match=r"连不上数据库服务器 127\.0\.0\.1:\d+：服务器没有运行") as err:
        init_workspace(tmp_path / "ws", db_url=down)
    assert "Traceback" not in str(err.value) and "OperationalError" not in str(err.value)


def test_a_wrong_password_is_told_as_such_and_never_shown(pg_cluster: Cluster, tmp_path: Path) -> None:
    wrong = pg_cluster.url("postgres", password="不对的密码")
    with pytest.raises(WorkspaceError, match="拒绝了用户 jiafang_test 的登录：密码不对") as err:
        init_workspace(tmp_path / "ws", db_url=wrong)
    assert "不对的密码" not in str(err.value)
    assert not (tmp_path / "ws").exists(), "nothing is created for a database that cannot be reached"


def test_a_missing_database_is_named_with_how_to_create_it(pg_cluster: Cluster, tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match="上没有名为 jiafang_missing 的数据库.*createdb -O jiafang_test jiafang_missing"):
        init_workspace(tmp_path / "ws", db_url=pg_cluster.url("jiafang_missing"))


def test_every_command_on_a_workspace_whose_server_is_down_says_so_in_chinese(pg_cluster: Cluster, tmp_path: Path) -> None:
    root = tmp_path / "ws"
    init_workspace(root, db_url=pg_cluster.new_database()).close()
    remembered = (root / DB_URL_FILE).read_text(encoding="utf-8")
    (root / DB_URL_FILE).write_text(re.sub(r":\d+/", f":{free_port()}/", remembered), encoding="utf-8")
    run = CliRunner().invoke(main, ["records", "list", "-w", str(root)])
    assert run.exit_code == 1
    assert "连不上数据库服务器" in run.output and "Traceback" not in run.output


def test_doctor_checks_the_workspaces_database_and_fails_on_a_wrong_password(pg_cluster: Cluster, tmp_path: Path) -> None:
    good = pg_cluster.new_database()
    init_workspace(tmp_path / "ws", db_url=good).close()
    ok = {c.name: c for c in run_checks(tmp_path / "ws")}["数据库"]
    assert ok.ok and ok.required, ok.detail
    assert f"数据库结构版本 {head_revision()}（最新）" in ok.detail and "（postgresql " in ok.detail

    run = CliRunner().invoke(main, ["doctor", "-w", str(tmp_path / "none"), "--db", pg_cluster.url("postgres", password="x")])
    assert run.exit_code == 1
    assert "[未通过] 数据库：数据库服务器" in run.output and "密码不对" in run.output


def test_a_write_waits_out_another_writers_row_lock_and_gives_up_with_a_clear_message(
    pg_cluster: Cluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(defs, "DB_BUSY_TIMEOUT", 0.2)  # PostgreSQL's lock_timeout, per try
    url = pg_cluster.new_database()
    init_workspace(tmp_path / "ws", db_url=url).close()
    ws = open_workspace(tmp_path / "ws")
    ws.write(lambda s: repo.add_batch(s, "B1", "generate", {}, {}))
    other = psycopg.connect(url.replace("+psycopg", ""))  # another writer, holding the row
    other.execute("SELECT batch_id FROM batches WHERE batch_id = 'B1' FOR UPDATE")
    threading.Timer(1.0, other.commit).start()
    ws.write(lambda s: s.execute(update(BatchRow).values(kind="waited")))
    other.execute("SELECT batch_id FROM batches WHERE batch_id = 'B1' FOR UPDATE")  # and now never released
    with pytest.raises(StorageError, match="一直被另一个导入或复核占用"):
        ws.write(lambda s: s.execute(update(BatchRow).values(kind="gave up")))
    other.rollback()
    other.close()
    with ws.session() as s:
        assert [b.kind for b in repo.list_batches(s)] == ["waited"], "written once the lock was free, nothing half-written"
    ws.close()


# --- schema versions ----------------------------------------------------------------------------


def test_an_older_server_schema_is_refused_by_commands_and_upgraded_by_init_only(pg_cluster: Cluster, tmp_path: Path) -> None:
    ws = init_workspace(tmp_path / "ws", db_url=pg_cluster.new_database())
    _migrate(ws, "-1", down=True)
    previous = _revision(ws)
    ws.close()
    with pytest.raises(WorkspaceError, match=f"结构版本 {previous} 比本程序（{head_revision()}）旧.*备份.*jiafang init 升级"):
        open_workspace(tmp_path / "ws")
    with pytest.raises(WorkspaceError, match="旧"):
        describe_database(tmp_path / "ws")
    upgraded = init_workspace(tmp_path / "ws")
    assert _revision(upgraded) == head_revision()
    upgraded.close()
    open_workspace(tmp_path / "ws").close()


@pytest.mark.both_databases
def test_a_schema_newer_than_the_program_is_refused_and_left_untouched(workspace: Workspace) -> None:
    _stamp(workspace, UNKNOWN_REVISION)
    workspace.close()
    for opening in (open_workspace, init_workspace, describe_database):
        with pytest.raises(WorkspaceError, match=f"结构版本 {UNKNOWN_REVISION} 比本程序（最高 {head_revision()}）新.*升级到同一版本"):
            opening(workspace.root)
    with create_engine(workspace.engine.url).connect() as conn:
        assert conn.scalar(text("SELECT version_num FROM alembic_version")) == UNKNOWN_REVISION


def test_two_inits_at_once_on_an_empty_server_database_create_the_schema_once(pg_cluster: Cluster, tmp_path: Path) -> None:
    url = pg_cluster.new_database()
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def init(n: int) -> None:
        start.wait(30)
        try:
            init_workspace(tmp_path / f"pc{n}", db_url=url).close()
        except BaseException as exc:  # noqa: BLE001 - the assertion below shows it
            errors.append(exc)

    threads = [threading.Thread(target=init, args=(n,), daemon=True) for n in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads), "the two migrations blocked each other"
    assert errors == [], "the second init waits for the first's migration, then finds the schema current"
    assert pg_cluster.sql("SELECT version_num FROM alembic_version", url.rsplit("/", 1)[1]) == head_revision()


# --- migrations with data -------------------------------------------------------------------------


@pytest.mark.both_databases
def test_upgrade_from_the_previous_schema_keeps_every_row_and_matches_the_tables(tmp_path: Path) -> None:
    root, issued = issue_template(tmp_path)
    ws = open_workspace(root)
    store_record(ws, issued[0], typical_fields(ws))
    accept_field(ws, issued[0].form_id, "mode", version=1, operator="复核员")
    with ws.session() as s:
        log_event(s, AuditEvent("dossier", "档案员", "student G1", {"outward": True}, "a.pdf", "0" * 64))
        students = repo.list_students(s)
        decisions = _decisions(corrections_for(s, issued[0].form_id))
        events = list_events(s)
    assert decisions and events
    _migrate(ws, "-1", down=True)  # the schema before the newest migration, with all of this in it
    ws.close()

    upgraded = init_workspace(root)
    with upgraded.session() as s:
        assert repo.list_students(s) == students
        record = current_record(s, issued[0].form_id)
        assert record is not None and record.fields["mode"].status == "verified"
        assert _decisions(corrections_for(s, issued[0].form_id)) == decisions
        assert list_events(s) == events
    with upgraded.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    upgraded.close()


@pytest.mark.both_databases
def test_every_migration_runs_down_to_nothing_and_up_again(workspace: Workspace) -> None:
    _migrate(workspace, "base", down=True)
    with workspace.engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() is None
    _migrate(workspace, "head", down=False)
    assert _revision(workspace) == head_revision()


# --- nothing SQLite-only in the library -------------------------------------------------------------

# Where SQLite is named on purpose: the engine set-up of the SQLite path, and SQLite's own
# error codes for a full disk or a read-only file. SQL a statement starts with, in a string.
SQLITE_PATH = {"pipeline/store/workspace.py", "pipeline/write_errors.py", "pipeline/store/database.py"}
SQLITE_ONLY = re.compile(r"""["'](PRAGMA|BEGIN IMMEDIATE|INSERT OR (REPLACE|IGNORE))|sqlite_master|\bAUTOINCREMENT\b|^import sqlite3|julianday\(""")


def test_no_sqlite_only_sql_outside_the_sqlite_path() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in sorted((ROOT / "pipeline").rglob("*.py"))
        if str(path.relative_to(ROOT)) not in SQLITE_PATH
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if SQLITE_ONLY.search(line)
    ]
    assert found == []


def _decisions(corrections: list[Correction]) -> list[tuple[object, ...]]:
    """What a decision is, without the columns a downgrade of the newest migration may drop."""
    return [(c.form_id, c.version, c.field_id, c.action, c.new_value, c.operator, c.at, c.evidence) for c in corrections]


def _revision(ws: Workspace) -> str | None:
    with ws.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()

