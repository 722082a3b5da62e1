"""Issue 16, item 3: valid-looking project files whose rows a command cannot read as
written (deep JSON, forbidden enum values, bad UTF-8, infinite regions, a damaged search
index, source bytes that no longer match their hash, a 5,000-deep codebook).

Each bad file is built here from a good project with a raw sqlite3 connection, as an
attacker (or a broken tool) would write it; then the everyday commands run on it
through ``annotator.cli.main``: each works (0, or 1 with a warning) or refuses with a
message (2), none raises, and ``check`` names the problem."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from annotator.cli import main
from annotator.core import codebook, util
from annotator.core.codebook import MAX_TAG_DEPTH, TagTooDeep
from annotator.core.project import Project

SAMPLE = Path(__file__).resolve().parent.parent / "sample_documents" / "sample.annot"
DEEP = "[" * 100_000 + "]" * 100_000  # json.loads: RecursionError


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Path:
    """The sample project, opened once so it is of the current format."""
    path = tmp_path_factory.mktemp("good") / "good.annot"
    shutil.copy(SAMPLE, path)
    with Project.open(path, author="Alice"):
        pass
    return path


def _deep_chain(conn: sqlite3.Connection) -> None:
    """5,000 themes, each the parent of the next, one of them on an annotation."""
    rows, parent = [], None
    for i in range(5000):
        rows.append((f"deep-{i}", f"Level {i}", parent))
        parent = f"deep-{i}"
    conn.executemany("INSERT INTO tags (id, name, kind, parent_id, created_at, modified_at)"
                     " VALUES (?, ?, 'theme', ?, '2024', '2024')", rows)
    conn.execute("INSERT INTO annotation_tags SELECT id, 'deep-4999' FROM annotations "
                 "WHERE deleted = 0 LIMIT 3")


def _cycle(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.executemany("INSERT INTO tags (id, name, kind, parent_id, created_at, modified_at)"
                     " VALUES (?, ?, 'theme', ?, '2024', '2024')",
                     [("ring-a", "Ring A", "ring-b"), ("ring-b", "Ring B", "ring-a")])
    conn.execute("INSERT INTO annotation_tags SELECT id, 'ring-a' FROM annotations "
                 "WHERE deleted = 0 LIMIT 1")


def _damaged_fts(conn: sqlite3.Connection) -> None:
    conn.execute("UPDATE search_text_data SET block = x'00ff00ff00ff' WHERE id > 10")


def _bad_bytes(conn: sqlite3.Connection) -> None:
    conn.execute("UPDATE document_data SET data = CAST('%PDF-1.7 damaged' AS BLOB) "
                 "WHERE document_id IN (SELECT id FROM documents "
                 "WHERE media_type = 'application/pdf')")


#: kind of bad file -> (how to build it, what check says, the commands that crashed)
CASES: dict[str, tuple[Callable[[sqlite3.Connection], None] | str, str, list[str]]] = {
    "deep JSON in documents.metadata": (
        f"UPDATE documents SET metadata = '{DEEP}'", "documents.metadata hold JSON",
        ["info", "list", "search", "csv", "w3c", "tei", "qdpx", "html"]),
    "deep JSON in entities.aliases": (
        f"UPDATE entities SET aliases = '{DEEP}'", "entities.aliases hold JSON",
        ["info", "list", "w3c", "tei", "md"]),
    "deep JSON in entities.identifiers": (
        f"UPDATE entities SET identifiers = '{{\"a\":{DEEP}}}'",
        "entities.identifiers hold JSON", ["info", "list", "qdpx"]),
    "deep JSON in annotations.quads": (
        f"UPDATE annotations SET quads = '{DEEP}' WHERE page IS NOT NULL",
        "annotations.quads hold JSON", ["list", "w3c", "qdpx"]),
    "deep JSON in document_links.alignment": (
        f"UPDATE document_links SET alignment = '{DEEP}'",
        "document_links.alignment hold JSON", ["tei", "html"]),
    "document kind outside the CHECK": (
        "UPDATE documents SET kind = 'scroll' WHERE kind = 'paged'",
        "documents hold a kind other than", ["info", "list", "search", "w3c", "qdpx"]),
    "tag kind outside the CHECK": (
        "UPDATE tags SET kind = 'mood' WHERE rowid = 1", "tags hold a kind other than",
        ["info", "tags", "csv", "tei"]),
    "anchor state outside the CHECK": (
        "UPDATE annotations SET anchor_state = 'lost' WHERE rowid = 1",
        "anchor state other than", ["list", "w3c", "html"]),
    "invalid UTF-8 in a title": (
        "UPDATE documents SET title = CAST(x'41ff42' AS TEXT) WHERE rowid = 1",
        "documents.title hold text that is not valid UTF-8",
        ["check", "info", "list", "search", "w3c", "qdpx"]),
    "invalid UTF-8 in a text": (
        "UPDATE documents SET text = CAST(x'41ff42' AS TEXT) || text WHERE kind = 'text'",
        "documents.text hold text that is not valid UTF-8", ["check", "info", "tei", "qdpx"]),
    "invalid UTF-8 in a note": (
        "UPDATE annotations SET note = CAST(x'41ff42' AS TEXT) WHERE rowid = 1",
        "annotations.note hold text that is not valid UTF-8", ["list", "csv", "w3c", "md"]),
    "invalid UTF-8 in a tag name": (
        "UPDATE tags SET name = CAST(x'41c3' AS TEXT) WHERE rowid = 1",
        "tags.name hold text that is not valid UTF-8", ["info", "tags", "qdpx"]),
    "an infinite region": (
        "UPDATE annotations SET x = 9e999, w = -9e999 WHERE page IS NOT NULL",
        "coordinate that is not a finite number", ["w3c"]),
    "a damaged search index": (_damaged_fts, "search index (search_text) is damaged",
                               ["search"]),
    "source bytes that do not match their SHA-256": (
        _bad_bytes, "do not match their SHA-256", ["qdpx"]),
    "a 5000-deep theme chain": (
        _deep_chain, f"deeper than {MAX_TAG_DEPTH} levels in the codebook", ["tags", "tei", "qdpx", "html"]),
    "a cycle in the codebook": (_cycle, "their own ancestors", ["tags", "qdpx"]),
}

EXPORTS = {"csv": "out.csv", "w3c": "out.jsonld", "tei": "tei", "qdpx": "out.qdpx",
           "pdf": "pdf", "html": "out.html", "md": "out.md"}


def _build(good: Path, folder: Path, how: Callable[[sqlite3.Connection], None] | str | list
           ) -> Path:
    """A copy of the good project with the bad rows written past our API (and past
    SQLite's CHECK constraints, as a crafted file can be)."""
    path = folder / "bad.annot"
    shutil.copy(good, path)
    if how is _damaged_fts:  # an index to damage: a writable search builds it
        with Project.open(path, author="Alice") as p:
            from annotator.core import search

            assert search.search(p, "Briand")
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA ignore_check_constraints = ON")
    for step in how if isinstance(how, list) else [how]:
        step(conn) if callable(step) else conn.execute(step)
    conn.commit()
    conn.close()
    return path


def _run(command: str, path: Path, folder: Path, capsys) -> tuple[int, str, str]:
    """One command through the CLI: its exit status, stdout and stderr. An exception
    escaping main() fails the test (that is the traceback a scholar would see)."""
    if command in EXPORTS:
        out = folder / EXPORTS[command]
        if "." not in out.name:
            out.mkdir(exist_ok=True)
        argv = ["export", str(path), "--format", command, "-o", str(out)]
    elif command == "search":
        argv = ["search", str(path), "Briand"]
    elif command == "notes":
        argv = ["search", str(path), "--notes", "Briand"]
    else:
        argv = [command, str(path)]
    capsys.readouterr()
    rc = main(argv)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert rc in (0, 1, 2), argv
    if rc == 2:
        assert err.startswith("annotator: "), err
    return rc, out, err


@pytest.mark.parametrize("kind", CASES)
def test_check_names_the_bad_row_and_commands_work_around_it(kind, good, tmp_path, capsys):
    how, named, crashed = CASES[kind]
    path = _build(good, tmp_path, how)
    rc, out, _ = _run("check", path, tmp_path, capsys)
    assert rc == 1 and named in out, out
    for command in dict.fromkeys(crashed):
        rc, out, err = _run(command, path, tmp_path, capsys)
        assert rc in (0, 1), (command, err)


def test_every_command_survives_a_file_with_every_bad_row(good, tmp_path, capsys):
    """All the bad rows in one file, every everyday command and every export format."""
    path = _build(good, tmp_path, [how for how, _, _ in CASES.values()
                                   if how is not _damaged_fts])
    rc, out, _ = _run("check", path, tmp_path, capsys)
    assert rc == 1
    for _, named, _ in (c for c in CASES.values() if c[0] is not _damaged_fts):
        assert named in out, named
    for command in ("info", "list", "tags", "search", "notes", *EXPORTS):
        rc, out, err = _run(command, path, tmp_path, capsys)
        assert rc in (0, 1), (command, err)


def test_a_writable_search_rebuilds_a_damaged_index(good, tmp_path):
    from annotator.core import search

    path = _build(good, tmp_path, _damaged_fts)
    with Project.open(path, author="Alice") as p:
        assert search.search(p, "Briand")
        assert p.check().ok


def test_exports_skip_a_source_whose_bytes_do_not_match_and_go_on(good, tmp_path, capsys):
    path = _build(good, tmp_path, _bad_bytes)
    rc, out, _ = _run("qdpx", path, tmp_path, capsys)
    assert rc == 1 and "do not match their SHA-256" in out
    import zipfile

    with zipfile.ZipFile(tmp_path / "out.qdpx") as zf:
        names = zf.namelist()
    assert "project.qde" in names and any(n.endswith(".txt") for n in names)
    assert not any(n.endswith(".pdf") for n in names)


# -- JSON depth --------------------------------------------------------------------------


def test_loads_gives_the_default_for_json_nested_too_deep():
    assert util.loads(DEEP, []) == []
    assert util.loads("[" * 33 + "]" * 33, []) == []
    nested = "[" * 32 + "]" * 32
    assert util.loads(nested, []) != []
    words = '[[1,2,3,4,"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["]' + ',[1,2,3,4,"x"]' * 50 + "]"
    assert len(util.loads(words, [])) == 51  # brackets inside strings do not count


# -- the codebook's depth limit ----------------------------------------------------------


@pytest.fixture
def themes(tmp_path):
    p = Project.create(tmp_path / "t.annot", "t", author="Alice")
    yield p
    p.close()


def test_every_way_into_the_codebook_stops_at_the_depth_limit(themes, tmp_path, capsys):
    tags = themes.tags
    deepest = tags.ensure("/".join(f"L{i}" for i in range(1, MAX_TAG_DEPTH + 1)))
    assert tags.level(deepest.id) == MAX_TAG_DEPTH
    with pytest.raises(TagTooDeep, match=f"at most {MAX_TAG_DEPTH} levels"):
        tags.create("one more", parent_id=deepest.id)
    with pytest.raises(TagTooDeep):
        tags.ensure("/".join(f"M{i}" for i in range(MAX_TAG_DEPTH + 1)))
    assert tags.find("M0") is None  # nothing of the refused path was created
    branch = tags.ensure("Branch/Twig")
    with pytest.raises(TagTooDeep):  # moving a two-level branch under the deepest theme
        tags.update(tags.find("Branch").id, parent_id=tags.find(
            "/".join(f"L{i}" for i in range(1, MAX_TAG_DEPTH))).id)
    with pytest.raises(TagTooDeep):  # Branch's sub-themes would move under the deepest
        tags.merge(tags.find("Branch").id, deepest.id)
    assert tags.get(branch.id).parent_id == tags.find("Branch").id
    codebook.check_codebook_depth(themes.conn)  # 32 levels are allowed
    path = themes.path
    themes.close()
    rc = main(["tags", str(path), "--add", "/".join(["x"] * (MAX_TAG_DEPTH + 1))])
    assert rc == 2 and "at most 32 levels" in capsys.readouterr().err


def test_the_merge_check_refuses_a_deep_or_tangled_codebook(good, tmp_path):
    """What the merge calls on the codebook it is about to commit."""
    for how, match in ((_deep_chain, "5000 levels deep"), (_cycle, "its own ancestor")):
        path = _build(good, tmp_path, how)
        conn = sqlite3.connect(path)
        with pytest.raises(TagTooDeep, match=match):
            codebook.check_codebook_depth(conn)
        conn.close()
        path.unlink()


def test_a_deep_chain_reads_safely(good, tmp_path):
    path = _build(good, tmp_path, [_deep_chain, _cycle])
    with Project.open(path, read_only=True) as p:
        tree = p.tags.tree()
        assert len(tree) == len(p.tags.list())
        assert max(depth for _, depth in tree) == MAX_TAG_DEPTH
        assert len(p.tags.descendants("deep-0")) == 5000
        by_id = {t.id: t for t in p.tags.list()}
        path_text = codebook.tag_path(by_id, "deep-4999")
        assert path_text.startswith("…/") and path_text.count("/") == MAX_TAG_DEPTH
        assert codebook.tag_path(by_id, "ring-a") in ("Ring B/Ring A", "Ring A/Ring B")


def test_the_workbench_opens_a_file_with_deep_json_and_a_deep_chain(good, tmp_path, qtbot):
    """The GUI opened an empty window with no message (RecursionError in loading), and
    a 5000-deep chain took it minutes (every tag's path walked to the root)."""
    from annotator.gui.main_window import MainWindow

    path = _build(good, tmp_path, [CASES["deep JSON in documents.metadata"][0],
                                   CASES["deep JSON in entities.aliases"][0], _deep_chain])
    win = MainWindow(author="Alice")
    qtbot.addWidget(win)
    win.show()
    assert win.open_project(path)
    assert len(win.model.documents()) == 6
    assert win.model.tag_path("deep-4999").count("/") == MAX_TAG_DEPTH - 1
    win.close()
