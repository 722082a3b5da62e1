"""The red team's holes (issue 16), each rebuilt here as the attack that found it.

Crafted project files are made in the test from a good one, never shipped as blobs."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from annotator.core import schema
from annotator.core.errors import ProjectError
from annotator.core.project import Project

SAMPLE = Path(__file__).resolve().parent.parent / "sample_documents" / "sample.annot"


@pytest.fixture
def good(tmp_path) -> Path:
    """A project of the current format with annotations in it."""
    path = tmp_path / "good.annot"
    shutil.copy(SAMPLE, path)
    with Project.open(path, author="Alice"):  # upgraded to the current format
        pass
    return path


def _plant(path: Path, kind: str, name: str, table: str, sql: str) -> None:
    """Write a schema row straight into sqlite_master, as writable_schema lets one do."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA writable_schema = ON")
    conn.execute("INSERT INTO sqlite_master (type, name, tbl_name, rootpage, sql) "
                 "VALUES (?, ?, ?, 0, ?)", (kind, name, table, sql))
    conn.commit()
    conn.close()


EVIL = ("CREATE TRIGGER {name} AFTER INSERT ON annotations BEGIN "
        "UPDATE annotations SET deleted = 1; UPDATE project SET value = 'pwned' "
        "WHERE key = 'title'; END")


@pytest.mark.parametrize("name", [
    "sqlite_stat9",          # passes for ANALYZE statistics by its name
    "annotations_entity",    # the name of one of our indexes: hidden behind it
    "sqlite_stat1",          # the very name of the statistics table
])
def test_a_planted_trigger_is_refused_on_open_and_reported_by_check(good, name):
    with Project.open(good, read_only=True) as p:
        count = len(p.annotations.list())
    _plant(good, "trigger", name, "annotations", EVIL.format(name=name))
    with pytest.raises(ProjectError, match="did not make"):
        Project.open(good, author="Alice")
    # nothing ran: a clean reader sees every annotation and the title as they were
    conn = sqlite3.connect(f"{good.as_uri()}?mode=ro", uri=True)
    conn.execute("PRAGMA trusted_schema = OFF")
    assert conn.execute("SELECT count(*) FROM annotations WHERE deleted = 0").fetchone()[0] \
        == count
    assert conn.execute("SELECT value FROM project WHERE key = 'title'").fetchone()[0] \
        != "pwned"
    problems = schema.foreign_objects(conn, schema.SCHEMA_VERSION)
    conn.close()
    assert any(f"trigger “{name}”" in p for p in problems)


def test_analyze_statistics_are_allowed(good):
    conn = sqlite3.connect(good)
    conn.execute("ANALYZE")
    conn.commit()
    conn.close()
    with Project.open(good, author="Alice") as p:
        assert p.check().ok


def test_check_names_a_foreign_object_in_an_open_project(good):
    with Project.open(good, author="Alice") as p:
        p.conn.execute("CREATE TEMP VIEW harmless AS SELECT 1")  # temp: not in the file
        assert p.check().ok
    _plant(good, "view", "v_notes", "annotations", "CREATE VIEW v_notes AS SELECT note "
           "FROM annotations")
    with pytest.raises(ProjectError):
        Project.open(good)
