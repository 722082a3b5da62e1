"""The model and every operation on it. Imports no Qt (and PyMuPDF only lazily),
so the CLI, the tests and the GUI share one code path."""

from annotator.core.changes import OpChanges, OpResult
from annotator.core.errors import AnnotatorError, ImportFailed, PasswordRequired, ProjectError
from annotator.core.model import (
    AnchorState,
    Annotation,
    Author,
    Document,
    DocumentLink,
    Entity,
    Link,
    Page,
    RegionSelector,
    Tag,
    TextSelector,
)
from annotator.core.project import Project

__all__ = [
    "AnnotatorError", "ProjectError", "ImportFailed", "PasswordRequired",
    "Annotation", "AnchorState", "Author", "Document", "DocumentLink", "Entity", "Link",
    "Page", "RegionSelector", "Tag", "TextSelector", "OpChanges", "OpResult", "Project",
]
