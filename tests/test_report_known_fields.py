"""Reports count what is known (issue 12 item 6): a visit counts in the 统计表, the compliance
to-do list and the ledger once the fields those reports count it by — student, date, mode,
type, measures, found by their roles — are auto or verified, whatever its narratives wait for.

The school is tests/report_support.py's roster with three scanned record forms (month 2026-03):

    K1 S01 03-10 入户走访 T03   problems (a handwritten draft) in review      counted, fields pending
    K2 S03 03-11 入户走访 T03   the date in review                           pending, not counted
    K3 S05 03-12 入户走访 T05   teachers in review; problem 作业拖拉 auto      counted, fields pending
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest

from pipeline.model.form import load_form
from pipeline.model.issuance import IssuedForm
from pipeline.model.record import FieldValue, Record
from pipeline.report.compliance import make_compliance_report
from pipeline.report.ledger import make_ledger_report
from pipeline.report.stats.count import StatsTable, compute_stats
from pipeline.report.stats.report import make_stats_report
from pipeline.report.visits import COUNTING_ROLES, load_visits, visit_of
from pipeline.resources import samples_dir
from pipeline.store import repo
from pipeline.store.records import add_record
from pipeline.store.workspace import Workspace, init_workspace
from tests.report_support import STUDENTS, TEACHERS, student

MONTH = "2026-03"
AS_OF = dt.date(2026, 3, 20)
FORM = load_form("record")
NOTE = "其中 2 份记录仍有其他栏目待核对"
# (form id, student, date, visiting teacher, roles whose field is still in review)
SCANNED = (
    ("K1", "S01", "2026-03-10", "T03", {"problems"}),
    ("K2", "S03", "2026-03-11", "T03", {"visit_date"}),
    ("K3", "S05", "2026-03-12", "T05", {"teachers"}),
)


def scanned_record(form_id: str, student_no: str, day: str, teacher_no: str, in_review: set[str]) -> Record:
    """A record form read from a scan, every field placed by its role, ``in_review`` pending."""
    pupil = student(student_no)
    teacher = next(t for t in TEACHERS if t.teacher_no == teacher_no)
    by_role: dict[str, tuple[object, tuple[str, ...]]] = {
        "student": (pupil.name, ()),
        "visit_date": (day, ()),
        "visit_time": ("15:00-16:00", ()),
        "visit_mode": ("入户走访", ()),
        "visit_type": ("普访", ()),
        "teachers": (teacher.name, (teacher_no,)),
        "problems": ("作业拖拉", ()),
        "four_measures": (["家庭教育指导"], ()),
    }
    fields = {}
    for role, (value, refs) in by_role.items():
        field = FORM.with_role(role)
        assert field is not None, role
        status = "review" if role in in_review else "auto"
        fields[field.id] = FieldValue(value, str(value), 0.9 if status == "review" else 1.0, "ocr", status, refs=refs)
    return Record(form_id, FORM.id, pupil.student_no, pupil.class_name, FORM.layout_hash, fields, f"{form_id}.pdf", reader="scan")


@pytest.fixture(scope="module")
def school(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    ws = init_workspace(tmp_path_factory.mktemp("known") / "ws", policy_path=samples_dir() / "policy.yaml")
    with ws.session() as s:
        repo.upsert_students(s, STUDENTS)
        repo.upsert_teachers(s, TEACHERS)
        repo.save_layout(s, FORM)
        repo.add_issued_forms(s, [_issued(form_id, student_no) for form_id, student_no, *_ in SCANNED])
        for spec in SCANNED:
            add_record(s, scanned_record(*spec))
    yield ws
    ws.close()


def _issued(form_id: str, student_no: str) -> IssuedForm:
    pupil = student(student_no)
    return IssuedForm(
        form_id, FORM.id, FORM.version, FORM.layout_hash, student_no, pupil.class_name, FORM.page_count, "b1", (),
        dt.datetime(2026, 3, 1, tzinfo=dt.timezone.utc),
    )


def _table(ws: Workspace) -> StatsTable:
    with ws.session() as s:
        return compute_stats(
            visits=load_visits(s), students=repo.list_students(s), teachers=repo.list_teachers(s),
            policy=ws.policy, month=MONTH,
        )


def test_a_visit_counts_while_its_narrative_and_names_wait_for_review(school: Workspace) -> None:
    table = _table(school)
    assert (table.total.month.visits, table.total.month.visited, table.total.month.home_visited) == (2, 2, 2)
    assert table.counted_with_pending == 2
    report = make_compliance_report(school, as_of=AS_OF).report
    not_home_visited = {i.student_no for i in report.of_kind("no_home_visit")}
    assert {"S01", "S05"}.isdisjoint(not_home_visited) and "S03" in not_home_visited


def test_a_visit_whose_date_waits_for_review_is_pending_not_counted(school: Workspace) -> None:
    with school.session() as s:
        visits = {v.form_id: v for v in load_visits(s)}
    assert not visits["K2"].counted and visits["K1"].counted and visits["K3"].counted
    assert _table(school).pending_review == 1
    assert make_compliance_report(school, as_of=AS_OF).report.pending_review == 1


@pytest.mark.parametrize("role", COUNTING_ROLES)
def test_any_counting_field_in_review_keeps_the_visit_pending(role: str) -> None:
    assert not visit_of(scanned_record("K9", "S01", "2026-03-10", "T03", {role}), FORM).counted
    assert visit_of(scanned_record("K9", "S01", "2026-03-10", "T03", {"visit_time", "followup_due"}), FORM).counted


def test_values_outside_the_counting_fields_wait_for_their_own_review(school: Workspace) -> None:
    roles = {r.role: r.month for r in _table(school).roles}
    assert (roles["班主任"], roles["科任"]) == (1, 0), "K3's teacher is not credited while its name waits"
    ledger = make_ledger_report(school, as_of=AS_OF).items
    assert [i.form_id for i in ledger] == ["K3"], "K1's problem opens no item while its text waits"


def test_stats_compliance_and_ledger_sheets_say_how_many_counted_records_still_wait(
    school: Workspace, tmp_path: Path
) -> None:
    written = [
        make_stats_report(school, month=MONTH, out=tmp_path / "统计表.xlsx").path,
        make_compliance_report(school, as_of=AS_OF, out=tmp_path / "待办.xlsx").written.path,  # type: ignore[union-attr]
        make_ledger_report(school, as_of=AS_OF, out=tmp_path / "台账.xlsx").written.path,  # type: ignore[union-attr]
    ]
    for path in written:
        book = openpyxl.load_workbook(path)
        texts = [c.value for c in book.worksheets[0]["A"] if isinstance(c.value, str)]
        assert any(NOTE in t for t in texts), path.name
