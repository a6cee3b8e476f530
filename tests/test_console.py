"""The office console: its pages in front of the review station, one guard for all."""

from __future__ import annotations

from fastapi.testclient import TestClient

from pipeline.console.app import create_console_app
from pipeline.review.app import create_app

TOKEN = "console-test-token"


def _client(app) -> TestClient:  # type: ignore[no-untyped-def]
    client = TestClient(app, headers={"Origin": "http://testserver"})
    client.get(f"/?token={TOKEN}")
    return client


def test_console_home_is_the_start_page_and_links_the_review_station(workspace) -> None:
    page = _client(create_console_app(workspace, operator="王老师", token=TOKEN)).get("/")
    assert page.status_code == 200
    assert "家访工作台" in page.text and 'href="/queue"' in page.text


def test_review_station_alone_still_starts_at_the_queue(workspace) -> None:
    page = _client(create_app(workspace, operator="王老师", token=TOKEN)).get("/")
    assert page.status_code == 200
    assert "待复核队列" in page.text and "家访工作台" not in page.text


def test_console_pages_need_the_token(workspace) -> None:
    client = TestClient(create_console_app(workspace, operator="王老师", token=TOKEN))
    assert client.get("/").status_code in (401, 403)
