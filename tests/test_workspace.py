"""Workspace and storage: init/open, Alembic schema, file store, repository functions."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from click.testing import CliRunner
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError

from pipeline.cli import main
from pipeline.errors import PolicyError, WorkspaceError
from pipeline.identity import new_form_id
from pipeline.model import layout_dict, load_form
from pipeline.model.classes import class_sort_key
from pipeline.model.issuance import IssuedForm
from pipeline.model.people import Student, Teacher
from pipeline.resources import samples_dir
from pipeline.store import repo
from pipeline.store.schema import Base
from pipeline.store.workspace import Workspace, alembic_config, init_workspace, open_workspace

TABLES = {"classes", "students", "teachers", "teacher_classes", "layouts", "issued_forms", "batches"}
STUDENT = Student(
    "G001",
    "李𬱖",
    "七年级（1）班",
    grade="七年级",
    phone="13812345678",
    groups=("留守儿童", "单亲家庭"),
    extra=(("学业水平", "良好"), ("新转入", "是")),
)


def _issued(student_no: str, form_hash: str, n: int = 0) -> IssuedForm:
    return IssuedForm(
        form_id=new_form_id("record"),
        form="record",
        form_version=1,
        layout_hash=form_hash,
        student_no=student_no,
        class_name="七年级（1）班",
        pages=2,
        batch_id="B1",
        files=(f"{n:064x}.pdf",),
        created_at=dt.datetime(2025, 9, 1, 8, 0, n % 60, tzinfo=dt.timezone.utc),
    )


# --- workspace ---------------------------------------------------------------------------------


def test_init_creates_database_file_store_and_policy_copy(tmp_path: Path) -> None:
    ws = init_workspace(tmp_path / "ws")
    ws.close()
    assert (tmp_path / "ws" / "jiafang.sqlite").is_file()
    assert (tmp_path / "ws" / "files").is_dir()
    assert "QHMD01" in (tmp_path / "ws" / "policy.yaml").read_text(encoding="utf-8")
    assert ws.policy.school.code == "QHMD01"


def test_alembic_migration_creates_the_tables_in_wal_mode(workspace: Workspace) -> None:
    db = sqlite3.connect(workspace.root / "jiafang.sqlite")
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert TABLES | {"alembic_version"} <= tables
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert db.execute("SELECT version_num FROM alembic_version").fetchone() == (head,)
    assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    db.close()


@pytest.mark.both_databases
def test_migrations_match_the_orm_tables(workspace: Workspace) -> None:
    with workspace.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


@pytest.mark.both_databases
def test_init_twice_keeps_data_and_the_schools_policy(tmp_path: Path) -> None:
    policy = tmp_path / "本校政策.yaml"
    text = (samples_dir() / "policy.yaml").read_text(encoding="utf-8").replace("QHMD01", "ABC12")
    policy.write_text(text, encoding="utf-8")
    ws = init_workspace(tmp_path / "ws", policy_path=policy)
    with ws.session() as s:
        repo.upsert_students(s, [STUDENT])
    ws.close()

    again = init_workspace(tmp_path / "ws")
    with again.session() as s:
        assert repo.get_student(s, "G001") == STUDENT
    assert again.policy.school.code == "ABC12"
    again.close()


def test_init_with_an_invalid_policy_creates_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("school: {name: x, code: lowercase}\n", encoding="utf-8")
    with pytest.raises(PolicyError):
        init_workspace(tmp_path / "ws", policy_path=bad)
    assert not (tmp_path / "ws").exists()


def test_open_missing_workspace_says_to_run_init(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError) as err:
        open_workspace(tmp_path / "nowhere")
    assert "不存在" in str(err.value) and "jiafang init" in str(err.value)


def test_open_upgrades_an_older_schema(tmp_path: Path) -> None:
    ws = init_workspace(tmp_path / "ws")
    config = alembic_config()
    with ws.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "base")
    ws.close()

    reopened = open_workspace(tmp_path / "ws")
    with reopened.session() as s:
        assert repo.list_students(s) == []
    reopened.close()


def test_open_a_corrupt_database_names_the_workspace(tmp_path: Path) -> None:
    init_workspace(tmp_path / "ws").close()
    (tmp_path / "ws" / "jiafang.sqlite").write_bytes(b"not a database" * 100)
    for extra in ("jiafang.sqlite-wal", "jiafang.sqlite-shm"):
        (tmp_path / "ws" / extra).unlink(missing_ok=True)
    with pytest.raises(WorkspaceError, match="数据库无法建立或升级"):
        open_workspace(tmp_path / "ws")


@pytest.mark.both_databases
def test_session_rolls_back_everything_on_error(workspace: Workspace) -> None:
    with pytest.raises(IntegrityError):
        with workspace.session() as s:
            repo.upsert_students(s, [STUDENT])
            form = load_form("record")
            repo.add_issued_forms(s, [_issued("G001", form.layout_hash)])  # layout not saved: FK fails
    with workspace.session() as s:
        assert repo.get_student(s, "G001") is None


def test_cli_init_is_idempotent_and_says_so(tmp_path: Path) -> None:
    runner = CliRunner()
    first = runner.invoke(main, ["init", str(tmp_path / "ws")])
    second = runner.invoke(main, ["init", "-w", str(tmp_path / "ws")])
    assert first.exit_code == 0 and "已建立工作区" in first.output
    assert second.exit_code == 0 and "工作区已存在" in second.output


# --- file store --------------------------------------------------------------------------------


def test_file_store_dedupes_by_content(workspace: Workspace) -> None:
    store = workspace.files
    digest = store.put_bytes(b"scan", ".png")
    assert store.put_bytes(b"scan", "png") == digest
    path = store.path_of(digest, ".png")
    assert path == workspace.root / "files" / digest[:2] / f"{digest}.png"
    assert path.read_bytes() == b"scan"
    assert [p for p in store.root.rglob("*") if p.is_file()] == [path]


def test_file_store_put_file_keeps_the_suffix(workspace: Workspace, tmp_path: Path) -> None:
    source = tmp_path / "page.tiff"
    source.write_bytes(b"x" * 3_000_000)
    digest = workspace.files.put_file(source)
    assert workspace.files.has(digest, ".tiff")
    assert workspace.files.path_of(digest, ".tiff").read_bytes() == source.read_bytes()


def test_file_store_leaves_nothing_behind_when_a_write_fails(workspace: Workspace) -> None:
    with pytest.raises(TypeError):
        workspace.files.put_bytes("text, not bytes", ".txt")  # type: ignore[arg-type]
    assert [p for p in workspace.files.root.rglob("*") if p.is_file()] == []


def test_file_store_refuses_a_digest_that_is_not_sha256(workspace: Workspace) -> None:
    with pytest.raises(WorkspaceError):
        workspace.files.path_of("../../etc/passwd", ".txt")


# --- repository --------------------------------------------------------------------------------


@pytest.mark.both_databases
def test_students_round_trip_with_groups_extra_and_rare_characters(workspace: Workspace) -> None:
    with workspace.session() as s:
        assert repo.upsert_students(s, [STUDENT]) == (1, 0)
    with workspace.session() as s:
        assert repo.list_students(s, class_name="七年级(1)班") == [STUDENT]
        assert repo.list_classes(s) == ["七年级（1）班"]


@pytest.mark.both_databases
def test_upsert_teachers_replaces_their_classes(workspace: Workspace) -> None:
    with workspace.session() as s:
        repo.upsert_students(s, [STUDENT, Student("G002", "王五", "七年级（2）班")])
        repo.upsert_teachers(s, [Teacher("T1", "张老师", "班主任", ("七年级（1）班",))])
    with workspace.session() as s:
        assert repo.upsert_teachers(s, [Teacher("T1", "张老师", "科任", ("七年级（2）班",))]) == (0, 1)
    with workspace.session() as s:
        assert repo.list_teachers(s) == [Teacher("T1", "张老师", "科任", ("七年级（2）班",))]


def test_classes_sort_by_grade_and_number() -> None:
    names = ["八年级（1）班", "七年级（10）班", "九年级（1）班", "七年级（2）班"]
    assert sorted(names, key=class_sort_key) == ["七年级（2）班", "七年级（10）班", "八年级（1）班", "九年级（1）班"]


@pytest.mark.both_databases
def test_layout_is_saved_once_and_read_back(workspace: Workspace) -> None:
    form = load_form("record")
    with workspace.session() as s:
        repo.save_layout(s, form)
        repo.save_layout(s, form)
    with workspace.session() as s:
        assert repo.get_layout(s, form.layout_hash) == layout_dict(form)
        assert repo.get_layout(s, "00000000") is None


@pytest.mark.both_databases
def test_a_thousand_issued_forms_are_recorded_in_one_batched_insert(workspace: Workspace) -> None:
    """Batched, not row by row: counted in statements sent, not timed (a shared machine's
    seconds say nothing; bench/ measures the speed)."""
    form = load_form("record")
    items = [_issued("G001", form.layout_hash, n) for n in range(1000)]
    with workspace.session() as s:
        repo.upsert_students(s, [STUDENT])
        repo.save_layout(s, form)
        repo.add_batch(s, "B1", "generate", {"forms": ["record"]}, {"forms": 1000})
    sent: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:
        sent.append(statement)

    event.listen(workspace.engine, "before_cursor_execute", count)
    try:
        with workspace.session() as s:
            repo.add_issued_forms(s, items)
    finally:
        event.remove(workspace.engine, "before_cursor_execute", count)
    inserts = [q for q in sent if q.lstrip().upper().startswith("INSERT")]
    assert 1 <= len(inserts) <= 2 and len(sent) <= 10, sent
    with workspace.session() as s:
        assert repo.get_issued_form(s, items[7].form_id) == items[7]
        assert len(repo.issued_forms_for(s, "G001")) == 1000
        assert repo.get_issued_form(s, "R0000000X") is None
