"""Errors a scholar may see. Their messages are written for her, not for a developer:
they say what is wrong and what to do."""


class AnnotatorError(Exception):
    """Base of every error the app reports to the user."""


class ProjectError(AnnotatorError):
    """The project file cannot be opened or used as asked."""


class ImportFailed(AnnotatorError):
    """A source file could not be imported; nothing was written."""


class PasswordRequired(ImportFailed):
    """The PDF is encrypted; ask for its password and try again."""


class ProjectLocked(ProjectError):
    """Another annotator (or CLI) has the project open for writing; open it read-only."""

    def __init__(self, message: str, holder: str = "") -> None:
        super().__init__(message)
        self.holder = holder


class ProjectCorrupt(ProjectError):
    """The file is damaged; the scholar is offered the newest good backup."""

    def __init__(self, message: str, backups: list | None = None) -> None:
        super().__init__(message)
        self.backups = backups or []
