"""The red team's output and fault holes (issue 16, items 15-18): what exports and the
command line write must be safe to open and to print, and a fault (a full disk, one
damaged source) must end in a clear message, never a traceback or a lost project."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from annotator.core.exporters import export
from annotator.core.exporters.csv_export import neutralise
from annotator.core.project import Project

TEXT = "Paris, 17 June 1927. The delegates of Georgia wrote to Briand about the debt."


def _project(path: Path) -> tuple[Project, str]:
    """A project with one text document; returns it and the document's id."""
    project = Project.create(path, "Red team", author="Alice")
    doc = project.documents.import_bytes(TEXT.encode(), "letter.txt").value.document
    return project, doc.id


def _annotate(project: Project, doc_id: str, quote: str, note: str) -> None:
    start, end = project.annotations.locate(doc_id, quote)
    project.annotations.add(doc_id, start=start, end=end, note=note)


# -- item 16: formula injection and control characters in exports --------------------


@pytest.mark.parametrize("cell", [" =HYPERLINK(\"http://x\")", "\n=1+1", " \n @SUM(A1)",
                                  "|calc", " |calc", "\u00a0=1", "｜calc"])
def test_csv_neutralises_formulas_behind_white_space_and_pipes(cell):
    assert neutralise(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["a|b", " Briand", "1927 = 1927", "\nParis"])
def test_csv_leaves_ordinary_cells_with_pipes_and_spaces_alone(cell):
    assert neutralise(cell) == cell


HOSTILE = "\x00nul \x1b[31mred\x1b[0m \x0bvt \x0cff \x08bs \x07bel"


def test_exports_carry_no_control_characters(tmp_path):
    project, doc_id = _project(tmp_path / "p.annot")
    _annotate(project, doc_id, "Paris", HOSTILE)
    _annotate(project, doc_id, "Georgia", " =HYPERLINK(\"http://evil\")")
    _annotate(project, doc_id, "Briand", "|cmd")
    controls = {chr(c) for c in (*range(0, 9), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F)}
    for fmt in ("csv", "html", "md"):
        out = tmp_path / f"out.{fmt}"
        export(project, fmt, out)
        text = out.read_text(encoding="utf-8-sig")
        assert not controls & set(text), (fmt, sorted(controls & set(text)))
        assert "red" in text and "bel" in text  # the words stay, the controls go
    rows = list(csv.DictReader(io.StringIO((tmp_path / "out.csv").read_text("utf-8-sig"),
                                           newline="")))
    notes = {r["note"] for r in rows}
    assert "' =HYPERLINK(\"http://evil\")" in notes and "'|cmd" in notes
    assert "\ufffdnul \ufffd[31mred\ufffd[0m \ufffdvt \ufffdff \ufffdbs \ufffdbel" in notes
    project.close()


# -- item 18: one damaged PDF does not stop a PDF export -----------------------------


def _damaged_pdf() -> bytes:
    """A two-page PDF whose first page object cannot be parsed: MuPDF opens it (the
    page reads as null) and imports it, but cannot annotate that page."""
    import pymupdf

    from tests.test_export_common import make_pdf

    raw = pymupdf.open(stream=make_pdf(2)).tobytes(expand=255, garbage=0)
    first_page = pymupdf.open(stream=raw)[0].xref
    return raw.replace(b"\n%d 0 obj" % first_page, b"\n%d ? obj" % first_page, 1)


def test_a_damaged_pdf_is_reported_and_the_others_are_exported(tmp_path, capsys):
    from annotator.cli import main
    from annotator.core.model import RegionSelector
    from tests.test_export_common import make_pdf

    project, text_id = _project(tmp_path / "p.annot")
    _annotate(project, text_id, "Paris", "the city")
    for name, data in (("damaged.pdf", _damaged_pdf()), ("good.pdf", make_pdf(1))):
        doc = project.documents.import_bytes(data, name).value.document
        project.annotations.add(doc.id, region=RegionSelector(1, 72, 88, 128, 46, (), ""))
    project.close()
    out = tmp_path / "pdfs"
    assert main(["export", str(tmp_path / "p.annot"), "-f", "pdf", "-o", str(out)]) == 1
    said = capsys.readouterr()
    assert "Traceback" not in said.err
    assert sorted(p.name for p in out.iterdir()) == ["good.pdf", "letter.pdf"]
    warning = next(line for line in said.out.splitlines() if line.startswith("warning:"))
    assert "damaged" in warning and "“damaged”" in warning


# -- item 15: a full disk ------------------------------------------------------------


def _full_disk(monkeypatch) -> None:
    """Every project opened for writing from now on is on a full disk: SQLite may not
    grow the file by one page (SQLITE_FULL), and putting a written file in place fails
    with ENOSPC, as on a disk at 100 %."""
    import errno
    import os

    opened = Project.open.__func__  # type: ignore[attr-defined]

    def open_on_full_disk(cls, path, **kw):
        project = opened(cls, path, **kw)
        if not project.read_only:
            pages = project.conn.execute("PRAGMA page_count").fetchone()[0]
            project.conn.execute(f"PRAGMA max_page_count = {pages}")
        return project

    def no_space(*args, **kw):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(Project, "open", classmethod(open_on_full_disk))
    monkeypatch.setattr(os, "replace", no_space)


def _state(path: Path) -> tuple:
    """What the project holds, to compare before and after a failed action."""
    import sqlite3

    conn = sqlite3.connect(path)
    try:
        return (conn.execute("PRAGMA quick_check").fetchone()[0],
                *(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                  for t in ("documents", "annotations", "tags", "changesets")))
    finally:
        conn.close()


@pytest.mark.parametrize("command", [
    ["annotate", "{p}", "letter", "--quote", "Paris", "--tag", "Cities", "--note", "n" * 20000],
    ["tags", "{p}", "--add", "Finance/" + "Debt " * 3000],
    ["backups", "{p}", "--make"],
    ["export", "{p}", "-f", "csv", "-o", "{out}"],
    ["export", "{p}", "-f", "html", "-o", "{out}"],
])
def test_a_full_disk_is_said_plainly_and_the_project_is_left_intact(tmp_path, monkeypatch,
                                                                    capsys, command):
    from annotator.cli import main

    path = tmp_path / "p.annot"
    project, doc_id = _project(path)
    _annotate(project, doc_id, "Georgia", "before the disk filled up")
    project.close()
    before = _state(path)
    _full_disk(monkeypatch)
    argv = [a.format(p=path, out=tmp_path / "out.txt") for a in command]
    assert main(argv) == 2
    said = capsys.readouterr().err
    assert "the disk is full; nothing was saved of this action" in said
    assert "Traceback" not in said
    assert _state(path) == before
    assert not (tmp_path / "out.txt").exists()
    assert not [p for p in tmp_path.iterdir() if p.suffix == ".part"]


def test_a_transaction_sqlite_rolled_back_itself_reports_the_full_disk(tmp_path):
    """A PDF import on a disk that fills up at every size along the way: SQLite rolls
    the whole transaction back by itself at some sizes; the error is the full disk, never
    "cannot rollback", and the project is as it was and usable after each attempt."""
    import sqlite3

    from tests.test_export_common import make_pdf

    project, _ = _project(tmp_path / "p.annot")
    data = make_pdf(40)
    limit = project.conn.execute("PRAGMA page_count").fetchone()[0]
    failures = 0
    while True:
        project.conn.execute(f"PRAGMA max_page_count = {limit}")
        try:
            project.documents.import_bytes(data, "scan.pdf")
            break
        except sqlite3.OperationalError as exc:
            assert "database or disk is full" in str(exc)
            failures += 1
        assert not project.conn.in_transaction
        assert len(project.documents.list()) == 1
        limit += 1
    assert failures > 10
    assert len(project.documents.list()) == 2
    assert project.conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
    project.close()


# -- item 17: what reaches the terminal, undecodable input, disguised file names ------


def _hostile_names(path: Path) -> str:
    """A project whose titles, tags, entities and notes carry terminal escapes."""
    project, doc_id = _project(path)
    project.documents.update(doc_id, title="Letter\x1b]0;owned\x07\x1b[2J")
    tag = project.tags.ensure("Bell\x07\x9b31m")
    person = project.tags.find("Person")
    entity = project.entities.create("Briand\x1b[31m", person.id, aliases=["B\x07"]).value
    start, end = project.annotations.locate(doc_id, "Briand")
    project.annotations.add(doc_id, start=start, end=end, tag_ids=[tag.id, person.id],
                            entity_id=entity.id, note="see \x1b[5mblink\x1b[0m\r overwrite")
    project.close()
    return doc_id


@pytest.mark.parametrize("command", ["list", "info", "entities", "tags", "search"])
def test_the_terminal_gets_escapes_shown_not_obeyed(tmp_path, capsys, command):
    import json

    from annotator.cli import main

    path = tmp_path / "p.annot"
    _hostile_names(path)
    extra = ["Briand"] if command == "search" else []
    assert main([command, str(path), *extra]) == 0
    out = capsys.readouterr().out
    assert not set(out) & {"\x1b", "\x07", "\x9b", "\r"}, out
    assert "\\u001b" in out or "\\u0007" in out
    if command in ("list", "info", "entities"):
        assert main([command, str(path), "--json"]) == 0
        json.loads(capsys.readouterr().out)  # escapes that keep JSON valid


@pytest.mark.parametrize("option", [["--note", "caf\udce9"], ["--tag", "Th\udce8me"],
                                    ["--entity", "\udcc9douard"]])
def test_arguments_that_are_not_utf8_are_refused_by_name(tmp_path, capsys, option):
    from annotator.cli import main

    path = tmp_path / "p.annot"
    project, _ = _project(path)
    project.close()
    before = _state(path)
    assert main(["annotate", str(path), "letter", "--quote", "Paris", *option]) == 2
    said = capsys.readouterr().err
    assert f"{option[0]} holds bytes that are not UTF-8" in said and "Traceback" not in said
    assert main(["--author", "Andr\udce9", "tags", str(path), "--add", "Debt"]) == 2
    assert "--author holds bytes that are not UTF-8" in capsys.readouterr().err
    assert _state(path) == before


def test_lone_surrogates_through_the_core_are_refused_and_nothing_is_written(tmp_path):
    from annotator.core.errors import AnnotatorError

    project, doc_id = _project(tmp_path / "p.annot")
    for attempt in (lambda: _annotate(project, doc_id, "Paris", "caf\udce9"),
                    lambda: project.documents.update(doc_id, title="Debt \ud800"),
                    lambda: project.entities.create("X\udfff",
                                                    project.tags.find("Person").id)):
        with pytest.raises(AnnotatorError, match="not valid Unicode"):
            attempt()
    assert project.annotations.count() == 0 and project.entities.list() == []
    assert project.documents.get(doc_id).title == "letter"
    _annotate(project, doc_id, "Paris", "still works")  # the project is usable
    project.close()


def test_export_file_names_lose_bidi_overrides(tmp_path):
    project, doc_id = _project(tmp_path / "p.annot")
    project.documents.update(doc_id, title="invoice\u202efdp.exe")
    _annotate(project, doc_id, "Paris", "")
    result = export(project, "pdf", tmp_path / "pdfs")
    assert [p.name for p in result.paths] == ["invoicefdp.exe.pdf"]
    project.close()
