"""The one fold (names.fold): which spellings are one name, in every script our sources
use; that entities, imports and search ask it; and that rejections keyed by the old
fold are moved to the new keys (rekey_rejections)."""

from __future__ import annotations

import hashlib
import sqlite3
import time
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.core import names, rekey, search, suggestions
from annotator.core.importers.base import ImportedSource
from annotator.core.model import DocumentKind

#: Spellings the fold must join: case, diacritics, letters that do not decompose,
#: ligatures, and names written in Cyrillic, Georgian, Greek, Armenian.
SAME = [
    ("Jan Łukasiewicz", "Jan Lukasiewicz"), ("Чичерин", "Chicherin"), ("Krasin", "Красин"),
    ("ჟორდანია", "Zhordania"), ("ნოე ჟორდანია", "Noe Zhordania"), ("Βενιζέλος", "Venizelos"),
    ("Ահարոնյան", "Aharonyan"), ("Ավետիս Ահարոնյան", "Avetis Aharonyan"),
    ("Պողոս Նուբար", "Poghos Nubar"), ("Straße", "Strasse"), ("Œuvre", "Oeuvre"),
    ("Æthelred", "Aethelred"), ("Gruﬀydd", "Gruffydd"), ("Ĳsselmeer", "IJsselmeer"),
    ("  Édouard   HERRIOT ", "edouard herriot"), ("Эдуард Эррио", "Eduard Errio"),
    ("Søren", "Soren"), ("Đorđe", "Dorde"), ("Topçubaşov", "Topcubasov"),
    ("O’Brien", "O'Brien"), ("Литвинов", "Litvinov"), ("Хрущёв", "Khrushchev"),
]
#: ... and must keep apart: an alias is not a spelling (Errio is Herriot through the
#: Russian ear, which the entity's aliases record), nor is a near name.
APART = [("Herriot", "Errio"), ("Briand", "Krasin"), ("Paris", "Parish"),
         ("Chicherin", "Litvinov")]


@pytest.mark.parametrize("a, b", SAME)
def test_same_spelling_across_scripts(a, b):
    assert names.fold(a) == names.fold(b)


@pytest.mark.parametrize("a, b", APART)
def test_different_names_are_not_folded_together(a, b):
    assert names.fold(a) != names.fold(b)


@pytest.mark.parametrize("a, b", [("Чичерин", "Tschitscherin"), ("Βενιζέλος", "Venizelos"),
                                  ("Майский", "Maisky"), ("Ильич", "Ilyich")])
def test_word_keys_build_on_the_fold(a, b):
    assert names.same_name(a, b)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30))
def test_fold_is_ascii_lower_spaced_and_idempotent(text):
    folded = names.fold(text)
    assert folded.isascii() and folded == folded.lower()
    assert folded == " ".join(folded.split())
    assert names.fold(folded) == folded
    assert names.fold(unicodedata.normalize("NFD", text)) == \
        names.fold(unicodedata.normalize("NFC", text))


def test_fold_is_fast_enough_for_suggestions():
    words = [f"Чичерин{i}" for i in range(20000)]
    t = time.perf_counter()
    for w in words:
        names.fold(w)
    assert time.perf_counter() - t < 2.0  # ~5 us a word uncached on a shared machine


def test_entities_are_found_by_the_one_fold(project):
    person = project.tags.find("Person").id
    jan = project.entities.create("Jan Łukasiewicz", person, aliases=["Чичерин"]).value
    assert project.entities.find("Jan Lukasiewicz") == jan
    assert project.entities.find("CHICHERIN", person) == jan
    assert project.entities.find("Herriot") is None


def test_ctrl_f_finds_a_word_in_its_own_script():
    text = "Чичерин wrote to Łukasiewicz about the Straße."
    assert search.find_in_text(text, "чичерин") == [(0, 7)]
    assert search.find_in_text(text, "lukasiewicz") == [(17, 28)]
    assert search.find_in_text(text, "Straße") == [(39, 45)]


# -- rejections keyed by the old fold ---------------------------------------------------


def _old_fold(text: str) -> str:
    """names.fold before schema 4, frozen here as the files written then used it."""
    special = str.maketrans({"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d",
                             "ı": "i", "ð": "d", "þ": "th", "ə": "a", "ʼ": "", "’": "",
                             "'": ""})
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(special))
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def _old_key(kind: str, target: str, quote: str) -> str:
    return hashlib.sha1("\x1f".join((kind, target, _old_fold(quote))).encode()).hexdigest()


def _suggestion(kind: str, quote: str, entity_id: str | None = None) -> suggestions.Suggestion:
    return suggestions.Suggestion(kind, "doc", 0, len(quote), quote, "", entity_id=entity_id)


def test_rekey_moves_old_rejections_to_the_new_fold(project):
    person = project.tags.find("Person").id
    chicherin = project.entities.create("Georgy Chicherin", person).value
    project.entities.create("Maxim Litvinov", person)
    conn = project.conn
    stamp = "2024-01-01T00:00:00Z"
    rows = [  # key, kind, label, modified_at, deleted
        (_old_key("name", "", "Лев Карахан"), "name", "New Person “Лев Карахан”", stamp, 0),
        (_old_key("name", "", "Lev Karakhan"), "name", "New Person “Lev Karakhan”",
         "2024-02-01T00:00:00Z", 1),  # taken back later: the later state wins the merge
        (_old_key("alias", chicherin.id, "Чичерина"), "alias",
         "“Чичерина” as another spelling of Georgy Chicherin (like “Georgy Chicherin”, 90%)",
         stamp, 0),
        (_old_key("name", "", "Supreme Council"), "name", "New Organisation “Supreme Council”",
         stamp, 0),  # ASCII: the key stays
        (_old_key("mention", "", "x"), "mention", "Mention of Herriot", stamp, 0),
        ("0" * 40, "name", "New entity “Unknowable", stamp, 0),  # label cut: left alone
    ]
    with project.transaction():
        conn.executemany("INSERT INTO rejected_suggestions (key, kind, document_id, label, "
                         "created_at, modified_at, deleted) VALUES (?, ?, NULL, ?, ?, ?, ?)",
                         [(k, kind, label, stamp, mod, d) for k, kind, label, mod, d in rows])
    with project.transaction():
        moved = rekey.rekey_rejections(conn)
    assert moved == 2  # Лев Карахан (into Lev Karakhan's row) and the Cyrillic alias
    stored = {r[0]: r[1:] for r in conn.execute(
        "SELECT key, label, deleted, created_at, modified_at FROM rejected_suggestions")}
    karakhan = suggestions.suggestion_key(_suggestion("name", "Lev Karakhan"))
    assert suggestions.suggestion_key(_suggestion("name", "Лев Карахан")) == karakhan
    assert stored[karakhan] == ("New Person “Lev Karakhan”", 1, stamp, "2024-02-01T00:00:00Z")
    alias = suggestions.suggestion_key(_suggestion("alias", "Chicherina", chicherin.id))
    assert alias in stored and stored[alias][1] == 0
    assert rows[3][0] in stored and rows[4][0] in stored and "0" * 40 in stored
    assert len(stored) == 5
    with project.transaction():
        assert rekey.rekey_rejections(conn) == 0  # a second run changes nothing


def test_rekeyed_rejection_keeps_the_name_out_of_suggestions(project):
    text = "The Supreme Council heard Lev Karakhan and Лев Карахан in Paris."
    src = ImportedSource("t", DocumentKind.TEXT, "text/plain", "t.txt", text.encode(), text=text)
    doc = project.documents.add_source(src)
    quotes = {s.quote for s in suggestions.suggest(project, document_id=doc.id, kinds=["name"])}
    assert {"Lev Karakhan", "Лев Карахан"} <= quotes
    with project.transaction() as conn:
        conn.execute("INSERT INTO rejected_suggestions (key, kind, document_id, label, "
                     "created_at, modified_at) VALUES (?, 'name', ?, ?, 'x', 'x')",
                     (_old_key("name", "", "Лев Карахан"), doc.id, "New Person “Лев Карахан”"))
    with project.transaction() as conn:
        assert rekey.rekey_rejections(conn) == 1
    quotes = {s.quote for s in suggestions.suggest(project, document_id=doc.id, kinds=["name"])}
    assert "Lev Karakhan" not in quotes and "Лев Карахан" not in quotes


def test_rekey_runs_on_a_bare_connection():
    """As in a schema migration: no Project, the caller's transaction."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.execute("CREATE TABLE entities (id TEXT PRIMARY KEY, name TEXT)")
    conn.execute("CREATE TABLE rejected_suggestions (key TEXT PRIMARY KEY, kind TEXT, "
                 "document_id TEXT, label TEXT, created_at TEXT, modified_at TEXT, "
                 "deleted INTEGER DEFAULT 0)")
    conn.execute("INSERT INTO rejected_suggestions VALUES (?, 'name', NULL, ?, 'a', 'a', 0)",
                 (_old_key("name", "", "Βενιζέλος"), "New Person “Βενιζέλος”"))
    conn.execute("BEGIN")
    assert rekey.rekey_rejections(conn) == 1
    assert conn.in_transaction  # nothing committed behind the caller's back
    conn.execute("ROLLBACK")
    assert conn.execute("SELECT key FROM rejected_suggestions").fetchone()[0] == \
        _old_key("name", "", "Βενιζέλος")
