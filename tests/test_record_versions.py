"""Versions carry decisions: a new return keeps what a person decided on unchanged evidence,
flags what changed, and a decision made on an older version is refused, nothing written."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pikepdf
import pytest
from alembic import command
from fastapi.testclient import TestClient

from pipeline.errors import StaleVersionError
from pipeline.generate import generate
from pipeline.ingest import ingest
from pipeline.model.correction import UNREADABLE
from pipeline.review.app import create_app
from pipeline.review.corrections import accept_field, correct_field, mark_unreadable
from pipeline.store.audit import list_events
from pipeline.store.corrections import corrections_for
from pipeline.store.records import current_record, record_history
from pipeline.store.workspace import Workspace, alembic_config, init_workspace
from tests.review_support import Issued, copy_workspace, issue_template, store_record, typical_fields
from tests.ingest_support import CLASS, VALUES, filled_docx, make_workspace

pytestmark = pytest.mark.both_databases  # the same tests on SQLite and PostgreSQL

OPERATOR = "德育处 李老师"
TOKEN = "t0ken-for-versions"
STALE = "此记录已有新版本，请刷新后再核对"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory, module_database: str) -> tuple[Path, list[Issued]]:
    return issue_template(tmp_path_factory.mktemp("versions-template"))


@pytest.fixture
def ws(template: tuple[Path, list[Issued]], tmp_path: Path) -> Iterator[Workspace]:
    workspace = copy_workspace(template[0], tmp_path / "ws")
    yield workspace
    workspace.close()


@pytest.fixture
def issued(template: tuple[Path, list[Issued]]) -> Issued:
    return template[1][0]


def _current(ws: Workspace, form_id: str):  # type: ignore[no-untyped-def]
    with ws.session() as s:
        record = current_record(s, form_id)
    assert record is not None
    return record


def _nothing_decided(ws: Workspace, form_id: str) -> None:
    with ws.session() as s:
        assert corrections_for(s, form_id) == []
        assert list_events(s, action="correction") == []
    assert _current(ws, form_id).fields["mode"].status == "review"


# --- 7. decisions carried forward ------------------------------------------------------------


def test_second_word_return_keeps_decisions_on_unchanged_values_and_flags_the_changed_one(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws")
    report = generate(ws, forms=["record"], formats=["docx"], out_dir=tmp_path / "out", class_name=CLASS)
    blank = tmp_path / "out" / report.entries[0].file
    first = ingest(ws, [filled_docx(blank, tmp_path / "back" / "first.docx")]).items[0]
    form_id = first.form_id
    correct_field(ws, form_id, "visit_time", "19:00-20:00", version=1, operator=OPERATOR)
    mark_unreadable(ws, form_id, "interviewee", version=1, operator=OPERATOR)
    accept_field(ws, form_id, "place", version=1, operator=OPERATOR)

    second = filled_docx(blank, tmp_path / "back" / "second.docx", {**VALUES, "place": "学校会议室"})
    assert ingest(ws, [second]).items[0].version == 2
    record = _current(ws, form_id)
    time, interviewee, place = (record.fields[f] for f in ("visit_time", "interviewee", "place"))
    assert (time.value, time.status, time.source) == ("19:00-20:00", "verified", "human"), "the Word value did not change"
    assert (interviewee.value, interviewee.message, interviewee.source) == (None, UNREADABLE, "human")
    assert (place.value, place.status, place.source) == ("学校会议室", "review", "docx"), "new evidence: a person looks again"
    assert place.message.startswith("此前人工核对为“学生家中”，新读到“学校会议室”，请核对")
    assert (record.fields["mode"].status, record.fields["mode"].source) == ("auto", "docx"), "undecided fields as read"
    assert record.status == "review"
    with ws.session() as s:
        kept = {c.field_id: c.evidence for c in corrections_for(s, form_id)}
    assert kept["visit_time"] == hashlib.sha256(b"19:00-20:10").hexdigest(), "the decision keeps the text it was made on"


def test_a_form_filled_again_for_another_visit_sends_its_date_to_a_person_naming_both_dates(tmp_path: Path) -> None:
    """A teacher reuses the October Word file for the December visit. Before, the new version
    replaced the October visit without a word: its date `auto`, the first visit only in the
    history. A return that corrects another field on the same date leaves the date alone."""
    ws = make_workspace(tmp_path / "ws")
    report = generate(ws, forms=["record"], formats=["docx"], out_dir=tmp_path / "out", class_name=CLASS)
    blank = tmp_path / "out" / report.entries[0].file
    form_id = ingest(ws, [filled_docx(blank, tmp_path / "back" / "十一月.docx")]).items[0].form_id
    ingest(ws, [filled_docx(blank, tmp_path / "back" / "改地点.docx", {**VALUES, "place": "学校会议室"})])
    assert _current(ws, form_id).fields["visit_date"].status == "auto"
    december = {**VALUES, "visit_date": "2025年12月2日", "family_situation": "第二次家访：成绩回升。"}
    assert ingest(ws, [filled_docx(blank, tmp_path / "back" / "十二月.docx", december)]).items[0].version == 3
    date = _current(ws, form_id).fields["visit_date"]
    assert (date.value, date.status) == ("2025-12-02", "review")
    assert "上次交回时记的是 2025-11-03 的家访，这次是 2025-12-02" in date.message and "另发一张表" in date.message
    with ws.session() as s:
        assert [r.fields["visit_date"].value for r in record_history(s, form_id)] == ["2025-11-03", "2025-11-03", "2025-12-02"]
    ws.close()


def test_an_earlier_draft_returned_after_the_finished_form_sends_what_it_empties_to_a_person(tmp_path: Path) -> None:
    """The finished Word file comes in, then an earlier draft of it (sent again from a phone,
    or read later from the same folder). Before, the draft became the current version without
    a word: 家庭情况 and the teacher's signature empty, `auto`."""
    ws = make_workspace(tmp_path / "ws")
    report = generate(ws, forms=["record"], formats=["docx"], out_dir=tmp_path / "out", class_name=CLASS)
    blank = tmp_path / "out" / report.entries[0].file
    form_id = ingest(ws, [filled_docx(blank, tmp_path / "back" / "定稿.docx")]).items[0].form_id
    draft = {k: v for k, v in VALUES.items() if k not in ("family_situation", "teacher_signature")}
    assert ingest(ws, [filled_docx(blank, tmp_path / "back" / "草稿.docx", draft)]).items[0].version == 2
    record = _current(ws, form_id)
    emptied = {fid for fid, f in record.fields.items() if f.message.startswith("上一版此栏为")}
    assert emptied == {"family_situation", "teacher_signature"}
    assert all(record.fields[fid].status == "review" for fid in emptied)
    assert "父母在外务工" in record.fields["family_situation"].message
    assert (record.fields["place"].status, record.fields["visit_date"].status) == ("auto", "auto")
    ws.close()


@pytest.mark.slow
def test_late_page_two_of_a_scan_keeps_the_decision_on_page_one_and_reads_page_two(tmp_path: Path) -> None:
    from pipeline.synth.returns import StackEvents
    from tests.test_ingest_scan import _stack
    from tests.test_ingest_scan import _workspace as scan_workspace

    ws = scan_workspace(tmp_path / "ws", students=1)
    folder, _ = _stack(ws, tmp_path, events=StackEvents.none())
    (stack,) = folder.rglob("*.pdf")
    page_one, page_two = _split_pages(stack, tmp_path / "split")
    form_id = ingest(ws, [page_one], workers=1).items[-1].form_id
    before = _current(ws, form_id)
    assert "第 2 页没有扫描到" in before.fields["teacher_signature"].message
    correct_field(ws, form_id, "place", "学校会议室", version=1, operator=OPERATOR)
    accept_field(ws, form_id, "mode", version=1, operator=OPERATOR)

    assert ingest(ws, [page_two], workers=1).count("updated") == 1
    after = _current(ws, form_id)
    assert after.version == 2
    for field_id, value in (("place", "学校会议室"), ("mode", before.fields["mode"].value)):
        fv = after.fields[field_id]
        assert (fv.value, fv.status, fv.source) == (value, "verified", "human"), field_id
        assert fv.crop == before.fields[field_id].crop, "the same crop: the evidence did not change"
    signature = after.fields["teacher_signature"]
    assert signature.crop is not None and "没有扫描到" not in signature.message, "page 2 is read"


def _split_pages(pdf: Path, out: Path) -> list[Path]:
    """One PDF per page of ``pdf`` (a page returned late arrives as a file of its own)."""
    out.mkdir()
    pages = []
    with pikepdf.open(pdf) as whole:
        for n, page in enumerate(whole.pages, start=1):
            with pikepdf.new() as single:
                single.pages.append(page)
                single.save(out / f"page{n}.pdf")
            pages.append(out / f"page{n}.pdf")
    return pages


# --- 8. decisions bound to a version ---------------------------------------------------------


def test_decision_made_on_an_older_version_is_refused_and_writes_nothing(ws: Workspace, issued: Issued) -> None:
    store_record(ws, issued, typical_fields(ws))
    shown = _current(ws, issued.form_id).version
    store_record(ws, issued, typical_fields(ws))  # a new return arrives while the page is open
    for decide in (
        lambda: accept_field(ws, issued.form_id, "mode", version=shown, operator=OPERATOR),
        lambda: correct_field(ws, issued.form_id, "mode", "入户走访", version=shown, operator=OPERATOR),
        lambda: mark_unreadable(ws, issued.form_id, "mode", version=shown, operator=OPERATOR),
    ):
        with pytest.raises(StaleVersionError, match=STALE):
            decide()
    _nothing_decided(ws, issued.form_id)
    assert accept_field(ws, issued.form_id, "mode", version=2, operator=OPERATOR).fields["mode"].status == "verified"


def test_web_decision_posted_for_an_older_version_is_refused_with_the_refresh_message(ws: Workspace, issued: Issued) -> None:
    store_record(ws, issued, typical_fields(ws))
    client = TestClient(create_app(ws, operator=OPERATOR, token=TOKEN), headers={"Origin": "http://testserver"})
    queue = client.get(f"/queue?token={TOKEN}")
    assert queue.status_code == 200 and 'name="version" value="1"' in queue.text, "the page posts the version it shows"
    store_record(ws, issued, typical_fields(ws))

    refused = client.post(f"/fields/{issued.form_id}/mode", data={"value": "电话", "version": "1"})
    assert refused.status_code == 200 and STALE in refused.text
    assert 'name="version" value="2"' in refused.text, "the refreshed item carries the new version"
    assert STALE in client.post(f"/fields/{issued.form_id}/mode/unreadable", data={"version": "1"}).text
    assert "请刷新页面" in client.post(f"/fields/{issued.form_id}/mode", data={"value": "电话"}).text
    _nothing_decided(ws, issued.form_id)

    client.post(f"/fields/{issued.form_id}/mode", data={"value": "电话", "version": "2"})
    mode = _current(ws, issued.form_id).fields["mode"]
    assert (mode.status, mode.source) == ("verified", "human")


# --- migration -------------------------------------------------------------------------------


def test_upgrade_gives_existing_rows_their_evidence_so_old_decisions_carry_forward(ws: Workspace, issued: Issued) -> None:
    fields = typical_fields(ws)
    store_record(ws, issued, fields)
    accept_field(ws, issued.form_id, "mode", version=1, operator=OPERATOR)
    correct_field(ws, issued.form_id, "problems", "作业拖拉，上课走神", version=1, operator=OPERATOR)
    with ws.engine.begin() as conn:
        config = alembic_config()
        config.attributes["connection"] = conn
        command.downgrade(config, "0005")  # a workspace from before evidence was kept
    ws.close()

    upgraded = init_workspace(ws.root)  # a server database is upgraded by init only (pipeline.store.database)
    store_record(upgraded, issued, fields)  # the same readings again
    with upgraded.session() as s:
        v1, v2 = record_history(s, issued.form_id)
    crop_digest = fields["mode"].crop.split(".")[0]  # type: ignore[union-attr]
    with upgraded.session() as s:
        kept = {c.field_id: c.evidence for c in corrections_for(s, issued.form_id)}
    assert kept == {"mode": crop_digest, "problems": hashlib.sha256("作业拖拉".encode()).hexdigest()}
    for field_id in ("mode", "problems"):
        assert (v2.fields[field_id].status, v2.fields[field_id].value) == ("verified", v1.fields[field_id].value), field_id
    upgraded.close()
