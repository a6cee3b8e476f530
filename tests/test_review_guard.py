"""The review station's guard (pipeline/review/guard.py) through HTTP: the one-time token,
requests from other origins, and the Content-Security-Policy its pages live under.

The app is served by Starlette's TestClient at the address ``jiafang review serve`` prints
(127.0.0.1:8765), over a real workspace with a record waiting for review."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import pipeline.review
from pipeline.review.app import create_app
from pipeline.review.guard import CONTENT_SECURITY_POLICY, SESSION_COOKIE
from pipeline.store.records import current_record
from pipeline.store.workspace import Workspace
from review_support import Issued, copy_workspace, issue_template, store_record, typical_fields

TOKEN = "t0ken-for-guard-tests"
BASE = "http://127.0.0.1:8765"
TEMPLATES = Path(pipeline.review.__file__).parent / "templates"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Issued]]:
    return issue_template(tmp_path_factory.mktemp("guard-template"))


@pytest.fixture
def ws(template: tuple[Path, list[Issued]], tmp_path: Path) -> Iterator[Workspace]:
    workspace = copy_workspace(template[0], tmp_path / "ws")
    store_record(workspace, template[1][0], typical_fields(workspace))
    yield workspace
    workspace.close()


@pytest.fixture
def form_id(template: tuple[Path, list[Issued]]) -> str:
    return template[1][0].form_id


def _client(ws: Workspace) -> TestClient:
    return TestClient(create_app(ws, operator="测试复核员", token=TOKEN), base_url=BASE)


def _signed_in(client: TestClient) -> TestClient:
    assert client.get(f"/queue?token={TOKEN}").status_code == 200
    return client


def _mode_status(ws: Workspace, form_id: str) -> str:
    with ws.session() as s:
        record = current_record(s, form_id)
    assert record is not None
    return record.fields["mode"].status


def test_token_is_exchanged_once_for_a_new_session_cookie(ws: Workspace) -> None:
    app = create_app(ws, operator="测试复核员", token=TOKEN)
    with TestClient(app, base_url=BASE) as first:
        response = first.get(f"/queue?token={TOKEN}", follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == "/queue", "the token does not stay in the address bar"
        cookie = response.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
        session = response.cookies[SESSION_COOKIE]
        assert session and TOKEN not in session, "the cookie is a new random value, not the token"
        assert first.get("/queue").status_code == 200
        again = first.get(f"/dashboard?token={TOKEN}", follow_redirects=False)
        assert (again.status_code, again.headers["location"]) == (303, "/dashboard"), "the link reopened in the same browser"
    with TestClient(app, base_url=BASE) as second:
        refused = second.get(f"/queue?token={TOKEN}")
        assert refused.status_code == 403 and "这个链接已经用过" in refused.text
        second.cookies.set(SESSION_COOKIE, TOKEN)
        assert second.get("/queue").status_code == 403, "the token is no cookie either"


def test_token_redirect_keeps_the_other_query_parameters(ws: Workspace) -> None:
    response = _client(ws).get(f"/queue?group=1&token={TOKEN}&kind=date", follow_redirects=False)
    assert response.headers["location"] == "/queue?group=1&kind=date"


def test_wrong_token_is_refused_and_does_not_spend_the_right_one(ws: Workspace) -> None:
    client = _client(ws)
    wrong = client.get("/queue?token=guess")
    assert wrong.status_code == 403 and "访问令牌不对" in wrong.text
    assert client.get(f"/queue?token={TOKEN}").status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://127.0.0.1:9999"},
        {"Origin": "http://localhost:9999"},
        {"Origin": "https://example.com"},
        {"Referer": "http://127.0.0.1:9999/form.html"},
        {"Origin": "null", "Sec-Fetch-Site": "cross-site"},
        {"Origin": BASE, "Host": "attacker.example:8765"},
        {},
    ],
    ids=["other-port", "localhost-other-port", "other-site", "referer-other-port", "sandboxed", "rebound-host", "unsaid"],
)
def test_decision_from_anywhere_but_the_station_is_refused_and_nothing_written(
    ws: Workspace, form_id: str, headers: dict[str, str]
) -> None:
    client = _signed_in(_client(ws))
    response = client.post(f"/fields/{form_id}/mode", data={"value": "入户走访", "version": "1"}, headers=headers)
    assert response.status_code == 403
    assert "已拒绝，没有保存任何更改" in response.text
    unreadable = client.post(f"/fields/{form_id}/mode/unreadable", headers=headers)
    assert unreadable.status_code == 403
    assert _mode_status(ws, form_id) == "review"


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": BASE},
        {"Origin": "http://localhost:8765", "Host": "localhost:8765"},
        {"Referer": f"{BASE}/queue"},
        {"Origin": "null", "Sec-Fetch-Site": "same-origin"},
    ],
    ids=["origin", "localhost", "referer", "no-referrer-page"],
)
def test_decision_from_the_stations_own_page_is_saved(ws: Workspace, form_id: str, headers: dict[str, str]) -> None:
    client = _signed_in(_client(ws))
    response = client.post(f"/fields/{form_id}/mode", data={"value": "入户走访", "version": "1"}, headers=headers)
    assert response.status_code == 200
    assert _mode_status(ws, form_id) == "verified"


def test_every_response_carries_the_security_headers(ws: Workspace, form_id: str) -> None:
    client = _client(ws)
    responses = [client.get("/queue"), client.get("/static/review.css")]  # refused, and the refusal's style
    _signed_in(client)
    paths = ("/queue", "/dashboard", f"/records/{form_id}", "/records/nothing", "/static/review.js", f"/files/{'0' * 64}.png")
    responses += [client.get(path) for path in paths]
    responses.append(client.post(f"/fields/{form_id}/mode", data={"value": "电话"}, headers={"Origin": "http://127.0.0.1:9999"}))
    assert [r.status_code for r in responses] == [403, 200, 200, 200, 200, 404, 200, 404, 403]
    for response in responses:
        assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY, response.url
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
    assert "script-src 'self';" in CONTENT_SECURITY_POLICY and "unsafe" not in CONTENT_SECURITY_POLICY


class _Inline(HTMLParser):
    """Collects what a page has inline: script bodies, style elements and attributes, on*=
    handlers and htmx's hx-on (which needs eval)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self.htmx_config: dict[str, object] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        if tag == "style" or (tag == "script" and "src" not in names):
            self.found.append(f"<{tag}>")
        self.found += [f"{tag}[{n}]" for n in names if n == "style" or n.startswith(("on", "hx-on", "data-hx-on"))]
        values = dict(attrs)
        if tag == "meta" and values.get("name") == "htmx-config":
            self.htmx_config = json.loads(values.get("content") or "{}")


def test_pages_have_no_inline_script_or_style_and_htmx_may_not_eval(ws: Workspace, form_id: str) -> None:
    client = _signed_in(_client(ws))
    refused = TestClient(client.app, base_url=BASE).get("/queue")
    pages = [client.get(p).text for p in ("/queue", "/queue?group=1", "/dashboard", f"/records/{form_id}")]
    for html in [*pages, refused.text]:
        parser = _Inline()
        parser.feed(html)
        assert parser.found == []
    parser = _Inline()
    parser.feed(pages[0])
    assert parser.htmx_config["allowEval"] is False and parser.htmx_config["includeIndicatorStyles"] is False
    # branches the pages above do not reach (quarantined pages, errors) are in the sources
    for source in TEMPLATES.glob("*.html"):
        text = source.read_text(encoding="utf-8")
        assert not re.search(r"\sstyle=|<style|\son\w+=|hx-on|<script>", text), source.name
