"""When one file or page fails: a reason a clerk understands for the user, the trace for the log.

A batch never stops for one input. What the readers expect of damaged files they turn into
Chinese reasons themselves (e.g. pipeline.scan.load.decode_reason); anything else is a program
error, reported as "程序错误" with the path of the workspace log that holds the full trace.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["LOG_FILE", "error_log", "program_error"]

LOG_FILE = Path("logs") / "jiafang.log"
log = logging.getLogger("pipeline.ingest")


class _QuietFileHandler(logging.FileHandler):
    """A log file that never prints its own failure (an unwritable workspace) to the console."""

    def handleError(self, record: logging.LogRecord) -> None:
        pass


# Parsers that log their complaints about damaged files (in English, to the console by default).
_PARSER_LOGGERS = ("pikepdf", "pdfminer", "PIL")


@contextmanager
def error_log(workspace_root: Path) -> Iterator[Path]:
    """Write the pipeline's errors, and the parsers' complaints instead of the console, to
    ``<workspace>/logs/jiafang.log`` while the block runs."""
    path = workspace_root / LOG_FILE
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError:
        pass  # the handler stays quiet; the batch itself reports an unwritable workspace
    handler = _QuietFileHandler(path, encoding="utf-8", delay=True)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    parsers = [logging.getLogger(name) for name in _PARSER_LOGGERS]
    propagated = [p.propagate for p in parsers]
    for logger in (logging.getLogger("pipeline"), *parsers):
        logger.addHandler(handler)
    for parser in parsers:
        parser.propagate = False
    try:
        yield path
    finally:
        for logger, before in zip(parsers, propagated):
            logger.propagate = before
        for logger in (logging.getLogger("pipeline"), *parsers):
            logger.removeHandler(handler)
        handler.close()


def program_error(where: str, exc: BaseException, log_file: Path) -> str:
    """Log ``exc`` with its trace under ``where``; the reason for the user says it is our fault
    and where the details are (the caller names the file or page)."""
    log.error("%s", where, exc_info=exc)
    return f"程序错误，已跳过（详细信息已写入日志 {log_file}），请把该文件和日志交给维护人员"
