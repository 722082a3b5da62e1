"""git as the team's sync engine, with real git: two clones of one bare repository
annotate the same project differently, push and pull; git calls our merge driver
through the configuration `annotator git-setup` wrote, and `git log -p` reads the
project through `annotator diff-text`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from annotator.core.git_sync import ATTRIBUTES, diff_lines, setup
from annotator.core.project import Project

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

TEXT = ("Paris, 3 March 1927. The ambassador Herbette met Chicherin in Moscow to discuss "
        "the debts; Briand in Paris waited for news from Moscow.\n")


@pytest.fixture
def git_env(tmp_path, monkeypatch):
    """git with no system or user configuration but ours: a private HOME."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.delenv("GIT_DIR", raising=False)
    monkeypatch.delenv("GIT_WORK_TREE", raising=False)
    monkeypatch.delenv("ANNOTATOR_AUTHOR", raising=False)
    for key, value in (("user.name", "Test"), ("user.email", "test@example.org"),
                       ("init.defaultBranch", "main"), ("pull.rebase", "false")):
        git(home, "config", "--global", key, value)
    return tmp_path


def git(cwd: Path, *args: str, env: dict | None = None) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, **(env or {})})
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stdout}\n{done.stderr}"
    return done.stdout


def annotator(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "annotator", *args], cwd=cwd,
                          capture_output=True, text=True)


def _clone(root: Path, name: str, author: str) -> Path:
    clone = root / name
    git(root, "clone", "-q", str(root / "team.git"), name)
    git(clone, "config", "user.name", author)
    done = annotator(clone, "git-setup")
    assert done.returncode == 0, done.stderr
    return clone


def test_two_clones_annotate_push_and_pull(git_env):
    root = git_env
    git(root, "init", "-q", "--bare", "team.git")
    lead = _clone(root, "lead", "Alice")
    source = lead / "letter.txt"
    source.write_text(TEXT, encoding="utf-8")
    with Project.create(lead / "letters.annot", author="Alice") as p:
        doc = p.documents.import_file(source).value.document
        shared = p.annotations.add(doc.id, start=0, end=5, note="the place").value
    git(lead, "add", "-A")
    git(lead, "commit", "-q", "-m", "the project")
    git(lead, "push", "-q", "origin", "main")

    helper = _clone(root, "helper", "Bob")
    assert (helper / "letters.annot").exists()

    with Project.open(lead / "letters.annot", author="Alice") as p:
        start = TEXT.index("Herbette")
        alice = p.annotations.add(doc.id, start=start, end=start + 8, note="Alice's").value
        p.annotations.update(shared.id, note="Paris, as Alice reads it")
    git(lead, "commit", "-q", "-am", "Alice annotates")
    git(lead, "push", "-q", "origin", "main")

    with Project.open(helper / "letters.annot", author="Bob") as p:
        start = TEXT.index("Chicherin")
        bob = p.annotations.add(doc.id, start=start, end=start + 9, note="Bob's").value
        p.annotations.update(shared.id, note="Paris, as Bob reads it")
    git(helper, "commit", "-q", "-am", "Bob annotates")
    pulled = subprocess.run(["git", "pull", "-q", "--no-rebase", "origin", "main"],
                            cwd=helper, capture_output=True, text=True)
    assert pulled.returncode == 0, pulled.stderr  # our driver merged: no git conflict
    assert "annotator: merged letters.annot (three-way)" in pulled.stderr
    assert not (helper / ".git" / "MERGE_HEAD").exists()
    status = git(helper, "status", "--porcelain")
    assert status == "", f"the merge left files behind in the work tree: {status}"
    raw = (helper / "letters.annot").read_bytes()
    assert b"<<<<<<<" not in raw and b">>>>>>>" not in raw
    with Project.open(helper / "letters.annot", read_only=True) as p:
        ids = {a.id for a in p.annotations.list()}
        assert {shared.id, alice.id, bob.id} <= ids
        assert p.check().ok
        note = p.annotations.get(shared.id).note
    assert note in ("Paris, as Alice reads it", "Paris, as Bob reads it")

    log = git(helper, "log", "-p", "--", "letters.annot")
    assert "Binary files" not in log
    assert "+annotation" in log and "Herbette" in log and "Chicherin" in log
    assert "note “Paris, as Bob reads it”" in log
    _conflict_is_listed(helper)


def _conflict_is_listed(clone: Path) -> None:
    """The note both edited is a conflict the conflicts API and `annotator conflicts`
    list, with both versions."""
    from annotator.core import conflicts

    with Project.open(clone / "letters.annot", read_only=True) as p:
        found = [c for c in conflicts.list_conflicts(p) if c.field == "note"]
    assert len(found) == 1
    versions = {found[0].shown("mine"), found[0].shown("theirs")}
    assert versions == {"Paris, as Alice reads it", "Paris, as Bob reads it"}
    listing = annotator(clone, "conflicts", "letters.annot")
    assert listing.returncode in (0, 1), listing.stderr
    assert "Paris, as Alice reads it" in listing.stdout
    assert "Paris, as Bob reads it" in listing.stdout


def test_git_setup_is_idempotent(git_env):
    repo = git_env / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / ".gitattributes").write_text("*.annot binary\n*.pdf binary\n", encoding="utf-8")
    first = setup(repo)
    assert any(".gitattributes" in line for line in first.written)
    attributes = (repo / ".gitattributes").read_text(encoding="utf-8").splitlines()
    assert attributes == [ATTRIBUTES, "*.pdf binary"]  # ours replaced the old line
    driver = git(repo, "config", "--get", "merge.annotator.driver").strip()
    assert driver.startswith(sys.executable) or sys.executable in driver
    assert driver.endswith("merge-driver %O %A %B %P")
    assert "diff-text" in git(repo, "config", "--get", "diff.annotator.textconv")
    config = (repo / ".git" / "config").read_text()
    ignore = (repo / ".gitignore").read_text()
    second = setup(repo)
    assert second.written == []
    assert (repo / ".git" / "config").read_text() == config
    assert (repo / ".gitignore").read_text() == ignore
    assert (repo / ".gitattributes").read_text(encoding="utf-8").splitlines() == attributes
    done = annotator(repo, "git-setup")
    assert done.returncode == 0 and "nothing written" in done.stdout


def test_git_setup_outside_a_work_tree_is_refused(git_env):
    done = annotator(git_env, "git-setup")
    assert done.returncode == 2
    assert "not inside a git work tree" in done.stderr and "Traceback" not in done.stderr


def test_merge_driver_refuses_a_broken_file_and_leaves_ours(tmp_path):
    source = tmp_path / "letter.txt"
    source.write_text(TEXT, encoding="utf-8")
    with Project.create(tmp_path / "ours.annot") as p:
        p.documents.import_file(source)
    ours = (tmp_path / "ours.annot").read_bytes()
    (tmp_path / "theirs").write_bytes(b"<<<<<<< not a project")
    done = annotator(tmp_path, "merge-driver", "base", "ours.annot", "theirs", "x.annot")
    assert done.returncode != 0
    assert "was not merged" in done.stderr and "Traceback" not in done.stderr
    assert (tmp_path / "ours.annot").read_bytes() == ours
    left = {p.name for p in tmp_path.iterdir()} - {"letter.txt", "ours.annot",
                                                   "ours.annot.lock", "theirs"}
    assert not left, f"the driver left {left} beside git's files"


def test_diff_text_is_stable_and_complete(tmp_path):
    source = tmp_path / "letter.txt"
    source.write_text(TEXT, encoding="utf-8")
    path = tmp_path / "p.annot"
    with Project.create(path, author="Alice") as p:
        doc = p.documents.import_file(source).value.document
        theme = p.tags.ensure("Diplomacy/Debts")
        person = p.tags.find("Person")
        herbette = p.entities.create("Jean Herbette", person.id).value
        s = TEXT.index("Herbette")
        a = p.annotations.add(doc.id, start=s, end=s + 8, tag_ids=[person.id],
                              entity_id=herbette.id, note="ambassador\nin Moscow").value
        s = TEXT.index("the debts")
        b = p.annotations.add(doc.id, start=s, end=s + 9, tag_ids=[theme.id]).value
        link = p.links.create(a.id, b.id, "related", note="same meeting").value
        gone = p.annotations.add(doc.id, start=0, end=5).value
        p.annotations.delete(gone.id)
    first = list(diff_lines(path))
    assert first == list(diff_lines(path))  # stable
    text = "\n".join(first)
    assert all("\n" not in line for line in first)
    assert f"annotation {a.id[:8]}" in text and "“Herbette”" in text
    assert "tags Person" in text and "entity “Jean Herbette”" in text
    assert "note “ambassador\\nin Moscow”" in text and "by Alice" in text
    assert "tags Diplomacy/Debts" in text
    assert f"entity {herbette.id[:8]} “Person” “Jean Herbette”" in text
    assert "tag " in text and "“Diplomacy/Debts”" in text
    assert f"document {doc.id[:8]} “letter”" in text
    assert f"link {link.id[:8]} {a.id[:8]} related {b.id[:8]} note “same meeting”" in text
    assert gone.id[:8] not in text  # a deleted annotation is not shown
    order = [line for line in first if line.startswith("annotation")]
    assert order.index(next(x for x in order if "Herbette" in x)) < \
        order.index(next(x for x in order if "the debts" in x))  # reading order
    # reading a file leaves nothing beside it (git's temporary copies stay alone)
    copy = tmp_path / "copy" / "blob"
    copy.parent.mkdir()
    shutil.copyfile(path, copy)
    done = annotator(tmp_path, "diff-text", str(copy))
    assert done.returncode == 0 and done.stdout.splitlines() == first
    assert os.listdir(copy.parent) == ["blob"]
    # git must be able to go on with the rest of a diff or log: a file that is not a
    # project is one line saying so, not an error
    copy.write_bytes(b"version https://git-lfs.github.com/spec/v1\n")
    done = annotator(tmp_path, "diff-text", str(copy))
    assert done.returncode == 0 and done.stdout.startswith("(not readable as an annotator")
