"""Real-world files nobody here wrote (tests/data/outside/, see SOURCES.md there) go through ingest
as a school office would drop them in: one by one and as one folder. Whatever they are, ingest
names every file with one outcome and a Chinese reason, lets nothing escape, never hangs, creates
no record and leaves the stored records as they were."""

from __future__ import annotations

import re
import shutil
import signal
import traceback
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fault_support import RECORD_TABLES, canonical_dump, workspace_with_records

from pipeline.ingest import ingest
from pipeline.ingest.run import UNPACK_FOLDER
from pipeline.store.workspace import Workspace, open_workspace

# Pillow warns about every damaged image it still opens; that is expected of this corpus.
pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::UserWarning:PIL")]

CORPUS = Path(__file__).parent / "data" / "outside"
FILE_SECONDS = 60  # one file of the corpus; the slowest takes under 2 s on 2 cores
FOLDER_SECONDS = 150  # the whole folder in one batch
READ = "read"  # the one outcome (pipeline.model.intake.FILE_OUTCOMES) that means a record was made
# Library and OS words, and a word or mark doubled where two messages were joined (请请, 。。);
# a character repeated across two words (图像像素) is ordinary Chinese.
DEVELOPER_TEXT = re.compile(r"Error|Exception|Traceback|(?i:errno)|startxref|decoder error|([请的了是，。：；、])\1")
CHINESE = re.compile(r"[\u4e00-\u9fff]")


class Hung(BaseException):
    """Ingest of one file (or of the folder) ran past its time limit; a BaseException so that no
    catch-all inside ingest can take it for an error of the file."""


@dataclass
class Pass:
    """What one pass over the corpus made of each file: (outcome, reason) per entry of the
    batch's per-file accounting (IngestReport.files), and the text of anything that escaped
    ingest or stopped the batch instead of being reported."""

    items: dict[Path, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))
    escaped: dict[Path, str] = field(default_factory=dict)


def _corpus_files() -> list[Path]:
    return sorted(p for p in CORPUS.rglob("*") if p.is_file())


@contextmanager
def _time_limit(seconds: int) -> Iterator[None]:
    def expire(_signum: int, _frame: object) -> None:
        raise Hung(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _ingest_into(result: Pass, ws: Workspace, target: Path, seconds: int) -> None:
    try:
        with _time_limit(seconds):
            report = ingest(ws, [target], workers=1)
    except (Exception, Hung) as exc:  # anything escaping ingest is what this test reports
        result.escaped[target] = "".join(traceback.format_exception_only(exc)).strip()
        return
    if report.stopped:
        result.escaped[target] = f"the batch stopped: {report.stopped}"
    for intake in report.files:
        result.items[Path(intake.path)].append((intake.outcome, intake.reason))


def _problems(result: Pass, files: list[Path]) -> list[str]:
    """Everything in ``result`` that breaks the promise of the module docstring, one line each."""
    problems = [f"{path.relative_to(CORPUS.parent)}: escaped ingest: {text}" for path, text in result.escaped.items()]
    unpacked = [p for p in result.items if UNPACK_FOLDER in p.parts]  # the files of a corpus zip
    for path in [*(p for p in files if p not in result.escaped), *unpacked]:
        name = path.relative_to(CORPUS) if path in files else path
        reported = result.items.get(path, [])
        outcomes = {outcome for outcome, _ in reported}
        if len(outcomes) != 1:
            problems.append(f"{name}: needs exactly one outcome, has {sorted(outcomes) or 'none (not named)'}")
        for outcome, message in reported:
            if outcome == READ:
                problems.append(f"{name}: an outside file became a record ({outcome})")
            elif not CHINESE.search(message):
                problems.append(f"{name}: {outcome} without a Chinese reason: {message!r}")
            if found := DEVELOPER_TEXT.search(message):
                problems.append(f"{name}: developer text {found.group(0)!r} in: {message}")
    unknown = set(result.items) - set(files) - set(unpacked)
    problems += [f"{path}: reported but not a corpus file" for path in sorted(unknown)]
    return problems


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace of the sample school holding records from ordinary Word returns."""
    ws = workspace_with_records(tmp_path_factory.mktemp("seeded") / "ws")
    ws.close()
    return ws.root


def _copy(seeded: Path, target: Path) -> Workspace:
    shutil.copytree(seeded, target)
    return open_workspace(target)


def test_the_corpus_is_there_and_varied() -> None:
    files = _corpus_files()
    suffixes = {p.suffix.lower() for p in files}
    assert len(files) >= 150 and (CORPUS / "SOURCES.md").is_file()
    assert {".pdf", ".docx", ".doc", ".png", ".jpg", ".tif", ".tiff", ".zip", ""} <= suffixes
    assert any(p.stat().st_size == 0 and p.suffix == ".pdf" for p in files), "a 0-byte PDF"


@pytest.mark.parametrize("alone", [True, False], ids=["each-file-alone", "as-one-folder"])
def test_outside_files_are_each_named_with_a_chinese_reason_and_change_no_record(
    seeded: Path, tmp_path: Path, alone: bool
) -> None:
    ws = _copy(seeded, tmp_path / "ws")
    before = canonical_dump(ws.root, RECORD_TABLES)
    files = _corpus_files()
    targets = [(path, FILE_SECONDS) for path in files] if alone else [(CORPUS, FOLDER_SECONDS)]
    result = Pass()
    for target, seconds in targets:
        _ingest_into(result, ws, target, seconds)
    problems = _problems(result, files)
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)
    assert canonical_dump(ws.root, RECORD_TABLES) == before
