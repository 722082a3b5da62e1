"""The model and every operation on it. Imports no Qt (and PyMuPDF only lazily),
so the CLI, the tests and the GUI share one code path.

The names below are loaded on first use: importing one small module of the core
(the window's first glance, core/glance.py) must not load the whole of it.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from annotator.core.changes import OpChanges, OpResult
    from annotator.core.errors import (
        AnnotatorError,
        ImportFailed,
        PasswordRequired,
        ProjectError,
    )
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

_WHERE = {
    "OpChanges": "changes", "OpResult": "changes",
    "AnnotatorError": "errors", "ImportFailed": "errors", "PasswordRequired": "errors",
    "ProjectError": "errors",
    "AnchorState": "model", "Annotation": "model", "Author": "model", "Document": "model",
    "DocumentLink": "model", "Entity": "model", "Link": "model", "Page": "model",
    "RegionSelector": "model", "Tag": "model", "TextSelector": "model",
    "Project": "project",
}

__all__ = [
    "AnnotatorError", "ProjectError", "ImportFailed", "PasswordRequired",
    "Annotation", "AnchorState", "Author", "Document", "DocumentLink", "Entity", "Link",
    "Page", "RegionSelector", "Tag", "TextSelector", "OpChanges", "OpResult", "Project",
]


def __getattr__(name: str) -> object:
    """``from annotator.core import Project`` loads the module that defines it."""
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'annotator.core' has no attribute {name!r}")
    value = getattr(import_module(f"annotator.core.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
