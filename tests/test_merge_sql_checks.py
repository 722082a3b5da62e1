"""Their annotations are checked in SQL, one pass a batch (issue 17: the checks per
value in Python took a merge of a million rows ~20 s): ``RowStore.clean_sql`` is made
from the same plan as ``RowStore.clean`` and must be as strict or stricter, so a row
it passes is one ``clean`` passes; a row it fails is checked by ``clean``, which says
why. Hostile values of every kind are tried on both, and a colleague's file with
wrong values in rows that would be copied in bulk must bring none of them in."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.core.annotation_import import project_rows
from annotator.core.annotation_import.project_rows import _CAPS, Reject, RowStore, garbled_text
from annotator.core.merge import MergeReport, merge
from annotator.core.project import Project
from tests.test_merge import _tamper
from tests.test_merge_followups import start


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> RowStore:
    """A RowStore on a project of ours, their table attached (columns with no type,
    so every value is stored as given, as a hostile file may hold it)."""
    p = Project.create(tmp_path_factory.mktemp("sql") / "ours.annot", author="Alice")
    s = RowStore(p, MergeReport("theirs"))
    cols = s.cols["annotations"]
    p.conn.execute("ATTACH DATABASE ':memory:' AS theirs")
    p.conn.execute(f"CREATE TABLE theirs.annotations ({', '.join(cols)})")
    return s


class Raw(bytes):
    """Bytes stored as TEXT (SQLite does not check encodings): text that is not UTF-8."""


def _texts(cap: int | None) -> st.SearchStrategy:
    near = [] if cap is None or cap > 2000 else [
        st.integers(cap - 3, cap + 3).flatmap(lambda n: st.sampled_from(
            ["a" * n, "é" * n, "\U0001d11e" * n, "a" * (n - 1) + "\x00"]))]
    return st.one_of(st.text(max_size=30), st.sampled_from(
        ["", "ok", "moved", "orphaned", "[]", "{}", "[[1, 2]]", "2026-12-01T12:00:00Z",
         "a\x00b", "\ufffd"]), *near)


def _values(col: str) -> st.SearchStrategy:
    return st.one_of(
        st.none(), st.integers(-2**63, 2**63 - 1),
        st.sampled_from([2**40, 2**40 + 1, -2**40, -2**40 - 1, 0, 1, 2]),
        st.floats(allow_nan=True, allow_infinity=True),
        st.sampled_from([1e7, -1e7, 9999999.999, 1e300, -0.0, 0.5]),
        _texts(_CAPS.get(col)), st.binary(max_size=20),
        st.binary(max_size=20).map(lambda b: Raw(b + b"\xff")))


def _row(store: RowStore, values: dict) -> tuple[bool, dict]:
    """Their row stored and read back as a merge reads it: (whether clean_sql passes
    it, the row as clean sees it)."""
    c = store.c
    cols = [col for col in store.cols["annotations"] if col != "data"]
    c.execute("DELETE FROM theirs.annotations")
    c.execute(f"INSERT INTO theirs.annotations ({', '.join(cols)}) VALUES "
              f"({', '.join('CAST(? AS TEXT)' if type(values[col]) is Raw else '?' for col in cols)})",
              [bytes(v) if type(v) is Raw else v for v in (values[col] for col in cols)])
    sel = ", ".join(f"substr({col}, 1, {_CAPS[col] + 1})" if col in _CAPS else col
                    for col in cols)
    c.text_factory = garbled_text
    try:
        found = c.execute(f"SELECT CASE WHEN {store.clean_sql('annotations')} THEN 1 ELSE 0 "
                          f"END, {sel} FROM theirs.annotations t").fetchone()
    finally:
        c.text_factory = str
    return bool(found[0]), dict(zip(cols, found[1:], strict=True))


def _per_value_ok(store: RowStore, row: dict, monkeypatch) -> bool:
    """Whether ``clean`` passes every value of ``row`` (its checks across columns,
    clean_row, are run in Python on every row anyway)."""
    with monkeypatch.context() as m:
        m.setattr(RowStore, "clean_row", lambda self, r: r)
        try:
            store.clean("annotations", row)
        except Reject:
            return False
    return True


@settings(max_examples=400, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_row_the_sql_check_passes_is_one_the_python_check_passes(store, monkeypatch, data):
    cols = [col for col in store.cols["annotations"] if col != "data"]
    sound = {"id": "a1", "document_id": "d", "author_id": "u", "start_offset": 0,
             "end_offset": 1, "exact": "a", "prefix": "", "suffix": "", "page": None,
             "x": None, "y": None, "w": None, "h": None, "quads": None, "note": "",
             "color": "", "entity_id": None, "date_value": "", "anchor_state": "ok",
             "created_at": "2026-12-01T12:00:00Z", "modified_at": "2026-12-01T12:00:00Z",
             "deleted": 0}
    # a sound row with a few hostile values in it (one bad value is what hides best)
    bad = data.draw(st.lists(st.sampled_from(cols), min_size=1, max_size=3, unique=True))
    values = {**sound, **{col: data.draw(_values(col), label=col) for col in bad}}
    ok, row = _row(store, values)
    if ok:
        assert _per_value_ok(store, row, monkeypatch), (bad, row)


def test_sound_rows_pass_the_sql_check_and_hostile_ones_fail_it(store, monkeypatch):
    """Both ways, so the test above cannot pass by SQL refusing everything."""
    sound = {"id": "a1", "document_id": "d", "author_id": "u", "start_offset": 3,
             "end_offset": 9, "exact": "Hérriot", "prefix": "M. ", "suffix": " a",
             "page": None, "x": None, "y": None, "w": None, "h": None, "quads": None,
             "note": "n" * 999, "color": "#aa0000", "entity_id": None, "date_value": "",
             "anchor_state": "moved", "created_at": "2026-12-01T12:00:00.123Z",
             "modified_at": "2026-12-01T12:00:00Z", "deleted": 1}
    assert _row(store, sound)[0]
    region = {**sound, "start_offset": None, "end_offset": None, "page": 2, "x": 1.5,
              "y": 2, "w": 9999999.5, "h": -2**40}
    assert _row(store, region)[0]
    for col, value in (("start_offset", "3"), ("note", 5), ("x", 1e7), ("page", 2**40 + 1),
                       ("anchor_state", "lost"), ("prefix", "é" * 1001), ("quads", "[]"),
                       ("note", None), ("exact", b"bytes"), ("x", float("inf"))):
        assert not _row(store, {**sound, col: value})[0], (col, value)


def test_wrong_values_in_rows_copied_in_bulk_are_refused_and_the_rest_comes_in(
        tmp_path, monkeypatch):
    """Their new annotations, each with one wrong value (the merge would copy them
    by SQL): none comes in, each is reported with the reason clean gives, their sound
    new rows come in, and only the hostile rows are checked in Python."""
    p, ids, bob = start(tmp_path)
    with Project.open(bob, author="Bob", backup_now=False) as b:
        doc = b.documents.list()[0].id
        new = []
        for quote in ("debt", "Herriot", "1924") * 3:
            s, e = b.annotations.locate(doc, quote)
            new.append(b.annotations.add(doc, start=s, end=e, note="his").value.id)
    wrong = {new[0]: ("start_offset = 'x3'", "start_offset holds the wrong type"),
             new[1]: ("note = zeroblob(3)", "note holds the wrong type"),
             new[2]: ("anchor_state = 'lost'", "anchor_state is not one of"),
             new[3]: ("prefix = printf('%.1001c', 'x')", "prefix is too long"),
             new[4]: ("end_offset = 2199023255553", "end_offset is out of range")}
    _tamper(bob, "PRAGMA ignore_check_constraints = ON",
            *(f"UPDATE annotations SET {sql} WHERE id = '{i}'" for i, (sql, _) in wrong.items()))
    # and one whose note is not UTF-8: its batch is read again, the note marked, and
    # the row comes in repaired (U+FFFD), not copied raw, and said so
    _tamper(bob, f"UPDATE annotations SET note = CAST(X'68697366' || X'FF' AS TEXT) "
                 f"WHERE id = '{new[5]}'")
    before = p.conn.execute("SELECT * FROM annotations ORDER BY id").fetchall()
    checked: list[str] = []
    real = RowStore.clean
    monkeypatch.setattr(RowStore, "clean", lambda self, table, row: (
        checked.append(row.get("id")), real(self, table, row))[1])
    report = merge(p, bob).value
    for i, (_, reason) in wrong.items():
        assert any(u.startswith(f"annotations {i}") and reason in u
                   for u in report.unmatched), (reason, report.unmatched)
    have = {r[0] for r in p.conn.execute("SELECT id FROM annotations")}
    assert not have & set(wrong)
    assert set(new) - set(wrong) <= have
    assert report.added["annotations"] == len(new) - len(wrong)
    assert p.conn.execute("SELECT note FROM annotations WHERE id = ?",
                          (new[5],)).fetchone()[0] == "hisf\ufffd"
    assert any(n.startswith(f"annotations {new[5]}") and "U+FFFD" in n for n in report.notes)
    assert sorted(c for c in checked if c in new) == sorted(wrong)  # the rest by SQL
    assert all(row in p.conn.execute("SELECT * FROM annotations ORDER BY id").fetchall()
               for row in before)  # ours as they were
    p.close()


def test_the_plan_both_checks_follow_is_one(store):
    """clean_sql is generated from clean's plan: a column added to the checks (a cap
    here) is checked in SQL too, without a second list to keep in step."""
    caps = dict(project_rows._CAPS)
    try:
        project_rows._CAPS["color"] = 3
        store.plans.clear()
        assert "length(CAST(t.color AS BLOB)) <= 3" in store.clean_sql("annotations")
    finally:
        project_rows._CAPS.clear()
        project_rows._CAPS.update(caps)
        store.plans.clear()


def test_the_cache_a_merge_takes_is_given_back(tmp_path):
    from annotator.core import merge as merging

    p, _ids, bob = start(tmp_path)
    before = p.conn.execute("PRAGMA main.cache_size").fetchone()[0]
    seen = []
    p.conn.set_trace_callback(lambda sql: seen.append(sql) if "cache_size" in sql else None)
    merge(p, bob)
    p.conn.set_trace_callback(None)
    assert f"PRAGMA main.cache_size = {-merging.MERGE_CACHE_KB}" in seen
    assert p.conn.execute("PRAGMA main.cache_size").fetchone()[0] == before
    p.close()
