"""Workspaces for the online-record and LAN-mode tests: the sample roster, record forms issued
for two classes, operator accounts of every role, and records waiting for review in both
classes (hand-made Records stored through the record store)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from sqlalchemy.orm import Session

from pipeline.identity import new_form_id
from pipeline.model.form import load_form
from pipeline.model.issuance import IssuedForm
from pipeline.model.record import FieldValue, Record
from pipeline.resources import samples_dir
from pipeline.roster.importer import import_roster
from pipeline.store import repo
from pipeline.store.operators import add_operator
from pipeline.store.records import add_record
from pipeline.store.workspace import Workspace, init_workspace, open_workspace

CLASS = "七年级（1）班"  # 唐春燕 is its 班主任
OTHER = "七年级（2）班"  # 张桂兰's
TEACHER, OTHER_TEACHER = "唐春燕", "张桂兰"
OFFICE, LEADER = "教务处", "林校长"
PASSWORD = "correct horse 7"
VISIT_DAY = "2025-11-03"  # inside the sample school year; tests pass a later "today"


def lan_template(root: Path) -> Path:
    """A closed workspace at ``root/ws``: roster, record forms issued for CLASS and OTHER,
    one record in review in each class, and the accounts of every role."""
    ws = init_workspace(root / "ws", policy_path=samples_dir() / "policy.yaml")
    import_roster(ws, [samples_dir() / "roster.xlsx"])
    def accounts(session: Session) -> None:
        issue_record_forms(session, [CLASS, OTHER])
        add_operator(session, OFFICE, "office", PASSWORD)
        add_operator(session, LEADER, "leader", PASSWORD)
        add_operator(session, TEACHER, "teacher", PASSWORD, [CLASS])
        add_operator(session, OTHER_TEACHER, "teacher", PASSWORD, [OTHER])

    ws.write(accounts)
    for class_name in (CLASS, OTHER):
        store_review_record(ws, class_name)
    ws.close()
    return root / "ws"


def issue_record_forms(session: Session, classes: list[str]) -> None:
    """One 家访记录表 issued to every student of ``classes``, as ``generate`` records them
    (without rendering the print files these tests do not read)."""
    form = load_form("record")
    repo.save_layout(session, form)
    students = [s for c in classes for s in repo.list_students(session, class_name=c)]
    repo.add_issued_forms(
        session,
        [
            IssuedForm(new_form_id("record"), "record", form.version, form.layout_hash, s.student_no, s.class_name, form.page_count, "GTEST", (), repo.now())
            for s in students
        ],
    )


def copy_workspace(template: Path, target: Path) -> Workspace:
    shutil.copytree(template, target)
    return open_workspace(target)


@pytest.fixture(scope="module")
def lan_template_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """:func:`lan_template`, built once per test module."""
    return lan_template(tmp_path_factory.mktemp("lan"))


@pytest.fixture
def ws(lan_template_dir: Path, tmp_path: Path) -> Iterator[Workspace]:
    """A copy of the module's LAN template workspace, open."""
    ws = copy_workspace(lan_template_dir, tmp_path / "ws")
    yield ws
    ws.close()


def issued_in(ws: Workspace, class_name: str) -> list[tuple[str, str]]:
    """(form id, 学籍号) of the record forms issued in ``class_name``, by student."""
    with ws.session() as session:
        students = repo.list_students(session, class_name=class_name)
        return [(i.form_id, s.student_no) for s in students for i in repo.issued_forms_for(session, s.student_no)]


def store_review_record(ws: Workspace, class_name: str) -> Record:
    """A scanned return of the class's first issued form with its 家访日期 waiting for review."""
    form_id, student_no = issued_in(ws, class_name)[0]
    fields = {
        "visit_date": FieldValue("2025-11-08", "2025.11.8", 0.55, "ocr", "review", "识别把握不足"),
        "mode": FieldValue("电话", "电话", 1.0, "omr", "verified"),
        "teachers": FieldValue(TEACHER, TEACHER, 1.0, "ocr", "verified"),
    }
    record = Record(form_id, "record", student_no, class_name, load_form("record").layout_hash, fields, "0" * 64 + ".png", reader="scan")
    with ws.session() as session:
        return add_record(session, record)


def record_post(**changes: object) -> dict[str, object]:
    """What the online form posts for a phone visit by 唐春燕 (``changes`` replace fields)."""
    posted: dict[str, object] = {
        "visit_date": VISIT_DAY,
        "visit_time__start": "19:00",
        "visit_time__end": "19:25",
        "mode": "电话",
        "visit_type": "普访",
        "teachers": TEACHER,
        "topics": ["学习情况", "安全教育(防溺水·交通·防诈)"],
        "school_feedback": "上课认真，作业按时完成。",
        "followup_measures": ["家庭教育指导"],
        "teacher_signature": "1",
    }
    posted.update(changes)
    return posted


def as_posted(values: dict[str, object]) -> dict[str, list[str]]:
    """``values`` as a browser posts them: every field a list of strings."""
    return {k: [str(x) for x in v] if isinstance(v, list) else [str(v)] for k, v in values.items()}
