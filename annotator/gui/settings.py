"""What the workbench remembers between sessions: recent projects, the last one, the
window layout, the side-by-side choice per project, the user's name.

Everything goes through :func:`settings`, so tests can point it at a scratch file
(``ANNOTATOR_SETTINGS_FILE``) and never touch a real user's configuration.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths

MAX_RECENT = 10


_instances: dict[str, QSettings] = {}


def settings() -> QSettings:
    """QSettings("annotator", "annotator"), or an INI file named by the environment.

    One instance per file, kept: a QSettings writes its file when it is destroyed, and
    a fresh one per value would write the file on every call (~10 ms each)."""
    path = os.environ.get("ANNOTATOR_SETTINGS_FILE", "")
    instance = _instances.get(path)
    if instance is None:
        instance = (QSettings(path, QSettings.Format.IniFormat) if path
                    else QSettings("annotator", "annotator"))
        _instances[path] = instance
    return instance


def sync() -> None:
    """Write what changed now (Qt also does it from the event loop and at exit)."""
    for instance in _instances.values():
        instance.sync()


def data_dir() -> Path:
    """Where the first-run copy of the sample project lives (the user data folder)."""
    override = os.environ.get("ANNOTATOR_DATA_DIR")
    if override:
        path = Path(override)
    else:
        base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.GenericDataLocation)
        path = Path(base) / "annotator"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _list(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value else []
    return [str(v) for v in value]  # type: ignore[union-attr]


def recent_projects() -> list[str]:
    """Recent project files that still exist, newest first."""
    return [p for p in _list(settings().value("recent")) if Path(p).exists()]


def add_recent(path: str | Path) -> None:
    path = str(Path(path).resolve())
    s = settings()
    recent = [p for p in _list(s.value("recent")) if p != path]
    s.setValue("recent", [path, *recent][:MAX_RECENT])
    s.setValue("last_project", path)


def last_project() -> str | None:
    value = settings().value("last_project")
    return str(value) if value and Path(str(value)).exists() else None


def author_name() -> str:
    return str(settings().value("author", "") or "")


def set_author_name(name: str) -> None:
    settings().setValue("author", name)


def _project_key(path: str | Path) -> str:
    import hashlib

    return "projects/" + hashlib.sha1(str(Path(path).resolve()).encode()).hexdigest()[:16]


def project_value(path: str | Path, key: str, default: object = None) -> object:
    """A per-project setting (open documents, splitter sizes)."""
    return settings().value(f"{_project_key(path)}/{key}", default)


def set_project_value(path: str | Path, key: str, value: object) -> None:
    settings().setValue(f"{_project_key(path)}/{key}", value)


def left_open(path: str | Path) -> str | None:
    """The document a project was left open on in the left pane: its id, "" if none was
    open, None if the project was never opened here (the window then chooses)."""
    left = project_value(path, "left")
    return None if left is None else str(left)


def value(key: str, default: object = None) -> object:
    return settings().value(key, default)


def set_value(key: str, val: object) -> None:
    settings().setValue(key, val)
