"""Every broken file of the shared corpus, imported into one project: each ends as a
document or a clear error, nothing half-written, and the project passes `check`."""

from __future__ import annotations

import time

from annotator.core.project import Project
from tests.conftest import corpus_dir

PASSWORDS = {
    "pypdf_r2-user-password.pdf": "asdfzxcv",
    "pypdf_r4-aes-user-password.pdf": "asdfzxcv",
    "pypdf_r6-user-password.pdf": "asdfzxcv",
    "pypdf_r5-owner-password.pdf": "asdfzxcv",
    "pypdf_crazyones-encrypted-256.pdf": "password",
    "pypdf_libreoffice-writer-password.pdf": "openpassword",
    "pdfminer_rc4-40.pdf": "foo",
    "pdfminer_aes-256-r6.pdf": "usersecret",
    "qpdf_encrypted-40-bit-R3.pdf": "623",
    "pdfjs_encrypted-attachment.pdf": "000000",
}


def test_broken_corpus_ends_in_documents_or_clear_errors(tmp_path):
    broken = corpus_dir("broken")
    files = sorted(p for p in broken.rglob("*") if p.is_file())
    assert len(files) >= 80
    path = tmp_path / "broken.annot"
    project = Project.create(path, "Broken inputs")
    imported, failed, slowest = 0, 0, 0.0
    for file in files:
        before = _counts(project)
        started = time.monotonic()
        report = project.documents.import_files([file])[0]
        slowest = max(slowest, time.monotonic() - started)
        if report.status == "failed":
            failed += 1
            assert len(report.message) >= 20 and "Traceback" not in report.message, (
                file.name, report.message)
            assert _counts(project) == before, f"{file.name} left rows behind"
        else:
            imported += 1
            doc = report.document
            assert doc.page_count > 0 or project.documents.text(doc.id), file.name
    # the encrypted ones open with their password
    for name, password in PASSWORDS.items():
        file = broken / "pdf" / name
        if file.exists():
            report = project.documents.import_files([file], password=password)[0]
            assert report.status in ("imported", "existing"), (name, report.message)
    report = project.check()
    assert report.ok, report.problems
    project.close()
    print(f"\nbroken corpus: {imported} imported, {failed} clear errors, of {len(files)}; "
          f"slowest {slowest:.2f} s")
    assert imported + failed == len(files)
    assert slowest < 30


def _counts(project):
    conn = project.conn
    return tuple(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                 for t in ("documents", "document_data", "pages"))
