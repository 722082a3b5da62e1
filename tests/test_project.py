"""The project file: creation, version checks, migration backup, transactions, CRUD."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest

from annotator.core import schema
from annotator.core.errors import AnnotatorError, ProjectError
from annotator.core.model import AnchorState, RegionSelector, TagKind
from annotator.core.project import Project
from tests.conftest import LETTER


def test_new_project_has_our_ids_wal_and_default_codebook(project):
    conn = project.conn
    assert conn.execute("PRAGMA application_id").fetchone()[0] == schema.APPLICATION_ID
    assert conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    names = [t.name for t in project.tags.list(TagKind.ENTITY_TYPE)]
    assert names == ["Person", "Place", "Organisation", "Date", "Event"]
    assert project.title == "Test project"
    assert project.check().ok


def test_create_refuses_existing_file(tmp_path):
    path = tmp_path / "x.annot"
    path.write_text("hello")
    with pytest.raises(ProjectError, match="already exists"):
        Project.create(path)
    assert path.read_text() == "hello"


@pytest.mark.parametrize("content, message", [
    (b"", "not an annotator project"),
    (b"just some text, not a database" * 10, "not an annotator project"),
])
def test_open_refuses_non_projects(tmp_path, content, message):
    path = tmp_path / "bad.annot"
    path.write_bytes(content)
    with pytest.raises(ProjectError, match=message):
        Project.open(path)
    assert path.read_bytes() == content


def test_open_refuses_foreign_sqlite_file(tmp_path):
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(ProjectError, match="not an annotator project"):
        Project.open(path)
    assert path.read_bytes() == before


def test_newer_file_is_refused_untouched(tmp_path):
    path = tmp_path / "future.annot"
    Project.create(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(ProjectError, match="newer version of annotator"):
        Project.open(path)
    assert path.read_bytes() == before
    assert list(tmp_path.glob("*.backups")) == []


def test_older_file_is_migrated_after_a_backup(tmp_path, monkeypatch):
    """Simulate the next schema by adding a migration N -> N+1; a version-N file is
    backed up, then migrated, in one transaction."""
    path = tmp_path / "old.annot"
    Project.create(path, "Old").close()
    old = schema.SCHEMA_VERSION

    def next_version(conn):
        conn.execute("ALTER TABLE documents ADD COLUMN checksum_note TEXT")

    monkeypatch.setattr(schema, "SCHEMA_VERSION", old + 1)
    monkeypatch.setitem(schema.MIGRATIONS, old, next_version)
    with Project.open(path) as project:
        assert project.schema_version == old + 1
        assert "checksum_note" in project.db["documents"].columns_dict
        assert project.title == "Old"
    from annotator.core.backups import list_backups

    made = list_backups(path)
    assert len(made) == 1 and "upgrade" in made[0].reason
    assert sqlite3.connect(made[0].path).execute("PRAGMA user_version").fetchone()[0] == old


def test_failed_migration_leaves_the_file_as_it_was(tmp_path, monkeypatch):
    path = tmp_path / "old.annot"
    Project.create(path, "Old").close()
    old = schema.SCHEMA_VERSION

    def broken(conn):
        conn.execute("ALTER TABLE documents ADD COLUMN half_done TEXT")
        raise RuntimeError("migration bug")

    monkeypatch.setattr(schema, "SCHEMA_VERSION", old + 1)
    monkeypatch.setitem(schema.MIGRATIONS, old, broken)
    with pytest.raises(RuntimeError):
        Project.open(path)
    monkeypatch.setattr(schema, "SCHEMA_VERSION", old)
    with Project.open(path) as project:
        assert project.schema_version == old
        assert "half_done" not in project.db["documents"].columns_dict


def test_text_annotation_round_trip(project, letter):
    person = project.tags.find("Person")
    start = LETTER.index("Aristide Briand")
    result = project.annotations.add(letter.id, start=start, end=start + 15,
                                     tag_ids=[person.id], note="addressee")
    ann = result.value
    assert result.changes.annotations == {ann.id}
    assert ann.quote == "Aristide Briand"
    assert ann.text.prefix.endswith("Mr. ")
    assert len(ann.text.prefix) <= 32 and len(ann.text.suffix) <= 32
    again = project.annotations.get(ann.id)
    assert again == ann
    assert [a.id for a in project.annotations.list(tag_id=person.id)] == [ann.id]


def test_offsets_are_code_points_beyond_the_bmp(project, letter):
    start = LETTER.index("𐌰𐌱")
    ann = project.annotations.add(letter.id, start=start, end=start + 2).value
    assert ann.quote == "𐌰𐌱"
    assert project.check().ok


def test_bad_spans_are_refused_and_nothing_is_written(project, letter):
    for start, end in ((-1, 3), (5, 2), (0, len(LETTER) + 1)):
        with pytest.raises(AnnotatorError):
            project.annotations.add(letter.id, start=start, end=end)
    with pytest.raises(AnnotatorError):
        project.annotations.add(letter.id, start=0, end=3, tag_ids=["no-such-tag"])
    assert project.annotations.count() == 0


def test_delete_returns_the_record_and_undo_brings_it_back_exactly(project, letter):
    theme = project.tags.create("Émigré politics").value
    ann = project.annotations.add(letter.id, start=0, end=14, tag_ids=[theme.id],
                                  note="opening").value
    deleted = project.annotations.delete(ann.id)
    assert deleted.value == ann
    assert project.annotations.list() == []
    project.undo()
    back = project.annotations.get(ann.id)
    assert (back.id, back.text, back.tag_ids, back.note, back.deleted) == (
        ann.id, ann.text, ann.tag_ids, ann.note, False)


def test_update_then_undo_puts_every_field_back(project, letter):
    person = project.tags.find("Person")
    place = project.tags.find("Place")
    ann = project.annotations.add(letter.id, start=0, end=3, tag_ids=[person.id]).value
    updated = project.annotations.update(ann.id, note="new", tag_ids=[place.id],
                                         start=4, end=14).value
    assert updated.quote == LETTER[4:14] and updated.tag_ids == [place.id]
    project.undo()
    back = project.annotations.get(ann.id)
    assert (back.tag_ids, back.quote, back.note) == ([person.id], LETTER[0:3], "")
    project.redo()
    assert project.annotations.get(ann.id).quote == LETTER[4:14]


def test_tag_delete_hides_and_undo_returns_its_annotations(project, letter):
    theme = project.tags.create("Recognition").value
    sub = project.tags.create("De jure", parent_id=theme.id).value
    ann = project.annotations.add(letter.id, start=0, end=3, tag_ids=[sub.id]).value
    assert [a.id for a in project.annotations.list(tag_id=theme.id)] == [ann.id]
    result = project.tags.delete(theme.id)
    assert result.changes.tags == {theme.id, sub.id}
    assert project.annotations.get(ann.id).tag_ids == []
    project.undo()
    assert project.annotations.get(ann.id).tag_ids == [sub.id]
    assert not project.tags.get(theme.id).deleted and not project.tags.get(sub.id).deleted


def test_tag_merge_is_one_action_that_undo_takes_back(project, letter):
    a = project.tags.create("Debt").value
    b = project.tags.create("Imperial debt").value
    sub = project.tags.create("Tsarist loans", parent_id=a.id).value
    x = project.annotations.add(letter.id, start=0, end=3, tag_ids=[a.id]).value
    y = project.annotations.add(letter.id, start=4, end=8, tag_ids=[a.id, b.id]).value
    merged = project.tags.merge(a.id, b.id)
    assert sorted(merged.value) == sorted([x.id, y.id])
    assert project.annotations.get(x.id).tag_ids == [b.id]
    assert project.annotations.get(y.id).tag_ids == [b.id]
    assert project.tags.get(sub.id).parent_id == b.id
    project.undo()
    assert project.annotations.get(x.id).tag_ids == [a.id]
    assert sorted(project.annotations.get(y.id).tag_ids) == sorted([a.id, b.id])
    assert not project.tags.get(a.id).deleted
    assert project.tags.get(sub.id).parent_id == a.id  # the sub-theme goes home too
    project.redo()
    assert project.tags.get(a.id).deleted and project.tags.get(sub.id).parent_id == b.id


def test_a_key_moves_from_the_tag_that_had_it_in_one_action(project):
    person = project.tags.find("Person")  # key 1 in the default codebook
    theme = project.tags.create("Recognition").value
    result = project.tags.set_shortcut(theme.id, "1")
    assert result.changes.tags == {theme.id, person.id}
    assert project.tags.get(theme.id).shortcut == "1"
    assert project.tags.get(person.id).shortcut == ""
    project.undo()
    assert project.tags.get(theme.id).shortcut == ""
    assert project.tags.get(person.id).shortcut == "1"


def test_entities_find_by_alias_ignoring_case_and_diacritics(project):
    person = project.tags.find("Person")
    herriot = project.entities.create("Édouard Herriot", person.id,
                                      aliases=["Eduard Errio", "Herriot"],
                                      identifiers={"wikidata": "Q186006"}).value
    assert project.entities.find("eduard errio").id == herriot.id
    assert project.entities.find("HERRIOT").id == herriot.id
    assert project.entities.find("Edouard Herriot").id == herriot.id
    with pytest.raises(AnnotatorError):
        project.entities.create("Paris", "not-a-type")


def test_region_annotation_on_paged_document(project, tmp_path):
    pymupdf = pytest.importorskip("pymupdf")
    pdf = pymupdf.open()
    page = pdf.new_page(width=595, height=842)
    page.insert_text((72, 100), "Aristide Briand, Paris", fontsize=12)
    path = tmp_path / "scan.pdf"
    pdf.save(path)
    doc = project.documents.import_file(path).value.document
    assert doc.page_count == 1
    region = RegionSelector(1, 70, 85, 120, 20)
    ann = project.annotations.add(doc.id, region=region).value
    assert project.annotations.get(ann.id).region == region
    with pytest.raises(AnnotatorError, match="page 2 does not exist"):
        project.annotations.add(doc.id, region=RegionSelector(2, 0, 0, 1, 1))
    from annotator.core.text_layer import find_quote

    found = find_quote(project.documents.pages(doc.id, with_words=True), "Aristide Briand")
    assert found is not None and found.page == 1 and found.text == "Aristide Briand,"
    assert 60 < found.x < 80 and found.w > 50


def test_reimporting_same_bytes_finds_the_existing_document(project, letter, tmp_path):
    copy = tmp_path / "copy.txt"
    copy.write_text(LETTER, encoding="utf-8")
    report = project.documents.import_file(copy).value
    assert report.status == "existing" and report.document.id == letter.id
    assert len(project.documents.list()) == 1


def test_editing_a_transcription_reanchors_and_never_drops(project, letter):
    start = LETTER.index("TOPTIBACHY")
    kept = project.annotations.add(letter.id, start=start, end=start + 10).value
    doomed_start = LETTER.index("have the honor")
    doomed = project.annotations.add(letter.id, start=doomed_start,
                                     end=doomed_start + 14).value
    new_text = "Translated from the French.\n" + LETTER.replace("have the honor…", "")
    anchors = project.documents.set_text(letter.id, new_text).value
    assert set(anchors) == {kept.id, doomed.id}
    moved = project.annotations.get(kept.id)
    assert moved.anchor_state == AnchorState.MOVED
    assert new_text[moved.text.start:moved.text.end] == "TOPTIBACHY"
    orphan = project.annotations.get(doomed.id)
    assert orphan.anchor_state == AnchorState.ORPHANED
    assert orphan.quote == "have the honor"
    report = project.check()
    assert report.ok and "orphaned" in report.notices[0]


def test_every_action_is_committed_at_once(project, letter):
    """Another connection sees an annotation as soon as add() returns."""
    ann = project.annotations.add(letter.id, start=0, end=3).value
    other = sqlite3.connect(project.path)
    assert other.execute("SELECT count(*) FROM annotations WHERE id = ?",
                         (ann.id,)).fetchone()[0] == 1
    other.close()


def test_failed_action_rolls_back_whole(project, letter):
    with pytest.raises(RuntimeError):
        with project.transaction():
            project.annotations.add(letter.id, start=0, end=3)
            raise RuntimeError("crash in the middle")
    assert project.annotations.count() == 0
    assert project.annotations.add(letter.id, start=0, end=3).value  # caches still sound


def test_read_only_refuses_writes(tmp_path):
    path = tmp_path / "ro.annot"
    Project.create(path).close()
    with Project.open(path, read_only=True) as project:
        with pytest.raises(ProjectError, match="read-only"):
            project.tags.create("X")


def test_core_does_not_import_qt_or_pymupdf():
    code = ("import sys, annotator.core, annotator.core.project, annotator.cli; "
            "bad = [m for m in sys.modules if m.startswith(('PySide6', 'pymupdf', 'fitz'))]; "
            "print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_real_migration_runs_from_format_1(tmp_path, monkeypatch):
    """A file made by the first release (format 1) opens in this one: each migration in
    schema.MIGRATIONS runs, keeps the data, and the result equals a new file's schema."""
    path = tmp_path / "v1.annot"
    current = schema.SCHEMA_VERSION
    monkeypatch.setattr(schema, "SCHEMA_VERSION", 1)
    src = tmp_path / "letter.txt"
    src.write_text(LETTER, encoding="utf-8")
    with Project.create(path, "First release") as project:
        doc = project.documents.import_file(src).value.document
        project.annotations.add(doc.id, start=0, end=14, note="kept")
    monkeypatch.setattr(schema, "SCHEMA_VERSION", current)
    with Project.open(path) as project:
        assert project.schema_version == current
        assert [a.note for a in project.annotations.list()] == ["kept"]
        assert schema.foreign_objects(project.conn, current) == []
        assert project.check().ok


def test_list_filters_words_literally_and_by_author(project, letter):
    a = project.annotations.add(letter.id, start=0, end=14, note="100% sure_ok").value
    project.annotations.add(letter.id, start=15, end=20, note="100 percent")
    assert [x.id for x in project.annotations.list(contains="100%")] == [a.id]
    assert [x.id for x in project.annotations.list(contains="sure_ok")] == [a.id]
    assert project.annotations.list(contains="_") == [project.annotations.get(a.id)]
    author = project.authors.find("Test Historian")
    assert len(project.annotations.list(author_id=author.id)) == 2
    assert project.annotations.list(anchor_state="orphaned") == []


def test_span_info_leaves_out_an_annotation_whose_creation_was_undone(project, letter):
    """Undo removes a new row: span_info does not place it (the text view then
    repaints whatever it shows, tests/gui/test_tagging.py)."""
    from annotator.core.overview import span_info

    ann = project.annotations.add(letter.id, start=4, end=14).value
    assert span_info(project, [ann.id]) == {ann.id: (letter.id, 10)}
    project.undo()
    assert project.annotations.get(ann.id) is None
    assert span_info(project, [ann.id, "never-was"]) == {}
