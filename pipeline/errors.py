"""Named exceptions. The library raises these; only the CLI turns them into click errors.

Messages are in Chinese because they reach the user; each names the file, row/page/field
and what to do.
"""

from __future__ import annotations

from pathlib import Path


class JiafangError(Exception):
    """Base class of every error a user can cause or fix."""


class FormDefinitionError(JiafangError):
    """A form definition in forms/ is missing or malformed."""


class PolicyError(JiafangError):
    """The policy profile YAML is missing or invalid."""


class WorkspaceError(JiafangError):
    """The workspace folder or its database cannot be used."""


class RosterError(JiafangError):
    """A roster file cannot be read at all (unreadable file, no known sheet)."""


class FontCoverageError(JiafangError):
    """A value contains characters that no available font can print."""


class RenderError(JiafangError):
    """A document could not be rendered."""


class OcrEngineError(JiafangError):
    """The OCR engine named in the settings cannot be loaded or does not fit the interface."""


class ClusterError(JiafangError):
    """The Dask cluster named for scan ingest cannot be reached or has no worker that can read."""


class GenerateError(JiafangError):
    """Forms cannot be generated as asked (no students, unknown class or format)."""


class RosterFileError(RosterError):
    """One roster file cannot be read; the import goes on with the other files."""

    def __init__(self, file: str, reason: str, fix: str) -> None:
        self.file = file
        self.reason = reason
        self.fix = fix
        super().__init__(f"{file}：{reason}{fix}")


class TemplateError(JiafangError):
    """A text template in templates/ is missing or malformed."""


class DocumentError(JiafangError):
    """A returned document (Word, PDF, image) cannot be taken in; the batch goes on.

    ``path`` is the file; the message names it, says what is wrong and what to do.
    """

    def __init__(self, path: Path, reason: str, fix: str = "") -> None:
        self.path = path
        self.reason = reason
        self.fix = fix
        super().__init__(f"{path}：{reason}" + (f"。{fix}" if fix else ""))


class UnreadableFileError(DocumentError):
    """Empty, damaged, password-protected or of a format we do not read (e.g. legacy .doc)."""


class UnsafeFileError(DocumentError):
    """Refused for safety without being opened further: macros, zip bombs, XML with DTDs."""


class ForeignDocumentError(DocumentError):
    """A readable document that is not one of our issued forms."""


class BlankFormError(ForeignDocumentError):
    """One of our forms returned with nothing written in it: the print file, an untouched Word form."""


class UnknownFormError(DocumentError):
    """One of our forms whose form id is missing, invalid, never issued or another school's."""


class ExportError(JiafangError):
    """Records cannot be exported as asked (unknown format, output not writable)."""


class SamplesError(JiafangError):
    """Synthetic returns cannot be made (missing or malformed manifest, issued PDF not found)."""


class ReportError(JiafangError):
    """A report cannot be made as asked (date outside the school year, output not writable)."""


class ArchiveError(JiafangError):
    """A dossier or packet cannot be built or checked (unknown student or term, bad packet file)."""


class ReviewError(JiafangError):
    """A review action cannot be done: unknown form or field, or the field is not under review."""


class CorrectionError(ReviewError):
    """A value typed by a reviewer is refused; ``overridable`` when only a rule objects (the
    reviewer may confirm it against the paper), not when the value cannot be read at all."""

    def __init__(self, message: str, *, overridable: bool = False) -> None:
        self.overridable = overridable
        super().__init__(message)


class ReviewSheetError(ReviewError):
    """A review spreadsheet cannot be imported as a whole (not an xlsx, not one we exported)."""


class ScanError(JiafangError):
    """A scanned page cannot be read as asked (e.g. assigned by hand to a form it does not fit)."""


class OutputError(JiafangError):
    """An output file (export, report, document) cannot be written."""


class StorageError(WorkspaceError):
    """The workspace cannot be written (disk full, read-only folder or database, no permission).

    Raised by the store layer; a batch does not treat it as one bad input file but stops,
    reporting what it finished, because every further write would fail the same way.
    """


class StaleVersionError(ReviewError):
    """A decision was made on a record version that is no longer current; nothing is written."""


class PlanError(JiafangError):
    """The visit plan cannot be made, read or written (calendar, term, stored plan)."""


class AccessDeniedError(JiafangError):
    """The signed-in operator's role does not allow this (LAN mode, see pipeline.access)."""


class OperatorError(JiafangError):
    """An operator account cannot be added or changed as asked (bad name, role, class or password)."""


class JobError(JiafangError):
    """A job cannot be queued or run as asked (unknown kind, missing parameter, bad upload)."""


# --- many schools in one store (issue 14) ---------------------------------------------------------


class SchoolError(JiafangError):
    """A school code that is not registered in the store, or a profile that does not fit it."""


class AccessError(AccessDeniedError):
    """An operator asked for a school (or the district) they are not bound to."""
