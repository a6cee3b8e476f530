"""What became of each input file of an ingest batch: one outcome and its reason per file."""

from __future__ import annotations

from dataclasses import dataclass

# English keys in code and the database; Chinese labels wherever a person reads them.
FILE_OUTCOMES = {
    "read": "已读入",
    "blank": "空白跳过",
    "already_read": "已读过",
    "duplicate": "重复",
    "refused": "拒收",
    "quarantined": "隔离",
    "incomplete": "不完整",
    "unpacked": "已解压",  # a zip of returns: its files have their own rows
}


@dataclass(frozen=True)
class FileIntake:
    """One input file's outcome (a key of FILE_OUTCOMES); scan files also say which pages were
    found and which of them (1-based) were read, blank or already stored."""

    path: str
    outcome: str
    reason: str = ""
    digest: str | None = None
    form_ids: tuple[str, ...] = ()
    pages: int | None = None
    pages_read: tuple[int, ...] = ()

    @property
    def label(self) -> str:
        return FILE_OUTCOMES[self.outcome]
