"""A report file once written: its digest in the audit log, and the class it was asked for.

Every report command (统计表, to-do list, 台账) logs the file it wrote the same way, so the
audit log answers "who wrote which report of what, and is this the file" for all of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from pipeline.errors import ReportError
from pipeline.model.audit import AuditEvent
from pipeline.model.classes import normalize_class
from pipeline.store import repo
from pipeline.store.audit import file_sha256, log_event
from pipeline.store.workspace import Workspace


@dataclass(frozen=True)
class Written:
    path: Path
    sha256: str


def log_written(
    ws: Workspace, path: Path, *, operator: str, class_name: str | None, options: dict[str, object]
) -> Written:
    """Record in the audit log that ``operator`` wrote ``path`` (of the school, or of
    ``class_name``) with ``options``; returns the resolved path and its digest."""
    path = path.resolve()
    digest = file_sha256(path)
    event = AuditEvent(
        action="report",
        operator=operator,
        scope=f"class {class_name}" if class_name else "school",
        options=options,
        output=str(path),
        output_sha256=digest,
    )
    with ws.session() as session:
        log_event(session, event)
    return Written(path, digest)


def roster_class(session: Session, class_name: str | None) -> str | None:
    """The class as the roster spells it; ReportError naming the known classes if unknown."""
    if class_name is None:
        return None
    name = normalize_class(class_name)
    known = repo.list_classes(session)
    if name not in known:
        listed = "、".join(known) or "（花名册为空）"
        raise ReportError(f"没有班级“{class_name}”：请核对班级名称（已有：{listed}）。")
    return name


def require_xlsx(out: Path) -> None:
    """The to-do list and the 台账 are workbooks only."""
    if out.suffix.lower() != ".xlsx":
        raise ReportError(f"{out}：待办清单和台账写成 .xlsx 文件，请换一个文件名后缀。")
