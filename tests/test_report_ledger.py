"""The problem ledger (台账) on a school with known follow-ups (tests/report_support.py), as
data, as xlsx and through `jiafang report ledger`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.model.form import load_form
from pipeline.model.policy import load_policy
from pipeline.report.ledger import LEDGER_HEADERS, LEDGER_SHEET, LedgerItem, build_ledger, has_problem, write_ledger_xlsx
from pipeline.report.visits import Visit, load_visits
from pipeline.store import repo
from pipeline.store.audit import file_sha256, list_events
from pipeline.store.workspace import Workspace
from report_support import AS_OF, CLASS_1, CLASS_2, build_school

WIDE = {"COLUMNS": "200"}
FOLLOWUP_TYPE = load_form("record").with_role("visit_type").option_meaning("followup")  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    yield from build_school(tmp_path_factory.mktemp("school"))


def _ledger(ws: Workspace, as_of: dt.date = AS_OF) -> list[LedgerItem]:
    with ws.session() as s:
        return build_ledger(visits=load_visits(s), teachers=repo.list_teachers(s), policy=ws.policy, as_of=as_of)


def test_every_problem_found_is_an_item_with_its_follow_up_and_status(ws: Workspace) -> None:
    items = _ledger(ws)
    assert [
        (i.form_id, i.class_name, i.student_no, i.responsible_no, i.opened, i.due, [f.form_id for f in i.followups], i.status)
        for i in items
    ] == [
        ("R01", CLASS_1, "S01", "T01", dt.date(2025, 10, 10), dt.date(2025, 10, 17), ["R02"], "done"),  # 回访
        ("R05", CLASS_1, "S05", "T05", dt.date(2026, 3, 10), dt.date(2026, 3, 17), [], "overdue"),
        ("R06", CLASS_1, "S06", "T01", dt.date(2026, 3, 18), dt.date(2026, 3, 25), [], "open"),  # due as written
        ("R07", CLASS_2, "S07", "T04", dt.date(2026, 3, 5), dt.date(2026, 3, 12), ["R08"], "done"),  # call in window
    ]
    r06 = items[2]
    assert (r06.student_name, r06.problem, r06.measures) == ("马文", "情绪低落，睡眠不好", ("心理健康辅导", "家庭教育指导"))
    assert (items[1].overdue_days, items[1].status_label) == (3, "已逾期")


def test_problem_text_none_is_not_an_item(ws: Workspace) -> None:
    assert "R04" not in {i.form_id for i in _ledger(ws)}
    assert [has_problem(t) for t in ("无", "暂无。", " ", None, "无明显问题", "无心学习")] == [
        False, False, False, False, False, True,
    ]


def test_status_follows_the_as_of_date(ws: Workspace) -> None:
    statuses = {i.form_id: i.status for i in _ledger(ws, dt.date(2026, 3, 26))}
    assert statuses == {"R01": "done", "R05": "overdue", "R06": "overdue", "R07": "done"}
    # Before R05 and R06 happened, and before R08's call followed R07 up:
    assert {i.form_id: i.status for i in _ledger(ws, dt.date(2026, 3, 8))} == {"R01": "done", "R07": "open"}


def _v(form_id: str, day: str, visit_type: str = "普访", *, problems: str | None = None, status: str = "auto") -> Visit:
    return Visit(
        form_id=form_id, student_no="S01", class_name=CLASS_1, status=status, date=dt.date.fromisoformat(day),
        mode="电话", visit_type=visit_type, teacher_nos=(), problems=problems, measures=(), followup_due=None,
        recorded_at=None, end_time=None, followup=visit_type == FOLLOWUP_TYPE,
    )


@pytest.mark.parametrize(
    ("later", "linked"),
    [
        (_v("F", "2026-03-04", "回访"), True),
        (_v("F", "2026-03-20", "回访"), True),  # a late 回访 still closes the item
        (_v("F", "2026-03-09"), True),  # any visit inside the window (due 03-09)
        (_v("F", "2026-03-10"), False),  # … but not after it, unless it is a 回访
        (_v("F", "2026-03-02", "回访"), False),  # the same day is not a follow-up
        (_v("F", "2026-03-04", "回访", status="review"), False),  # pending records do not count
        (_v("F", "2026-03-25", "回访"), False),  # after as_of
    ],
)
def test_which_later_visits_follow_a_problem_up(later: Visit, linked: bool) -> None:
    found = _v("P", "2026-03-02", problems="作业拖拉")
    [item] = build_ledger(visits=[found, later], teachers=[], policy=load_policy(), as_of=AS_OF)
    assert bool(item.followups) is linked
    assert item.status == ("done" if linked else "overdue")
    assert item.due == dt.date(2026, 3, 9), "no due date written: visit date + followup_max_days"


def test_responsible_teacher_falls_back_to_the_class_head(ws: Workspace) -> None:
    with ws.session() as s:
        teachers = repo.list_teachers(s)
    unknown_teacher = _v("P", "2026-03-02", problems="作业拖拉")
    [item] = build_ledger(visits=[unknown_teacher], teachers=teachers, policy=load_policy(), as_of=AS_OF)
    assert (item.responsible_no, item.responsible) == ("T03", "唐春燕")


def test_ledger_xlsx_reads_back_with_the_office_columns(ws: Workspace, tmp_path: Path) -> None:
    out = write_ledger_xlsx(_ledger(ws), tmp_path / "台账.xlsx", school="青禾市明德实验学校", as_of=AS_OF, scope="全校")
    sheet = openpyxl.load_workbook(out)[LEDGER_SHEET]
    assert sheet["A1"].value == "青禾市明德实验学校家访问题台账"
    assert sheet["A2"].value == "范围：全校    统计日期：2026-03-20    共 4 项（未完成 1 项，已完成 2 项，已逾期 1 项）"
    assert [c.value for c in sheet[3]] == list(LEDGER_HEADERS)
    rows = list(sheet.iter_rows(min_row=4, max_row=7, values_only=True))
    assert rows[0] == (
        1, CLASS_1, "吴明", "S01", "英语偏弱", "学困生学习提升", "林春燕",
        dt.datetime(2025, 10, 10), dt.datetime(2025, 10, 17), "2025-10-14 回访（电话）", "已完成",
    )
    assert [(r[0], r[2], r[10]) for r in rows[1:]] == [
        (2, "周琪", "已逾期（3 天）"), (3, "马文", "未完成"), (4, "曹华", "已完成"),
    ]
    assert rows[2][5] == "心理健康辅导、家庭教育指导"
    assert "B4:B6" in {str(r) for r in sheet.merged_cells.ranges}
    assert sheet.freeze_panes == "A4"


def test_cli_filters_by_status_writes_xlsx_and_logs_it(ws: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "逾期台账.xlsx"
    args = ["report", "ledger", "--as-of", "2026-03-20", "--status", "overdue", "--out", str(out), "-w", str(ws.root)]
    result = CliRunner().invoke(main, [*args, "--operator", "教务处"], env=WIDE)
    assert result.exit_code == 0, result.output
    assert "周琪" in result.output and "吴明" not in result.output and "马文" not in result.output
    assert "共 1 项：未完成 0，已完成 0，已逾期 1" in result.output
    rows = list(openpyxl.load_workbook(out)[LEDGER_SHEET].iter_rows(min_row=4, max_row=4, values_only=True))
    assert rows[0][2] == "周琪"
    with ws.session() as s:
        event = next(e for e in list_events(s, action="report") if e.output == str(out.resolve()))
    assert (event.operator, event.output_sha256) == ("教务处", file_sha256(out))
    assert event.options == {"report": "ledger", "as_of": "2026-03-20", "format": "xlsx", "status": "overdue"}


def test_cli_one_class(ws: Workspace) -> None:
    result = CliRunner().invoke(
        main, ["report", "ledger", "--as-of", "2026-03-20", "--class", CLASS_2, "-w", str(ws.root)], env=WIDE
    )
    assert result.exit_code == 0, result.output
    assert "曹华" in result.output and "周琪" not in result.output
    assert "2026-03-09 普访" in result.output
