"""Opening a project beside a sync client's conflicted copy of it asks, once per copy,
whether to merge it in; yes merges (judged by reading the project file)."""

from __future__ import annotations

import shutil

from annotator.core.project import Project


def test_conflicted_copy_is_offered_and_merged(qtbot, project_path, dialogs, tmp_path):
    from annotator.gui.main_window import MainWindow

    copy = project_path.with_name(f"{project_path.stem} (conflicted copy 2026-01-02).annot")
    shutil.copyfile(project_path, copy)
    with Project.open(copy, author="Colleague") as p:
        doc = next(d for d in p.documents.list() if d.kind == "text")
        added = p.annotations.add(doc.id, start=0, end=4, note="made on the other laptop").value
    dialogs.script("ask", True)
    win = MainWindow(author="Test Historian", dialogs=dialogs)
    qtbot.addWidget(win)
    win.show()
    assert win.open_project(project_path)
    questions = [q for q in dialogs.said("ask") if q[0] == "Conflicted copy"]
    assert len(questions) == 1 and copy.name in questions[0][1]
    assert win.files.offer_cloud_copies() == 0  # asked once: not again
    assert len([q for q in dialogs.said("ask") if q[0] == "Conflicted copy"]) == 1
    win.close()
    with Project.open(project_path, read_only=True) as p:
        merged = p.annotations.get(added.id)
    assert merged is not None and merged.note == "made on the other laptop"
