"""Fuzzing the import path with mutated copies of real files: whatever the bytes, the
importer returns a source or raises ImportFailed with a message — never another
exception, never a hang — and a failed import writes nothing to the project."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.core.errors import ImportFailed
from annotator.core.importers import read_source
from tests.conftest import DATA, SAMPLES


def _seeds() -> list[tuple[str, bytes]]:
    files = [p for p in (DATA / "broken").rglob("*") if p.is_file() and p.suffix != ".tsv"]
    files += [p for p in (DATA / "generated").glob("*") if p.is_file()]
    seeds = [(p.name, p.read_bytes()) for p in sorted(files)]
    pymupdf = pytest.importorskip("pymupdf")
    pdf = pymupdf.open()
    for n in range(2):
        page = pdf.new_page()
        page.insert_text((72, 72), f"Page {n}: Aristide Briand, Paris, 17 June 1927")
    seeds.append(("made.pdf", pdf.tobytes()))
    seeds.append(("letter.txt", (SAMPLES / "ussr_france_relations_established_1924.txt")
                  .read_bytes()[:1500]))
    return seeds


SEEDS = _seeds()


@st.composite
def mutated(draw) -> tuple[str, bytes]:
    name, data = draw(st.sampled_from(SEEDS))
    buf = bytearray(data)
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["flip", "truncate", "insert", "zero", "swap_ext"]))
        if not buf:
            break
        at = draw(st.integers(0, len(buf) - 1))
        if op == "flip":
            buf[at] ^= 1 << draw(st.integers(0, 7))
        elif op == "truncate":
            del buf[at:]
        elif op == "insert":
            buf[at:at] = draw(st.binary(min_size=1, max_size=64))
        elif op == "zero":
            buf[at:at + draw(st.integers(1, 512))] = b"\x00" * min(512, len(buf) - at)
        else:
            name = Path(name).stem + draw(st.sampled_from([".pdf", ".png", ".txt", ".tif"]))
    return name, bytes(buf)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_files_import_or_fail_clearly(case):
    name, data = case
    started = time.monotonic()
    try:
        source = read_source(Path(name), data=data)
    except ImportFailed as exc:
        assert len(str(exc)) >= 15 and "Traceback" not in str(exc)
    else:
        assert source.pages or source.text
        assert source.data == data  # the original bytes, unchanged
    assert time.monotonic() - started < 20


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(mutated())
def test_failed_imports_write_nothing(project, case):
    name, data = case
    before = [project.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
              for t in ("documents", "document_data", "pages")]
    try:
        project.documents.import_bytes(data, name)
    except ImportFailed:
        after = [project.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                 for t in ("documents", "document_data", "pages")]
        assert after == before
    assert project.check(verify_sources=False).ok
