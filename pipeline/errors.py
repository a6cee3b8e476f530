"""Named exceptions. The library raises these; only the CLI turns them into click errors.

Messages are in Chinese because they reach the user; each names the file, row/page/field
and what to do.
"""


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
