"""Suggestions: known names and aliases (case, diacritics, transliteration), near
matches as new aliases, dates, capitalised names; rejections remembered; accepting
through the same records undo restores; tag all occurrences; annotate all hits."""

from __future__ import annotations

import pytest

from annotator.core import entity_ops, occurrences, search, suggestions
from annotator.core.errors import AnnotatorError
from annotator.core.importers.base import ImportedSource
from annotator.core.model import DocumentKind
from annotator.core.project import Project

TEXT = ("On October 28, 1924 the French premier Eduard Errio sent a telegram to M.I. Kalinin. "
        "HERRIOT and Hérriot, Эррио in Russian; later Herriot met Mr. Topçubaşov. "
        "The Central Executive Committee of the USSR answered in mid-1927.\n"
        "The Supreme Allied Council met in Paris. Briand spoke; the Kellogg–Briand Pact "
        "followed in 28 октября 1924.")


def add_text(project, title, text):
    src = ImportedSource(title, DocumentKind.TEXT, "text/plain", f"{title}.txt",
                         text.encode("utf-8"), text=text)
    return project.documents.add_source(src)


@pytest.fixture
def world(project):
    types = {t.name: t.id for t in project.tags.list()}
    e = project.entities
    herriot = e.create("Édouard Herriot", types["Person"], aliases=["Eduard Errio"]).value
    kalinin = e.create("Mikhail Kalinin", types["Person"], aliases=["M.I. Kalinin"]).value
    cec = e.create("Central Executive Committee of the USSR", types["Organisation"],
                   aliases=["Central Executive Committee"]).value
    topch = e.create("Ali Mardan Topchubashov", types["Person"], aliases=["Topchubashov"]).value
    briand = e.create("Aristide Briand", types["Person"]).value
    pact = e.create("Kellogg–Briand Pact", types["Event"]).value
    doc = add_text(project, "letter", TEXT)
    return dict(types=types, herriot=herriot, kalinin=kalinin, cec=cec, topch=topch,
                briand=briand, pact=pact, doc=doc)


def by_quote(found, kind):
    return {s.quote: s for s in found if s.kind == kind}


def test_known_names_across_spellings(project, world):
    found = suggestions.suggest(project, document_id=world["doc"].id)
    for s in found:
        assert TEXT[s.start:s.end] == s.quote
    mentions = by_quote(found, "mention")
    for quote in ("Eduard Errio", "HERRIOT", "Hérriot", "Эррио", "Herriot"):
        assert mentions[quote].entity_id == world["herriot"].id, quote
    assert mentions["M.I. Kalinin"].entity_id == world["kalinin"].id
    # the longest known spelling wins over the shorter alias inside it
    assert mentions["Central Executive Committee of the USSR"].entity_id == world["cec"].id
    assert "Central Executive Committee" not in mentions
    # a Person's surname alone, and the event that contains it
    assert mentions["Briand"].entity_id == world["briand"].id
    assert mentions["Briand"].score < 100
    assert mentions["Kellogg–Briand Pact"].entity_id == world["pact"].id


def test_near_matches_are_proposed_as_aliases(project, world):
    aliases = by_quote(suggestions.suggest(project), "alias")
    s = aliases["Topçubaşov"]
    assert s.entity_id == world["topch"].id and 88 <= s.score < 100


def test_dates_and_names(project, world):
    found = suggestions.suggest(project)
    dates = by_quote(found, "date")
    assert dates["October 28, 1924"].date_value == "1924-10-28"
    assert dates["October 28, 1924"].precision == "day"
    assert dates["mid-1927"].date_value == "1927"
    assert dates["28 октября 1924"].date_value == "1924-10-28"
    assert dates["October 28, 1924"].type_id == world["types"]["Date"]
    names = by_quote(found, "name")
    assert "Supreme Allied Council" in names
    assert names["Supreme Allied Council"].type_id == world["types"]["Organisation"]
    assert "The Supreme" not in " ".join(names)  # no leading function words


def test_annotated_occurrences_are_not_proposed(project, world):
    start = TEXT.index("HERRIOT")
    project.annotations.add(world["doc"].id, start=start, end=start + 7,
                            tag_ids=[world["types"]["Person"]])
    start = TEXT.index("October 28, 1924")
    project.annotations.add(world["doc"].id, start=start, end=start + 16,
                            date_value="1924-10-28")
    found = suggestions.suggest(project)
    assert "HERRIOT" not in by_quote(found, "mention")
    assert "October 28, 1924" not in by_quote(found, "date")


def test_rejections_persist_and_can_be_withdrawn(project, world, tmp_path):
    found = suggestions.suggest(project)
    target = by_quote(found, "mention")["Hérriot"]
    name = by_quote(found, "name")["Supreme Allied Council"]
    suggestions.reject(project, [target, name])
    path = project.path
    project.close()
    with Project.open(path) as again:
        found = suggestions.suggest(again)
        assert "Hérriot" not in by_quote(found, "mention")
        assert "Supreme Allied Council" not in by_quote(found, "name")
        assert "HERRIOT" in by_quote(found, "mention")  # other occurrences stay
        again.undo()  # the rejection was the last action: the journal takes it back
        assert "Hérriot" in by_quote(suggestions.suggest(again), "mention")


def test_rejection_survives_edits_elsewhere(project, world):
    target = by_quote(suggestions.suggest(project), "mention")["Эррио"]
    suggestions.reject(project, [target])
    project.documents.set_text(world["doc"].id, "A new first line.\n" + TEXT)
    assert "Эррио" not in by_quote(suggestions.suggest(project), "mention")


def test_accept_mention_alias_name_date_and_undo(project, world):
    found = suggestions.suggest(project)
    mention = by_quote(found, "mention")["Эррио"]
    alias = by_quote(found, "alias")["Topçubaşov"]
    name = by_quote(found, "name")["Supreme Allied Council"]
    date = by_quote(found, "date")["mid-1927"]
    result = entity_ops.accept_many(project, [mention, alias, name, date])
    done = result.value
    ann = project.annotations.get(done[0].annotation.id)
    assert ann.entity_id == world["herriot"].id and world["types"]["Person"] in ann.tag_ids
    assert "Topçubaşov" in project.entities.get(world["topch"].id).aliases
    council = done[2].created_entity
    assert council.name == "Supreme Allied Council"
    assert project.annotations.get(done[2].annotation.id).entity_id == council.id
    assert done[3].annotation.date_value == "1927"
    assert world["types"]["Date"] in done[3].annotation.tag_ids
    assert result.changes.annotations == {d.annotation.id for d in done}
    # one action: undo takes everything back; redo brings back the same ids
    project.undo()
    assert all(project.annotations.get(d.annotation.id) is None for d in done)
    assert "Topçubaşov" not in project.entities.get(world["topch"].id).aliases
    assert project.entities.get(council.id) is None
    project.redo()
    assert all(not project.annotations.get(d.annotation.id).deleted for d in done)
    assert project.entities.get(council.id).name == "Supreme Allied Council"
    assert "Topçubaşov" in project.entities.get(world["topch"].id).aliases


def test_accept_all_for_one_entity_and_names_need_a_type(project, world):
    found = suggestions.suggest(project)
    group = [s for s in found if s.group == f"entity:{world['herriot'].id}"]
    assert len(group) == 5
    entity_ops.accept_many(project, group)
    assert project.entities.mention_counts()[world["herriot"].id] == 5
    assert not [s for s in suggestions.suggest(project)
                if s.entity_id == world["herriot"].id]
    untyped = suggestions.Suggestion("name", world["doc"].id, 0, 2, "On", "?")
    with pytest.raises(AnnotatorError, match="type"):
        entity_ops.accept(project, untyped)


def test_a_stale_suggestion_is_refused(project, world):
    s = by_quote(suggestions.suggest(project), "mention")["Hérriot"]
    project.documents.set_text(world["doc"].id, "Nothing here any more.")
    with pytest.raises(AnnotatorError, match="no longer"):
        entity_ops.accept(project, s)


def test_tag_all_occurrences_and_annotate_all_hits(project, world):
    person = world["types"]["Person"]
    found = occurrences.occurrences(project, "herriot", tag_ids=[person],
                                    entity_id=world["herriot"].id)
    assert {s.quote for s in found} == {"HERRIOT", "Hérriot", "Herriot"}
    entity_ops.accept_many(project, found[:2])
    again = occurrences.occurrences(project, "herriot", tag_ids=[person],
                                    entity_id=world["herriot"].id)
    assert len(again) == 1
    assert [s.quote for s in occurrences.occurrences(project, "Errio")] == ["Errio", "Эррио"]
    theme = project.tags.ensure("Diplomacy")
    hits = search.search(project, "telegram")
    proposed = occurrences.from_hits(project, hits, tag_ids=[theme.id])
    assert [s.quote for s in proposed] == ["telegram"]
    entity_ops.accept_many(project, proposed)
    assert occurrences.from_hits(project, search.search(project, "telegram"),
                                 tag_ids=[theme.id]) == []


def test_paged_and_empty_projects(project):
    assert suggestions.suggest(project) == []
    assert occurrences.occurrences(project, "  ") == []


# -- the command line ----------------------------------------------------------------------


def run_cli(*argv):
    import argparse

    from annotator import cli_research

    parser = argparse.ArgumentParser()
    parser.add_argument("--author", default="Test Historian")
    cli_research.add_parsers(parser.add_subparsers(dest="command"))
    args = parser.parse_args(list(argv))
    return cli_research.COMMANDS[args.command](args)


def test_cli_search_suggest_entities(project, world, capsys):
    path = str(project.path)
    project.close()
    assert run_cli("search", path, "herriot", "--limit", "2") == 0
    out = capsys.readouterr().out
    assert "[HERRIOT]" in out and "2 hit(s)" in out
    assert run_cli("search", path, '"unbalanced', "--json") == 0
    assert capsys.readouterr().out.strip() == "[]"
    assert run_cli("suggest", path, "--kind", "date") == 0
    out = capsys.readouterr().out
    assert "[October 28, 1924]" in out and "Date 1924-10-28" in out
    with Project.open(path) as p:  # listing wrote nothing
        assert p.annotations.count() == 0
    assert run_cli("suggest", path, "--kind", "mention", "--accept-all") == 0
    assert "accepted" in capsys.readouterr().out
    assert run_cli("entities", path, "--merge", "Topchubashov", "Aristide Briand") == 0
    out = capsys.readouterr().out
    assert "merged “Ali Mardan Topchubashov” into “Aristide Briand”" in out
    with Project.open(path) as p:
        assert p.annotations.count() > 0
        assert p.entities.find("Topchubashov").name == "Aristide Briand"
    with pytest.raises(AnnotatorError):
        run_cli("entities", path, "--merge", "Nobody", "Aristide Briand")
