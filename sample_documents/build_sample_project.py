"""Build ``sample_documents/sample.annot``: the ready-made project the app opens on
first run, with the annotations a historian would make on these sources.

Run: ``python sample_documents/build_sample_project.py [OUT]``. Every annotation is
placed by quoting the text, so the script fails loudly if a source changes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from annotator.core.model import RegionSelector, TagKind
from annotator.core.project import Project
from annotator.core.text_layer import find_quote

HERE = Path(__file__).resolve().parent
LETTER = "caucasian_letter_to_briand_1927.txt"
RECOGNITION = "ussr_france_relations_established_1924.txt"
ARTICLE = "france_soviet_union_relations.txt"
FACSIMILE = "letter_to_briand_1927_facsimile.pdf"
HELMS = "jfk_104-10009-10222.pdf"
VICKSBURG = "pypdf_Seige_of_Vicksburg_Sample_OCR.pdf"

THEMES = {
    "Imperial debt": "The debts of the Russian Empire to France and who should repay them.",
    "Recognition": "Recognition of the Soviet state, de jure and de facto.",
    "Émigré politics": "The exiled governments of the Caucasus and Ukraine and their claims.",
    "Collective security": "Pacts, alliances and the League as guarantees of peace.",
}
SUBTHEMES = {"Recognition/De jure recognition": "Recognition in law, by a formal act."}

ENTITIES = [  # type, canonical name, aliases, description, dates
    ("Person", "Aristide Briand", [], "French Foreign Minister 1925–1932.", "1862/1932"),
    ("Person", "Édouard Herriot", ["Eduard Errio", "Errio"],
     "French Prime Minister 1924–1925; recognised the USSR.", "1872/1957"),
    ("Person", "Leonid Krasin", ["L.B. Krasin"], "First Soviet plenipotentiary in Paris.",
     "1870/1926"),
    ("Person", "Jean Herbette", ["G. Erbett"], "First French ambassador in Moscow.",
     "1878/1960"),
    ("Person", "Mikhail Kalinin", ["M.I. Kalinin"],
     "Chairman of the Central Executive Committee of the USSR.", "1875/1946"),
    ("Person", "Maxim Litvinov", ["Litvinov"], "Soviet People's Commissar for Foreign Affairs.",
     "1876/1951"),
    ("Person", "Ali Mardan Topchubashov", ["TOPTIBACHY", "Topchubashi"],
     "Chairman of the Azerbaijani delegation in Paris.", "1863/1934"),
    ("Place", "Paris", [], "", ""),
    ("Place", "Azerbaijan", [], "", ""),
    ("Place", "Georgia", [], "", ""),
    ("Place", "North Caucasus", [], "", ""),
    ("Place", "Ukraine", [], "", ""),
    ("Organisation", "League of Nations", [], "", "1920/1946"),
    ("Organisation", "Comintern", ["Communist International", "Third International"], "",
     "1919/1943"),
    ("Organisation", "Central Executive Committee of the USSR",
     ["Central Executive Committee"], "", "1922/1938"),
    ("Event", "Kellogg–Briand Pact", ["Covenant signed on August 27, 1928"],
     "General Treaty for Renunciation of War, signed in Paris.", "1928-08-27"),
    ("Event", "Franco-Soviet Treaty of Mutual Assistance", ["1935 treaty"],
     "Signed in Paris on 2 May 1935.", "1935-05-02"),
]

# (document, quote, occurrence, tags, entity, date, note)
ANNOTATIONS = [
    (LETTER, "mid-1927", 1, ["Date"], None, "1927", "Vague in the commentary; the letter is "
     "dated 17 June 1927."),
    (LETTER, "June 17, 1927", 1, ["Date"], None, "1927-06-17", ""),
    (LETTER, "Kellogg–Briand Pact", 1, ["Event", "Collective security"], "Kellogg–Briand Pact",
     "", ""),
    (LETTER, "August 1928", 1, ["Date"], None, "1928-08", ""),
    (LETTER, "Aristide Briand", 1, ["Person"], "Aristide Briand", "", "Recipient of the 1928 "
     "protest note as well."),
    (LETTER, "League of Nations", 1, ["Organisation"], "League of Nations", "", ""),
    (LETTER, "August 27, 1928", 1, ["Date"], None, "1928-08-27", ""),
    (LETTER, "Franco-Soviet treaty of mutual assistance", 1, ["Event", "Collective security"],
     "Franco-Soviet Treaty of Mutual Assistance", "", ""),
    (LETTER, "May 2, 1935", 1, ["Date"], None, "1935-05-02", ""),
    (LETTER, "Aristide Briand", 2, ["Person"], "Aristide Briand", "", "Addressee."),
    (LETTER, "Paris", 1, ["Place"], "Paris", "", ""),
    (LETTER, "17 June 1927", 1, ["Date"], None, "1927-06-17", "Date line of the letter."),
    (LETTER, "Azerbaijan", 1, ["Place"], "Azerbaijan", "", ""),
    (LETTER, "Georgia", 1, ["Place"], "Georgia", "", ""),
    (LETTER, "North Caucasus", 1, ["Place"], "North Caucasus", "", ""),
    (LETTER, "Ukraine", 1, ["Place"], "Ukraine", "", ""),
    (LETTER, "we have decided to unite our efforts", 1, ["Émigré politics"], None, "",
     "The joint front of the four delegations, announced to France."),
    (LETTER, "the spirit of Locarno", 1, ["Collective security"], None, "", ""),
    (LETTER, "League of Nations", 2, ["Organisation"], "League of Nations", "", ""),
    (LETTER, "We have in mind the question of the debt of the former Russian Empire to France "
     "and its nationals.", 1, ["Imperial debt"], None, "", "The core of the letter: the debt "
     "question raised at the Franco-Soviet conference."),
    (LETTER, "Franco-Soviet conference", 1, ["Event", "Imperial debt"], None, "", ""),
    (LETTER, "each of our peoples is ready to recognize the debt contracted by Russia in France",
     1, ["Imperial debt", "Émigré politics"], None, "",
     "Offer to repay a share once independence is regained."),
    (LETTER, "TOPTIBACHY", 1, ["Person"], "Ali Mardan Topchubashov", "",
     "Garbled transliteration of Topchubashi (Topçubaşov) in the translation."),
    (RECOGNITION, "28 October 1924", 1, ["Date"], None, "1924-10-28", ""),
    (RECOGNITION, "October 28, 1924", 1, ["Date"], None, "1924-10-28", ""),
    (RECOGNITION, "Eduard Errio", 1, ["Person"], "Édouard Herriot", "",
     "Back-transliteration from Russian Эдуард Эррио."),
    (RECOGNITION, "Central Executive Committee", 1, ["Organisation"],
     "Central Executive Committee of the USSR", "", ""),
    (RECOGNITION, "M.I. Kalinin", 1, ["Person"], "Mikhail Kalinin", "", ""),
    (RECOGNITION, "France acknowledges de jure the government of the SSR Union", 1,
     ["Recognition/De jure recognition"], None, "1924-10-28", ""),
    (RECOGNITION, "Errio", 2, ["Person"], "Édouard Herriot", "", ""),
    (RECOGNITION, "November 14, 1924", 1, ["Date"], None, "1924-11-14", ""),
    (RECOGNITION, "L.B. Krasin", 1, ["Person"], "Leonid Krasin", "", ""),
    (RECOGNITION, "G. Erbett", 1, ["Person"], "Jean Herbette", "",
     "Herbette, via Russian Эрбетт."),
    (ARTICLE, "Jean Herbette", 1, ["Person"], "Jean Herbette", "", ""),
    (ARTICLE, "Leonid Krasin", 1, ["Person"], "Leonid Krasin", "", ""),
    (ARTICLE, "28 October, 1924", 1, ["Date"], None, "1924-10-28", ""),
    (ARTICLE, "refused to honour Russia's existing loans", 1, ["Imperial debt"], None, "1917",
     ""),
    (ARTICLE, "Comintern", 1, ["Organisation"], "Comintern", "", ""),
    (ARTICLE, "Édouard Herriot's government in Paris officially recognised the Soviet Union", 1,
     ["Recognition"], None, "1924", ""),
    (ARTICLE, "Édouard Herriot", 1, ["Person"], "Édouard Herriot", "", ""),
    (ARTICLE, "May 1935", 1, ["Date", "Collective security"], None, "1935-05",
     "The 1935 treaty, seen from the encyclopedia."),
    (ARTICLE, "A firm believer in collective security", 1, ["Collective security"], None, "", ""),
    (ARTICLE, "Maxim Litvinov", 1, ["Person"], "Maxim Litvinov", "", ""),
]


def build(out: Path) -> Project:
    for suffix in ("", "-wal", "-shm"):
        Path(str(out) + suffix).unlink(missing_ok=True)
    project = Project.create(out, "Caucasian émigrés, Soviet recognition and Paris, 1924–1935",
                             author="Sample Historian")
    docs = {}
    for name in (LETTER, RECOGNITION, ARTICLE, FACSIMILE, HELMS, VICKSBURG):
        report = project.documents.import_file(HERE / name).value
        docs[name] = report.document
    project.documents.update(docs[LETTER].id, title="Letter to Aristide Briand, 17 June 1927 "
                             "(English translation, with commentary)", language="en",
                             metadata={"date": "1927-06-17", "creator": "Representatives of "
                                       "Azerbaijan, Georgia, the North Caucasus and Ukraine",
                                       "rights": "see sample_documents/README.md"})
    project.documents.update(docs[FACSIMILE].id, language="en",
                             metadata={"date": "1927-06-17", "rights": "generated facsimile, "
                                       "see sample_documents/README.md"})
    project.documents.update(docs[HELMS].id, title="Helms to Spry, 26 November 1968 (NARA JFK "
                             "records 104-10009-10222)", language="en",
                             metadata={"date": "1968-11-26", "archive": "NARA, JFK Assassination "
                                       "Records", "shelfmark": "104-10009-10222",
                                       "rights": "public domain (U.S. Government work)"})
    project.documents.update(docs[VICKSBURG].id, title="The Siege of Vicksburg (1885), pp. 49–55, "
                             "scan with OCR", language="en",
                             metadata={"date": "1885", "rights": "BSD-3-Clause (pypdf test "
                                       "suite)"})
    project.documents.update(docs[RECOGNITION].id, title="Diplomatic relations between the USSR "
                             "and France established (Presidential Library)", language="en",
                             metadata={"date": "1924-10-28",
                                       "creator": "Presidential Library (Russia)"})
    project.documents.update(docs[ARTICLE].id, title="France–Soviet Union relations "
                             "(encyclopedia article)", language="en",
                             metadata={"rights": "CC BY-SA 4.0 (Wikipedia-derived)"})
    alignment = json.loads((HERE / "letter_to_briand_1927_facsimile.alignment.json").read_text())
    project.documents.link(docs[LETTER].id, docs[FACSIMILE].id, "transcription",
                           {int(k): int(v) for k, v in alignment.items()})

    with project.transaction():
        for path, description in THEMES.items():
            project.tags.create(path, TagKind.THEME, description=description)
        for path, description in SUBTHEMES.items():
            parent = project.tags.find(path.rsplit("/", 1)[0])
            project.tags.create(path.rsplit("/", 1)[1], TagKind.THEME, parent_id=parent.id,
                                description=description)
        for key, name in zip("6789", THEMES, strict=False):
            project.tags.update(project.tags.find(name).id, shortcut=key)
        for type_name, name, aliases, description, dates in ENTITIES:
            project.entities.create(name, project.tags.find(type_name).id, aliases=aliases,
                                    description=description, dates=dates)

    made = {}
    for doc_name, quote, occurrence, tags, entity, date, note in ANNOTATIONS:
        doc = docs[doc_name]
        start, end = project.annotations.locate(doc.id, quote, occurrence)
        tag_ids = [project.tags.find(t).id for t in tags]
        entity_id = project.entities.find(entity).id if entity else None
        made[(doc_name, quote, occurrence)] = project.annotations.add(
            doc.id, start=start, end=end, tag_ids=tag_ids, entity_id=entity_id,
            date_value=date, note=note).value

    # The scan side: the addressee block on the facsimile, linked to its transcription.
    briand = project.entities.find("Aristide Briand")
    region = project.annotations.add(
        docs[FACSIMILE].id, region=RegionSelector(1, 68, 86, 230, 68, (), "His Excellency / "
                                                  "Mr. Aristide Briand / Minister for "
                                                  "Foreign Affairs"),
        tag_ids=[project.tags.find("Person").id], entity_id=briand.id,
        note="Addressee block, as typed.").value
    project.links.create(made[(LETTER, "Aristide Briand", 2)].id, region.id, "transcribes")
    dateline = project.annotations.add(
        docs[FACSIMILE].id, region=RegionSelector(1, 385, 182, 150, 22, (), "Paris, 17 June 1927"),
        tag_ids=[project.tags.find("Date").id], date_value="1927-06-17").value
    project.links.create(made[(LETTER, "17 June 1927", 1)].id, dateline.id, "transcribes")
    # Two accounts of the same event: recognition in the Russian summary and the article.
    project.links.create(made[(RECOGNITION, "France acknowledges de jure the government of the "
                               "SSR Union", 1)].id,
                         made[(ARTICLE, "Édouard Herriot's government in Paris officially "
                               "recognised the Soviet Union", 1)].id, "same event")
    # A real scan with an OCR text layer: quote found on the page's words.
    pages = project.documents.pages(docs[VICKSBURG].id, with_words=True)
    found = find_quote(pages, "Vicksburg")
    if found is not None:
        project.annotations.add(docs[VICKSBURG].id, region=found,
                                tag_ids=[project.tags.find("Place").id],
                                note="Found on the OCR text layer of an 1885 printing.")
    project.close()
    return Project.open(out)


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "sample.annot"
    with build(target) as built:
        info = built.info()
        print(f"built {target}: {len(info['documents'])} documents, "
              f"{info['annotations']} annotations, {info['entities']} entities")
