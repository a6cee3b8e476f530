"""The audit log: dossier and packet builds are written to it, `jiafang audit list` shows them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive_support import CLASS, RARE, School, build_school
from pipeline.archive.dossier import build_dossier
from pipeline.archive.packet import build_packet
from pipeline.cli import main
from pipeline.model.audit import default_operator
from pipeline.store.audit import file_sha256, list_events


@pytest.fixture(scope="module")
def school(tmp_path_factory: pytest.TempPathFactory) -> Iterator[School]:
    built = build_school(tmp_path_factory.mktemp("audit"))
    yield built
    built.ws.close()


def test_dossier_build_is_logged_with_operator_options_and_output_hash(school: School, tmp_path: Path) -> None:
    out = build_dossier(school.ws, RARE, tmp_path / "d.pdf", outward=True, operator="王主任")
    with school.ws.session() as s:
        [event] = list_events(s, action="dossier", limit=1)
    assert (event.operator, event.scope, event.output) == ("王主任", f"student {RARE}", str(out))
    assert event.options["outward"] is True and event.options["include_sensitive"] is False
    assert event.output_sha256 == file_sha256(out)
    assert event.at is not None


def test_packet_build_is_logged_with_the_os_user_by_default_and_include_sensitive(school: School, tmp_path: Path) -> None:
    result = build_packet(
        school.ws, scope="class", class_name=CLASS, term="2025-2026-1", out_dir=tmp_path, include_sensitive=True
    )
    with school.ws.session() as s:
        [event] = list_events(s, action="packet", limit=1)
    assert (event.operator, event.scope) == (default_operator(), f"class {CLASS}")
    assert event.options["include_sensitive"] is True and event.options["term"] == "2025-2026-1"
    assert event.output == str(result.zip) and event.output_sha256 == file_sha256(result.zip) == result.zip_sha256


def test_audit_list_shows_dossier_and_packet_entries_newest_first(school: School, tmp_path: Path) -> None:
    ws = ["--workspace", str(school.ws.root)]
    runner = CliRunner()
    built = runner.invoke(main, ["archive", "student", RARE, "--out", str(tmp_path / "d.pdf"), "--operator", "李老师", *ws])
    assert built.exit_code == 0, built.output
    packet = runner.invoke(
        main, ["archive", "packet", "--scope", "class", "--class", CLASS, "--term", "2025-2026-1",
               "--out", str(tmp_path / "p"), "--operator", "赵校长", *ws],
    )
    assert packet.exit_code == 0, packet.output
    listed = runner.invoke(main, ["audit", "list", "--limit", "2", *ws])
    assert listed.exit_code == 0, listed.output
    lines = listed.output.splitlines()
    assert lines[0].split("\t")[:4] == ["时间", "操作员", "操作", "范围"]
    newest, older = (line.split("\t") for line in lines[1:3])
    assert newest[1:4] == ["赵校长", "packet", f"class {CLASS}"]
    assert older[1:4] == ["李老师", "dossier", f"student {RARE}"]
    assert '"include_sensitive": false' in newest[4]
    assert older[6] == file_sha256(tmp_path / "d.pdf")[:12]
    only = runner.invoke(main, ["audit", "list", "--action", "dossier", *ws])
    assert "packet" not in only.output and "李老师" in only.output
