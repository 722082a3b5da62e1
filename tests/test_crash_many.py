"""Hundreds of SIGKILLs at random points, by forking writers (fast: no interpreter
start-up per kill): during annotation bursts, the import of a large PDF, and a
migration. After every kill the file passes integrity_check, every acknowledged action
is present, and no half-imported document or half-migrated schema exists."""

from __future__ import annotations

import os
import random
import select
import signal
import sqlite3
import sys
import time

import pytest

from annotator.core import schema
from annotator.core.project import Project

pytestmark = [pytest.mark.slow,  # -m "not slow" leaves these out of a quick run
              pytest.mark.skipif(sys.platform == "win32" or not hasattr(os, "fork"),
                                 reason="needs fork and SIGKILL")]


def _run_and_kill(child, delay: float) -> list[str]:
    """Fork; the child runs ``child(write)`` and reports acknowledgements through a
    pipe; the parent kills it after ``delay`` seconds and returns what was acknowledged."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(read_fd)
        try:
            child(lambda line: os.write(write_fd, (line + "\n").encode()))
        finally:
            os._exit(0)
    os.close(write_fd)
    data = b""
    deadline = time.monotonic() + delay
    while (left := deadline - time.monotonic()) > 0:
        ready, _, _ = select.select([read_fd], [], [], left)
        if ready:
            chunk = os.read(read_fd, 65536)
            if not chunk:
                break
            data += chunk
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    while chunk := os.read(read_fd, 65536):
        data += chunk
    os.close(read_fd)
    return [line for line in data.decode().splitlines() if line]


def _sound(path) -> sqlite3.Connection:
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    return conn


def test_hundreds_of_kills_during_annotation_bursts(tmp_path):
    path = tmp_path / "burst.annot"
    src = tmp_path / "t.txt"
    src.write_text("Édouard Herriot recognised the Soviet Union in 1924. 😀 " * 50,
                   encoding="utf-8")
    with Project.create(path) as project:
        doc_id = project.documents.import_file(src).value.document.id

    def child(ack):
        project = Project.open(path, author="Burst")
        tag = project.tags.find("Person").id
        i = 0
        while True:
            ann = project.annotations.add(doc_id, start=i % 500, end=i % 500 + 9,
                                          tag_ids=[tag], note=f"n{i}").value
            ack(ann.id)
            if i % 5 == 4:
                project.annotations.delete(ann.id)
                ack("deleted " + ann.id)
            i += 1

    rng = random.Random(17)
    acknowledged, deleted = set(), set()
    kills = 0
    started = time.monotonic()
    while kills < 300 and time.monotonic() - started < 60:
        for line in _run_and_kill(child, rng.uniform(0.005, 0.08)):
            (deleted if line.startswith("deleted ") else acknowledged).add(line.split()[-1])
        kills += 1
        conn = _sound(path)
        rows = dict(conn.execute("SELECT id, deleted FROM annotations").fetchall())
        conn.close()
        assert acknowledged <= set(rows), f"lost an acknowledged annotation at kill {kills}"
        assert all(rows[i] == 1 for i in deleted), "a delete was acknowledged but not saved"
    print(f"\nannotation bursts: {kills} kills survived of {kills}, "
          f"{len(acknowledged)} acknowledged annotations all present")
    assert kills >= 100
    with Project.open(path) as project:
        assert project.check().ok


def test_kills_during_import_of_a_large_pdf_leave_no_half_document(tmp_path):
    pymupdf = pytest.importorskip("pymupdf")
    pdfs = []
    for variant in range(3):
        pdf = pymupdf.open()
        for n in range(120):
            page = pdf.new_page()
            page.insert_text((72, 72), f"Variant {variant}, page {n}: the Franco-Soviet "
                             "conference on the debts of the Russian Empire. " * 3, fontsize=9)
        pdfs.append(pdf.tobytes())
    path = tmp_path / "import.annot"
    Project.create(path).close()

    def child(ack):
        project = Project.open(path)
        for i in range(1000):
            data = pdfs[i % 3] + f"%{os.getpid()}-{i}\n".encode()  # new bytes, new document
            report = project.documents.import_bytes(data, f"scan-{i}.pdf").value
            ack(report.document.id)

    rng = random.Random(1924)
    acknowledged = set()
    kills = 0
    started = time.monotonic()
    while kills < 40 and time.monotonic() - started < 45:
        acknowledged.update(_run_and_kill(child, rng.uniform(0.05, 0.6)))
        kills += 1
        conn = _sound(path)
        docs = dict(conn.execute("SELECT id, page_count FROM documents").fetchall())
        pages = dict(conn.execute(
            "SELECT document_id, count(*) FROM pages GROUP BY document_id").fetchall())
        blobs = {r[0] for r in conn.execute("SELECT document_id FROM document_data")}
        conn.close()
        assert acknowledged <= set(docs)
        for doc_id, count in docs.items():
            assert pages.get(doc_id) == count == 120 and doc_id in blobs, "half a document"
    print(f"\nPDF imports: {kills} kills survived, {len(acknowledged)} documents acknowledged")
    with Project.open(path) as project:
        assert project.check(verify_sources=False).ok


def test_kills_during_a_migration_leave_old_or_new_never_half(tmp_path, monkeypatch):
    path = tmp_path / "migrate.annot"
    src = tmp_path / "t.txt"
    src.write_text("Kellogg–Briand Pact, 27 August 1928. " * 200, encoding="utf-8")
    with Project.create(path) as project:
        doc_id = project.documents.import_file(src).value.document.id
        project.annotations.add_many(_annotations(project, doc_id, 3000))
    old_version = schema.SCHEMA_VERSION

    def slow_migration(conn):
        conn.execute("ALTER TABLE annotations ADD COLUMN reviewed INTEGER NOT NULL DEFAULT 0")
        for i in range(1500):  # enough work that kills land inside it
            conn.execute("UPDATE annotations SET reviewed = ? WHERE rowid % 1500 = ?", (1, i))

    def child(ack):
        monkeypatch.setattr(schema, "SCHEMA_VERSION", old_version + 1)
        monkeypatch.setitem(schema.MIGRATIONS, old_version, slow_migration)
        Project.open(path).close()
        ack("migrated")

    rng = random.Random(1935)
    kills = 0
    migrated = False
    while kills < 30 and not migrated:
        migrated = bool(_run_and_kill(child, rng.uniform(0.01, 0.25 + kills * 0.05)))
        kills += 1
        conn = _sound(path)
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        columns = {r[1] for r in conn.execute("PRAGMA table_info(annotations)")}
        count = conn.execute("SELECT count(*) FROM annotations").fetchone()[0]
        conn.close()
        assert count == 3000
        assert (version, "reviewed" in columns) in ((old_version, False),
                                                    (old_version + 1, True)), "half-migrated"
    assert migrated, "the migration never completed"
    print(f"\nmigration: {kills - 1} kill(s) before it completed; file sound after each")


def _annotations(project, doc_id, n):
    from annotator.core.anchoring import describe
    from annotator.core.model import Annotation
    from annotator.core.util import new_id, now

    text = project.documents.text(doc_id)
    author = project.author_id()
    stamp = now()
    return [Annotation(new_id(), doc_id, author, describe(text, i % 1000, i % 1000 + 8),
                       created_at=stamp, modified_at=stamp) for i in range(n)]
