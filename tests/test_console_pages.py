"""The console's pages over a real workspace (TestClient): 首页, 花名册, 报表, 设置, 审计.

The school is tests/report_support.py's: 8 students in two classes, 9 record forms (one still in
review). Its school year ends 2026-07-15, so from then on the 首页 counts to that day: 6 of 8
students visited; to-do items 3 without a home visit (S03 by phone only, S04 none, S08 in
review), 2 special-group students not home-visited this semester (S02, S04), 2 leaders behind
their quota (校长 3/5, 中层 1/10), 2 follow-ups overdue (R05, R06) and 1 late entry (R07).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import openpyxl
import pytest
from sqlalchemy import func, select, update

from pipeline import defs
from pipeline.model.audit import AuditEvent
from pipeline.model.scan import ScannedPage
from pipeline.resources import samples_dir
from pipeline.roster import import_roster
from pipeline.store import repo
from pipeline.store.audit import list_events, log_event
from pipeline.store.policy_file import policy_text
from pipeline.store.scans import add_scanned_page
from pipeline.store.schema import AuditRow
from pipeline.store.workspace import POLICY_FILE, Workspace, open_workspace
from tests.console_support import CONSOLE_PAGES, OPERATOR, school_template, signed_in, table_rows
from tests.review_support import copy_workspace
from tests.test_roster import HEADER, TEACHER_HEADER, student_row, write_xlsx


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return school_template(tmp_path_factory.mktemp("console-school"))


@pytest.fixture
def ws(template: Path, tmp_path: Path) -> Any:
    workspace = copy_workspace(template, tmp_path / "ws")
    yield workspace
    workspace.close()


def _download(client: Any, page: str, name_part: str) -> bytes:
    """Follow the page's download link whose file name contains ``name_part``."""
    link = next(part.split('"')[0] for part in page.split('href="/exports/')[1:] if name_part in unquote(part.split('"')[0]))
    response = client.get(f"/exports/{link}")
    assert response.status_code == 200
    return response.content


# --- 首页 ----------------------------------------------------------------------------------------


def test_home_shows_coverage_overdue_review_and_quarantine(ws: Workspace) -> None:
    with ws.session() as session:
        add_scanned_page(session, ScannedPage("f" * 64, "x.png", 0, "quarantined", reason="二维码无法识别"))
    page = signed_in(ws).get("/").text
    assert 'id="home-visited">6/8<' in page
    assert 'id="home-todo">10<' in page
    assert 'id="home-pending">1<' in page  # R09's visit date
    assert 'id="home-quarantined">1<' in page
    assert ["七年级（1）班", "5/6"] == table_rows(page, "home-classes")[0][:2]
    assert ["留守儿童", "1", "0", "1"] in table_rows(page, "home-groups")
    assert ["林春燕", "校长", "0", "3/5"] in table_rows(page, "home-leaders")
    assert ["跟进逾期", "2"] in table_rows(page, "home-todo-kinds")


# --- 花名册 --------------------------------------------------------------------------------------


def test_roster_upload_imports_the_sample_roster(workspace: Workspace) -> None:
    client = signed_in(workspace)
    with (samples_dir() / "roster.xlsx").open("rb") as fh:
        page = client.post("/roster", files={"file": ("花名册.xlsx", fh)})
    assert page.status_code == 200
    assert "学生新增 121" in page.text and "拒绝 0 行" in page.text
    assert table_rows(page.text, "roster-classes") == [["七年级（1）班", "38"], ["七年级（2）班", "41"], ["八年级（1）班", "42"]]


def test_roster_upload_shows_every_rejected_row_with_sheet_row_column_and_fix(workspace: Workspace, tmp_path: Path) -> None:
    bad = write_xlsx(
        tmp_path / "有错的花名册.xlsx",
        {
            "学生": [
                HEADER,
                student_row("G001", "王浩宇"),
                student_row("G002", ""),  # row 3: no name
                student_row("G003", "李明", 联系电话="1381234"),  # row 4: short phone
                student_row("G004", "赵雪", 特殊群体="外星儿童"),  # row 5: not a group of the profile
                student_row("G001", "王浩", 班级="（2）班"),  # row 6: 学籍号 of row 2
            ],
            "教师": [TEACHER_HEADER, ["T01", "张明", "班主任", "七年级（1）班"]],
        },
    )
    with bad.open("rb") as fh:
        page = signed_in(workspace).post("/roster", files={"file": (bad.name, fh)}).text
    assert "拒绝 4 行" in page
    problems = {(r[1], r[2], r[3], r[4]): (r[0], r[6], r[7]) for r in table_rows(page, "roster-problems")}
    expected = {
        "3": ("姓名", "请填写姓名"),
        "4": ("联系电话", "请改为 11 位数字"),
        "5": ("特殊群体", "special_groups 中添加"),
        "6": ("学籍号", "请核对后删除或改正重复的一行"),
    }
    for row, (column, fix) in expected.items():
        kind, _message, how = problems[("有错的花名册.xlsx", "学生", row, column)]
        assert kind == "错误" and fix in how, (row, column, how)
    with workspace.session() as session:
        assert [s.student_no for s in repo.list_students(session)] == ["G001"]


def test_roster_upload_refuses_a_file_over_the_limit_or_of_another_type(workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    client = signed_in(workspace)
    monkeypatch.setattr(defs, "CONSOLE_ROSTER_MAX_BYTES", 4096)
    monkeypatch.setattr(defs, "CONSOLE_UPLOAD_SLACK", 1024)
    roster = (samples_dir() / "roster.xlsx").read_bytes()
    declared = client.post("/roster", files={"file": ("花名册.xlsx", roster)})
    assert declared.status_code == 400 and "花名册超过 4 KB，未上传" in declared.text
    # The same file sent without a declared size (chunked) is stopped while it streams in.
    boundary = "jiafang-test-boundary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="花名册.xlsx"\r\n\r\n'.encode()
        + roster
        + f"\r\n--{boundary}--\r\n".encode()
    )
    streamed = client.post(
        "/roster",
        content=(body[i : i + 2048] for i in range(0, len(body), 2048)),
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert streamed.status_code == 400 and "花名册超过" in streamed.text
    other = client.post("/roster", files={"file": ("名单.txt", b"just text")})
    assert other.status_code == 400 and "只能是 .xlsx、.xlsm、.xls、.csv" in other.text
    with workspace.session() as session:
        assert repo.list_students(session) == []


def test_an_xls_roster_exported_by_a_student_record_system_is_imported_on_the_roster_page(workspace: Workspace) -> None:
    xls = (Path(__file__).parent / "data" / "rosters" / "花名册-libreoffice-7.4.xls").read_bytes()
    response = signed_in(workspace).post("/roster", files={"file": ("学籍系统导出.xls", xls)})
    assert response.status_code == 200 and 'accept=".xlsx,.xlsm,.xls,.csv"' in response.text
    with workspace.session() as session:
        assert len(repo.list_students(session)) == 121 and len(repo.list_teachers(session)) == 16


def test_roster_template_download_imports_cleanly(workspace: Workspace, tmp_path: Path) -> None:
    response = signed_in(workspace).get("/roster/template.xlsx")
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    path = tmp_path / "花名册模板.xlsx"
    path.write_bytes(response.content)
    assert set(openpyxl.load_workbook(path).sheetnames) >= {"学生", "教师", "说明"}
    assert import_roster(workspace, [path]).problems == ()


# --- 报表 ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt, magic", [("xlsx", b"PK"), ("pdf", b"%PDF")])
def test_stats_for_a_month_is_written_linked_and_audited(ws: Workspace, fmt: str, magic: bytes) -> None:
    client = signed_in(ws)
    page = client.post("/reports/stats", data={"month": "2026-03", "fmt": fmt})
    assert page.status_code == 200
    assert "2026-03 统计表已生成" in page.text
    assert _download(client, page.text, f"2026-03.{fmt}").startswith(magic)
    with ws.session() as session:
        [event] = list_events(session, action="report")
    assert event.operator == OPERATOR and event.options["month"] == "2026-03" and event.options["format"] == fmt


def test_stats_for_a_month_outside_the_school_year_says_so(ws: Workspace) -> None:
    page = signed_in(ws).post("/reports/stats", data={"month": "2024-01", "fmt": "xlsx"})
    assert page.status_code == 400 and 'id="stats-error"' in page.text and "学年" in page.text


def test_todo_list_is_shown_by_class_and_downloaded(ws: Workspace) -> None:
    client = signed_in(ws)
    rows = table_rows(client.get("/reports").text, "todo-table")
    assert [r[0] for r in rows] == ["七年级（1）班", "七年级（2）班", "学校领导"]
    page = client.post("/reports/todo", data={"class_name": "七年级（2）班"})
    book = openpyxl.load_workbook(io.BytesIO(_download(client, page.text, "待办清单_七年级（2）班")))
    assert "曹华" in " ".join(str(c.value) for row in book.worksheets[0].iter_rows() for c in row if c.value)


def test_ledger_is_filtered_by_status_and_downloaded(ws: Workspace) -> None:
    client = signed_in(ws)
    overdue = table_rows(client.get("/reports", params={"status": "overdue"}).text, "ledger-table")
    assert sorted(r[2] for r in overdue) == ["作业拖拉", "情绪低落，睡眠不好"]
    page = client.post("/reports/ledger", data={"status": "overdue"})
    assert "问题台账已生成：2 项" in page.text
    assert _download(client, page.text, "问题台账").startswith(b"PK")


def test_dossier_is_found_by_name_and_built(ws: Workspace) -> None:
    client = signed_in(ws)
    found = table_rows(client.get("/reports", params={"q": "吴"}).text, "dossier-matches")
    assert [r[:3] for r in found] == [["吴明", "S01", "七年级（1）班"]]
    page = client.post("/reports/dossier", data={"student_no": "S01", "q": "吴"})
    assert "吴明 的一生一档已生成" in page.text
    assert _download(client, page.text, "一生一档_吴明").startswith(b"%PDF")


def test_packet_is_built_and_its_zip_verifies_until_a_file_is_changed(ws: Workspace, tmp_path: Path) -> None:
    client = signed_in(ws)
    page = client.post("/reports/packet", data={"term": "2025-2026-2"})
    assert page.status_code == 200 and "督导检查材料包已生成" in page.text
    packet = _download(client, page.text, ".zip")
    assert _download(client, page.text, ".pdf").startswith(b"%PDF")

    checked = client.post("/reports/verify", files={"file": ("材料包.zip", packet)}).text
    assert "校验通过" in checked and "有效" in checked

    tampered = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(packet)) as original, zipfile.ZipFile(tampered, "w") as copy:
        for item in original.infolist():
            data = original.read(item)
            copy.writestr(item, data + b" " if item.filename.endswith(".json") and item.filename != "manifest.json" else data)
    refused = client.post("/reports/verify", files={"file": ("材料包.zip", tampered.getvalue())}).text
    assert "校验未通过" in refused and "被改动" in refused


def test_verify_refuses_what_is_not_a_packet(ws: Workspace) -> None:
    page = signed_in(ws).post("/reports/verify", files={"file": ("材料包.zip", b"not a zip")})
    assert page.status_code == 400 and "不是完整的 ZIP 文件" in page.text


def test_exports_serve_only_files_of_the_exports_folder(ws: Workspace) -> None:
    client = signed_in(ws)
    for name in ("..%2F" + POLICY_FILE, POLICY_FILE, "没有这个文件.xlsx"):
        assert client.get(f"/exports/{name}").status_code == 404, name


# --- 设置 ----------------------------------------------------------------------------------------


def test_settings_shows_the_school_and_the_profile_text(ws: Workspace) -> None:
    page = signed_in(ws).get("/settings").text
    assert 'id="school-name">青禾市明德实验学校<' in page
    assert "retention_years: 3" in page and "留守儿童" in page


def test_a_valid_profile_is_saved_takes_effect_and_is_audited(ws: Workspace) -> None:
    text = policy_text(ws).replace("name: 青禾市明德实验学校", "name: 青禾市明德中学").replace("retention_years: 3", "retention_years: 5")
    page = signed_in(ws).post("/settings/policy", data={"text": text.replace("\n", "\r\n")})  # as a browser posts it
    assert page.status_code == 200 and 'id="policy-saved"' in page.text
    assert policy_text(ws) == text
    assert ws.policy.school.name == "青禾市明德中学" and ws.policy.retention_years == 5
    reopened = open_workspace(ws.root)
    assert reopened.policy.school.name == "青禾市明德中学"
    reopened.close()
    with ws.session() as session:
        [event] = list_events(session, action="policy")
    assert event.operator == OPERATOR


WRONG_PROFILES = [
    (("retention_years: 3", "retention_years: 三年"), "retention_years: 须为整数"),
    (("retention_years: 3", "retention_years: 3\nretension: 5"), "retension: 不认识的项"),
    (("end: 2026-07-15", "end: 2026-02-30"), "不存在的日期"),
    (("code: QHMD01", "code: QHMD02"), "二维码"),  # forms were issued with QHMD01
]


def test_a_wrong_profile_is_refused_kept_as_typed_and_nothing_changes(ws: Workspace) -> None:
    client = signed_in(ws)
    before = policy_text(ws)
    for change, says in WRONG_PROFILES:
        page = client.post("/settings/policy", data={"text": before.replace(*change)})
        assert page.status_code == 400, change
        assert says in page.text and 'id="policy-error"' in page.text, change
        assert change[1].split("\n")[-1] in page.text, "the clerk's text is still in the editor"
        assert policy_text(ws) == before and ws.policy.school.code == "QHMD01"


def test_settings_lists_the_operators_of_the_audit_log(ws: Workspace) -> None:
    with ws.session() as session:
        log_event(session, AuditEvent("export", "李主任", "school"))
    page = signed_in(ws).get("/settings").text
    assert "李主任" in page and 'href="/audit?operator=%E6%9D%8E%E4%B8%BB%E4%BB%BB"' in page


# --- 审计 ----------------------------------------------------------------------------------------


def _logged(ws: Workspace) -> None:
    """Four events on three days by two operators."""
    events = [
        (AuditEvent("report", "王老师", "school", {"report": "stats"}), dt.datetime(2025, 11, 3, 9)),
        (AuditEvent("packet", "李主任", "class 七年级（1）班", {"term": "2025-2026-1"}), dt.datetime(2025, 11, 20, 15)),
        (AuditEvent("dossier", "李主任", "student S01"), dt.datetime(2025, 12, 1, 8)),
        (AuditEvent("report", "李主任", "class 七年级（2）班", {"report": "ledger"}), dt.datetime(2025, 12, 1, 23, 30)),
    ]
    for event, at in events:
        with ws.session() as session:
            log_event(session, event)
            newest = session.scalar(select(func.max(AuditRow.id)))
            session.execute(update(AuditRow).where(AuditRow.id == newest).values(at=at.astimezone()))


AUDIT_FILTERS = [
    ({}, ["班级 2", "学生 S01", "班级 1", "全校"]),
    ({"operator": "李主任"}, ["班级 2", "学生 S01", "班级 1"]),
    ({"action": "report"}, ["班级 2", "全校"]),
    ({"since": "2025-11-04", "until": "2025-12-01"}, ["班级 2", "学生 S01", "班级 1"]),
    ({"until": "2025-11-20"}, ["班级 1", "全校"]),
    ({"scope": "七年级"}, ["班级 2", "班级 1"]),
    ({"operator": "李主任", "action": "report", "since": "2025-12-01"}, ["班级 2"]),
]


def test_audit_log_is_filtered_by_operator_action_dates_and_scope(ws: Workspace) -> None:
    _logged(ws)
    client = signed_in(ws)
    for filters, scopes in AUDIT_FILTERS:
        rows = table_rows(client.get("/audit", params=filters).text, "audit-table")
        assert [r[3].replace("七年级（", "").replace("）班", "") for r in rows] == scopes, filters


def test_audit_page_says_when_a_date_is_not_a_date(ws: Workspace) -> None:
    page = signed_in(ws).get("/audit", params={"since": "2025-13-01"}).text
    assert "日期“2025-13-01”格式不对" in page


# --- keyboard --------------------------------------------------------------------------------


class _Controls(HTMLParser):
    """Inputs, their labels, positive tab indexes and forms without a submit button on one page."""

    def __init__(self) -> None:
        super().__init__()
        self.labelled_ids: set[str] = set()
        self.unlabelled: list[str] = []
        self.tabindex: list[str] = []
        self.forms_without_submit = 0
        self._label_depth = 0
        self._form_submits: list[int] = []
        self._pending: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if a.get("tabindex", "0").lstrip("-").isdigit() and int(a.get("tabindex", "0")) > 0:
            self.tabindex.append(tag)
        if tag == "label":
            self._label_depth += 1
            if a.get("for"):
                self.labelled_ids.add(a["for"])
        elif tag == "form":
            self._form_submits.append(0)
        elif tag == "button" and a.get("type", "submit") == "submit" and self._form_submits:
            self._form_submits[-1] += 1
        if tag in ("input", "select", "textarea") and a.get("type") != "hidden":
            if not self._label_depth and not a.get("aria-label"):
                self._pending.append((tag, a.get("id", "")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self._label_depth -= 1
        elif tag == "form" and self._form_submits:
            self.forms_without_submit += self._form_submits.pop() == 0

    def close(self) -> None:
        super().close()
        self.unlabelled = [f"{t}#{i}" for t, i in self._pending if i not in self.labelled_ids]


def test_every_console_control_is_labelled_reachable_in_order_and_submits_with_enter(ws: Workspace) -> None:
    client = signed_in(ws)
    for path in CONSOLE_PAGES:
        page = client.get(path, params={"q": "吴"} if path == "/reports" else None)
        assert page.status_code == 200, path
        controls = _Controls()
        controls.feed(page.text)
        controls.close()
        assert controls.unlabelled == [], f"{path}: a control a screen reader cannot name"
        assert controls.tabindex == [], f"{path}: a positive tabindex breaks the reading order"
        assert controls.forms_without_submit == 0, f"{path}: a form Enter cannot submit"


def test_a_scan_folder_is_watched_from_the_settings_page_and_stopped_there(ws: Workspace, tmp_path: Path) -> None:
    from pipeline.jobs import watching

    client = signed_in(ws)
    missing = client.post("/settings/watch", data={"folder": str(tmp_path / "没有这个文件夹")})
    assert missing.status_code == 400 and "文件夹不存在" in missing.text and watching(ws) == []
    assert "请填写" in client.post("/settings/watch", data={"folder": " "}).text
    (tmp_path / "扫描").mkdir()
    page = client.post("/settings/watch", data={"folder": str(tmp_path / "扫描")})
    (job,) = watching(ws)
    assert job.params["folder"] == str((tmp_path / "扫描").resolve()) and job.params["folder"] in page.text
    client.post("/settings/watch", data={"folder": str(tmp_path / "扫描")})
    assert len(watching(ws)) == 1, "a folder watched already is not watched twice"
    stopped = client.post(f"/settings/watch/{job.id}/stop")
    assert watching(ws) == [] and "没有监视中的文件夹" in stopped.text
