"""The office console over a real workspace: a signed-in TestClient, the report tests' small
school (tests/report_support.py) as a template copied per test, and reading the pages' tables.
"""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

from fastapi.testclient import TestClient

from pipeline.console.app import create_console_app
from pipeline.store.workspace import Workspace
from tests.report_support import build_school

TOKEN = "console-pages-token"
OPERATOR = "王老师"
CONSOLE_PAGES = ("/", "/roster", "/reports", "/settings", "/audit")

_ROW = re.compile(r"<tr[^>]*>(.*?)</tr>", re.S)
_CELL = re.compile(r"<t[dh][^>]*>(.*?)</t[dh]>", re.S)
_TAG = re.compile(r"<[^>]+>")


def signed_in(ws: Workspace, *, operator: str = OPERATOR) -> TestClient:
    """A client of the console over ``ws`` that has spent the one-time token."""
    client = TestClient(create_console_app(ws, operator=operator, token=TOKEN), headers={"Origin": "http://testserver"})
    client.get(f"/?token={TOKEN}")
    return client


def school_template(root: Path) -> Path:
    """The report tests' school built once under ``root`` and closed; returns its folder."""
    made = build_school(root)
    ws = next(made)
    ws.close()
    return ws.root


def table_rows(html: str, table_id: str) -> list[list[str]]:
    """The body rows of the table ``table_id`` on a page, each as its cells' plain text."""
    start = html.index(f'id="{table_id}"')
    body = html[start : html.index("</table>", start)]
    body = body[body.index("<tbody>") :] if "<tbody>" in body else body
    return [[unescape(_TAG.sub("", c)).strip() for c in _CELL.findall(row)] for row in _ROW.findall(body)]


