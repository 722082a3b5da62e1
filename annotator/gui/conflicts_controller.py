"""After a merge: the conflicts it kept, in the merge report and in the Conflicts
review (panels/conflicts.py), which is raised when there is something to decide."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QWidget

from annotator.core import conflicts


def report_lines(project: Any, report: Any, limit: int = 20) -> list[str]:
    """The merge's conflicts for its report: both versions, who made each, which stands."""
    rows = getattr(report, "conflicts", [])
    if not rows:
        return []
    lines = [f"{len(rows)} conflict(s): both versions are kept, the later one in place "
             "(View ▸ Conflicts to keep mine, theirs or both):"]
    for row in rows[:limit]:
        c = conflicts.get(project, row["id"])
        lines.append(f"• {c.field} of {c.what or c.table}: mine “{c.shown('mine')[:80]}” "
                     f"({c.mine_author or '?'}) / theirs “{c.shown('theirs')[:80]}” "
                     f"({c.theirs_author or '?'}); in place: {c.winner}")
    if len(rows) > limit:
        lines.append(f"… and {len(rows) - limit} more")
    return lines


def show_conflicts(window: QWidget) -> bool:
    """Raise the Conflicts review dock, if the workbench has one."""
    dock = getattr(window, "docks", {}).get("conflicts")
    if dock is None:
        return False
    dock.show()
    dock.raise_()
    return True
