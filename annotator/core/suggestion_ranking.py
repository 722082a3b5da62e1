"""The review queue's order (issue 15): one item per name, entity or date ("Tag all 6"),
the best evidence first, so the first screen of the queue is worth a scholar's time.

A known entity's mention comes first, then near-spellings of known names, places the
gazetteer knows, dates (the more precise the higher), then new names, ranked by their
evidence: how often they occur and in how many documents, a title before them ("M.",
"Mr", "General"), an initial or a first name the project knows ("G. Bruce Strang"), a
word telling their type ("Committee", "Treaty"). A name is ranked down when it is an
adjectival compound ("Franco-Soviet relations") or made only of words the text also
writes in lower case ("Related Research Articles", "Foreign Countries").
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from annotator.core import names

if TYPE_CHECKING:
    from annotator.core.project import Project
    from annotator.core.suggestions import Suggestion

TITLES = {"m", "mm", "mr", "mrs", "ms", "mme", "mlle", "dr", "sir", "lord", "lady", "general",
          "gen", "president", "minister", "ambassador", "comrade", "count", "countess",
          "prince", "princess", "marshal", "admiral", "colonel", "col", "captain", "capt",
          "king", "queen", "tsar", "emperor", "premier", "chancellor", "secretary",
          "historian", "professor", "prof", "monsieur", "madame", "herr", "frau", "baron",
          "bishop", "father", "saint", "st", "senator", "governor", "judge", "consul",
          "товарищ", "господин", "г"}
#: words of a role, not a name: "Foreign Minister", "British Ambassador", "Secretary of
#: State", "Dutch Ministers" name an office; the scholar tags the person who holds it
ROLE_WORDS = TITLES | {
    "ministers", "ambassadors", "secretaries", "chargé", "charge", "chargés", "consuls",
    "colleague", "colleagues", "foreign", "affairs", "state", "states", "principal",
    "acting", "deputy", "vice", "under", "assistant", "general", "delegate", "delegates",
    "representative", "representatives", "envoy", "excellency", "majesty", "highness",
    "governments", "minister", "ministry", "department", "relating", "papers", "volume",
    "document", "documents", "chairman", "member", "members"}
#: adjectives of nationality, which with a role word make a role ("French Chargé")
NATIONALITIES = {
    "american", "british", "english", "french", "german", "russian", "soviet", "italian",
    "japanese", "chinese", "dutch", "belgian", "polish", "finnish", "norwegian", "swedish",
    "danish", "spanish", "portuguese", "austrian", "hungarian", "czech", "czechoslovak",
    "romanian", "rumanian", "bulgarian", "greek", "turkish", "persian", "mexican",
    "brazilian", "argentine", "canadian", "australian", "swiss", "latvian", "lithuanian",
    "estonian", "ukrainian", "georgian", "armenian", "azerbaijani", "serbian", "yugoslav",
    "irish", "scottish", "indian", "egyptian", "allied", "associated", "imperial", "royal"}
_PRECISION = {"day": 10, "month": 6, "season": 3, "year": 0, "decade": -5, "century": -10}
_WORD = re.compile(r"\w+", re.UNICODE)


def is_role(words: list[str]) -> bool:
    """Whether a capitalised run names an office, not someone or something: every word a
    role word, a nationality, a function word or a roman numeral ("Volume II")."""
    folded = [w.casefold() for w in words]
    return bool(folded) and all(w in ROLE_WORDS or w in NATIONALITIES or w in _SMALL
                                or _ROMAN.fullmatch(w) for w in folded)


_SMALL = {"of", "the", "for", "and", "to", "de", "du", "des", "la", "le"}
_ROMAN = re.compile(r"[ivxlc]+")


@dataclass(slots=True)
class QueueItem:
    """One line of the queue: every suggestion of one name, entity or date."""

    kind: str
    quote: str  # the spelling met most often
    label: str
    score: float
    members: list[Suggestion] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.members)


def queue_items(project: Project, found: list[Suggestion], *,
                reading_order: bool = False) -> list[QueueItem]:
    """``found`` grouped (by :attr:`Suggestion.group`) and ranked, best first;
    ``reading_order``: one item per suggestion as found (the queue before issue 15)."""
    if reading_order:
        return [QueueItem(s.kind, s.quote, s.label, s.score, [s]) for s in found]
    groups: dict[str, list[Suggestion]] = {}
    for s in found:
        groups.setdefault(s.group, []).append(s)
    first_names = _first_names(project)
    lower_words = _lower_words(project, {s.document_id for s in found})
    items = []
    for members in groups.values():
        spellings: dict[str, int] = {}
        for s in members:
            spellings[s.quote] = spellings.get(s.quote, 0) + 1
        quote = max(spellings, key=lambda q: (spellings[q], -len(q)))
        lead = members[0]
        score = _score(lead.kind, members, first_names, lower_words)
        label = lead.label if len(members) == 1 else f"{lead.label} — tag all {len(members)}"
        items.append(QueueItem(lead.kind, quote, label, score, members))
    items.sort(key=lambda i: (-i.score, i.members[0].document_id, i.members[0].start))
    return items


def _score(kind: str, members: list[Suggestion], first_names: set[str],
           lower_words: set[str]) -> float:
    n = len(members)
    docs = len({s.document_id for s in members})
    s = members[0]
    if kind in ("mention", "occurrence"):
        return 100 + min(n, 10)
    if kind == "alias":
        return s.score - 5 + min(n, 5)
    if kind == "date":
        return 55 + _PRECISION.get(s.precision, 0) + min(n, 5)
    if kind == "place":
        return 60 + 5 * math.log2(1 + n) + 5 * (docs > 1)
    return _name_score(members, n, docs, first_names, lower_words)


def _name_score(members: list[Suggestion], n: int, docs: int, first_names: set[str],
                lower_words: set[str]) -> float:
    s = members[0]
    words = _WORD.findall(s.quote)
    score = 25 + 8 * math.log2(1 + n) + 10 * (docs > 1)
    if any(_title_before(m) for m in members):
        score += 15
    if words and (names.fold(words[0]) in first_names
                  or any(len(w) == 1 and w.isupper() for w in words[:-1])):
        score += 10
    if s.type_id:
        score += 10  # a telling word: "Committee", "Treaty", "Mr"
    if re.search(r"\w[-‐–—]\w", s.quote) and any(_lower_next(m) for m in members):
        score -= 25  # "Franco-Soviet relations", "France–Soviet Union relations"
    folded = [w.casefold() for w in words if len(w) > 1]
    if folded and all(w in lower_words for w in folded):
        score -= 15  # "Related Research Articles", "Collective Security"
    return score


def _title_before(s: Suggestion) -> bool:
    before = _WORD.findall(s.left[-24:])
    return bool(before) and before[-1].casefold() in TITLES


def _lower_next(s: Suggestion) -> bool:
    after = _WORD.findall(s.right[:24])
    return bool(after) and after[0][0].islower()


def _first_names(project: Project) -> set[str]:
    """First words of the project's Person records ("Aristide", "Édouard"), folded."""
    person = project.tags.find("Person")
    out = set()
    for entity in project.entities.list(person.id if person else None):
        for spelling in (entity.name, *entity.aliases):
            words = _WORD.findall(spelling)
            if len(words) > 1 and len(words[0]) > 1:
                out.add(names.fold(words[0]))
    return out


def _lower_words(project: Project, document_ids: set[str]) -> set[str]:
    """Words the documents write in lower case somewhere (so common words, not names)."""
    out: set[str] = set()
    for doc_id in document_ids:
        out.update(w for w in _WORD.findall(project.documents.text(doc_id) or "")
                   if w.islower())
    return out
