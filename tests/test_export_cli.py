"""The exchange commands: export, import-annotations, merge, copy-for-colleague."""

from __future__ import annotations

import argparse
import json
import shutil

import pytest

from annotator import cli_exchange, cli_merge
from annotator.core.errors import AnnotatorError
from annotator.core.project import Project
from tests.test_export_common import rich_project


def run(*argv: str) -> int:
    """As annotator.cli.main runs a command once the lead wires these in."""
    parser = argparse.ArgumentParser(prog="annotator")
    parser.add_argument("--author")
    sub = parser.add_subparsers(dest="command")
    cli_exchange.add_parsers(sub)
    cli_merge.add_parsers(sub)  # merge and copy-for-colleague live there
    args = parser.parse_args(argv)
    try:
        return {**cli_exchange.COMMANDS, **cli_merge.COMMANDS}[args.command](args)
    except AnnotatorError:
        return cli_exchange.EXIT_ERROR


@pytest.fixture
def rich_file(tmp_path):
    rich_project(tmp_path / "rich.annot").close()
    return tmp_path / "rich.annot"


@pytest.mark.parametrize("fmt,out", [("csv", "a.csv"), ("w3c", "a.jsonld"), ("tei", "tei"),
                                     ("tei", "corpus.xml"), ("qdpx", "a.qdpx"),
                                     ("pdf", "pdfs"), ("html", "r.html"), ("md", "r.md")])
def test_export_every_format(rich_file, tmp_path, fmt, out, capsys):
    assert run("export", str(rich_file), "--format", fmt, "-o", str(tmp_path / out)) == 0
    assert (tmp_path / out).exists()
    assert "annotation(s) exported" in capsys.readouterr().out


def test_export_filters_and_errors(rich_file, tmp_path, capsys):
    out = tmp_path / "places.csv"
    assert run("export", str(rich_file), "-f", "csv", "-o", str(out), "--tag", "Place",
               "--doc", "letter", "--author", "Test Historian", "--contains", "astral") == 0
    assert out.read_text("utf-8-sig").count("\n") == 2  # header and one row
    assert run("export", str(rich_file), "-f", "csv", "-o", str(out), "--tag", "Nope") == 2
    assert run("export", str(rich_file), "-f", "pdf", "-o", str(tmp_path / "x.pdf"),
               "--doc", "letter") == 0
    with pytest.raises(SystemExit):
        run("export", str(rich_file), "-f", "docx", "-o", str(out))


def test_import_merge_and_copy(rich_file, tmp_path, capsys):
    jsonld = tmp_path / "a.jsonld"
    assert run("export", str(rich_file), "-f", "w3c", "-o", str(jsonld)) == 0
    copy = tmp_path / "copy.annot"
    assert run("copy-for-colleague", str(rich_file), str(copy)) == 0
    assert not (tmp_path / "copy.annot-wal").exists()
    assert run("copy-for-colleague", str(rich_file), str(copy)) == 2  # never overwrites
    other = tmp_path / "other.annot"
    shutil.copy(copy, other)
    with Project.open(other, author="Colleague") as p:
        doc = next(d for d in p.documents.list() if d.kind == "text")
        s, e = p.annotations.locate(doc.id, "Empire")
        p.annotations.add(doc.id, start=s, end=e, note="from the colleague")
    capsys.readouterr()
    assert run("merge", str(copy), str(other), "--json") == 0
    report = json.loads(capsys.readouterr().out)
    assert report["added"]["annotations"] == 1 and report["backup"]
    assert run("import-annotations", str(copy), str(jsonld)) == 0
    assert "already in the project" in capsys.readouterr().out
    bad = tmp_path / "bad.jsonld"
    bad.write_text("{")
    assert run("import-annotations", str(copy), str(bad)) == 2
    assert run("merge", str(copy), str(bad)) == 2
