"""LAN mode: operator accounts, roles checked by the library, sign-in, CSRF, rate limit, audit."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi import APIRouter, FastAPI, Request
from fastapi.testclient import TestClient

from pipeline import defs
from pipeline.access import Operator, acting
from pipeline.archive.packet import build_packet
from pipeline.cli import main
from pipeline.errors import AccessDeniedError
from pipeline.console.app import create_console_app
from pipeline.export.records import export_records
from pipeline.store.audit import list_events
from pipeline.store.records import current_record
from pipeline.store.workspace import Workspace, init_workspace
from tests.online_support import lan_template_dir, ws  # noqa: F401 (fixtures)
from tests.online_support import (
    CLASS,
    LEADER,
    OFFICE,
    OTHER,
    OTHER_TEACHER,
    PASSWORD,
    TEACHER,
    issued_in,
    record_post,
)

ORIGIN = {"Origin": "http://testserver"}
# Pages another helper may add without any check of their own: the library must refuse.
unchecked = APIRouter()


@unchecked.api_route("/test/export", methods=["GET", "POST"])
def _export(request: Request) -> dict[str, str]:
    out = request.app.state.ws.root / "导出.csv"
    export_records([], fmt="csv", out=out)
    return {"written": out.name}


@unchecked.api_route("/test/packet", methods=["GET", "POST"])
def _packet(request: Request) -> dict[str, str]:
    build_packet(request.app.state.ws, scope="school", term="2025-2026-1", out_dir=request.app.state.ws.root / "检查")
    return {"built": "yes"}


@pytest.fixture
def app(ws: Workspace) -> FastAPI:
    return create_console_app(ws, operator="server", token="unused", lan_mode=True, routers=(unchecked,))


def _signed_in(app: FastAPI, name: str, password: str = PASSWORD) -> TestClient:
    client = TestClient(app, headers=ORIGIN)
    response = _login(client, name, password)
    assert response.status_code == 303, response.text
    return client


def _login(client: TestClient, name: str, password: str) -> object:
    page = client.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf is not None
    return client.post("/login", data={"name": name, "password": password, "csrf": csrf[1]}, follow_redirects=False)


def _csrf(client: TestClient, path: str = "/online") -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', client.get(path).text)
    assert found is not None
    return found[1]


def test_pages_need_a_signed_in_operator(app: FastAPI) -> None:
    client = TestClient(app, headers=ORIGIN)
    page = client.get("/queue", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/login?next=/queue"
    assert client.post("/online/students/x", data={}).status_code == 403
    assert client.get("/?token=unused", follow_redirects=False).headers["location"].startswith("/login")


def test_a_teacher_sees_only_their_class_in_the_queue_and_the_records(app: FastAPI, ws: Workspace) -> None:
    own, _ = issued_in(ws, CLASS)[0]
    other, _ = issued_in(ws, OTHER)[0]
    teacher = _signed_in(app, TEACHER)
    queue = teacher.get("/queue").text
    assert f"/records/{own}" in queue and f"/records/{other}" not in queue
    assert '<span id="pending-count" class="count">1</span>' in queue  # their class's field, not the school's two
    assert f'<option value="{CLASS}"' in queue and f'<option value="{OTHER}"' not in queue
    assert teacher.get(f"/records/{own}").status_code == 200
    refused = teacher.get(f"/records/{other}")
    assert refused.status_code == 403 and "只能处理自己任教班级" in refused.text
    assert teacher.get(f"/queue?class_name={OTHER}").status_code == 403
    office = _signed_in(app, OFFICE).get("/queue").text
    assert f"/records/{own}" in office and f"/records/{other}" in office


def test_a_teacher_decision_on_another_class_is_refused_by_the_library(app: FastAPI, ws: Workspace) -> None:
    other, _ = issued_in(ws, OTHER)[0]
    teacher = _signed_in(app, TEACHER)
    answer = teacher.post(f"/fields/{other}/visit_date", data={"value": "2025-11-08", "version": "1"}, headers={"X-CSRF-Token": _csrf(teacher)})
    assert "只能处理自己任教班级" in answer.text
    with ws.session() as session:
        record = current_record(session, other)
    assert record is not None and record.fields["visit_date"].status == "review"

    colleague = _signed_in(app, OTHER_TEACHER)
    colleague.post(f"/fields/{other}/visit_date", data={"value": "2025-11-08", "version": "1"}, headers={"X-CSRF-Token": _csrf(colleague)})
    with ws.session() as session:
        decided = current_record(session, other)
        decision = list_events(session, action="correction")[0]
    assert decided is not None and decided.fields["visit_date"].status == "verified"
    assert decision.operator == OTHER_TEACHER


def test_a_teacher_post_to_a_packet_or_export_route_is_refused(app: FastAPI, ws: Workspace) -> None:
    teacher = _signed_in(app, TEACHER)
    token = {"X-CSRF-Token": _csrf(teacher)}
    for route in ("/test/export", "/test/packet"):
        refused = teacher.post(route, headers=token)
        assert refused.status_code == 403 and "没有权限" in refused.text
    assert not (ws.root / "导出.csv").exists() and not (ws.root / "检查").exists()
    office = _signed_in(app, OFFICE)
    assert office.post("/test/export", headers={"X-CSRF-Token": _csrf(office, "/queue")}).status_code == 200


def test_the_library_refuses_a_teacher_an_export_or_a_packet_whatever_page_asks(app: FastAPI, ws: Workspace) -> None:
    teacher = _signed_in(app, TEACHER)
    for route, action in (("/test/export", "导出记录"), ("/test/packet", "生成督导检查材料包")):
        refused = teacher.get(route)  # no change to refuse at the door: the library must
        assert refused.status_code == 403 and f"没有权限{action}" in refused.text
    assert not (ws.root / "导出.csv").exists() and not (ws.root / "检查").exists()
    with acting(Operator(TEACHER, "teacher", (CLASS,))), pytest.raises(AccessDeniedError):
        export_records([], fmt="csv", out=ws.root / "导出.csv")


def test_a_leader_reads_reports_and_reviews_nothing(app: FastAPI) -> None:
    leader = _signed_in(app, LEADER)
    assert leader.get("/dashboard").status_code == 200
    assert leader.get("/queue").status_code == 403
    assert leader.get("/online").status_code == 403
    refused = leader.post("/online/students/x", data={"csrf": _csrf(leader, "/dashboard")})
    assert refused.status_code == 403 and "不能进行这项操作" in refused.text


def test_a_post_without_the_csrf_token_is_refused_and_nothing_is_stored(app: FastAPI, ws: Workspace) -> None:
    teacher = _signed_in(app, TEACHER)
    form_id, student_no = next((f, s) for f, s in issued_in(ws, CLASS)[1:])
    posted = {**record_post(visit_date="2026-07-01"), "form_id": form_id, "version": "0"}
    for token in ({}, {"csrf": "forged"}):
        refused = teacher.post(f"/online/students/{student_no}", data={**posted, **token}, follow_redirects=False)
        assert refused.status_code == 403 and "安全令牌" in refused.text
    with ws.session() as session:
        assert current_record(session, form_id) is None
    saved = teacher.post(f"/online/students/{student_no}", data={**posted, "csrf": _csrf(teacher)}, follow_redirects=False)
    assert saved.status_code == 303 and form_id in saved.headers["location"]
    with ws.session() as session:
        record = current_record(session, form_id)
    assert record is not None and record.reader == "web"


def test_sign_in_is_rate_limited_and_every_attempt_is_audited(app: FastAPI, ws: Workspace) -> None:
    client = TestClient(app, headers=ORIGIN)
    for _ in range(defs.LOGIN_FAILURES_ALLOWED):
        assert _login(client, TEACHER, "wrong password").status_code == 401
    blocked = _login(client, TEACHER, PASSWORD)
    assert blocked.status_code == 429 and "分钟后再试" in blocked.text
    assert _login(client, OFFICE, PASSWORD).status_code == 429  # the same client address is held too
    with ws.session() as session:
        logins = [(e.operator, e.options["result"]) for e in reversed(list_events(session, action="login"))]
    assert logins == [(TEACHER, "failure")] * defs.LOGIN_FAILURES_ALLOWED + [(TEACHER, "blocked"), (OFFICE, "blocked")]


def test_a_successful_sign_in_is_audited_and_sets_a_strict_http_only_cookie(app: FastAPI, ws: Workspace) -> None:
    client = TestClient(app, headers=ORIGIN)
    response = _login(client, TEACHER, PASSWORD)
    cookie = response.headers["set-cookie"]  # type: ignore[attr-defined]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert response.headers["location"] == "/online"  # type: ignore[attr-defined]
    with ws.session() as session:
        event = list_events(session, action="login")[0]
    assert (event.operator, event.options["result"], event.scope) == (TEACHER, "success", "lan testclient")


def test_a_removed_operator_loses_their_session(app: FastAPI, ws: Workspace) -> None:
    teacher = _signed_in(app, TEACHER)
    assert teacher.get("/online").status_code == 200
    result = CliRunner().invoke(main, ["operators", "remove", TEACHER, "-w", str(ws.root)])
    assert result.exit_code == 0, result.output
    assert teacher.get("/online", follow_redirects=False).status_code == 303


def test_operator_passwords_are_stored_as_argon2_hashes_only(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    init_workspace(root).close()
    runner = CliRunner()
    added = runner.invoke(main, ["operators", "add", "办公室", "--role", "office", "--password-stdin", "-w", str(root)], input="s3cret-pass\n")
    assert added.exit_code == 0, added.output
    changed = runner.invoke(main, ["operators", "passwd", "办公室", "--password-stdin", "-w", str(root)], input="new-s3cret\n")
    assert changed.exit_code == 0, changed.output
    short = runner.invoke(main, ["operators", "add", "短", "--role", "office", "--password-stdin", "-w", str(root)], input="abc\n")
    assert short.exit_code == 1 and "密码太短" in short.output
    with sqlite3.connect(root / "jiafang.sqlite") as db:
        (stored,) = db.execute("select password_hash from operators").fetchone()
    assert stored.startswith("$argon2id$") and "s3cret" not in stored
    listing = runner.invoke(main, ["operators", "list", "-w", str(root)])
    assert "办公室\t教务/办公室" in listing.output and "argon2" not in listing.output


def test_lan_mode_refuses_to_start_without_operator_accounts(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    init_workspace(root).close()
    result = CliRunner().invoke(main, ["serve", "--lan", "--no-browser", "--port", "0", "-w", str(root)])
    assert result.exit_code == 1 and "jiafang operators add" in result.output


def test_only_clients_on_the_school_network_are_served(app: FastAPI) -> None:
    outside = TestClient(app, headers=ORIGIN, client=("1.2.3.4", 50000))
    refused = outside.get("/login")
    assert refused.status_code == 403 and "1.2.3.4" in refused.text
    assert TestClient(app, client=("192.168.1.23", 50000)).get("/login").status_code == 200


def test_an_office_operator_can_post_the_consoles_plain_and_upload_forms(app: FastAPI, ws: Workspace) -> None:
    from pipeline.store.policy_file import policy_text

    client = _signed_in(app, OFFICE)
    settings = client.get("/settings").text
    token = re.search(r'action="/settings/policy"><input type="hidden" name="csrf" value="([^"]+)">', settings)
    assert token is not None, "the plain form carries the session's token"
    saved = client.post("/settings/policy", data={"text": policy_text(ws), "csrf": token[1]})
    assert saved.status_code == 200 and "已保存" in saved.text
    assert f'action="/roster?csrf={token[1]}"' in client.get("/roster").text, "an upload form carries it in its address"
