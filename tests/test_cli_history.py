"""Every edit from the command line is one undoable step: edit, delete, undo, redo,
history, through `annotator.cli.main` as a script would call it."""

from __future__ import annotations

import json

import pytest

from annotator.cli import main
from annotator.core.project import Project

TEXT = ("Leonid Krasin presented his credentials in Paris on 14 November 1924. "
        "Eduard Errio received him; Édouard Herriot had recognised the USSR.\n")


@pytest.fixture
def project_file(tmp_path):
    path = tmp_path / "cli.annot"
    with Project.create(path, "CLI", author="Alice") as p:
        p.documents.import_bytes(TEXT.encode(), "krasin.txt")
    return path


def run(*argv: str) -> int:
    return main(["--author", "Alice", *argv])


def annotate(path, quote: str, *extra: str) -> str:
    assert run("annotate", str(path), "krasin.txt", "--quote", quote, *extra) == 0
    with Project.open(path, read_only=True) as p:
        return next(a.id for a in p.annotations.list() if a.quote == quote)


def read(path, ann_id: str):
    with Project.open(path, read_only=True) as p:
        ann = p.annotations.get(ann_id)
        tags = sorted(p.tags.get(t).name for t in ann.tag_ids)
        entity = p.entities.get(ann.entity_id).name if ann.entity_id else None
        return ann, tags, entity


def test_edit_every_field_then_undo_each_step(project_file, capsys):
    ann_id = annotate(project_file, "Eduard Errio", "--tag", "Person")
    assert run("edit", str(project_file), ann_id[:8], "--note", "Herriot, misspelt",
               "--add-tag", "Diplomacy/Recognition", "--date", "14 November 1924") == 0
    ann, tags, _ = read(project_file, ann_id)
    assert ann.note == "Herriot, misspelt"
    assert tags == ["Person", "Recognition"]
    assert ann.date_value == "1924-11-14"
    assert run("edit", str(project_file), ann_id, "--entity", "Édouard Herriot",
               "--remove-tag", "Recognition") == 0
    ann, tags, entity = read(project_file, ann_id)
    assert (tags, entity) == (["Person"], "Édouard Herriot")
    assert run("edit", str(project_file), ann_id, "--no-entity") == 0
    assert read(project_file, ann_id)[2] is None

    assert run("undo", str(project_file)) == 0
    assert read(project_file, ann_id)[2] == "Édouard Herriot"
    assert run("undo", str(project_file)) == 0
    ann, tags, entity = read(project_file, ann_id)
    assert (tags, entity) == (["Person", "Recognition"], None)
    assert run("undo", str(project_file)) == 0
    ann, tags, _ = read(project_file, ann_id)
    assert (ann.note, tags, ann.date_value) == ("", ["Person"], "")
    assert run("redo", str(project_file), "--steps", "2") == 0
    assert read(project_file, ann_id)[2] == "Édouard Herriot"
    out = capsys.readouterr().out
    assert "undid “Edit annotation “Eduard Errio”” by Alice" in out


def test_delete_and_undo_brings_the_same_annotation_back(project_file):
    ann_id = annotate(project_file, "Leonid Krasin", "--tag", "Person", "--note", "envoy")
    assert run("delete", str(project_file), ann_id) == 0
    with Project.open(project_file, read_only=True) as p:
        assert p.annotations.list() == []
    assert run("undo", str(project_file)) == 0
    ann, tags, _ = read(project_file, ann_id)
    assert (ann.note, tags, ann.deleted) == ("envoy", ["Person"], False)


def test_undo_takes_back_an_import_and_an_annotate(project_file):
    annotate(project_file, "Paris", "--tag", "Place")
    assert run("undo", str(project_file)) == 0
    with Project.open(project_file, read_only=True) as p:
        assert p.annotations.list() == []
        assert len(p.documents.list()) == 1
    assert run("undo", str(project_file)) == 0
    with Project.open(project_file, read_only=True) as p:
        assert p.documents.list() == []


def test_history_lists_an_annotation_field_by_field(project_file, capsys):
    ann_id = annotate(project_file, "Leonid Krasin", "--tag", "Person")
    run("edit", str(project_file), ann_id, "--note", "plenipotentiary")
    capsys.readouterr()
    assert run("history", str(project_file), "--annotation", ann_id) == 0
    out = capsys.readouterr().out
    assert "note: “” → “plenipotentiary”" in out
    assert "Alice" in out
    assert run("history", str(project_file), "--json") == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["label"].startswith("Edit annotation")
    assert {r["state"] for r in rows} == {"done"}


def test_nothing_to_undo_and_bad_input_are_messages_not_tracebacks(tmp_path, capsys):
    path = tmp_path / "empty.annot"
    Project.create(path, default_codebook=False).close()
    assert run("undo", str(path)) == 2
    assert run("redo", str(path)) == 2
    assert run("edit", str(path), "nonexistent-id", "--note", "x") == 2
    assert run("delete", str(path), "nonexistent-id") == 2
    err = capsys.readouterr().err
    assert "nothing to undo" in err
    assert "Traceback" not in err


def test_edit_without_a_change_is_refused_and_records_nothing(project_file, capsys):
    ann_id = annotate(project_file, "Paris")
    with Project.open(project_file, read_only=True) as p:
        n = len(p.history())
    assert run("edit", str(project_file), ann_id) == 2
    assert run("edit", str(project_file), ann_id, "--remove-tag", "Person") == 2
    with Project.open(project_file, read_only=True) as p:
        assert len(p.history()) == n


def test_update_text_reanchors_and_lists_what_moved_or_was_orphaned(project_file, tmp_path,
                                                                   capsys):
    krasin = annotate(project_file, "Leonid Krasin", "--tag", "Person")
    errio = annotate(project_file, "Eduard Errio", "--tag", "Person")
    paris = annotate(project_file, "Paris", "--tag", "Place")
    corrected = tmp_path / "corrected.txt"
    corrected.write_text("PREFACE. " + TEXT.replace("Eduard Errio received him; ", "")
                         .replace("Leonid Krasin", "Leonid B. Krasin"), encoding="utf-8")
    capsys.readouterr()
    assert run("update-text", str(project_file), "krasin.txt", str(corrected)) == 0
    out = capsys.readouterr().out
    assert "1 orphaned" in out and "Eduard Errio" in out
    with Project.open(project_file, read_only=True) as p:
        states = {a.id: str(a.anchor_state) for a in p.annotations.list()}
        assert p.documents.text(p.annotations.get(paris).document_id).startswith("PREFACE.")
    assert states[errio] == "orphaned"
    assert states[paris] == "moved"  # shifted by the preface, found again
    assert states[krasin] in ("moved", "ok")
    assert run("undo", str(project_file)) == 0
    with Project.open(project_file, read_only=True) as p:
        assert {str(a.anchor_state) for a in p.annotations.list()} == {"ok"}
        assert p.documents.text(p.annotations.get(paris).document_id) == TEXT


def test_a_project_file_as_first_argument_opens_the_workbench(project_file, monkeypatch):
    """`annotator letters.annot` opens the workbench on it (was "invalid choice")."""
    import annotator.gui.app as app

    opened = []
    monkeypatch.setattr(app, "run", lambda project=None, author=None: opened.append(
        (project, author)) or 0)
    assert main([str(project_file)]) == 0
    assert main(["--author", "Ann", str(project_file)]) == 0
    assert opened == [(str(project_file), None), (str(project_file), "Ann")]


def test_a_closed_pipe_ends_the_listing_quietly(project_file):
    """`annotator list P | head -1`: no BrokenPipeError traceback, exit 0."""
    import subprocess
    import sys

    with Project.open(project_file, author="Alice") as p:  # more than a pipe holds
        doc = p.documents.list()[0].id
        with p.transaction():
            for i in range(1500):
                p.annotations.add(doc, start=i % 100, end=i % 100 + 5, note=f"note {i}")
    script = ("import sys; from annotator.cli import main; sys.exit(main(['list', sys.argv[1]]))")
    for _ in range(5):
        proc = subprocess.Popen([sys.executable, "-c", script, str(project_file)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        proc.stdout.readline()
        proc.stdout.close()  # the reader goes away, as head does
        err = proc.stderr.read().decode()
        assert proc.wait(timeout=60) == 0, err
        assert "Traceback" not in err
