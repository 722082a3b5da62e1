"""Agreement between annotators (Krippendorff's alpha, nominal) and curation."""

from __future__ import annotations

import subprocess
import sys

import pytest

from annotator.core.agreement import adopt_span, agreement, compare, nominal_alpha
from annotator.core.project import Project

TEXT = ("Herbette met Chicherin in Moscow on 3 March 1927; Briand waited in Paris for "
        "the news, and the debts were not settled.")  # 118 characters


def test_krippendorff_worked_example():
    """Krippendorff (2011), "Computing Krippendorff's alpha-reliability", the nominal
    example: 4 observers, 12 units, missing values; published α = 0.743."""
    n = None
    data = [[1, 2, 3, 3, 2, 1, 4, 1, 2, n, n, n],
            [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, n, 3],
            [n, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, n],
            [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, n]]
    assert round(nominal_alpha(list(zip(*data, strict=True))), 3) == 0.743
    assert nominal_alpha([(1, 1), (2, 2), (1, 1)]) == 1.0
    assert nominal_alpha([(1, 1), (1, 1)]) is None  # one value only: undefined


@pytest.fixture
def two_coders(tmp_path):
    source = tmp_path / "letter.txt"
    source.write_text(TEXT, encoding="utf-8")
    project = Project.create(tmp_path / "p.annot", author="Ada")
    doc = project.documents.import_file(source).value.document
    place = project.tags.find("Place")
    person = project.tags.find("Person")
    paris = TEXT.index("Paris")
    moscow = TEXT.index("Moscow")
    a1 = project.annotations.add(doc.id, start=moscow, end=moscow + 6, tag_ids=[place.id]).value
    a2 = project.annotations.add(doc.id, start=paris - 3, end=paris + 5,
                                 tag_ids=[place.id]).value  # "in Paris"
    project.annotations.add(doc.id, start=0, end=8, tag_ids=[person.id])
    project.set_author("Ben")
    b1 = project.annotations.add(doc.id, start=moscow, end=moscow + 6, tag_ids=[place.id]).value
    b2 = project.annotations.add(doc.id, start=paris, end=paris + 5, tag_ids=[place.id]).value
    project.annotations.add(doc.id, start=0, end=8, tag_ids=[person.id])
    yield project, doc, (a1, a2, b1, b2), (place, person)
    project.close()


def _ids(project):
    return project.authors.find("Ada").id, project.authors.find("Ben").id


def test_agreement_per_tag(two_coders):
    project, doc, _, (place, person) = two_coders
    ada, ben = _ids(project)
    result = agreement(project, ada, ben)
    by_tag = {t.tag: t for t in result.tags}
    assert result.characters == len(TEXT) and result.documents == 1
    assert by_tag["Person"].alpha == 1.0 and by_tag["Person"].agreed == 1
    p = by_tag["Place"]
    assert (p.both, p.only_a, p.only_b) == (11, 3, 0) and p.agreed == 1
    # by hand: N = 118 units, n = 236 values; o(1,0) + o(0,1) = 6; n1 = 25, n0 = 211
    assert p.alpha == pytest.approx(1 - 6 * 235 / (2 * 211 * 25))
    assert [t.tag for t in agreement(project, ada, ben, tag_id=place.id).tags] == ["Place"]


def test_compare_and_curation_undo(two_coders):
    project, doc, (a1, a2, b1, b2), (place, _) = two_coders
    ada, ben = _ids(project)
    pairs = compare(project, doc.id, ada, ben, place.id)
    assert [(p.state, p.a.id, p.b.id) for p in pairs] == [("same", a1.id, b1.id),
                                                          ("differs", a2.id, b2.id)]
    adopt_span(project, a2.id, b2.id)
    assert project.annotations.get(b2.id).text.start == a2.text.start
    assert agreement(project, ada, ben, tag_id=place.id).tags[0].alpha == 1.0
    history = project.history(row_id=b2.id)
    assert history[0].label.startswith("Curate") and len(history) == 2  # added, curated
    project.undo()
    assert project.annotations.get(b2.id).text.start == b2.text.start
    assert [p.state for p in compare(project, doc.id, ada, ben, place.id)] == ["same",
                                                                                "differs"]


def test_agreement_cli(two_coders):
    project, *_ = two_coders
    path = project.path
    project.close()
    done = subprocess.run([sys.executable, "-m", "annotator", "agreement", str(path),
                           "--authors", "Ada", "Ben"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "Krippendorff" in done.stdout and "Person" in done.stdout and "1.000" in done.stdout
    done = subprocess.run([sys.executable, "-m", "annotator", "agreement", str(path),
                           "--authors", "Ada", "Nobody"], capture_output=True, text=True)
    assert done.returncode == 2 and "no author" in done.stderr
