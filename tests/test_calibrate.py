"""Thresholds that learn from the school's reviewers, and the review load as a figure.

The fit and the bound are checked on examples built by hand (and against an independent
solution of Wilson's score equation); the rest runs on a real workspace: real .docx returns
ingested, real decisions made through the review library and the review station, the real
`jiafang` commands.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import statistics
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from pipeline import defs
from pipeline.calibrate import apply_proposals, propose, review_load, seconds_per_field, workspace_thresholds
from pipeline.calibrate.fit import Step, choose_threshold, isotonic_fit, least_examples, wilson_lower_bound
from pipeline.calibrate.plan import ENOUGH, UNSUPPORTED
from pipeline.cli import main
from pipeline.ingest import ingest
from pipeline.model.calibration import AutoThresholds, Example, field_kinds
from pipeline.model.record import RawValue, Reading
from pipeline.recognize.combs import DOUBT_PARTIAL, DOUBT_UNSURE
from pipeline.validate import to_record
from pipeline.review import correct_field
from pipeline.review.app import create_app
from pipeline.store.calibration import labelled_examples
from pipeline.store.corrections import corrections_for
from pipeline.store.records import current_record, list_records
from pipeline.store.workspace import Workspace, open_workspace
from ingest_support import VALUES
from calibrate_support import (
    CALIBRATION_FORMS,
    CHOICE_FIELDS,
    CLASS,
    OPERATOR,
    MISREAD_PLACES,
    decide_returns,
    filled,
    issue_class,
)

Z = 1.6448536269514722  # standard normal 95 % quantile (one-sided), from tables
KEY_CHOICE = "docx:single_choice"
KEY_TEXT = "docx:text"
# A smaller target, so that a test workspace of 18 forms (54 decisions a kind) can reach it:
# flawless records need n / (n + z²) >= 0.95, i.e. 52 decisions.
TEST_TARGET = 0.95


# --- the fit and the bound, on examples built by hand --------------------------------------------


def _score_equation_root(right: int, total: int) -> float:
    """The lower root of (p̂ - p)² = z² p (1 - p) / n, by bisection (Wilson's interval is the
    set of p where the score test does not reject)."""
    p_hat = right / total
    low, high = 0.0, p_hat
    for _ in range(200):
        mid = (low + high) / 2
        if (p_hat - mid) ** 2 > Z * Z * mid * (1 - mid) / total:
            low = mid
        else:
            high = mid
    return (low + high) / 2


@pytest.mark.parametrize(("right", "total"), [(54, 54), (49, 54), (600, 602), (539, 539), (1, 3)])
def test_wilson_lower_bound_solves_the_score_equation(right: int, total: int) -> None:
    assert wilson_lower_bound(right, total, 0.95) == pytest.approx(_score_equation_root(right, total), abs=1e-9)


def test_a_flawless_record_needs_539_decisions_to_show_995_percent() -> None:
    # hand-worked: with no error the bound is n / (n + z²); z² = 2.7055
    assert wilson_lower_bound(539, 539, 0.95) == pytest.approx(539 / (539 + Z * Z))
    assert wilson_lower_bound(539, 539, 0.95) >= 0.995 > wilson_lower_bound(538, 538, 0.95)
    assert least_examples(0.995, 0.95) == 539
    assert least_examples(TEST_TARGET, 0.95) == 52


def _examples(confidence: float, right: int, wrong: int = 0) -> list[Example]:
    return [Example("ocr:date", confidence, True)] * right + [Example("ocr:date", confidence, False)] * wrong


def test_isotonic_fit_pools_adjacent_violators() -> None:
    examples = [*_examples(0.1, 0, 1), *_examples(0.2, 1), *_examples(0.3, 0, 1), *_examples(0.4, 1), *_examples(0.5, 1)]
    assert isotonic_fit(examples) == [Step(0.1, 0.1, 0, 1), Step(0.2, 0.3, 1, 2), Step(0.4, 0.5, 2, 2)]


def test_threshold_sits_where_the_bound_on_what_passes_first_reaches_the_target() -> None:
    # 540 right from 0.96 up; at 0.93, 40 right and 2 wrong: accepting from 0.93 has
    # precision 580/582 = 99.7 %, but its lower bound (98.8 %) misses 99.5 %
    examples = [*_examples(0.93, 40, 2), *(e for c in (0.96, 0.97, 0.98, 0.99) for e in _examples(c, 135))]
    support = choose_threshold(examples, target=0.995, level=0.95)
    assert support is not None and support.threshold == 0.96
    assert (support.right, support.total) == (540, 540) and support.lower_bound == pytest.approx(540 / (540 + Z * Z))
    assert wilson_lower_bound(580, 582, 0.95) < 0.995
    assert choose_threshold(examples[:-2], target=0.995, level=0.95) is None, "538 flawless decisions above 0.96 are not enough"


# --- a workspace with real decisions ----------------------------------------------------------------


@pytest.fixture(scope="module")
def decided(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    """A closed workspace where a reviewer decided 3 choice and 3 text fields of 18 Word
    returns read by label (confidence 0.85); returns it and the forms left unreturned."""
    root = tmp_path_factory.mktemp("calibrate")
    ws, forms = issue_class(root)
    decide_returns(ws, forms[:CALIBRATION_FORMS], root / "returns")
    ws.close()
    return root / "ws", forms[CALIBRATION_FORMS:]


@pytest.fixture
def ws(decided: tuple[Path, list[Path]], tmp_path: Path) -> Iterator[Workspace]:
    shutil.copytree(decided[0], tmp_path / "ws")
    workspace = open_workspace(tmp_path / "ws")
    yield workspace
    workspace.close()


@pytest.fixture
def spare(decided: tuple[Path, list[Path]]) -> list[Path]:
    return decided[1]


def _by_key(ws: Workspace, **kwargs: float) -> dict[str, object]:
    return {p.key: p for p in propose(ws, **kwargs)}


def _later_field(ws: Workspace, src: Path, folder: Path, field_id: str, *, tagged: bool) -> tuple[str, float]:
    """Status and confidence of ``field_id`` after ingesting ``src`` filled (tagged or not)."""
    report = ingest(ws, [filled(src, folder / src.name, tagged=tagged)])
    (form_id,) = {i.form_id for i in report.items}
    with ws.session() as s:
        record = current_record(s, form_id)
    assert record is not None
    return record.fields[field_id].status, record.fields[field_id].confidence


@pytest.mark.slow
def test_calibrate_lowers_a_threshold_only_as_far_as_the_bound_supports(ws: Workspace, spare: list[Path], tmp_path: Path) -> None:
    ingest(ws, [filled(spare[0], tmp_path / spare[0].name, tagged=False)])  # 3 choice fields wait at 0.85
    proposals = _by_key(ws, target=TEST_TARGET)
    choice, text = proposals[KEY_CHOICE], proposals[KEY_TEXT]
    # 54 choice values read at 0.85, all accepted: the bound at 0.85 is 54 / (54 + z²) = 95.2 %
    assert (choice.basis, choice.current, choice.proposed, choice.examples) == (ENOUGH, 0.9, 0.85, 54)
    assert choice.newly_passing == len(CHOICE_FIELDS)
    assert choice.support.lower_bound == pytest.approx(_score_equation_root(54, 54), abs=1e-9)
    assert choice.support.lower_bound >= TEST_TARGET
    # 5 of 54 text values read at 0.85 were corrected: no lower threshold, the shipped one stays
    assert (text.basis, text.current, text.proposed, text.examples, text.changes) == (UNSUPPORTED, 0.9, 0.9, 54, False)
    with ws.session() as s:
        wrong = [e for e in labelled_examples(s) if not e.correct]
    assert len(wrong) == MISREAD_PLACES and {e.key for e in wrong} == {KEY_TEXT}


@pytest.mark.slow
def test_applied_thresholds_decide_later_ingests_and_new_errors_raise_them_again(
    ws: Workspace, spare: list[Path], tmp_path: Path
) -> None:
    before = shutil.copytree(ws.root, tmp_path / "before")
    apply_proposals(ws, propose(ws, target=TEST_TARGET), operator=OPERATOR)
    with ws.session() as s:
        assert workspace_thresholds(s).calibrated == {KEY_CHOICE: 0.85, KEY_TEXT: 0.9}
    assert _later_field(ws, spare[0], tmp_path / "a", "mode", tagged=False) == ("auto", 0.85)
    uncalibrated = open_workspace(before)
    try:
        assert _later_field(uncalibrated, spare[0], tmp_path / "b", "mode", tagged=False) == ("review", 0.85)
    finally:
        uncalibrated.close()
    # the reviewer finds on paper that three accepted modes were wrong after all
    with ws.session() as s:
        accepted = [r for r in list_records(s, class_name=CLASS) if r.fields["mode"].source == "human"][:3]
    for record in accepted:
        correct_field(ws, record.form_id, "mode", "电话", version=record.version, operator=OPERATOR)
    choice = _by_key(ws, target=TEST_TARGET)[KEY_CHOICE]
    assert (choice.basis, choice.current, choice.proposed) == (UNSUPPORTED, 0.85, 0.9)
    apply_proposals(ws, propose(ws, target=TEST_TARGET), operator=OPERATOR)
    assert _later_field(ws, spare[1], tmp_path / "c", "mode", tagged=False) == ("review", 0.85)


@pytest.mark.slow
def test_too_few_decisions_keep_the_shipped_thresholds_and_say_so(ws: Workspace, spare: list[Path], tmp_path: Path) -> None:
    ws.close()
    result = CliRunner().invoke(main, ["calibrate", "--apply", "-w", str(ws.root)])
    assert result.exit_code == 0, result.output
    assert "样本不足（54 个，至少需要 539 个）：保留出厂阈值" in result.output
    assert "已保存：0 类阈值改变" in result.output
    reopened = open_workspace(ws.root)
    try:
        with reopened.session() as s:
            assert workspace_thresholds(s).calibrated == {}
        assert _later_field(reopened, spare[0], tmp_path / "a", "mode", tagged=False) == ("review", 0.85)
    finally:
        reopened.close()


@pytest.mark.slow
def test_calibrate_shows_the_table_before_changing_anything(ws: Workspace) -> None:
    ws.close()
    result = CliRunner().invoke(main, ["calibrate", "-w", str(ws.root)])
    assert result.exit_code == 0, result.output
    for heading in ("当前", "建议", "样本", "下限", "Word·单选", "Word·短文本", "单侧 95% 置信下限"):
        assert heading in result.output
    assert "jiafang calibrate --apply" not in result.output, "nothing changes at the shipped target"
    reopened = open_workspace(ws.root)
    try:
        with reopened.session() as s:
            assert workspace_thresholds(s).calibrated == {}
    finally:
        reopened.close()


# --- review load ----------------------------------------------------------------------------------


def _expected_minutes(ws: Workspace, form_ids: set[str]) -> float:
    """Minutes of review for the waiting fields of ``form_ids``, computed from the records."""
    seconds = 0.0
    with ws.session() as s:
        for record in list_records(s):
            if record.form_id in form_ids:
                kinds = field_kinds(record.form)
                seconds += sum(defs.REVIEW_SECONDS_DEFAULT[kinds[f]] for f, v in record.fields.items() if v.status == "review")
    return seconds / 60


def _form_ids(ws: Workspace) -> set[str]:
    with ws.session() as s:
        return {r.form_id for r in list_records(s)}


@pytest.mark.slow
def test_ingest_summary_reports_fields_to_review_per_form_and_minutes(ws: Workspace, spare: list[Path], tmp_path: Path) -> None:
    returns = [filled(src, tmp_path / "r" / src.name, tagged=False) for src in spare]
    earlier = _form_ids(ws)
    ws.close()
    result = CliRunner().invoke(main, ["ingest", "-w", str(ws.root), *map(str, returns)])
    assert result.exit_code == 0, result.output
    reopened = open_workspace(ws.root)
    try:
        batch = _form_ids(reopened) - earlier
        with reopened.session() as s:
            fields = sum(
                1 for r in list_records(s) if r.form_id in batch for v in r.fields.values() if v.status == "review"
            )
        expected_minutes = _expected_minutes(reopened, batch)
    finally:
        reopened.close()
    per_form = re.search(r"每份表单待复核字段\s*│\s*([\d.]+)", result.output)
    minutes = re.search(r"本批预计复核（分钟）\s*│\s*([\d.]+)", result.output)
    assert len(batch) == len(spare) and fields > 0
    assert per_form and float(per_form[1]) == pytest.approx(fields / len(batch), abs=0.05)
    assert minutes and float(minutes[1]) == pytest.approx(expected_minutes, abs=0.05)
    assert "工作区共待复核" in result.output


TOKEN = "t0ken-for-calibration"
BASE = "http://127.0.0.1:8765"


@pytest.mark.slow
def test_review_station_times_each_decision_and_the_dashboard_estimates_from_the_median(ws: Workspace, spare: list[Path], tmp_path: Path) -> None:
    ingest(ws, [filled(src, tmp_path / "r" / src.name, tagged=False) for src in spare])
    client = TestClient(create_app(ws, operator="计时员", token=TOKEN), base_url=BASE)
    assert client.get(f"/queue?token={TOKEN}").status_code == 200
    with ws.session() as s:
        waiting = [(r, f) for r in list_records(s, status="review") for f in CHOICE_FIELDS if r.fields[f].status == "review"]
    shown = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=30)
    decided = waiting[: defs.REVIEW_TIMING_MIN_SAMPLES]
    assert len(decided) == defs.REVIEW_TIMING_MIN_SAMPLES
    for record, field_id in decided:
        data = {"value": VALUES[field_id][0], "version": str(record.version), "shown": f"{shown.timestamp():.3f}"}
        assert client.post(f"/fields/{record.form_id}/{field_id}", data=data, headers={"Origin": BASE}).status_code == 200
    with ws.session() as s:
        timed = [c for r in {r.form_id for r, _ in decided} for c in corrections_for(s, r) if c.operator == "计时员"]
    assert len(timed) == len(decided) and all(c.kind == "single_choice" and c.old_confidence == 0.85 for c in timed)
    first, *rest = sorted(timed, key=lambda c: c.at)
    assert 30 <= first.seconds < 60, "from when the page showed the field"
    assert all(0 <= c.seconds < 10 for c in rest), "from the previous decision, not from when the page showed them all"
    with ws.session() as s:
        assert seconds_per_field(s)["single_choice"] == pytest.approx(statistics.median(c.seconds for c in timed))
        load = review_load(s)
    page = client.get("/dashboard").text
    assert re.search(r'id="stat-minutes">([\d.]+)<', page)[1] == f"{load.minutes:.1f}"
    assert re.search(r'id="stat-per-form">([\d.]+)<', page)[1] == f"{load.per_form:.1f}"


@pytest.mark.slow
def test_a_pause_longer_than_the_limit_is_not_kept_as_review_time(ws: Workspace) -> None:
    client = TestClient(create_app(ws, operator="计时员", token=TOKEN), base_url=BASE)
    assert client.get(f"/queue?token={TOKEN}").status_code == 200
    with ws.session() as s:
        record = next(r for r in list_records(s, status="review") if r.fields["attachments"].status == "review")
    shown = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=defs.REVIEW_TIMING_MAX + 60)
    data = {"value": "", "version": str(record.version), "shown": f"{shown.timestamp():.3f}"}
    assert client.post(f"/fields/{record.form_id}/attachments", data=data, headers={"Origin": BASE}).status_code == 200
    with ws.session() as s:
        (decision,) = [c for c in corrections_for(s, record.form_id) if c.operator == "计时员"]
    assert decision.seconds is None and decision.old_confidence == 0.85 and decision.kind == "multi_choice"


# --- the threshold a value is judged by -----------------------------------------------------------


def _ocr_status(field_id: str, raw: str, confidence: float, doubt: str, calibrated: dict[str, float]) -> str:
    from test_validate import CONTEXT, FORM, GOOD, ISSUED

    values = {fid: RawValue(v, 1.0, "docx") for fid, v in GOOD.items()} | {field_id: RawValue(raw, confidence, "ocr", doubt)}
    context = replace(CONTEXT, thresholds=AutoThresholds(calibrated))
    record = to_record(Reading(ISSUED.form_id, values, reader="scan"), form=FORM, issued=ISSUED, context=context, source_file="a.png")
    return record.fields[field_id].status


def test_a_calibrated_threshold_replaces_the_recognizers_own_confidence_gate() -> None:
    # a comb date at 0.93: the comb's own gate (0.95) doubts it; calibrated at 0.92 it passes
    assert _ocr_status("visit_date", "20251103", 0.93, DOUBT_UNSURE, {}) == "review"
    assert _ocr_status("visit_date", "20251103", 0.93, DOUBT_UNSURE, {"ocr:date": 0.92}) == "auto"
    assert _ocr_status("visit_date", "20251103", 0.93, DOUBT_UNSURE, {"ocr:date": 0.97}) == "review"
    assert _ocr_status("visit_date", "20251103", 0.93, DOUBT_UNSURE, {"docx:date": 0.5}) == "review", "per reader"
    # a name the roster confirms at 0.93 passes the shipped gate, not a raised one
    assert _ocr_status("teachers", "林春燕", 0.93, "", {}) == "auto"
    assert _ocr_status("teachers", "林春燕", 0.93, "", {"ocr:text": 0.99}) == "review"
    # a doubt that is not about confidence stays whatever the threshold
    assert _ocr_status("visit_date", "2025110", 0.5, DOUBT_PARTIAL, {"ocr:date": 0.4}) == "review"
