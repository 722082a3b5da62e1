"""Saving a transcription unchanged is no action: no undo step, and passages marked for
review (moved) stay marked (a merge of two copies then agrees in both orders)."""

from __future__ import annotations


def test_the_same_text_again_changes_nothing(project, letter):
    text = project.documents.text(letter.id)
    ann = project.annotations.add(letter.id, start=text.index("Paris"),
                                  end=text.index("Paris") + 5).value
    project.documents.set_text(letter.id, "Foreword.\n\n" + text.replace("Paris", "Paris,"))
    state = project.annotations.get(ann.id).anchor_state
    steps = project.conn.execute("SELECT count(*) FROM changesets").fetchone()[0]
    result = project.documents.set_text(letter.id, project.documents.text(letter.id))
    assert result.value == {}
    assert project.conn.execute("SELECT count(*) FROM changesets").fetchone()[0] == steps
    assert project.annotations.get(ann.id).anchor_state == state
