"""`annotator undo` takes back every edit a command can make, exactly; `redo` puts it back.

Each case runs one writing command on a small project through annotator.cli.main, then
compares the journaled tables row for row before and after undo and redo."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from annotator.cli import main
from annotator.core.project import Project
from tests.test_journal import snapshot

LETTER = ("Leonid Krasin presented his credentials in Paris on 14 November 1924. "
          "Eduard Errio received him; Édouard Herriot had recognised the USSR.\n")
SAMPLES = Path(__file__).resolve().parent.parent / "sample_documents"


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("undo") / "base.annot"
    with Project.create(path, "Undo", author="Alice") as p:
        p.documents.import_bytes(LETTER.encode(), "krasin.txt")
        p.documents.import_file(SAMPLES / "letter_to_briand_1927_facsimile.pdf")
        person = p.tags.find("Person")
        herriot = p.entities.create("Édouard Herriot", person.id).value
        p.entities.create("Eduard Errio", person.id)
        doc_id = next(d.id for d in p.documents.list() if d.filename == "krasin.txt")
        s, e = p.annotations.locate(doc_id, "Édouard Herriot")
        p.annotations.add(doc_id, start=s, end=e, tag_ids=[person.id], entity_id=herriot.id)
    return path


def _colleague(tmp: Path, base: Path) -> Path:
    other = tmp / "colleague.annot"
    shutil.copy(base, other)
    with Project.open(other, author="Bob") as b:
        doc_id = next(d.id for d in b.documents.list() if d.filename == "krasin.txt")
        s, e = b.annotations.locate(doc_id, "Paris")
        b.annotations.add(doc_id, start=s, end=e, tag_ids=[b.tags.find("Place").id],
                          note="Bob's")
    return other


def _ann(path: Path, quote: str) -> str:
    with Project.open(path, read_only=True) as p:
        return next(a.id for a in p.annotations.list() if a.quote == quote)


CASES = {
    "annotate": lambda p, t: ["annotate", p, "krasin.txt", "--quote", "Leonid Krasin",
                              "--tag", "Person", "--entity", "Leonid Krasin", "--note", "envoy"],
    "annotate a region": lambda p, t: ["annotate", p, "letter_to_briand_1927_facsimile.pdf",
                                       "--region", "1:72,100,200,40", "--tag", "Diplomacy"],
    "edit": lambda p, t: ["edit", p, _ann(p, "Édouard Herriot"), "--note", "premier",
                          "--add-tag", "Recognition", "--no-entity", "--date", "1924"],
    "delete": lambda p, t: ["delete", p, _ann(p, "Édouard Herriot")],
    "import": lambda p, t: ["import", p, str(SAMPLES / "ussr_france_relations_established_1924.txt")],
    "tags --add": lambda p, t: ["tags", p, "--add", "Recognition/De jure"],
    "link": lambda p, t: ["link", p, "krasin.txt", "letter_to_briand_1927_facsimile.pdf",
                          "--page-starts", '{"1": 0}'],
    "entities --merge": lambda p, t: ["entities", p, "--merge", "Eduard Errio",
                                      "Édouard Herriot"],
    "suggest --accept-all": lambda p, t: ["suggest", p, "--accept-all"],
    "merge": lambda p, t: ["merge", p, str(_colleague(t, Path(p)))],
}


@pytest.mark.parametrize("name", list(CASES))
def test_undo_takes_back_the_command_and_redo_puts_it_back(base, tmp_path, name, capsys):
    path = tmp_path / "work.annot"
    shutil.copy(base, path)
    argv = CASES[name](str(path), tmp_path)
    with Project.open(path, read_only=True) as p:
        before = snapshot(p)
    assert main(["--author", "Alice", *argv]) == 0, capsys.readouterr().err
    with Project.open(path, read_only=True) as p:
        after = snapshot(p)
    assert after != before, f"{name} changed nothing"
    assert main(["undo", str(path)]) == 0, capsys.readouterr().err
    with Project.open(path, read_only=True) as p:
        assert snapshot(p) == before
    assert main(["redo", str(path)]) == 0, capsys.readouterr().err
    with Project.open(path, read_only=True) as p:
        assert snapshot(p) == after
