"""One way in for a source, in two halves: ``prepare_import`` reads and parses with no
project at hand (the import dialog runs it on a worker thread), ``store_import``
writes it in one transaction. ``annotator import`` and the dialog both take it."""

from __future__ import annotations

import pytest

from annotator.core.errors import ImportFailed, PasswordRequired
from annotator.core.prepared_import import PreparedImport, prepare_bytes, prepare_import

TEXT = "Paris, 17 June 1927. Briand met Stresemann at Locarno."


def _locked_pdf() -> bytes:
    import pymupdf

    doc = pymupdf.open()
    doc.new_page().insert_text((72, 100), "Briand at Locarno.")
    data = doc.tobytes(encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="secret",
                       owner_pw="owner")
    doc.close()
    return data


def test_reading_needs_no_project_and_storing_writes_it(project, tmp_path):
    path = tmp_path / "letter.txt"
    path.write_text(TEXT, encoding="utf-8")
    prepared = prepare_import(path)
    assert prepared.source is not None and not prepared.error
    assert project.documents.source_fingerprints() == set()
    report = project.documents.store_import(prepared).value
    assert report.status == "imported" and report.path == str(path)
    assert project.documents.text(report.document.id) == TEXT
    assert project.documents.source_fingerprints() == {prepared.sha256}


def test_a_source_the_project_has_is_not_parsed_again(project, tmp_path):
    path = tmp_path / "letter.txt"
    path.write_text(TEXT, encoding="utf-8")
    first = project.documents.import_file(path).value.document
    known = project.documents.source_fingerprints()
    again = prepare_import(path, known=known.__contains__)
    assert again.source is None and not again.error
    assert project.documents.store_import(again).value.status == "existing"
    project.documents.delete(first.id)
    report = project.documents.store_import(again).value
    assert (report.status, report.message) == ("imported", "restored a deleted document")
    assert report.document.id == first.id


def test_a_source_gone_since_it_was_read_is_parsed_when_stored(project):
    prepared = prepare_bytes(TEXT.encode(), "letter.txt", known=lambda _sha: True)
    assert prepared.source is None
    report = project.documents.store_import(prepared).value
    assert report.status == "imported" and "Locarno" in project.documents.text(
        report.document.id)


def test_failures_are_carried_to_the_store_which_writes_nothing(project, tmp_path):
    missing = prepare_import(tmp_path / "gone.txt")
    assert "does not exist" in missing.error and not missing.needs_password
    folder = prepare_import(tmp_path)
    assert "is a folder" in folder.error
    locked = prepare_bytes(_locked_pdf(), "locked.pdf")
    assert locked.needs_password
    with pytest.raises(PasswordRequired):
        project.documents.store_import(locked)
    with pytest.raises(ImportFailed, match="does not exist"):
        project.documents.store_import(missing)
    assert project.documents.list() == []
    opened = prepare_bytes(_locked_pdf(), "locked.pdf", "secret")
    assert project.documents.store_import(opened).value.document.page_count == 1


def test_the_command_line_takes_the_same_path(project, tmp_path, monkeypatch):
    from annotator.core import documents

    seen: list[PreparedImport] = []
    real = documents.prepare_import

    def spy(*args, **kwargs):
        seen.append(real(*args, **kwargs))
        return seen[-1]

    monkeypatch.setattr(documents, "prepare_import", spy)
    path = tmp_path / "letter.txt"
    path.write_text(TEXT, encoding="utf-8")
    reports = project.documents.import_files([path, tmp_path / "gone.txt"])
    assert [r.status for r in reports] == ["imported", "failed"]
    assert [p.name for p in seen] == ["letter.txt", "gone.txt"]
