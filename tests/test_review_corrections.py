"""Reviewer decisions: corrections validated and kept with the old value, statuses recomputed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.errors import CorrectionError, ReviewError
from pipeline.review import (
    UNREADABLE,
    accept_field,
    correct_field,
    group_items,
    mark_unreadable,
    review_field,
    review_queue,
)
from pipeline.store.audit import list_events
from pipeline.store.corrections import corrections_for
from pipeline.store.records import current_record, list_records
from pipeline.store.workspace import Workspace
from tests.review_support import CLASS, Issued, copy_workspace, issue_template, review, store_record, typical_fields

pytestmark = pytest.mark.both_databases  # the same tests on SQLite and PostgreSQL

OPERATOR = "德育处 李老师"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory, module_database: str) -> tuple[Path, list[Issued]]:
    return issue_template(tmp_path_factory.mktemp("review-template"))


@pytest.fixture
def ws(template: tuple[Path, list[Issued]], tmp_path: Path) -> Iterator[Workspace]:
    workspace = copy_workspace(template[0], tmp_path / "ws")
    yield workspace
    workspace.close()


@pytest.fixture
def issued(template: tuple[Path, list[Issued]]) -> list[Issued]:
    return template[1]


def _field(ws: Workspace, form_id: str, field_id: str):  # type: ignore[no-untyped-def]
    with ws.session() as s:
        record = current_record(s, form_id)
    assert record is not None
    return record.fields[field_id]


def test_typed_chinese_date_is_stored_iso_verified_by_a_human_with_the_old_value_kept(
    ws: Workspace, issued: list[Issued]
) -> None:
    form_id = issued[0].form_id
    store_record(ws, issued[0], typical_fields(ws))
    record = correct_field(ws, form_id, "visit_date", "2025年11月3日", version=1, operator=OPERATOR)
    fv = record.fields["visit_date"]
    assert (fv.value, fv.status, fv.source, fv.message) == ("2025-11-03", "verified", "human", "")
    assert fv.crop is not None, "the crop stays with the field"
    with ws.session() as s:
        (kept,) = corrections_for(s, form_id)
        (event,) = list_events(s, action="correction")
    assert (kept.old_value, kept.old_status, kept.new_value, kept.action) == ("2025-11-08", "review", "2025-11-03", "correction")
    assert (kept.operator, kept.version) == (OPERATOR, 1)
    assert event.operator == OPERATOR
    assert event.output == "2025-11-08 → 2025-11-03"
    assert form_id in event.scope and "visit_date" in event.scope


def test_record_status_follows_its_last_review_field(ws: Workspace, issued: list[Issued]) -> None:
    verified_form, auto_form = issued[0].form_id, issued[1].form_id
    store_record(ws, issued[0], typical_fields(ws, others="verified"))
    store_record(ws, issued[1], typical_fields(ws, others="auto"))

    correct_field(ws, verified_form, "visit_date", "2025-11-03", version=1, operator=OPERATOR)
    with ws.session() as s:
        assert {r.form_id for r in list_records(s, status="review")} == {verified_form, auto_form}
    record = accept_field(ws, verified_form, "mode", version=1, operator=OPERATOR)
    assert record.status == "verified"

    correct_field(ws, auto_form, "visit_date", "2025/11/3", version=1, operator=OPERATOR)
    assert mark_unreadable(ws, auto_form, "mode", version=1, operator=OPERATOR).status == "auto"
    with ws.session() as s:
        assert [r.form_id for r in list_records(s, status="verified")] == [verified_form]
        assert [r.form_id for r in list_records(s, status="auto")] == [auto_form]
        assert list_records(s, status="review") == []


def test_unparseable_typed_date_is_refused_with_the_message_and_nothing_changes(
    ws: Workspace, issued: list[Issued]
) -> None:
    form_id = issued[0].form_id
    store_record(ws, issued[0], typical_fields(ws))
    with pytest.raises(CorrectionError, match="家访日期.*2025年13月40日.*无法识别") as caught:
        correct_field(ws, form_id, "visit_date", "2025年13月40日", version=1, operator=OPERATOR)
    assert not caught.value.overridable
    assert _field(ws, form_id, "visit_date").status == "review"
    with ws.session() as s:
        assert corrections_for(s, form_id) == []
        assert list_events(s, action="correction") == []


def test_value_breaking_a_rule_needs_the_reviewer_to_confirm_it(ws: Workspace, issued: list[Issued]) -> None:
    form_id = issued[0].form_id
    store_record(ws, issued[0], typical_fields(ws))
    with pytest.raises(CorrectionError, match="不在2025—2026学年") as caught:
        correct_field(ws, form_id, "visit_date", "2024年3月1日", version=1, operator=OPERATOR)
    assert caught.value.overridable
    record = correct_field(ws, form_id, "visit_date", "2024年3月1日", version=1, operator=OPERATOR, confirm=True)
    fv = record.fields["visit_date"]
    assert (fv.value, fv.status) == ("2024-03-01", "verified")
    assert fv.message.startswith("人工确认：")


def test_accept_keeps_the_value_as_read(ws: Workspace, issued: list[Issued]) -> None:
    form_id = issued[0].form_id
    store_record(ws, issued[0], typical_fields(ws))
    record = accept_field(ws, form_id, "mode", version=1, operator=OPERATOR)
    fv = record.fields["mode"]
    assert (fv.value, fv.raw, fv.status, fv.source) == ("电话", "电话", "verified", "human")
    with ws.session() as s:
        (kept,) = corrections_for(s, form_id)
    assert (kept.action, kept.old_value, kept.new_value) == ("accept", "电话", "电话")


def test_enter_on_the_shown_value_accepts_and_a_changed_value_corrects(ws: Workspace, issued: list[Issued]) -> None:
    form_id = issued[0].form_id
    store_record(ws, issued[0], typical_fields(ws))
    review_field(ws, form_id, "mode", "电话", version=1, operator=OPERATOR)
    review_field(ws, form_id, "visit_date", "11月3日", version=1, operator=OPERATOR)  # school year implied
    with ws.session() as s:
        decisions = [(c.field_id, c.action, c.new_value) for c in corrections_for(s, form_id)]
    assert decisions == [("mode", "accept", "电话"), ("visit_date", "correction", "2025-11-03")]


def test_option_numbers_and_signature_words_are_understood(ws: Workspace, issued: list[Issued]) -> None:
    form_id = issued[0].form_id
    fields = typical_fields(ws) | {"topics": review(None, "", 0.5), "parent_signature": review(False, "否", 0.5)}
    store_record(ws, issued[0], fields)
    assert correct_field(ws, form_id, "mode", "1", version=1, operator=OPERATOR).fields["mode"].value == "入户走访"
    assert correct_field(ws, form_id, "topics", "1、3", version=1, operator=OPERATOR).fields["topics"].value == ["学习情况", "心理健康"]
    assert correct_field(ws, form_id, "parent_signature", "有", version=1, operator=OPERATOR).fields["parent_signature"].value is True
    with pytest.raises(CorrectionError, match="家长签名"):
        correct_field(ws, form_id, "parent_signature", "也许", version=1, operator=OPERATOR)
    with pytest.raises(CorrectionError, match="只能选一项"):
        correct_field(ws, form_id, "mode", "1、2", version=1, operator=OPERATOR)


def test_unreadable_field_is_empty_and_verified(ws: Workspace, issued: list[Issued]) -> None:
    form_id = issued[0].form_id
    store_record(ws, issued[0], typical_fields(ws))
    fv = mark_unreadable(ws, form_id, "visit_date", version=1, operator=OPERATOR).fields["visit_date"]
    assert (fv.value, fv.status, fv.source, fv.message, fv.raw) == (None, "verified", "human", UNREADABLE, "2025.11.8")


def test_decision_on_an_unknown_form_or_field_is_refused(ws: Workspace, issued: list[Issued]) -> None:
    store_record(ws, issued[0], typical_fields(ws))
    with pytest.raises(ReviewError, match="没有字段 nonsense"):
        accept_field(ws, issued[0].form_id, "nonsense", version=1, operator=OPERATOR)
    with pytest.raises(ReviewError, match=f"{issued[1].form_id} 还没有读回的记录"):
        accept_field(ws, issued[1].form_id, "mode", version=1, operator=OPERATOR)


def test_queue_lists_review_fields_with_context_and_filters(ws: Workspace, issued: list[Issued]) -> None:
    store_record(ws, issued[0], typical_fields(ws))
    store_record(ws, issued[1], typical_fields(ws))
    items = review_queue(ws)
    by_student = sorted(issued[:2], key=lambda f: f.student_no)
    assert [(i.form_id, i.field_id) for i in items] == [
        (f.form_id, fid) for f in by_student for fid in ("visit_date", "mode")
    ]
    first = items[0]
    assert first.student_name and first.class_name == CLASS
    assert first.visit_date == "2025-11-08"
    assert first.crop and first.crop.endswith(".png")
    assert {i.field_id for i in review_queue(ws, kind="date")} == {"visit_date"}
    assert review_queue(ws, class_name="八年级（1）班") == []
    assert review_queue(ws, form="memo") == []
    accept_field(ws, issued[0].form_id, "mode", version=1, operator=OPERATOR)
    assert len(review_queue(ws)) == 3


def test_group_mode_puts_one_checkbox_group_and_all_dates_side_by_side(ws: Workspace, issued: list[Issued]) -> None:
    for entry in issued[:3]:
        fields = typical_fields(ws) | {"followup_due": review("2025-11-20", "2025.11.20")}
        store_record(ws, entry, fields)
    groups = {g.key: g for g in group_items(review_queue(ws))}
    assert set(groups) == {"date", "record.mode"}
    assert [i.field_id for i in groups["record.mode"].items] == ["mode"] * 3
    assert "入户走访" in groups["record.mode"].title
    assert sorted(i.field_id for i in groups["date"].items) == ["followup_due"] * 3 + ["visit_date"] * 3
